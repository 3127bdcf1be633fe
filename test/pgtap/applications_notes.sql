-- pgTAP: the rules of applications and notes (API.md §3.5, §3.6, §3.8) as
-- assertions on SQLSTATEs, rows and recipients. Runs in one transaction that
-- is rolled back. Concurrency (two simultaneous applications) needs two
-- sessions and is left to the HTTP suite.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(63);

-- The route table and the privileges.
SELECT results_eq(
	$$SELECT method || ' ' || path || ' ' || status FROM jobboard.routes
	   WHERE function IN ('application_create', 'job_applications', 'application_get', 'application_update',
	                      'application_notes', 'my_applications', 'notes_list', 'note_create', 'note_get',
	                      'note_update', 'note_delete') ORDER BY path COLLATE "C", method COLLATE "C"$$,
	ARRAY['GET /applications/{id} 200', 'PATCH /applications/{id} 200', 'GET /applications/{id}/notes 200',
	      'GET /jobs/{id}/applications 200', 'POST /jobs/{id}/applications 201', 'GET /me/applications 200',
	      'GET /notes 200', 'POST /notes 201', 'DELETE /notes/{id} 204', 'GET /notes/{id} 200',
	      'PATCH /notes/{id} 200'],
	'every route of applications and notes is in the route table');
SELECT ok(bool_and(has_function_privilege('jobboard_api', 'jobboard.' || f || '(text, jsonb)', 'EXECUTE')),
          'jobboard_api may execute every entry point')
  FROM unnest(ARRAY['application_create', 'job_applications', 'application_get', 'application_update',
                    'application_notes', 'my_applications', 'notes_list', 'note_create', 'note_get',
                    'note_update', 'note_delete']) AS f;
SELECT ok(NOT has_function_privilege('jobboard_api', 'jobboard.application_json(jobboard.applications)', 'EXECUTE')
      AND NOT has_function_privilege('jobboard_api', 'jobboard.note_json(jobboard.notes, text)', 'EXECUTE'),
          'the JSON helpers are not granted');
SELECT ok((SELECT location FROM jobboard.routes WHERE function = 'application_create') = '/applications/{id}'
      AND (SELECT location FROM jobboard.routes WHERE function = 'note_create') = '/notes/{id}',
          'creating routes name their Location');

-- People, companies, jobs, a file.
SELECT jobboard.register(NULL, '{"email": "tap-ann@example.com", "password": "correct horse battery", "name": "Ann"}') ->> 'access_token' AS ann \gset
SELECT jobboard.register(NULL, '{"email": "tap-bob@example.com", "password": "correct horse battery", "name": "Bob"}') ->> 'access_token' AS bob \gset
SELECT jobboard.register(NULL, '{"email": "tap-erin@example.com", "password": "correct horse battery", "name": "Erin", "role": "employer"}') ->> 'access_token' AS erin \gset
SELECT jobboard.register(NULL, '{"email": "tap-rick@example.com", "password": "correct horse battery", "name": "Rick", "role": "employer"}') ->> 'access_token' AS rick \gset
SELECT jobboard.register(NULL, '{"email": "tap-olga@example.com", "password": "correct horse battery", "name": "Olga", "role": "employer"}') ->> 'access_token' AS olga \gset
SELECT jobboard.register(NULL, '{"email": "tap-adam@example.com", "password": "correct horse battery", "name": "Adam", "role": "employer"}') ->> 'access_token' AS adam \gset
SELECT jobboard.grant_role('tap-adam@example.com', 'admin') IS NOT NULL AS granted \gset
SELECT id AS ann_id FROM jobboard.users WHERE email = 'tap-ann@example.com' \gset
SELECT id AS bob_id FROM jobboard.users WHERE email = 'tap-bob@example.com' \gset
SELECT id AS erin_id FROM jobboard.users WHERE email = 'tap-erin@example.com' \gset
SELECT id AS rick_id FROM jobboard.users WHERE email = 'tap-rick@example.com' \gset
SELECT id AS olga_id FROM jobboard.users WHERE email = 'tap-olga@example.com' \gset
INSERT INTO jobboard.companies (name) VALUES ('Tap Acme') RETURNING id AS acme \gset
INSERT INTO jobboard.companies (name) VALUES ('Tap Globex') RETURNING id AS globex \gset
INSERT INTO jobboard.company_members (company_id, user_id, role)
VALUES (:acme, :erin_id, 'owner'), (:acme, :rick_id, 'recruiter'), (:globex, :olga_id, 'owner');
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Tap engineer', 'Postgres', 'full_time', now()) RETURNING id AS job \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, status)
VALUES (:acme, 'Tap draft', 'Later', 'full_time', 'draft') RETURNING id AS draft \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, status, posted_at)
VALUES (:acme, 'Tap closed', 'Done', 'full_time', 'closed', now()) RETURNING id AS closed \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at, expires_at)
VALUES (:acme, 'Tap expired', 'Gone', 'full_time', now() - interval '2 days', now() - interval '1 second') RETURNING id AS expired \gset
INSERT INTO jobboard.files (owner_id, filename, content_type, size, sha256, data)
VALUES (:bob_id, 'cv.txt', 'text/plain', 2, 'x', '\x6869') RETURNING id AS bob_file \gset
DELETE FROM jobboard.events;

