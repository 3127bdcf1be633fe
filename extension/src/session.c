/*
 * session.c — the caller behind an access token, and the life of sessions:
 * start, refresh with rotation and reuse detection, revocation (session.h).
 *
 * A refresh token is 256 random bits, handed out once and stored only as its
 * SHA-256. Every use spends it and issues a new one; the spent hash is kept
 * so that a second use is recognised as theft and revokes the session.
 */
#include "session.h"

#include <time.h>

#include "autonomous.h"
#include "catalog/pg_type.h"
#include "crypto.h"
#include "db.h"
#include "jwt.h"
#include "shapes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"

#define REFRESH_TOKEN_BYTES 32

static JbStatement caller_lookup = {
	"SELECT u.disabled OR s.revoked_at IS NOT NULL OR s.expires_at <= now(), "
	"       array_remove(array_agg(DISTINCT rp.permission), NULL) "
	"  FROM jobboard.sessions s "
	"  JOIN jobboard.users u ON u.id = s.user_id "
	"  LEFT JOIN jobboard.user_roles ur ON ur.user_id = u.id "
	"  LEFT JOIN jobboard.role_permissions rp ON rp.role = ur.role "
	" WHERE s.id = $1 AND s.user_id = $2 "
	" GROUP BY u.disabled, s.revoked_at, s.expires_at",
	2, {INT8OID, INT8OID}
};

static void
Unauthorized(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_UNAUTHORIZED),
			 errmsg("%s", why)));
}

static uint32
PermissionBits(Datum array)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint32		bits = 0;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			bits |= PermissionFromName(TextDatumGetCString(elems[i]));
	return bits;
}

JbCaller *
SessionCaller(text *token, bool required)
{
	JbClaims	claims;
	const char *why;
	Datum		values[2];
	JbCaller   *caller;
	bool		isnull;

	if (token == NULL)
	{
		if (required)
			Unauthorized("authentication required");
		return NULL;
	}
	if (!JwtVerify(text_to_cstring(token), &claims, &why))
		Unauthorized(why);

	values[0] = Int64GetDatum(claims.sid);
	values[1] = Int64GetDatum(claims.sub);
	caller = palloc0(sizeof(JbCaller));
	DbEnter();
	if (DbRun(&caller_lookup, values, NULL) != 1 || DbBool(0, 0))
		Unauthorized("the session has ended");
	caller->user_id = claims.sub;
	caller->session_id = claims.sid;
	caller->permissions = PermissionBits(DbDatum(0, 1, &isnull));
	DbLeave();
	return caller;
}

bool
SessionHas(const JbCaller *caller, uint32 permission)
{
	return caller != NULL && (caller->permissions & permission) == permission;
}

void
SessionRequire(const JbCaller *caller, uint32 permission)
{
	if (!SessionHas(caller, permission))
		JbForbidden();
}

static bytea *
HashToken(const char *token)
{
	bytea	   *hash = palloc(VARHDRSZ + JB_HASH_BYTES);

	SET_VARSIZE(hash, VARHDRSZ + JB_HASH_BYTES);
	CryptoSha256(token, strlen(token), (unsigned char *) VARDATA(hash));
	return hash;
}

static JbStatement session_insert = {
	"WITH s AS (INSERT INTO jobboard.sessions (user_id, refresh_hash, expires_at) "
	"           VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id) "
	"SELECT s.id, jobboard.user_json(u, r.roles), r.roles "
	"  FROM s, jobboard.users u, LATERAL (SELECT " USER_ROLES " AS roles) r WHERE u.id = $1",
	3, {INT8OID, BYTEAOID, INT4OID}
};

/*
 * The token pair of API.md §3.1 for a session whose row is the current
 * result (columns: session id, user json, roles json).
 */
static Jsonb *
TokenPair(int64 user_id, const char *refresh_token)
{
	JbClaims	claims;
	StringInfoData json;
	char	   *user = JsonbToCString(NULL, &DbJsonb(0, 1)->root, -1);
	char	   *roles = JsonbToCString(NULL, &DbJsonb(0, 2)->root, -1);

	claims.sub = user_id;
	claims.sid = DbInt64(0, 0);
	claims.iat = (int64) time(NULL);
	claims.exp = claims.iat + jb_access_token_ttl;

	initStringInfo(&json);
	appendStringInfoString(&json, "{\"access_token\": ");
	escape_json(&json, JwtSign(&claims, roles));
	appendStringInfo(&json, ", \"token_type\": \"Bearer\", \"expires_in\": %d, "
					 "\"refresh_token\": ", jb_access_token_ttl);
	escape_json(&json, refresh_token);
	appendStringInfo(&json, ", \"refresh_expires_in\": %d, \"user\": %s}",
					 jb_refresh_token_ttl, user);
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data)));
}

