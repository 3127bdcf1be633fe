-- Every entry point function, created from the route table (05), plus the
-- functions only a database superuser calls from psql.

DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM jobboard.routes LOOP
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION jobboard.%I(%s) %s LANGUAGE c VOLATILE SECURITY DEFINER '
			'SET search_path = jobboard, pg_catalog, pg_temp AS %L, %L',
			r.function,
			CASE WHEN r.kind IN ('json', 'stream') THEN 'token text DEFAULT NULL, args jsonb DEFAULT NULL'
			     WHEN r.kind = 'upload' THEN 'token text, args jsonb, data bytea'
			     ELSE 'token text, args jsonb, OUT file jsonb, OUT data bytea' END,
			CASE r.kind WHEN 'download' THEN 'RETURNS record' ELSE 'RETURNS jsonb' END,
			'MODULE_PATHNAME', 'jb_' || r.function);
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION jobboard.%I IS %L',
			r.function, r.method || ' ' || r.path || ': ' || r.summary || '.');
	END LOOP;
END
$$;

CREATE FUNCTION jobboard.api_routes() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
		'method', method, 'path', path, 'function', function, 'status', status,
		'auth', auth, 'read_only', read_only, 'cacheable', cacheable, 'body', body,
		'location', location, 'cookie', cookie, 'summary', summary, 'kind', kind)
		ORDER BY path, method), '[]')
	  FROM jobboard.routes
$$;
COMMENT ON FUNCTION jobboard.api_routes() IS 'The route table, for the HTTP shim (docs/INTERFACE.md).';

CREATE FUNCTION jobboard.grant_role(email text, role text) RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'jb_grant_role';
COMMENT ON FUNCTION jobboard.grant_role(text, text) IS 'Give a role to the user with this email (for the first admin, from psql).';

CREATE FUNCTION jobboard.rotate_secret() RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = jobboard, pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'jb_rotate_secret';
COMMENT ON FUNCTION jobboard.rotate_secret() IS 'Replace the signing secret: every access token and cursor is refused from then on.';
