/*
 * buf.h — bounded, growable text buffers.
 *
 * Owns the one way the shim builds text (JSON bodies, args, header values,
 * log lines): append into a buffer that refuses to grow past its cap. A
 * failed append sets `err` and every later append is a no-op, so callers may
 * append a whole sequence and check once at the end. The text is always
 * NUL-terminated.
 */
#ifndef SHIM_BUF_H
#define SHIM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;     /* hard cap on len */
	bool err;       /* an append failed (cap or OOM) */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
bool buf_add(struct buf *b, const void *p, size_t n);
bool buf_adds(struct buf *b, const char *s);
bool buf_addc(struct buf *b, char c);
bool buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s[0..n) as a JSON string literal (quotes included). s must be valid UTF-8. */
bool buf_add_json_str(struct buf *b, const char *s, size_t n);
/* Give the text away (caller frees); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
