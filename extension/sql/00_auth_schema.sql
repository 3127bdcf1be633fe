-- Identity, RBAC and sessions: users, roles, permissions, sessions, the
-- signing secret and the common-password list. No table is granted to anyone;
-- only the SECURITY DEFINER entry points (owned by the extension owner) read them.

CREATE TABLE jobboard.secret (
	id          int PRIMARY KEY CHECK (id = 1),
	key         bytea NOT NULL CHECK (pg_catalog.length(key) = 32),
	rotated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE jobboard.permissions (
	name        text PRIMARY KEY,
	description text NOT NULL
);

CREATE TABLE jobboard.roles (
	name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,31}$'),
	builtin     boolean NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE jobboard.role_permissions (
	role        text NOT NULL REFERENCES jobboard.roles ON DELETE CASCADE,
	permission  text NOT NULL REFERENCES jobboard.permissions,
	PRIMARY KEY (role, permission)
);

CREATE TABLE jobboard.users (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email          text NOT NULL CHECK (pg_catalog.length(email) BETWEEN 3 AND 254),
	name           text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
	password_hash  text NOT NULL,
	disabled       boolean NOT NULL DEFAULT false,
	failed_logins  int NOT NULL DEFAULT 0,
	lockouts       int NOT NULL DEFAULT 0,
	locked_until   timestamptz,
	created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE UNIQUE INDEX users_email_key ON jobboard.users (pg_catalog.lower(email));
CREATE INDEX users_created_at_idx ON jobboard.users (created_at, id);
CREATE INDEX users_name_idx ON jobboard.users (name, id);

CREATE TABLE jobboard.user_roles (
	user_id     bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	role        text NOT NULL REFERENCES jobboard.roles,
	PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role_idx ON jobboard.user_roles (role);

-- One row per signed-in device. refresh_hash is SHA-256 of the current refresh
-- token; spent ones move to spent_refresh_tokens so a replay is recognised.
CREATE TABLE jobboard.sessions (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id       bigint NOT NULL REFERENCES jobboard.users ON DELETE CASCADE,
	refresh_hash  bytea NOT NULL UNIQUE,
	created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
	refreshed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at    timestamptz NOT NULL,
	revoked_at    timestamptz
);
CREATE INDEX sessions_user_idx ON jobboard.sessions (user_id);
CREATE INDEX sessions_expires_idx ON jobboard.sessions (expires_at);

CREATE TABLE jobboard.spent_refresh_tokens (
	hash        bytea PRIMARY KEY,
	session_id  bigint NOT NULL REFERENCES jobboard.sessions ON DELETE CASCADE,
	spent_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX spent_refresh_tokens_session_idx ON jobboard.spent_refresh_tokens (session_id);

CREATE TABLE jobboard.common_passwords (
	password    text PRIMARY KEY
);

INSERT INTO jobboard.permissions (name, description) VALUES
	('companies:create',    'create companies'),
	('jobs:write',          'post and edit jobs of companies the caller is a member of'),
	('applications:review', 'review applications to jobs of the caller''s companies'),
	('applications:create', 'apply to jobs'),
	('notes:write',         'write notes'),
	('files:upload',        'upload files'),
	('users:read',          'list and read users'),
	('users:manage',        'change, disable and delete users'),
	('roles:manage',        'create, change and delete roles'),
	('moderate',            'edit, close or delete any company or job');

INSERT INTO jobboard.roles (name, builtin) VALUES
	('admin', true), ('employer', true), ('candidate', true);

INSERT INTO jobboard.role_permissions (role, permission)
SELECT 'admin', name FROM jobboard.permissions
 WHERE name NOT IN ('applications:create')
UNION ALL
SELECT 'employer', p FROM pg_catalog.unnest(ARRAY['companies:create', 'jobs:write',
	'applications:review', 'notes:write', 'files:upload']) AS p
UNION ALL
SELECT 'candidate', p FROM pg_catalog.unnest(ARRAY['applications:create',
	'notes:write', 'files:upload']) AS p;

-- pg_dump keeps the data of extension tables only when told to. The signing
-- secret is not dumped: CREATE EXTENSION on restore makes a new one (access
-- tokens and cursors from before the dump are refused; refresh tokens work).
SELECT pg_catalog.pg_extension_config_dump('jobboard.roles', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('jobboard.role_permissions',
	'WHERE role NOT IN (''admin'', ''employer'', ''candidate'')');
SELECT pg_catalog.pg_extension_config_dump('jobboard.users', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.user_roles', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.sessions', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.spent_refresh_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jobboard.sessions_id_seq', '');
