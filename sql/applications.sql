-- Applications (API.md §3.5), GET /me/applications (§3.1) and the events
-- they write (§3.8). Companies, members and jobs are made with plain INSERTs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

\i sql/include/scrub.sql

-- The cast: candidates Ann, Bob and Cid; employers Erin (owner of Acme),
-- Rick (recruiter of Acme), Vic (member of Acme whose role lacks
-- applications:review), Olga (owner of Globex); Adam the admin (moderate).
SELECT jobboard.register(NULL, '{"email": "apps-ann@example.com", "password": "correct horse battery", "name": "Ann"}') ->> 'access_token' AS ann \gset
SELECT jobboard.register(NULL, '{"email": "apps-bob@example.com", "password": "correct horse battery", "name": "Bob"}') ->> 'access_token' AS bob \gset
SELECT jobboard.register(NULL, '{"email": "apps-cid@example.com", "password": "correct horse battery", "name": "Cid"}') ->> 'access_token' AS cid \gset
SELECT jobboard.register(NULL, '{"email": "apps-erin@example.com", "password": "correct horse battery", "name": "Erin", "role": "employer"}') ->> 'access_token' AS erin \gset
SELECT jobboard.register(NULL, '{"email": "apps-rick@example.com", "password": "correct horse battery", "name": "Rick", "role": "employer"}') ->> 'access_token' AS rick \gset
SELECT jobboard.register(NULL, '{"email": "apps-vic@example.com", "password": "correct horse battery", "name": "Vic", "role": "employer"}') ->> 'access_token' AS vic \gset
SELECT jobboard.register(NULL, '{"email": "apps-olga@example.com", "password": "correct horse battery", "name": "Olga", "role": "employer"}') ->> 'access_token' AS olga \gset
SELECT jobboard.register(NULL, '{"email": "apps-adam@example.com", "password": "correct horse battery", "name": "Adam", "role": "employer"}') ->> 'access_token' AS adam \gset
SELECT jobboard.grant_role('apps-adam@example.com', 'admin') IS NOT NULL AS adam_is_admin;
SELECT jobboard.role_create(:'adam', '{"name": "apps_viewer", "permissions": ["notes:write"]}') -> 'permissions' AS viewer_permissions;
SELECT id AS vic_id FROM jobboard.users WHERE email = 'apps-vic@example.com' \gset
UPDATE jobboard.user_roles SET role = 'apps_viewer' WHERE user_id = :vic_id;
SELECT jobboard.me(:'vic', '{}') -> 'roles' AS vic_roles;

INSERT INTO jobboard.companies (name) VALUES ('Apps Acme') RETURNING id AS acme \gset
INSERT INTO jobboard.companies (name) VALUES ('Apps Globex') RETURNING id AS globex \gset
INSERT INTO jobboard.company_members (company_id, user_id, role)
SELECT :acme, id, CASE name WHEN 'Erin' THEN 'owner' ELSE 'recruiter' END
  FROM jobboard.users WHERE email IN ('apps-erin@example.com', 'apps-rick@example.com', 'apps-vic@example.com');
INSERT INTO jobboard.company_members (company_id, user_id, role)
SELECT :globex, id, 'owner' FROM jobboard.users WHERE email = 'apps-olga@example.com';
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Backend engineer', 'Postgres and C', 'full_time', now()) RETURNING id AS job \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:acme, 'Frontend engineer', 'TypeScript', 'full_time', now()) RETURNING id AS job2 \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, status)
VALUES (:acme, 'Secret project', 'Not yet', 'contract', 'draft') RETURNING id AS draft \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, status, posted_at)
VALUES (:acme, 'Old job', 'Filled', 'full_time', 'closed', now()) RETURNING id AS closed \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at, expires_at)
VALUES (:acme, 'Expired job', 'Too late', 'full_time', now() - interval '2 days', now() - interval '1 day') RETURNING id AS expired \gset
INSERT INTO jobboard.jobs (company_id, title, description, employment_type, posted_at)
VALUES (:globex, 'Globex analyst', 'Numbers', 'part_time', now()) RETURNING id AS gjob \gset
INSERT INTO jobboard.files (owner_id, filename, content_type, size, sha256, data)
SELECT id, 'cv.pdf', 'application/pdf', 4, 'x', '\x25504446' FROM jobboard.users WHERE email = 'apps-ann@example.com'
RETURNING id AS ann_file \gset
INSERT INTO jobboard.files (owner_id, filename, content_type, size, sha256, data)
SELECT id, 'cv.pdf', 'application/pdf', 4, 'x', '\x25504446' FROM jobboard.users WHERE email = 'apps-bob@example.com'
RETURNING id AS bob_file \gset

