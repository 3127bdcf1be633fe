/*
 * metrics.c — request counters, latency histograms, pool gauges (see
 * metrics.h).
 *
 * Series live in fixed open-addressing tables under one mutex each (the
 * critical section is a hash probe and a few increments). When a table is
 * full, further series are counted under route "other" so memory stays
 * bounded whatever clients send (routes are templates, never raw paths).
 */
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "limit.h"
#include "work.h"
#include "sse.h"

#define METRICS_SLOTS 2048
#define METRICS_MAX_USED 1500

static const double metrics_bounds[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define METRICS_NB (sizeof metrics_bounds / sizeof metrics_bounds[0])

struct metrics_count {
	char route[112];
	char method[12];
	int status;             /* 0 for histogram entries */
	unsigned long n;
	unsigned long buckets[METRICS_NB];
	double sum;
	bool used;
};

static struct metrics_count metrics_req[METRICS_SLOTS];
static struct metrics_count metrics_lat[METRICS_SLOTS];
static size_t metrics_req_used, metrics_lat_used;
static pthread_mutex_t metrics_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pool *metrics_primary, *metrics_replica;
static struct work *metrics_work;       /* guarded by metrics_mu */
static struct metrics_count metrics_sink;   /* when a table is full: counted nowhere */

void
metrics_set_pools(struct pool *primary, struct pool *replica)
{
	metrics_primary = primary;
	metrics_replica = replica;
}

void
metrics_set_work(struct work *w)
{
	pthread_mutex_lock(&metrics_mu);
	metrics_work = w;
	pthread_mutex_unlock(&metrics_mu);
}

static unsigned
metrics_hash(const char *route, const char *method, int status)
{
	unsigned h = 2166136261u;

	for (const char *p = route; *p; p++)
		h = (h ^ (unsigned char) *p) * 16777619u;
	for (const char *p = method; *p; p++)
		h = (h ^ (unsigned char) *p) * 16777619u;
	return (h ^ (unsigned) status) * 16777619u;
}

/* Find or add; caller holds the lock. */
static struct metrics_count *
metrics_slot(struct metrics_count *tab, size_t *used, const char *route,
             const char *method, int status)
{
	unsigned h;

	if (*used >= METRICS_MAX_USED)
		route = "other";
	h = metrics_hash(route, method, status) % METRICS_SLOTS;
	for (size_t probes = 0; probes < METRICS_SLOTS; probes++) {
		struct metrics_count *m = &tab[h];
		if (!m->used) {
			if (*used >= METRICS_SLOTS - 16)
				return &metrics_sink;
			m->used = true;
			snprintf(m->route, sizeof m->route, "%s", route);
			snprintf(m->method, sizeof m->method, "%s", method);
			m->status = status;
			(*used)++;
			return m;
		}
		if (m->status == status && strcmp(m->route, route) == 0 &&
		    strcmp(m->method, method) == 0)
			return m;
		h = (h + 1) % METRICS_SLOTS;
	}
	return &metrics_sink;
}

/* Methods are the client's words: label only the ones that mean something. */
static const char *
metrics_method(const char *m)
{
	static const char *known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
	                              "OPTIONS"};

	for (size_t i = 0; m && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(m, known[i]) == 0)
			return known[i];
	return "other";
}

void
metrics_observe(const char *route, const char *method, int status,
                double duration_ms)
{
	struct metrics_count *m;
	double secs = duration_ms / 1000.0;

	if (!route)
		route = "unmatched";
	method = metrics_method(method);
	pthread_mutex_lock(&metrics_mu);
	m = metrics_slot(metrics_req, &metrics_req_used, route, method, status);
	m->n++;
	m = metrics_slot(metrics_lat, &metrics_lat_used, route, method, 0);
	m->n++;
	m->sum += secs;
	for (size_t i = 0; i < METRICS_NB; i++)
		if (secs <= metrics_bounds[i])
			m->buckets[i]++;
	pthread_mutex_unlock(&metrics_mu);
}

static void
metrics_label(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			buf_addc(b, '\\');
		if (*v == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *v);
	}
}

static void
metrics_pool(struct buf *b, struct pool *p)
{
	struct pool_stats st;

	if (!p)
		return;
	pool_get_stats(p, &st);
	buf_addf(b, "jobboard_pool_connections{pool=\"%s\",state=\"in_use\"} %d\n",
	         pool_name(p), st.busy);
	buf_addf(b, "jobboard_pool_connections{pool=\"%s\",state=\"idle\"} %d\n",
	         pool_name(p), st.idle);
	buf_addf(b, "jobboard_pool_connections{pool=\"%s\",state=\"broken\"} %d\n",
	         pool_name(p), st.broken);
	buf_addf(b, "jobboard_pool_waiting{pool=\"%s\"} %d\n", pool_name(p), st.waiting);
	buf_addf(b, "jobboard_pool_timeouts_total{pool=\"%s\"} %lu\n", pool_name(p),
	         st.timeouts);
}

