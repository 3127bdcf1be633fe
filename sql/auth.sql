-- The auth routes of API.md §3.1 as a psql user meets them: register, login
-- (with lockout), refresh, logout, logout_all, me, me_update, me_password.
-- After each call that must fail, \echo prints its SQLSTATE (API.md §4 maps
-- it to the HTTP status). Every account here ends in @auth.test.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

--
-- register
--
-- The 201 body: a token pair and the user; e-mail and name are trimmed, the
-- role defaults to candidate.
SELECT jobboard.register(NULL, '{"email": "  Ann@Auth.Test ", "password": "Correct-horse-7", "name": "  Ann Auth "}') AS pair \gset
SELECT :'pair'::jsonb - 'access_token' - 'refresh_token' - 'user' AS pair,
       jsonb_typeof(:'pair'::jsonb -> 'access_token') AS access_token,
       jsonb_typeof(:'pair'::jsonb -> 'refresh_token') AS refresh_token;
SELECT (:'pair'::jsonb -> 'user') - 'id' - 'created_at' - 'updated_at' AS "user";
SELECT array_length(string_to_array(:'pair'::jsonb ->> 'access_token', '.'), 1) AS jwt_parts,
       length(:'pair'::jsonb ->> 'refresh_token') >= 43 AS refresh_has_256_bits,
       jsonb_typeof(:'pair'::jsonb #> '{user,id}') AS id_type;
-- An employer may sign up as such; admin cannot be chosen.
SELECT (jobboard.register(NULL, '{"email": "emma@auth.test", "password": "Correct-horse-7", "name": "Emma", "role": "employer"}') -> 'user') - 'id' - 'created_at' - 'updated_at' AS "user";
SELECT jobboard.register(NULL, '{"email": "adam@auth.test", "password": "Correct-horse-7", "name": "Adam", "role": "admin"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "adam@auth.test", "password": "Correct-horse-7", "name": "Adam", "role": "Candidate"}'); \echo :LAST_ERROR_SQLSTATE
-- The email is taken whatever its case and surrounding spaces: 409.
SELECT jobboard.register(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7", "name": "Ann again"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": " ANN@AUTH.TEST", "password": "Correct-horse-7", "name": "Ann again"}'); \echo :LAST_ERROR_SQLSTATE
-- Password rules: 8..128 code points, not the email, not a common password
-- (compared case-insensitively).
SELECT jobboard.register(NULL, '{"email": "pw1@auth.test", "password": "Abc-123", "name": "Pw"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "pw1@auth.test", "password": "ééééééé", "name": "Pw"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "pw1@auth.test", "password": "éééééééé", "name": "Pw"}') -> 'user' ->> 'email' AS eight_code_points;
SELECT jobboard.register(NULL, jsonb_build_object('email', 'pw2@auth.test', 'name', 'Pw', 'password', repeat('x', 120) || 'Abc-1234')) -> 'user' ->> 'email' AS max_length;
SELECT jobboard.register(NULL, jsonb_build_object('email', 'pw3@auth.test', 'name', 'Pw', 'password', repeat('x', 121) || 'Abc-1234')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "pw3@auth.test", "password": "PW3@Auth.Test", "name": "Pw"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "pw3@auth.test", "password": "password", "name": "Pw"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "pw3@auth.test", "password": "PassWord1", "name": "Pw"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "pw3@auth.test", "password": "TRUSTNO1", "name": "Pw"}'); \echo :LAST_ERROR_SQLSTATE
-- One 422 names every bad field, unknown ones included.
SELECT jobboard.register(NULL, '{"email": "not-an-email", "password": "short", "role": "admin", "nickname": "x", "_private": 1}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": 42, "password": null, "name": ""}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "a@b", "password": "Correct-horse-7", "name": "   "}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, NULL); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '["not", "an", "object"]'); \echo :LAST_ERROR_SQLSTATE
-- Idempotency-Key: a repeat of the same request signs the same account in
-- again; the same key with another body is a 409.
SELECT jobboard.register(NULL, '{"email": "idem@auth.test", "password": "Correct-horse-7", "name": "Idem", "_idempotency_key": "auth-key-1"}') AS pair \gset
SELECT jobboard.register(NULL, '{"email": "idem@auth.test", "password": "Correct-horse-7", "name": "Idem", "_idempotency_key": "auth-key-1"}') AS replay \gset
SELECT (:'replay'::jsonb -> 'user') = (:'pair'::jsonb -> 'user') AS same_user,
       :'replay'::jsonb ->> 'refresh_token' <> :'pair'::jsonb ->> 'refresh_token' AS new_session,
       :'replay'::jsonb - 'access_token' - 'refresh_token' - 'user' AS pair;
SELECT jobboard.register(NULL, '{"email": "idem2@auth.test", "password": "Correct-horse-7", "name": "Idem", "_idempotency_key": "auth-key-1"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "idem@auth.test", "password": "Correct-horse-7", "name": "Idem", "_idempotency_key": "auth-key-2"}'); \echo :LAST_ERROR_SQLSTATE
-- A token that is sent is checked, on public routes too.
SELECT jobboard.register('not-a-token', '{"email": "tok@auth.test", "password": "Correct-horse-7", "name": "Tok"}'); \echo :LAST_ERROR_SQLSTATE

--
-- login
--
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') AS pair \gset
SELECT :'pair'::jsonb - 'access_token' - 'refresh_token' - 'user' AS pair,
       (:'pair'::jsonb -> 'user') - 'id' - 'created_at' - 'updated_at' AS "user";
-- The email is trimmed and compared case-insensitively.
SELECT jobboard.login(NULL, '{"email": " ANN@auth.TEST ", "password": "Correct-horse-7"}') #>> '{user,email}' AS email;
-- A wrong password and an unknown email get the same answer.
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "nobody@auth.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "correct-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "ann@auth.test"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7", "remember": true}'); \echo :LAST_ERROR_SQLSTATE
-- Lockout: the failure that reaches the threshold is still a 401; then 429
-- even with the right password, with the seconds to wait in the HINT.
SET jobboard.lockout_threshold = 2;
SET jobboard.lockout_seconds = 3600;
SELECT jobboard.register(NULL, '{"email": "lock@auth.test", "password": "Correct-horse-7", "name": "Lock"}') #>> '{user,email}' AS email;
SELECT jobboard.login(NULL, '{"email": "lock@auth.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "lock@auth.test", "password": "Correct-horse-7"}') #>> '{user,email}' AS email;
SELECT jobboard.login(NULL, '{"email": "lock@auth.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "lock@auth.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "lock@auth.test", "password": "Correct-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "LOCK@auth.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
-- Another account is not affected.
SELECT jobboard.login(NULL, '{"email": "emma@auth.test", "password": "Correct-horse-7"}') #>> '{user,email}' AS email;
RESET jobboard.lockout_threshold;
RESET jobboard.lockout_seconds;

--
-- me, me_update
--
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS ann, :'pair'::jsonb ->> 'refresh_token' AS ann_refresh \gset
SELECT jobboard.me(:'ann') - 'id' - 'created_at' - 'updated_at' AS me;
SELECT jobboard.me(:'ann', '{}') ->> 'email' AS email;
SELECT jobboard.me(:'ann', '{"verbose": true}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(NULL); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(''); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me('a.b.c'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'ann' || 'x'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_update(:'ann', '{"name": "  Ann Renamed  "}') - 'id' - 'created_at' - 'updated_at' AS me;
SELECT jobboard.me_update(:'ann', '{}') ->> 'name' AS unchanged;
SELECT jobboard.me_update(:'ann', '{"name": ""}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_update(:'ann', jsonb_build_object('name', repeat('n', 201))); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_update(:'ann', '{"name": null}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_update(:'ann', '{"email": "other@auth.test", "roles": ["admin"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_update(NULL, '{"name": "Nobody"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'ann') ->> 'name' AS name;
SELECT jobboard.me(:'ann') -> 'roles' AS roles;

-- If-Match: a stale tag is a 412 and changes nothing.
SELECT jobboard.etag(jobboard.me(:'ann')) AS etag \gset
SELECT jobboard.me_update(:'ann', jsonb_build_object('name', 'Ann Tagged', '_if_match', :'etag')) ->> 'name' AS name;
SELECT jobboard.me_update(:'ann', jsonb_build_object('name', 'Ann Stale', '_if_match', :'etag')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_update(:'ann', jsonb_build_object('name', 'Ann Renamed', '_if_match', '*')) ->> 'name' AS name;

--
-- refresh: rotation and reuse detection
--
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'ann_refresh')) AS pair \gset
SELECT :'pair'::jsonb - 'access_token' - 'refresh_token' - 'user' AS pair,
       :'pair'::jsonb ->> 'refresh_token' <> :'ann_refresh' AS rotated,
       :'pair'::jsonb #>> '{user,email}' AS email;
SELECT :'pair'::jsonb ->> 'access_token' AS ann2, :'pair'::jsonb ->> 'refresh_token' AS ann2_refresh \gset
SELECT jobboard.me(:'ann2') ->> 'email' AS email;
-- The access token issued before the refresh belongs to the same session and stays valid.
SELECT jobboard.me(:'ann') ->> 'email' AS email;
-- The spent token again: 401, and the whole session is revoked.
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'ann_refresh')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'ann2_refresh')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'ann2'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'ann'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, '{"refresh_token": "never-issued"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, '{}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, '{"refresh_token": 7}'); \echo :LAST_ERROR_SQLSTATE

--
-- logout, logout_all
--
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS s1, :'pair'::jsonb ->> 'refresh_token' AS s1_refresh \gset
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS s2, :'pair'::jsonb ->> 'refresh_token' AS s2_refresh \gset
-- 204: the result is NULL. Its refresh and access tokens are refused after;
-- the other session lives on.
SELECT jobboard.logout(NULL, jsonb_build_object('refresh_token', :'s1_refresh')) IS NULL AS no_content;
SELECT jobboard.me(:'s1'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'s1_refresh')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'s2') ->> 'email' AS email;
-- Logging out twice, or with a token never issued, changes nothing and says nothing.
SELECT jobboard.logout(NULL, jsonb_build_object('refresh_token', :'s1_refresh')) IS NULL AS no_content;
SELECT jobboard.logout(NULL, '{"refresh_token": "never-issued"}') IS NULL AS no_content;
SELECT jobboard.logout(NULL, '{}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') ->> 'access_token' AS s3 \gset
SELECT jobboard.logout_all(NULL); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.logout_all(:'s2', '{"everywhere": true}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.logout_all(:'s2') IS NULL AS no_content;
SELECT jobboard.me(:'s2'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'s3'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'s2_refresh')); \echo :LAST_ERROR_SQLSTATE
-- Emma's sessions are not touched.
SELECT jobboard.login(NULL, '{"email": "emma@auth.test", "password": "Correct-horse-7"}') ->> 'access_token' AS emma \gset
SELECT jobboard.me(:'emma') ->> 'email' AS email;

--
-- me_password
--
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') ->> 'access_token' AS p1 \gset
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}') AS pair \gset
SELECT :'pair'::jsonb ->> 'access_token' AS p2, :'pair'::jsonb ->> 'refresh_token' AS p2_refresh \gset
-- A wrong current password is a 403, before any check of the new one.
SELECT jobboard.me_password(:'p1', '{"current_password": "Wrong-horse-7", "new_password": "short"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_password(:'p1', '{"current_password": "Correct-horse-7", "new_password": "short"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_password(:'p1', '{"current_password": "Correct-horse-7", "new_password": "ANN@auth.test"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_password(:'p1', '{"current_password": "Correct-horse-7", "new_password": "Iloveyou"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_password(:'p1', '{"new_password": "Battery-staple-8"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_password(:'p1', '{"current_password": "Correct-horse-7", "new_password": "Battery-staple-8", "confirm": "Battery-staple-8"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me_password(NULL, '{"current_password": "Correct-horse-7", "new_password": "Battery-staple-8"}'); \echo :LAST_ERROR_SQLSTATE
-- 204; the calling session stays, the others end.
SELECT jobboard.me_password(:'p1', '{"current_password": "Correct-horse-7", "new_password": "Battery-staple-8"}') IS NULL AS no_content;
SELECT jobboard.me(:'p1') ->> 'email' AS email;
SELECT jobboard.me(:'p2'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'p2_refresh')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Correct-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "ann@auth.test", "password": "Battery-staple-8"}') #>> '{user,email}' AS email;
