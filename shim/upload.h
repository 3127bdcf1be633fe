/*
 * upload.h — multipart/form-data uploads for routes of kind `upload`
 * (POST /files, API.md §3.7; docs/INTERFACE.md "Calls").
 *
 * Owns reading a multipart body as it streams in, through libmicrohttpd's
 * post processor: the bytes of the one part named `file` are appended to a
 * single buffer (never held twice: the body itself is not kept, and the
 * buffer is reserved once from Content-Length when there is one), its
 * filename is kept (decoded as browsers encode it: %22, %0D, %0A), and the
 * names of any other parts are collected so the caller can report them as
 * unknown fields. The size limit of the whole body is the caller's (http.c,
 * JOBBOARD_MAX_UPLOAD); the buffer has the same cap as a second fence.
 */
#ifndef SHIM_UPLOAD_H
#define SHIM_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#define UPLOAD_FIELD "file"
#define UPLOAD_MAX_OTHER 16         /* other part names remembered */
#define UPLOAD_MAX_NAME 63          /* bytes of a part name remembered */
#define UPLOAD_PP_BUFFER (16 * 1024) /* post processor buffer: part headers fit */

struct upload {
	struct MHD_PostProcessor *pp;
	unsigned char *data;        /* the `file` part's bytes */
	size_t len, cap, max;
	size_t reserve;             /* capacity to take at the first byte */
	char *filename;             /* decoded, UTF-8 checked later; may be NULL */
	int nfile;                  /* parts named `file` seen */
	bool dup_file;              /* more than one `file` part */
	char other[UPLOAD_MAX_OTHER][UPLOAD_MAX_NAME + 1];
	size_t nother;
	bool bad;                   /* malformed body (or out of memory) */
	char why[128];
};

/* Is this Content-Type acceptable for an upload route? */
bool upload_content_type_ok(const char *content_type);

/* Start parsing the body of connection c (its Content-Type has the
 * boundary). max: cap of the file's bytes; expect: Content-Length, or 0.
 * 0, or -1 when the Content-Type cannot be parsed (no boundary). */
int upload_begin(struct upload *u, struct MHD_Connection *c, size_t max,
                 unsigned long long expect);
/* Feed a chunk of the body. 0, or -1 once the body is malformed (u->why);
 * later chunks are then ignored. */
int upload_feed(struct upload *u, const char *data, size_t n);
/* The body is complete. 0, or -1 when it ended inside a part (u->why). */
int upload_end(struct upload *u);
void upload_free(struct upload *u);

/* A part's filename as a browser encodes it (WHATWG: `"` as %22, CR and LF
 * as %0D and %0A; nothing else is escaped) back to its bytes. malloc'd. */
char *upload_filename_decode(const char *raw);

#endif
