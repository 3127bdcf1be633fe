-- JSON shapes and small queries shared by the applications and notes entry
-- points (API.md §3.5, §3.6, §3.8). Internal: granted to no one.

CREATE FUNCTION jobboard.application_json(a jobboard.applications) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT jsonb_build_object(
		'id', a.id,
		'job', jsonb_build_object('id', j.id, 'title', j.title,
		                          'company', jsonb_build_object('id', c.id, 'name', c.name)),
		'candidate', jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email),
		'status', a.status, 'cover_letter', a.cover_letter,
		'resume_file_id', a.resume_file_id,
		'created_at', a.created_at, 'updated_at', a.updated_at)
	  FROM jobboard.jobs j
	  JOIN jobboard.companies c ON c.id = j.company_id
	  JOIN jobboard.users u ON u.id = a.candidate_id
	 WHERE j.id = a.job_id
$$;
COMMENT ON FUNCTION jobboard.application_json(jobboard.applications) IS 'The public JSON shape of an application (API.md §3.5).';

CREATE FUNCTION jobboard.application_history_json(application_id bigint) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
		'status', h.status, 'at', h.at,
		'by', CASE WHEN u.id IS NULL THEN NULL
		           ELSE jsonb_build_object('id', u.id, 'name', u.name) END)
		ORDER BY h.id), '[]')
	  FROM jobboard.application_history h
	  LEFT JOIN jobboard.users u ON u.id = h.by_user_id
	 WHERE h.application_id = $1
$$;
COMMENT ON FUNCTION jobboard.application_history_json(bigint) IS 'The status history of an application, oldest first (API.md §3.5).';

CREATE FUNCTION jobboard.application_detail_json(a jobboard.applications) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT jobboard.application_json(a)
	       || jsonb_build_object('history', jobboard.application_history_json(a.id))
$$;
COMMENT ON FUNCTION jobboard.application_detail_json(jobboard.applications) IS 'An application with its history, as GET /applications/{id} answers it (its ETag).';

-- Everyone who reviews an application: the members of its job's company.
CREATE FUNCTION jobboard.application_member_ids(application_id bigint) RETURNS bigint[]
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT coalesce(array_agg(m.user_id ORDER BY m.user_id), '{}')
	  FROM jobboard.applications a
	  JOIN jobboard.jobs j ON j.id = a.job_id
	  JOIN jobboard.company_members m ON m.company_id = j.company_id
	 WHERE a.id = $1
$$;
COMMENT ON FUNCTION jobboard.application_member_ids(bigint) IS 'Ids of the members of the company an application was sent to (event recipients).';

-- Whether a user is a member of the company an application was sent to.
CREATE FUNCTION jobboard.application_is_member(application_id bigint, user_id bigint) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1
	                 FROM jobboard.applications a
	                 JOIN jobboard.jobs j ON j.id = a.job_id
	                 JOIN jobboard.company_members m ON m.company_id = j.company_id
	                WHERE a.id = $1 AND m.user_id = $2)
$$;
COMMENT ON FUNCTION jobboard.application_is_member(bigint, bigint) IS 'True when the user is a member of the company the application was sent to.';

-- Inlined into the calling statement (src/shapes.h says why and passes what
-- comes from other rows); every name is qualified, since the body is parsed
-- under the caller's search_path.
CREATE FUNCTION jobboard.note_json(n jobboard.notes, owner_name text) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', n.id, 'title', n.title, 'body', n.body, 'tags', pg_catalog.to_jsonb(n.tags),
		'pinned', n.pinned, 'archived', n.archived, 'application_id', n.application_id,
		'owner', pg_catalog.jsonb_build_object('id', n.owner_id, 'name', owner_name),
		'created_at', n.created_at, 'updated_at', n.updated_at)
$$;
COMMENT ON FUNCTION jobboard.note_json(jobboard.notes, text) IS 'The public JSON shape of a note, given its owner''s name (API.md §3.6).';
