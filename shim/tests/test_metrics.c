/* Unit tests: metrics rendering (metrics.c). */
#include "tap.h"

#include <stdlib.h>

#include "../metrics.h"

int
main(void)
{
	char *t;
	size_t len;

	metrics_observe("/jobs/{id}", "GET", 200, 3.0);
	metrics_observe("/jobs/{id}", "GET", 200, 30.0);
	metrics_observe("/jobs/{id}", "GET", 404, 1.0);
	metrics_observe(NULL, "BREW", 405, 0.5);
	for (int i = 0; i < 5000; i++)
		metrics_observe("/x", "GET", 100 + i % 500, 1.0);   /* many series: bounded */
	t = metrics_render(&len);
	ok(t != NULL && len == strlen(t), "renders");
	ok(strstr(t, "jobboard_http_requests_total{route=\"/jobs/{id}\",method=\"GET\",status=\"200\"} 2\n") != NULL,
	   "request counter by route, method, status");
	ok(strstr(t, "{route=\"unmatched\",method=\"other\",status=\"405\"} 1\n") != NULL,
	   "unmatched route, unknown method folded");
	ok(strstr(t, "jobboard_http_request_duration_seconds_bucket{route=\"/jobs/{id}\",method=\"GET\",le=\"0.005\"} 2\n") != NULL,
	   "histogram bucket 5 ms holds 2");
	ok(strstr(t, "jobboard_http_request_duration_seconds_count{route=\"/jobs/{id}\",method=\"GET\"} 3\n") != NULL,
	   "histogram count");
	ok(strstr(t, "jobboard_rate_limit_rejections_total 0\n") != NULL, "rejections");
	ok(strstr(t, "# TYPE jobboard_sse_clients gauge\njobboard_sse_clients 0\n") != NULL,
	   "event stream clients: a gauge");
	ok(strstr(t, "# TYPE jobboard_events_slow_clients_total counter\n") != NULL,
	   "slow event-stream clients: a counter");
	free(t);
	return tap_done();
}
