/*
 * config.c — JOBBOARD_* settings from defaults, .env and the environment.
 *
 * One table (config_vars) lists every variable with its default and help
 * text; --help prints it, config_set validates through it. The .env reader is
 * line-oriented: `KEY=VALUE`, optional `export `, `#` comments, blank lines,
 * values optionally in single quotes (literal) or double quotes (with \" \\ \n
 * escapes); an unquoted value ends at ` #`. Unknown JOBBOARD_* keys in .env
 * are an error (a typo must not pass silently); other keys are ignored.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define DEFAULT_DATABASE_URL "dbname=jobboard"
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define MIB (1024UL * 1024UL)

enum config_kind { CK_STR, CK_INT, CK_SIZE, CK_BOOL, CK_OTHER };

struct config_var {
	const char *name;
	enum config_kind kind;
	long min, max;          /* CK_INT, CK_SIZE */
	const char *deflt;      /* as shown by --help */
	const char *help;
};

static const struct config_var config_vars[] = {
	{"JOBBOARD_DATABASE_URL", CK_STR, 0, 0, DEFAULT_DATABASE_URL,
	 "libpq connection string or URI of the primary"},
	{"JOBBOARD_REPLICA_URL", CK_STR, 0, 0, "(unset)",
	 "read-only routes go to this standby when set"},
	{"JOBBOARD_LISTEN", CK_OTHER, 0, 0, DEFAULT_LISTEN,
	 "address and port to listen on (host:port, [v6]:port)"},
	{"JOBBOARD_POOL_SIZE", CK_INT, 1, 1000, NULL,
	 "database connections (per pool); as many threads make the calls"},
	{"JOBBOARD_THREADS", CK_INT, 1, 1024, NULL,
	 "threads that parse requests and write answers (not the calls)"},
	{"JOBBOARD_RATE_LIMIT", CK_INT, 0, 1000000, "50",
	 "requests per second per client IP (burst 2x); 0 = off"},
	{"JOBBOARD_AUTH_RATE_LIMIT", CK_INT, 0, 1000000, "20",
	 "requests per minute per client IP on /auth/*; 0 = off"},
	{"JOBBOARD_CORS_ORIGINS", CK_OTHER, 0, 0, "(empty: CORS off)",
	 "comma-separated origins allowed by CORS, e.g. https://app.example.com"},
	{"JOBBOARD_MAX_BODY", CK_SIZE, 1, 1L << 30, "1MiB",
	 "largest JSON body in bytes (suffix k/KiB, m/MiB allowed)"},
	{"JOBBOARD_MAX_UPLOAD", CK_SIZE, 1, 1L << 30, "10MiB",
	 "largest upload (POST /files) in bytes"},
	{"JOBBOARD_CACHE_SIZE", CK_SIZE, 0, 1L << 34, "32MiB",
	 "memory for cached public reads (GETs without a token); 0 = off"},
	{"JOBBOARD_TRUST_PROXY", CK_BOOL, 0, 0, "0",
	 "1: believe X-Forwarded-For for the client IP"},
	{"JOBBOARD_HSTS", CK_BOOL, 0, 0, "0", "1: send Strict-Transport-Security"},
	{"JOBBOARD_LOG_FORMAT", CK_OTHER, 0, 0, "json",
	 "json (one object per line on stdout) or text"},
	{"JOBBOARD_POOL_WAIT_MS", CK_INT, 0, 600000, "5000",
	 "longest wait for a pooled connection before a 503"},
	{"JOBBOARD_READ_TIMEOUT_MS", CK_INT, 100, 3600000, "30000",
	 "a client must send its whole request within this"},
	{"JOBBOARD_IDLE_TIMEOUT_MS", CK_INT, 100, 3600000, "60000",
	 "idle keep-alive connections are closed after this"},
};

#define N_CONFIG_VARS (sizeof config_vars / sizeof config_vars[0])

static const struct config_var *
config_find(const char *name)
{
	for (size_t i = 0; i < N_CONFIG_VARS; i++)
		if (strcmp(config_vars[i].name, name) == 0)
			return &config_vars[i];
	return NULL;
}

