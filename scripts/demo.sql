-- Demo data for `make run`: one account per role, a few companies with ~200
-- jobs, some applications and notes. Loaded once per database, as the
-- superuser, in one transaction (scripts/db-setup.sh --demo). Everything goes
-- through the same SQL functions the HTTP API calls, except the bulk jobs.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\o /dev/null

-- Accounts (passwords in README.md, "Demo data").
SELECT jobboard.register(NULL, '{"email": "admin@example.com", "password": "demo-admin-pass", "name": "Ada Admin"}') ->> 'access_token' AS admin \gset
SELECT jobboard.grant_role('admin@example.com', 'admin') IS NOT NULL AS granted;
SELECT jobboard.register(NULL, '{"email": "employer@example.com", "password": "demo-employer-pass", "name": "Eve Employer", "role": "employer"}') ->> 'access_token' AS employer \gset
SELECT jobboard.register(NULL, '{"email": "recruiter@example.com", "password": "demo-recruiter-pass", "name": "Rob Recruiter", "role": "employer"}') ->> 'access_token' AS recruiter \gset
SELECT jobboard.register(NULL, '{"email": "candidate@example.com", "password": "demo-candidate-pass", "name": "Cara Candidate"}') ->> 'access_token' AS candidate \gset
SELECT jobboard.register(NULL, '{"email": "dan@example.com", "password": "demo-candidate-pass", "name": "Dan Developer"}') ->> 'access_token' AS dan \gset

-- A named company the employer owns, with the recruiter as a member.
SELECT jobboard.company_create(:'employer', '{"name": "Acme Robotics", "website": "https://acme.example",
	"description": "Robots that sort parcels.", "location": "Berlin"}') ->> 'id' AS acme \gset
SELECT jobboard.company_member_add(:'employer', jsonb_build_object('id', :acme,
	'email', 'recruiter@example.com', 'role', 'recruiter')) IS NOT NULL AS added;

-- Hand-written jobs at Acme.
SELECT jobboard.job_create(:'employer', jsonb_build_object('company_id', :acme,
	'title', 'Senior Rust Engineer', 'description', 'Write the motion planner of our sorting robots in Rust. Remote first within Europe.',
	'location', 'Berlin', 'remote', true, 'employment_type', 'full_time', 'salary_min', 85000, 'salary_max', 110000,
	'currency', 'EUR', 'tags', '["rust", "robotics", "remote"]'::jsonb)) ->> 'id' AS rust_job \gset
SELECT jobboard.job_create(:'employer', jsonb_build_object('company_id', :acme,
	'title', 'PostgreSQL Database Engineer', 'description', 'Own our PostgreSQL fleet: schema design, query tuning, replication.',
	'location', 'Berlin', 'employment_type', 'full_time', 'salary_min', 75000, 'salary_max', 95000,
	'currency', 'EUR', 'tags', '["postgres", "sql", "linux"]'::jsonb)) ->> 'id' AS pg_job \gset
SELECT jobboard.job_create(:'employer', jsonb_build_object('company_id', :acme,
	'title', 'Robotics Intern', 'description', 'Six months with the hardware team.', 'employment_type', 'internship',
	'status', 'draft', 'tags', '["robotics", "c++"]'::jsonb)) IS NOT NULL AS draft;

-- About 200 more jobs across four generated companies the employer owns.
SELECT jobboard.generate_jobs(4, 200, (SELECT id FROM jobboard.users WHERE email = 'employer@example.com'));

-- Applications, a status change, and notes.
SELECT jobboard.application_create(:'candidate', jsonb_build_object('id', :rust_job,
	'cover_letter', 'I have written Rust for five years, mostly embedded.')) ->> 'id' AS app1 \gset
SELECT jobboard.application_create(:'dan', jsonb_build_object('id', :rust_job)) IS NOT NULL AS applied;
SELECT jobboard.application_create(:'candidate', jsonb_build_object('id', :pg_job)) IS NOT NULL AS applied;
SELECT jobboard.application_update(:'recruiter', jsonb_build_object('id', :app1, 'status', 'reviewing')) IS NOT NULL AS moved;
SELECT jobboard.note_create(:'recruiter', jsonb_build_object('title', 'Strong embedded background',
	'body', 'Schedule a technical interview next week.', 'application_id', :app1, 'tags', '["interview"]'::jsonb)) IS NOT NULL AS noted;
SELECT jobboard.note_create(:'candidate', '{"title": "Call Acme back on Tuesday", "body": "Ask about the remote policy.", "tags": ["todo"], "pinned": true}') IS NOT NULL AS noted;
SELECT jobboard.note_create(:'candidate', '{"title": "Interview prep", "body": "Review ownership and lifetimes in Rust.", "tags": ["rust", "prep"]}') IS NOT NULL AS noted;
