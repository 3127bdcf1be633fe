/*
 * reqid.c — request id validation and generation (see reqid.h).
 */
#include "reqid.h"

#include <ctype.h>
#include <string.h>

#include <sodium.h>

bool
reqid_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char) s[n];
		if (n >= REQID_MAX)
			return false;
		if (!(isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-') || c >= 0x80)
			return false;
	}
	return n >= 1;
}

void
reqid_generate(char out[33])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, 33, raw, sizeof raw);
}