-- The events written since the last look, and who got them, in the order of
-- the statements that wrote them.
CREATE VIEW pg_temp.new_events AS
SELECT e.event, u.name AS recipient, pg_temp.scrub(e.data) AS data
  FROM jobboard.events e JOIN jobboard.users u ON u.id = e.user_id
 ORDER BY e.created_at, e.event, u.name;
DELETE FROM jobboard.events;

--
-- POST /jobs/{id}/applications
--
-- 401, 403 (employers cannot apply), 404 (no such job; a draft)
SELECT jobboard.application_create(NULL, jsonb_build_object('id', :job));
SELECT jobboard.application_create(:'erin', jsonb_build_object('id', :job));
SELECT jobboard.application_create(:'adam', jsonb_build_object('id', :job));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job + 1000000));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :draft));
-- 422: every field error at once; someone else's file names nothing Ann may see
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job,
	'cover_letter', repeat('x', 10001), 'resume_file_id', :bob_file, 'salary', 1));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job,
	'cover_letter', 42, 'resume_file_id', 'one'));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job, 'resume_file_id', 0));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job, 'resume_file_id', :ann_file + 1000000));
-- a header key is not a body field
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job, '_if_match', '*', '_foo', 1));
-- 409: not open (closed; open but expired); 422 wins over 409
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :closed));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :expired));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :closed, 'cover_letter', repeat('x', 10001)));
-- nothing failed wrote anything
SELECT count(*) AS applications FROM jobboard.applications a JOIN jobboard.jobs j ON j.id = a.job_id WHERE j.company_id = :acme;
SELECT * FROM pg_temp.new_events;
-- 201: exactly 10,000 characters are fine
SELECT pg_temp.scrub(jobboard.application_create(:'ann', jsonb_build_object('id', :job,
	'cover_letter', 'I love Postgres', 'resume_file_id', :ann_file))) AS created;
SELECT id AS app FROM jobboard.applications WHERE job_id = :job \gset
SELECT r -> 'job' ->> 'id' = :'job' AS job_ok, r -> 'job' -> 'company' ->> 'id' = :'acme' AS company_ok,
       (r ->> 'resume_file_id')::bigint = :ann_file AS file_ok, r ->> 'created_at' = r ->> 'updated_at' AS fresh
  FROM jobboard.application_get(:'ann', jsonb_build_object('id', :app)) AS r;
SELECT length(jobboard.application_create(:'bob', jsonb_build_object('id', :job2,
	'cover_letter', repeat('é', 10000), 'resume_file_id', null)) ->> 'cover_letter') AS long_letter;
-- application.created went to every member of Acme (not Olga, not Ann), with the application
SELECT * FROM pg_temp.new_events;
SELECT count(*) AS data_is_the_application FROM jobboard.events e
 WHERE e.data = jobboard.application_get(:'ann', jsonb_build_object('id', :app)) - 'history';