void
config_defaults(struct config *c, int cores)
{
	memset(c, 0, sizeof *c);
	if (cores < 1)
		cores = 1;
	c->database_url = strdup(DEFAULT_DATABASE_URL);
	c->replica_url = NULL;
	c->listen = strdup(DEFAULT_LISTEN);
	c->pool_size = 2 * cores;
	c->threads = cores;
	c->rate_limit = 50;
	c->auth_rate_limit = 20;
	c->max_body = 1 * MIB;
	c->max_upload = 10 * MIB;
	c->cache_size = 32 * MIB;
	c->trust_proxy = false;
	c->hsts = false;
	c->log_format = LOG_FORMAT_JSON;
	c->pool_wait_ms = 5000;
	c->read_timeout_ms = 30000;
	c->idle_timeout_ms = 60000;
}

static void
config_free_cors(struct config *c)
{
	for (size_t i = 0; i < c->n_cors; i++)
		free(c->cors_origins[i]);
	c->n_cors = 0;
}

void
config_free(struct config *c)
{
	free(c->database_url);
	free(c->replica_url);
	free(c->listen);
	config_free_cors(c);
	memset(c, 0, sizeof *c);
}

static int
config_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!*s || isspace((unsigned char) *s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* bytes with an optional k/K/KiB or m/M/MiB suffix */
static int
config_parse_size(const char *s, long *out)
{
	char *end;
	unsigned long long v, mult = 1;

	if (!isdigit((unsigned char) *s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kib") == 0 ||
		    strcasecmp(end, "kb") == 0)
			mult = 1024;
		else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mib") == 0 ||
		         strcasecmp(end, "mb") == 0)
			mult = 1024 * 1024;
		else
			return -1;
	}
	if (v > (unsigned long long) LONG_MAX / mult)
		return -1;
	*out = (long) (v * mult);
	return 0;
}

static int
config_parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off") || !*s) {
		*out = false;
		return 0;
	}
	return -1;
}

/* host:port, [v6]:port, :port (all interfaces), port 0..65535 */
static int
config_check_listen(const char *s, char *err, size_t errlen)
{
	const char *colon;
	long port;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb == s + 1 || rb[1] != ':') {
			snprintf(err, errlen, "must be host:port or [ipv6]:port");
			return -1;
		}
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t) (colon - s))) {
			snprintf(err, errlen, "must be host:port or [ipv6]:port");
			return -1;
		}
	}
	if (config_parse_long(colon + 1, &port) || port < 0 || port > 65535) {
		snprintf(err, errlen, "port must be an integer 0..65535");
		return -1;
	}
	for (const char *p = s; p < colon; p++)
		if (isspace((unsigned char) *p)) {
			snprintf(err, errlen, "host must not contain spaces");
			return -1;
		}
	return 0;
}

/* scheme://host[:port], no path, no trailing slash */
static int
config_check_origin(const char *o, size_t n, char *err, size_t errlen)
{
	size_t skip;

	if (n >= 7 && strncmp(o, "http://", 7) == 0)
		skip = 7;
	else if (n >= 8 && strncmp(o, "https://", 8) == 0)
		skip = 8;
	else {
		snprintf(err, errlen, "origin '%.*s' must start with http:// or https://",
		         (int) (n > 100 ? 100 : n), o);
		return -1;
	}
	if (n == skip) {
		snprintf(err, errlen, "origin '%.*s' has no host", (int) n, o);
		return -1;
	}
	for (size_t i = skip; i < n; i++) {
		unsigned char ch = (unsigned char) o[i];
		if (!(isalnum(ch) || ch == '.' || ch == '-' || ch == ':' || ch == '[' ||
		      ch == ']')) {
			snprintf(err, errlen,
			         "origin '%.*s' must be scheme://host[:port] without a path",
			         (int) (n > 100 ? 100 : n), o);
			return -1;
		}
	}
	return 0;
}

