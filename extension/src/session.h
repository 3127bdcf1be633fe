/*
 * session.h — who is calling: the access token checked against its session
 * and its user on every call (one indexed lookup), so that revocation, a
 * disabled account and role changes bite on the very next request; and the
 * issuing of token pairs for a new or refreshed session.
 */
#ifndef JOBBOARD_SESSION_H
#define JOBBOARD_SESSION_H

#include "jobboard.h"

typedef struct JbCaller
{
	int64		user_id;
	int64		session_id;
	uint32		permissions;	/* JbPermission bits, union of the roles */
} JbCaller;

/*
 * Identify the caller from the token argument (may be NULL). With no token:
 * NULL, or a 401 when required. A token that is sent is always checked: an
 * invalid one is a 401 even on a public route.
 */
extern JbCaller *SessionCaller(text *token, bool required);

/* 403 unless the caller holds the permission. */
extern void SessionRequire(const JbCaller *caller, uint32 permission);
extern bool SessionHas(const JbCaller *caller, uint32 permission);

/* Start a session for the user and answer the token pair (API.md §3.1). */
extern Jsonb *SessionStart(int64 user_id);

/* Rotate a refresh token: the new token pair, or a 401. */
extern Jsonb *SessionRefresh(const char *refresh_token);

/* Revoke the session a refresh token belongs to (no error if none). */
extern void SessionRevokeByRefresh(const char *refresh_token);
extern void SessionRevokeAll(int64 user_id, int64 except_session_id);

/* Permission names ⇄ bits (rbac.c). */
extern uint32 PermissionFromName(const char *name);

#endif							/* JOBBOARD_SESSION_H */
