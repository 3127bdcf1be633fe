/*
 * sse.c — live events (see sse.h). SEAM: not served yet.
 */
#include "sse.h"

#include <string.h>

bool
sse_is_events(const char *route_path)
{
	return route_path && strcmp(route_path, "/events") == 0;
}

bool
sse_handle(void *req)
{
	(void) req;
	return false;
}
