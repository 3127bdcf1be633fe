-- Jobs and tags (API.md §3.4) as a psql user sees them.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

SELECT jobboard.register(NULL, '{"email": "a@jobs.test", "password": "Tidy-Lamp-42", "name": "Ann Employer", "role": "employer"}') ->> 'access_token' AS a \gset
SELECT jobboard.register(NULL, '{"email": "b@jobs.test", "password": "Tidy-Lamp-42", "name": "Ben Employer", "role": "employer"}') ->> 'access_token' AS b \gset
SELECT jobboard.register(NULL, '{"email": "c1@jobs.test", "password": "Tidy-Lamp-42", "name": "Cid Candidate"}') ->> 'access_token' AS c1 \gset
SELECT jobboard.register(NULL, '{"email": "c2@jobs.test", "password": "Tidy-Lamp-42", "name": "Cat Candidate"}') ->> 'access_token' AS c2 \gset
SELECT jobboard.register(NULL, '{"email": "mod@jobs.test", "password": "Tidy-Lamp-42", "name": "Max Moderator"}') ->> 'access_token' AS mod \gset
SELECT jobboard.grant_role('mod@jobs.test', 'admin') IS NOT NULL AS mod_is_admin;
SELECT jobboard.company_create(:'a', '{"name": "Jobtest Alpha"}') ->> 'id' AS ca \gset
SELECT jobboard.company_create(:'b', '{"name": "Jobtest Bravo"}') ->> 'id' AS cb \gset
SELECT (SELECT id FROM jobboard.users WHERE email = 'c1@jobs.test') AS c1_id,
       (SELECT id FROM jobboard.users WHERE email = 'c2@jobs.test') AS c2_id \gset

-- Create: 201 with the job; tags lower-cased, sorted, deduplicated; posted_at set when open.
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', ' Rust engineer ',
       'description', 'Build the engine.', 'location', 'Berlin, DE', 'remote', true, 'employment_type', 'full_time',
       'salary_min', 60000, 'salary_max', 90000, 'currency', 'EUR', 'tags', jsonb '["Rust", "go", "rust", "C++"]',
       'expires_at', '2099-01-01T10:00:00+02:00')) AS j1 \gset
SELECT :'j1'::jsonb - 'id' - 'created_at' - 'updated_at' - 'posted_at' #- '{company,id}' AS created,
       :'j1'::jsonb ->> 'posted_at' = :'j1'::jsonb ->> 'created_at' AS posted_now;
SELECT :'j1'::jsonb ->> 'id' AS j1_id \gset
-- Defaults: remote false, currency USD, tags [], status open.
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Go developer',
       'description', 'Write Go.', 'employment_type', 'contract')) - 'id' - 'created_at' - 'updated_at' - 'posted_at' #- '{company,id}' AS defaults;
-- A draft has no posted_at.
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Secret plan',
       'description', 'Not yet.', 'employment_type', 'internship', 'status', 'draft')) AS draft \gset
SELECT :'draft'::jsonb ->> 'id' AS draft_id, :'draft'::jsonb -> 'posted_at' AS draft_posted, :'draft'::jsonb ->> 'status' AS draft_status \gset
\echo :draft_posted :draft_status

-- Who may create: 401, 403 without jobs:write, 403 for a company one is not a member of,
-- 422 for a company that does not exist; moderators count as members.
SELECT jobboard.job_create(NULL, jsonb_build_object('company_id', :ca, 'title', 'Nope', 'description', 'x', 'employment_type', 'contract'));
SELECT jobboard.job_create(:'c1', jsonb_build_object('company_id', :ca, 'title', 'Nope', 'description', 'x', 'employment_type', 'contract'));
SELECT jobboard.job_create(:'b', jsonb_build_object('company_id', :ca, 'title', 'Nope', 'description', 'x', 'employment_type', 'contract'));
SELECT jobboard.job_create(:'b', jsonb_build_object('company_id', :ca, 'title', 'x'));
SELECT jobboard.job_create(:'b', '{"company_id": 999999999, "title": "Nope", "description": "x", "employment_type": "contract"}');
SELECT jobboard.job_create(:'mod', jsonb_build_object('company_id', :cb, 'title', 'Moderated post', 'description', 'x', 'employment_type', 'contract')) ->> 'title' AS moderator_posts;

