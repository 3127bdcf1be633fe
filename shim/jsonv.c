/*
 * jsonv.c — strict JSON validation and top-level member split (see jsonv.h).
 *
 * A small recursive-descent checker over the raw bytes. It never builds a
 * tree: values are only checked, and for the top-level object the members'
 * keys are decoded and their value spans recorded.
 */
#include "jsonv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct jv {
	const char *p;
	const char *end;
	const char *err;
	size_t err_at;
	const char *start;
};

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
jsonv_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (n < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;   /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0;   /* UTF-16 surrogate encoded in UTF-8 */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;   /* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;   /* above U+10FFFF */
		return 4;
	}
	return 0;
}

int
jsonv_utf8_check(const char *s, size_t n, bool forbid_nul)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0;

	while (i < n) {
		size_t k;
		if (p[i] < 0x80) {
			if (forbid_nul && p[i] == 0)
				return -1;
			i++;
			continue;
		}
		k = jsonv_utf8_seq(p + i, n - i);
		if (!k)
			return -1;
		i += k;
	}
	return 0;
}

static int
jv_fail(struct jv *j, const char *why)
{
	if (!j->err) {
		j->err = why;
		j->err_at = (size_t) (j->p - j->start);
	}
	return -1;
}

static void
jv_ws(struct jv *j)
{
	while (j->p < j->end &&
	       (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jv_hex4(struct jv *j, unsigned *out)
{
	unsigned v = 0;

	if (j->end - j->p < 4)
		return jv_fail(j, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = j->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned) (c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned) (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned) (c - 'A' + 10);
		else return jv_fail(j, "bad \\u escape");
	}
	j->p += 4;
	*out = v;
	return 0;
}

static void
jv_put_utf8(struct buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char) cp;
		buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char) (0xC0 | (cp >> 6));
		u[1] = (char) (0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char) (0xE0 | (cp >> 12));
		u[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char) (0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	} else {
		u[0] = (char) (0xF0 | (cp >> 18));
		u[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char) (0x80 | (cp & 0x3F));
		buf_add(b, u, 4);
	}
}

/* At the opening quote. Decodes into out when out != NULL. */
static int
jv_string(struct jv *j, struct buf *out)
{
	j->p++; /* " */
	for (;;) {
		const unsigned char *u;
		size_t k;

		if (j->p >= j->end)
			return jv_fail(j, "unterminated string");
		u = (const unsigned char *) j->p;
		if (*u == '"') {
			j->p++;
			return 0;
		}
		if (*u < 0x20)
			return jv_fail(j, "control character in string");
		if (*u == '\\') {
			unsigned cp, lo;
			char c;

			if (j->end - j->p < 2)
				return jv_fail(j, "unterminated string");
			c = j->p[1];
			j->p += 2;
			switch (c) {
			case '"': case '\\': case '/':
				if (out) buf_addc(out, c);
				continue;
			case 'b': if (out) buf_addc(out, '\b'); continue;
			case 'f': if (out) buf_addc(out, '\f'); continue;
			case 'n': if (out) buf_addc(out, '\n'); continue;
			case 'r': if (out) buf_addc(out, '\r'); continue;
			case 't': if (out) buf_addc(out, '\t'); continue;
			case 'u':
				break;
			default:
				j->p -= 2;
				return jv_fail(j, "bad escape in string");
			}
			if (jv_hex4(j, &cp))
				return -1;
			if (cp == 0)
				return jv_fail(j, "\\u0000 is not allowed");
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return jv_fail(j, "lone surrogate escape");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					return jv_fail(j, "lone surrogate escape");
				j->p += 2;
				if (jv_hex4(j, &lo))
					return -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return jv_fail(j, "lone surrogate escape");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (out)
				jv_put_utf8(out, cp);
			continue;
		}
		k = jsonv_utf8_seq(u, (size_t) (j->end - j->p));
		if (!k)
			return jv_fail(j, "invalid UTF-8");
		if (out)
			buf_add(out, j->p, k);
		j->p += k;
	}
}

