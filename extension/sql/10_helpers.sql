-- Internal helpers shared by the entry points: JSON shapes of resources and
-- the ETag rule (docs/INTERFACE.md). Not granted to anyone.

-- Inlined into the calling statement (src/shapes.h says why and passes what
-- comes from other rows); every name is qualified, since the body is parsed
-- under the caller's search_path.
CREATE FUNCTION jobboard.user_json(u jobboard.users, roles jsonb) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', u.id, 'email', u.email, 'name', u.name, 'roles', roles,
		'disabled', u.disabled, 'created_at', u.created_at, 'updated_at', u.updated_at)
$$;
COMMENT ON FUNCTION jobboard.user_json(jobboard.users, jsonb) IS 'The public JSON shape of a user, given its sorted roles (API.md §3.1).';

-- A strong ETag: the first 32 hex digits of SHA-256 over the body's text
-- exactly as PostgreSQL prints it; the shim computes the same over what it sends.
CREATE FUNCTION jobboard.etag(body jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT '"' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(
		pg_catalog.convert_to(body::text, 'UTF8')), 'hex'), 32) || '"'
$$;
COMMENT ON FUNCTION jobboard.etag(jsonb) IS 'Strong ETag of a response body (API.md §1.3).';
