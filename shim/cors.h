/*
 * cors.h — CORS (API.md §1.4).
 *
 * Owns the cross-origin headers: off unless JOBBOARD_CORS_ORIGINS lists
 * origins; a listed Origin gets Access-Control-Allow-Origin (echoed),
 * Vary: Origin and Allow-Credentials; a preflight OPTIONS gets 204 with the
 * allowed methods and headers. An unlisted origin gets nothing.
 */
#ifndef SHIM_CORS_H
#define SHIM_CORS_H

#include <microhttpd.h>

#include "config.h"

struct resp;

/* The request's Origin if it is listed, else NULL. */
const char *cors_allowed_origin(const struct config *cfg, const char *origin);
/* Add the headers for an allowed origin to an MHD response. */
void cors_add_headers(struct MHD_Response *m, const char *origin);
/* Add the preflight headers (methods from the route's Allow). */
void cors_preflight(struct resp *r, const char *allow_methods);

#endif
