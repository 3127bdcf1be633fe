-- pgTAP: the background worker (src/worker.c) and jobboard.run_maintenance()
-- (sql/40_maintenance.sql). Needs jobboard in shared_preload_libraries and a
-- short jobboard.worker_interval: test/cluster.conf sets 1 s for make test.
--
-- Unlike the other files this one commits (the worker sees only committed
-- rows), waits in bounded polls, creates and drops a database without the
-- extension, and kills the launcher once. It removes what it made, also what
-- an interrupted earlier run left. Its accounts start with tap-worker-.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(31);

-- Poll a boolean query until it is true or the seconds run out; each try
-- sees what others committed meanwhile, statistics included.
CREATE FUNCTION pg_temp.wait_for(cond text, seconds numeric) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + make_interval(secs => seconds);
	done boolean;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		EXECUTE cond INTO done;
		IF coalesce(done, false) THEN
			RETURN true;
		END IF;
		IF clock_timestamp() > deadline THEN
			RETURN false;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;

-- Leftovers of an interrupted run.
DELETE FROM jobboard.users WHERE email LIKE 'tap-worker-%@example.com';
DELETE FROM jobboard.jobs WHERE company_id IN (SELECT id FROM jobboard.companies WHERE name LIKE 'Tap Worker %');
DELETE FROM jobboard.companies WHERE name LIKE 'Tap Worker %';
SELECT EXISTS (SELECT FROM pg_database WHERE datname = 'jobboard_tap_noext') AS leftover \gset
\if :leftover
DROP DATABASE jobboard_tap_noext WITH (FORCE);
-- (a pass that listed it may still try to connect, and log that it is gone)
SELECT pg_sleep(2 * setting::int + 1) IS NOT NULL AS slept FROM pg_settings WHERE name = 'jobboard.worker_interval' \gset
\endif

-- The settings ---------------------------------------------------------------

SELECT ok(current_setting('shared_preload_libraries') ~ '(^|[ ,])jobboard($|[ ,])', 'jobboard is preloaded, so its worker runs');
SELECT setting::int AS interval FROM pg_settings WHERE name = 'jobboard.worker_interval' \gset
SELECT cmp_ok(:interval, '<=', 5, 'the test cluster runs maintenance every few seconds (test/cluster.conf): ' || :interval || ' s');
-- The longest a due change may wait for the worker here: two passes and slack.
SELECT 2 * :interval + 8 AS bound \gset
SELECT results_eq($$SELECT name, context, unit FROM pg_settings WHERE name IN ('jobboard.worker_interval', 'jobboard.event_retention') ORDER BY name$$,
                  $$VALUES ('jobboard.event_retention'::text, 'sighup'::text, 's'::text), ('jobboard.worker_interval', 'sighup', 's')$$,
                  'interval and retention are reloadable settings in seconds');
SELECT cmp_ok((SELECT min_val::int FROM pg_settings WHERE name = 'jobboard.event_retention'), '>=', 86400,
              'events cannot be kept for less than the 24 hours the contract promises');
SELECT ok(NOT has_function_privilege('jobboard_api', 'jobboard.run_maintenance()', 'EXECUTE')
      AND NOT has_function_privilege('public', 'jobboard.run_maintenance()', 'EXECUTE'),
          'run_maintenance() is for the worker and superusers only');

-- The launcher ---------------------------------------------------------------

SELECT ok(pg_temp.wait_for($$SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'jobboard launcher'$$, 15),
          'one jobboard launcher runs');
SELECT ok(datid IS NULL, 'the launcher is connected to no database') FROM pg_stat_activity WHERE backend_type = 'jobboard launcher';

-- A database without the extension, made now and watched below.
SELECT coalesce((pg_stat_file('postgresql.log', true)).size, -1) AS log_offset \gset
CREATE DATABASE jobboard_tap_noext TEMPLATE template0;

-- An expired job is closed by the worker ---------------------------------------