-- Applying: 401, 403, 404, 422, 409 in the order of API.md §1.0.
SELECT throws_ok(format('SELECT jobboard.application_create(NULL, %L)', jsonb_build_object('id', :job)),
                 '28000', NULL, 'applying needs a token');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'erin', jsonb_build_object('id', :job)),
                 '42501', NULL, 'an employer cannot apply');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :draft)),
                 'P0002', 'not found', 'a draft job is not found for a candidate');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :draft, 'x', 1)),
                 'P0002', 'not found', '404 wins over 422');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :job, 'resume_file_id', :bob_file)),
                 '22023', '1 field is invalid', 'someone else''s file is a 422');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :closed, 'cover_letter', repeat('x', 10001))),
                 '22023', '1 field is invalid', '422 wins over 409');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :closed)),
                 '55000', 'the job is not open for applications', 'a closed job takes no applications');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :expired)),
                 '55000', 'the job is not open for applications', 'an expired job takes no applications');
SELECT is((SELECT count(*) FROM jobboard.events), 0::bigint, 'failed applications emitted nothing');
SELECT is((SELECT count(*) FROM jobboard.applications WHERE candidate_id = :ann_id), 0::bigint, 'and stored nothing');

SELECT (jobboard.application_create(:'ann', jsonb_build_object('id', :job, 'cover_letter', 'Hi')) ->> 'id')::bigint AS app \gset
SELECT results_eq(format('SELECT status, by_user_id FROM jobboard.application_history WHERE application_id = %s ORDER BY id', :app),
                  $$VALUES ('submitted', $$ || :ann_id || $$::bigint)$$, 'applying writes a submitted history row by the candidate');
SELECT results_eq($$SELECT event, user_id FROM jobboard.events ORDER BY user_id$$,
                  format('VALUES (%L, %s::bigint), (%L, %s::bigint)', 'application.created', least(:erin_id, :rick_id),
                         'application.created', greatest(:erin_id, :rick_id)),
                  'application.created goes to exactly the members of the job''s company');
SELECT is((SELECT data FROM jobboard.events LIMIT 1),
          jobboard.application_get(:'ann', jsonb_build_object('id', :app)) - 'history',
          'its data is the application');
DELETE FROM jobboard.events;
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'ann', jsonb_build_object('id', :job)),
                 '23505', 'you have already applied to this job',
                 'a second application is our 409 (the UNIQUE constraint decides through ON CONFLICT)');
SELECT is((SELECT count(*) FROM jobboard.events), 0::bigint, 'the duplicate emitted nothing');

-- Idempotency-Key replay.
SELECT jobboard.application_create(:'bob', jsonb_build_object('id', :job, 'resume_file_id', :bob_file, '_idempotency_key', 'k')) AS bob_first \gset
SELECT is(jobboard.application_create(:'bob', jsonb_build_object('id', :job, 'resume_file_id', :bob_file, '_idempotency_key', 'k')),
          :'bob_first'::jsonb, 'a replay answers the first response');
