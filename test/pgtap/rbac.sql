-- RBAC (API.md §2, §3.2): the permission matrix of the built-in roles,
-- exactly; the gate of every user and role administration entry point; a
-- user's permissions are the union of its roles'; custom roles, and changes
-- to them, take effect on the holder's very next call; users:manage cannot
-- hand out permissions its holder lacks. Runs in one transaction, rolled back.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;

SELECT plan(99);

-- Helpers --------------------------------------------------------------------

CREATE FUNCTION pg_temp.try(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	result jsonb;
	st text;
	msg text;
BEGIN
	EXECUTE sql INTO result;
	RETURN coalesce(result, '{"no_content": true}');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg);
END
$$;

-- Call an entry point: call('users_list', token, '{...}').
CREATE FUNCTION pg_temp.call(fn text, token text, args jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
	SELECT pg_temp.try(format('SELECT jobboard.%I(%L, %L)', fn, token, args))
$$;

-- The SQLSTATE a call fails with, or 'ok'.
CREATE FUNCTION pg_temp.state(fn text, token text, args jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(r ->> 'sqlstate', 'ok') FROM pg_temp.call(fn, token, args) r
$$;

CREATE FUNCTION pg_temp.token(email text) RETURNS text LANGUAGE sql AS $$
	SELECT jobboard.register(NULL, jsonb_build_object('email', email, 'password', 'Correct-horse-7',
	                                                  'name', split_part(email, '@', 1))) ->> 'access_token'
$$;

CREATE FUNCTION pg_temp.employer_token(email text) RETURNS text LANGUAGE sql AS $$
	SELECT jobboard.register(NULL, jsonb_build_object('email', email, 'password', 'Correct-horse-7',
	                                                  'name', split_part(email, '@', 1), 'role', 'employer')) ->> 'access_token'
$$;

CREATE FUNCTION pg_temp.id(email text) RETURNS bigint LANGUAGE sql AS $$
	SELECT id FROM jobboard.users WHERE lower(users.email) = lower(id.email)
$$;

\set forbidden '{"sqlstate": "42501", "message": "you lack the permission for this"}'
\set escalation '{"sqlstate": "42501", "message": "you cannot grant permissions you do not hold"}'

-- The cast -------------------------------------------------------------------

SELECT pg_temp.token('adm@tap-rbac.test') AS adm,
       pg_temp.employer_token('emp@tap-rbac.test') AS emp,
       pg_temp.token('cand@tap-rbac.test') AS cand,
       pg_temp.token('mia@tap-rbac.test') AS mia,
       pg_temp.token('xander@tap-rbac.test') AS xander \gset
SELECT jobboard.grant_role('adm@tap-rbac.test', 'admin') IS NOT NULL AS granted \gset
SELECT pg_temp.id('xander@tap-rbac.test') AS xander_id, pg_temp.id('cand@tap-rbac.test') AS cand_id \gset

-- The permissions and the built-in roles -------------------------------------

SELECT set_eq('SELECT name FROM jobboard.permissions',
              ARRAY['companies:create', 'jobs:write', 'applications:review', 'applications:create',
                    'notes:write', 'files:upload', 'users:read', 'users:manage', 'roles:manage', 'moderate'],
              'the ten permissions of API.md §2');

SELECT jobboard.roles_list(:'adm') AS roles \gset
SELECT set_eq(format($$SELECT r ->> 'name' FROM jsonb_array_elements(%L::jsonb -> 'data') r WHERE (r -> 'builtin')::boolean$$, :'roles'),
              ARRAY['admin', 'employer', 'candidate'], 'the built-in roles are admin, employer and candidate');

CREATE TEMP TABLE matrix (permission text, admin boolean, employer boolean, candidate boolean);
INSERT INTO matrix VALUES
	('companies:create',    true,  true,  false),
	('jobs:write',          true,  true,  false),
	('applications:review', true,  true,  false),
	('applications:create', false, false, true),
	('notes:write',         true,  true,  true),
	('files:upload',        true,  true,  true),
	('users:read',          true,  false, false),
	('users:manage',        true,  false, false),
	('roles:manage',        true,  false, false),
	('moderate',            true,  false, false);

SELECT is((SELECT r -> 'permissions' FROM jsonb_array_elements(:'roles'::jsonb -> 'data') r WHERE r ->> 'name' = role),
          (SELECT jsonb_agg(permission ORDER BY permission) FROM matrix m
            WHERE CASE role WHEN 'admin' THEN m.admin WHEN 'employer' THEN m.employer ELSE m.candidate END),
          format('roles_list: %s has exactly the permissions of §2, sorted', role))
  FROM unnest(ARRAY['admin', 'employer', 'candidate']) AS role;

SELECT is((SELECT r -> 'permissions' FROM jsonb_array_elements(:'roles'::jsonb -> 'data') r WHERE r ->> 'name' = x.role)
            ? m.permission,
          x.granted,
          format('%s %s %s', x.role, CASE WHEN x.granted THEN 'has' ELSE 'lacks' END, m.permission))
  FROM matrix m
 CROSS JOIN LATERAL (VALUES ('admin', m.admin), ('employer', m.employer), ('candidate', m.candidate)) AS x(role, granted)
 ORDER BY m.permission, x.role;

-- The gates of §3.2 ----------------------------------------------------------
-- Arguments that change nothing: the admin gets past the gate (200, 404 or
-- 422); the others stop at it (403).

CREATE TEMP TABLE gates (fn text, args jsonb, admin_state text);
INSERT INTO gates VALUES
	('users_list',  '{}', 'ok'),
	('user_get',    jsonb_build_object('id', :xander_id), 'ok'),
	('user_update', '{"id": 9007199254740991, "name": "Nobody"}', 'P0002'),
	('user_delete', '{"id": 9007199254740991}', 'P0002'),
	('roles_list',  '{}', 'ok'),
	('role_create', '{"name": "1 bad name", "permissions": []}', '22023'),
	('role_update', '{"name": "tap_no_such_role", "permissions": []}', 'P0002'),
	('role_delete', '{"name": "tap_no_such_role"}', 'P0002');

SELECT is(pg_temp.state(g.fn, t.token, g.args), CASE WHEN t.who = 'admin' THEN g.admin_state ELSE '42501' END,
          format('%s as %s: %s', g.fn, t.who, CASE WHEN t.who = 'admin' THEN 'past the gate' ELSE '403' END))
  FROM gates g
 CROSS JOIN (VALUES ('admin', :'adm'), ('employer', :'emp'), ('candidate', :'cand')) AS t(who, token)
 ORDER BY g.fn, t.who;

SELECT is(pg_temp.call('user_get', :'cand', jsonb_build_object('id', :cand_id)) ->> 'email', 'cand@tap-rbac.test',
          'user_get of oneself needs no permission');
SELECT is(pg_temp.state('users_list', NULL), '28000', 'users_list without a token: 401, not 403');

-- Custom roles take effect on the next call ----------------------------------

SELECT is(pg_temp.call('role_create', :'adm', '{"name": "tap_reader", "permissions": ["users:read"]}'),
          '{"name": "tap_reader", "builtin": false, "permissions": ["users:read"]}', 'an admin creates tap_reader');
SELECT is(jobboard.grant_role('cand@tap-rbac.test', 'tap_reader') -> 'roles', '["candidate", "tap_reader"]',
          'the candidate gets it on top of candidate');
SELECT is(pg_temp.state('users_list', :'cand'), 'ok', 'the candidate''s token from before may list users at once');
SELECT is(pg_temp.state('user_get', :'cand', jsonb_build_object('id', :xander_id)), 'ok', 'and read another user');
SELECT is(pg_temp.state('roles_list', :'cand'), '42501', 'but not manage roles');
SELECT is(pg_temp.call('role_update', :'adm', '{"name": "tap_reader", "permissions": ["roles:manage"]}') -> 'permissions',
          '["roles:manage"]', 'the admin swaps the role''s permission for roles:manage');
SELECT is(pg_temp.state('users_list', :'cand'), '42501', 'the next call cannot list users any more');
SELECT is(pg_temp.state('roles_list', :'cand'), 'ok', 'and can list roles');
SELECT is(pg_temp.call('role_delete', :'adm', '{"name": "tap_reader"}'),
          '{"sqlstate": "55000", "message": "the role is still assigned to users"}', 'an assigned role cannot be deleted');

-- Union of roles; a role with no permission adds nothing.
SELECT is(pg_temp.state('role_create', :'adm', '{"name": "tap_users", "permissions": ["users:read"]}'), 'ok', 'tap_users');
SELECT is(pg_temp.state('role_create', :'adm', '{"name": "tap_none", "permissions": []}'), 'ok', 'tap_none, with no permission');
SELECT is(jobboard.grant_role('xander@tap-rbac.test', 'tap_none') -> 'roles', '["candidate", "tap_none"]', 'xander: candidate + tap_none');
SELECT is(ARRAY[pg_temp.state('users_list', :'xander'), pg_temp.state('roles_list', :'xander')], ARRAY['42501', '42501'],
          'tap_none adds nothing');
SELECT is(jobboard.grant_role('xander@tap-rbac.test', 'tap_users') -> 'roles', '["candidate", "tap_none", "tap_users"]',
          'xander: + tap_users');
SELECT is(ARRAY[pg_temp.state('users_list', :'xander'), pg_temp.state('roles_list', :'xander')], ARRAY['ok', '42501'],
          'users:read from tap_users');
SELECT is(jobboard.grant_role('xander@tap-rbac.test', 'tap_reader') -> 'roles', '["candidate", "tap_none", "tap_reader", "tap_users"]',
          'xander: + tap_reader');
SELECT is(ARRAY[pg_temp.state('users_list', :'xander'), pg_temp.state('roles_list', :'xander')], ARRAY['ok', 'ok'],
          'the permissions are the union of the roles''');
SELECT is(pg_temp.call('me', :'xander') -> 'roles', '["candidate", "tap_none", "tap_reader", "tap_users"]',
          'me lists every role, sorted');

-- Built-in roles cannot be changed, whoever asks.
SELECT is(pg_temp.call('role_update', :'adm', '{"name": "candidate", "permissions": ["users:read"]}'),
          '{"sqlstate": "55000", "message": "built-in roles cannot be changed"}', 'candidate cannot be changed (409)');
SELECT is(pg_temp.call('role_delete', :'adm', '{"name": "employer"}'),
          '{"sqlstate": "55000", "message": "built-in roles cannot be deleted"}', 'employer cannot be deleted (409)');
SELECT is((SELECT count(*) FROM jobboard.role_permissions WHERE role = 'candidate'), 3::bigint,
          'candidate keeps its three permissions');

-- users:manage without the rest: no escalation --------------------------------

SELECT is(pg_temp.state('role_create', :'adm', '{"name": "tap_usermgr", "permissions": ["users:read", "users:manage"]}'), 'ok',
          'tap_usermgr: users:read + users:manage');
SELECT is(jobboard.grant_role('mia@tap-rbac.test', 'tap_usermgr') -> 'roles', '["candidate", "tap_usermgr"]', 'mia gets it');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', :xander_id, 'roles', '["admin"]'::jsonb)), :'escalation',
          'mia cannot make xander an admin');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', pg_temp.id('mia@tap-rbac.test'), 'roles', '["admin"]'::jsonb)),
          :'escalation', 'nor herself');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', :xander_id, 'roles', '["employer"]'::jsonb)), :'escalation',
          'nor hand out employer, whose companies:create she lacks');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', :xander_id, 'roles', '["tap_usermgr", "admin"]'::jsonb)),
          :'escalation', 'one role beyond her permissions in the list is enough to refuse it');
