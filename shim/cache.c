/*
 * cache.c — response cache (see cache.h). SEAM: caches nothing yet.
 */
#include "cache.h"

char *
cache_lookup(const char *key, size_t *len)
{
	(void) key;
	(void) len;
	return NULL;
}

void
cache_store(const char *key, const char *body, size_t len)
{
	(void) key;
	(void) body;
	(void) len;
}
