-- Live events (API.md §3.8, docs/INTERFACE.md): jobboard.emit() writes one
-- row per recipient in the transaction of the change; events(token, args)
-- authenticates a stream and replays what came after Last-Event-ID;
-- events_after(after, max) feeds the shim's fan-out. Every event of the §3.8
-- table, to exactly its recipients. After each call that must fail, \echo
-- prints its SQLSTATE. Every account here starts with events-.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

\i sql/include/scrub.sql

-- The cast: candidates Cara and Cody; employers Erin (owner of Events Acme)
-- and Rick (recruiter there); Olga (owner of Events Globex), who must hear
-- nothing of Acme.
SELECT jobboard.register(NULL, '{"email": "events-cara@example.com", "password": "correct horse battery", "name": "Cara"}') ->> 'access_token' AS cara \gset
SELECT jobboard.register(NULL, '{"email": "events-cody@example.com", "password": "correct horse battery", "name": "Cody"}') ->> 'access_token' AS cody \gset
SELECT jobboard.register(NULL, '{"email": "events-erin@example.com", "password": "correct horse battery", "name": "Erin", "role": "employer"}') ->> 'access_token' AS erin \gset
SELECT jobboard.register(NULL, '{"email": "events-rick@example.com", "password": "correct horse battery", "name": "Rick", "role": "employer"}') ->> 'access_token' AS rick \gset
SELECT jobboard.register(NULL, '{"email": "events-olga@example.com", "password": "correct horse battery", "name": "Olga", "role": "employer"}') ->> 'access_token' AS olga \gset
SELECT id AS cara_id FROM jobboard.users WHERE email = 'events-cara@example.com' \gset
SELECT id AS cody_id FROM jobboard.users WHERE email = 'events-cody@example.com' \gset
SELECT id AS erin_id FROM jobboard.users WHERE email = 'events-erin@example.com' \gset
SELECT id AS olga_id FROM jobboard.users WHERE email = 'events-olga@example.com' \gset
INSERT INTO jobboard.companies (name) VALUES ('Events Acme') RETURNING id AS acme \gset
INSERT INTO jobboard.companies (name) VALUES ('Events Globex') RETURNING id AS globex \gset
INSERT INTO jobboard.company_members (company_id, user_id, role)
SELECT CASE name WHEN 'Olga' THEN :globex ELSE :acme END, id, CASE name WHEN 'Rick' THEN 'recruiter' ELSE 'owner' END
  FROM jobboard.users WHERE email IN ('events-erin@example.com', 'events-rick@example.com', 'events-olga@example.com');
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Events engineer', 'Streams', 'full_time', now()) RETURNING id AS job \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Events analyst', 'Numbers', 'part_time', now()) RETURNING id AS job2 \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:globex, 'Globex events', 'Elsewhere', 'contract', now()) RETURNING id AS gjob \gset

-- The events of this file's people after a mark, in the order they were
-- written (one change after another; within one change by event and name).
CREATE FUNCTION pg_temp.since(mark bigint) RETURNS TABLE (event text, recipient text, data jsonb)
LANGUAGE sql AS $$
	SELECT e.event, u.name, pg_temp.scrub(e.data)
	  FROM jobboard.events e JOIN jobboard.users u ON u.id = e.user_id
	 WHERE e.id > mark AND u.email LIKE 'events-%'
	 ORDER BY e.created_at, e.event, u.name
$$;
SELECT coalesce(max(id), 0) AS start FROM jobboard.events \gset

--
-- events(token, args): who listens, and what they missed
--
-- 401 without a valid token
SELECT jobboard.events(NULL, '{}'); \echo :SQLSTATE
SELECT jobboard.events('not.a.token', '{}'); \echo :SQLSTATE
-- without Last-Event-ID: no replay, the caller's user and session
SELECT pg_temp.scrub(jobboard.events(:'cara', '{}')) AS stream;
SELECT (r ->> 'user_id')::bigint = :cara_id AS user_ok,
       (r ->> 'session_id')::bigint = (SELECT id FROM jobboard.sessions WHERE user_id = :cara_id) AS session_ok
  FROM jobboard.events(:'cara', '{}') AS r;
-- a second session of Cara's is named as such
SELECT jobboard.login(NULL, '{"email": "events-cara@example.com", "password": "correct horse battery"}') ->> 'access_token' AS cara2 \gset
SELECT (r ->> 'user_id')::bigint = :cara_id AS user_ok,
       (r ->> 'session_id')::bigint = (SELECT max(id) FROM jobboard.sessions WHERE user_id = :cara_id) AS second_session,
       (SELECT count(*) FROM jobboard.sessions WHERE user_id = :cara_id) AS cara_sessions
  FROM jobboard.events(:'cara2', '{}') AS r;
