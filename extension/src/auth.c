/*
 * auth.c — the entry points of API.md §3.1: register, login, refresh,
 * logout, logout_all, and the signed-in user's own record (me, me_update,
 * me_password).
 *
 * Login answers the same 401 for an unknown email and a wrong password, and
 * spends the same time on both (a dummy verification). Failed logins count
 * toward the lockout through an autonomous write, since the 401 rolls back
 * the caller's transaction.
 */
#include "entry.h"

#include "autonomous.h"
#include "catalog/pg_type.h"
#include "crypto.h"
#include "password.h"
#include "resource.h"
#include "shapes.h"
#include "utils/builtins.h"

#define NAME_MAX_LENGTH 200
#define LOGIN_PASSWORD_MAX_LENGTH 1024

static const char *const self_roles[] = {"candidate", "employer", NULL};

Jsonb *
EntryEmptyArgs(void)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
}

static JbStatement email_taken = {
	"SELECT 1 FROM jobboard.users WHERE lower(email) = lower($1)",
	1, {TEXTOID}
};

static JbStatement user_insert = {
	"WITH u AS (INSERT INTO jobboard.users (email, name, password_hash) "
	"           VALUES ($1, $2, $3) RETURNING id) "
	"INSERT INTO jobboard.user_roles (user_id, role) SELECT id, $4 FROM u "
	"RETURNING user_id",
	4, {TEXTOID, TEXTOID, TEXTOID, TEXTOID}
};

/*
 * Register honours Idempotency-Key without keeping secrets: what is stored is
 * the new user's id, and a replay answers a fresh token pair for that user
 * (the account is not created twice; knowing the body means knowing the
 * password, so this gives nothing a login would not).
 */
ENTRY_POINT(register)
{
	text	   *token = ENTRY_TOKEN();
	JbArgs	   *args = ENTRY_ARGS();
	char	   *email = NULL;
	char	   *password = NULL;
	char	   *name = NULL;
	int			role = 0;
	Datum		values[4];
	int64		user_id;
	Idempotency idem;
	Jsonb	   *replay;
	Jsonb	   *pair;

	(void) SessionCaller(token, false);
	if ((replay = IdempotencyBegin(&idem, args, "register", NULL, NULL)) != NULL)
	{
		JsonbValue *id = getKeyJsonValueFromContainer(&replay->root, "user_id", 7, NULL);

		if (id == NULL || id->type != jbvNumeric)
			elog(ERROR, "stored idempotent registration has no user id");
		PG_RETURN_JSONB_P(SessionStart(DatumGetInt64(DirectFunctionCall1(numeric_int8,
																		 NumericGetDatum(id->val.numeric)))));
	}
	ArgsEmail(args, "email", ARG_REQUIRED, &email);
	PasswordRead(args, "password", email, &password);
	ArgsText(args, "name", ARG_REQUIRED | ARG_TRIM, 1, NAME_MAX_LENGTH, &name);
	ArgsChoice(args, "role", 0, self_roles, &role);
	ArgsEnd(args);

	values[0] = CStringGetTextDatum(email);
	DbEnter();
	if (DbRun(&email_taken, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_JB_DUPLICATE),
				 errmsg("an account with this email already exists")));
	values[1] = CStringGetTextDatum(name);
	values[2] = CStringGetTextDatum(CryptoPasswordHash(password));
	values[3] = CStringGetTextDatum(self_roles[role]);
	DbRun(&user_insert, values, NULL);
	user_id = DbInt64(0, 0);
	DbLeave();
	IdempotencyFinish(&idem, DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																CStringGetDatum(psprintf("{\"user_id\": " INT64_FORMAT "}", user_id)))));
	pair = SessionStart(user_id);
	PG_RETURN_JSONB_P(pair);
}

static JbStatement login_lookup = {
	"SELECT id, password_hash, disabled, "
	"       coalesce(locked_until > now(), false), "
	"       ceil(extract(epoch FROM locked_until - now()))::int "
	"  FROM jobboard.users WHERE lower(email) = lower($1)",
	1, {TEXTOID}
};

static JbStatement login_succeeded = {
	"UPDATE jobboard.users SET failed_logins = 0, lockouts = 0, locked_until = NULL, "
	"       password_hash = coalesce($2, password_hash) "
	" WHERE id = $1",
	2, {INT8OID, TEXTOID}
};

static void
BadCredentials(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_BAD_CREDENTIALS),
			 errmsg("invalid email or password")));
}