SELECT is((SELECT count(*) FROM jobboard.applications WHERE candidate_id = :bob_id), 1::bigint, 'and creates nothing');
SELECT throws_ok(format('SELECT jobboard.application_create(%L, %L)', :'bob', jsonb_build_object('id', :job, '_idempotency_key', 'k')),
                 '55000', NULL, 'the same key with another body is a 409');
SELECT (:'bob_first'::jsonb ->> 'id')::bigint AS bob_app \gset
DELETE FROM jobboard.events;

-- Who sees an application.
SELECT lives_ok(format('SELECT jobboard.application_get(%L, %L)', :'ann', jsonb_build_object('id', :app)), 'the candidate reads it');
SELECT lives_ok(format('SELECT jobboard.application_get(%L, %L)', :'rick', jsonb_build_object('id', :app)), 'a member reads it');
SELECT lives_ok(format('SELECT jobboard.application_get(%L, %L)', :'adam', jsonb_build_object('id', :app)), 'a moderator reads it');
SELECT throws_ok(format('SELECT jobboard.application_get(%L, %L)', :'bob', jsonb_build_object('id', :app)),
                 'P0002', NULL, 'another candidate gets 404');
SELECT throws_ok(format('SELECT jobboard.application_get(%L, %L)', :'olga', jsonb_build_object('id', :app)),
                 'P0002', NULL, 'another company''s member gets 404');
SELECT is(jsonb_array_length(jobboard.job_applications(:'erin', jsonb_build_object('id', :job)) -> 'data'), 2,
          'a member lists the job''s applications');
SELECT throws_ok(format('SELECT jobboard.job_applications(%L, %L)', :'olga', jsonb_build_object('id', :job)),
                 '42501', NULL, 'another company''s member may not list them');
SELECT throws_ok(format('SELECT jobboard.job_applications(%L, %L)', :'olga', jsonb_build_object('id', :draft)),
                 'P0002', NULL, 'nor learn of a draft');
SELECT throws_ok(format('SELECT jobboard.job_applications(%L, %L)', :'erin', jsonb_build_object('id', :job, 'status', 'nope')),
                 '22P02', NULL, 'a bad status filter is a 400');
SELECT is(jsonb_array_length(jobboard.my_applications(:'bob', '{}') -> 'data'), 1, 'my_applications lists the caller''s own');

-- The status machine.
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'ann', jsonb_build_object('id', :app, 'status', 'reviewing')),
                 '55000', NULL, 'the candidate may not move it on');
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'erin', jsonb_build_object('id', :app, 'status', 'interview')),
                 '55000', NULL, 'a member may not skip a step');
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'erin', jsonb_build_object('id', :app, 'status', 'withdrawn')),
                 '55000', NULL, 'a member may not withdraw it');
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'adam', jsonb_build_object('id', :app, 'status', 'reviewing')),
                 '42501', NULL, 'a moderator may look but not move');
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'bob', jsonb_build_object('id', :app, 'status', 'withdrawn')),
                 'P0002', NULL, 'a stranger may not know it exists');
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'erin', jsonb_build_object('id', :app, 'status', 'reviewing', '_if_match', '"stale"')),
                 'JB412', NULL, 'a stale If-Match is a 412');
SELECT is((SELECT status FROM jobboard.applications WHERE id = :app), 'submitted', 'and changes nothing');
SELECT is((SELECT count(*) FROM jobboard.events), 0::bigint, 'failed moves emitted nothing');
SELECT is(jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'reviewing',
          '_if_match', jobboard.etag(jobboard.application_get(:'erin', jsonb_build_object('id', :app))))) ->> 'status',
          'reviewing', 'a member moves it one step with the current ETag');
SELECT results_eq($$SELECT user_id, data ->> 'from', data ->> 'to' FROM jobboard.events WHERE event = 'application.status_changed' ORDER BY user_id$$,
                  format('SELECT u, %L, %L FROM unnest(ARRAY[%s, %s, %s]::bigint[]) AS u ORDER BY u', 'submitted', 'reviewing', :ann_id, :erin_id, :rick_id),
                  'application.status_changed goes to the candidate and every member');
SELECT is(jobboard.application_update(:'ann', jsonb_build_object('id', :app, 'status', 'withdrawn')) ->> 'status',
          'withdrawn', 'the candidate withdraws from an open state');
