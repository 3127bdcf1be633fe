/*
 * download.c — Content-Disposition, Content-Type and ETag of a download
 * (see download.h).
 */
#include "download.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* RFC 8187 attr-char: sent as is in filename*; everything else is %XX. */
static bool
download_attr_char(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* Bytes of the UTF-8 sequence that starts with c (1 for anything odd). */
static size_t
download_seq_len(unsigned char c)
{
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	if (c >= 0xE0)
		return c <= 0xEF ? 3 : 1;
	if (c >= 0xC2)
		return 2;
	return 1;
}

char *
download_disposition(const char *filename)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *name = filename && *filename ? filename : "file";
	size_t n = strnlen(name, DOWNLOAD_MAX_NAME);
	struct buf b;

	buf_init(&b, 16 * DOWNLOAD_MAX_NAME);
	buf_adds(&b, "attachment; filename=\"");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char) name[i];
		if (c >= 0x80) {
			size_t k = download_seq_len(c), j = 1;
			while (j < k && i + j < n && ((unsigned char) name[i + j] & 0xC0) == 0x80)
				j++;
			buf_addc(&b, '_');      /* one `_` per character */
			i += j;
			continue;
		}
		buf_addc(&b, c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '_' : (char) c);
		i++;
	}
	buf_adds(&b, "\"; filename*=UTF-8''");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) name[i];
		if (download_attr_char(c))
			buf_addc(&b, (char) c);
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[c >> 4]);
			buf_addc(&b, hex[c & 15]);
		}
	}
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

bool
download_type_ok(const char *ct)
{
	size_t n;
	const char *slash;

	if (!ct || !*ct)
		return false;
	n = strnlen(ct, 256);
	if (n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) ct[i] < 0x20 || (unsigned char) ct[i] > 0x7e)
			return false;
	slash = strchr(ct, '/');
	return slash && slash > ct && slash[1] && slash[1] != ';' && slash[1] != ' ';
}

bool
download_etag(const char *sha256, char out[35])
{
	if (!sha256 || strlen(sha256) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!isxdigit((unsigned char) sha256[i]))
			return false;
	out[0] = '"';
	for (size_t i = 0; i < 32; i++)
		out[1 + i] = (char) tolower((unsigned char) sha256[i]);
	out[33] = '"';
	out[34] = '\0';
	return true;
}
