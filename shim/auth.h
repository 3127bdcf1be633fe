/*
 * auth.h — what the shim knows about tokens (very little).
 *
 * Owns reading the bearer token from `Authorization` and, for the access log
 * and the end of an event stream, the `sub` and `exp` claims of a JWT
 * payload (decoded, never verified: the extension verifies every token). A
 * token is never logged.
 */
#ifndef SHIM_AUTH_H
#define SHIM_AUTH_H

#include <stddef.h>

#define AUTH_MAX_TOKEN 4096

enum auth_rc { AUTH_NONE = 0, AUTH_BEARER = 1, AUTH_MALFORMED = -1 };

/* Parse an Authorization header value (NULL: none). On AUTH_BEARER the token
 * is copied to tok. "Bearer" is matched case-insensitively. */
enum auth_rc auth_parse_header(const char *hdr, char *tok, size_t toklen);
/* The `sub` of a JWT's payload as a string ("" when absent or not a JWT). */
void auth_jwt_sub(const char *token, char *out, size_t outlen);
/* The `exp` claim of a JWT's payload (seconds since the epoch), 0 if none.
 * Unverified: only used to end an event stream the database opened. */
long long auth_jwt_exp(const char *token);

#endif