-- a bad Last-Event-ID (it arrives as a query value): 400; an unknown key: 422
SELECT jobboard.events(:'cara', '{"_last_event_id": "abc"}'); \echo :SQLSTATE
SELECT jobboard.events(:'cara', '{"_last_event_id": -1}'); \echo :SQLSTATE
SELECT jobboard.events(:'cara', '{"since": 1}'); \echo :SQLSTATE

--
-- emit(event, recipients, data): one row per distinct recipient, NULLs skipped
--
SELECT jobboard.emit('events.test', ARRAY[:cara_id, :cara_id, NULL, :cody_id, :cara_id]::bigint[], '{"n": 1}');
SELECT * FROM pg_temp.since(:start);
SELECT jobboard.emit('events.test', ARRAY[NULL]::bigint[], '{"n": 2}');
SELECT jobboard.emit('events.test', '{}'::bigint[], '{"n": 3}');
SELECT count(*) AS rows_for_no_one FROM jobboard.events WHERE event = 'events.test' AND data ->> 'n' IN ('2', '3');
-- the notification: channel jobboard_events, payload "<event id> <user id>"
SELECT pg_get_functiondef('jobboard.emit(text, bigint[], jsonb)'::regprocedure)
       LIKE '%pg_notify(''jobboard_events'', id::text || '' '' || user_id::text)%' AS notifies_id_and_user;
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset

--
-- A change that rolls back writes no event.
--
BEGIN;
SELECT jobboard.application_create(:'cara', jsonb_build_object('id', :job)) ->> 'status' AS status;
-- inside its transaction the change has written its events
SELECT event, recipient FROM pg_temp.since(:mark);
ROLLBACK;
SELECT count(*) AS events_after_rollback FROM jobboard.events WHERE id > :mark;
SELECT count(*) AS applications_after_rollback FROM jobboard.applications WHERE job_id = :job;

--
-- application.created: every member of the job's company, with the application
--
SELECT jobboard.application_create(:'cara', jsonb_build_object('id', :job)) ->> 'id' AS cara_app \gset
SELECT * FROM pg_temp.since(:mark);
SELECT count(*) AS data_is_the_application
  FROM jobboard.events e, jobboard.application_get(:'cara', jsonb_build_object('id', :cara_app)) AS a
 WHERE e.id > :mark AND e.event = 'application.created' AND e.data = a - 'history';
-- a failed change writes none either (409: applied twice)
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.application_create(:'cara', jsonb_build_object('id', :job)); \echo :SQLSTATE
SELECT count(*) AS events_after_409 FROM jobboard.events WHERE id > :mark;
SELECT jobboard.application_create(:'cody', jsonb_build_object('id', :job)) ->> 'id' AS cody_app \gset
SELECT jobboard.application_create(:'cara', jsonb_build_object('id', :job2)) ->> 'id' AS cara_app2 \gset
-- Globex's job: only Olga hears of it
SELECT jobboard.application_create(:'cody', jsonb_build_object('id', :gjob)) ->> 'id' AS cody_gapp \gset
SELECT event, recipient, data #>> '{candidate,name}' AS candidate, data #>> '{job,title}' AS job FROM pg_temp.since(:mark);

--
-- application.status_changed: the candidate and the members, {id, job_id, from, to, at}
--
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :cara_app, 'status', 'reviewing')) ->> 'status' AS status;
SELECT * FROM pg_temp.since(:mark);
SELECT bool_and(e.data ->> 'id' = :'cara_app') AS id_ok, bool_and(e.data ->> 'job_id' = :'job') AS job_id_ok,
       bool_and((e.data ->> 'at')::timestamptz = a.updated_at) AS at_is_updated_at,
       count(DISTINCT e.data) AS same_data_for_all
  FROM jobboard.events e JOIN jobboard.applications a ON a.id = :cara_app
 WHERE e.id > :mark;
-- the candidate withdraws: the same three kinds of recipient
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.application_update(:'cody', jsonb_build_object('id', :cody_app, 'status', 'withdrawn')) ->> 'status' AS status;
SELECT event, recipient, data ->> 'from' AS "from", data ->> 'to' AS "to" FROM pg_temp.since(:mark);
-- a refused move (409) writes nothing
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :cody_app, 'status', 'reviewing')); \echo :SQLSTATE
SELECT count(*) AS events_after_409 FROM jobboard.events WHERE id > :mark;

