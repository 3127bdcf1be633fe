/*
 * upload.h — multipart uploads for POST /files (API.md §3.7). SEAM.
 *
 * Will own feeding a multipart/form-data body through MHD's post processor
 * (one part named `file`, at most JOBBOARD_MAX_UPLOAD bytes) and handing the
 * bytes to the route function. The request path already routes `body:
 * multipart` routes here and checks the media type and the size limit.
 */
#ifndef SHIM_UPLOAD_H
#define SHIM_UPLOAD_H

#include <stdbool.h>

/* Is this Content-Type acceptable for an upload route? */
bool upload_content_type_ok(const char *content_type);
/* Uploads are not implemented yet: the route answers 501. */
bool upload_supported(void);

#endif
