/*
 * auth.c — bearer token extraction and JWT `sub` for logging (see auth.h).
 */
#include "auth.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <sodium.h>

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int
auth_b64token(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (isalnum((unsigned char) s[i]) || strchr("-._~+/", s[i])))
		i++;
	if (i == 0)
		return -1;
	while (i < n && s[i] == '=')
		i++;
	return i == n ? 0 : -1;
}

enum auth_rc
auth_parse_header(const char *hdr, char *tok, size_t toklen)
{
	const char *p, *e;
	size_t n;

	if (!hdr)
		return AUTH_NONE;
	p = hdr;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return AUTH_MALFORMED;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t) (e - p);
	if (n == 0 || n >= toklen || n >= AUTH_MAX_TOKEN || auth_b64token(p, n))
		return AUTH_MALFORMED;
	memcpy(tok, p, n);
	tok[n] = '\0';
	return AUTH_BEARER;
}

/* The decoded payload object of a JWT (unverified), or NULL. */
static json_object *
auth_jwt_payload(const char *token)
{
	const char *d1, *d2;
	unsigned char payload[2048];
	size_t plen = 0;
	json_object *o;
	json_tokener *tk;

	if (!token || !(d1 = strchr(token, '.')) || !(d2 = strchr(d1 + 1, '.')))
		return NULL;
	if ((size_t) (d2 - d1 - 1) > (sizeof payload - 1) * 4 / 3)
		return NULL;
	if (sodium_base642bin(payload, sizeof payload - 1, d1 + 1, (size_t) (d2 - d1 - 1),
	                      NULL, &plen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return NULL;
	payload[plen] = '\0';
	tk = json_tokener_new_ex(8);
	if (!tk)
		return NULL;
	o = json_tokener_parse_ex(tk, (const char *) payload, (int) plen);
	json_tokener_free(tk);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void
auth_jwt_sub(const char *token, char *out, size_t outlen)
{
	json_object *o = auth_jwt_payload(token), *sub;

	out[0] = '\0';
	if (o && json_object_object_get_ex(o, "sub", &sub)) {
		if (json_object_is_type(sub, json_type_string) ||
		    json_object_is_type(sub, json_type_int)) {
			const char *s = json_object_get_string(sub);
			size_t i;
			/* keep it printable and short: it lands in a log line */
			for (i = 0; s[i] && i + 1 < outlen && i < 64; i++)
				out[i] = isprint((unsigned char) s[i]) ? s[i] : '?';
			out[i] = '\0';
		}
	}
	json_object_put(o);
}

long long
auth_jwt_exp(const char *token)
{
	json_object *o = auth_jwt_payload(token), *exp;
	long long v = 0;

	if (o && json_object_object_get_ex(o, "exp", &exp) &&
	    json_object_is_type(exp, json_type_int) && json_object_get_int64(exp) > 0)
		v = (long long) json_object_get_int64(exp);
	json_object_put(o);
	return v;
}
