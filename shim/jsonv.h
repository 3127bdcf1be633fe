/*
 * jsonv.h — strict JSON (RFC 8259) validation of request bodies.
 *
 * Owns deciding whether a body is acceptable JSON before anything else looks
 * at it: well-formed grammar, valid UTF-8 (no overlongs, no encoded
 * surrogates), no lone surrogate escapes, no raw control characters, no
 * \u0000 (PostgreSQL's jsonb cannot hold it), bounded nesting. A leading
 * UTF-8 BOM is skipped. The top level must be an object; its members are
 * returned as (decoded key, raw value text) so args can be assembled without
 * re-serialising values (json-c's tokener, even in strict mode, accepts
 * single quotes, NaN and raw tabs, and clamps big integers — so the shim
 * validates itself and passes the client's exact number text to PostgreSQL).
 */
#ifndef SHIM_JSONV_H
#define SHIM_JSONV_H

#include <stdbool.h>
#include <stddef.h>

#define JSONV_MAX_DEPTH 128
#define JSONV_MAX_MEMBERS 1024

struct jsonv_member {
	char *key;              /* decoded UTF-8, NUL-terminated, malloc'd */
	size_t key_len;
	const char *val;        /* raw JSON text of the value, points into the input */
	size_t val_len;
};

struct jsonv_object {
	struct jsonv_member *m;
	size_t n;
	size_t cap;
};

/* 0 if s[0..n) is valid UTF-8 (and no NUL when forbid_nul), else -1 */
int jsonv_utf8_check(const char *s, size_t n, bool forbid_nul);
/* Validate any JSON value text; 0 or -1 with a short reason in err. */
int jsonv_validate(const char *text, size_t len, char *err, size_t errlen);
/* Validate and split a top-level object; 0 or -1 with a reason in err. */
int jsonv_parse_object(const char *text, size_t len, struct jsonv_object *out,
                       char *err, size_t errlen);
void jsonv_object_free(struct jsonv_object *o);
/*
 * Every number in this API's bodies is an integer (API.md §1.0: no fraction
 * or exponent; jsonb would turn 1e5 into 100000 before the database could
 * tell). Looks through a value already validated (a member's `val`) for a
 * number written with '.', 'e' or 'E'. Returns 1 and its path in `path`
 * (`name`, `name[2]`, `name.key`; cut to pathlen) when there is one, else 0.
 */
int jsonv_find_nonint(const char *val, size_t len, const char *name, char *path,
                      size_t pathlen);

#endif
