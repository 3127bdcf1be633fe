/*
 * metrics.c — metrics (see metrics.h). SEAM: nothing is recorded yet.
 */
#include "metrics.h"

void
metrics_observe(const char *route, const char *method, int status,
                double duration_ms)
{
	(void) route;
	(void) method;
	(void) status;
	(void) duration_ms;
}

char *
metrics_render(size_t *len)
{
	(void) len;
	return NULL;
}