ENTRY_POINT(login)
{
	text	   *token = ENTRY_TOKEN();
	JbArgs	   *args = ENTRY_ARGS();
	char	   *email = NULL;
	char	   *password = NULL;
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	int64		user_id;
	char	   *hash;
	bool		disabled;
	bool		upgrade;

	(void) SessionCaller(token, false);
	ArgsText(args, "email", ARG_REQUIRED | ARG_TRIM, 1, 254, &email);
	ArgsText(args, "password", ARG_REQUIRED, 1, LOGIN_PASSWORD_MAX_LENGTH, &password);
	ArgsEnd(args);

	values[0] = CStringGetTextDatum(email);
	DbEnter();
	if (DbRun(&login_lookup, values, NULL) == 0)
	{
		CryptoPasswordDummyVerify(password);
		BadCredentials();
	}
	user_id = DbInt64(0, 0);
	hash = DbText(0, 1);
	disabled = DbBool(0, 2);
	if (DbBool(0, 3))
		ereport(ERROR,
				(errcode(ERRCODE_JB_RATE_LIMITED),
				 errmsg("too many failed logins; the account is locked for a while"),
				 errhint("%d", Max(DbInt32(0, 4), 1))));
	if (!CryptoPasswordVerify(hash, password, &upgrade))
	{
		AutonomousLoginFailed(user_id);
		BadCredentials();
	}
	if (disabled)
		ereport(ERROR,
				(errcode(ERRCODE_JB_FORBIDDEN),
				 errmsg("this account is disabled")));

	values[0] = Int64GetDatum(user_id);
	if (upgrade)
		values[1] = CStringGetTextDatum(CryptoPasswordHash(password));
	else
		nulls[1] = 'n';
	DbRun(&login_succeeded, values, nulls);
	DbLeave();
	PG_RETURN_JSONB_P(SessionStart(user_id));
}

static char *
RefreshTokenArg(JbArgs *args)
{
	char	   *refresh_token = NULL;

	ArgsText(args, "refresh_token", ARG_REQUIRED, 1, 256, &refresh_token);
	ArgsEnd(args);
	return refresh_token;
}

ENTRY_POINT(refresh)
{
	JbArgs	   *args = ENTRY_ARGS();
	char	   *refresh_token;

	(void) SessionCaller(ENTRY_TOKEN(), false);
	refresh_token = RefreshTokenArg(args);
	PG_RETURN_JSONB_P(SessionRefresh(refresh_token));
}

/*
 * Logout answers 204 whatever the token (RFC 7009 §2.2): revoking a token
 * that is unknown or already revoked reveals nothing and changes nothing.
 */
ENTRY_POINT(logout)
{
	JbArgs	   *args = ENTRY_ARGS();
	char	   *refresh_token;

	(void) SessionCaller(ENTRY_TOKEN(), false);
	refresh_token = RefreshTokenArg(args);
	SessionRevokeByRefresh(refresh_token);
	ENTRY_RETURN_NO_CONTENT();
}

ENTRY_POINT(logout_all)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();

	ArgsEnd(args);
	SessionRevokeAll(caller->user_id, 0);
	ENTRY_RETURN_NO_CONTENT();
}

static JbStatement me_get = {
	"SELECT " USER_JSON " FROM jobboard.users u WHERE u.id = $1",
	1, {INT8OID}
};

ENTRY_POINT(me)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	Datum		values[1];

	ArgsEnd(args);
	values[0] = Int64GetDatum(caller->user_id);
	DbEnter();
	return DbLeaveJsonb(DbRunJsonb(&me_get, values, NULL));
}

static JbStatement me_rename = {
	"UPDATE jobboard.users u SET name = coalesce($2, name), updated_at = now() "
	" WHERE id = $1 RETURNING " USER_JSON,
	2, {INT8OID, TEXTOID}
};

ENTRY_POINT(me_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	char	   *name = NULL;
	Datum		values[2];
	char		nulls[2] = {' ', 'n'};

	if (ArgsText(args, "name", ARG_TRIM, 1, NAME_MAX_LENGTH, &name) == ARG_PRESENT)
	{
		values[1] = CStringGetTextDatum(name);
		nulls[1] = ' ';
	}
	ArgsEnd(args);
	values[0] = Int64GetDatum(caller->user_id);
	DbEnter();
	ResourceCheckIfMatch(args, DbRunJsonb(&me_get, values, NULL));
	return DbLeaveJsonb(DbRunJsonb(&me_rename, values, nulls));
}

static JbStatement me_credentials = {
	"SELECT password_hash, email FROM jobboard.users WHERE id = $1",
	1, {INT8OID}
};

static JbStatement me_set_password = {
	"UPDATE jobboard.users SET password_hash = $2, updated_at = now() WHERE id = $1",
	2, {INT8OID, TEXTOID}
};

ENTRY_POINT(me_password)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	char	   *current = NULL;
	char	   *next = NULL;
	char	   *hash;
	char	   *email;
	bool		upgrade;
	Datum		values[2];

	values[0] = Int64GetDatum(caller->user_id);
	DbEnter();
	DbRun(&me_credentials, values, NULL);
	hash = DbText(0, 0);
	email = DbText(0, 1);

	/* The wrong current password (403) comes before validation (422). */
	if (ArgsText(args, "current_password", ARG_REQUIRED, 1,
				 LOGIN_PASSWORD_MAX_LENGTH, &current) == ARG_PRESENT &&
		!CryptoPasswordVerify(hash, current, &upgrade))
		ereport(ERROR,
				(errcode(ERRCODE_JB_FORBIDDEN),
				 errmsg("the current password is wrong")));
	PasswordRead(args, "new_password", email, &next);
	ArgsEnd(args);

	values[1] = CStringGetTextDatum(CryptoPasswordHash(next));
	DbRun(&me_set_password, values, NULL);
	DbLeave();
	SessionRevokeAll(caller->user_id, caller->session_id);
	ENTRY_RETURN_NO_CONTENT();
}
