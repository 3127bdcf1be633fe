/*
 * metrics.h — Prometheus metrics (API.md §3.9 GET /metrics).
 *
 * Owns the counters the server exposes: requests by route (template, or
 * "unmatched"), method and status; a latency histogram by route and method;
 * the pools' in-use/idle/waiting connections and pool timeouts; rate-limit
 * rejections; open event streams (a gauge), events queued to them and
 * streams cut for being too slow (sse.h). Every finished request is
 * reported through metrics_observe(); metrics_render() writes the
 * Prometheus text format.
 */
#ifndef SHIM_METRICS_H
#define SHIM_METRICS_H

#include <stddef.h>

#include "pool.h"
#include "work.h"

void metrics_set_pools(struct pool *primary, struct pool *replica);
/* The queue of database calls (jobboard_calls_queued); NULL before it stops. */
void metrics_set_work(struct work *w);
void metrics_observe(const char *route, const char *method, int status,
                     double duration_ms);
/* Prometheus text (malloc'd), or NULL when out of memory. */
char *metrics_render(size_t *len);

#endif