Jsonb *
SessionStart(int64 user_id)
{
	char	   *refresh_token = CryptoRandomToken(REFRESH_TOKEN_BYTES);
	Datum		values[3];
	Jsonb	   *pair;

	values[0] = Int64GetDatum(user_id);
	values[1] = PointerGetDatum(HashToken(refresh_token));
	values[2] = Int32GetDatum(jb_refresh_token_ttl);
	DbEnter();
	if (DbRun(&session_insert, values, NULL) != 1)
		elog(ERROR, "session insert returned no row");
	pair = TokenPair(user_id, refresh_token);
	pair = DatumGetJsonbP(DbLeaveJsonb(pair));
	return pair;
}

static JbStatement session_by_refresh = {
	"SELECT s.id, s.user_id, "
	"       s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled "
	"  FROM jobboard.sessions s JOIN jobboard.users u ON u.id = s.user_id "
	" WHERE s.refresh_hash = $1 FOR UPDATE OF s",
	1, {BYTEAOID}
};

static JbStatement session_rotate = {
	"WITH spent AS (INSERT INTO jobboard.spent_refresh_tokens (hash, session_id) "
	"               VALUES ($2, $1)), "
	"     s AS (UPDATE jobboard.sessions SET refresh_hash = $3, refreshed_at = now(), "
	"                  expires_at = now() + make_interval(secs => $4) "
	"            WHERE id = $1 RETURNING id, user_id) "
	"SELECT s.id, jobboard.user_json(u, r.roles), r.roles "
	"  FROM s JOIN jobboard.users u ON u.id = s.user_id, "
	"       LATERAL (SELECT " USER_ROLES " AS roles) r",
	4, {INT8OID, BYTEAOID, BYTEAOID, INT4OID}
};

static JbStatement spent_lookup = {
	"SELECT session_id FROM jobboard.spent_refresh_tokens WHERE hash = $1",
	1, {BYTEAOID}
};

Jsonb *
SessionRefresh(const char *refresh_token)
{
	bytea	   *hash = HashToken(refresh_token);
	char	   *next = CryptoRandomToken(REFRESH_TOKEN_BYTES);
	Datum		values[4];
	int64		session_id;
	int64		user_id;
	Jsonb	   *pair;

	values[0] = PointerGetDatum(hash);
	DbEnter();
	if (DbRun(&session_by_refresh, values, NULL) == 0)
	{
		if (DbRun(&spent_lookup, values, NULL) == 1)
		{
			AutonomousRevokeSession(DbInt64(0, 0));
			Unauthorized("the refresh token was already used; the session has been revoked");
		}
		Unauthorized("the refresh token is invalid");
	}
	if (!DbBool(0, 2))
		Unauthorized("the session has ended");
	session_id = DbInt64(0, 0);
	user_id = DbInt64(0, 1);

	values[0] = Int64GetDatum(session_id);
	values[1] = PointerGetDatum(hash);
	values[2] = PointerGetDatum(HashToken(next));
	values[3] = Int32GetDatum(jb_refresh_token_ttl);
	if (DbRun(&session_rotate, values, NULL) != 1)
		elog(ERROR, "session rotation returned no row");
	pair = TokenPair(user_id, next);
	return DatumGetJsonbP(DbLeaveJsonb(pair));
}

static JbStatement revoke_by_refresh = {
	"UPDATE jobboard.sessions SET revoked_at = now() "
	" WHERE revoked_at IS NULL AND (refresh_hash = $1 OR id = "
	"       (SELECT session_id FROM jobboard.spent_refresh_tokens WHERE hash = $1))",
	1, {BYTEAOID}
};

void
SessionRevokeByRefresh(const char *refresh_token)
{
	Datum		values[1];

	values[0] = PointerGetDatum(HashToken(refresh_token));
	DbEnter();
	DbRun(&revoke_by_refresh, values, NULL);
	DbLeave();
}

static JbStatement revoke_all = {
	"UPDATE jobboard.sessions SET revoked_at = now() "
	" WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
	2, {INT8OID, INT8OID}
};

void
SessionRevokeAll(int64 user_id, int64 except_session_id)
{
	Datum		values[2];

	values[0] = Int64GetDatum(user_id);
	values[1] = Int64GetDatum(except_session_id);
	DbEnter();
	DbRun(&revoke_all, values, NULL);
	DbLeave();
}