static int
jv_digits(struct jv *j)
{
	const char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : jv_fail(j, "bad number");
}

static int
jv_number(struct jv *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return jv_fail(j, "bad number");
	if (*j->p == '0') {
		j->p++;
		if (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			return jv_fail(j, "leading zero in number");
	} else if (jv_digits(j))
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (jv_digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (jv_digits(j))
			return -1;
	}
	return 0;
}

static int
jv_literal(struct jv *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t) (j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return jv_fail(j, "unexpected character");
	j->p += n;
	return 0;
}

static int jv_value(struct jv *j, int depth, struct jsonv_object *top);

static int
jv_object(struct jv *j, int depth, struct jsonv_object *top)
{
	struct buf key;

	j->p++; /* { */
	jv_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	buf_init(&key, 1024 * 1024);
	for (;;) {
		const char *vstart;

		jv_ws(j);
		if (j->p >= j->end || *j->p != '"') {
			buf_free(&key);
			return jv_fail(j, "expected a string key");
		}
		buf_reset(&key);
		if (jv_string(j, top ? &key : NULL)) {
			buf_free(&key);
			return -1;
		}
		jv_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			buf_free(&key);
			return jv_fail(j, "expected ':'");
		}
		j->p++;
		jv_ws(j);
		vstart = j->p;
		if (jv_value(j, depth + 1, NULL)) {
			buf_free(&key);
			return -1;
		}
		if (top) {
			struct jsonv_member *m;
			if (key.err) {
				buf_free(&key);
				return jv_fail(j, "key too long");
			}
			if (top->n == JSONV_MAX_MEMBERS) {
				buf_free(&key);
				return jv_fail(j, "too many members");
			}
			for (size_t i = 0; i < top->n; i++)
				if (top->m[i].key_len == key.len &&
				    memcmp(top->m[i].key, key.p ? key.p : "", key.len) == 0) {
					buf_free(&key);
					return jv_fail(j, "duplicate key");
				}
			if (top->n == top->cap) {
				size_t nc = top->cap ? top->cap * 2 : 8;
				struct jsonv_member *nm = realloc(top->m, nc * sizeof *nm);
				if (!nm) {
					buf_free(&key);
					return jv_fail(j, "out of memory");
				}
				top->m = nm;
				top->cap = nc;
			}
			m = &top->m[top->n];
			m->key_len = key.len;
			m->key = buf_steal(&key, NULL);
			if (!m->key)
				return jv_fail(j, "out of memory");
			m->val = vstart;
			m->val_len = (size_t) (j->p - vstart);
			top->n++;
		}
		jv_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			buf_free(&key);
			return 0;
		}
		buf_free(&key);
		return jv_fail(j, "expected ',' or '}'");
	}
}

static int
jv_array(struct jv *j, int depth)
{
	j->p++; /* [ */
	jv_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		jv_ws(j);
		if (jv_value(j, depth + 1, NULL))
			return -1;
		jv_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return jv_fail(j, "expected ',' or ']'");
	}
}

