/*
 * args.c — building the args object (see args.h).
 */
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
args_init(struct args *a)
{
	a->e = NULL;
	a->n = a->cap = 0;
}

void
args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->e[i].key);
		free(a->e[i].val);
	}
	free(a->e);
	args_init(a);
}

void
args_error_init(struct args_error *e)
{
	memset(e, 0, sizeof *e);
}

const struct args_entry *
args_find(const struct args *a, const char *key, size_t key_len)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->e[i].key_len == key_len && memcmp(a->e[i].key, key, key_len) == 0)
			return &a->e[i];
	return NULL;
}

static const char *
args_src_name(enum args_src s)
{
	switch (s) {
	case ARGS_PATH: return "the path";
	case ARGS_QUERY: return "the query string";
	case ARGS_BODY: return "the body";
	case ARGS_HEADER: return "a header";
	}
	return "?";
}

static int args_fail(struct args_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
args_fail(struct args_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err->status) {
		err->status = 400;
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof err->detail, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void
args_note_bad(struct args_error *err, const char *key, size_t n)
{
	for (size_t i = 0; i < err->nbad; i++)
		if (strlen(err->bad[i]) == (n < 63 ? n : 63) &&
		    strncmp(err->bad[i], key, n < 63 ? n : 63) == 0)
			return;
	if (err->nbad < ARGS_MAX_BAD) {
		size_t c = n < 63 ? n : 63;
		/* do not cut a UTF-8 sequence in half */
		while (c > 0 && c < n && ((unsigned char) key[c] & 0xC0) == 0x80)
			c--;
		memcpy(err->bad[err->nbad], key, c);
		err->bad[err->nbad][c] = '\0';
		err->nbad++;
	}
}

/* Take ownership of key and val. */
static int
args_push(struct args *a, char *key, size_t key_len, char *val, size_t val_len,
          enum args_src src, struct args_error *err)
{
	const struct args_entry *dup = args_find(a, key, key_len);

	if (dup) {
		char k[80];
		snprintf(k, sizeof k, "%.*s", (int) (key_len > 60 ? 60 : key_len), key);
		args_fail(err, "parameter '%s' is given more than once (also in %s)", k,
		          args_src_name(dup->src));
		free(key);
		free(val);
		return -1;
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		struct args_entry *ne = realloc(a->e, nc * sizeof *ne);
		if (!ne) {
			free(key);
			free(val);
			return args_fail(err, "out of memory");
		}
		a->e = ne;
		a->cap = nc;
	}
	a->e[a->n].key = key;
	a->e[a->n].key_len = key_len;
	a->e[a->n].val = val;
	a->e[a->n].val_len = val_len;
	a->e[a->n].src = src;
	a->n++;
	return 0;
}

static int
args_hex(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int
args_pct_decode(const char *in, size_t n, bool plus_space, struct buf *out)
{
	size_t start = out->len;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n)
				return -1;
			h = args_hex(in[i + 1]);
			l = args_hex(in[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char) (h * 16 + l);
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		buf_addc(out, c);
	}
	if (out->err)
		return -1;
	return jsonv_utf8_check(out->p ? out->p + start : "", out->len - start, true);
}

int
args_add_path(struct args *a, const struct route_match *m, struct args_error *err)
{
	for (size_t i = 0; i < m->nparams; i++) {
		const struct route_param *p = &m->params[i];
		struct buf v;
		char *key = strdup(p->name);

		buf_init(&v, 1024);
		if (p->numeric)
			buf_adds(&v, p->value);
		else
			buf_add_json_str(&v, p->value, strlen(p->value));
		if (!key || v.err) {
			free(key);
			buf_free(&v);
			return args_fail(err, "out of memory");
		}
		{
			size_t vl;
			char *val = buf_steal(&v, &vl);
			if (args_push(a, key, strlen(key), val, vl, ARGS_PATH, err))
				return -1;
		}
	}
	return 0;
}

struct args_qpair {
	char *key;
	size_t key_len;
	char *val;
	size_t val_len;
	bool used;
};

static void
args_qpairs_free(struct args_qpair *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].key);
		free(q[i].val);
	}
	free(q);
}

