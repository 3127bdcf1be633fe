/*
 * etag.h — strong ETags and conditional GET.
 *
 * Owns the ETag formula shared with the extension (docs/INTERFACE.md):
 * `"` + first 32 hex chars of SHA-256 of the body text + `"`, and the
 * If-None-Match comparison (weak comparison, lists, `*`).
 */
#ifndef SHIM_ETAG_H
#define SHIM_ETAG_H

#include <stdbool.h>
#include <stddef.h>

#define ETAG_LEN 34             /* quotes included, without NUL */

void etag_compute(const char *body, size_t len, char out[ETAG_LEN + 1]);
/* Does an If-None-Match header value match this etag? */
bool etag_none_match(const char *if_none_match, const char *etag);

#endif
