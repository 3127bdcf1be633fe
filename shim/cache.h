/*
 * cache.h — response cache for public reads (issue 6).
 *
 * Owns keeping the 200 answers of `cacheable` GET routes asked without a
 * token (no Authorization header, no ?access_token), keyed by the path with
 * its query string exactly as sent: body, ETag, Link. Memory is bounded
 * (JOBBOARD_CACHE_SIZE; least recently used entries go first; 0 = off) and an
 * entry lives at most CACHE_TTL_MS, a safety net only. Invalidation is
 * explicit and total: cache_clear() when this shim made a write, when the
 * database sends NOTIFY jobboard_cache (any writer, at commit), when the
 * route table is reloaded, and while the LISTEN connection is down the cache
 * is off (cache_enable), since nothing would tell it about writes.
 *
 * A read races a write when it asked the database before the write committed
 * and stores its (old) answer after the clear: cache_put() takes the
 * generation that cache_generation() returned before the database was asked
 * and stores nothing if a clear happened since.
 */
#ifndef SHIM_CACHE_H
#define SHIM_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#define CACHE_TTL_MS 60000

struct cache_hit {
	char *body;             /* malloc'd copies; cache_hit_free() */
	size_t len;
	char *etag;
	char *link;             /* NULL: none */
};

struct cache_stats {
	unsigned long hits, misses, stores, evictions, clears;
	size_t bytes, max_bytes, entries;
	bool enabled;
};

/* Bound the cache to max_bytes (0: off). Call once before serving. */
void cache_init(size_t max_bytes);
/* Free every entry (at exit). */
void cache_destroy(void);
/* On (the LISTEN connection is up) or off (cleared, nothing stored). */
void cache_enable(bool on);
/* Is caching configured at all (JOBBOARD_CACHE_SIZE > 0)? */
bool cache_configured(void);
/* The current generation, read before the database is asked. */
unsigned long cache_generation(void);
/* Copy the entry for key into hit; false on a miss (counted). */
bool cache_get(const char *key, struct cache_hit *hit);
void cache_hit_free(struct cache_hit *hit);
/* Store an answer, unless cache_clear() ran since `gen` was read. */
void cache_put(const char *key, unsigned long gen, const char *body, size_t len,
               const char *etag, const char *link);
/* Drop everything (why: for the debug log). */
void cache_clear(const char *why);
void cache_get_stats(struct cache_stats *st);

#endif
