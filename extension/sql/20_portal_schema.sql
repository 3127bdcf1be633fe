-- The job portal and notes (API.md §3.3-§3.8): companies and their members,
-- jobs and tags, applications with their status history, notes, files,
-- events and idempotency keys. Every tenant-owned table carries company_id or
-- user_id (the distribution key should the data ever move to Citus).

CREATE TABLE jobboard.companies (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name         text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
	website      text CHECK (pg_catalog.length(website) <= 2000),
	description  text CHECK (pg_catalog.length(description) <= 20000),
	location     text CHECK (pg_catalog.length(location) <= 200),
	created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE UNIQUE INDEX companies_name_key ON jobboard.companies (pg_catalog.lower(name));
CREATE INDEX companies_name_idx ON jobboard.companies (name, id);
CREATE INDEX companies_created_at_idx ON jobboard.companies (created_at, id);

CREATE TABLE jobboard.company_members (
	company_id  bigint NOT NULL REFERENCES jobboard.companies ON DELETE CASCADE,
	user_id     bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	role        text NOT NULL CHECK (role IN ('owner', 'recruiter')),
	added_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (company_id, user_id)
);
CREATE INDEX company_members_user_idx ON jobboard.company_members (user_id);

-- tags_text is immutable for the generated search column (array_to_string
-- is only stable in general, but is immutable for text[]).
CREATE FUNCTION jobboard.tags_text(tags text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.array_to_string(tags, ' ') $$;

CREATE TABLE jobboard.jobs (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	company_id       bigint NOT NULL REFERENCES jobboard.companies,
	title            text NOT NULL CHECK (pg_catalog.length(title) BETWEEN 3 AND 200),
	description      text NOT NULL CHECK (pg_catalog.length(description) BETWEEN 1 AND 20000),
	location         text CHECK (pg_catalog.length(location) <= 200),
	remote           boolean NOT NULL DEFAULT false,
	employment_type  text NOT NULL CHECK (employment_type IN ('full_time', 'part_time', 'contract', 'internship')),
	salary_min       bigint CHECK (salary_min >= 0),
	salary_max       bigint CHECK (salary_max >= 0),
	currency         text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
	tags             text[] NOT NULL DEFAULT '{}',
	status           text NOT NULL DEFAULT 'open' CHECK (status IN ('draft', 'open', 'closed')),
	posted_at        timestamptz,
	expires_at       timestamptz,
	created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
	search           tsvector GENERATED ALWAYS AS (
		pg_catalog.setweight(pg_catalog.to_tsvector('english'::regconfig, title), 'A') ||
		pg_catalog.setweight(pg_catalog.to_tsvector('english'::regconfig, jobboard.tags_text(tags)), 'B') ||
		pg_catalog.setweight(pg_catalog.to_tsvector('english'::regconfig, description), 'C')) STORED,
	CHECK (salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max),
	CHECK (status = 'draft' OR posted_at IS NOT NULL)
);
CREATE INDEX jobs_company_idx ON jobboard.jobs (company_id, id);
CREATE INDEX jobs_open_posted_idx ON jobboard.jobs (posted_at, id) WHERE status = 'open';
CREATE INDEX jobs_open_salary_idx ON jobboard.jobs ((coalesce(salary_max, -1)), id) WHERE status = 'open';
CREATE INDEX jobs_open_title_idx ON jobboard.jobs (title, id) WHERE status = 'open';
CREATE INDEX jobs_search_idx ON jobboard.jobs USING gin (search);
CREATE INDEX jobs_tags_idx ON jobboard.jobs USING gin (tags);
CREATE INDEX jobs_expires_idx ON jobboard.jobs (expires_at) WHERE status = 'open' AND expires_at IS NOT NULL;

-- Tags as a relation (for GET /tags and integrity); jobs.tags mirrors it for
-- search and output, kept in step by statement triggers on jobs in the same
-- statement (jobboard.job_tags_sync, 21_company_job_helpers.sql).
CREATE TABLE jobboard.tags (
	id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name  text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9+#.-]{0,29}$')
);
CREATE TABLE jobboard.job_tags (
	job_id  bigint NOT NULL REFERENCES jobboard.jobs ON DELETE CASCADE,
	tag_id  bigint NOT NULL REFERENCES jobboard.tags,
	PRIMARY KEY (job_id, tag_id)
);
CREATE INDEX job_tags_tag_idx ON jobboard.job_tags (tag_id);

CREATE TABLE jobboard.files (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id      bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	filename      text NOT NULL CHECK (pg_catalog.length(filename) BETWEEN 1 AND 255),
	content_type  text NOT NULL,
	size          bigint NOT NULL CHECK (size >= 0),
	sha256        text NOT NULL,
	data          bytea NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX files_owner_idx ON jobboard.files (owner_id, id);

CREATE TABLE jobboard.applications (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id          bigint NOT NULL REFERENCES jobboard.jobs,
	candidate_id    bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	status          text NOT NULL DEFAULT 'submitted' CHECK (status IN
		('submitted', 'reviewing', 'interview', 'offer', 'hired', 'rejected', 'withdrawn')),
	cover_letter    text CHECK (pg_catalog.length(cover_letter) <= 10000),
	resume_file_id  bigint REFERENCES jobboard.files,
	created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
	UNIQUE (job_id, candidate_id)
);
CREATE INDEX applications_job_created_idx ON jobboard.applications (job_id, created_at, id);
CREATE INDEX applications_job_updated_idx ON jobboard.applications (job_id, updated_at, id);
CREATE INDEX applications_candidate_created_idx ON jobboard.applications (candidate_id, created_at, id);
CREATE INDEX applications_candidate_updated_idx ON jobboard.applications (candidate_id, updated_at, id);
CREATE INDEX applications_resume_idx ON jobboard.applications (resume_file_id) WHERE resume_file_id IS NOT NULL;

CREATE TABLE jobboard.application_history (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	application_id  bigint NOT NULL REFERENCES jobboard.applications ON DELETE CASCADE,
	status          text NOT NULL,
	at              timestamptz NOT NULL DEFAULT pg_catalog.now(),
	by_user_id      bigint REFERENCES jobboard.users ON DELETE SET NULL
);
CREATE INDEX application_history_application_idx ON jobboard.application_history (application_id, id);

CREATE TABLE jobboard.notes (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id        bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	title           text NOT NULL CHECK (pg_catalog.length(title) BETWEEN 1 AND 200),
	body            text NOT NULL DEFAULT '' CHECK (pg_catalog.length(body) <= 100000),
	tags            text[] NOT NULL DEFAULT '{}',
	pinned          boolean NOT NULL DEFAULT false,
	archived        boolean NOT NULL DEFAULT false,
	application_id  bigint REFERENCES jobboard.applications ON DELETE CASCADE,
	created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
	search          tsvector GENERATED ALWAYS AS (
		pg_catalog.setweight(pg_catalog.to_tsvector('english'::regconfig, title), 'A') ||
		pg_catalog.setweight(pg_catalog.to_tsvector('english'::regconfig, body), 'B')) STORED
);
CREATE INDEX notes_owner_updated_idx ON jobboard.notes (owner_id, updated_at, id);
CREATE INDEX notes_owner_created_idx ON jobboard.notes (owner_id, created_at, id);
CREATE INDEX notes_owner_title_idx ON jobboard.notes (owner_id, title, id);
-- GET /applications/{id}/notes sorts by created_at or updated_at.
CREATE INDEX notes_application_created_idx ON jobboard.notes (application_id, created_at, id) WHERE application_id IS NOT NULL;
CREATE INDEX notes_application_updated_idx ON jobboard.notes (application_id, updated_at, id) WHERE application_id IS NOT NULL;
CREATE INDEX notes_search_idx ON jobboard.notes USING gin (search);
CREATE INDEX notes_tags_idx ON jobboard.notes USING gin (tags);

-- Live events (API.md §3.8): one row per recipient, written in the
-- transaction of the change; the NOTIFY carries the id.
CREATE TABLE jobboard.events (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id     bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	event       text NOT NULL,
	data        jsonb NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX events_user_idx ON jobboard.events (user_id, id);
CREATE INDEX events_created_idx ON jobboard.events (created_at);

CREATE FUNCTION jobboard.emit(event text, recipients bigint[], data jsonb) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	WITH e AS (
		INSERT INTO jobboard.events (user_id, event, data)
		SELECT DISTINCT r, event, data FROM unnest(recipients) AS r WHERE r IS NOT NULL
		RETURNING id, user_id)
	SELECT pg_notify('jobboard_events', id::text || ' ' || user_id::text) FROM e
$$;
COMMENT ON FUNCTION jobboard.emit(text, bigint[], jsonb) IS 'Record an event for each recipient and notify listeners (API.md §3.8).';

-- Idempotency-Key replay (API.md §1.3): the first successful response of a
-- creating POST, per route, caller (0 when anonymous) and key, for 24 hours.
CREATE TABLE jobboard.idempotency_keys (
	route         text NOT NULL,
	caller_id     bigint NOT NULL,
	key           text NOT NULL,
	request_hash  bytea NOT NULL,
	response      jsonb,
	created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (route, caller_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON jobboard.idempotency_keys (created_at);

SELECT pg_catalog.pg_extension_config_dump('jobboard.companies', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.companies_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.company_members', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.jobs_id_seq', '');
-- tags and job_tags are not dumped: the triggers on jobs rebuild them as the
-- jobs are restored.
SELECT pg_catalog.pg_extension_config_dump('jobboard.files', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.files_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.applications', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.applications_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.application_history', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.application_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.notes', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.notes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.events', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.events_id_seq', '');

-- A job is open while its status says so and it has not expired: queries use
-- this, so correctness never waits for the worker that closes expired jobs.
CREATE FUNCTION jobboard.job_is_open(status text, expires_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT status = 'open' AND (expires_at IS NULL OR expires_at > pg_catalog.now()) $$;

-- The status a client sees: an expired open job reads as closed.
CREATE FUNCTION jobboard.job_status(status text, expires_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN status = 'open' AND expires_at <= pg_catalog.now() THEN 'closed' ELSE status END $$;
