/*
 * etag.c — ETag computation and If-None-Match matching (see etag.h).
 */
#include "etag.h"

#include <string.h>

#include <sodium.h>

void
etag_compute(const char *body, size_t len, char out[ETAG_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256(h, (const unsigned char *) body, len);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	out[0] = '"';
	memcpy(out + 1, hex, 32);
	out[33] = '"';
	out[34] = '\0';
}

bool
etag_none_match(const char *inm, const char *etag)
{
	const char *p = inm;
	size_t el = strlen(etag);

	if (!inm)
		return false;
	while (*p) {
		const char *s, *e;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		s = p;
		if (s[0] == 'W' && s[1] == '/')
			s += 2;     /* If-None-Match uses the weak comparison */
		e = s;
		if (*e == '"') {
			e = strchr(e + 1, '"');
			if (!e)
				return false;
			e++;
		} else
			while (*e && *e != ',' && *e != ' ')
				e++;
		if ((size_t) (e - s) == el && memcmp(s, etag, el) == 0)
			return true;
		p = e;
		while (*p && *p != ',')
			p++;
	}
	return false;
}
