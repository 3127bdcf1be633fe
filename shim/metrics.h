/*
 * metrics.h — Prometheus metrics (API.md §3.9 GET /metrics). SEAM.
 *
 * Will own counters by route, method and status, a latency histogram, pool
 * gauges and rate-limit rejections. The request path already reports every
 * finished request through metrics_observe(); metrics_render() returning
 * NULL means /metrics is not served yet (404).
 */
#ifndef SHIM_METRICS_H
#define SHIM_METRICS_H

#include <stddef.h>

void metrics_observe(const char *route, const char *method, int status,
                     double duration_ms);
/* Prometheus text (malloc'd), or NULL when metrics are not available. */
char *metrics_render(size_t *len);

#endif
