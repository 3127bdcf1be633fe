-- Companies and their members (API.md §3.3) as a psql user sees them.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

-- Users: an owner, a recruiter, an outsider employer, a candidate, an admin.
SELECT jobboard.register(NULL, '{"email": "owner@companies.test", "password": "Tidy-Lamp-42", "name": "Olga Owner", "role": "employer"}') ->> 'access_token' AS owner \gset
SELECT jobboard.register(NULL, '{"email": "rec@companies.test", "password": "Tidy-Lamp-42", "name": "Rita Recruiter", "role": "employer"}') ->> 'access_token' AS rec \gset
SELECT jobboard.register(NULL, '{"email": "out@companies.test", "password": "Tidy-Lamp-42", "name": "Otto Outsider", "role": "employer"}') ->> 'access_token' AS outsider \gset
SELECT jobboard.register(NULL, '{"email": "cand@companies.test", "password": "Tidy-Lamp-42", "name": "Cora Candidate"}') ->> 'access_token' AS cand \gset
SELECT jobboard.register(NULL, '{"email": "mod@companies.test", "password": "Tidy-Lamp-42", "name": "Mona Moderator"}') ->> 'access_token' AS mod \gset
SELECT jobboard.grant_role('mod@companies.test', 'admin') ->> 'roles' AS mod_roles;

-- Create: the caller becomes owner; 201 body is the company with open_jobs.
SELECT jobboard.company_create(:'owner', '{"name": "  Cotest Acme ", "website": "https://acme.example/jobs", "description": "We make anvils.", "location": "Berlin"}') AS acme \gset
SELECT :'acme'::jsonb - 'id' - 'created_at' - 'updated_at' AS created;
SELECT (:'acme'::jsonb ->> 'id') AS acme_id \gset
SELECT (:'acme'::jsonb ->> 'created_at') = (:'acme'::jsonb ->> 'updated_at') AS times_equal;
SELECT jobboard.company_create(:'owner', '{"name": "Cotest Beta"}') - 'id' - 'created_at' - 'updated_at' AS minimal;
-- 401 without a token, 403 for a candidate (no companies:create).
SELECT jobboard.company_create(NULL, '{"name": "Cotest Nobody"}');
SELECT jobboard.company_create(:'cand', '{"name": "Cotest Nobody"}');
-- Validation: every field error at once.
SELECT jobboard.company_create(:'owner', '{"website": "ftp://acme.example", "description": 5, "location": "", "size": 3}');
SELECT jobboard.company_create(:'owner', jsonb_build_object('name', repeat('n', 201), 'website', 'https://' || repeat('w', 1993)));
SELECT jobboard.company_create(:'owner', '{"name": "   ", "website": "acme.example"}');
SELECT jobboard.company_create(:'owner', '{"name": null, "website": "https:// acme.example"}');
SELECT jobboard.company_create(:'owner', '{"name": "Cotest Gamma", "website": "http://"}');
-- Names are unique case-insensitively: 409.
SELECT jobboard.company_create(:'owner', '{"name": "COTEST ACME"}');

-- Idempotency-Key: the same key and body replays the first response and
-- creates nothing; the same key with another body is a 409.
SELECT jobboard.company_create(:'owner', '{"name": "Cotest Idem", "_idempotency_key": "k-1"}') AS idem1 \gset
SELECT jobboard.company_create(:'owner', '{"name": "Cotest Idem", "_idempotency_key": "k-1"}') AS idem2 \gset
SELECT :'idem1'::jsonb = :'idem2'::jsonb AS replayed_identically,
       (SELECT count(*) FROM jobboard.companies WHERE name = 'Cotest Idem') AS rows;
SELECT jobboard.company_create(:'owner', '{"name": "Cotest Idem Two", "_idempotency_key": "k-1"}');
-- Another caller may use the same key for its own request.
SELECT jobboard.company_create(:'outsider', '{"name": "Cotest Outside", "_idempotency_key": "k-1"}') ->> 'name' AS other_caller;

-- List: public, filter q (name contains, case-insensitive), sort name (default) / created_at.
SELECT jsonb_path_query_array(jobboard.companies_list(NULL, '{"q": "cotest"}'), '$.data[*].name') AS by_name;
SELECT jsonb_path_query_array(jobboard.companies_list(NULL, '{"q": "COTEST", "sort": "-name"}'), '$.data[*].name') AS by_name_desc;
SELECT jsonb_path_query_array(jobboard.companies_list(NULL, '{"q": "cotest", "sort": "created_at"}'), '$.data[*].name') AS by_created;
SELECT jsonb_path_query_array(jobboard.companies_list(NULL, '{"q": "test ac"}'), '$.data[*].name') AS contains;
SELECT r ->> 'total' AS total, jsonb_array_length(r -> 'data') AS shown, r ->> 'next_cursor' IS NOT NULL AS has_next
  FROM jobboard.companies_list(NULL, '{"q": "cotest", "limit": "2", "count": "exact"}') AS r;