SELECT throws_ok(format('SELECT jobboard.application_update(%L, %L)', :'erin', jsonb_build_object('id', :app, 'status', 'rejected')),
                 '55000', 'the application is withdrawn and can no longer change', 'a withdrawn application is final');
SELECT is(jobboard.application_update(:'rick', jsonb_build_object('id', :bob_app, 'status', 'rejected')) ->> 'status',
          'rejected', 'a member rejects from an open state');
SELECT results_eq(format('SELECT status FROM jobboard.application_history WHERE application_id = %s ORDER BY id', :app),
                  ARRAY['submitted', 'reviewing', 'withdrawn'], 'the history holds every move in order');
DELETE FROM jobboard.events;

-- Notes.
SELECT throws_ok(format('SELECT jobboard.note_create(%L, %L)', :'ann', jsonb_build_object('title', 'x', 'application_id', :app)),
                 '42501', NULL, 'the candidate may not write on its own application');
SELECT throws_ok(format('SELECT jobboard.note_create(%L, %L)', :'olga', jsonb_build_object('title', 'x', 'application_id', :app)),
                 '22023', '1 field is invalid', 'another company''s member: the application names nothing it may see');
SELECT (jobboard.note_create(:'erin', jsonb_build_object('title', 'Good fit', 'application_id', :bob_app)) ->> 'id')::bigint AS note \gset
SELECT results_eq($$SELECT event, user_id FROM jobboard.events ORDER BY user_id$$,
                  format('VALUES (%L, %s::bigint), (%L, %s::bigint)', 'note.created', least(:erin_id, :rick_id),
                         'note.created', greatest(:erin_id, :rick_id)),
                  'note.created goes to every member, the author included');
SELECT lives_ok(format('SELECT jobboard.note_get(%L, %L)', :'rick', jsonb_build_object('id', :note)), 'a member reads an application note');
SELECT throws_ok(format('SELECT jobboard.note_get(%L, %L)', :'bob', jsonb_build_object('id', :note)),
                 'P0002', NULL, 'the candidate does not');
SELECT throws_ok(format('SELECT jobboard.note_update(%L, %L)', :'rick', jsonb_build_object('id', :note, 'title', 'Mine')),
                 '42501', NULL, 'a member who is not the author may not change it');
SELECT throws_ok(format('SELECT jobboard.note_delete(%L, %L)', :'olga', jsonb_build_object('id', :note)),
                 'P0002', NULL, 'a stranger may not know it exists');
SELECT throws_ok(format('SELECT jobboard.note_update(%L, %L)', :'erin', jsonb_build_object('id', :note, 'title', 'New', '_if_match', '"stale"')),
                 'JB412', NULL, 'a stale If-Match on a note is a 412');
SELECT is((SELECT title FROM jobboard.notes WHERE id = :note), 'Good fit', 'and changes nothing');
SELECT is(jobboard.note_update(:'erin', jsonb_build_object('id', :note, 'archived', true)) -> 'archived', 'true'::jsonb,
          'the author changes it partially');
SELECT is(jsonb_array_length(jobboard.notes_list(:'erin', '{}') -> 'data'), 0, 'archived notes are hidden by default');
SELECT is(jsonb_array_length(jobboard.application_notes(:'rick', jsonb_build_object('id', :bob_app)) -> 'data'), 1,
          'but still listed on the application');
SELECT throws_ok(format('SELECT jobboard.application_notes(%L, %L)', :'bob', jsonb_build_object('id', :bob_app)),
                 '42501', NULL, 'the candidate may not read the company''s notes');
SELECT throws_ok(format('SELECT jobboard.notes_list(%L, %L)', :'erin', '{"q": "x", "sort": "relevance"}'),
                 '22P02', NULL, 'an unknown sort is a 400');
SELECT ok(jobboard.note_delete(:'erin', jsonb_build_object('id', :note)) IS NULL, 'the author deletes it (204)');
SELECT ok(NOT EXISTS (SELECT 1 FROM jobboard.notes WHERE id = :note), 'and it is gone');
SELECT is((SELECT count(*) FROM jobboard.events WHERE event <> 'note.created'), 0::bigint, 'changing notes emits nothing');

SELECT * FROM finish();
ROLLBACK;
