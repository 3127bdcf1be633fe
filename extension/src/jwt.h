/*
 * jwt.h — JSON Web Tokens, HS256 only (RFC 7519, RFC 7515 compact form).
 * Any other "alg", "none" included, is refused; the signature is checked
 * before anything inside the token is believed.
 */
#ifndef JOBBOARD_JWT_H
#define JOBBOARD_JWT_H

#include "jobboard.h"

typedef struct JbClaims
{
	int64		sub;			/* user id */
	int64		sid;			/* session id */
	int64		iat;
	int64		exp;
} JbClaims;

#define JWT_ISSUER "jobboard"
#define JWT_MAX_LENGTH 4096

/* Sign a token for the claims; roles is a JSON array text for "roles". */
extern char *JwtSign(const JbClaims *claims, const char *roles_json);

/*
 * Verify signature, header, issuer and expiry; on failure return false and
 * set *why to a short reason fit for the client.
 */
extern bool JwtVerify(const char *token, JbClaims *claims, const char **why);

#endif							/* JOBBOARD_JWT_H */
