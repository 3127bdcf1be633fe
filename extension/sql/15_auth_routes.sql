-- Routes of API.md §3.1 (auth and the signed-in user) and §3.2 (users, roles).

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

