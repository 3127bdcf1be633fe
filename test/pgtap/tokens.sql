-- Access tokens (API.md §1, §3.1): HS256 JWTs whose signature is checked
-- before anything in them is believed; alg none and other algorithms, expired
-- tokens, a wrong issuer, tampered payloads and the sid of a revoked session
-- are refused; the roles claim is never trusted (permissions come from the
-- database); rotate_secret kills every token. Refresh tokens are opaque
-- 256-bit strings stored only as their SHA-256.
--
-- Tokens are forged here with the real secret (read from jobboard.secret as
-- superuser) and pgcrypto's hmac(). Everything runs in one transaction that
-- is rolled back; nothing here needs the autonomous worker.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

SELECT plan(55);

-- Helpers --------------------------------------------------------------------

CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT rtrim(translate(encode(b, 'base64'), E'+/\n', '-_'), '=')
$$;

CREATE FUNCTION pg_temp.b64url_decode(t text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT decode(translate(t, '-_', '+/') || repeat('=', (4 - length(t) % 4) % 4), 'base64')
$$;

CREATE FUNCTION pg_temp.part(token text, n int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT convert_from(pg_temp.b64url_decode(split_part(token, '.', n)), 'UTF8')::jsonb
$$;

CREATE FUNCTION pg_temp.secret() RETURNS bytea LANGUAGE sql STABLE AS $$
	SELECT key FROM jobboard.secret WHERE id = 1
$$;

-- header.payload signed with HMAC (sha256 unless told) under key (the real
-- secret unless told).
CREATE FUNCTION pg_temp.forge(header jsonb, payload jsonb, key bytea DEFAULT NULL,
                              algo text DEFAULT 'sha256') RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT signing || '.' || pg_temp.b64url(public.hmac(convert_to(signing, 'UTF8'),
	                                        coalesce(key, pg_temp.secret()), algo))
	  FROM (SELECT pg_temp.b64url(convert_to(header::text, 'UTF8')) || '.' ||
	               pg_temp.b64url(convert_to(payload::text, 'UTF8')) AS signing) s
$$;

CREATE FUNCTION pg_temp.now_s() RETURNS bigint LANGUAGE sql AS $$
	SELECT floor(extract(epoch FROM clock_timestamp()))::bigint
$$;

-- Run a statement; its jsonb result, or {"sqlstate", "message"} if it fails.
CREATE FUNCTION pg_temp.try(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	result jsonb;
	st text;
	msg text;
BEGIN
	EXECUTE sql INTO result;
	RETURN result;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg);
END
$$;

-- The caller behind a token, as me() sees it, or the error.
CREATE FUNCTION pg_temp.me(token text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT pg_temp.try(format('SELECT jobboard.me(%L) - %L - %L - %L', token, 'id', 'created_at', 'updated_at'))
$$;

CREATE FUNCTION pg_temp.err(message text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('sqlstate', '28000', 'message', message)
$$;

-- The cast -------------------------------------------------------------------

SELECT jobboard.register(NULL, '{"email": "cand@tap-tokens.test", "password": "Correct-horse-7", "name": "Cand"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS tok,
       :'pair'::jsonb ->> 'refresh_token' AS refresh,
       :'pair'::jsonb #>> '{user,id}' AS cand_id \gset
SELECT jobboard.register(NULL, '{"email": "other@tap-tokens.test", "password": "Correct-horse-7", "name": "Other"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS other_tok, :'pair'::jsonb #>> '{user,id}' AS other_id \gset
SELECT pg_temp.part(:'tok', 2) ->> 'sid' AS sid, pg_temp.part(:'other_tok', 2) ->> 'sid' AS other_sid \gset

-- The token as issued --------------------------------------------------------

SELECT is(pg_temp.part(:'tok', 1), '{"alg": "HS256", "typ": "JWT"}', 'the header is {"alg":"HS256","typ":"JWT"}');
SELECT set_eq(format('SELECT jsonb_object_keys(%L::jsonb)', pg_temp.part(:'tok', 2)),
              ARRAY['iss', 'sub', 'sid', 'roles', 'iat', 'exp'],
              'the payload has iss, sub, sid, roles, iat, exp');
SELECT is(pg_temp.part(:'tok', 2) -> 'iss', '"jobboard"', 'iss is "jobboard"');
SELECT is(pg_temp.part(:'tok', 2) -> 'sub', to_jsonb(:'cand_id'::text), 'sub is the user id as a string');
SELECT ok(EXISTS (SELECT 1 FROM jobboard.sessions WHERE id = :sid AND user_id = :cand_id),
          'sid names the session of that user');
SELECT is(pg_temp.part(:'tok', 2) -> 'roles', '["candidate"]', 'roles lists the user''s roles');
SELECT is((pg_temp.part(:'tok', 2) ->> 'exp')::bigint - (pg_temp.part(:'tok', 2) ->> 'iat')::bigint, 900::bigint,
          'exp - iat is jobboard.access_token_ttl (default 900)');
SELECT ok(abs((pg_temp.part(:'tok', 2) ->> 'iat')::bigint - pg_temp.now_s()) <= 5, 'iat is now');
SELECT is(pg_temp.b64url(public.hmac(convert_to(split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2), 'UTF8'),
                                      pg_temp.secret(), 'sha256')),
          split_part(:'tok', '.', 3), 'the signature is HMAC-SHA256 of header.payload under the stored secret');
SELECT is(pg_temp.me(:'tok') ->> 'email', 'cand@tap-tokens.test', 'the token works');

-- A token re-made from the same claims works: the forger below is faithful.
SELECT jsonb_build_object('iss', 'jobboard', 'sub', :'cand_id', 'sid', :sid, 'roles', '["candidate"]'::jsonb,
                          'iat', pg_temp.now_s(), 'exp', pg_temp.now_s() + 600) AS claims \gset
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', :'claims')) ->> 'email', 'cand@tap-tokens.test',
          'a token forged with the real secret and sound claims is accepted');

-- Signatures -----------------------------------------------------------------

SELECT split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2) AS signing,
       pg_temp.b64url_decode(split_part(:'tok', '.', 3)) AS sig \gset
SELECT is(pg_temp.me(:'signing' || '.' || pg_temp.b64url(set_byte(:'sig'::bytea, 0, get_byte(:'sig'::bytea, 0) # 1))),
          pg_temp.err('the access token signature is invalid'), 'one flipped bit in the signature: 401');
SELECT is(pg_temp.me(:'signing' || '.' || pg_temp.b64url(set_byte(:'sig'::bytea, 31, get_byte(:'sig'::bytea, 31) # 128))),
          pg_temp.err('the access token signature is invalid'), 'a flipped bit in the last signature byte: 401');
SELECT is(pg_temp.me(:'signing' || '.' || pg_temp.b64url(substring(:'sig'::bytea FROM 1 FOR 31))),
          pg_temp.err('the access token signature is invalid'), 'a truncated signature: 401');
SELECT is(pg_temp.me(:'signing' || '.'), pg_temp.err('the access token signature is invalid'), 'no signature: 401');
SELECT is(pg_temp.me(split_part(:'tok', '.', 1) || '.' ||
                     pg_temp.b64url(convert_to(jsonb_set(pg_temp.part(:'tok', 2), '{sub}', to_jsonb(:'other_id'::text))::text, 'UTF8')) ||
                     '.' || split_part(:'tok', '.', 3)),
          pg_temp.err('the access token signature is invalid'), 'a changed payload under the old signature: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', :'claims', public.gen_random_bytes(32))),
          pg_temp.err('the access token signature is invalid'), 'signed with another key: 401');
SELECT is(pg_temp.me(:'tok' || '.x'), pg_temp.err('the access token is malformed'), 'four parts: 401');
SELECT is(pg_temp.me(:'signing'), pg_temp.err('the access token is malformed'), 'two parts: 401');
SELECT is(pg_temp.me(repeat('a', 5000) || '.' || :'tok'), pg_temp.err('the access token is malformed'), 'an over-long token: 401');
SELECT is(pg_temp.me(' ' || :'tok'), pg_temp.err('the access token signature is invalid'), 'a token with a leading space: 401');

-- Algorithms -----------------------------------------------------------------

SELECT is(pg_temp.me(pg_temp.b64url(convert_to('{"alg":"none","typ":"JWT"}', 'UTF8')) || '.' ||
                     pg_temp.b64url(convert_to(:'claims', 'UTF8')) || '.'),
          pg_temp.err('the access token signature is invalid'), 'alg none, unsigned: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "none", "typ": "JWT"}', :'claims')),
          pg_temp.err('the access token algorithm is not accepted'), 'alg none, even when signed with the secret: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS512", "typ": "JWT"}', :'claims', NULL, 'sha512')),
          pg_temp.err('the access token signature is invalid'), 'HS512, signed with HMAC-SHA512 under the secret: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS512", "typ": "JWT"}', :'claims')),
          pg_temp.err('the access token algorithm is not accepted'), 'an HS512 header over an HS256 signature: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "hs256", "typ": "JWT"}', :'claims')),
          pg_temp.err('the access token algorithm is not accepted'), 'alg hs256 in lower case: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"typ": "JWT"}', :'claims')),
          pg_temp.err('the access token algorithm is not accepted'), 'no alg: 401');