static int
config_set_cors(struct config *c, const char *v, char *err, size_t errlen)
{
	const char *p = v;

	config_free_cors(c);
	while (*p) {
		const char *start, *end;
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = (size_t) (end - start);
		if (config_check_origin(start, n, err, errlen))
			goto fail;
		if (c->n_cors == CONFIG_MAX_CORS) {
			snprintf(err, errlen, "at most %d origins", CONFIG_MAX_CORS);
			goto fail;
		}
		c->cors_origins[c->n_cors] = strndup(start, n);
		if (!c->cors_origins[c->n_cors]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		c->n_cors++;
	}
	return 0;
fail:
	config_free_cors(c);
	return -1;
}

static int
config_replace_str(char **slot, const char *v, char *err, size_t errlen)
{
	char *d = strdup(v);

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*slot);
	*slot = d;
	return 0;
}

enum config_rc
config_set(struct config *c, const char *name, const char *value, char *err,
           size_t errlen)
{
	const struct config_var *var = config_find(name);
	long n = 0;
	bool b = false;
	char why[200];

	if (!var) {
		snprintf(err, errlen, "%s: unknown setting", name);
		return CONFIG_UNKNOWN;
	}
	why[0] = '\0';
	switch (var->kind) {
	case CK_INT:
		if (config_parse_long(value, &n) || n < var->min || n > var->max) {
			snprintf(err, errlen, "%s: '%.60s' is not an integer in %ld..%ld",
			         name, value, var->min, var->max);
			return CONFIG_ERR;
		}
		break;
	case CK_SIZE:
		if (config_parse_size(value, &n) || n < var->min || n > var->max) {
			snprintf(err, errlen,
			         "%s: '%.60s' is not a size in bytes in %ld..%ld "
			         "(suffix k or m allowed)", name, value, var->min, var->max);
			return CONFIG_ERR;
		}
		break;
	case CK_BOOL:
		if (config_parse_bool(value, &b)) {
			snprintf(err, errlen, "%s: '%.60s' is not 0 or 1", name, value);
			return CONFIG_ERR;
		}
		break;
	default:
		break;
	}

	if (!strcmp(name, "JOBBOARD_DATABASE_URL")) {
		if (!*value) {
			snprintf(err, errlen, "%s: must not be empty", name);
			return CONFIG_ERR;
		}
		return config_replace_str(&c->database_url, value, err, errlen) ? CONFIG_ERR : CONFIG_OK;
	}
	if (!strcmp(name, "JOBBOARD_REPLICA_URL")) {
		if (!*value) {
			free(c->replica_url);
			c->replica_url = NULL;
			return CONFIG_OK;
		}
		return config_replace_str(&c->replica_url, value, err, errlen) ? CONFIG_ERR : CONFIG_OK;
	}
	if (!strcmp(name, "JOBBOARD_LISTEN")) {
		if (config_check_listen(value, why, sizeof why)) {
			snprintf(err, errlen, "%s: '%.60s': %s", name, value, why);
			return CONFIG_ERR;
		}
		return config_replace_str(&c->listen, value, err, errlen) ? CONFIG_ERR : CONFIG_OK;
	}
	if (!strcmp(name, "JOBBOARD_CORS_ORIGINS")) {
		if (config_set_cors(c, value, why, sizeof why)) {
			snprintf(err, errlen, "%s: %s", name, why);
			return CONFIG_ERR;
		}
		return CONFIG_OK;
	}
	if (!strcmp(name, "JOBBOARD_LOG_FORMAT")) {
		if (!strcmp(value, "json"))
			c->log_format = LOG_FORMAT_JSON;
		else if (!strcmp(value, "text"))
			c->log_format = LOG_FORMAT_TEXT;
		else {
			snprintf(err, errlen, "%s: '%.60s' is not json or text", name, value);
			return CONFIG_ERR;
		}
		return CONFIG_OK;
	}
	if (!strcmp(name, "JOBBOARD_POOL_SIZE")) c->pool_size = (int) n;
	else if (!strcmp(name, "JOBBOARD_THREADS")) c->threads = (int) n;
	else if (!strcmp(name, "JOBBOARD_RATE_LIMIT")) c->rate_limit = (int) n;
	else if (!strcmp(name, "JOBBOARD_AUTH_RATE_LIMIT")) c->auth_rate_limit = (int) n;
	else if (!strcmp(name, "JOBBOARD_MAX_BODY")) c->max_body = (size_t) n;
	else if (!strcmp(name, "JOBBOARD_MAX_UPLOAD")) c->max_upload = (size_t) n;
	else if (!strcmp(name, "JOBBOARD_CACHE_SIZE")) c->cache_size = (size_t) n;
	else if (!strcmp(name, "JOBBOARD_TRUST_PROXY")) c->trust_proxy = b;
	else if (!strcmp(name, "JOBBOARD_HSTS")) c->hsts = b;
	else if (!strcmp(name, "JOBBOARD_POOL_WAIT_MS")) c->pool_wait_ms = (int) n;
	else if (!strcmp(name, "JOBBOARD_READ_TIMEOUT_MS")) c->read_timeout_ms = (int) n;
	else if (!strcmp(name, "JOBBOARD_IDLE_TIMEOUT_MS")) c->idle_timeout_ms = (int) n;
	return CONFIG_OK;
}