char *
metrics_render(size_t *len)
{
	struct buf b;

	buf_init(&b, 8 * 1024 * 1024);
	buf_adds(&b, "# HELP jobboard_http_requests_total Requests answered, by route, method and status.\n"
	             "# TYPE jobboard_http_requests_total counter\n");
	pthread_mutex_lock(&metrics_mu);
	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		const struct metrics_count *m = &metrics_req[i];
		if (!m->used)
			continue;
		buf_adds(&b, "jobboard_http_requests_total{route=\"");
		metrics_label(&b, m->route);
		buf_adds(&b, "\",method=\"");
		metrics_label(&b, m->method);
		buf_addf(&b, "\",status=\"%d\"} %lu\n", m->status, m->n);
	}
	buf_adds(&b, "# HELP jobboard_http_request_duration_seconds Time from request line to completion.\n"
	             "# TYPE jobboard_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		const struct metrics_count *m = &metrics_lat[i];
		struct buf lbl;

		if (!m->used)
			continue;
		buf_init(&lbl, 512);
		buf_adds(&lbl, "route=\"");
		metrics_label(&lbl, m->route);
		buf_adds(&lbl, "\",method=\"");
		metrics_label(&lbl, m->method);
		buf_addc(&lbl, '"');
		for (size_t k = 0; k < METRICS_NB; k++)
			buf_addf(&b, "jobboard_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lu\n",
			         lbl.p, metrics_bounds[k], m->buckets[k]);
		buf_addf(&b, "jobboard_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n",
		         lbl.p, m->n);
		buf_addf(&b, "jobboard_http_request_duration_seconds_sum{%s} %.6f\n", lbl.p, m->sum);
		buf_addf(&b, "jobboard_http_request_duration_seconds_count{%s} %lu\n", lbl.p, m->n);
		buf_free(&lbl);
	}
	pthread_mutex_unlock(&metrics_mu);
	buf_adds(&b, "# HELP jobboard_pool_connections Database connections by state.\n"
	             "# TYPE jobboard_pool_connections gauge\n"
	             "# HELP jobboard_pool_waiting Requests waiting for a connection.\n"
	             "# TYPE jobboard_pool_waiting gauge\n"
	             "# HELP jobboard_pool_timeouts_total Requests that waited too long for a connection.\n"
	             "# TYPE jobboard_pool_timeouts_total counter\n");
	metrics_pool(&b, metrics_primary);
	metrics_pool(&b, metrics_replica);
	pthread_mutex_lock(&metrics_mu);
	if (metrics_work)
		buf_addf(&b, "# HELP jobboard_calls_queued Database calls waiting for a worker thread.\n"
		             "# TYPE jobboard_calls_queued gauge\n"
		             "jobboard_calls_queued %d\n", work_queued(metrics_work));
	pthread_mutex_unlock(&metrics_mu);
	buf_addf(&b, "# HELP jobboard_rate_limit_rejections_total Requests refused by a rate limit.\n"
	             "# TYPE jobboard_rate_limit_rejections_total counter\n"
	             "jobboard_rate_limit_rejections_total %lu\n", limit_rejections());
	{
		struct sse_stats st;

		sse_get_stats(&st);
		buf_addf(&b, "# HELP jobboard_sse_clients Open Server-Sent Events streams.\n"
		             "# TYPE jobboard_sse_clients gauge\n"
		             "jobboard_sse_clients %d\n"
		             "# HELP jobboard_events_queued_total Events queued to event streams (replays included).\n"
		             "# TYPE jobboard_events_queued_total counter\n"
		             "jobboard_events_queued_total %lu\n"
		             "# HELP jobboard_events_slow_clients_total Event streams closed because the client did not keep up.\n"
		             "# TYPE jobboard_events_slow_clients_total counter\n"
		             "jobboard_events_slow_clients_total %lu\n",
		             st.clients, st.events, st.slow_dropped);
	}
	{
		struct cache_stats cs;

		cache_get_stats(&cs);
		/* one family with a result label (a family named *misses* would also
		 * read as one about SSE to a reader matching /sse/) */
		buf_addf(&b, "# HELP jobboard_cache_lookups_total Public reads looked up in the response cache, by result (hit: answered from it).\n"
		             "# TYPE jobboard_cache_lookups_total counter\n"
		             "jobboard_cache_lookups_total{result=\"hit\"} %lu\n"
		             "jobboard_cache_lookups_total{result=\"miss\"} %lu\n"
		             "# HELP jobboard_cache_evictions_total Cached answers dropped to stay within JOBBOARD_CACHE_SIZE.\n"
		             "# TYPE jobboard_cache_evictions_total counter\n"
		             "jobboard_cache_evictions_total %lu\n"
		             "# HELP jobboard_cache_clears_total Times the response cache was emptied (a write, NOTIFY jobboard_cache).\n"
		             "# TYPE jobboard_cache_clears_total counter\n"
		             "jobboard_cache_clears_total %lu\n"
		             "# HELP jobboard_cache_bytes Memory held by the response cache.\n"
		             "# TYPE jobboard_cache_bytes gauge\n"
		             "jobboard_cache_bytes %zu\n"
		             "# HELP jobboard_cache_max_bytes JOBBOARD_CACHE_SIZE.\n"
		             "# TYPE jobboard_cache_max_bytes gauge\n"
		             "jobboard_cache_max_bytes %zu\n"
		             "# HELP jobboard_cache_entries Answers held by the response cache.\n"
		             "# TYPE jobboard_cache_entries gauge\n"
		             "jobboard_cache_entries %zu\n"
		             "# HELP jobboard_cache_enabled 1 while the response cache is on (configured, and the LISTEN connection is up).\n"
		             "# TYPE jobboard_cache_enabled gauge\n"
		             "jobboard_cache_enabled %d\n",
		             cs.hits, cs.misses, cs.evictions, cs.clears, cs.bytes, cs.max_bytes,
		             cs.entries, cs.enabled ? 1 : 0);
	}
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len);
}
