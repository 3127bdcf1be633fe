/*
 * limit.h — per-client-IP rate limits (API.md §1.5). SEAM: not enforced yet.
 *
 * Will own the token buckets (JOBBOARD_RATE_LIMIT per second with a burst of
 * twice that; JOBBOARD_AUTH_RATE_LIMIT per minute on /auth/ routes) and the
 * RateLimit-* headers. The request path already calls limit_check() after
 * route matching and before the body is read, and limit_headers() on every
 * response, so only this module has to change.
 */
#ifndef SHIM_LIMIT_H
#define SHIM_LIMIT_H

#include <stdbool.h>

#include "config.h"
#include "resp.h"

struct limit_result {
	bool limited;           /* answer 429 with Retry-After */
	bool has_headers;       /* a limit applies: send RateLimit-* */
	int limit;
	int remaining;
	int reset;              /* seconds */
	int retry_after;        /* seconds, when limited */
};

void limit_init(const struct config *cfg);
void limit_check(const char *ip, bool auth_route, struct limit_result *out);
void limit_headers(struct resp *r, const struct limit_result *lr);

#endif
