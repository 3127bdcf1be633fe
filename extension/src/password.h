/*
 * password.h — the password policy of API.md §3.1: 8..128 characters, not
 * the email, not one of the 1,000 most common passwords (shipped list).
 */
#ifndef JOBBOARD_PASSWORD_H
#define JOBBOARD_PASSWORD_H

#include "args.h"

#define PASSWORD_MIN_LENGTH 8
#define PASSWORD_MAX_LENGTH 128

/* Read a new password from args into *out, recording policy failures. */
extern ArgState PasswordRead(JbArgs *args, const char *key, const char *email,
							 char **out);

#endif							/* JOBBOARD_PASSWORD_H */
