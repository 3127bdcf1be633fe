/*
 * config.h — the shim's configuration (API.md §5).
 *
 * Owns reading JOBBOARD_* settings: defaults, then a `.env` file in the
 * working directory, then the environment (the environment wins). Every value
 * is validated; a complaint names the variable, where it came from (the .env
 * line number or "environment") and what is allowed. Nothing here exits: the
 * caller prints the message and exits 2.
 */
#ifndef SHIM_CONFIG_H
#define SHIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_MAX_CORS 32

struct config {
	char *database_url;
	char *replica_url;          /* NULL: no replica */
	char *listen;
	int pool_size;
	int threads;
	int rate_limit;             /* requests/s per IP, 0 = off */
	int auth_rate_limit;        /* requests/min per IP on /auth/, 0 = off */
	char *cors_origins[CONFIG_MAX_CORS];
	size_t n_cors;
	size_t max_body;
	size_t max_upload;
	size_t cache_size;          /* bytes for cached public reads, 0 = off */
	bool trust_proxy;
	bool hsts;
	enum log_format log_format;
	int pool_wait_ms;
	int read_timeout_ms;
	int idle_timeout_ms;
};

enum config_rc { CONFIG_OK = 0, CONFIG_ERR = -1, CONFIG_UNKNOWN = 1 };

/* Fill in defaults; `cores` decides POOL_SIZE (2 x cores) and THREADS. */
void config_defaults(struct config *c, int cores);
void config_free(struct config *c);
/* Validate and set one variable. CONFIG_UNKNOWN for a name that is not ours. */
enum config_rc config_set(struct config *c, const char *name, const char *value,
                          char *err, size_t errlen);

/* Called for each KEY=VALUE of a .env text, with its 1-based line number. */
typedef int (*config_dotenv_fn)(const char *key, const char *value, int line,
                                void *arg, char *err, size_t errlen);
/* Parse .env text line by line; every complaint starts with "line N: ". */
int config_parse_dotenv(const char *text, size_t len, config_dotenv_fn fn,
                        void *arg, char *err, size_t errlen);

/*
 * Load everything: defaults, `dotenv_path` (may be absent), then the
 * environment via `getenv_fn` (NULL = getenv). Returns 0 or -1 with err set.
 */
int config_load(struct config *c, int cores, const char *dotenv_path,
                char *(*getenv_fn)(const char *), char *err, size_t errlen);

void config_print_help(FILE *f, int cores);
/* Is `origin` one of JOBBOARD_CORS_ORIGINS? */
bool config_cors_allowed(const struct config *c, const char *origin);

#endif
