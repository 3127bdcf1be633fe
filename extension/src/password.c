/*
 * password.c — the password policy (password.h). The common-password list is
 * the table jobboard.common_passwords, compared case-insensitively.
 */
#include "password.h"

#include "catalog/pg_type.h"
#include "db.h"
#include "utils/builtins.h"

static JbStatement common_lookup = {
	"SELECT 1 FROM jobboard.common_passwords WHERE password = lower($1)",
	1, {TEXTOID}
};

static bool
IsCommon(const char *password)
{
	Datum		values[1] = {CStringGetTextDatum(password)};
	bool		common;

	DbEnter();
	common = DbRun(&common_lookup, values, NULL) > 0;
	DbLeave();
	return common;
}

ArgState
PasswordRead(JbArgs *args, const char *key, const char *email, char **out)
{
	char	   *password;
	ArgState	state = ArgsText(args, key, ARG_REQUIRED, PASSWORD_MIN_LENGTH,
								 PASSWORD_MAX_LENGTH, &password);

	if (state != ARG_PRESENT)
		return state;
	if (email != NULL && pg_strcasecmp(password, email) == 0)
	{
		ArgsError(args, key, "must not be the email address");
		return ARG_INVALID;
	}
	if (IsCommon(password))
	{
		ArgsError(args, key, "is too common; choose a less guessable password");
		return ARG_INVALID;
	}
	*out = password;
	return ARG_PRESENT;
}
