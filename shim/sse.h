/*
 * sse.h — Server-Sent Events on GET /events (API.md §3.8). SEAM.
 *
 * Will own one LISTENing connection, per-user queues and suspended MHD
 * connections fed from them, with replay by Last-Event-ID. The request path
 * asks sse_is_events() to take ?access_token= as the token on this route
 * only, and sse_handle() to serve it (returns false while not implemented,
 * so the route is served like any other).
 */
#ifndef SHIM_SSE_H
#define SHIM_SSE_H

#include <stdbool.h>
#include <stddef.h>

bool sse_is_events(const char *route_path);
bool sse_handle(void *req);

#endif
