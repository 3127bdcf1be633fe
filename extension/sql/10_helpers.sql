-- Internal helpers shared by the entry points: JSON shapes of resources and
-- the ETag rule (docs/INTERFACE.md). Not granted to anyone.

CREATE FUNCTION jobboard.user_json(u jobboard.users) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT jsonb_build_object(
		'id', u.id, 'email', u.email, 'name', u.name,
		'roles', coalesce((SELECT jsonb_agg(ur.role ORDER BY ur.role)
		                     FROM jobboard.user_roles ur WHERE ur.user_id = u.id), '[]'),
		'disabled', u.disabled, 'created_at', u.created_at, 'updated_at', u.updated_at)
$$;
COMMENT ON FUNCTION jobboard.user_json(jobboard.users) IS 'The public JSON shape of a user (API.md §3.1).';

-- A strong ETag: the first 32 hex digits of SHA-256 over the body's text
-- exactly as PostgreSQL prints it; the shim computes the same over what it sends.
CREATE FUNCTION jobboard.etag(body jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT '"' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(
		pg_catalog.convert_to(body::text, 'UTF8')), 'hex'), 32) || '"'
$$;
COMMENT ON FUNCTION jobboard.etag(jsonb) IS 'Strong ETag of a response body (API.md §1.3).';
