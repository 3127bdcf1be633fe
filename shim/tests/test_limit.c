/* Unit tests: token buckets (limit.c). */
#include "tap.h"

#include "../config.h"
#include "../limit.h"

int
main(void)
{
	struct config c;
	struct limit_result lr;
	int allowed = 0;

	config_defaults(&c, 1);
	c.rate_limit = 2;           /* burst 4 */
	c.auth_rate_limit = 1;      /* one a minute */
	limit_init(&c);

	for (int i = 0; i < 4; i++) {
		limit_check("10.0.0.1", &lr);
		allowed += !lr.limited;
	}
	is_int(allowed, 4, "a burst of twice the rate passes");
	ok(lr.has_headers && lr.limit == 4, "RateLimit-Limit is the bucket size");
	is_int(lr.remaining, 0, "nothing remains");
	ok(lr.reset >= 1 && lr.reset <= 2, "full again within 2 s (%d)", lr.reset);
	limit_check("10.0.0.1", &lr);
	ok(lr.limited, "the next request is refused");
	is_int(lr.retry_after, 1, "Retry-After 1 s");
	limit_check("10.0.0.2", &lr);
	ok(!lr.limited && lr.remaining == 3, "another IP has its own bucket");

	limit_check("10.0.0.3", &lr);
	limit_check_auth("10.0.0.3", &lr);
	ok(!lr.limited && lr.limit == 1 && lr.remaining == 0, "auth: the stricter limit is shown");
	limit_check("10.0.0.3", &lr);
	limit_check_auth("10.0.0.3", &lr);
	ok(lr.limited, "auth: second request in the minute refused");
	ok(lr.retry_after >= 59 && lr.retry_after <= 60, "auth: Retry-After about 60 s (%d)",
	   lr.retry_after);
	ok(limit_rejections() == 2, "rejections counted");
	limit_sweep();
	limit_check("10.0.0.2", &lr);
	ok(lr.remaining == 2, "sweep keeps buckets that are not full");

	c.rate_limit = 0;
	c.auth_rate_limit = 0;
	limit_init(&c);
	limit_check("10.0.0.9", &lr);
	limit_check_auth("10.0.0.9", &lr);
	ok(!lr.limited && !lr.has_headers, "0 turns limits off, no headers");
	config_free(&c);
	return tap_done();
}
