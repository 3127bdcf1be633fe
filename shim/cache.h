/*
 * cache.h — response cache for public reads (DESIGN.md "Edge duties"). SEAM.
 *
 * Will own caching 200 answers of `cacheable` routes by path and query,
 * invalidated by NOTIFY. The request path already asks cache_lookup() before
 * calling the database and offers every cacheable answer to cache_store().
 */
#ifndef SHIM_CACHE_H
#define SHIM_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/* A cached body for this key (malloc'd copy), or NULL. */
char *cache_lookup(const char *key, size_t *len);
void cache_store(const char *key, const char *body, size_t len);

#endif
