/*
 * users.c — user administration (API.md §3.2): list, read, change, delete.
 *
 * Rules: at least one active admin must remain (changes that would leave
 * none are 409; they serialise on an advisory lock); disabling a user revokes
 * every session; a caller cannot hand out a role whose permissions it does
 * not hold itself (403) unless it may manage roles (roles:manage), so
 * users:manage alone never escalates to admin.
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "lists.h"
#include "resource.h"
#include "shapes.h"
#include "utils/array.h"
#include "utils/builtins.h"

#define NAME_MAX_LENGTH 200
#define USER_MAX_ROLES 16
#define QUERY_MAX_LENGTH 200

static const ListSort user_sorts[] = {
	{"created_at", "u.created_at", "timestamptz"},
	{"email", "lower(u.email)", "text"},
	{"name", "u.name", "text"},
	{NULL}
};

static const ListSpec users_spec = {
	.route = "users",
	.sorts = user_sorts,
	.default_sort = "created_at",
	.id_expr = "u.id",
	.item_expr = USER_JSON,
	.from = "jobboard.users u",
};

ENTRY_POINT(users_list)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	ListQuery	query;
	char	   *role;
	char	   *q;
	bool		disabled;

	SessionRequire(caller, PERM_USERS_READ);
	ListBegin(&query, args, &users_spec);
	if (ArgsText(args, "role", ARG_QUERY, 1, 32, &role) == ARG_PRESENT)
		ListWhere(&query, "EXISTS (SELECT 1 FROM jobboard.user_roles ur "
				  "WHERE ur.user_id = u.id AND ur.role = $%d)",
				  ListParam(&query, TEXTOID, CStringGetTextDatum(role)));
	if (ArgsText(args, "q", ARG_QUERY | ARG_TRIM, 1, QUERY_MAX_LENGTH, &q) == ARG_PRESENT)
	{
		int			n = ListParam(&query, TEXTOID, CStringGetTextDatum(q));

		ListWhere(&query, "strpos(lower(u.email), lower($%d)) > 0 OR "
				  "strpos(lower(u.name), lower($%d)) > 0", n, n);
	}
	if (ArgsBool(args, "disabled", ARG_QUERY, &disabled) == ARG_PRESENT)
		ListWhere(&query, "u.disabled = $%d",
				  ListParam(&query, BOOLOID, BoolGetDatum(disabled)));
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}

static JbStatement user_by_id = {
	"SELECT " USER_JSON " FROM jobboard.users u WHERE u.id = $1",
	1, {INT8OID}
};

ENTRY_POINT(user_get)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1];
	Jsonb	   *user;

	if (id != caller->user_id)
		SessionRequire(caller, PERM_USERS_READ);
	ArgsEnd(args);
	values[0] = Int64GetDatum(id);
	DbEnter();
	user = DbRunJsonb(&user_by_id, values, NULL);
	if (user == NULL)
		JbNotFound();
	return DbLeaveJsonb(user);
}

/* Serialise every change that could remove the last active admin. */
static JbStatement admins_lock = {
	"SELECT pg_advisory_xact_lock(hashtext('jobboard.admins'))", 0, {0}
};

static JbStatement admins_left = {
	"SELECT count(*) FROM jobboard.users u "
	"  JOIN jobboard.user_roles ur ON ur.user_id = u.id AND ur.role = 'admin' "
	" WHERE NOT u.disabled",
	0, {0}
};

static void
RequireAnAdminLeft(void)
{
	DbRun(&admins_left, NULL, NULL);
	if (DbInt64(0, 0) == 0)
		JbConflict("this would leave no active admin");
}

/* Lock the user; answers whether it is an active admin now. */
static JbStatement user_lock = {
	"SELECT NOT u.disabled AND EXISTS (SELECT 1 FROM jobboard.user_roles ur "
	"                                   WHERE ur.user_id = u.id AND ur.role = 'admin') "
	"  FROM jobboard.users u WHERE u.id = $1 FOR UPDATE",
	1, {INT8OID}
};

/* Lock a user for a change; 404 if there is none. */
static bool
LockUser(Datum id)
{
	Datum		values[1] = {id};

	DbRun(&admins_lock, NULL, NULL);
	if (DbRun(&user_lock, values, NULL) == 0)
		JbNotFound();
	return DbBool(0, 0);
}

static JbStatement roles_check = {
	"SELECT r.name, (SELECT array_agg(rp.permission) FROM jobboard.role_permissions rp "
	"                 WHERE rp.role = r.name) "
	"  FROM unnest($1::text[]) WITH ORDINALITY AS x(name, n) "
	"  LEFT JOIN jobboard.roles r ON r.name = x.name ORDER BY x.n",
	1, {TEXTARRAYOID}
};

/*
 * Read "roles" as a text[]; unknown names are field errors, roles carrying
 * permissions the caller lacks are a 403.
 */
