/*
 * upload.c — multipart uploads as they stream in (see upload.h).
 *
 * libmicrohttpd's post processor calls upload_part() for every piece of
 * every part, with the offset of the piece inside its part. A part is called
 * at least once (with 0 bytes when empty), so a piece at offset 0 after
 * bytes were already taken for `file` starts a second `file` part.
 */
#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonv.h"

bool
upload_content_type_ok(const char *ct)
{
	return ct && strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	       (ct[19] == '\0' || ct[19] == ';' || ct[19] == ' ');
}

static int
upload_hex(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

char *
upload_filename_decode(const char *raw)
{
	size_t n = strlen(raw), o = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (raw[i] == '%' && i + 2 < n && upload_hex(raw[i + 1]) >= 0 &&
		    upload_hex(raw[i + 2]) >= 0) {
			int c = upload_hex(raw[i + 1]) * 16 + upload_hex(raw[i + 2]);
			if (c == '"' || c == '\r' || c == '\n') {
				out[o++] = (char) c;
				i += 2;
				continue;
			}
		}
		out[o++] = raw[i];
	}
	out[o] = '\0';
	return out;
}

static void
upload_fail(struct upload *u, const char *why)
{
	if (!u->bad) {
		u->bad = true;
		snprintf(u->why, sizeof u->why, "%s", why);
	}
}

static void
upload_note_other(struct upload *u, const char *name)
{
	size_t n = strlen(name), c = n < UPLOAD_MAX_NAME ? n : UPLOAD_MAX_NAME;

	while (c > 0 && c < n && ((unsigned char) name[c] & 0xC0) == 0x80)
		c--;            /* do not cut a UTF-8 sequence */
	for (size_t i = 0; i < u->nother; i++)
		if (strlen(u->other[i]) == c && memcmp(u->other[i], name, c) == 0)
			return;
	if (u->nother == UPLOAD_MAX_OTHER)
		return;
	memcpy(u->other[u->nother], name, c);
	u->other[u->nother][c] = '\0';
	u->nother++;
}

static bool
upload_grow(struct upload *u, size_t need)
{
	size_t ncap;
	unsigned char *np;

	if (need <= u->cap)
		return true;
	if (need > u->max)
		return false;
	ncap = u->cap ? u->cap : (u->reserve > 65536 ? u->reserve : 65536);
	while (ncap < need)
		ncap = ncap > u->max / 2 ? u->max : ncap * 2;
	if (ncap > u->max)
		ncap = u->max;
	np = realloc(u->data, ncap);    /* large blocks: mremap, no copy */
	if (!np)
		return false;
	u->data = np;
	u->cap = ncap;
	return true;
}

static enum MHD_Result
upload_part(void *cls, enum MHD_ValueKind kind, const char *key,
            const char *filename, const char *content_type,
            const char *transfer_encoding, const char *data, uint64_t off,
            size_t size)
{
	struct upload *u = cls;

	(void) kind;
	(void) content_type;
	(void) transfer_encoding;
	if (!key || !*key) {
		upload_fail(u, "a part of the multipart body has no name");
		return MHD_NO;
	}
	if (jsonv_utf8_check(key, strlen(key), true)) {
		upload_fail(u, "a part name is not valid UTF-8");
		return MHD_NO;
	}
	if (strcmp(key, UPLOAD_FIELD) != 0) {
		if (off == 0)
			upload_note_other(u, key);
		return MHD_YES;     /* the value is not kept */
	}
	if (off == 0 && (u->nfile == 0 || u->len > 0)) {
		if (++u->nfile > 1) {
			u->dup_file = true;
			return MHD_YES;
		}
		if (filename) {
			u->filename = upload_filename_decode(filename);
			if (!u->filename) {
				upload_fail(u, "out of memory");
				return MHD_NO;
			}
		}
	}
	if (u->dup_file || size == 0)
		return MHD_YES;
	if (size > u->max - u->len || !upload_grow(u, u->len + size)) {
		upload_fail(u, "the file is too large");
		return MHD_NO;
	}
	memcpy(u->data + u->len, data, size);
	u->len += size;
	return MHD_YES;
}

int
upload_begin(struct upload *u, struct MHD_Connection *c, size_t max,
             unsigned long long expect)
{
	memset(u, 0, sizeof *u);
	u->max = max;
	u->reserve = expect > 0 && expect < max ? (size_t) expect : 0;
	u->pp = MHD_create_post_processor(c, UPLOAD_PP_BUFFER, upload_part, u);
	if (!u->pp) {
		upload_fail(u, "the multipart Content-Type has no usable boundary");
		return -1;
	}
	return 0;
}

int
upload_feed(struct upload *u, const char *data, size_t n)
{
	if (u->bad || !u->pp)
		return -1;
	if (MHD_post_process(u->pp, data, n) != MHD_YES) {
		upload_fail(u, "the multipart body is malformed");
		return -1;
	}
	return 0;
}

int
upload_end(struct upload *u)
{
	enum MHD_Result rc;

	if (!u->pp)
		return -1;
	rc = MHD_destroy_post_processor(u->pp);
	u->pp = NULL;
	if (u->bad)
		return -1;
	if (rc != MHD_YES) {
		upload_fail(u, "the multipart body ended before its closing boundary");
		return -1;
	}
	return 0;
}

void
upload_free(struct upload *u)
{
	if (u->pp)
		MHD_destroy_post_processor(u->pp);
	free(u->data);
	free(u->filename);
	memset(u, 0, sizeof *u);
}