DELETE FROM jobboard.events;
-- 409: applied before; it wrote no event
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job));
SELECT jobboard.application_create(:'ann', jsonb_build_object('id', :job, 'cover_letter', 'again'));
SELECT count(*) AS events FROM jobboard.events;
-- Idempotency-Key: a replay answers the first response and creates nothing
SELECT jobboard.application_create(:'bob', jsonb_build_object('id', :job, '_idempotency_key', 'apply-1')) AS first \gset
SELECT jobboard.application_create(:'bob', jsonb_build_object('id', :job, '_idempotency_key', 'apply-1')) = :'first'::jsonb AS replayed;
SELECT count(*) AS bob_applications_to_job FROM jobboard.applications a JOIN jobboard.users u ON u.id = a.candidate_id
 WHERE u.name = 'Bob' AND a.job_id = :job;
SELECT jobboard.application_create(:'bob', jsonb_build_object('id', :job, '_idempotency_key', 'apply-1', 'cover_letter', 'other'));
SELECT jobboard.application_create(:'bob', jsonb_build_object('id', :job2, '_idempotency_key', 'apply-1'));
SELECT * FROM pg_temp.new_events;
DELETE FROM jobboard.events;
SELECT (jobboard.application_create(:'cid', jsonb_build_object('id', :job)) ->> 'id')::bigint AS cid_app \gset
SELECT (jobboard.application_create(:'bob', jsonb_build_object('id', :gjob)) ->> 'id')::bigint AS bob_gapp \gset
SELECT (:'first'::jsonb ->> 'id')::bigint AS bob_app \gset
DELETE FROM jobboard.events;

--
-- GET /applications/{id}
--
SELECT pg_temp.scrub(jobboard.application_get(:'ann', jsonb_build_object('id', :app))) AS as_candidate;
SELECT jobboard.application_get(:'erin', jsonb_build_object('id', :app)) = jobboard.application_get(:'ann', jsonb_build_object('id', :app)) AS member_sees_the_same,
       jobboard.application_get(:'vic', jsonb_build_object('id', :app)) IS NOT NULL AS member_without_review_sees,
       jobboard.application_get(:'adam', jsonb_build_object('id', :app)) IS NOT NULL AS moderator_sees;
-- other candidates, members of another company, unknown ids: 404; no token: 401
SELECT jobboard.application_get(:'bob', jsonb_build_object('id', :app));
SELECT jobboard.application_get(:'olga', jsonb_build_object('id', :app));
SELECT jobboard.application_get(:'erin', jsonb_build_object('id', :bob_gapp));
SELECT jobboard.application_get(:'ann', jsonb_build_object('id', :app + 1000000));
SELECT jobboard.application_get(:'ann', jsonb_build_object('id', 'x'));
SELECT jobboard.application_get(NULL, jsonb_build_object('id', :app));
SELECT jobboard.application_get(:'ann', jsonb_build_object('id', :app, 'verbose', true));

--
-- GET /jobs/{id}/applications
--
SELECT jsonb_path_query_array(r, '$.data[*].candidate.name') AS names, r -> 'next_cursor' AS next_cursor
  FROM jobboard.job_applications(:'erin', jsonb_build_object('id', :job)) AS r;
SELECT jsonb_path_query_array(r, '$.data[*].candidate.name') AS names, r -> 'total' AS total
  FROM jobboard.job_applications(:'rick', jsonb_build_object('id', :job, 'sort', '-created_at', 'count', 'exact')) AS r;
SELECT jsonb_path_query_array(r, '$.data[*].candidate.name') AS names
  FROM jobboard.job_applications(:'adam', jsonb_build_object('id', :job, 'sort', 'updated_at')) AS r;
SELECT pg_temp.scrub(jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'limit', 1))) AS first_page;
SELECT jsonb_path_query_array(jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'limit', 2,
	'cursor', jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'limit', 1)) ->> 'next_cursor')),
	'$.data[*].candidate.name') AS after_cursor;
