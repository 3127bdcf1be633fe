-- User and role administration (API.md §2, §3.2) as a psql user meets it:
-- grant_role, users_list, user_get, user_update, user_delete, the last-admin
-- rule, roles_list, role_create, role_update, role_delete, rotate_secret.
-- After each call that must fail, \echo prints its SQLSTATE (API.md §4).
-- Every account here ends in @ur.test; every custom role starts with ur_.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS jobboard;
\set SHOW_CONTEXT never

--
-- the cast
--
SELECT jobboard.register(NULL, '{"email": "root@ur.test", "password": "Correct-horse-7", "name": "Root"}') ->> 'access_token' AS root \gset
SELECT jobboard.register(NULL, '{"email": "cara@ur.test", "password": "Correct-horse-7", "name": "Cara"}') ->> 'access_token' AS cara \gset
SELECT jobboard.register(NULL, '{"email": "eddie@ur.test", "password": "Correct-horse-7", "name": "Eddie", "role": "employer"}') ->> 'access_token' AS eddie \gset
SELECT jobboard.register(NULL, '{"email": "uma@ur.test", "password": "Correct-horse-7", "name": "Uma"}') ->> 'access_token' AS uma \gset
SELECT jobboard.register(NULL, '{"email": "dora@ur.test", "password": "Correct-horse-7", "name": "Dora"}') ->> 'access_token' AS dora \gset
SELECT jobboard.register(NULL, '{"email": "ada@ur.test", "password": "Correct-horse-7", "name": "Ada"}') ->> 'access_token' AS ada \gset
SELECT jobboard.me(:'root') ->> 'id' AS root_id, jobboard.me(:'cara') ->> 'id' AS cara_id,
       jobboard.me(:'eddie') ->> 'id' AS eddie_id, jobboard.me(:'uma') ->> 'id' AS uma_id,
       jobboard.me(:'dora') ->> 'id' AS dora_id, jobboard.me(:'ada') ->> 'id' AS ada_id \gset

