/*
 * jobboard.c — module entry: the settings (GUCs under "jobboard.") and the
 * helpers that raise the contract's common errors. _PG_init only defines
 * settings and calls each module's init.
 */
#include "jobboard.h"

#include "utils/guc.h"
#include "worker.h"

PG_MODULE_MAGIC;

#define DEFAULT_ACCESS_TOKEN_TTL	900
#define MIN_ACCESS_TOKEN_TTL		1
#define MAX_ACCESS_TOKEN_TTL		86400
#define DEFAULT_REFRESH_TOKEN_TTL	(30 * 86400)
#define MIN_REFRESH_TOKEN_TTL		60
#define MAX_REFRESH_TOKEN_TTL		(365 * 86400)
#define DEFAULT_LOCKOUT_THRESHOLD	5
#define MIN_LOCKOUT_THRESHOLD		1
#define MAX_LOCKOUT_THRESHOLD		1000
#define DEFAULT_LOCKOUT_SECONDS		60
#define MIN_LOCKOUT_SECONDS			1
#define MAX_LOCKOUT_SECONDS			86400

int			jb_access_token_ttl = DEFAULT_ACCESS_TOKEN_TTL;
int			jb_refresh_token_ttl = DEFAULT_REFRESH_TOKEN_TTL;
int			jb_lockout_threshold = DEFAULT_LOCKOUT_THRESHOLD;
int			jb_lockout_seconds = DEFAULT_LOCKOUT_SECONDS;
int			jb_password_hash = JB_PASSWORD_ARGON2ID;

static const struct config_enum_entry password_hash_options[] = {
	{"argon2id", JB_PASSWORD_ARGON2ID, false},
	{"bcrypt", JB_PASSWORD_BCRYPT, false},
	{NULL, 0, false}
};

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("jobboard.access_token_ttl",
							"Lifetime of access tokens, in seconds.",
							NULL, &jb_access_token_ttl, DEFAULT_ACCESS_TOKEN_TTL,
							MIN_ACCESS_TOKEN_TTL, MAX_ACCESS_TOKEN_TTL,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("jobboard.refresh_token_ttl",
							"Lifetime of refresh tokens (and sessions), in seconds.",
							NULL, &jb_refresh_token_ttl, DEFAULT_REFRESH_TOKEN_TTL,
							MIN_REFRESH_TOKEN_TTL, MAX_REFRESH_TOKEN_TTL,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("jobboard.lockout_threshold",
							"Consecutive failed logins that lock an account.",
							NULL, &jb_lockout_threshold, DEFAULT_LOCKOUT_THRESHOLD,
							MIN_LOCKOUT_THRESHOLD, MAX_LOCKOUT_THRESHOLD,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("jobboard.lockout_seconds",
							"Length of the first lockout; each further one doubles it.",
							NULL, &jb_lockout_seconds, DEFAULT_LOCKOUT_SECONDS,
							MIN_LOCKOUT_SECONDS, MAX_LOCKOUT_SECONDS,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomEnumVariable("jobboard.password_hash",
							 "Scheme for new password hashes.",
							 NULL, &jb_password_hash, JB_PASSWORD_ARGON2ID,
							 password_hash_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	WorkerInit();
	MarkGUCPrefixReserved("jobboard");
}

void
JbNotFound(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_NOT_FOUND),
			 errmsg("not found")));
}

void
JbForbidden(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_FORBIDDEN),
			 errmsg("you lack the permission for this")));
}

void
JbConflict(const char *message)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_CONFLICT),
			 errmsg("%s", message)));
}