-- Validation: each rule's message.
SELECT jobboard.job_create(:'a', '{}');
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'ab', 'description', '   ', 'employment_type', 'freelance'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', repeat('t', 201), 'description', repeat('d', 20001), 'employment_type', 'contract'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Salaries', 'description', 'x', 'employment_type', 'contract',
       'salary_min', -1, 'salary_max', 1.5));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Salaries', 'description', 'x', 'employment_type', 'contract',
       'salary_min', 100, 'salary_max', 99));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Salaries', 'description', 'x', 'employment_type', 'contract',
       'salary_min', '100', 'currency', 'usd'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Money', 'description', 'x', 'employment_type', 'contract',
       'currency', 'EURO', 'remote', 'yes'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Tags', 'description', 'x', 'employment_type', 'contract',
       'tags', jsonb '["a","b","c","d","e","f","g","h","i","j","k"]'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Tags', 'description', 'x', 'employment_type', 'contract',
       'tags', jsonb '["ok", 3]'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Tags', 'description', 'x', 'employment_type', 'contract',
       'tags', jsonb '["ok", "-bad", "has space", "x234567890123456789012345678901", "c#", "node.js", ""]'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Tags', 'description', 'x', 'employment_type', 'contract',
       'tags', 'rust'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Status', 'description', 'x', 'employment_type', 'contract',
       'status', 'closed'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Expiry', 'description', 'x', 'employment_type', 'contract',
       'expires_at', '2001-01-01T00:00:00Z'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Expiry', 'description', 'x', 'employment_type', 'contract',
       'expires_at', '2099-01-01T00:00:00'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Expiry', 'description', 'x', 'employment_type', 'contract',
       'expires_at', '2099-02-30T00:00:00Z'));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', 'one', 'title', null, 'description', 'x', 'employment_type', 'contract', 'color', 'red'));
-- null clears optional fields (the same as leaving them out).
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Nulls', 'description', 'x', 'employment_type', 'part_time',
       'location', null, 'salary_min', null, 'salary_max', null, 'tags', null, 'expires_at', null))
       - 'id' - 'created_at' - 'updated_at' - 'posted_at' #- '{company,id}' AS nulls;

-- Idempotency-Key: replayed identically, no second row; other body 409.
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Idempotent', 'description', 'x', 'employment_type', 'contract', '_idempotency_key', 'job-1')) AS i1 \gset
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Idempotent', 'description', 'x', 'employment_type', 'contract', '_idempotency_key', 'job-1')) AS i2 \gset
SELECT :'i1'::jsonb = :'i2'::jsonb AS replayed, (SELECT count(*) FROM jobboard.jobs WHERE title = 'Idempotent') AS rows;
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Idempotent 2', 'description', 'x', 'employment_type', 'contract', '_idempotency_key', 'job-1'));

-- Read: open jobs are public; drafts only for members and moderators (404 otherwise).
SELECT jobboard.job_get(NULL, jsonb_build_object('id', :j1_id)) ->> 'title' AS public_read;
SELECT jobboard.job_get(NULL, jsonb_build_object('id', :draft_id));
SELECT jobboard.job_get(:'c1', jsonb_build_object('id', :draft_id));
SELECT jobboard.job_get(:'b', jsonb_build_object('id', :draft_id));
SELECT jobboard.job_get(:'a', jsonb_build_object('id', :draft_id)) ->> 'status' AS member_reads;
SELECT jobboard.job_get(:'mod', jsonb_build_object('id', :draft_id)) ->> 'status' AS moderator_reads;
SELECT jobboard.job_get(NULL, '{"id": 999999999}');

