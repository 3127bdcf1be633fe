/*
 * args.h — assembling a route function's `args` object.
 *
 * Owns the one JSON object a route function receives (docs/INTERFACE.md
 * "Calls"): path parameters (ids as JSON numbers, others as strings), query
 * parameters (JSON strings; a repeated one an array of strings), the body's
 * members (their exact JSON text), and header keys (`_if_match`,
 * `_idempotency_key`) plus the refresh cookie. Rules enforced here: a key that
 * arrives from two places is a 400; a query or body key starting with `_` is
 * not passed on and is reported as a 422 field ("unknown field").
 */
#ifndef SHIM_ARGS_H
#define SHIM_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "jsonv.h"
#include "route.h"

#define ARGS_MAX_QUERY 256
#define ARGS_MAX_BAD 16

enum args_src { ARGS_PATH, ARGS_QUERY, ARGS_BODY, ARGS_HEADER };

struct args_entry {
	char *key;
	size_t key_len;
	char *val;              /* JSON text */
	size_t val_len;
	enum args_src src;
};

struct args {
	struct args_entry *e;
	size_t n;
	size_t cap;
};

/* What went wrong: status 400 with detail, and/or `_`-keys for a 422. */
struct args_error {
	int status;             /* 0 or 400 */
	char detail[200];
	size_t nbad;
	char bad[ARGS_MAX_BAD][64];
};

void args_init(struct args *a);
void args_free(struct args *a);
void args_error_init(struct args_error *e);
const struct args_entry *args_find(const struct args *a, const char *key,
                                   size_t key_len);

/* Percent-decode (and '+' to space when plus_space); -1 on a bad escape,
 * invalid UTF-8 or NUL. Appends to out. */
int args_pct_decode(const char *in, size_t n, bool plus_space, struct buf *out);

/* Each add returns 0, or -1 with err filled (status 400); `_` keys are
 * collected in err->bad and do not fail the call. */
int args_add_path(struct args *a, const struct route_match *m,
                  struct args_error *err);
/* take_key (may be NULL): that parameter is removed and its last value
 * returned in *taken (malloc'd) — used for ?access_token= on /events. */
int args_add_query(struct args *a, const char *qs, size_t len,
                   const char *take_key, char **taken, struct args_error *err);
int args_add_body(struct args *a, const struct jsonv_object *body,
                  struct args_error *err);
/* One body member: key (UTF-8) and its JSON value text, under the body's
 * rules (a `_` key is collected in err->bad, a repeated key is a 400). */
int args_add_field(struct args *a, const char *key, size_t key_len,
                   const char *json_val, size_t val_len, struct args_error *err);
/* A header-derived key: `val` is a plain string, stored as a JSON string. */
int args_add_string(struct args *a, const char *key, const char *val,
                    size_t vlen, enum args_src src, struct args_error *err);

/* The args object as JSON text (malloc'd). */
char *args_to_json(const struct args *a, size_t *len);

#endif