--
-- grant_role: the first admin, from psql
--
-- Before it, Root is a candidate like everyone else.
SELECT jobboard.users_list(:'root'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.grant_role(' ROOT@ur.test ', 'admin') - 'id' - 'created_at' - 'updated_at' AS "user";
-- Granting it again changes nothing.
SELECT jobboard.grant_role('root@ur.test', 'admin') -> 'roles' AS roles;
SELECT jobboard.grant_role('nobody@ur.test', 'admin'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.grant_role('root@ur.test', 'superuser'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.grant_role(NULL, 'admin'); \echo :LAST_ERROR_SQLSTATE
-- Root's token from before the grant carries the new permissions at once.
SELECT jobboard.users_list(:'root', '{"q": "root@ur.test"}') #>> '{data,0,email}' AS email;

--
-- users_list
--
SELECT jobboard.users_list(:'cara'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'eddie'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(NULL); \echo :LAST_ERROR_SQLSTATE
-- The default order is created_at, ties broken by id.
SELECT u ->> 'email' AS email, u -> 'roles' AS roles, u -> 'disabled' AS disabled
  FROM jsonb_array_elements(jobboard.users_list(:'root', '{"q": "@ur.test"}') -> 'data') u;
SELECT jobboard.users_list(:'root', '{"q": "@ur.test"}') - 'data' AS rest;
SELECT jsonb_object_keys(jobboard.users_list(:'root', '{"q": "@ur.test"}') -> 'data' -> 0) AS user_keys;
-- Filters: q (email or name contains, case-insensitively), role, disabled.
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "  UR.TEST ", "sort": "email"}'), '$.data[*].email') AS email;
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "ORA@ur.tes"}'), '$.data[*].email') AS email;
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "role": "employer"}'), '$.data[*].email') AS email;
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "role": "admin"}'), '$.data[*].email') AS email;
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "role": "no_such_role"}') AS empty;
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "disabled": "true"}') AS none_disabled;
SELECT jsonb_array_length(jobboard.users_list(:'root', '{"q": "@ur.test", "disabled": false}') -> 'data') AS enabled;
-- Sorts: created_at, email, name; - for descending.
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "sort": "-email"}'), '$.data[*].email') AS email;
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "sort": "name"}'), '$.data[*].name') AS name;
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "sort": "-created_at"}'), '$.data[*].name') AS name;
-- count=exact adds the total.
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "limit": 2, "count": "exact"}') -> 'total' AS total;
-- Keyset pagination: following next_cursor visits every row once, in order.
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "sort": "name", "limit": "4"}') AS page \gset
SELECT jsonb_path_query(:'page'::jsonb, '$.data[*].name') AS name;
SELECT :'page'::jsonb ->> 'next_cursor' AS cursor \gset
SELECT jobboard.users_list(:'root', jsonb_build_object('q', '@ur.test', 'sort', 'name', 'limit', 4, 'cursor', :'cursor')) AS page \gset
SELECT jsonb_path_query(:'page'::jsonb, '$.data[*].name') AS name;
SELECT :'page'::jsonb -> 'next_cursor' AS next_cursor;
-- page: numbered pages.
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "sort": "name", "limit": 2, "page": 2}'), '$.data[*].name') AS name;
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "limit": 2, "page": 9}') -> 'data' AS beyond_the_end;
-- Bad query parameters are 400s.
SELECT jobboard.users_list(:'root', '{"limit": 0}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"limit": 101}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"limit": "ten"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"limit": 1.5}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"sort": "password_hash"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"sort": "-"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"cursor": "garbage"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', jsonb_build_object('q', '@ur.test', 'sort', 'email', 'limit', 4, 'cursor', :'cursor')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', jsonb_build_object('q', '@ur.test', 'sort', '-name', 'limit', 4, 'cursor', :'cursor')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', jsonb_build_object('sort', 'name', 'cursor', 'x' || :'cursor')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', jsonb_build_object('sort', 'name', 'page', 2, 'cursor', :'cursor')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"page": 0}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"page": 501}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "page": 500}') AS deepest_page;
SELECT jobboard.users_list(:'root', '{"count": "yes"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"disabled": "maybe"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"q": ""}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.users_list(:'root', '{"email": "root@ur.test"}'); \echo :LAST_ERROR_SQLSTATE

--
-- user_get
--
SELECT jobboard.user_get(:'cara', jsonb_build_object('id', :cara_id)) - 'id' - 'created_at' - 'updated_at' AS self;
SELECT jobboard.user_get(:'cara', jsonb_build_object('id', :eddie_id)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', jsonb_build_object('id', :eddie_id)) - 'id' - 'created_at' - 'updated_at' AS "user";
SELECT jobboard.user_get(:'root', jsonb_build_object('id', :'eddie_id')) ->> 'email' AS id_as_string;
SELECT (jobboard.user_get(:'root', jsonb_build_object('id', :eddie_id)) ->> 'id')::bigint = :eddie_id AS same_id;
SELECT jobboard.user_get(:'root', '{"id": 9007199254740991}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', '{"id": 0}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', '{"id": "abc"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', '{}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(NULL, jsonb_build_object('id', :eddie_id)); \echo :LAST_ERROR_SQLSTATE

--
-- user_update
--
SELECT jobboard.user_update(:'eddie', jsonb_build_object('id', :cara_id, 'name', 'Hacked')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'cara', jsonb_build_object('id', :cara_id, 'roles', '["admin"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'name', '  Cara C  ')) - 'id' - 'created_at' - 'updated_at' AS "user";
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["employer", "candidate", "employer"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["candidate"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id)) ->> 'name' AS unchanged;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '[]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["candidate", "wizard"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', 'candidate'::text)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'name', '', 'roles', '[1]'::jsonb, 'disabled', 'yes', 'email', 'x@ur.test')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'disabled', NULL::boolean, 'roles', NULL::text)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["x1", "candidate", "x2"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', '{"id": 9007199254740991, "name": "Ghost"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', jsonb_build_object('id', :cara_id)) - 'id' - 'created_at' - 'updated_at' AS untouched;
-- Disabling revokes every session at once; login is refused; enabling lets
-- the user sign in again (the old sessions stay ended).
SELECT jobboard.login(NULL, '{"email": "cara@ur.test", "password": "Correct-horse-7"}') ->> 'refresh_token' AS cara_refresh \gset
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'disabled', true)) -> 'disabled' AS disabled;
SELECT jobboard.me(:'cara'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'cara_refresh')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "cara@ur.test", "password": "Correct-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "cara@ur.test", "password": "Wrong-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "@ur.test", "disabled": true}'), '$.data[*].email') AS email;
SELECT jsonb_path_query(jobboard.users_list(:'root', '{"q": "cara c"}'), '$.data[*].email') AS name_contains;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'disabled', false)) -> 'disabled' AS disabled;
SELECT jobboard.me(:'cara'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "cara@ur.test", "password": "Correct-horse-7"}') ->> 'access_token' AS cara \gset
SELECT jobboard.me(:'cara') ->> 'name' AS name;