-- Update: IDOR — an employer of company B cannot touch company A's jobs
-- (403 for a public job, 404 for a draft it may not know of).
SELECT jobboard.job_update(:'b', jsonb_build_object('id', :j1_id, 'title', 'Hijacked'));
SELECT jobboard.job_update(:'b', jsonb_build_object('id', :draft_id, 'title', 'Hijacked'));
SELECT jobboard.job_delete(:'b', jsonb_build_object('id', :j1_id));
SELECT jobboard.job_delete(:'b', jsonb_build_object('id', :draft_id));
SELECT jobboard.job_update(:'c1', jsonb_build_object('id', :j1_id, 'title', 'Hijacked'));
SELECT jobboard.job_update(NULL, jsonb_build_object('id', :j1_id, 'title', 'Hijacked'));
SELECT jobboard.job_get(NULL, jsonb_build_object('id', :j1_id)) ->> 'title' AS unchanged_title;
-- Partial update; null clears; the salary rule judges the resulting values.
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'location', null, 'salary_max', null, 'tags', jsonb '["Postgres", "rust"]', 'remote', false))
       - 'id' - 'created_at' - 'updated_at' - 'posted_at' - 'expires_at' #- '{company,id}' AS patched;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'salary_max', 50000));
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'salary_min', 95000, 'salary_max', 100000)) ->> 'salary_min' AS raised;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'company_id', :cb, 'title', 'no', 'expires_at', '2000-01-01T00:00:00Z', 'currency', null));
SELECT jobboard.job_update(:'mod', jsonb_build_object('id', :j1_id, 'description', 'Build the engine, moderated.')) ->> 'description' AS moderated;
-- job_tags follows jobs.tags.
SELECT array_agg(t.name ORDER BY t.name) AS job_tags FROM jobboard.job_tags jt JOIN jobboard.tags t ON t.id = jt.tag_id WHERE jt.job_id = :j1_id;
-- A no-op PATCH changes nothing (same JSON, same ETag).
SELECT jobboard.job_get(NULL, jsonb_build_object('id', :j1_id)) AS cur \gset
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'status', 'open', 'title', 'Rust engineer')) = :'cur'::jsonb AS noop;
-- If-Match: stale → 412 and nothing changed; current → applied.
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'title', 'Stale write', '_if_match', '"00000000000000000000000000000000"'));
SELECT jobboard.job_get(NULL, jsonb_build_object('id', :j1_id)) = :'cur'::jsonb AS nothing_changed;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :j1_id, 'title', 'Rust engineer II', '_if_match', jobboard.etag(:'cur'::jsonb))) ->> 'title' AS fresh_write;

-- Status moves: draft→open sets posted_at; open→closed; closed→open keeps the first posted_at;
-- open→draft, closed→draft and draft→closed are 409.
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'closed'));
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'draft')) ->> 'status' AS draft_noop;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'open')) AS opened \gset
SELECT :'opened'::jsonb ->> 'status' AS status, :'opened'::jsonb ->> 'posted_at' IS NOT NULL AS posted;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'draft'));
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'sold'));
-- Closing emits job.closed {id, title} to every candidate who applied, in the same transaction.
INSERT INTO jobboard.applications (job_id, candidate_id) VALUES (:draft_id, :c1_id), (:draft_id, :c2_id);
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'closed')) ->> 'status' AS closed;
SELECT u.email, e.event, e.data = jsonb_build_object('id', :draft_id, 'title', 'Secret plan') AS data_ok
  FROM jobboard.events e JOIN jobboard.users u ON u.id = e.user_id
 WHERE e.event = 'job.closed' AND e.data ->> 'id' = :'draft_id' ORDER BY u.email;
SELECT jobboard.job_get(:'c1', jsonb_build_object('id', :draft_id)) ->> 'status' AS closed_is_public;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'draft'));
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'open')) ->> 'posted_at' = :'opened'::jsonb ->> 'posted_at' AS reopened_keeps_posted_at;
-- A rolled-back close sends nothing.
BEGIN;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', :draft_id, 'status', 'closed')) ->> 'status' AS closed_in_tx;
ROLLBACK;
SELECT count(*) AS job_closed_events FROM jobboard.events WHERE event = 'job.closed' AND data ->> 'id' = :'draft_id';