static bool
config_key_char(char ch, bool first)
{
	return ch == '_' || isalpha((unsigned char) ch) ||
	       (!first && isdigit((unsigned char) ch));
}

/* Parse the value part of one .env line into out; returns -1 with why set. */
static int
config_dotenv_value(const char *p, const char *end, struct buf *out,
                    const char **why)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '"' || *p == '\'')) {
		char q = *p++;
		for (;;) {
			if (p >= end) {
				*why = q == '"' ? "unterminated double quote"
				                : "unterminated single quote";
				return -1;
			}
			if (*p == q)
				break;
			if (q == '"' && *p == '\\' && p + 1 < end) {
				p++;
				switch (*p) {
				case 'n': buf_addc(out, '\n'); break;
				case 't': buf_addc(out, '\t'); break;
				case '\\': case '"': case '$': buf_addc(out, *p); break;
				default:
					buf_addc(out, '\\');
					buf_addc(out, *p);
				}
				p++;
				continue;
			}
			buf_addc(out, *p++);
		}
		p++; /* closing quote */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p != '#') {
			*why = "unexpected text after the closing quote";
			return -1;
		}
		return 0;
	}
	{
		const char *v = p, *e = p;
		/* an unquoted value ends at " #" (a comment) or the end of line */
		while (e < end) {
			if (*e == '#' && (e == v || e[-1] == ' ' || e[-1] == '\t'))
				break;
			e++;
		}
		while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		buf_add(out, v, (size_t) (e - v));
	}
	return 0;
}

int
config_parse_dotenv(const char *text, size_t len, config_dotenv_fn fn, void *arg,
                    char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int line = 0;
	struct buf val;
	char key[128];

	buf_init(&val, 64 * 1024);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t) (end - p));
		const char *le = eol ? eol : end, *k, *why = NULL;
		size_t kn;

		line++;
		if (le > p && le[-1] == '\r')
			le--;
		if (le > p && memchr(p, 0, (size_t) (le - p))) {
			snprintf(err, errlen, "line %d: contains a NUL byte", line);
			goto fail;
		}
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (p == le || *p == '#')
			goto next;
		if ((size_t) (le - p) > 7 && strncmp(p, "export", 6) == 0 &&
		    (p[6] == ' ' || p[6] == '\t')) {
			p += 7;
			while (p < le && (*p == ' ' || *p == '\t'))
				p++;
		}
		k = p;
		while (p < le && config_key_char(*p, p == k))
			p++;
		kn = (size_t) (p - k);
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (kn == 0 || p == le || *p != '=') {
			snprintf(err, errlen, "line %d: expected NAME=value", line);
			goto fail;
		}
		if (kn >= sizeof key) {
			snprintf(err, errlen, "line %d: name too long", line);
			goto fail;
		}
		memcpy(key, k, kn);
		key[kn] = '\0';
		buf_reset(&val);
		if (config_dotenv_value(p + 1, le, &val, &why)) {
			snprintf(err, errlen, "line %d: %s: %s", line, key, why);
			goto fail;
		}
		if (val.err) {
			snprintf(err, errlen, "line %d: %s: value too long", line, key);
			goto fail;
		}
		if (fn) {
			char why2[512];
			why2[0] = '\0';
			if (fn(key, val.p ? val.p : "", line, arg, why2, sizeof why2)) {
				snprintf(err, errlen, "line %d: %s", line, why2);
				goto fail;
			}
		}
