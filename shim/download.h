/*
 * download.h — the headers of a file download (routes of kind `download`,
 * GET /files/{id}; docs/INTERFACE.md "Calls").
 *
 * Owns turning a stored file's metadata into response headers that cannot
 * be abused: a Content-Disposition with an ASCII fallback (non-ASCII, `"`,
 * `\` and control characters replaced by `_`) and the exact name in RFC
 * 5987/8187 form (`filename*=UTF-8''` + percent-encoding), a Content-Type
 * that is only passed on when it is a plain header value, and the ETag of
 * the bytes from their SHA-256.
 */
#ifndef SHIM_DOWNLOAD_H
#define SHIM_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>

#define DOWNLOAD_FALLBACK_TYPE "application/octet-stream"
#define DOWNLOAD_MAX_NAME 1024      /* bytes of a filename used */

/* `attachment; filename="..."; filename*=UTF-8''...` (malloc'd). An empty
 * or missing name becomes "file". */
char *download_disposition(const char *filename);
/* May this stored Content-Type be sent as is (visible ASCII and spaces,
 * type/subtype, at most 255 bytes)? */
bool download_type_ok(const char *content_type);
/* `"` + the first 32 hex digits of a 64-hex-digit SHA-256 + `"`; false
 * when sha256 is not that. out: 35 bytes. */
bool download_etag(const char *sha256, char out[35]);

#endif