--
-- note.created: the members, for a note on an application; a personal note is silent
--
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.note_create(:'rick', jsonb_build_object('title', 'Strong candidate', 'body', 'Call her', 'application_id', :cara_app)) ->> 'id' AS note \gset
SELECT jobboard.note_create(:'erin', '{"title": "Personal reminder"}') ->> 'title' AS personal;
SELECT jobboard.note_create(:'cara', '{"title": "My own notes"}') ->> 'title' AS personal;
SELECT * FROM pg_temp.since(:mark);
SELECT count(*) AS data_is_the_note FROM jobboard.events
 WHERE id > :mark AND data = jobboard.note_get(:'rick', jsonb_build_object('id', :note));

--
-- job.closed: the candidates who applied, when a member closes the job ...
--
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.job_update(:'erin', jsonb_build_object('id', :job, 'status', 'closed')) ->> 'status' AS status;
SELECT * FROM pg_temp.since(:mark);
SELECT count(*) AS data_ok FROM jobboard.events
 WHERE id > :mark AND data = jsonb_build_object('id', :job, 'title', 'Events engineer');
-- reopening says nothing, nor does a change that leaves it open or closed;
-- each close says it again
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
SELECT jobboard.job_update(:'erin', jsonb_build_object('id', :job, 'status', 'open')) ->> 'status' AS status;
SELECT jobboard.job_update(:'erin', jsonb_build_object('id', :job, 'title', 'Events engineer II')) ->> 'status' AS status;
SELECT count(*) AS events_while_open FROM jobboard.events WHERE id > :mark;
SELECT jobboard.job_update(:'erin', jsonb_build_object('id', :job, 'status', 'closed')) ->> 'status' AS status;
SELECT jobboard.job_update(:'erin', jsonb_build_object('id', :job, 'title', 'Events engineer III')) ->> 'status' AS status;
SELECT event, recipient, data ->> 'title' AS title FROM pg_temp.since(:mark);
-- ... and when maintenance closes an expired job (the background worker
-- calls the same function; in this transaction it cannot have seen the job)
SELECT coalesce(max(id), 0) AS mark FROM jobboard.events \gset
BEGIN;
UPDATE jobboard.jobs SET expires_at = now() - interval '1 second' WHERE id = :job2;
SELECT (jobboard.run_maintenance() ->> 'closed_jobs')::int >= 1 AS closed_some;
SELECT status FROM jobboard.jobs WHERE id = :job2;
COMMIT;
SELECT * FROM pg_temp.since(:mark);
SELECT count(*) AS data_ok FROM jobboard.events
 WHERE id > :mark AND data = jsonb_build_object('id', :job2, 'title', 'Events analyst');

--
-- Replay: with Last-Event-ID, exactly the caller's events after it, oldest first
--
-- Cara's first event here was the emit test; everything of hers since follows.
SELECT min(id) AS cara_first FROM jobboard.events WHERE user_id = :cara_id AND event = 'events.test' \gset
SELECT x.ord, x.e ->> 'event' AS event, pg_temp.scrub(x.e -> 'data') AS data
  FROM jsonb_array_elements(jobboard.events(:'cara', jsonb_build_object('_last_event_id', :cara_first)) -> 'events') WITH ORDINALITY AS x(e, ord)
 ORDER BY x.ord;
