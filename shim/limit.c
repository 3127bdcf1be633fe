/*
 * limit.c — token buckets per client IP (see limit.h).
 *
 * A bucket holds up to `cap` tokens and gains `rate` tokens per second; a
 * request takes one. Tables are arrays of chains, each chain guarded by one
 * of LIMIT_STRIPES mutexes, so threads rarely meet. When a table holds
 * LIMIT_MAX_BUCKETS buckets a new client is let through unlimited (and a
 * warning logged) rather than refused: the table must not be a way to lock
 * everyone out.
 */
#include "limit.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LIMIT_CHAINS 4096
#define LIMIT_STRIPES 64
#define LIMIT_MAX_BUCKETS 100000

struct bucket {
	struct bucket *next;
	double tokens;
	long long last_ms;
	char ip[48];
};

struct limit_table {
	double rate;            /* tokens per second; 0 = off */
	double cap;
	int shown_limit;        /* RateLimit-Limit */
	struct bucket *chain[LIMIT_CHAINS];
	pthread_mutex_t mu[LIMIT_STRIPES];
	atomic_long count;
	atomic_bool warned;
};

static struct limit_table limit_all;
static struct limit_table limit_auth;
static atomic_ulong limit_rejected;

static long long
limit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
limit_table_init(struct limit_table *t, double rate, double cap)
{
	for (int i = 0; i < LIMIT_STRIPES; i++)
		pthread_mutex_init(&t->mu[i], NULL);
	t->rate = rate;
	t->cap = cap;
	t->shown_limit = (int) cap;
	atomic_init(&t->count, 0);
	atomic_init(&t->warned, false);
}

void
limit_init(const struct config *cfg)
{
	limit_table_init(&limit_all, cfg->rate_limit, 2.0 * cfg->rate_limit);
	limit_table_init(&limit_auth, cfg->auth_rate_limit / 60.0, cfg->auth_rate_limit);
	atomic_init(&limit_rejected, 0);
}

/* FNV-1a */
static unsigned
limit_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char) *s;
		h *= 16777619u;
	}
	return h;
}

static void
limit_refill(const struct limit_table *t, struct bucket *b, long long now)
{
	if (now > b->last_ms) {
		b->tokens += (double) (now - b->last_ms) * t->rate / 1000.0;
		if (b->tokens > t->cap)
			b->tokens = t->cap;
		b->last_ms = now;
	}
}

static void
limit_take(struct limit_table *t, const char *ip, struct limit_result *out)
{
	unsigned h = limit_hash(ip) % LIMIT_CHAINS;
	pthread_mutex_t *mu = &t->mu[h % LIMIT_STRIPES];
	long long now = limit_now_ms();
	struct bucket *b;

	if (t->rate <= 0)
		return;
	pthread_mutex_lock(mu);
	for (b = t->chain[h]; b; b = b->next)
		if (strcmp(b->ip, ip) == 0)
			break;
	if (!b) {
		if (atomic_load(&t->count) >= LIMIT_MAX_BUCKETS ||
		    !(b = calloc(1, sizeof *b))) {
			pthread_mutex_unlock(mu);
			if (!atomic_exchange(&t->warned, true))
				log_msg(LL_WARN, NULL, "rate limit table full; new clients go unlimited");
			return;
		}
		snprintf(b->ip, sizeof b->ip, "%s", ip);
		b->tokens = t->cap;
		b->last_ms = now;
		b->next = t->chain[h];
		t->chain[h] = b;
		atomic_fetch_add(&t->count, 1);
	}
	limit_refill(t, b, now);
	memset(out, 0, sizeof *out);
	out->has_headers = true;
	out->limit = t->shown_limit;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
	} else {
		out->limited = true;
		out->retry_after = (int) ceil((1.0 - b->tokens) / t->rate);
		if (out->retry_after < 1)
			out->retry_after = 1;
		atomic_fetch_add(&limit_rejected, 1);
	}
	out->remaining = (int) floor(b->tokens);
	out->reset = (int) ceil((t->cap - b->tokens) / t->rate);
	pthread_mutex_unlock(mu);
}

void
limit_check(const char *ip, struct limit_result *out)
{
	memset(out, 0, sizeof *out);
	limit_take(&limit_all, ip, out);
}

void
limit_check_auth(const char *ip, struct limit_result *out)
{
	struct limit_result a;

	memset(&a, 0, sizeof a);
	limit_take(&limit_auth, ip, &a);
	/* report the stricter limit: the one that refused, else the auth one */
	if (a.has_headers && (a.limited || !out->limited))
		*out = a;
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

static void
limit_table_sweep(struct limit_table *t)
{
	long long now = limit_now_ms();

	if (t->rate <= 0)
		return;
	for (int h = 0; h < LIMIT_CHAINS; h++) {
		pthread_mutex_t *mu = &t->mu[h % LIMIT_STRIPES];
		struct bucket **pp;

		pthread_mutex_lock(mu);
		pp = &t->chain[h];
		while (*pp) {
			struct bucket *b = *pp;
			limit_refill(t, b, now);
			if (b->tokens >= t->cap) {
				*pp = b->next;
				free(b);
				atomic_fetch_sub(&t->count, 1);
			} else
				pp = &b->next;
		}
		pthread_mutex_unlock(mu);
	}
	if (atomic_load(&t->count) < LIMIT_MAX_BUCKETS / 2)
		atomic_store(&t->warned, false);
}

void
limit_sweep(void)
{
	limit_table_sweep(&limit_all);
	limit_table_sweep(&limit_auth);
}

unsigned long
limit_rejections(void)
{
	return atomic_load(&limit_rejected);
}
