/*
 * rbac.c — roles and permissions (API.md §2, §3.2): the permission names,
 * the /roles entry points, and grant_role for the first admin from psql.
 *
 * Built-in roles cannot be changed or deleted; a role still assigned to
 * someone cannot be deleted. Permissions take effect on the next request of
 * every holder, since session.c reads them on every call.
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "crypto.h"
#include "resource.h"
#include "shapes.h"
#include "utils/array.h"
#include "utils/builtins.h"

typedef struct PermissionName
{
	const char *name;
	JbPermission bit;
} PermissionName;

static const PermissionName permission_names[] = {
	{"companies:create", PERM_COMPANIES_CREATE},
	{"jobs:write", PERM_JOBS_WRITE},
	{"applications:review", PERM_APPLICATIONS_REVIEW},
	{"applications:create", PERM_APPLICATIONS_CREATE},
	{"notes:write", PERM_NOTES_WRITE},
	{"files:upload", PERM_FILES_UPLOAD},
	{"users:read", PERM_USERS_READ},
	{"users:manage", PERM_USERS_MANAGE},
	{"roles:manage", PERM_ROLES_MANAGE},
	{"moderate", PERM_MODERATE},
	{NULL, 0}
};

#define ROLE_MAX_PERMISSIONS 32

uint32
PermissionFromName(const char *name)
{
	for (const PermissionName *p = permission_names; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p->bit;
	return 0;
}

static bool
IsRoleName(const char *name)
{
	int			len = strlen(name);

	if (len < 2 || len > 32 || name[0] < 'a' || name[0] > 'z')
		return false;
	for (int i = 1; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
			  name[i] == '_'))
			return false;
	return true;
}

/* Read "permissions" as a text[] of known names, recording bad items. */
static Datum
ReadPermissions(JbArgs *args, bool *ok)
{
	List	   *items = NIL;
	ListCell   *lc;
	Datum	   *elems;
	int			n = 0;
	int			index = 0;

	*ok = ArgsTextArray(args, "permissions", ARG_REQUIRED, ROLE_MAX_PERMISSIONS,
						&items) == ARG_PRESENT;
	if (!*ok)
		return (Datum) 0;
	elems = palloc(sizeof(Datum) * (list_length(items) + 1));
	foreach(lc, items)
	{
		const char *name = lfirst(lc);
		char		field[32];

		snprintf(field, sizeof(field), "permissions[%d]", index++);
		if (PermissionFromName(name) == 0)
		{
			ArgsError(args, field, "is not a known permission");
			*ok = false;
		}
		elems[n++] = CStringGetTextDatum(name);
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

#define ROLE_JSON \
	"jsonb_build_object('name', r.name, 'builtin', r.builtin, 'permissions', " \
	"  coalesce((SELECT jsonb_agg(rp.permission ORDER BY rp.permission) " \
	"              FROM jobboard.role_permissions rp WHERE rp.role = r.name), '[]'))"

static JbStatement roles_all = {
	"SELECT jsonb_build_object('data', coalesce(jsonb_agg(" ROLE_JSON " ORDER BY r.name), '[]')) "
	"  FROM jobboard.roles r",
	0, {0}
};

ENTRY_POINT(roles_list)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();

	SessionRequire(caller, PERM_ROLES_MANAGE);
	ArgsEnd(args);
	DbEnter();
	return DbLeaveJsonb(DbRunJsonb(&roles_all, NULL, NULL));
}

static JbStatement role_lookup = {
	"SELECT builtin FROM jobboard.roles WHERE name = $1 FOR UPDATE",
	1, {TEXTOID}
};

static JbStatement role_insert = {
	"WITH r AS (INSERT INTO jobboard.roles (name) VALUES ($1) RETURNING name), "
	"     p AS (INSERT INTO jobboard.role_permissions (role, permission) "
	"           SELECT DISTINCT $1, unnest($2::text[])) "
	"SELECT jsonb_build_object('name', $1::text, 'builtin', false, 'permissions', "
	"       coalesce((SELECT jsonb_agg(DISTINCT x ORDER BY x) FROM unnest($2::text[]) x), '[]'))",
	2, {TEXTOID, TEXTARRAYOID}
};

ENTRY_POINT(role_create)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	char	   *name = NULL;
	Datum		values[2];
	bool		ok;
	Idempotency idem;
	Jsonb	   *replay;
	Jsonb	   *role;

	SessionRequire(caller, PERM_ROLES_MANAGE);
	if ((replay = IdempotencyBegin(&idem, args, "role_create", caller, NULL)) != NULL)
		PG_RETURN_JSONB_P(replay);
	if (ArgsText(args, "name", ARG_REQUIRED, 1, 32, &name) == ARG_PRESENT &&
		!IsRoleName(name))
		ArgsError(args, "name", "must match ^[a-z][a-z0-9_]{1,31}$");
	values[1] = ReadPermissions(args, &ok);
	ArgsEnd(args);

	values[0] = CStringGetTextDatum(name);
	DbEnter();
	if (DbRun(&role_lookup, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_JB_DUPLICATE),
				 errmsg("a role with this name already exists")));
	role = DatumGetJsonbP(DbLeaveJsonb(DbRunJsonb(&role_insert, values, NULL)));
	IdempotencyFinish(&idem, role);
	PG_RETURN_JSONB_P(role);
}