SELECT jsonb_path_query_array(jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'limit', '2', 'page', '2')),
	'$.data[*].candidate.name') AS page_2;
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job2)) -> 'data' -> 0 -> 'candidate' ->> 'name' AS job2_applicant;
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :draft)) AS draft_has_none;
-- a cursor of another route or sort is refused
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'sort', 'updated_at',
	'cursor', jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'limit', 1)) ->> 'next_cursor'));
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'sort', 'status'));
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'status', 'pending'));
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'limit', 0));
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'colour', 'red'));
-- 403: a member without applications:review, a candidate, another company's member
SELECT jobboard.job_applications(:'vic', jsonb_build_object('id', :job));
SELECT jobboard.job_applications(:'ann', jsonb_build_object('id', :job));
SELECT jobboard.job_applications(:'olga', jsonb_build_object('id', :job));
-- 404: no such job; a draft for non-members (a member without the permission: 403)
SELECT jobboard.job_applications(:'erin', jsonb_build_object('id', :job + 1000000));
SELECT jobboard.job_applications(:'olga', jsonb_build_object('id', :draft));
SELECT jobboard.job_applications(:'ann', jsonb_build_object('id', :draft));
SELECT jobboard.job_applications(:'vic', jsonb_build_object('id', :draft));
SELECT jobboard.job_applications(NULL, jsonb_build_object('id', :job));

--
-- PATCH /applications/{id}
--
-- 404 for those who may not see it, 403 for those who may see but not move it
SELECT jobboard.application_update(:'bob', jsonb_build_object('id', :app, 'status', 'withdrawn'));
SELECT jobboard.application_update(:'olga', jsonb_build_object('id', :app, 'status', 'reviewing'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app + 1000000, 'status', 'reviewing'));
SELECT jobboard.application_update(:'adam', jsonb_build_object('id', :app, 'status', 'reviewing'));
SELECT jobboard.application_update(:'vic', jsonb_build_object('id', :app, 'status', 'reviewing'));
SELECT jobboard.application_update(NULL, jsonb_build_object('id', :app, 'status', 'reviewing'));
-- 422
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'approved', 'note', 'x'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', null));
-- 409: skipping a step, the candidate moving it on, members withdrawing, no move at all
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'interview'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'hired'));
SELECT jobboard.application_update(:'ann', jsonb_build_object('id', :app, 'status', 'reviewing'));
SELECT jobboard.application_update(:'ann', jsonb_build_object('id', :app, 'status', 'rejected'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'withdrawn'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'submitted'));
-- 412: a stale If-Match changes nothing
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'reviewing', '_if_match', '"0123456789abcdef0123456789abcdef"'));
SELECT a.status, (SELECT count(*) FROM jobboard.application_history h WHERE h.application_id = a.id) AS history_rows
  FROM jobboard.applications a WHERE a.id = :app;
SELECT count(*) AS events FROM jobboard.events;
-- the current ETag matches; every step one at a time
SELECT jobboard.etag(jobboard.application_get(:'ann', jsonb_build_object('id', :app))) AS etag \gset
SELECT pg_temp.scrub(jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'reviewing', '_if_match', :'etag'))) AS reviewing;
SELECT * FROM pg_temp.new_events;
SELECT e.data ->> 'id' = :'app' AS id_ok, e.data ->> 'job_id' = :'job' AS job_id_ok,
       (e.data ->> 'at')::timestamptz = (SELECT max(h.at) FROM jobboard.application_history h WHERE h.application_id = :app) AS at_ok
  FROM jobboard.events e LIMIT 1;
DELETE FROM jobboard.events;
-- the old ETag is stale now
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'interview', '_if_match', :'etag'));
SELECT jobboard.application_update(:'rick', jsonb_build_object('id', :app, 'status', 'interview')) ->> 'status' AS status;
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'reviewing'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'offer', '_if_match', '*')) ->> 'status' AS status;
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'hired')) ->> 'status' AS status;
-- a hired (closed) application changes no more, for anyone
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :app, 'status', 'rejected'));
SELECT jobboard.application_update(:'ann', jsonb_build_object('id', :app, 'status', 'withdrawn'));
SELECT jsonb_path_query_array(r, '$.history[*].status') AS history, jsonb_path_query_array(r, '$.history[*].by.name') AS by,
       (SELECT bool_and(r -> 'history' -> i ->> 'at' <= r -> 'history' -> (i + 1) ->> 'at') FROM generate_series(0, 3) AS i) AS oldest_first,
       r -> 'history' -> 4 ->> 'at' = r ->> 'updated_at' AS last_at_is_updated_at
  FROM jobboard.application_get(:'erin', jsonb_build_object('id', :app)) AS r;
