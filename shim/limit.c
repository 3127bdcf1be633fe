/*
 * limit.c — rate limits (see limit.h). SEAM: every request is allowed for
 * now and no RateLimit-* header is sent.
 */
#include "limit.h"

#include <stdio.h>
#include <string.h>

static int limit_rps;
static int limit_auth_rpm;

void
limit_init(const struct config *cfg)
{
	limit_rps = cfg->rate_limit;
	limit_auth_rpm = cfg->auth_rate_limit;
}

void
limit_check(const char *ip, bool auth_route, struct limit_result *out)
{
	(void) ip;
	(void) auth_route;
	memset(out, 0, sizeof *out);
}

void
limit_headers(struct resp *r, const struct limit_result *lr)
{
	char v[32];

	if (!lr->has_headers)
		return;
	snprintf(v, sizeof v, "%d", lr->limit);
	resp_header(r, "RateLimit-Limit", v);
	snprintf(v, sizeof v, "%d", lr->remaining);
	resp_header(r, "RateLimit-Remaining", v);
	snprintf(v, sizeof v, "%d", lr->reset);
	resp_header(r, "RateLimit-Reset", v);
	if (lr->limited) {
		snprintf(v, sizeof v, "%d", lr->retry_after);
		resp_header(r, "Retry-After", v);
	}
}