-- Claims ---------------------------------------------------------------------

SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{exp}', to_jsonb(pg_temp.now_s() - 1)))),
          pg_temp.err('the access token has expired'), 'exp in the past: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{exp}', to_jsonb(pg_temp.now_s() - 86400 * 365)))),
          pg_temp.err('the access token has expired'), 'exp a year ago: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', :'claims'::jsonb - 'exp')),
          pg_temp.err('the access token is malformed'), 'no exp: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{iss}', '"elsewhere"'))),
          pg_temp.err('the access token is malformed'), 'a wrong iss: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', :'claims'::jsonb - 'iss')),
          pg_temp.err('the access token is malformed'), 'no iss: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sub}', to_jsonb(:cand_id)))),
          pg_temp.err('the access token is malformed'), 'sub as a number instead of a string: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sub}', to_jsonb(:'cand_id' || 'x')))),
          pg_temp.err('the access token is malformed'), 'sub not a number: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sid}', to_jsonb(:'sid'::text)))),
          pg_temp.err('the access token is malformed'), 'sid as a string: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sub}', to_jsonb(:'other_id'::text)))),
          pg_temp.err('the session has ended'), 'the sid of one user with the sub of another: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sid}', to_jsonb(:other_sid)))),
          pg_temp.err('the session has ended'), 'the sid of another user''s session: 401');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sid}', '999999999'))),
          pg_temp.err('the session has ended'), 'the sid of no session: 401');

