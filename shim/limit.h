/*
 * limit.h — per-client-IP rate limits (API.md §1.5).
 *
 * Owns the token buckets: every client IP gets JOBBOARD_RATE_LIMIT requests
 * per second with a burst of twice that; on /auth/ routes it also gets
 * JOBBOARD_AUTH_RATE_LIMIT requests per minute (a bucket of that size that
 * refills over a minute). 0 turns a limit off. Every answer under a limit
 * carries RateLimit-Limit (the bucket size), RateLimit-Remaining (whole
 * tokens left) and RateLimit-Reset (seconds until the bucket is full again);
 * a refused request gets 429 with Retry-After (seconds until one token).
 * Buckets live in a striped hash table, bounded in size; idle, full buckets
 * are dropped by limit_sweep(). Built-in routes (/health, /ready, ...) are
 * not limited.
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
/* The per-second limit of every request; fills out. */
void limit_check(const char *ip, struct limit_result *out);
/* The per-minute limit of /auth/ routes; replaces out when it applies. */
void limit_check_auth(const char *ip, struct limit_result *out);
void limit_headers(struct resp *r, const struct limit_result *lr);
/* Forget buckets that are full again (idle clients). */
void limit_sweep(void);
unsigned long limit_rejections(void);

#endif
