/*
 * call.h — calling a route function and mapping its outcome.
 *
 * Owns the database side of a request: pick the pool (replica for read-only
 * routes when configured), check out a connection, make sure the route
 * statements are prepared on it, run `SELECT jobboard.<fn>($1, $2)`, and turn
 * the result or the SQLSTATE into status, headers and body
 * (docs/INTERFACE.md "Calls" and "Errors"): Location, ETag/304, Link
 * rel=next, Set-Cookie, WWW-Authenticate, Retry-After, problem+json.
 * Uploads pass the file's bytes as a binary $3; downloads read the result
 * in binary and send the bytes straight out of the PGresult (no copy), with
 * the file's type, ETag and Content-Disposition (download.h).
 */
#ifndef SHIM_CALL_H
#define SHIM_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"
#include "resp.h"
#include "route.h"

struct call_pools {
	struct pool *primary;
	struct pool *replica;   /* NULL: none */
};

struct call_in {
	const struct route *route;
	const struct route_table *table;
	const char *method;
	const char *token;          /* NULL: anonymous */
	const char *args;           /* JSON text */
	const char *request_id;
	const char *raw_path;       /* as requested, for Link */
	const char *raw_query;      /* may be NULL */
	size_t raw_query_len;
	const char *if_none_match;  /* header or NULL */
	const unsigned char *data;  /* upload: the file's bytes ($3), NULL: none */
	size_t data_len;
	/* Not NULL: a JSON array of fields the shim found invalid (numbers that
	 * are no integers). The call then runs in a transaction that is rolled
	 * back, only to learn what comes first (API.md §1.0): a 400/401/403/404
	 * (or 429/503) of the database is answered as is; otherwise a 422 names
	 * these fields and any the database found invalid. */
	const char *shim_errors;
};

/* Run the call and fill out (status, body, headers). */
void call_route(const struct call_pools *pools, const struct call_in *in,
                struct resp *out);
/* GET /ready: database reachable and extension at `want_version`. */
void call_ready(const struct call_pools *pools, const char *want_version,
                const char *request_id, struct resp *out);

/* GET /openapi.json and /docs: the text of `SELECT <sql>` (a function of
 * the extension that renders it) with an ETag, 304 on If-None-Match. */
void call_document(const struct call_pools *pools, const char *sql,
                   const char *content_type, const char *if_none_match,
                   const char *request_id, struct resp *out);

/* Pure helpers (unit-tested). */
/* Location from a template like /users/{id} or /x/{user.id}; NULL if a
 * member is missing. `body` is the JSON text of the response. */
char *call_location(const char *tmpl, const char *body);
/* path?query with cursor (and page) replaced by `cursor` (n bytes), for
 * Link. */
char *call_next_link(const char *path, const char *query, size_t qlen,
                     const char *cursor, size_t n);
/* The string next_cursor of a list page, found from the end of the text
 * without parsing it (docs/INTERFACE.md "Lists"): a pointer into text and
 * its length in *n, or NULL when it is null, when the text does not end
 * with it (not a list), or when it holds a character no cursor has
 * (quote, backslash, control). */
const char *call_next_cursor(const char *text, size_t len, size_t *n);
/* The database's 422 errors array (may be NULL or not an array) and the
 * shim's, as one array: the database's entry wins for a field both name
 * (its message knows the field's type).
 * *n gets the number of entries. malloc'd, NULL when out of memory. */
char *call_merge_errors(const char *db_errors, const char *shim_errors, size_t *n);

#endif