-- The roles claim is not believed: permissions come from the database.
SELECT pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{roles}', '["admin"]')) AS forged_admin \gset
SELECT is(pg_temp.me(:'forged_admin') -> 'roles', '["candidate"]', 'a candidate''s token claiming admin: still a candidate');
SELECT is(pg_temp.try(format('SELECT jobboard.users_list(%L)', :'forged_admin')),
          '{"sqlstate": "42501", "message": "you lack the permission for this"}', '... and users_list is refused (403)');
SELECT is(pg_temp.try(format('SELECT jobboard.roles_list(%L)', :'forged_admin')),
          '{"sqlstate": "42501", "message": "you lack the permission for this"}', '... and roles_list is refused (403)');

-- An admin's token whose roles claim is emptied keeps the admin's permissions.
SELECT jobboard.register(NULL, '{"email": "admin@tap-tokens.test", "password": "Correct-horse-7", "name": "Admin"}') ->> 'access_token' AS admin_tok \gset
SELECT jobboard.grant_role('admin@tap-tokens.test', 'admin') IS NOT NULL AS granted \gset
SELECT pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(pg_temp.part(:'admin_tok', 2), '{roles}', '[]')) AS admin_no_roles \gset
SELECT is(pg_temp.try(format('SELECT to_jsonb(jobboard.roles_list(%L) IS NOT NULL)', :'admin_no_roles')), 'true',
          'an admin''s token with "roles": [] still has the admin''s permissions');
