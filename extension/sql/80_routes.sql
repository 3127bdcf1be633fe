-- The route table: the one description of the HTTP surface. The shim loads
-- it through api_routes(); every entry point function below is created from
-- it, so a route cannot exist without its function or the other way round.

CREATE TABLE jobboard.routes (
	method     text NOT NULL CHECK (method IN ('GET', 'POST', 'PATCH', 'PUT', 'DELETE')),
	path       text NOT NULL CHECK (path ~ '^/'),
	function   text NOT NULL CHECK (function ~ '^[a-z][a-z0-9_]*$'),
	status     int NOT NULL CHECK (status IN (200, 201, 204)),
	auth       text NOT NULL,
	read_only  boolean NOT NULL,
	cacheable  boolean NOT NULL DEFAULT false,
	body       text NOT NULL DEFAULT 'none' CHECK (body IN ('none', 'json', 'multipart')),
	location   text,
	cookie     text,
	summary    text NOT NULL,
	PRIMARY KEY (method, path),
	UNIQUE (function)
);

INSERT INTO jobboard.routes (method, path, function, status, auth, read_only, cacheable, body, location, cookie, summary) VALUES
	('POST',   '/auth/register',     'register',    201, '-',    false, false, 'json', '/users/{user.id}', 'refresh_token', 'Create an account and sign in'),
	('POST',   '/auth/login',        'login',       200, '-',    false, false, 'json', NULL, 'refresh_token', 'Sign in with email and password'),
	('POST',   '/auth/refresh',      'refresh',     200, '-',    false, false, 'json', NULL, 'refresh_token', 'Trade a refresh token for a new token pair'),
	('POST',   '/auth/logout',       'logout',      204, '-',    false, false, 'json', NULL, 'refresh_token', 'End the session of a refresh token'),
	('POST',   '/auth/logout-all',   'logout_all',  204, 'user', false, false, 'none', NULL, NULL, 'End every session of the signed-in user'),
	('GET',    '/me',                'me',          200, 'user', true,  false, 'none', NULL, NULL, 'The signed-in user'),
	('PATCH',  '/me',                'me_update',   200, 'user', false, false, 'json', NULL, NULL, 'Change the signed-in user''s name'),
	('POST',   '/me/password',       'me_password', 204, 'user', false, false, 'json', NULL, NULL, 'Change the password; other sessions end'),
	('GET',    '/users',             'users_list',  200, 'users:read',   true,  false, 'none', NULL, NULL, 'List users'),
	('GET',    '/users/{id}',        'user_get',    200, 'users:read',   true,  false, 'none', NULL, NULL, 'Read a user (or yourself)'),
	('PATCH',  '/users/{id}',        'user_update', 200, 'users:manage', false, false, 'json', NULL, NULL, 'Change a user''s name, roles or disabled flag'),
	('DELETE', '/users/{id}',        'user_delete', 204, 'users:manage', false, false, 'none', NULL, NULL, 'Delete a user and what it owns'),
	('GET',    '/roles',             'roles_list',  200, 'roles:manage', true,  false, 'none', NULL, NULL, 'List roles with their permissions'),
	('POST',   '/roles',             'role_create', 201, 'roles:manage', false, false, 'json', '/roles/{name}', NULL, 'Create a custom role'),
	('PATCH',  '/roles/{name}',      'role_update', 200, 'roles:manage', false, false, 'json', NULL, NULL, 'Replace a custom role''s permissions'),
	('DELETE', '/roles/{name}',      'role_delete', 204, 'roles:manage', false, false, 'none', NULL, NULL, 'Delete an unassigned custom role');

DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM jobboard.routes LOOP
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION jobboard.%I(token text DEFAULT NULL, args jsonb DEFAULT NULL) '
			'RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER '
			'SET search_path = jobboard, pg_catalog AS %L, %L',
			r.function, 'MODULE_PATHNAME', 'jb_' || r.function);
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION jobboard.%I(text, jsonb) IS %L',
			r.function, r.method || ' ' || r.path || ': ' || r.summary || '.');
	END LOOP;
END
$$;

CREATE FUNCTION jobboard.api_routes() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = jobboard, pg_catalog
AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
		'method', method, 'path', path, 'function', function, 'status', status,
		'auth', auth, 'read_only', read_only, 'cacheable', cacheable, 'body', body,
		'location', location, 'cookie', cookie, 'summary', summary)
		ORDER BY path, method), '[]')
	  FROM jobboard.routes
$$;
COMMENT ON FUNCTION jobboard.api_routes() IS 'The route table, for the HTTP shim (docs/INTERFACE.md).';

CREATE FUNCTION jobboard.grant_role(email text, role text) RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = jobboard, pg_catalog
AS 'MODULE_PATHNAME', 'jb_grant_role';
COMMENT ON FUNCTION jobboard.grant_role(text, text) IS 'Give a role to the user with this email (for the first admin, from psql).';

CREATE FUNCTION jobboard.rotate_secret() RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = jobboard, pg_catalog
AS 'MODULE_PATHNAME', 'jb_rotate_secret';
COMMENT ON FUNCTION jobboard.rotate_secret() IS 'Replace the signing secret: every access token and cursor is refused from then on.';
