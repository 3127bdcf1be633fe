-- Companies, jobs and tags (API.md §3.3, §3.4): the JSON shapes the entry
-- points of src/companies.c and src/jobs.c answer, the indexes their list
-- sorts need, and the trigger that keeps the tag relation in step with
-- jobs.tags. Internal: nothing here is granted to anyone.

-- Open jobs of a company, counted index-only (open_jobs of a company).
CREATE INDEX jobs_company_open_idx ON jobboard.jobs (company_id, expires_at) WHERE status = 'open';

-- GET /companies/{id}/jobs: one index per sort, led by company_id. These sort
-- every status (members see drafts, whose posted_at is NULL: they sort by
-- created_at), so they are not partial.
CREATE INDEX jobs_company_posted_idx ON jobboard.jobs (company_id, (coalesce(posted_at, created_at)), id);
CREATE INDEX jobs_company_salary_idx ON jobboard.jobs (company_id, (coalesce(salary_max, -1)), id);
CREATE INDEX jobs_company_title_idx ON jobboard.jobs (company_id, title, id);

-- Inlined into the calling statement (src/shapes.h says why and passes what
-- comes from other rows); every name is qualified, since the body is parsed
-- under the caller's search_path.
CREATE FUNCTION jobboard.company_json(c jobboard.companies, open_jobs bigint) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', c.id, 'name', c.name, 'website', c.website,
		'description', c.description, 'location', c.location,
		'open_jobs', open_jobs, 'created_at', c.created_at, 'updated_at', c.updated_at)
$$;
COMMENT ON FUNCTION jobboard.company_json(jobboard.companies, bigint) IS 'The JSON shape of a company, given its count of open jobs (API.md §3.3).';

CREATE FUNCTION jobboard.company_member_json(m jobboard.company_members) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT jsonb_build_object(
		'company_id', m.company_id,
		'user', (SELECT jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email)
		           FROM jobboard.users u WHERE u.id = m.user_id),
		'role', m.role, 'added_at', m.added_at)
$$;
COMMENT ON FUNCTION jobboard.company_member_json(jobboard.company_members) IS 'The JSON shape of a company member (API.md §3.3).';

-- Inlined into the calling statement (src/shapes.h says why and passes what
-- comes from other rows); every name is qualified, since the body is parsed
-- under the caller's search_path.
CREATE FUNCTION jobboard.job_json(j jobboard.jobs, company_name text) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', j.id,
		'company', pg_catalog.jsonb_build_object('id', j.company_id, 'name', company_name),
		'title', j.title, 'description', j.description, 'location', j.location,
		'remote', j.remote, 'employment_type', j.employment_type,
		'salary_min', j.salary_min, 'salary_max', j.salary_max, 'currency', j.currency,
		'tags', pg_catalog.to_jsonb(j.tags), 'status', jobboard.job_status(j.status, j.expires_at),
		'posted_at', j.posted_at, 'expires_at', j.expires_at,
		'created_at', j.created_at, 'updated_at', j.updated_at)
$$;
COMMENT ON FUNCTION jobboard.job_json(jobboard.jobs, text) IS 'The JSON shape of a job, given its company''s name; an expired open job reads as closed (API.md §3.4).';

-- The sort key of GET /tags: most open jobs first, then by name.
CREATE TYPE jobboard.tag_rank AS (neg_open_jobs bigint, name text);

-- jobboard.tags/job_tags mirror jobs.tags in the statement that changes it,
-- whoever writes it (entry points, bulk loads). Statement triggers with
-- transition tables keep a bulk INSERT ... SELECT set-based. New tag names are
-- inserted in name order (two writers cannot deadlock on them) and looked up
-- by a later statement, which sees a concurrent writer's committed names.
CREATE FUNCTION jobboard.job_tags_sync() RETURNS trigger
LANGUAGE plpgsql
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		DELETE FROM jobboard.job_tags jt
		 USING old_jobs o JOIN new_jobs n ON n.id = o.id
		 WHERE jt.job_id = n.id AND o.tags IS DISTINCT FROM n.tags;
	END IF;
	INSERT INTO jobboard.tags (name)
	SELECT DISTINCT t FROM new_jobs n, unnest(n.tags) AS t ORDER BY t
	ON CONFLICT (name) DO NOTHING;
	IF TG_OP = 'UPDATE' THEN
		INSERT INTO jobboard.job_tags (job_id, tag_id)
		SELECT n.id, t.id
		  FROM old_jobs o JOIN new_jobs n ON n.id = o.id
		  JOIN jobboard.tags t ON t.name = ANY (n.tags)
		 WHERE o.tags IS DISTINCT FROM n.tags;
	ELSE
		INSERT INTO jobboard.job_tags (job_id, tag_id)
		SELECT n.id, t.id FROM new_jobs n JOIN jobboard.tags t ON t.name = ANY (n.tags);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION jobboard.job_tags_sync() IS 'Keep jobboard.tags and jobboard.job_tags in step with jobs.tags.';

CREATE TRIGGER jobs_tags_insert AFTER INSERT ON jobboard.jobs
	REFERENCING NEW TABLE AS new_jobs
	FOR EACH STATEMENT EXECUTE FUNCTION jobboard.job_tags_sync();
CREATE TRIGGER jobs_tags_update AFTER UPDATE ON jobboard.jobs
	REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
	FOR EACH STATEMENT EXECUTE FUNCTION jobboard.job_tags_sync();
