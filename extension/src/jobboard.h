/*
 * jobboard.h — what every module of the extension shares: the error codes of
 * the public contract (API.md §4), the settings (GUCs), the permission bits
 * and the tiny helpers for raising contract errors.
 *
 * Rules: every failure a client may see is raised with one of the
 * ERRCODE_JB_* codes below and a lower-case message without a final period;
 * the message is shown to the client as the problem's "detail", so it never
 * names a table, a file or a server version.
 */
#ifndef JOBBOARD_H
#define JOBBOARD_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/jsonb.h"

/* SQLSTATEs of API.md §4 (those PostgreSQL lacks are made here). */
#define ERRCODE_JB_BAD_REQUEST		ERRCODE_INVALID_TEXT_REPRESENTATION	/* 22P02 → 400 */
#define ERRCODE_JB_UNAUTHORIZED		ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION /* 28000 → 401 */
#define ERRCODE_JB_BAD_CREDENTIALS	ERRCODE_INVALID_PASSWORD	/* 28P01 → 401 */
#define ERRCODE_JB_FORBIDDEN		ERRCODE_INSUFFICIENT_PRIVILEGE	/* 42501 → 403 */
#define ERRCODE_JB_NOT_FOUND		MAKE_SQLSTATE('P','0','0','0','2')	/* → 404 */
#define ERRCODE_JB_CONFLICT			ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE	/* 55000 → 409 */
#define ERRCODE_JB_DUPLICATE		ERRCODE_UNIQUE_VIOLATION	/* 23505 → 409 */
#define ERRCODE_JB_PRECONDITION		MAKE_SQLSTATE('J','B','4','1','2')	/* → 412 */
#define ERRCODE_JB_INVALID			ERRCODE_INVALID_PARAMETER_VALUE	/* 22023 → 422 */
#define ERRCODE_JB_RATE_LIMITED		MAKE_SQLSTATE('J','B','4','2','9')	/* → 429 */
#define ERRCODE_JB_UNAVAILABLE		ERRCODE_INSUFFICIENT_RESOURCES	/* 53000 → 503 */

/* Settings (jobboard.c). */
extern int	jb_access_token_ttl;
extern int	jb_refresh_token_ttl;
extern int	jb_lockout_threshold;
extern int	jb_lockout_seconds;
extern int	jb_password_hash;

typedef enum JbPasswordScheme
{
	JB_PASSWORD_ARGON2ID,
	JB_PASSWORD_BCRYPT
} JbPasswordScheme;

/* Permissions of API.md §2, as bits; names in rbac.c. */
typedef enum JbPermission
{
	PERM_COMPANIES_CREATE = 1 << 0,
	PERM_JOBS_WRITE = 1 << 1,
	PERM_APPLICATIONS_REVIEW = 1 << 2,
	PERM_APPLICATIONS_CREATE = 1 << 3,
	PERM_NOTES_WRITE = 1 << 4,
	PERM_FILES_UPLOAD = 1 << 5,
	PERM_USERS_READ = 1 << 6,
	PERM_USERS_MANAGE = 1 << 7,
	PERM_ROLES_MANAGE = 1 << 8,
	PERM_MODERATE = 1 << 9
} JbPermission;

#define JB_EXTENSION_VERSION "0.1"

/* Raise the contract's common errors. */
extern void JbNotFound(void) pg_attribute_noreturn();
extern void JbForbidden(void) pg_attribute_noreturn();
extern void JbConflict(const char *message) pg_attribute_noreturn();

#endif							/* JOBBOARD_H */