static JbStatement role_clear_permissions = {
	"DELETE FROM jobboard.role_permissions WHERE role = $1",
	1, {TEXTOID}
};

static JbStatement role_add_permissions = {
	"INSERT INTO jobboard.role_permissions (role, permission) "
	"SELECT DISTINCT $1, unnest($2::text[])",
	2, {TEXTOID, TEXTARRAYOID}
};

static JbStatement role_get = {
	"SELECT " ROLE_JSON " FROM jobboard.roles r WHERE r.name = $1",
	1, {TEXTOID}
};

/* Lock the named role and say whether it is built in; 404 if unknown. */
static bool
LockRole(Datum name)
{
	Datum		values[1] = {name};

	if (DbRun(&role_lookup, values, NULL) == 0)
		JbNotFound();
	return DbBool(0, 0);
}

ENTRY_POINT(role_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	Datum		values[2];
	bool		ok;
	bool		builtin;

	SessionRequire(caller, PERM_ROLES_MANAGE);
	values[0] = CStringGetTextDatum(ArgsPathText(args, "name"));
	DbEnter();
	builtin = LockRole(values[0]);
	values[1] = ReadPermissions(args, &ok);
	ArgsEnd(args);
	ResourceCheckIfMatch(args, DbRunJsonb(&role_get, values, NULL));
	if (builtin)
		JbConflict("built-in roles cannot be changed");
	DbRun(&role_clear_permissions, values, NULL);
	DbRun(&role_add_permissions, values, NULL);
	return DbLeaveJsonb(DbRunJsonb(&role_get, values, NULL));
}

static JbStatement role_in_use = {
	"SELECT 1 FROM jobboard.user_roles WHERE role = $1 LIMIT 1",
	1, {TEXTOID}
};

static JbStatement role_remove = {
	"DELETE FROM jobboard.roles WHERE name = $1",
	1, {TEXTOID}
};

ENTRY_POINT(role_delete)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	Datum		values[1];
	bool		builtin;

	SessionRequire(caller, PERM_ROLES_MANAGE);
	values[0] = CStringGetTextDatum(ArgsPathText(args, "name"));
	DbEnter();
	builtin = LockRole(values[0]);
	ArgsEnd(args);
	ResourceCheckIfMatch(args, DbRunJsonb(&role_get, values, NULL));
	if (builtin)
		JbConflict("built-in roles cannot be deleted");
	if (DbRun(&role_in_use, values, NULL) > 0)
		JbConflict("the role is still assigned to users");
	DbRun(&role_remove, values, NULL);
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}

static JbStatement grant = {
	"WITH u AS (SELECT id FROM jobboard.users WHERE lower(email) = lower(trim($1))), "
	"     g AS (INSERT INTO jobboard.user_roles (user_id, role) "
	"           SELECT u.id, r.name FROM u, jobboard.roles r WHERE r.name = $2 "
	"           ON CONFLICT DO NOTHING) "
	"SELECT (SELECT id FROM u), EXISTS (SELECT 1 FROM jobboard.roles WHERE name = $2)",
	2, {TEXTOID, TEXTOID}
};

static JbStatement user_by_id = {
	"SELECT " USER_JSON " FROM jobboard.users u WHERE u.id = $1",
	1, {INT8OID}
};

/*
 * grant_role(email, role): give a role to a user, for bootstrapping the
 * first admin from psql. Not granted to jobboard_api.
 */
PG_FUNCTION_INFO_V1(jb_grant_role);
Datum
jb_grant_role(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_JB_INVALID),
				 errmsg("email and role are required")));
	values[0] = PointerGetDatum(PG_GETARG_TEXT_PP(0));
	values[1] = PointerGetDatum(PG_GETARG_TEXT_PP(1));
	DbEnter();
	DbRun(&grant, values, NULL);
	if (!DbBool(0, 1))
		ereport(ERROR,
				(errcode(ERRCODE_JB_NOT_FOUND),
				 errmsg("no role named \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(1)))));
	if (DbIsNull(0, 0))
		ereport(ERROR,
				(errcode(ERRCODE_JB_NOT_FOUND),
				 errmsg("no user with email \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(0)))));
	values[0] = Int64GetDatum(DbInt64(0, 0));
	return DbLeaveJsonb(DbRunJsonb(&user_by_id, values, NULL));
}

/* rotate_secret(): a new signing secret; every token and cursor dies. */
PG_FUNCTION_INFO_V1(jb_rotate_secret);
Datum
jb_rotate_secret(PG_FUNCTION_ARGS)
{
	CryptoRotateSecret();
	PG_RETURN_VOID();
}