SELECT jsonb_path_query_array(jobboard.companies_list(NULL, jsonb_build_object('q', 'cotest', 'limit', 2,
       'cursor', jobboard.companies_list(NULL, '{"q": "cotest", "limit": 2}') ->> 'next_cursor')), '$.data[*].name') AS page_two;
SELECT jobboard.companies_list(NULL, '{"sort": "website"}');
SELECT jobboard.companies_list(NULL, '{"limit": 0}');
SELECT jobboard.companies_list(NULL, '{"cursor": "forged.cursor"}');
SELECT jobboard.companies_list('not-a-token', '{}');

-- Read: public, with open_jobs; unknown id 404.
SELECT jobboard.company_get(NULL, jsonb_build_object('id', :acme_id)) - 'id' - 'created_at' - 'updated_at' AS got;
SELECT jobboard.company_get(NULL, '{"id": 999999999}');
SELECT jobboard.company_get(NULL, '{"id": "abc"}');

-- Members: the owner adds a recruiter (201 member object).
SELECT jobboard.company_member_add(:'owner', jsonb_build_object('id', :acme_id, 'email', ' REC@companies.test ', 'role', 'recruiter')) - 'added_at' - 'company_id' #- '{user,id}' AS added;
SELECT jobboard.company_member_add(:'owner', jsonb_build_object('id', :acme_id, 'email', 'rec@companies.test', 'role', 'owner'));
SELECT jobboard.company_member_add(:'owner', jsonb_build_object('id', :acme_id, 'email', 'ghost@companies.test', 'role', 'boss'));
SELECT jobboard.company_member_add(:'owner', jsonb_build_object('id', :acme_id, 'email', 'not-an-email'));
SELECT jobboard.company_member_add(:'rec', jsonb_build_object('id', :acme_id, 'email', 'out@companies.test', 'role', 'recruiter'));
SELECT jobboard.company_member_add(:'outsider', jsonb_build_object('id', :acme_id, 'email', 'out@companies.test', 'role', 'owner'));
SELECT jobboard.company_member_add(:'owner', '{"id": 999999999, "email": "out@companies.test", "role": "owner"}');
-- Replay of an add with its Idempotency-Key, then the list.
SELECT jobboard.company_member_add(:'mod', jsonb_build_object('id', :acme_id, 'email', 'cand@companies.test', 'role', 'recruiter', '_idempotency_key', 'm-1')) AS madd1 \gset
SELECT jobboard.company_member_add(:'mod', jsonb_build_object('id', :acme_id, 'email', 'cand@companies.test', 'role', 'recruiter', '_idempotency_key', 'm-1')) AS madd2 \gset
SELECT :'madd1'::jsonb = :'madd2'::jsonb AS member_add_replayed;
SELECT jsonb_path_query_array(jobboard.company_members(:'rec', jsonb_build_object('id', :acme_id)), '$.data[*] ? (@.role != "x")') #- '{0,added_at}' #- '{1,added_at}' #- '{2,added_at}'
       #- '{0,user,id}' #- '{1,user,id}' #- '{2,user,id}' #- '{0,company_id}' #- '{1,company_id}' #- '{2,company_id}' AS members;
SELECT jobboard.company_members(:'mod', jsonb_build_object('id', :acme_id)) ? 'next_cursor' AS paginated,
       jsonb_array_length(jobboard.company_members(:'mod', jsonb_build_object('id', :acme_id)) -> 'data') AS moderator_sees;
SELECT jobboard.company_members(:'outsider', jsonb_build_object('id', :acme_id));
SELECT jobboard.company_members(NULL, jsonb_build_object('id', :acme_id));
SELECT jobboard.company_members(:'outsider', '{"id": 999999999}');

-- Update: members (recruiters too) and moderators; partial; null clears.
SELECT jobboard.company_update(:'rec', jsonb_build_object('id', :acme_id, 'website', NULL, 'location', 'Hamburg'))
       - 'id' - 'created_at' - 'updated_at' AS updated;