SELECT event, recipient, data ->> 'from' AS "from", data ->> 'to' AS "to"
  FROM pg_temp.new_events;
DELETE FROM jobboard.events;
-- rejecting from an open state; then neither side may move it
SELECT jobboard.application_update(:'rick', jsonb_build_object('id', :bob_app, 'status', 'rejected')) ->> 'status' AS status;
SELECT jobboard.application_update(:'bob', jsonb_build_object('id', :bob_app, 'status', 'withdrawn'));
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :bob_app, 'status', 'reviewing'));
-- the candidate withdraws from an open state; members cannot move it then
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :cid_app, 'status', 'reviewing')) ->> 'status' AS status;
SELECT jobboard.application_update(:'cid', jsonb_build_object('id', :cid_app, 'status', 'withdrawn')) ->> 'status' AS status;
SELECT jobboard.application_update(:'erin', jsonb_build_object('id', :cid_app, 'status', 'interview'));
SELECT jobboard.application_update(:'cid', jsonb_build_object('id', :cid_app, 'status', 'withdrawn'));
SELECT jsonb_path_query_array(jobboard.application_get(:'cid', jsonb_build_object('id', :cid_app)), '$.history[*].status') AS cid_history,
       jsonb_path_query_array(jobboard.application_get(:'cid', jsonb_build_object('id', :cid_app)), '$.history[*].by.name') AS by;
SELECT event, recipient, data ->> 'from' AS "from", data ->> 'to' AS "to"
  FROM pg_temp.new_events;
DELETE FROM jobboard.events;
-- job lists filter by status
SELECT jsonb_path_query_array(jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'status', 'withdrawn')), '$.data[*].candidate.name') AS withdrawn,
       jsonb_path_query_array(jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'status', 'offer')), '$.data[*].candidate.name') AS offer,
       jsonb_path_query_array(jobboard.job_applications(:'erin', jsonb_build_object('id', :job, 'sort', '-updated_at')), '$.data[*].candidate.name') AS recently_changed;

--
-- GET /me/applications
--
SELECT jsonb_path_query_array(r, '$.data[*].job.title') AS titles, jsonb_path_query_array(r, '$.data[*].status') AS statuses
  FROM jobboard.my_applications(:'bob', '{}') AS r;
SELECT jsonb_path_query_array(jobboard.my_applications(:'bob', '{"sort": "created_at"}'), '$.data[*].job.title') AS oldest_first;
SELECT jsonb_path_query_array(jobboard.my_applications(:'bob', '{"sort": "-updated_at", "limit": 1}'), '$.data[*].job.title') AS last_changed;
SELECT jsonb_path_query_array(jobboard.my_applications(:'bob', '{"status": "rejected"}'), '$.data[*].job.title') AS rejected;
SELECT pg_temp.scrub(jobboard.my_applications(:'bob', '{"status": "hired", "count": "exact"}')) AS none;
SELECT pg_temp.scrub(jobboard.my_applications(:'erin', '{}')) AS employer_has_none;
SELECT jsonb_path_query_array(jobboard.my_applications(:'ann', '{}'), '$.data[*].candidate.name') AS only_own;
SELECT jobboard.my_applications(:'bob', '{"status": "open"}');
SELECT jobboard.my_applications(:'bob', '{"sort": "title"}');
SELECT jobboard.my_applications(:'bob', '{"candidate_id": 1}');
SELECT jobboard.my_applications(NULL, '{}');
