-- Login (API.md §1.5, §3.1): the lockout after jobboard.lockout_threshold
-- consecutive failures (the failure that reaches it is still a 401, the next
-- attempt a 429 with the seconds in the HINT; doubling; reset by a successful
-- login), the same answer and about the same time for an unknown email, the
-- password policy and the password hashes (argon2id, bcrypt, upgrade).
--
-- Failed logins are counted by an autonomous background worker, which only
-- sees committed rows and must not wait for a row this session has locked,
-- so this file runs WITHOUT a surrounding transaction: every call commits.
-- Its accounts (@tap-login.test) are deleted at the start and at the end.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
DELETE FROM jobboard.users WHERE email LIKE '%@tap-login.test';
DELETE FROM jobboard.idempotency_keys WHERE key LIKE 'tap-login-%';

SELECT plan(64);

-- Helpers --------------------------------------------------------------------

-- Run a statement; its jsonb result, or {"sqlstate", "message"[, "hint"]}.
CREATE FUNCTION pg_temp.try(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	result jsonb;
	st text;
	msg text;
	hint text;
BEGIN
	EXECUTE sql INTO result;
	RETURN result;
EXCEPTION WHEN OTHERS OR query_canceled THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN jsonb_strip_nulls(jsonb_build_object('sqlstate', st, 'message', msg, 'hint', nullif(hint, '')));
END
$$;

-- login: the signed-in email, or the error.
CREATE FUNCTION pg_temp.login(email text, password text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT coalesce(r #> '{user,email}', r)
	  FROM pg_temp.try(format('SELECT jobboard.login(NULL, %L)',
	                          jsonb_build_object('email', email, 'password', password))) r
$$;

CREATE FUNCTION pg_temp.register(email text, password text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT coalesce(r #> '{user,email}', r)
	  FROM pg_temp.try(format('SELECT jobboard.register(NULL, %L)',
	                          jsonb_build_object('email', email, 'password', password, 'name', 'T'))) r
$$;

CREATE FUNCTION pg_temp.u(email text) RETURNS jobboard.users LANGUAGE sql AS $$
	SELECT * FROM jobboard.users WHERE lower(users.email) = lower(u.email)
$$;

CREATE FUNCTION pg_temp.ms(sql text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	started timestamptz := clock_timestamp();
BEGIN
	BEGIN
		EXECUTE sql;
	EXCEPTION WHEN OTHERS THEN
		NULL;
	END;
	RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;

\set bad '{"sqlstate": "28P01", "message": "invalid email or password"}'
\set locked_msg 'too many failed logins; the account is locked for a while'

-- Lockout --------------------------------------------------------------------

SET jobboard.lockout_threshold = 3;
SET jobboard.lockout_seconds = 1;
SELECT pg_temp.register('lou@tap-login.test', 'Correct-horse-7') AS r \gset
SELECT pg_temp.register('liz@tap-login.test', 'Correct-horse-7') AS r \gset

SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'a wrong password: 401 invalid_credentials');
SELECT is((pg_temp.u('lou@tap-login.test')).failed_logins, 1, 'the failure is counted although the call failed');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'a second failure: 401');
SELECT is((pg_temp.u('lou@tap-login.test')).failed_logins, 2, 'two failures counted');
SELECT is(pg_temp.login('lou@tap-login.test', 'Correct-horse-7'), '"lou@tap-login.test"', 'then the right password signs in');
SELECT is((pg_temp.u('lou@tap-login.test')).failed_logins, 0, 'which resets the count: failures must be consecutive');

SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 1 of 3: 401');
SELECT is(pg_temp.login('LOU@tap-login.test ', 'Wrong-horse-7'), :'bad', 'failure 2 of 3 (same account, other spelling): 401');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 3 of 3, which reaches the threshold: still 401');
SELECT ok((pg_temp.u('lou@tap-login.test')).locked_until > now(), 'the account is now locked');
SELECT is(pg_temp.login('lou@tap-login.test', 'Correct-horse-7'),
          jsonb_build_object('sqlstate', 'JB429', 'message', :'locked_msg', 'hint', '1'),
          'the right password now: 429, HINT the seconds to wait (jobboard.lockout_seconds)');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'),
          jsonb_build_object('sqlstate', 'JB429', 'message', :'locked_msg', 'hint', '1'),
          'a wrong password too: 429');
SELECT is(pg_temp.login('liz@tap-login.test', 'Correct-horse-7'), '"liz@tap-login.test"', 'another account is not locked');
SELECT is(pg_temp.login('nobody@tap-login.test', 'Wrong-horse-7'), :'bad', 'an unknown email: the same 401 as a wrong password');

SELECT pg_sleep(1.1) IS NULL AS slept \gset
-- The lock is over; three more failures lock for twice as long.
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'after the lockout: failure 1 of 3');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 2 of 3');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 3 of 3: 401');
SELECT is(pg_temp.login('lou@tap-login.test', 'Correct-horse-7'),
          jsonb_build_object('sqlstate', 'JB429', 'message', :'locked_msg', 'hint', '2'),
          'the second lockout lasts twice as long');
SELECT is((pg_temp.u('lou@tap-login.test')).lockouts, 2, 'two lockouts counted');

SELECT pg_sleep(2.1) IS NULL AS slept \gset
SELECT is(pg_temp.login('lou@tap-login.test', 'Correct-horse-7'), '"lou@tap-login.test"', 'after it, the right password signs in');
SELECT is(ARRAY[(pg_temp.u('lou@tap-login.test')).failed_logins, (pg_temp.u('lou@tap-login.test')).lockouts],
          ARRAY[0, 0], 'which resets the failures and the doubling');
SELECT ok((pg_temp.u('lou@tap-login.test')).locked_until IS NULL, 'and the lock');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 1 of 3');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 2 of 3');
SELECT is(pg_temp.login('lou@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 3 of 3');
SELECT is(pg_temp.login('lou@tap-login.test', 'Correct-horse-7'),
          jsonb_build_object('sqlstate', 'JB429', 'message', :'locked_msg', 'hint', '1'),
          'a lockout after a successful login starts again at jobboard.lockout_seconds');

-- A failure counts even when the caller's transaction rolls back.
SELECT pg_temp.register('rob@tap-login.test', 'Correct-horse-7') AS r \gset
BEGIN;
DO $$
BEGIN
	PERFORM jobboard.login(NULL, '{"email": "rob@tap-login.test", "password": "Wrong-horse-7"}');
EXCEPTION WHEN invalid_password THEN
	NULL;
END
$$;
ROLLBACK;
SELECT is((pg_temp.u('rob@tap-login.test')).failed_logins, 1, 'a failed login inside a transaction that rolls back still counts');

-- A psql user may call several entry points in one transaction. A failed
-- login after a successful one there must answer its 401, not wait for ever:
-- the autonomous worker that counts the failure needs the user row the
-- successful login updated (statement_timeout turns a hang into 57014).
SELECT pg_temp.register('tom@tap-login.test', 'Correct-horse-7') AS r \gset
BEGIN;
SET LOCAL statement_timeout = '3s';
SELECT is(pg_temp.login('tom@tap-login.test', 'Correct-horse-7'), '"tom@tap-login.test"', 'in one transaction: a login');
SELECT is(pg_temp.login('tom@tap-login.test', 'Wrong-horse-7'), :'bad', 'then a failed one: 401, without hanging');
COMMIT;

-- The defaults: 5 failures, 60 seconds.
RESET jobboard.lockout_threshold;
RESET jobboard.lockout_seconds;
SELECT is(pg_temp.login('rob@tap-login.test', 'Wrong-horse-7'), :'bad', 'default threshold: failure 2 of 5');
SELECT is(pg_temp.login('rob@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 3 of 5');
SELECT is(pg_temp.login('rob@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 4 of 5');
SELECT ok((pg_temp.u('rob@tap-login.test')).locked_until IS NULL, 'not locked after 4');
SELECT is(pg_temp.login('rob@tap-login.test', 'Wrong-horse-7'), :'bad', 'failure 5 of 5: 401');
SELECT is(pg_temp.login('rob@tap-login.test', 'Correct-horse-7'),
          jsonb_build_object('sqlstate', 'JB429', 'message', :'locked_msg', 'hint', '60'),
          'then 429 for 60 seconds');

-- A disabled account: the right password gets 403, nothing is counted.
SELECT pg_temp.register('dan@tap-login.test', 'Correct-horse-7') AS r \gset
UPDATE jobboard.users SET disabled = true WHERE email = 'dan@tap-login.test';
SELECT is(pg_temp.login('dan@tap-login.test', 'Correct-horse-7'),
          '{"sqlstate": "42501", "message": "this account is disabled"}', 'a disabled account: 403');
SELECT is(pg_temp.login('dan@tap-login.test', 'Wrong-horse-7'), :'bad', 'a disabled account, wrong password: 401');

-- An unknown email costs about as much as a wrong password (a dummy hash is
-- verified), so response times do not tell which emails have accounts.
SELECT pg_temp.register('tim@tap-login.test', 'Correct-horse-7') AS r \gset
SELECT least(pg_temp.ms($$SELECT jobboard.login(NULL, '{"email": "tim@tap-login.test", "password": "Wrong-horse-7"}')$$),
             pg_temp.ms($$SELECT jobboard.login(NULL, '{"email": "tim@tap-login.test", "password": "Wrong-horse-7"}')$$)) AS wrong_ms,
       least(pg_temp.ms($$SELECT jobboard.login(NULL, '{"email": "nobody@tap-login.test", "password": "Wrong-horse-7"}')$$),
             pg_temp.ms($$SELECT jobboard.login(NULL, '{"email": "nobody@tap-login.test", "password": "Wrong-horse-7"}')$$)) AS unknown_ms \gset
SELECT cmp_ok(:unknown_ms::float8, '>=', :wrong_ms::float8 * 0.5,
              format('an unknown email takes about as long as a wrong password (%s ms vs %s ms)',
                     round(:unknown_ms::numeric), round(:wrong_ms::numeric)));

-- Password policy ------------------------------------------------------------

SELECT is(pg_temp.register('pol@tap-login.test', 'Abc-123'),
          '{"sqlstate": "22023", "message": "1 field is invalid"}', '7 characters: 422');
SELECT is(pg_temp.register('pol@tap-login.test', repeat('ü', 7)),
          '{"sqlstate": "22023", "message": "1 field is invalid"}', '7 code points in 14 bytes: 422');
SELECT is(pg_temp.register('pol@tap-login.test', repeat('ü', 8)), '"pol@tap-login.test"', '8 code points: accepted');
SELECT is(pg_temp.register('pol2@tap-login.test', repeat('x', 125) || 'Ab1'), '"pol2@tap-login.test"', '128 characters: accepted');
SELECT is(pg_temp.register('pol3@tap-login.test', repeat('x', 126) || 'Ab1'),
          '{"sqlstate": "22023", "message": "1 field is invalid"}', '129 characters: 422');
SELECT is(pg_temp.register('Pol3@Tap-Login.Test', 'pol3@tap-login.test'),
          '{"sqlstate": "22023", "message": "1 field is invalid"}', 'the email itself, in another case: 422');
SELECT cmp_ok((SELECT count(*) FROM jobboard.common_passwords), '>=', 950::bigint, 'about a thousand common passwords are known');
SELECT is((SELECT count(*) FROM jobboard.common_passwords WHERE password <> lower(password)), 0::bigint,
          'stored in lower case');

-- Every common password the length rule lets through is refused as common,
-- in upper case too; collect the ones that are not.
CREATE FUNCTION pg_temp.common_accepted() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
	p text;
	detail text;
	accepted text[] := '{}';
BEGIN
	FOR p IN SELECT password FROM jobboard.common_passwords WHERE length(password) BETWEEN 8 AND 128 ORDER BY 1 LOOP
		BEGIN
			PERFORM jobboard.register(NULL, jsonb_build_object(
				'email', 'common@tap-login.test', 'password', upper(p), 'name', 'Common'));
			accepted := accepted || p;
			RAISE SQLSTATE 'JBT01';
		EXCEPTION
			WHEN SQLSTATE 'JBT01' THEN
				NULL;
			WHEN invalid_parameter_value THEN
				GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
				IF detail NOT LIKE '%too common%' THEN
					accepted := accepted || p;
				END IF;
		END;
	END LOOP;
	RETURN accepted;
END
$$;
SELECT is(pg_temp.common_accepted(), '{}', 'every common password of 8+ characters is refused, whatever its case');
SELECT is(pg_temp.try($$SELECT jobboard.register(NULL, '{"email": "pol4@tap-login.test", "password": "Password1", "name": "P"}')$$) - 'sqlstate',
          '{"message": "1 field is invalid"}', 'Password1: refused');

-- The same rules for a new password.
SELECT jobboard.login(NULL, '{"email": "pol@tap-login.test", "password": "üüüüüüüü"}') ->> 'access_token' AS pol \gset
SELECT is(pg_temp.try(format('SELECT jobboard.me_password(%L, %L)', :'pol',
                             '{"current_password": "üüüüüüüü", "new_password": "SunShine"}')) ->> 'sqlstate',
          '22023', 'me_password refuses a common new password');
SELECT is(pg_temp.try(format('SELECT jobboard.me_password(%L, %L)', :'pol',
                             '{"current_password": "üüüüüüüü", "new_password": "POL@tap-login.test"}')) ->> 'sqlstate',
          '22023', 'and the email as the new password');

-- Hashes ---------------------------------------------------------------------

SELECT alike((pg_temp.u('liz@tap-login.test')).password_hash, '$argon2id$v=19$m=19456,t=2,p=1$%',
            'passwords are stored as argon2id hashes (19 MiB, 2 passes)');
SELECT isnt((pg_temp.u('liz@tap-login.test')).password_hash, (pg_temp.u('lou@tap-login.test')).password_hash,
            'salted: the same password gives different hashes');
SELECT ok(position('Correct-horse-7' IN (pg_temp.u('liz@tap-login.test'))::text) = 0,
          'the password itself is stored nowhere in the row');

SET jobboard.password_hash = 'bcrypt';
SELECT pg_temp.register('bea@tap-login.test', 'Correct-horse-7') AS r \gset
SELECT alike((pg_temp.u('bea@tap-login.test')).password_hash, '$2b$12$%', 'with jobboard.password_hash = bcrypt: bcrypt, cost 12');
SELECT is(pg_temp.login('bea@tap-login.test', 'Correct-horse-7'), '"bea@tap-login.test"', 'which verifies');
SELECT is(pg_temp.login('bea@tap-login.test', 'Wrong-horse-7'), :'bad', 'and refuses a wrong password');
RESET jobboard.password_hash;
SELECT is(pg_temp.login('bea@tap-login.test', 'Correct-horse-7'), '"bea@tap-login.test"', 'back on argon2id, the bcrypt hash still verifies');
SELECT alike((pg_temp.u('bea@tap-login.test')).password_hash, '$argon2id$%', 'and is upgraded to argon2id at that login');
SELECT is(pg_temp.login('bea@tap-login.test', 'Correct-horse-7'), '"bea@tap-login.test"', 'which verifies next time');

-- Registering with an Idempotency-Key must not keep a fast, unsalted digest
-- of the request body: it holds the password.
SELECT jobboard.register(NULL, '{"email": "kim@tap-login.test", "password": "Kim-secret-42", "name": "Kim",
                                  "_idempotency_key": "tap-login-kim"}') IS NOT NULL AS r \gset
SELECT ok(NOT EXISTS (SELECT 1 FROM jobboard.idempotency_keys k
                       WHERE k.request_hash = sha256(convert_to(
                                 '{"name": "Kim", "email": "kim@tap-login.test", "password": "Kim-secret-42"}'::jsonb::text, 'UTF8'))
                          OR k::text LIKE '%Kim-secret-42%'),
          'an idempotent registration stores no unsalted SHA-256 of a body that holds the password');

-- A $2y$ hash imported from elsewhere.
SET jobboard.password_hash = 'bcrypt';
SELECT pg_temp.register('ivy@tap-login.test', 'Correct-horse-7') AS r \gset
RESET jobboard.password_hash;
UPDATE jobboard.users SET password_hash = '$2y$' || substr(password_hash, 5) WHERE email = 'ivy@tap-login.test';
SELECT is(pg_temp.login('ivy@tap-login.test', 'Wrong-horse-7'), :'bad', 'an imported $2y$ bcrypt hash refuses a wrong password');
SELECT alike((pg_temp.u('ivy@tap-login.test')).password_hash, '$2y$%', '(and is kept)');
SELECT is(pg_temp.login('ivy@tap-login.test', 'Correct-horse-7'), '"ivy@tap-login.test"', 'and accepts the right one');
SELECT alike((pg_temp.u('ivy@tap-login.test')).password_hash, '$argon2id$%', 'which upgrades it to argon2id');

SELECT * FROM finish();

DELETE FROM jobboard.users WHERE email LIKE '%@tap-login.test';
DELETE FROM jobboard.idempotency_keys WHERE key LIKE 'tap-login-%';