-- Delete: 409 with applications; If-Match; a member deletes; then 404.
SELECT jobboard.job_delete(:'a', jsonb_build_object('id', :draft_id));
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :ca, 'title', 'Short lived', 'description', 'x', 'employment_type', 'contract')) AS sl \gset
SELECT :'sl'::jsonb ->> 'id' AS sl_id \gset
SELECT jobboard.job_delete(:'a', jsonb_build_object('id', :sl_id, '_if_match', '"00000000000000000000000000000000"'));
SELECT jobboard.job_delete(:'a', jsonb_build_object('id', :sl_id, '_if_match', jobboard.etag(:'sl'::jsonb))) IS NULL AS deleted;
SELECT jobboard.job_get(:'a', jsonb_build_object('id', :sl_id));
SELECT count(*) AS tags_rows_left FROM jobboard.job_tags WHERE job_id = :sl_id;

-- Expiry: an open job past expires_at reads closed, leaves /jobs and open_jobs,
-- and reopens only with a later (or no) expires_at.
SELECT jobboard.job_create(:'b', jsonb_build_object('company_id', :cb, 'title', 'Expiring soon', 'description', 'x', 'employment_type', 'contract',
       'tags', jsonb '["jt-expiring"]', 'expires_at', '2099-01-01T00:00:00Z')) ->> 'id' AS ex_id \gset
SELECT jsonb_array_length(jobboard.jobs_list(NULL, '{"tag": "jt-expiring"}') -> 'data') AS listed_before;
UPDATE jobboard.jobs SET expires_at = now() - interval '1 minute' WHERE id = :ex_id;
SELECT jobboard.job_get(NULL, jsonb_build_object('id', :ex_id)) ->> 'status' AS expired_reads;
SELECT jsonb_array_length(jobboard.jobs_list(NULL, '{"tag": "jt-expiring"}') -> 'data') AS listed_after;
SELECT jobboard.company_get(NULL, jsonb_build_object('id', :cb)) -> 'open_jobs' AS bravo_open_jobs;
SELECT jobboard.job_update(:'b', jsonb_build_object('id', :ex_id, 'status', 'open'));
SELECT jobboard.job_update(:'b', jsonb_build_object('id', :ex_id, 'status', 'open', 'expires_at', null)) ->> 'status' AS reopened;
SELECT jsonb_array_length(jobboard.jobs_list(NULL, '{"tag": "jt-expiring"}') -> 'data') AS listed_again;

-- GET /jobs: a company with 45 open jobs, posted an hour apart (Job 01 first).
SELECT jobboard.company_create(:'a', '{"name": "Jobtest Walk"}') ->> 'id' AS cw \gset
SELECT count(jobboard.job_create(:'a', jsonb_build_object('company_id', :cw, 'title', 'Job ' || lpad(i::text, 2, '0'),
       'description', 'Walk job ' || i, 'employment_type', 'full_time', 'salary_max', 1000 * (i % 5)))) AS made
  FROM generate_series(1, 45) AS i;
UPDATE jobboard.jobs SET posted_at = timestamptz '2030-01-01 00:00:00+00' + (substr(title, 5)::int) * interval '1 hour'
 WHERE company_id = :cw;
-- Following next_cursor (limit 7) visits each job once, in order.
CREATE TEMP TABLE walk AS
WITH RECURSIVE w(n, page) AS (
	SELECT 1, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7))
	UNION ALL
	SELECT n + 1, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'cursor', page ->> 'next_cursor'))
	  FROM w WHERE page ->> 'next_cursor' IS NOT NULL)
SELECT n, (item ->> 'id')::bigint AS id, item ->> 'title' AS title, ord
  FROM w, jsonb_array_elements(page -> 'data') WITH ORDINALITY AS x(item, ord);
SELECT max(n) AS pages, count(*) AS items, count(DISTINCT id) AS distinct_items,
       array_agg(id ORDER BY n, ord) = (SELECT array_agg(id ORDER BY posted_at DESC, id DESC) FROM jobboard.jobs WHERE company_id = :cw) AS in_order,
       min(title) AS first_title, max(title) AS last_title
  FROM walk;
SELECT string_agg(title, ',' ORDER BY ord) AS page_1 FROM walk WHERE n = 1;
-- page=2 and count=exact.
SELECT jsonb_path_query_array(r, '$.data[*].title') AS page_2, r -> 'total' AS total
  FROM jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'page', 2, 'count', 'exact')) AS r;
