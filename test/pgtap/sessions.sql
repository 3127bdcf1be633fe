-- Sessions (API.md §3.1, §3.2): one row per sign-in; refresh rotates the
-- refresh token within the session; presenting a spent refresh token revokes
-- the whole session (reuse detection); logout, logout_all, a password change,
-- disabling and deleting a user end sessions, and an ended or expired session
-- refuses its access tokens on the very next call.
--
-- Reuse detection revokes through the autonomous background worker, which
-- only sees committed rows, so this file runs WITHOUT a surrounding
-- transaction: every call commits. Its accounts (@tap-sessions.test) are
-- deleted at the start (leftovers of an interrupted run) and at the end.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DELETE FROM jobboard.users WHERE email LIKE '%@tap-sessions.test';

SELECT plan(57);

-- Helpers --------------------------------------------------------------------

CREATE FUNCTION pg_temp.try(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	result jsonb;
	st text;
	msg text;
BEGIN
	EXECUTE sql INTO result;
	RETURN result;
EXCEPTION WHEN OTHERS OR query_canceled THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg);
END
$$;

CREATE FUNCTION pg_temp.me(token text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT pg_temp.try(format('SELECT jobboard.me(%L)', token))
$$;

CREATE FUNCTION pg_temp.email(token text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(pg_temp.me(token) ->> 'email', (pg_temp.me(token))::text)
$$;

CREATE FUNCTION pg_temp.refresh(refresh_token text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT pg_temp.try(format('SELECT jobboard.refresh(NULL, %L)', jsonb_build_object('refresh_token', refresh_token)))
$$;

CREATE FUNCTION pg_temp.login(email text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jobboard.login(NULL, jsonb_build_object('email', email, 'password', 'Correct-horse-7'))
$$;

CREATE FUNCTION pg_temp.sid(token text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT (convert_from(decode(translate(split_part(token, '.', 2), '-_', '+/') ||
	        repeat('=', (4 - length(split_part(token, '.', 2)) % 4) % 4), 'base64'), 'UTF8')::jsonb ->> 'sid')::bigint
$$;

CREATE FUNCTION pg_temp.revoked(sid bigint) RETURNS boolean LANGUAGE sql AS $$
	SELECT revoked_at IS NOT NULL FROM jobboard.sessions WHERE id = sid
$$;

CREATE FUNCTION pg_temp.err(message text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('sqlstate', '28000', 'message', message)
$$;

CREATE FUNCTION pg_temp.hash(token text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT sha256(convert_to(token, 'UTF8'))
$$;

-- Starting a session ---------------------------------------------------------

SELECT jobboard.register(NULL, '{"email": "sam@tap-sessions.test", "password": "Correct-horse-7", "name": "Sam"}') AS a \gset
SELECT :'a'::jsonb ->> 'access_token' AS a_tok, :'a'::jsonb ->> 'refresh_token' AS a_ref,
       :'a'::jsonb #>> '{user,id}' AS sam \gset
SELECT pg_temp.login('sam@tap-sessions.test') AS b \gset
SELECT :'b'::jsonb ->> 'access_token' AS b_tok, :'b'::jsonb ->> 'refresh_token' AS b_ref \gset
SELECT pg_temp.sid(:'a_tok') AS a_sid, pg_temp.sid(:'b_tok') AS b_sid \gset

SELECT is((SELECT count(*) FROM jobboard.sessions WHERE user_id = :sam AND revoked_at IS NULL), 2::bigint,
          'register and login each start a session');
SELECT isnt(:a_sid, :b_sid, 'with different ids');
SELECT is((SELECT user_id FROM jobboard.sessions WHERE id = :a_sid), :sam::bigint, 'the sid of the token names the user''s session');
SELECT ok((SELECT expires_at BETWEEN now() + interval '30 days' - interval '1 minute'
                                 AND now() + interval '30 days' + interval '1 minute'
             FROM jobboard.sessions WHERE id = :a_sid),
          'a session lasts jobboard.refresh_token_ttl (default 30 days)');
SELECT is((:'a'::jsonb -> 'refresh_expires_in')::int, 2592000, 'refresh_expires_in says so');
SELECT is((SELECT refresh_hash FROM jobboard.sessions WHERE id = :a_sid), pg_temp.hash(:'a_ref'),
          'the session keeps the SHA-256 of its refresh token');

-- Refresh: rotation ----------------------------------------------------------

SELECT pg_temp.refresh(:'a_ref') AS a2 \gset
SELECT :'a2'::jsonb ->> 'access_token' AS a2_tok, :'a2'::jsonb ->> 'refresh_token' AS a2_ref \gset
SELECT ok(:'a2'::jsonb ? 'access_token' AND :'a2'::jsonb ? 'refresh_token', 'refresh answers a new token pair');
SELECT isnt(:'a2_ref'::text, :'a_ref'::text, 'with a new refresh token');
SELECT is(pg_temp.sid(:'a2_tok'), :a_sid::bigint, 'for the same session');
SELECT is((SELECT refresh_hash FROM jobboard.sessions WHERE id = :a_sid), pg_temp.hash(:'a2_ref'),
          'the session now keeps the new token''s hash');
SELECT is((SELECT session_id FROM jobboard.spent_refresh_tokens WHERE hash = pg_temp.hash(:'a_ref')), :a_sid::bigint,
          'the spent token is remembered for its session');
SELECT is(pg_temp.email(:'a2_tok'), 'sam@tap-sessions.test', 'the new access token works');
SELECT is(pg_temp.email(:'a_tok'), 'sam@tap-sessions.test', 'so does the older one of the same session');

-- Refresh: reuse detection ---------------------------------------------------

SELECT is(pg_temp.refresh(:'a_ref'),
          pg_temp.err('the refresh token was already used; the session has been revoked'),
          'a spent refresh token presented again: 401');
SELECT ok(pg_temp.revoked(:a_sid), 'the session is revoked, although the call failed (autonomous write)');
SELECT is(pg_temp.refresh(:'a2_ref'), pg_temp.err('the session has ended'), 'its current refresh token is refused');
SELECT is(pg_temp.me(:'a2_tok'), pg_temp.err('the session has ended'), 'its newest access token is refused');
SELECT is(pg_temp.me(:'a_tok'), pg_temp.err('the session has ended'), 'and its older one');
SELECT is(pg_temp.refresh(:'a_ref'),
          pg_temp.err('the refresh token was already used; the session has been revoked'),
          'presenting the spent token once more changes nothing');
SELECT is(pg_temp.email(:'b_tok'), 'sam@tap-sessions.test', 'the user''s other session lives on');
SELECT is(pg_temp.refresh('x' || :'b_ref'), pg_temp.err('the refresh token is invalid'), 'an unknown refresh token: 401');
SELECT ok(NOT pg_temp.revoked(:b_sid), '... which revokes nothing');

-- Logout ---------------------------------------------------------------------

SELECT is(jobboard.logout(NULL, jsonb_build_object('refresh_token', :'b_ref')), NULL, 'logout answers nothing (204)');
SELECT ok(pg_temp.revoked(:b_sid), 'and revokes the session');
SELECT is(pg_temp.me(:'b_tok'), pg_temp.err('the session has ended'), 'whose access token is refused at once');
SELECT is(pg_temp.refresh(:'b_ref'), pg_temp.err('the session has ended'), 'and whose refresh token too');
SELECT revoked_at AS b_revoked FROM jobboard.sessions WHERE id = :b_sid \gset
SELECT is(jobboard.logout(NULL, jsonb_build_object('refresh_token', :'b_ref')), NULL, 'a second logout answers nothing too');
SELECT is((SELECT revoked_at FROM jobboard.sessions WHERE id = :b_sid), :'b_revoked'::timestamptz,
          'and leaves the session as it was');

-- A spent refresh token still names its session for logout.
SELECT pg_temp.login('sam@tap-sessions.test') AS c \gset
SELECT :'c'::jsonb ->> 'refresh_token' AS c_ref, pg_temp.sid(:'c'::jsonb ->> 'access_token') AS c_sid \gset
SELECT pg_temp.refresh(:'c_ref') ->> 'access_token' AS c2_tok \gset
SELECT is(jobboard.logout(NULL, jsonb_build_object('refresh_token', :'c_ref')), NULL, 'logout with a spent refresh token');
SELECT ok(pg_temp.revoked(:c_sid), 'ends that session too');
SELECT is(pg_temp.me(:'c2_tok'), pg_temp.err('the session has ended'), 'and its access tokens');

-- logout_all -----------------------------------------------------------------

SELECT pg_temp.login('sam@tap-sessions.test') ->> 'access_token' AS d_tok \gset
SELECT pg_temp.login('sam@tap-sessions.test') ->> 'access_token' AS e_tok \gset
SELECT jobboard.register(NULL, '{"email": "pat@tap-sessions.test", "password": "Correct-horse-7", "name": "Pat"}') ->> 'access_token' AS pat_tok \gset
SELECT is(jobboard.logout_all(:'d_tok'), NULL, 'logout_all answers nothing (204)');
SELECT is((SELECT count(*) FROM jobboard.sessions WHERE user_id = :sam AND revoked_at IS NULL), 0::bigint,
          'every session of the user is revoked');
SELECT is(pg_temp.me(:'d_tok'), pg_temp.err('the session has ended'), 'the caller''s own included');
SELECT is(pg_temp.me(:'e_tok'), pg_temp.err('the session has ended'), 'and the others');
SELECT is(pg_temp.email(:'pat_tok'), 'pat@tap-sessions.test', 'another user''s session is untouched');

-- me_password ----------------------------------------------------------------

SELECT pg_temp.login('sam@tap-sessions.test') ->> 'access_token' AS f_tok \gset
SELECT pg_temp.login('sam@tap-sessions.test') AS g \gset
SELECT :'g'::jsonb ->> 'access_token' AS g_tok, :'g'::jsonb ->> 'refresh_token' AS g_ref \gset
SELECT is(jobboard.me_password(:'f_tok', '{"current_password": "Correct-horse-7", "new_password": "Battery-staple-8"}'), NULL,
          'me_password answers nothing (204)');
SELECT is(pg_temp.email(:'f_tok'), 'sam@tap-sessions.test', 'the session that changed the password goes on');
SELECT is(pg_temp.me(:'g_tok'), pg_temp.err('the session has ended'), 'the other sessions end');
SELECT is(pg_temp.refresh(:'g_ref'), pg_temp.err('the session has ended'), 'with their refresh tokens');
SELECT is(jobboard.me_password(:'f_tok', '{"current_password": "Battery-staple-8", "new_password": "Correct-horse-7"}'), NULL,
          'and back');

-- Disabling and deleting a user ----------------------------------------------

SELECT jobboard.register(NULL, '{"email": "boss@tap-sessions.test", "password": "Correct-horse-7", "name": "Boss"}') ->> 'access_token' AS boss \gset
SELECT jobboard.grant_role('boss@tap-sessions.test', 'admin') IS NOT NULL AS granted \gset
SELECT pg_temp.login('sam@tap-sessions.test') AS h \gset
SELECT :'h'::jsonb ->> 'access_token' AS h_tok, :'h'::jsonb ->> 'refresh_token' AS h_ref \gset
SELECT is(jobboard.user_update(:'boss', jsonb_build_object('id', :sam, 'disabled', true)) -> 'disabled', 'true',
          'an admin disables the user');
SELECT is((SELECT count(*) FROM jobboard.sessions WHERE user_id = :sam AND revoked_at IS NULL), 0::bigint,
          'which revokes every session');
SELECT is(pg_temp.me(:'h_tok'), pg_temp.err('the session has ended'), 'the access token is refused on the next call');
SELECT is(jobboard.user_update(:'boss', jsonb_build_object('id', :sam, 'disabled', false)) -> 'disabled', 'false',
          'enabled again');
SELECT is(pg_temp.refresh(:'h_ref'), pg_temp.err('the session has ended'), 'the ended sessions stay ended');

-- Expiry ---------------------------------------------------------------------

SET jobboard.refresh_token_ttl = 60;
SELECT pg_temp.login('sam@tap-sessions.test') AS i \gset
SELECT :'i'::jsonb ->> 'access_token' AS i_tok, :'i'::jsonb ->> 'refresh_token' AS i_ref,
       pg_temp.sid(:'i'::jsonb ->> 'access_token') AS i_sid \gset
SELECT is((:'i'::jsonb -> 'refresh_expires_in')::int, 60, 'refresh_expires_in follows jobboard.refresh_token_ttl');
SELECT ok((SELECT expires_at BETWEEN now() + interval '55 seconds' AND now() + interval '65 seconds'
             FROM jobboard.sessions WHERE id = :i_sid), 'and so does the session''s end');
RESET jobboard.refresh_token_ttl;
UPDATE jobboard.sessions SET expires_at = now() - interval '1 second' WHERE id = :i_sid;
SELECT is(pg_temp.me(:'i_tok'), pg_temp.err('the session has ended'), 'an expired session refuses its access token');
SELECT is(pg_temp.refresh(:'i_ref'), pg_temp.err('the session has ended'), 'and its refresh token');

SET jobboard.access_token_ttl = 1;
SELECT pg_temp.login('sam@tap-sessions.test') AS j \gset
RESET jobboard.access_token_ttl;
SELECT :'j'::jsonb ->> 'access_token' AS j_tok, :'j'::jsonb ->> 'refresh_token' AS j_ref \gset
SELECT pg_sleep(1.2) IS NULL AS slept \gset
SELECT is(pg_temp.me(:'j_tok'), pg_temp.err('the access token has expired'), 'an expired access token: 401');
SELECT is(pg_temp.email(pg_temp.refresh(:'j_ref') ->> 'access_token'), 'sam@tap-sessions.test',
          'its session still gives a new one');

-- A psql user may call several entry points in one transaction. Replaying a
-- spent refresh token there must answer its 401, not wait for ever: the
-- autonomous worker that revokes the session needs the row this transaction
-- locked when it rotated the token (statement_timeout turns a hang into 57014).
SELECT pg_temp.login('sam@tap-sessions.test') AS k \gset
SELECT :'k'::jsonb ->> 'refresh_token' AS k_ref, pg_temp.sid(:'k'::jsonb ->> 'access_token') AS k_sid \gset
BEGIN;
SET LOCAL statement_timeout = '3s';
SELECT pg_temp.refresh(:'k_ref') ->> 'refresh_token' AS k2_ref \gset
SELECT is(pg_temp.refresh(:'k_ref'),
          pg_temp.err('the refresh token was already used; the session has been revoked'),
          'in one transaction: refresh, then the spent token again: 401, without hanging');
COMMIT;
-- (a worker left waiting by a timeout finishes once this transaction ends)
DO $$
BEGIN
	FOR i IN 1..100 LOOP
		EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'jobboard autonomous write');
		PERFORM pg_sleep(0.05);
	END LOOP;
END
$$;
SELECT ok(pg_temp.revoked(:k_sid), 'and the session is revoked');

SELECT is(jobboard.user_delete(:'boss', jsonb_build_object('id', :sam)), NULL, 'an admin deletes the user');
SELECT is((SELECT count(*) FROM jobboard.sessions WHERE user_id = :sam), 0::bigint, 'the sessions go with the user');
SELECT is((SELECT count(*) FROM jobboard.spent_refresh_tokens WHERE session_id IN (:a_sid, :c_sid)), 0::bigint,
          'and the spent tokens with them');

SELECT * FROM finish();

DELETE FROM jobboard.users WHERE email LIKE '%@tap-sessions.test';