SELECT is(pg_temp.part(:'admin_tok', 2) -> 'roles', '["candidate"]',
          'the admin''s first token named only the roles of its time ...');
SELECT is(pg_temp.try(format('SELECT to_jsonb(jobboard.users_list(%L) IS NOT NULL)', :'admin_tok')), 'true',
          '... and carries the admin role granted since');

-- The sid of a revoked session.
SELECT jobboard.logout(NULL, jsonb_build_object('refresh_token', :'refresh')) IS NULL AS logged_out \gset
SELECT is(pg_temp.me(:'tok'), pg_temp.err('the session has ended'), 'after logout the session''s token is refused');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{exp}', to_jsonb(pg_temp.now_s() + 3600)))),
          pg_temp.err('the session has ended'), 'a fresh token forged for the revoked session is refused too');

-- Settings, refresh tokens, rotation -----------------------------------------

SET LOCAL jobboard.access_token_ttl = 60;
SELECT jobboard.login(NULL, '{"email": "cand@tap-tokens.test", "password": "Correct-horse-7"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS tok, :'pair'::jsonb ->> 'refresh_token' AS refresh \gset
SELECT is((:'pair'::jsonb -> 'expires_in')::int, 60, 'expires_in follows jobboard.access_token_ttl');
SELECT is((pg_temp.part(:'tok', 2) ->> 'exp')::bigint - (pg_temp.part(:'tok', 2) ->> 'iat')::bigint, 60::bigint,
          'and so does exp - iat');
RESET jobboard.access_token_ttl;

SELECT ok(:'refresh' ~ '^[A-Za-z0-9_-]{43,}$', 'the refresh token is opaque base64url of at least 256 bits');
SELECT ok(EXISTS (SELECT 1 FROM jobboard.sessions WHERE refresh_hash = sha256(convert_to(:'refresh', 'UTF8'))),
          'the session stores the SHA-256 of the refresh token');
SELECT ok(NOT EXISTS (SELECT 1 FROM jobboard.sessions s
                       WHERE position(convert_to(:'refresh', 'UTF8') IN s.refresh_hash) > 0
                          OR s::text LIKE '%' || :'refresh' || '%'),
          'and nowhere the token itself');

SELECT pg_temp.secret() AS old_key \gset
SELECT jobboard.rotate_secret() IS NULL AS rotated \gset
SELECT isnt(pg_temp.secret(), :'old_key'::bytea, 'rotate_secret replaces the key');
SELECT is(pg_temp.me(:'tok'), pg_temp.err('the access token signature is invalid'),
          'after rotate_secret an access token issued before is refused');
SELECT is(pg_temp.me(pg_temp.forge('{"alg": "HS256", "typ": "JWT"}', jsonb_set(:'claims', '{sid}', to_jsonb(pg_temp.part(:'tok', 2) -> 'sid')), :'old_key'::bytea)),
          pg_temp.err('the access token signature is invalid'), 'and so is one signed with the old key');
SELECT is(pg_temp.me(jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'refresh')) ->> 'access_token') ->> 'email',
          'cand@tap-tokens.test', 'the refresh token still gives a new pair, signed with the new key');

SELECT * FROM finish();
ROLLBACK;