SELECT is(pg_temp.state('role_create', :'mia', '{"name": "tap_mine", "permissions": ["moderate"]}'), '42501',
          'nor create roles');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', :xander_id, 'name', 'Xander X')) ->> 'name', 'Xander X',
          'she may rename users');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', :xander_id, 'roles', '["tap_usermgr"]'::jsonb)) -> 'roles',
          '["tap_usermgr"]', 'and hand out roles within her own permissions');
SELECT is(pg_temp.call('user_update', :'mia', jsonb_build_object('id', :xander_id, 'roles', '["tap_users", "tap_none"]'::jsonb)) -> 'roles',
          '["tap_none", "tap_users"]', 'replacing the user''s roles');

-- Taking a role away, and changing a role's permissions in place.
SELECT is(pg_temp.call('user_update', :'adm', jsonb_build_object('id', :cand_id, 'roles', '["candidate"]'::jsonb)) -> 'roles',
          '["candidate"]', 'the admin takes tap_reader away from the candidate');
SELECT is(pg_temp.state('roles_list', :'cand'), '42501', 'the candidate''s next call cannot list roles');
SELECT is(pg_temp.call('role_update', :'adm', '{"name": "tap_users", "permissions": ["users:read", "roles:manage"]}') -> 'permissions',
          '["roles:manage", "users:read"]', 'role_update may keep permissions the role had');
SELECT is(pg_temp.call('role_update', :'adm', '{"name": "tap_users", "permissions": ["users:read"]}') -> 'permissions',
          '["users:read"]', 'and drop some');
SELECT is(pg_temp.call('user_update', :'adm', jsonb_build_object('id', :xander_id, 'roles', '["candidate"]'::jsonb)) -> 'roles',
          '["candidate"]', 'xander back to candidate');
SELECT is(pg_temp.call('role_delete', :'adm', '{"name": "tap_users"}'), '{"no_content": true}',
          'an unassigned custom role can be deleted (204)');
SELECT is(pg_temp.state('users_list', :'xander'), '42501', 'xander''s next call has none of its permissions');

SELECT * FROM finish();
ROLLBACK;