SELECT jobboard.jobs_list(NULL, '{"page": 101, "limit": 100}');
SELECT jobboard.jobs_list(NULL, '{"page": 2, "cursor": "x.y"}');
-- Sorts: title, -title, posted_at ascending, salary_max (no salary sorts lowest).
SELECT string_agg(x ->> 'title', ',') AS by_title
  FROM jsonb_array_elements(jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 3, 'sort', 'title')) -> 'data') x;
SELECT string_agg(x ->> 'title', ',') AS by_title_desc
  FROM jsonb_array_elements(jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 3, 'sort', '-title')) -> 'data') x;
SELECT string_agg(x ->> 'title', ',') AS by_posted
  FROM jsonb_array_elements(jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 3, 'sort', 'posted_at')) -> 'data') x;
SELECT string_agg((x ->> 'salary_max') || ':' || (x ->> 'title'), ',') AS by_salary_desc
  FROM jsonb_array_elements(jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 4, 'sort', '-salary_max')) -> 'data') x;
-- Cursor walk by salary_max (many ties: broken by id) also visits each job once.
WITH RECURSIVE w(n, page) AS (
	SELECT 1, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'sort', 'salary_max'))
	UNION ALL
	SELECT n + 1, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'sort', 'salary_max', 'cursor', page ->> 'next_cursor'))
	  FROM w WHERE page ->> 'next_cursor' IS NOT NULL)
SELECT count(*) AS items, count(DISTINCT x ->> 'id') AS distinct_items
  FROM w, jsonb_array_elements(page -> 'data') x;
-- A cursor is bound to its sort and route.
SELECT jobboard.jobs_list(NULL, jsonb_build_object('sort', 'title', 'cursor', jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 1)) ->> 'next_cursor'));
SELECT jobboard.companies_list(NULL, jsonb_build_object('cursor', jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 1)) ->> 'next_cursor'));

-- Inserts during a walk (sort=title): a row before the cursor is not shown,
-- a row after it is, nothing repeats.
CREATE TEMP TABLE walk2 AS
SELECT 1 AS n, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'sort', 'title')) AS page;
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :cw, 'title', 'Job 00 (early)', 'description', 'x', 'employment_type', 'contract')) IS NOT NULL AS inserted_before,
       jobboard.job_create(:'a', jsonb_build_object('company_id', :cw, 'title', 'Job 99 (late)', 'description', 'x', 'employment_type', 'contract')) IS NOT NULL AS inserted_after;
INSERT INTO walk2
WITH RECURSIVE w(n, page) AS (
	SELECT 2, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'sort', 'title',
	                                                   'cursor', (SELECT page ->> 'next_cursor' FROM walk2 WHERE n = 1)))
	UNION ALL
	SELECT n + 1, jobboard.jobs_list(NULL, jsonb_build_object('company_id', :cw, 'limit', 7, 'sort', 'title', 'cursor', page ->> 'next_cursor'))
	  FROM w WHERE page ->> 'next_cursor' IS NOT NULL)
SELECT * FROM w;
SELECT count(*) AS items, count(DISTINCT x ->> 'id') AS distinct_items,
       bool_or(x ->> 'title' = 'Job 00 (early)') AS early_seen, bool_or(x ->> 'title' = 'Job 99 (late)') AS late_seen,
       (array_agg(x ->> 'title' ORDER BY n, ord))[46] AS last
  FROM walk2, jsonb_array_elements(page -> 'data') WITH ORDINALITY AS e(x, ord);

