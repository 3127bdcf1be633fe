/*
 * etag.c — ETag computation and If-None-Match matching (see etag.h).
 *
 * SHA-256 is OpenSSL's libcrypto (which libpq links already): it uses the
 * CPU's SHA instructions where there are some, several times faster than a
 * portable implementation on a list page. The digest is fetched from the
 * default provider once, not on every call.
 */
#include "etag.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

static pthread_once_t etag_once = PTHREAD_ONCE_INIT;
static EVP_MD *etag_sha256;     /* NULL: fetch failed, EVP_sha256() then */

static void
etag_fetch(void)
{
	etag_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
etag_compute(const char *body, size_t len, char out[ETAG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	pthread_once(&etag_once, etag_fetch);
	if (!EVP_Digest(body, len, h, &hl, etag_sha256 ? etag_sha256 : EVP_sha256(), NULL) ||
	    hl < 16)
		memset(h, 0, sizeof h);     /* out of memory only: an all-zero tag */
	out[0] = '"';
	for (int i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[h[i] >> 4];
		out[2 + 2 * i] = hex[h[i] & 15];
	}
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