--
-- roles_list, role_create, role_update, role_delete
--
SELECT jobboard.roles_list(:'cara'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.roles_list(NULL); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.roles_list(:'root', '{"limit": 5}'); \echo :LAST_ERROR_SQLSTATE
-- Not paginated: {data} only. The built-in roles and their permissions (§2).
SELECT jsonb_object_keys(jobboard.roles_list(:'root')) AS keys;
SELECT r ->> 'name' AS name, r -> 'builtin' AS builtin, r -> 'permissions' AS permissions
  FROM jsonb_array_elements(jobboard.roles_list(:'root') -> 'data') WITH ORDINALITY AS x(r, n)
 WHERE (r ->> 'builtin')::boolean OR r ->> 'name' LIKE 'ur\_%' ORDER BY n;
-- role_create: 201 with the role; permissions are a set.
SELECT jobboard.role_create(:'root', '{"name": "ur_reviewer", "permissions": ["users:read", "notes:write", "users:read"]}') AS role;
SELECT jobboard.role_create(:'root', '{"name": "ur_usermgr", "permissions": ["users:read", "users:manage"]}') AS role;
SELECT jobboard.role_create(:'root', '{"name": "ur_nothing", "permissions": []}') AS role;
SELECT jobboard.role_create(:'root', '{"name": "ur_reviewer", "permissions": ["notes:write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "admin", "permissions": ["notes:write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "Ur_caps", "permissions": ["notes:write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "u", "permissions": ["notes:write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "1ur", "permissions": ["notes:write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "ur-dash", "permissions": ["notes:write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', jsonb_build_object('name', 'ur_' || repeat('x', 30), 'permissions', '["notes:write"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', jsonb_build_object('name', 'ur_' || repeat('x', 29), 'permissions', '["notes:write"]'::jsonb)) ->> 'name' AS longest_name;
SELECT jobboard.role_create(:'root', '{"name": "ur_bad", "permissions": ["notes:write", "everything", "Notes:Write"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "ur_bad", "permissions": ["notes:write", 3]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "ur_bad", "permissions": "notes:write"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "ur_bad"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"permissions": ["notes:write"], "builtin": true}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'cara', '{"name": "ur_mine", "permissions": ["moderate"]}'); \echo :LAST_ERROR_SQLSTATE
-- role_update replaces a custom role's permissions; built-in roles are 409.
SELECT jobboard.role_update(:'root', '{"name": "ur_nothing", "permissions": ["files:upload", "notes:write"]}') AS role;
SELECT jobboard.role_update(:'root', '{"name": "candidate", "permissions": ["moderate"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'root', '{"name": "admin", "permissions": []}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'root', '{"name": "ur_missing", "permissions": []}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'root', '{"name": "ur_nothing", "permissions": ["root"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'root', '{"name": "ur_nothing"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'root', '{"name": "ur_nothing", "permissions": [], "builtin": true}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'eddie', '{"name": "ur_nothing", "permissions": []}'); \echo :LAST_ERROR_SQLSTATE
SELECT r ->> 'name' AS name, r -> 'builtin' AS builtin, r -> 'permissions' AS permissions
  FROM jsonb_array_elements(jobboard.roles_list(:'root') -> 'data') WITH ORDINALITY AS x(r, n)
 WHERE (r ->> 'builtin')::boolean OR r ->> 'name' LIKE 'ur\_%' ORDER BY n;

--
-- custom roles take effect on the holder's next call
--
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["candidate", "ur_reviewer"]'::jsonb)) -> 'roles' AS roles;
SELECT jsonb_array_length(jobboard.users_list(:'cara', '{"q": "@ur.test"}') -> 'data') AS cara_sees;
SELECT jobboard.user_get(:'cara', jsonb_build_object('id', :eddie_id)) ->> 'email' AS email;
SELECT jobboard.role_update(:'root', '{"name": "ur_reviewer", "permissions": ["notes:write"]}') -> 'permissions' AS permissions;
SELECT jobboard.users_list(:'cara'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'root', '{"name": "ur_reviewer", "permissions": ["users:read"]}') -> 'permissions' AS permissions;
SELECT jsonb_array_length(jobboard.users_list(:'cara', '{"q": "@ur.test"}') -> 'data') AS cara_sees;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["candidate"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.users_list(:'cara'); \echo :LAST_ERROR_SQLSTATE

--
-- users:manage without admin: no escalation
--
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :uma_id, 'roles', '["ur_usermgr"]'::jsonb)) -> 'roles' AS roles;
SELECT jsonb_array_length(jobboard.users_list(:'uma', '{"q": "@ur.test"}') -> 'data') AS uma_sees;
-- Uma may hand out only roles whose permissions she holds herself.
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :uma_id, 'roles', '["admin"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :eddie_id, 'roles', '["admin"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :cara_id, 'roles', '["employer"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :cara_id, 'roles', '["ur_usermgr", "candidate"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :cara_id, 'roles', '["ur_reviewer"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :cara_id, 'name', 'Cara by Uma')) ->> 'name' AS name;
SELECT jobboard.roles_list(:'uma'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_update(:'uma', '{"name": "ur_usermgr", "permissions": ["users:read", "users:manage", "roles:manage"]}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', jsonb_build_object('id', :uma_id)) -> 'roles' AS uma_roles;

--
-- role_delete
--
SELECT jobboard.role_delete(:'root', '{"name": "candidate"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', '{"name": "admin"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', '{"name": "ur_usermgr"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'eddie', '{"name": "ur_nothing"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', '{"name": "ur_nothing", "force": true}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', '{"name": "ur_nothing"}') IS NULL AS no_content;
SELECT jobboard.role_delete(:'root', '{"name": "ur_nothing"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', '{}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :cara_id, 'roles', '["candidate"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.role_delete(:'root', '{"name": "ur_reviewer"}') IS NULL AS no_content;
SELECT r ->> 'name' AS name
  FROM jsonb_array_elements(jobboard.roles_list(:'root') -> 'data') WITH ORDINALITY AS x(r, n)
 WHERE (r ->> 'builtin')::boolean OR r ->> 'name' LIKE 'ur\_%' ORDER BY n;

--
-- user_delete
--
SELECT jobboard.user_delete(:'eddie', jsonb_build_object('id', :dora_id)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'root', jsonb_build_object('id', :dora_id, 'hard', true)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'root', jsonb_build_object('id', :dora_id)) IS NULL AS no_content;
SELECT jobboard.user_get(:'root', jsonb_build_object('id', :dora_id)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'root', jsonb_build_object('id', :dora_id)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :dora_id, 'name', 'Ghost')); \echo :LAST_ERROR_SQLSTATE
-- Her sessions went with her; her email is free again.
SELECT jobboard.me(:'dora'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "dora@ur.test", "password": "Correct-horse-7"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.register(NULL, '{"email": "Dora@ur.test", "password": "Correct-horse-7", "name": "Dora II"}') #>> '{user,name}' AS name;
-- users:manage suffices to delete.
SELECT jobboard.user_delete(:'uma', jsonb_build_object('id', (jobboard.users_list(:'root', '{"q": "Dora II"}') #>> '{data,0,id}')::bigint)) IS NULL AS no_content;
SELECT jobboard.users_list(:'root', '{"q": "dora@ur.test"}') -> 'data' AS "none";

--
-- If-Match and Idempotency-Key (API.md §1.3, §4: _if_match, _idempotency_key)
--
SELECT jobboard.etag(jobboard.user_get(:'root', jsonb_build_object('id', :eddie_id))) AS etag \gset
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :eddie_id, 'name', 'Eddie E', '_if_match', :'etag')) ->> 'name' AS name;
-- The tag is stale now: 412, and nothing changes.
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :eddie_id, 'name', 'Eddie Stale', '_if_match', :'etag')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'root', jsonb_build_object('id', :eddie_id, '_if_match', :'etag')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_get(:'root', jsonb_build_object('id', :eddie_id)) ->> 'name' AS name;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :eddie_id, 'name', 'Eddie', '_if_match', '"0000", *')) ->> 'name' AS star_matches;
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :eddie_id, 'name', 'Eddie',
       '_if_match', '"0000", ' || jobboard.etag(jobboard.user_get(:'root', jsonb_build_object('id', :eddie_id))))) ->> 'name' AS one_of_a_list;
SELECT jobboard.role_create(:'root', '{"name": "ur_idem", "permissions": ["notes:write"], "_idempotency_key": "ur-key-1"}') AS role;
-- The same key and body: the first answer again, and no second role.
SELECT jobboard.role_create(:'root', '{"name": "ur_idem", "permissions": ["notes:write"], "_idempotency_key": "ur-key-1"}') AS replayed;
-- The same key with another body: 409.
SELECT jobboard.role_create(:'root', '{"name": "ur_idem2", "permissions": ["notes:write"], "_idempotency_key": "ur-key-1"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_create(:'root', '{"name": "ur_idem", "permissions": ["notes:write"], "_idempotency_key": "ur-key-2"}'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.etag(jobboard.role_create(:'root', '{"name": "ur_idem", "permissions": ["notes:write"], "_idempotency_key": "ur-key-1"}')) AS etag \gset
SELECT jobboard.role_update(:'root', jsonb_build_object('name', 'ur_idem', 'permissions', '["files:upload"]'::jsonb, '_if_match', :'etag')) AS role;
SELECT jobboard.role_update(:'root', jsonb_build_object('name', 'ur_idem', 'permissions', '["moderate"]'::jsonb, '_if_match', :'etag')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', jsonb_build_object('name', 'ur_idem', '_if_match', :'etag')); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.role_delete(:'root', jsonb_build_object('name', 'ur_idem', '_if_match',
       jobboard.etag('{"name": "ur_idem", "builtin": false, "permissions": ["files:upload"]}'))) IS NULL AS no_content;
SELECT jobboard.role_create(:'root', '{"name": "ur_idem3", "permissions": [], "_idempotency_key": ""}'); \echo :LAST_ERROR_SQLSTATE

--
-- the last active admin
--
-- Other suites may have made admins in this database: inside this
-- transaction they are disabled, so Root is the only active admin. Every
-- failing statement rolls back only itself.
\set ON_ERROR_ROLLBACK on
BEGIN;
UPDATE jobboard.users SET disabled = true
 WHERE id <> :root_id AND id IN (SELECT user_id FROM jobboard.user_roles WHERE role = 'admin');
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :root_id, 'roles', '["candidate"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :root_id, 'disabled', true)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'root', jsonb_build_object('id', :root_id)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_update(:'uma', jsonb_build_object('id', :root_id, 'roles', '["ur_usermgr"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'uma', jsonb_build_object('id', :root_id)); \echo :LAST_ERROR_SQLSTATE
-- Changes that keep him an admin are fine.
SELECT jobboard.user_update(:'root', jsonb_build_object('id', :root_id, 'name', 'Root Admin', 'roles', '["admin", "employer"]'::jsonb, 'disabled', false)) - 'id' - 'created_at' - 'updated_at' AS "user";
-- With a second active admin, either may step down, but not both.
SELECT jobboard.grant_role('ada@ur.test', 'admin') -> 'roles' AS roles;
SELECT jobboard.user_update(:'ada', jsonb_build_object('id', :root_id, 'roles', '["employer"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.user_update(:'ada', jsonb_build_object('id', :ada_id, 'roles', '["candidate"]'::jsonb)); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.user_delete(:'ada', jsonb_build_object('id', :ada_id)); \echo :LAST_ERROR_SQLSTATE
-- A disabled admin does not count.
SELECT jobboard.user_update(:'ada', jsonb_build_object('id', :root_id, 'roles', '["admin"]'::jsonb)) -> 'roles' AS roles;
SELECT jobboard.user_update(:'ada', jsonb_build_object('id', :root_id, 'disabled', true)) -> 'disabled' AS disabled;
SELECT jobboard.user_update(:'ada', jsonb_build_object('id', :ada_id, 'disabled', true)); \echo :LAST_ERROR_SQLSTATE
-- Deleting a disabled admin is fine.
SELECT jobboard.user_delete(:'ada', jsonb_build_object('id', :root_id)) IS NULL AS no_content;
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SELECT jobboard.me(:'root') - 'id' - 'created_at' - 'updated_at' AS root_after_rollback;

--
-- rotate_secret: every access token and cursor is refused afterwards
--
SELECT jobboard.login(NULL, '{"email": "eddie@ur.test", "password": "Correct-horse-7"}') ->> 'refresh_token' AS eddie_refresh \gset
SELECT jobboard.users_list(:'root', '{"q": "@ur.test", "limit": 1}') ->> 'next_cursor' AS cursor \gset
SELECT jobboard.rotate_secret();
SELECT jobboard.me(:'root'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.me(:'eddie'); \echo :LAST_ERROR_SQLSTATE
SELECT jobboard.login(NULL, '{"email": "root@ur.test", "password": "Correct-horse-7"}') ->> 'access_token' AS root \gset
SELECT jobboard.me(:'root') ->> 'email' AS email;
SELECT jobboard.users_list(:'root', jsonb_build_object('q', '@ur.test', 'limit', 1, 'cursor', :'cursor')); \echo :LAST_ERROR_SQLSTATE
-- Refresh tokens are not signed with the secret: they still give a new pair.
SELECT jobboard.me(jobboard.refresh(NULL, jsonb_build_object('refresh_token', :'eddie_refresh')) ->> 'access_token') ->> 'email' AS email;
