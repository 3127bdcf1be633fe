/*
 * cache.c — response cache for public reads (see cache.h).
 *
 * One mutex over a chained hash table and a doubly linked LRU list (most
 * recent at the head). The critical sections are a hash probe and a copy
 * of the body; a clear frees every entry under the lock (it is rare: a
 * write). Each entry is charged its allocations (struct, key, body, ETag,
 * Link), and a new entry evicts from the tail until it fits; an answer
 * larger than an eighth of the cache is not kept.
 */
#include "cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define CACHE_BUCKETS 16384     /* power of two */

struct centry {
	struct centry *hnext;               /* hash chain */
	struct centry *prev, *next;         /* LRU list */
	uint32_t hash;
	long long born_ms;
	size_t cost;
	char *key;
	char *body;
	size_t len;
	char *etag;
	char *link;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct centry *cache_tab[CACHE_BUCKETS];
static struct centry *cache_head, *cache_tail;
static size_t cache_max, cache_bytes, cache_entries;
static bool cache_on;
static unsigned long cache_gen = 1;
static unsigned long cache_hits, cache_misses, cache_stores, cache_evictions, cache_clears;

static long long
cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
cache_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

/* Caller holds the lock. */
static void
cache_unlink(struct centry *e)
{
	struct centry **pp = &cache_tab[e->hash & (CACHE_BUCKETS - 1)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		cache_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		cache_tail = e->prev;
	cache_bytes -= e->cost;
	cache_entries--;
}

static void
cache_entry_free(struct centry *e)
{
	free(e->key);
	free(e->body);
	free(e->etag);
	free(e->link);
	free(e);
}

/* Caller holds the lock. */
static void
cache_drop_all(void)
{
	struct centry *e = cache_head;

	while (e) {
		struct centry *n = e->next;
		cache_entry_free(e);
		e = n;
	}
	memset(cache_tab, 0, sizeof cache_tab);
	cache_head = cache_tail = NULL;
	cache_bytes = cache_entries = 0;
	cache_gen++;
}

void
cache_init(size_t max_bytes)
{
	pthread_mutex_lock(&cache_mu);
	cache_max = max_bytes;
	cache_on = false;       /* until the LISTEN connection is up */
	pthread_mutex_unlock(&cache_mu);
}

void
cache_destroy(void)
{
	pthread_mutex_lock(&cache_mu);
	cache_drop_all();
	cache_on = false;
	pthread_mutex_unlock(&cache_mu);
}

void
cache_enable(bool on)
{
	pthread_mutex_lock(&cache_mu);
	if (cache_on != on)
		cache_drop_all();   /* either way nothing from before may stay */
	cache_on = on && cache_max > 0;
	pthread_mutex_unlock(&cache_mu);
}

bool
cache_configured(void)
{
	bool c;

	pthread_mutex_lock(&cache_mu);
	c = cache_max > 0;
	pthread_mutex_unlock(&cache_mu);
	return c;
}

unsigned long
cache_generation(void)
{
	unsigned long g;

	pthread_mutex_lock(&cache_mu);
	g = cache_gen;
	pthread_mutex_unlock(&cache_mu);
	return g;
}

static char *
cache_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

bool
cache_get(const char *key, struct cache_hit *hit)
{
	uint32_t h = cache_hash(key);
	struct centry *e;
	bool found = false;

	memset(hit, 0, sizeof *hit);
	pthread_mutex_lock(&cache_mu);
	if (!cache_on) {
		pthread_mutex_unlock(&cache_mu);
		return false;
	}
	for (e = cache_tab[h & (CACHE_BUCKETS - 1)]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			break;
	if (e && cache_now_ms() - e->born_ms > CACHE_TTL_MS) {
		cache_unlink(e);
		cache_entry_free(e);
		e = NULL;
	}
	if (e) {
		hit->body = cache_dup(e->body, e->len);
		hit->len = e->len;
		hit->etag = cache_dup(e->etag, strlen(e->etag));
		hit->link = e->link ? cache_dup(e->link, strlen(e->link)) : NULL;
		found = hit->body && hit->etag && (!e->link || hit->link);
		if (found && e != cache_head) {     /* most recently used */
			e->prev->next = e->next;
			if (e->next)
				e->next->prev = e->prev;
			else
				cache_tail = e->prev;
			e->prev = NULL;
			e->next = cache_head;
			cache_head->prev = e;
			cache_head = e;
		}
	}
	if (found)
		cache_hits++;
	else
		cache_misses++;
	pthread_mutex_unlock(&cache_mu);
	if (!found)
		cache_hit_free(hit);
	return found;
}

void
cache_hit_free(struct cache_hit *hit)
{
	free(hit->body);
	free(hit->etag);
	free(hit->link);
	memset(hit, 0, sizeof *hit);
}

void
cache_put(const char *key, unsigned long gen, const char *body, size_t len,
          const char *etag, const char *link)
{
	struct centry *e, *old;
	size_t klen = strlen(key), cost;

	if (!etag)
		return;
	cost = sizeof *e + klen + 1 + len + 1 + strlen(etag) + 1 + (link ? strlen(link) + 1 : 0);
	pthread_mutex_lock(&cache_mu);
	if (!cache_on || gen != cache_gen || cost > cache_max / 8) {
		pthread_mutex_unlock(&cache_mu);
		return;
	}
	pthread_mutex_unlock(&cache_mu);

	/* copies are made outside the lock */
	e = calloc(1, sizeof *e);
	if (!e)
		return;
	e->key = cache_dup(key, klen);
	e->body = cache_dup(body, len);
	e->etag = cache_dup(etag, strlen(etag));
	e->link = link ? cache_dup(link, strlen(link)) : NULL;
	if (!e->key || !e->body || !e->etag || (link && !e->link)) {
		cache_entry_free(e);
		return;
	}
	e->len = len;
	e->cost = cost;
	e->hash = cache_hash(key);
	e->born_ms = cache_now_ms();

	pthread_mutex_lock(&cache_mu);
	if (!cache_on || gen != cache_gen) {    /* cleared meanwhile */
		pthread_mutex_unlock(&cache_mu);
		cache_entry_free(e);
		return;
	}
	for (old = cache_tab[e->hash & (CACHE_BUCKETS - 1)]; old; old = old->hnext)
		if (old->hash == e->hash && strcmp(old->key, key) == 0)
			break;
	if (old) {
		cache_unlink(old);
		cache_entry_free(old);
	}
	while (cache_tail && cache_bytes + cost > cache_max) {
		struct centry *t = cache_tail;
		cache_unlink(t);
		cache_entry_free(t);
		cache_evictions++;
	}
	e->hnext = cache_tab[e->hash & (CACHE_BUCKETS - 1)];
	cache_tab[e->hash & (CACHE_BUCKETS - 1)] = e;
	e->next = cache_head;
	if (cache_head)
		cache_head->prev = e;
	cache_head = e;
	if (!cache_tail)
		cache_tail = e;
	cache_bytes += cost;
	cache_entries++;
	cache_stores++;
	pthread_mutex_unlock(&cache_mu);
}

void
cache_clear(const char *why)
{
	size_t n;

	pthread_mutex_lock(&cache_mu);
	n = cache_entries;
	cache_drop_all();
	cache_clears++;
	pthread_mutex_unlock(&cache_mu);
	if (n)
		log_msg(LL_DEBUG, NULL, "response cache cleared (%s): %zu entr%s", why, n,
		        n == 1 ? "y" : "ies");
}

void
cache_get_stats(struct cache_stats *st)
{
	pthread_mutex_lock(&cache_mu);
	st->hits = cache_hits;
	st->misses = cache_misses;
	st->stores = cache_stores;
	st->evictions = cache_evictions;
	st->clears = cache_clears;
	st->bytes = cache_bytes;
	st->max_bytes = cache_max;
	st->entries = cache_entries;
	st->enabled = cache_on;
	pthread_mutex_unlock(&cache_mu);
}