next:
		p = eol ? eol + 1 : end;
	}
	buf_free(&val);
	return 0;
fail:
	buf_free(&val);
	return -1;
}

struct config_load_ctx {
	struct config *c;
	char *(*getenv_fn)(const char *);
};

static int
config_dotenv_apply(const char *key, const char *value, int line, void *arg,
                    char *err, size_t errlen)
{
	struct config_load_ctx *ctx = arg;
	enum config_rc rc;

	(void) line;
	if (strncmp(key, "JOBBOARD_", 9) != 0)
		return 0;               /* not ours: ignore */
	if (!config_find(key)) {
		snprintf(err, errlen, "%s: unknown setting (see jobboard-http --help)", key);
		return -1;
	}
	if (ctx->getenv_fn(key))
		return 0;               /* the environment wins; validated there */
	rc = config_set(ctx->c, key, value, err, errlen);
	return rc == CONFIG_OK ? 0 : -1;
}

int
config_load(struct config *c, int cores, const char *dotenv_path,
            char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	struct config_load_ctx ctx;
	char why[512];

	if (!getenv_fn)
		getenv_fn = getenv;
	config_defaults(c, cores);
	ctx.c = c;
	ctx.getenv_fn = getenv_fn;

	if (dotenv_path) {
		FILE *f = fopen(dotenv_path, "rb");
		if (f) {
			struct buf text;
			char chunk[4096];
			size_t n;
			int rc;

			buf_init(&text, 1024 * 1024);
			while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
				buf_add(&text, chunk, n);
			if (ferror(f) || text.err) {
				fclose(f);
				buf_free(&text);
				snprintf(err, errlen, "%s: cannot read (or larger than 1 MiB)",
				         dotenv_path);
				return -1;
			}
			fclose(f);
			rc = config_parse_dotenv(text.p ? text.p : "", text.len,
			                         config_dotenv_apply, &ctx, why, sizeof why);
			buf_free(&text);
			if (rc) {
				snprintf(err, errlen, "%s %s", dotenv_path, why);
				return -1;
			}
		} else if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", dotenv_path, strerror(errno));
			return -1;
		}
	}

	for (size_t i = 0; i < N_CONFIG_VARS; i++) {
		const char *v = getenv_fn(config_vars[i].name);
		if (!v)
			continue;
		if (config_set(c, config_vars[i].name, v, why, sizeof why) != CONFIG_OK) {
			snprintf(err, errlen, "environment: %s", why);
			return -1;
		}
	}
	return 0;
}

void
config_print_help(FILE *f, int cores)
{
	fprintf(f,
	        "usage: jobboard-http [--help]\n"
	        "\n"
	        "The jobboard HTTP server. Configured by environment variables; a .env\n"
	        "file in the working directory is read too (the environment wins).\n"
	        "\n");
	for (size_t i = 0; i < N_CONFIG_VARS; i++) {
		const struct config_var *v = &config_vars[i];
		char d[64];

		if (!strcmp(v->name, "JOBBOARD_POOL_SIZE"))
			snprintf(d, sizeof d, "2 x cores = %d", 2 * (cores < 1 ? 1 : cores));
		else if (!strcmp(v->name, "JOBBOARD_THREADS"))
			snprintf(d, sizeof d, "cores = %d", cores < 1 ? 1 : cores);
		else
			snprintf(d, sizeof d, "%s", v->deflt);
		fprintf(f, "  %-26s default: %s\n  %-26s %s\n", v->name, d, "", v->help);
	}
	fprintf(f,
	        "\nSIGTERM or SIGINT: stop accepting, finish requests in flight (up to 10 s),\n"
	        "exit 0 (1 if requests had to be cut). Exit status 2: bad configuration.\n");
}

bool
config_cors_allowed(const struct config *c, const char *origin)
{
	if (!origin)
		return false;
	for (size_t i = 0; i < c->n_cors; i++)
		if (strcmp(c->cors_origins[i], origin) == 0)
			return true;
	return false;
}