SELECT jobboard.company_update(:'mod', jsonb_build_object('id', :acme_id, 'description', 'Anvils and more.')) ->> 'description' AS moderated;
SELECT jobboard.company_update(:'outsider', jsonb_build_object('id', :acme_id, 'location', 'Paris'));
SELECT jobboard.company_update(NULL, jsonb_build_object('id', :acme_id, 'location', 'Paris'));
SELECT jobboard.company_update(:'owner', '{"id": 999999999, "location": "Paris"}');
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'name', NULL, 'website', 'mailto:x@y.z', 'open_jobs', 3));
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'name', 'cotest beta'));
-- Renaming to its own name in another case is fine.
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'name', 'COTEST ACME')) ->> 'name' AS renamed;
-- A no-op PATCH keeps updated_at (and so the ETag).
SELECT jobboard.company_get(NULL, jsonb_build_object('id', :acme_id)) AS before \gset
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'name', 'COTEST ACME')) = :'before'::jsonb AS noop_unchanged;
-- If-Match: a stale ETag is a 412 and changes nothing; the current one passes.
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'location', 'Paris', '_if_match', '"0123456789abcdef0123456789abcdef"'));
SELECT jobboard.company_get(NULL, jsonb_build_object('id', :acme_id)) ->> 'location' AS still;
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'location', 'Paris', '_if_match', jobboard.etag(:'before'::jsonb))) ->> 'location' AS matched;
-- Validation comes before the precondition (422 before 412).
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'website', 'nope', '_if_match', '"stale"'));

-- Remove members: owner or moderate; not a member 404; the last owner 409.
SELECT (SELECT id FROM jobboard.users WHERE email = 'rec@companies.test') AS rec_id,
       (SELECT id FROM jobboard.users WHERE email = 'owner@companies.test') AS owner_id,
       (SELECT id FROM jobboard.users WHERE email = 'out@companies.test') AS out_id,
       (SELECT id FROM jobboard.users WHERE email = 'cand@companies.test') AS cand_id \gset
SELECT jobboard.company_member_remove(:'rec', jsonb_build_object('id', :acme_id, 'user_id', :cand_id));
SELECT jobboard.company_member_remove(:'owner', jsonb_build_object('id', :acme_id, 'user_id', :out_id));
SELECT jobboard.company_member_remove(:'owner', jsonb_build_object('id', :acme_id, 'user_id', :owner_id));
SELECT jobboard.company_member_remove(:'owner', jsonb_build_object('id', :acme_id, 'user_id', :cand_id)) IS NULL AS removed;
SELECT jobboard.company_member_add(:'owner', jsonb_build_object('id', :acme_id, 'email', 'out@companies.test', 'role', 'owner')) ->> 'role' AS second_owner;
SELECT jobboard.company_member_remove(:'mod', jsonb_build_object('id', :acme_id, 'user_id', :owner_id)) IS NULL AS first_owner_removed;
SELECT jobboard.company_member_remove(:'outsider', jsonb_build_object('id', :acme_id, 'user_id', :out_id));
SELECT jsonb_path_query_array(jobboard.company_members(:'outsider', jsonb_build_object('id', :acme_id)), '$.data[*].user.name') AS left;
-- The former owner is no member any more: 403 on writes.
SELECT jobboard.company_update(:'owner', jsonb_build_object('id', :acme_id, 'location', 'Rome'));

-- Delete: owner or moderate; a recruiter 403; 409 while a job is open, and
-- while a job has applications; otherwise its other jobs go with it.
SELECT jobboard.job_create(:'outsider', jsonb_build_object('company_id', :acme_id, 'title', 'Anvil tester', 'description', 'Drop anvils.', 'employment_type', 'contract')) ->> 'id' AS job1 \gset
SELECT jobboard.job_create(:'outsider', jsonb_build_object('company_id', :acme_id, 'title', 'Anvil painter', 'description', 'Paint anvils.', 'employment_type', 'contract', 'status', 'draft')) ->> 'id' AS job2 \gset
SELECT jobboard.company_get(NULL, jsonb_build_object('id', :acme_id)) -> 'open_jobs' AS open_jobs;
SELECT jobboard.company_delete(:'rec', jsonb_build_object('id', :acme_id));
SELECT jobboard.company_delete(:'outsider', jsonb_build_object('id', :acme_id));
SELECT jobboard.job_update(:'outsider', jsonb_build_object('id', :job1, 'status', 'closed')) ->> 'status' AS closed;
INSERT INTO jobboard.applications (job_id, candidate_id) VALUES (:job1, :cand_id);
SELECT jobboard.company_delete(:'outsider', jsonb_build_object('id', :acme_id));
DELETE FROM jobboard.applications WHERE job_id = :job1;
SELECT jobboard.company_delete(:'outsider', jsonb_build_object('id', :acme_id, '_if_match', '"stale"'));
SELECT jobboard.company_delete(:'outsider', jsonb_build_object('id', :acme_id)) IS NULL AS deleted;
SELECT jobboard.company_get(NULL, jsonb_build_object('id', :acme_id));
SELECT count(*) AS jobs_left FROM jobboard.jobs WHERE id IN (:job1, :job2);
SELECT count(*) AS members_left FROM jobboard.company_members WHERE company_id = :acme_id;
SELECT jobboard.company_delete(:'mod', jsonb_build_object('id', :acme_id));
-- A moderator deletes any company.
SELECT jobboard.company_delete(:'mod', jsonb_build_object('id', (SELECT id FROM jobboard.companies WHERE name = 'Cotest Outside'))) IS NULL AS moderator_deleted;