int
args_add_query(struct args *a, const char *qs, size_t len, const char *take_key,
               char **taken, struct args_error *err)
{
	struct args_qpair *q = NULL;
	size_t nq = 0, i = 0;
	int rc = 0;

	if (taken)
		*taken = NULL;
	if (!qs || len == 0)
		return 0;
	q = calloc(ARGS_MAX_QUERY, sizeof *q);
	if (!q)
		return args_fail(err, "out of memory");
	while (i <= len) {
		const char *s = qs + i, *amp = memchr(s, '&', len - i);
		const char *e = amp ? amp : qs + len;
		const char *eq = memchr(s, '=', (size_t) (e - s));
		const char *ke = eq ? eq : e;
		struct buf k, v;

		i = (size_t) (e - qs) + 1;
		if (e == s)
			continue;           /* empty pair: a&&b */
		if (ke == s) {
			rc = args_fail(err, "a query parameter has no name");
			break;
		}
		if (nq == ARGS_MAX_QUERY) {
			rc = args_fail(err, "too many query parameters");
			break;
		}
		buf_init(&k, 1024);
		buf_init(&v, 64 * 1024);
		if (args_pct_decode(s, (size_t) (ke - s), true, &k) ||
		    (eq && args_pct_decode(eq + 1, (size_t) (e - eq - 1), true, &v))) {
			buf_free(&k);
			buf_free(&v);
			rc = args_fail(err, "a query parameter is not valid percent-encoded UTF-8");
			break;
		}
		q[nq].key = buf_steal(&k, &q[nq].key_len);
		q[nq].val = buf_steal(&v, &q[nq].val_len);
		if (!q[nq].key || !q[nq].val) {
			nq++;
			rc = args_fail(err, "out of memory");
			break;
		}
		nq++;
	}
	/* group repeated keys (first occurrence keeps its place) */
	for (size_t x = 0; rc == 0 && x < nq; x++) {
		struct buf v;
		size_t count = 0, vl;
		char *key, *val;

		if (q[x].used)
			continue;
		if (take_key && strcmp(q[x].key, take_key) == 0) {
			for (size_t y = x; y < nq; y++)
				if (!q[y].used && strcmp(q[y].key, q[x].key) == 0) {
					q[y].used = true;
					free(*taken);
					*taken = strdup(q[y].val);
				}
			continue;
		}
		if (q[x].key[0] == '_') {
			args_note_bad(err, q[x].key, q[x].key_len);
			for (size_t y = x; y < nq; y++)
				if (strcmp(q[y].key, q[x].key) == 0)
					q[y].used = true;
			continue;
		}
		for (size_t y = x; y < nq; y++)
			if (!q[y].used && strcmp(q[y].key, q[x].key) == 0)
				count++;
		buf_init(&v, 1024 * 1024);
		if (count > 1)
			buf_addc(&v, '[');
		count = 0;
		for (size_t y = x; y < nq; y++)
			if (!q[y].used && strcmp(q[y].key, q[x].key) == 0) {
				if (count++)
					buf_addc(&v, ',');
				buf_add_json_str(&v, q[y].val, q[y].val_len);
				if (y != x)
					q[y].used = true;
			}
		if (count > 1)
			buf_addc(&v, ']');
		q[x].used = true;
		if (v.err) {
			buf_free(&v);
			rc = args_fail(err, "query string too long");
			break;
		}
		key = q[x].key;
		q[x].key = NULL;
		val = buf_steal(&v, &vl);
		if (args_push(a, key, q[x].key_len, val, vl, ARGS_QUERY, err))
			rc = -1;
	}
	args_qpairs_free(q, nq);
	return rc;
}

int
args_add_field(struct args *a, const char *k, size_t key_len, const char *v,
               size_t val_len, struct args_error *err)
{
	char *key, *val;

	if (key_len > 0 && k[0] == '_') {
		args_note_bad(err, k, key_len);
		return 0;
	}
	key = malloc(key_len + 1);
	val = malloc(val_len + 1);
	if (!key || !val) {
		free(key);
		free(val);
		return args_fail(err, "out of memory");
	}
	memcpy(key, k, key_len);
	key[key_len] = '\0';
	memcpy(val, v, val_len);
	val[val_len] = '\0';
	return args_push(a, key, key_len, val, val_len, ARGS_BODY, err);
}

int
args_add_body(struct args *a, const struct jsonv_object *body,
              struct args_error *err)
{
	for (size_t i = 0; i < body->n; i++) {
		const struct jsonv_member *m = &body->m[i];

		if (args_add_field(a, m->key, m->key_len, m->val, m->val_len, err))
			return -1;
	}
	return 0;
}

int
args_add_string(struct args *a, const char *key, const char *val, size_t vlen,
                enum args_src src, struct args_error *err)
{
	struct buf v;
	char *k = strdup(key), *jv;
	size_t jl;

	buf_init(&v, 64 * 1024);
	buf_add_json_str(&v, val, vlen);
	if (!k || v.err) {
		free(k);
		buf_free(&v);
		return args_fail(err, "value of %s too long", key);
	}
	jv = buf_steal(&v, &jl);
	return args_push(a, k, strlen(k), jv, jl, src, err);
}

char *
args_to_json(const struct args *a, size_t *len)
{
	struct buf b;

	buf_init(&b, (size_t) 64 * 1024 * 1024);
	buf_addc(&b, '{');
	for (size_t i = 0; i < a->n; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_add_json_str(&b, a->e[i].key, a->e[i].key_len);
		buf_addc(&b, ':');
		buf_add(&b, a->e[i].val, a->e[i].val_len);
	}
	buf_addc(&b, '}');
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len);
}