static int
jv_value(struct jv *j, int depth, struct jsonv_object *top)
{
	if (depth > JSONV_MAX_DEPTH)
		return jv_fail(j, "nested too deeply");
	if (j->p >= j->end)
		return jv_fail(j, "unexpected end of input");
	switch (*j->p) {
	case '{': return jv_object(j, depth, top);
	case '[': return jv_array(j, depth);
	case '"': return jv_string(j, NULL);
	case 't': return jv_literal(j, "true");
	case 'f': return jv_literal(j, "false");
	case 'n': return jv_literal(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jv_number(j);
		return jv_fail(j, "unexpected character");
	}
}

static int
jv_run(const char *text, size_t len, struct jsonv_object *top, char *err,
       size_t errlen)
{
	struct jv j;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	j.p = j.start = text;
	j.end = text + len;
	j.err = NULL;
	j.err_at = 0;
	jv_ws(&j);
	if (top && (j.p >= j.end || *j.p != '{')) {
		if (j.p >= j.end)
			snprintf(err, errlen, "the body is empty");
		else if (jv_value(&j, 0, NULL) == 0)
			snprintf(err, errlen, "the body must be a JSON object");
		else
			snprintf(err, errlen, "malformed JSON: %s at byte %zu", j.err, j.err_at);
		return -1;
	}
	if (jv_value(&j, 0, top) == 0) {
		jv_ws(&j);
		if (j.p != j.end)
			jv_fail(&j, "unexpected data after the JSON value");
	}
	if (j.err) {
		snprintf(err, errlen, "malformed JSON: %s at byte %zu", j.err, j.err_at);
		return -1;
	}
	return 0;
}

/* ---- integers only --------------------------------------------------- */

/*
 * Walks a value already accepted by jv_value (so no error checks beyond the
 * bounds), keeping the path of the value in hand in `path` ("tags[2]",
 * "a.b"), and stops at the first number written with a fraction or an
 * exponent. Returns 1 when one was found (path names it), else 0.
 */
static int
jn_value(struct jv *j, struct buf *path, int depth)
{
	size_t mark = path->len;

	if (depth > JSONV_MAX_DEPTH || j->p >= j->end)
		return 0;
	switch (*j->p) {
	case '{':
		j->p++;
		for (;;) {
			jv_ws(j);
			if (j->p >= j->end || *j->p == '}') {
				j->p++;
				return 0;
			}
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			buf_addc(path, '.');
			if (jv_string(j, path))
				return 0;
			jv_ws(j);
			if (j->p < j->end && *j->p == ':')
				j->p++;
			jv_ws(j);
			if (jn_value(j, path, depth + 1))
				return 1;
			path->len = mark;
			if (path->p)
				path->p[mark] = '\0';
		}
	case '[':
		j->p++;
		for (size_t i = 0;; ) {
			jv_ws(j);
			if (j->p >= j->end || *j->p == ']') {
				j->p++;
				return 0;
			}
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			buf_addf(path, "[%zu]", i++);
			if (jn_value(j, path, depth + 1))
				return 1;
			path->len = mark;
			if (path->p)
				path->p[mark] = '\0';
		}
	case '"':
		jv_string(j, NULL);
		return 0;
	case 't': j->p += 4; return 0;
	case 'f': j->p += 5; return 0;
	case 'n': j->p += 4; return 0;
	default:
		while (j->p < j->end && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')))
			j->p++;
		return j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E');
	}
}

int
jsonv_find_nonint(const char *val, size_t len, const char *name, char *path,
                  size_t pathlen)
{
	struct jv j;
	struct buf b;
	int found;

	if (!memchr(val, '.', len) && !memchr(val, 'e', len) && !memchr(val, 'E', len))
		return 0;   /* the common case: nothing to look at */
	j.p = j.start = val;
	j.end = val + len;
	j.err = NULL;
	j.err_at = 0;
	buf_init(&b, 64 * 1024);
	buf_adds(&b, name);
	jv_ws(&j);
	found = jn_value(&j, &b, 0);
	if (found && pathlen) {
		const char *p = b.p ? b.p : name;
		size_t n = strlen(p);
		if (n >= pathlen) {
			/* cut on a UTF-8 boundary */
			n = pathlen - 1;
			while (n && ((unsigned char) p[n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(path, p, n);
		path[n] = '\0';
	}
	buf_free(&b);
	return found;
}

int
jsonv_validate(const char *text, size_t len, char *err, size_t errlen)
{
	return jv_run(text, len, NULL, err, errlen);
}

int
jsonv_parse_object(const char *text, size_t len, struct jsonv_object *out,
                   char *err, size_t errlen)
{
	out->m = NULL;
	out->n = out->cap = 0;
	if (jv_run(text, len, out, err, errlen)) {
		jsonv_object_free(out);
		return -1;
	}
	return 0;
}

void
jsonv_object_free(struct jsonv_object *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->m[i].key);
	free(o->m);
	o->m = NULL;
	o->n = o->cap = 0;
}