-- Filters, on a company of their own.
SELECT jobboard.company_create(:'a', '{"name": "Jobtest Filters"}') ->> 'id' AS cf \gset
SELECT count(jobboard.job_create(:'a', jsonb_build_object('company_id', :cf) || j)) AS made FROM (VALUES
 ('{"title": "Senior Rust engineer", "description": "Rust for a remote first team.", "employment_type": "full_time", "remote": true, "location": "Berlin", "salary_max": 120000, "tags": ["rust", "remote"]}'::jsonb),
 ('{"title": "Rust developer", "description": "Rust and a little go, remote first.", "employment_type": "full_time", "remote": true, "location": "Munich", "salary_max": 90000, "tags": ["rust", "go"]}'),
 ('{"title": "Rust intern", "description": "Learn rust with us; remote possible.", "employment_type": "internship", "remote": false, "location": "BERLIN Mitte", "salary_max": 20000, "tags": ["rust"]}'),
 ('{"title": "Go developer", "description": "Go services.", "employment_type": "contract", "remote": false, "location": "Paris", "tags": ["go"]}'),
 ('{"title": "Postgres DBA", "description": "Postgres all day, remote first culture.", "employment_type": "part_time", "remote": true, "salary_max": 70000, "tags": ["postgres", "remote"]}')
) AS v(j);
UPDATE jobboard.jobs SET posted_at = timestamptz '2031-01-01 00:00:00+00' + id * interval '1 minute' WHERE company_id = :cf;
UPDATE jobboard.jobs SET posted_at = timestamptz '2020-01-01 00:00:00+00' WHERE company_id = :cf AND title = 'Go developer';
\set f '\'{"company_id": ' :cf '}\''
SELECT string_agg(x ->> 'title', ' | ' ORDER BY x ->> 'title') AS q_rust FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "rust"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ' ORDER BY x ->> 'title') AS q_negated FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "rust -senior"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ' ORDER BY x ->> 'title') AS q_phrase FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "\"remote first\""}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ' ORDER BY x ->> 'title') AS q_all FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "rust -senior \"remote first\""}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ' ORDER BY x ->> 'title') AS q_tag_word FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "postgres"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS by_relevance FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "rust", "sort": "relevance"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS location_berlin FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"location": "berlin", "sort": "title"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS remote_true FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"remote": "true", "sort": "title"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS remote_false FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"remote": false, "sort": "title"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS contract FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"employment_type": "contract"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS tag_one FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"tag": "GO", "sort": "title"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS tag_all FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"tag": ["rust", "remote"], "sort": "title"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS salary_min FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"salary_min": "70000", "sort": "-salary_max"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS posted_after FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"posted_after": "2025-06-01T00:00:00+02:00", "sort": "title"}') -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS combined FROM jsonb_array_elements(jobboard.jobs_list(NULL, :f::jsonb || '{"q": "rust", "remote": true, "location": "mun", "employment_type": "full_time", "tag": "go", "salary_min": 1}') -> 'data') x;
-- Bad query parameters are 400s; unknown ones 422.
SELECT jobboard.jobs_list(NULL, '{"sort": "relevance"}');
SELECT jobboard.jobs_list(NULL, '{"sort": "salary_min"}');
SELECT jobboard.jobs_list(NULL, '{"posted_after": "yesterday"}');
SELECT jobboard.jobs_list(NULL, '{"posted_after": "2025-13-01T00:00:00Z"}');
SELECT jobboard.jobs_list(NULL, '{"remote": "maybe"}');
SELECT jobboard.jobs_list(NULL, '{"employment_type": "gig"}');
SELECT jobboard.jobs_list(NULL, '{"salary_min": "-5"}');
SELECT jobboard.jobs_list(NULL, '{"tag": "no spaces"}');
SELECT jobboard.jobs_list(NULL, '{"company_id": "x"}');
SELECT jobboard.jobs_list(NULL, '{"status": "draft"}');

