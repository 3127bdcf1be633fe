/*
 * cors.c — cross-origin headers (see cors.h).
 */
#include "cors.h"

#include <string.h>

#include "resp.h"

#define CORS_ALLOW_HEADERS \
	"Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key"
#define CORS_EXPOSE_HEADERS \
	"ETag, Link, Location, Retry-After, X-Request-Id, RateLimit-Limit, " \
	"RateLimit-Remaining, RateLimit-Reset"

const char *
cors_allowed_origin(const struct config *cfg, const char *origin)
{
	return cfg->n_cors && config_cors_allowed(cfg, origin) ? origin : NULL;
}

void
cors_add_headers(struct MHD_Response *m, const char *origin)
{
	MHD_add_response_header(m, "Access-Control-Allow-Origin", origin);
	MHD_add_response_header(m, "Vary", "Origin");
	MHD_add_response_header(m, "Access-Control-Allow-Credentials", "true");
	MHD_add_response_header(m, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
}

void
cors_preflight(struct resp *r, const char *allow_methods)
{
	resp_header(r, "Access-Control-Allow-Methods", allow_methods);
	resp_header(r, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
	resp_header(r, "Access-Control-Max-Age", "600");
}