static ArgState
ReadRoles(JbArgs *args, const JbCaller *caller, Datum *out)
{
	List	   *items = NIL;
	ListCell   *lc;
	Datum	   *elems;
	Datum		values[1];
	ArgState	state;
	int			n = 0;
	uint32		wanted = 0;
	bool		ok = true;

	state = ArgsTextArray(args, "roles", 0, USER_MAX_ROLES, &items);
	if (state != ARG_PRESENT)
		return state;
	if (items == NIL)
	{
		ArgsError(args, "roles", "must name at least one role");
		return ARG_INVALID;
	}
	elems = palloc(sizeof(Datum) * list_length(items));
	foreach(lc, items)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	*out = values[0] = PointerGetDatum(construct_array(elems, n, TEXTOID, -1,
													   false, TYPALIGN_INT));
	DbRun(&roles_check, values, NULL);
	for (int i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		perms;

		if (DbIsNull(i, 0))
		{
			char		field[32];

			snprintf(field, sizeof(field), "roles[%d]", i);
			ArgsError(args, field, "is not a known role");
			ok = false;
			continue;
		}
		perms = DbDatum(i, 1, &isnull);
		if (!isnull)
		{
			Datum	   *names;
			bool	   *nulls;
			int			count;

			deconstruct_array(DatumGetArrayTypeP(perms), TEXTOID, -1, false,
							  TYPALIGN_INT, &names, &nulls, &count);
			for (int j = 0; j < count; j++)
				wanted |= PermissionFromName(TextDatumGetCString(names[j]));
		}
	}
	if (!ok)
		return ARG_INVALID;
	if (!SessionHas(caller, PERM_ROLES_MANAGE) && (wanted & ~caller->permissions) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_JB_FORBIDDEN),
				 errmsg("you cannot grant permissions you do not hold")));
	return ARG_PRESENT;
}

static JbStatement user_roles_replace = {
	"DELETE FROM jobboard.user_roles WHERE user_id = $1",
	1, {INT8OID}
};

static JbStatement user_roles_add = {
	"INSERT INTO jobboard.user_roles (user_id, role) "
	"SELECT DISTINCT $1, unnest($2::text[])",
	2, {INT8OID, TEXTARRAYOID}
};

static JbStatement user_change = {
	"UPDATE jobboard.users SET name = coalesce($2, name), "
	"       disabled = coalesce($3, disabled), updated_at = now() "
	" WHERE id = $1",
	3, {INT8OID, TEXTOID, BOOLOID}
};

static JbStatement revoke_sessions = {
	"UPDATE jobboard.sessions SET revoked_at = now() "
	" WHERE user_id = $1 AND revoked_at IS NULL",
	1, {INT8OID}
};

ENTRY_POINT(user_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	char	   *name;
	bool		disabled = false;
	Datum		values[3];
	char		nulls[3] = {' ', 'n', 'n'};
	Datum		roles[2];
	bool		roles_given;
	bool		was_admin;
	Jsonb	   *current;

	SessionRequire(caller, PERM_USERS_MANAGE);
	values[0] = roles[0] = Int64GetDatum(id);
	DbEnter();
	was_admin = LockUser(values[0]);
	current = DbRunJsonb(&user_by_id, values, NULL);
	if (ArgsText(args, "name", ARG_TRIM, 1, NAME_MAX_LENGTH, &name) == ARG_PRESENT)
	{
		values[1] = CStringGetTextDatum(name);
		nulls[1] = ' ';
	}
	roles_given = ReadRoles(args, caller, &roles[1]) == ARG_PRESENT;
	if (ArgsBool(args, "disabled", 0, &disabled) == ARG_PRESENT)
	{
		values[2] = BoolGetDatum(disabled);
		nulls[2] = ' ';
	}
	ArgsEnd(args);
	ResourceCheckIfMatch(args, current);

	if (roles_given)
	{
		DbRun(&user_roles_replace, roles, NULL);
		DbRun(&user_roles_add, roles, NULL);
	}
	DbRun(&user_change, values, nulls);
	if (was_admin)
		RequireAnAdminLeft();
	if (disabled)
		DbRun(&revoke_sessions, values, NULL);
	return DbLeaveJsonb(DbRunJsonb(&user_by_id, values, NULL));
}

static JbStatement user_remove = {
	"DELETE FROM jobboard.users WHERE id = $1",
	1, {INT8OID}
};

ENTRY_POINT(user_delete)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1];
	bool		was_admin;

	SessionRequire(caller, PERM_USERS_MANAGE);
	values[0] = Int64GetDatum(id);
	DbEnter();
	was_admin = LockUser(values[0]);
	ArgsEnd(args);
	ResourceCheckIfMatch(args, DbRunJsonb(&user_by_id, values, NULL));
	DbRun(&user_remove, values, NULL);
	if (was_admin)
		RequireAnAdminLeft();
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}