SELECT jobboard.register(NULL, '{"email": "tap-worker-cat@example.com", "password": "correct horse battery", "name": "Cat"}') ->> 'access_token' AS cat \gset
SELECT jobboard.register(NULL, '{"email": "tap-worker-eve@example.com", "password": "correct horse battery", "name": "Eve", "role": "employer"}') ->> 'access_token' AS eve \gset
SELECT id AS cat_id FROM jobboard.users WHERE email = 'tap-worker-cat@example.com' \gset
SELECT id AS eve_id FROM jobboard.users WHERE email = 'tap-worker-eve@example.com' \gset
INSERT INTO jobboard.companies (name) VALUES ('Tap Worker Co') RETURNING id AS co \gset
INSERT INTO jobboard.company_members (company_id, user_id, role) VALUES (:co, :eve_id, 'owner');
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:co, 'Tap worker soon gone', 'x', 'full_time', now()) RETURNING id AS soon \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at, expires_at)
VALUES (:co, 'Tap worker later', 'x', 'full_time', now(), now() + interval '1 hour') RETURNING id AS later \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, status, expires_at)
VALUES (:co, 'Tap worker draft', 'x', 'full_time', 'draft', now() - interval '1 day') RETURNING id AS draft \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, status, posted_at, expires_at, updated_at)
VALUES (:co, 'Tap worker closed', 'x', 'full_time', 'closed', now() - interval '2 days', now() - interval '1 day', now() - interval '1 day')
RETURNING id AS closed \gset
SELECT jobboard.application_create(:'cat', jsonb_build_object('id', :soon)) ->> 'id' AS app \gset
SELECT jobboard.application_create(:'cat', jsonb_build_object('id', :later)) ->> 'id' AS app_later \gset
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
-- Holding the worker's advisory lock (the key in worker.c), a pass skips the database.
SELECT pg_advisory_lock(7669456865350218340) IS NOT NULL AS locked \gset
UPDATE jobboard.jobs SET expires_at = clock_timestamp() + interval '1 second' WHERE id = :soon;
SELECT pg_sleep(2 * :interval + 1.5) IS NOT NULL AS slept \gset
SELECT is((SELECT status FROM jobboard.jobs WHERE id = :soon), 'open',
          'while another session holds the maintenance lock, the expired job stays stored as open');
SELECT is(jobboard.job_get(NULL, jsonb_build_object('id', :soon)) ->> 'status', 'closed', '... though it already reads as closed');
SELECT pg_advisory_unlock(7669456865350218340) AS unlocked \gset
SELECT ok(pg_temp.wait_for(format('SELECT status = ''closed'' FROM jobboard.jobs WHERE id = %s', :soon), :bound),
          format('then the worker closes it within %s s', :bound));
SELECT results_eq(format('SELECT user_id, data FROM jobboard.events WHERE id > %s AND event = ''job.closed''', :mark),
                  format('VALUES (%s::bigint, %L::jsonb)', :cat_id, jsonb_build_object('id', :soon, 'title', 'Tap worker soon gone')),
                  'with one job.closed {id, title} for its applicant, and nothing for the members');
SELECT cmp_ok((SELECT updated_at FROM jobboard.jobs WHERE id = :soon), '>=', (SELECT expires_at FROM jobboard.jobs WHERE id = :soon),
              'it was closed after it expired');
SELECT is((SELECT status FROM jobboard.jobs WHERE id = :later), 'open', 'a job that expires later stays open');
SELECT is((SELECT status FROM jobboard.jobs WHERE id = :draft), 'draft', 'an expired draft stays a draft');
SELECT cmp_ok((SELECT updated_at FROM jobboard.jobs WHERE id = :closed), '<', now() - interval '1 hour', 'a closed job is not touched');

-- The database without the extension -----------------------------------------

SELECT ok(pg_temp.wait_for($$SELECT xact_commit > 0 FROM pg_stat_database WHERE datname = 'jobboard_tap_noext'$$, :bound),
          'the worker visits the database without the extension');
SELECT pg_sleep(2 * :interval + 0.5) IS NOT NULL AS slept \gset
SELECT pg_stat_clear_snapshot() IS NULL AS cleared \gset
SELECT is((SELECT count(*) FROM jobboard.events WHERE id > :mark), 1::bigint, 'further passes sent nothing more about the closed job');
SELECT is((SELECT xact_rollback FROM pg_stat_database WHERE datname = 'jobboard_tap_noext'), 0::bigint,
          'and nothing fails there, pass after pass');
SELECT is((SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'jobboard maintenance' AND backend_start < now() - interval '10 seconds'),
          0::bigint, 'no maintenance worker lingers');
BEGIN;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT n AS noext_objects FROM dblink(format('dbname=jobboard_tap_noext host=%s port=%s user=%s',
	split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user),
	$$SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'jobboard') + (SELECT count(*) FROM pg_namespace WHERE nspname = 'jobboard')$$)
	AS t(n bigint) \gset
ROLLBACK;
SELECT is(:noext_objects::bigint, 0::bigint, 'it is left alone: no extension, no schema jobboard there');
SELECT CASE WHEN :log_offset < 0 THEN skip('no postgresql.log in the data directory to read', 1)
       ELSE ok(pg_read_file('postgresql.log', :log_offset, (pg_stat_file('postgresql.log')).size - :log_offset)
               !~ 'background worker "jobboard [a-z ]+" \(PID \d+\) exited with exit code [1-9]',
               'no jobboard worker exited with an error meanwhile (server log)') END;

-- run_maintenance(): what it purges and what it keeps ---------------------------