-- GET /companies/{id}/jobs: public sees open jobs; members and moderators also
-- drafts and closed ones; status filter; unknown company 404.
SELECT jobboard.job_create(:'a', jsonb_build_object('company_id', :cf, 'title', 'Filter draft', 'description', 'x', 'employment_type', 'contract', 'status', 'draft')) IS NOT NULL AS draft_made;
SELECT jobboard.job_update(:'a', jsonb_build_object('id', (SELECT id FROM jobboard.jobs WHERE company_id = :cf AND title = 'Go developer'), 'status', 'closed')) ->> 'status' AS closed_one;
SELECT string_agg(x ->> 'title', ' | ') AS public_view FROM jsonb_array_elements(jobboard.company_jobs(NULL, jsonb_build_object('id', :cf, 'sort', 'title')) -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS outsider_view FROM jsonb_array_elements(jobboard.company_jobs(:'b', jsonb_build_object('id', :cf, 'sort', 'title')) -> 'data') x;
SELECT string_agg((x ->> 'title') || ' (' || (x ->> 'status') || ')', ' | ') AS member_view FROM jsonb_array_elements(jobboard.company_jobs(:'a', jsonb_build_object('id', :cf, 'sort', 'title')) -> 'data') x;
SELECT jsonb_array_length(jobboard.company_jobs(:'mod', jsonb_build_object('id', :cf)) -> 'data') AS moderator_count;
SELECT string_agg(x ->> 'title', ' | ') AS member_drafts FROM jsonb_array_elements(jobboard.company_jobs(:'a', jsonb_build_object('id', :cf, 'status', 'draft')) -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS outsider_drafts FROM jsonb_array_elements(jobboard.company_jobs(:'b', jsonb_build_object('id', :cf, 'status', 'draft')) -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ') AS member_q FROM jsonb_array_elements(jobboard.company_jobs(:'a', jsonb_build_object('id', :cf, 'q', 'rust -senior', 'sort', 'relevance')) -> 'data') x;
SELECT string_agg(x ->> 'title', ' | ' ORDER BY x ->> 'title') AS posted_first FROM jsonb_array_elements(jobboard.company_jobs(:'a', jsonb_build_object('id', :cf, 'limit', 2)) -> 'data') x;
WITH RECURSIVE w(n, page) AS (
	SELECT 1, jobboard.company_jobs(:'a', jsonb_build_object('id', :cf, 'limit', 2))
	UNION ALL
	SELECT n + 1, jobboard.company_jobs(:'a', jsonb_build_object('id', :cf, 'limit', 2, 'cursor', page ->> 'next_cursor'))
	  FROM w WHERE page ->> 'next_cursor' IS NOT NULL)
SELECT count(*) AS member_walk, count(DISTINCT x ->> 'id') AS distinct_items FROM w, jsonb_array_elements(page -> 'data') x;
SELECT jobboard.company_jobs(NULL, '{"id": 999999999}');
SELECT jobboard.company_jobs(NULL, jsonb_build_object('id', :cf, 'company_id', :cb));

-- GET /tags: tags of open jobs with counts, most used first, then by name.
SELECT count(jobboard.job_create(:'b', jsonb_build_object('company_id', :cb, 'title', 'Tagged ' || i, 'description', 'x', 'employment_type', 'contract', 'tags', t))) AS made
  FROM (VALUES (1, '["zt-b", "zt-a"]'::jsonb), (2, '["zt-b", "zt-c"]'), (3, '["zt-b", "zt-c"]'), (4, '["zt-d"]')) AS v(i, t);
SELECT jobboard.job_create(:'b', jsonb_build_object('company_id', :cb, 'title', 'Tagged draft', 'description', 'x', 'employment_type', 'contract', 'status', 'draft', 'tags', jsonb '["zt-e"]')) IS NOT NULL AS draft_made;
WITH RECURSIVE w(n, page) AS (
	SELECT 1, jobboard.tags_list(NULL, '{"limit": 3}')
	UNION ALL
	SELECT n + 1, jobboard.tags_list(NULL, jsonb_build_object('limit', 3, 'cursor', page ->> 'next_cursor'))
	  FROM w WHERE page ->> 'next_cursor' IS NOT NULL)
SELECT string_agg((x ->> 'name') || '=' || (x ->> 'open_jobs'), ', ' ORDER BY n, ord) AS zt_tags
  FROM w, jsonb_array_elements(page -> 'data') WITH ORDINALITY AS e(x, ord) WHERE x ->> 'name' LIKE 'zt-%';
SELECT jsonb_path_query_array(jobboard.tags_list(NULL, '{"sort": "name", "limit": 100}'), '$.data[*] ? (@.name starts with "zt-").name') AS zt_by_name;
SELECT jobboard.tags_list(NULL, '{"sort": "-open_jobs"}');