-- the same rows as the table holds for her, in id order (nobody else's)
SELECT (SELECT jsonb_agg(jsonb_build_object('id', id, 'event', event, 'data', data) ORDER BY id)
          FROM jobboard.events WHERE user_id = :cara_id AND id > :cara_first)
       = jobboard.events(:'cara', jsonb_build_object('_last_event_id', :cara_first)) -> 'events' AS exactly_hers;
-- Last-Event-ID as a string (as the header arrives) and as 0 (everything retained)
SELECT jobboard.events(:'cara', jsonb_build_object('_last_event_id', :'cara_first')) -> 'events'
     = jobboard.events(:'cara', jsonb_build_object('_last_event_id', :cara_first)) -> 'events' AS string_id_ok;
SELECT jsonb_array_length(jobboard.events(:'cara', '{"_last_event_id": 0}') -> 'events')
     = (SELECT count(*) FROM jobboard.events WHERE user_id = :cara_id) AS zero_replays_all;
-- Erin's replay: Acme's events, not Cara's personal ones, not Globex's
SELECT x.e ->> 'event' AS event, count(*) AS n
  FROM jsonb_array_elements(jobboard.events(:'erin', jsonb_build_object('_last_event_id', :start)) -> 'events') AS x(e)
 GROUP BY 1 ORDER BY 1;
SELECT jsonb_array_length(jobboard.events(:'olga', jsonb_build_object('_last_event_id', :start)) -> 'events') AS olga_events,
       jobboard.events(:'olga', jsonb_build_object('_last_event_id', :start)) #>> '{events,0,data,job,title}' AS olga_heard_of;
-- after the newest id: nothing; the ids ascend
SELECT max(id) AS head FROM jobboard.events \gset
SELECT jobboard.events(:'cara', jsonb_build_object('_last_event_id', :head)) -> 'events' AS after_head;
SELECT bool_and(a < b) AS ascending
  FROM (SELECT (e ->> 'id')::bigint AS a, lead((e ->> 'id')::bigint) OVER (ORDER BY n) AS b
          FROM jsonb_array_elements(jobboard.events(:'erin', '{"_last_event_id": 0}') -> 'events') WITH ORDINALITY AS x(e, n)) s
 WHERE b IS NOT NULL;
-- a revoked session streams no more
SELECT jobboard.logout_all(:'cara2', '{}') IS NULL AS logged_out;
SELECT jobboard.events(:'cara', '{}'); \echo :SQLSTATE

--
-- events_after(after, max): every recipient's events after an id, oldest
-- first, with the newest id as head (the shim's fan-out)
--
SELECT (r -> 'head')::bigint = (SELECT max(id) FROM jobboard.events) AS head_ok,
       r -> 'events' = (SELECT jsonb_agg(jsonb_build_object('id', id, 'user_id', user_id, 'event', event, 'data', data) ORDER BY id)
                          FROM jobboard.events WHERE id > :start) AS every_recipient_in_order
  FROM jobboard.events_after(:start, 1000) AS r;
SELECT r -> 'events' = (SELECT jsonb_agg(jsonb_build_object('id', id, 'user_id', user_id, 'event', event, 'data', data) ORDER BY id)
                          FROM (SELECT * FROM jobboard.events WHERE id > :start ORDER BY id LIMIT 3) e) AS first_three,
       (r -> 'head')::bigint = (SELECT max(id) FROM jobboard.events) AS head_ok
  FROM jobboard.events_after(:start, 3) AS r;
-- max is clamped to 1..1000; NULLs mean from the start, 1000 at most
SELECT jsonb_array_length(jobboard.events_after(:start, 0) -> 'events') AS max_0,
       jsonb_array_length(jobboard.events_after(:start, -5) -> 'events') AS max_minus_5,
       jsonb_array_length(jobboard.events_after(:start, 5000) -> 'events') = (SELECT count(*) FROM jobboard.events WHERE id > :start) AS max_5000,
       jsonb_array_length(jobboard.events_after(NULL, NULL) -> 'events') = (SELECT least(count(*), 1000) FROM jobboard.events) AS nulls;
SELECT jobboard.events_after(:head, 10) -> 'events' AS after_head, (jobboard.events_after(:head, 10) -> 'head')::bigint = :head AS head_ok;

--
-- The route and who may call what
--
SELECT method, path, function, status, kind, auth FROM jobboard.routes WHERE function = 'events';
SELECT f AS function, has_function_privilege('jobboard_api', f, 'EXECUTE') AS api_may_execute,
       has_function_privilege('public', f, 'EXECUTE') AS public_may_execute
  FROM unnest(ARRAY['jobboard.events(text, jsonb)', 'jobboard.events_after(bigint, integer)',
                    'jobboard.emit(text, bigint[], jsonb)']) AS f;
-- a member of jobboard_api calls them; a plain login role may not (and
-- neither reads the table)
\set ON_ERROR_ROLLBACK on
BEGIN;
CREATE ROLE events_regress_api LOGIN IN ROLE jobboard_api;
CREATE ROLE events_regress_plain LOGIN;
SET ROLE events_regress_api;
SELECT jobboard.events(:'erin', '{}') ->> 'user_id' = :'erin_id' AS api_streams;
SELECT jsonb_typeof(jobboard.events_after(0, 1) -> 'events') AS api_fans_out;
SELECT count(*) FROM jobboard.events; \echo :SQLSTATE
RESET ROLE;
SET ROLE events_regress_plain;
SELECT jobboard.events(NULL, '{}'); \echo :SQLSTATE
SELECT jobboard.events_after(0, 1); \echo :SQLSTATE
RESET ROLE;
ROLLBACK;
\set ON_ERROR_ROLLBACK off

--
-- A deleted user's events go with them.
--
SELECT count(*) > 0 AS cody_had_events FROM jobboard.events WHERE user_id = :cody_id;
DELETE FROM jobboard.users WHERE id = :cody_id;
SELECT count(*) AS cody_events FROM jobboard.events WHERE user_id = :cody_id;

-- Leave nothing behind for the suites that follow.
DELETE FROM jobboard.users WHERE email LIKE 'events-%@example.com';
DELETE FROM jobboard.jobs WHERE company_id IN (:acme, :globex);
DELETE FROM jobboard.companies WHERE id IN (:acme, :globex);
