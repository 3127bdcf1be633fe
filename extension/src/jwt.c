/*
 * jwt.c — HS256 JSON Web Tokens (jwt.h). The header is fixed; the payload is
 * written with escape_json and read back with PostgreSQL's own jsonb parser,
 * only after the signature has been checked in constant time.
 */
#include "jwt.h"

#include <time.h>

#include "crypto.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#define JWT_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static int64
NowSeconds(void)
{
	return (int64) time(NULL);
}

char *
JwtSign(const JbClaims *claims, const char *roles_json)
{
	StringInfoData payload;
	StringInfoData token;
	unsigned char mac[JB_HASH_BYTES];

	initStringInfo(&payload);
	appendStringInfo(&payload,
					 "{\"iss\":\"%s\",\"sub\":\"" INT64_FORMAT "\",\"sid\":" INT64_FORMAT
					 ",\"roles\":%s,\"iat\":" INT64_FORMAT ",\"exp\":" INT64_FORMAT "}",
					 JWT_ISSUER, claims->sub, claims->sid, roles_json,
					 claims->iat, claims->exp);
	initStringInfo(&token);
	appendStringInfoString(&token,
						   CryptoBase64UrlEncode((const unsigned char *) JWT_HEADER,
												 strlen(JWT_HEADER)));
	appendStringInfoChar(&token, '.');
	appendStringInfoString(&token,
						   CryptoBase64UrlEncode((unsigned char *) payload.data, payload.len));
	CryptoSign(token.data, token.len, mac);
	appendStringInfoChar(&token, '.');
	appendStringInfoString(&token, CryptoBase64UrlEncode(mac, sizeof(mac)));
	return token.data;
}

/* Decode one base64url part into a jsonb object, or NULL. */
static Jsonb *
DecodePart(const char *text, size_t len)
{
	size_t		binlen;
	unsigned char *bin = CryptoBase64UrlDecode(text, len, &binlen);
	char	   *json;
	Jsonb	   *jb;

	if (bin == NULL)
		return NULL;
	json = pnstrdup((char *) bin, binlen);
	/* Signed by us, so well-formed; jsonb_in still guards the parse. */
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		return NULL;
	return jb;
}

static char *
StringClaim(Jsonb *jb, const char *key)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&jb->root, key, strlen(key), NULL);

	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static bool
NumberClaim(Jsonb *jb, const char *key, int64 *out)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&jb->root, key, strlen(key), NULL);

	if (v == NULL || v->type != jbvNumeric)
		return false;
	*out = DatumGetInt64(DirectFunctionCall1(numeric_int8,
											 NumericGetDatum(v->val.numeric)));
	return true;
}

bool
JwtVerify(const char *token, JbClaims *claims, const char **why)
{
	size_t		len = strlen(token);
	const char *dot1;
	const char *dot2;
	unsigned char mac[JB_HASH_BYTES];
	unsigned char *sig;
	size_t		siglen;
	Jsonb	   *header;
	Jsonb	   *payload;
	char	   *alg;
	char	   *iss;
	char	   *sub;
	char	   *end;

	*why = "the access token is malformed";
	if (len == 0 || len > JWT_MAX_LENGTH)
		return false;
	dot1 = strchr(token, '.');
	if (dot1 == NULL)
		return false;
	dot2 = strchr(dot1 + 1, '.');
	if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return false;

	*why = "the access token signature is invalid";
	sig = CryptoBase64UrlDecode(dot2 + 1, strlen(dot2 + 1), &siglen);
	if (sig == NULL || siglen != JB_HASH_BYTES)
		return false;
	CryptoSign(token, dot2 - token, mac);
	if (!CryptoEqual(mac, sig, JB_HASH_BYTES))
		return false;

	*why = "the access token is malformed";
	header = DecodePart(token, dot1 - token);
	payload = DecodePart(dot1 + 1, dot2 - dot1 - 1);
	if (header == NULL || payload == NULL)
		return false;
	alg = StringClaim(header, "alg");
	if (alg == NULL || strcmp(alg, "HS256") != 0)
	{
		*why = "the access token algorithm is not accepted";
		return false;
	}
	iss = StringClaim(payload, "iss");
	sub = StringClaim(payload, "sub");
	if (iss == NULL || strcmp(iss, JWT_ISSUER) != 0 || sub == NULL ||
		!NumberClaim(payload, "sid", &claims->sid) ||
		!NumberClaim(payload, "iat", &claims->iat) ||
		!NumberClaim(payload, "exp", &claims->exp))
		return false;
	claims->sub = strtoll(sub, &end, 10);
	if (*end != '\0' || claims->sub <= 0)
		return false;
	if (claims->exp <= NowSeconds())
	{
		*why = "the access token has expired";
		return false;
	}
	return true;
}