-- In one transaction that is rolled back: first a pass for whatever is due,
-- then rows made due (backdated) next to rows just short of it, then a pass
-- whose counts are exactly those rows. The worker cannot see them.
SELECT setting::int AS retention FROM pg_settings WHERE name = 'jobboard.event_retention' \gset
BEGIN;
SELECT jobboard.run_maintenance() IS NOT NULL AS flushed \gset
SELECT jobboard.register(NULL, '{"email": "tap-worker-max@example.com", "password": "correct horse battery", "name": "Max"}') ->> 'access_token' AS max \gset
SELECT id AS max_id FROM jobboard.users WHERE email = 'tap-worker-max@example.com' \gset
INSERT INTO jobboard.sessions (user_id, refresh_hash, expires_at, revoked_at) VALUES
	(:max_id, sha256('\x01'::bytea || :max_id::text::bytea), now() - interval '1 minute', NULL),
	(:max_id, sha256('\x02'::bytea || :max_id::text::bytea), now() + interval '1 day', now() - interval '25 hours'),
	(:max_id, sha256('\x03'::bytea || :max_id::text::bytea), now() + interval '1 day', now() - interval '23 hours'),
	(:max_id, sha256('\x04'::bytea || :max_id::text::bytea), now() + interval '1 day', NULL);
SELECT jobboard.emit('tap.old', ARRAY[:max_id], jsonb_build_object('age', a)) FROM unnest(ARRAY['over', 'under', 'new']) AS a \g /dev/null
UPDATE jobboard.events SET created_at = now() - make_interval(secs => :retention) - interval '1 minute'
 WHERE user_id = :max_id AND data ->> 'age' = 'over';
UPDATE jobboard.events SET created_at = now() - make_interval(secs => :retention) + interval '1 minute'
 WHERE user_id = :max_id AND data ->> 'age' = 'under';
INSERT INTO jobboard.idempotency_keys (route, caller_id, key, request_hash, response, created_at) VALUES
	('tap_worker', :max_id, 'over', '\x00', '{}', now() - interval '24 hours 1 minute'),
	('tap_worker', :max_id, 'under', '\x00', '{}', now() - interval '23 hours 59 minutes'),
	('tap_worker', :max_id, 'new', '\x00', '{}', now());
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at, expires_at)
VALUES (:co, 'Tap worker expired', 'x', 'full_time', now() - interval '1 day', now() - interval '1 second') RETURNING id AS expired \gset
INSERT INTO jobboard.applications (job_id, candidate_id) VALUES (:expired, :max_id);
SELECT jobboard.run_maintenance() AS counts \gset
SELECT coalesce(jsonb_agg(revoked_at IS NOT NULL ORDER BY revoked_at NULLS LAST), '[]') AS sessions_left
  FROM jobboard.sessions WHERE user_id = :max_id \gset
SELECT coalesce(jsonb_agg(data ->> 'age' ORDER BY id), '[]') AS events_left FROM jobboard.events WHERE user_id = :max_id AND event = 'tap.old' \gset
SELECT coalesce(jsonb_agg(key ORDER BY created_at), '[]') AS keys_left FROM jobboard.idempotency_keys WHERE route = 'tap_worker' \gset
SELECT status AS expired_status FROM jobboard.jobs WHERE id = :expired \gset
SELECT count(*) AS closed_events FROM jobboard.events
 WHERE user_id = :max_id AND event = 'job.closed' AND data = jsonb_build_object('id', :expired, 'title', 'Tap worker expired') \gset
ROLLBACK;
SELECT is(:'counts'::jsonb, '{"closed_jobs": 1, "purged_events": 1, "purged_sessions": 2, "purged_idempotency_keys": 1}',
          'run_maintenance() reports what it closed and purged');
SELECT is(:'sessions_left'::jsonb, '[true, false, false]',
          'sessions: the expired one and the one revoked over a day ago go; revoked an hour short of that, and active ones, stay');
SELECT is(:'events_left'::jsonb, '["under", "new"]', 'events older than jobboard.event_retention go, younger ones stay');
SELECT is(:'keys_left'::jsonb, '["under", "new"]', 'idempotency keys older than 24 hours go, younger ones stay');
SELECT is(:'expired_status'::text, 'closed', 'the expired job is closed');
SELECT is(:closed_events::bigint, 1::bigint, 'and its applicant gets job.closed');

-- The launcher comes back after it dies ----------------------------------------

SELECT pid AS launcher_pid FROM pg_stat_activity WHERE backend_type = 'jobboard launcher' \gset
SELECT ok(pg_terminate_backend(:launcher_pid), 'the launcher is terminated');
SELECT ok(pg_temp.wait_for(format('SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)', :launcher_pid), 10),
          'it exits');
SELECT ok(pg_temp.wait_for(format($$SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'jobboard launcher' AND pid <> %s$$, :launcher_pid), 25),
          'the postmaster starts a new launcher within 25 s (bgw_restart_time is 10 s)');
-- and the new one does the work
UPDATE jobboard.jobs SET expires_at = clock_timestamp() + interval '1 second' WHERE id = :later;
SELECT ok(pg_temp.wait_for(format('SELECT status = ''closed'' FROM jobboard.jobs WHERE id = %s', :later), :bound),
          'the new launcher''s worker closes the next expired job');

-- Clean up.
DELETE FROM jobboard.users WHERE email LIKE 'tap-worker-%@example.com';
DELETE FROM jobboard.jobs WHERE company_id = :co;
DELETE FROM jobboard.companies WHERE id = :co;
DROP DATABASE jobboard_tap_noext WITH (FORCE);

SELECT * FROM finish();
