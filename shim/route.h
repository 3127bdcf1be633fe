/*
 * route.h — the route table and path matching.
 *
 * Owns the routes the extension describes (`SELECT jobboard.api_routes()`,
 * docs/INTERFACE.md): parsing them, matching a request's method and raw path
 * to one, and extracting path parameters. A table is immutable once built and
 * reference-counted, so a reload (NOTIFY jobboard_routes, later) can swap in a
 * new one while requests finish on the old. Also owns preparing one statement
 * per route function on a libpq connection.
 */
#ifndef SHIM_ROUTE_H
#define SHIM_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#define ROUTE_MAX_SEGS 16
#define ROUTE_MAX_PARAMS 8
#define ROUTE_MAX_PATH 2048

enum route_body { ROUTE_BODY_NONE, ROUTE_BODY_JSON, ROUTE_BODY_MULTIPART };

/* How the function is called and answered (docs/INTERFACE.md "Calls"):
 * json: fn(token, args) → jsonb body; upload: fn(token, args, bytea) → jsonb;
 * download: SELECT file, data FROM fn(token, args) → the bytes; stream:
 * fn(token, args) → jsonb that opens a Server-Sent Events stream. */
enum route_kind { ROUTE_KIND_JSON, ROUTE_KIND_UPLOAD, ROUTE_KIND_DOWNLOAD,
                  ROUTE_KIND_STREAM };

struct route_seg {
	char *text;             /* literal text, or the parameter name */
	bool param;
	bool numeric;           /* `id` or `*_id`: positive integer */
};

struct route {
	char method[8];
	char *path;             /* the template, e.g. /users/{id} */
	char *function;
	int status;
	char *auth;
	bool read_only;
	bool cacheable;
	enum route_body body;
	enum route_kind kind;
	char *location;         /* NULL or template with {a.b} */
	char *cookie;           /* NULL or args key fed by the jobboard_refresh cookie */
	/* compiled */
	struct route_seg segs[ROUTE_MAX_SEGS];
	int nseg;
	int nliteral;           /* specificity: literal segments win over params */
	bool single;            /* path ends in a {param}: a single resource */
	bool is_auth;           /* under /auth/ (stricter rate limit) */
};

struct route_table {
	unsigned gen;           /* generation: statements prepared for this table */
	size_t n;
	struct route *r;
	int refs;               /* protected by the table lock in route.c */
};

struct route_param {
	const char *name;       /* points into the route */
	char *value;            /* decoded; digits for numeric params */
	bool numeric;
};

struct route_match {
	const struct route *route;
	size_t nparams;
	struct route_param params[ROUTE_MAX_PARAMS];
	char allow[96];         /* for 405: "GET, HEAD, PATCH" */
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Build a table from the api_routes() JSON text. Bad entries are skipped with
 * a warning (logged); an unusable document is an error. */
int route_table_parse(const char *json, struct route_table **out, char *err,
                      size_t errlen);
void route_table_free(struct route_table *t);

/* Match method + raw path (still percent-encoded, no query). HEAD matches GET. */
enum route_result route_match(const struct route_table *t, const char *method,
                              const char *path, size_t pathlen,
                              struct route_match *m);
void route_match_clear(struct route_match *m);

/* Split a raw path into decoded segments; -1 if it can match no route
 * (dot segments, encoded slash, NUL, bad escape, invalid UTF-8, empty segment). */
int route_split_path(const char *path, size_t len, char segs[][256], int maxsegs);

/* The current table, with a reference (NULL when none is loaded). */
struct route_table *route_current(void);
void route_put(struct route_table *t);
/* Replace the current table (takes ownership); assigns the generation. */
void route_install(struct route_table *t);
/* Generation of the current table, 0 when none is loaded. */
unsigned route_current_gen(void);
/* Drop the installed table (at exit). */
void route_uninstall(void);
/* Load the table from the database through conn and install it. */
int route_load(PGconn *conn, char *err, size_t errlen);
/* Prepare one statement named <fn> for every function of t on conn, by
 * kind: `SELECT jobboard.<fn>($1::text,$2::jsonb)` (json, stream),
 * `SELECT jobboard.<fn>($1::text,$2::jsonb,$3::bytea)` (upload),
 * `SELECT file, data FROM jobboard.<fn>($1::text,$2::jsonb)` (download).
 * -1 only if the connection failed. */
int route_prepare(PGconn *conn, const struct route_table *t, char *err,
                  size_t errlen);

#endif
