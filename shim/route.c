/*
 * route.c — route table, path matching, statement preparation (see route.h).
 *
 * Matching works on the raw path: each segment is percent-decoded on its own,
 * so an encoded slash is seen as such and refused, as are `.`/`..` segments
 * (also when encoded), empty segments (`//`, trailing `/`), NUL bytes and
 * invalid UTF-8: such a path matches nothing (404). Among the templates that
 * match, more literal segments win (`/jobs/new` over `/jobs/{id}`).
 */
#include "route.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "jsonv.h"
#include "log.h"

static pthread_mutex_t route_lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_table *route_cur;
static unsigned route_gen;

static bool
route_ident_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !(islower((unsigned char) s[0]) || s[0] == '_'))
		return false;
	for (; s[n]; n++)
		if (!(islower((unsigned char) s[n]) || isdigit((unsigned char) s[n]) ||
		      s[n] == '_'))
			return false;
	return n <= max;
}

static bool
route_is_numeric_param(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "id") == 0 || (n > 3 && strcmp(name + n - 3, "_id") == 0);
}

static void
route_free_one(struct route *r)
{
	free(r->path);
	free(r->function);
	free(r->auth);
	free(r->location);
	free(r->cookie);
	for (int i = 0; i < r->nseg; i++)
		free(r->segs[i].text);
}

void
route_table_free(struct route_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		route_free_one(&t->r[i]);
	free(t->r);
	free(t);
}

/* Compile a template into segments; -1 if it is not a template we accept. */
static int
route_compile(struct route *r, char *why, size_t whylen)
{
	const char *p = r->path;

	if (p[0] != '/' || strlen(p) > 512) {
		snprintf(why, whylen, "path must start with '/'");
		return -1;
	}
	if (strcmp(p, "/") == 0)
		return 0;
	while (*p == '/') {
		const char *s = ++p, *e;
		struct route_seg *seg;

		while (*p && *p != '/')
			p++;
		e = p;
		if (e == s) {
			snprintf(why, whylen, "empty path segment");
			return -1;
		}
		if (r->nseg == ROUTE_MAX_SEGS) {
			snprintf(why, whylen, "too many path segments");
			return -1;
		}
		seg = &r->segs[r->nseg];
		if (*s == '{') {
			if (e[-1] != '}' || e - s < 3) {
				snprintf(why, whylen, "bad parameter segment");
				return -1;
			}
			seg->text = strndup(s + 1, (size_t) (e - s - 2));
			seg->param = true;
			if (!seg->text || !route_ident_ok(seg->text, 63)) {
				free(seg->text);
				snprintf(why, whylen, "bad parameter name");
				return -1;
			}
			seg->numeric = route_is_numeric_param(seg->text);
		} else {
			for (const char *q = s; q < e; q++)
				if (!(isalnum((unsigned char) *q) || strchr("-._~", *q))) {
					snprintf(why, whylen, "bad character in path");
					return -1;
				}
			seg->text = strndup(s, (size_t) (e - s));
			if (!seg->text) {
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			seg->param = false;
			r->nliteral++;
		}
		r->nseg++;
	}
	if (*p) {
		snprintf(why, whylen, "bad path");
		return -1;
	}
	r->single = r->nseg > 0 && r->segs[r->nseg - 1].param;
	r->is_auth = r->nseg > 0 && !r->segs[0].param &&
	             strcmp(r->segs[0].text, "auth") == 0;
	return 0;
}

static const char *
route_jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
route_jbool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static int
route_from_json(json_object *o, struct route *r, char *why, size_t whylen)
{
	const char *method = route_jstr(o, "method");
	const char *path = route_jstr(o, "path");
	const char *fn = route_jstr(o, "function");
	const char *body = route_jstr(o, "body");
	const char *loc = route_jstr(o, "location");
	const char *cookie = route_jstr(o, "cookie");
	const char *auth = route_jstr(o, "auth");
	const char *kind = route_jstr(o, "kind");
	json_object *st;
	static const char *methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
	bool mok = false;

	memset(r, 0, sizeof *r);
	if (!method || !path || !fn) {
		snprintf(why, whylen, "method, path and function are required");
		return -1;
	}
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(method, methods[i]) == 0)
			mok = true;
	if (!mok) {
		snprintf(why, whylen, "unsupported method");
		return -1;
	}
	if (!route_ident_ok(fn, 63)) {
		snprintf(why, whylen, "function must be a lower-case identifier");
		return -1;
	}
	snprintf(r->method, sizeof r->method, "%s", method);
	r->status = 200;
	if (json_object_object_get_ex(o, "status", &st)) {
		if (!json_object_is_type(st, json_type_int) ||
		    json_object_get_int(st) < 200 || json_object_get_int(st) > 299) {
			snprintf(why, whylen, "status must be a 2xx integer");
			return -1;
		}
		r->status = json_object_get_int(st);
	}
	if (!body || strcmp(body, "none") == 0)
		r->body = ROUTE_BODY_NONE;
	else if (strcmp(body, "json") == 0)
		r->body = ROUTE_BODY_JSON;
	else if (strcmp(body, "multipart") == 0)
		r->body = ROUTE_BODY_MULTIPART;
	else {
		snprintf(why, whylen, "body must be none, json or multipart");
		return -1;
	}
	if (!kind || strcmp(kind, "json") == 0)
		r->kind = ROUTE_KIND_JSON;
	else if (strcmp(kind, "upload") == 0)
		r->kind = ROUTE_KIND_UPLOAD;
	else if (strcmp(kind, "download") == 0)
		r->kind = ROUTE_KIND_DOWNLOAD;
	else if (strcmp(kind, "stream") == 0)
		r->kind = ROUTE_KIND_STREAM;
	else {
		snprintf(why, whylen, "kind must be json, upload, download or stream");
		return -1;
	}
	if ((r->kind == ROUTE_KIND_UPLOAD) != (r->body == ROUTE_BODY_MULTIPART)) {
		snprintf(why, whylen, "an upload route, and only one, takes a multipart body");
		return -1;
	}
	if ((r->kind == ROUTE_KIND_DOWNLOAD || r->kind == ROUTE_KIND_STREAM) &&
	    strcmp(method, "GET") != 0) {
		snprintf(why, whylen, "download and stream routes answer GET only");
		return -1;
	}
	if (cookie && !route_ident_ok(cookie, 63)) {
		snprintf(why, whylen, "cookie must name an args key");
		return -1;
	}
	r->read_only = route_jbool(o, "read_only");
	r->cacheable = route_jbool(o, "cacheable");
	r->path = strdup(path);
	r->function = strdup(fn);
	r->auth = strdup(auth ? auth : "-");
	r->location = loc ? strdup(loc) : NULL;
	r->cookie = cookie ? strdup(cookie) : NULL;
	if (!r->path || !r->function || !r->auth || (loc && !r->location) ||
	    (cookie && !r->cookie)) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return route_compile(r, why, whylen);
}

int
route_table_parse(const char *json, struct route_table **out, char *err,
                  size_t errlen)
{
	json_object *root;
	struct route_table *t;
	size_t n;

	*out = NULL;
	root = json_tokener_parse(json);
	if (!root || !json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		snprintf(err, errlen, "api_routes() did not return a JSON array");
		return -1;
	}
	n = json_object_array_length(root);
	t = calloc(1, sizeof *t);
	if (!t || !(t->r = calloc(n ? n : 1, sizeof *t->r))) {
		free(t);
		json_object_put(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(root, i);
		struct route *r = &t->r[t->n];
		char why[128];
		bool dup = false;

		if (!json_object_is_type(o, json_type_object) ||
		    route_from_json(o, r, why, sizeof why)) {
			if (!json_object_is_type(o, json_type_object))
				snprintf(why, sizeof why, "not an object");
			log_msg(LL_WARN, NULL, "route %zu skipped: %s", i, why);
			route_free_one(r);
			memset(r, 0, sizeof *r);
			continue;
		}
		for (size_t k = 0; k < t->n; k++)
			if (strcmp(t->r[k].method, r->method) == 0 &&
			    strcmp(t->r[k].path, r->path) == 0)
				dup = true;
		if (dup) {
			log_msg(LL_WARN, NULL, "route %s %s listed twice; first one kept",
			        r->method, r->path);
			route_free_one(r);
			memset(r, 0, sizeof *r);
			continue;
		}
		t->n++;
	}
	json_object_put(root);
	t->refs = 1;
	*out = t;
	return 0;
}

static int
route_hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int
route_split_path(const char *path, size_t len, char segs[][256], int maxsegs)
{
	size_t i = 0;
	int n = 0;

	if (len == 0 || path[0] != '/')
		return -1;
	if (len == 1)
		return 0;
	while (i < len) {
		size_t o = 0;

		if (path[i] != '/')
			return -1;
		i++;
		if (n == maxsegs)
			return -1;
		while (i < len && path[i] != '/') {
			char c = path[i];
			if (c == '%') {
				int h, l;
				if (i + 2 >= len)
					return -1;
				h = route_hexval(path[i + 1]);
				l = route_hexval(path[i + 2]);
				if (h < 0 || l < 0)
					return -1;
				c = (char) (h * 16 + l);
				if (c == '/' || c == '\0' || c == '\\')
					return -1;  /* encoded slash (or NUL) matches nothing */
				i += 3;
			} else {
				if ((unsigned char) c <= 0x20 || c == '#' || c == 0x7f)
					return -1;
				i++;
			}
			if (o >= 255)
				return -1;
			segs[n][o++] = c;
		}
		segs[n][o] = '\0';
		if (o == 0)
			return -1;          /* empty segment: // or trailing / */
		if (strcmp(segs[n], ".") == 0 || strcmp(segs[n], "..") == 0)
			return -1;
		if (jsonv_utf8_check(segs[n], o, true))
			return -1;
		n++;
	}
	return n;
}

/* 1..2^53 without leading zeros */
static bool
route_positive_int(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 16 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	return strtoull(s, NULL, 10) <= 9007199254740992ULL;
}

static bool
route_fits(const struct route *r, char segs[][256], int nseg)
{
	if (r->nseg != nseg)
		return false;
	for (int i = 0; i < nseg; i++) {
		if (!r->segs[i].param) {
			if (strcmp(r->segs[i].text, segs[i]) != 0)
				return false;
		} else if (r->segs[i].numeric && !route_positive_int(segs[i]))
			return false;
	}
	return true;
}

static void
route_allow_add(char *allow, size_t cap, const char *m)
{
	char tmp[16];
	size_t n = strlen(allow);

	snprintf(tmp, sizeof tmp, "%s", m);
	/* already listed? */
	for (const char *p = allow; (p = strstr(p, tmp)) != NULL; p++) {
		size_t l = strlen(tmp);
		if ((p == allow || p[-1] == ' ') && (p[l] == ',' || p[l] == '\0'))
			return;
	}
	snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", tmp);
}

enum route_result
route_match(const struct route_table *t, const char *method, const char *path,
            size_t pathlen, struct route_match *m)
{
	char segs[ROUTE_MAX_SEGS][256];
	int nseg;
	const struct route *best = NULL;
	bool any = false;
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;

	memset(m, 0, sizeof *m);
	nseg = route_split_path(path, pathlen, segs, ROUTE_MAX_SEGS);
	if (nseg < 0 || !t)
		return ROUTE_NOT_FOUND;
	for (size_t i = 0; i < t->n; i++) {
		const struct route *r = &t->r[i];
		if (!route_fits(r, segs, nseg))
			continue;
		any = true;
		if (strcmp(r->method, want) == 0 &&
		    (!best || r->nliteral > best->nliteral))
			best = r;
	}
	if (!any)
		return ROUTE_NOT_FOUND;
	if (!best) {
		/* Allow: every method of the templates this path fits */
		for (size_t i = 0; i < t->n; i++)
			if (route_fits(&t->r[i], segs, nseg)) {
				route_allow_add(m->allow, sizeof m->allow, t->r[i].method);
				if (strcmp(t->r[i].method, "GET") == 0)
					route_allow_add(m->allow, sizeof m->allow, "HEAD");
			}
		route_allow_add(m->allow, sizeof m->allow, "OPTIONS");
		return ROUTE_BAD_METHOD;
	}
	m->route = best;
	for (int i = 0; i < nseg; i++) {
		struct route_param *p;
		if (!best->segs[i].param)
			continue;
		if (m->nparams == ROUTE_MAX_PARAMS)
			break;
		p = &m->params[m->nparams++];
		p->name = best->segs[i].text;
		p->numeric = best->segs[i].numeric;
		p->value = strdup(segs[i]);
		if (!p->value) {
			route_match_clear(m);
			return ROUTE_NOT_FOUND;
		}
	}
	return ROUTE_FOUND;
}

void
route_match_clear(struct route_match *m)
{
	for (size_t i = 0; i < m->nparams; i++)
		free(m->params[i].value);
	m->nparams = 0;
	m->route = NULL;
}

struct route_table *
route_current(void)
{
	struct route_table *t;

	pthread_mutex_lock(&route_lock);
	t = route_cur;
	if (t)
		t->refs++;
	pthread_mutex_unlock(&route_lock);
	return t;
}

void
route_put(struct route_table *t)
{
	bool last;

	if (!t)
		return;
	pthread_mutex_lock(&route_lock);
	last = --t->refs == 0;
	pthread_mutex_unlock(&route_lock);
	if (last)
		route_table_free(t);
}

void
route_install(struct route_table *t)
{
	struct route_table *old;

	pthread_mutex_lock(&route_lock);
	old = route_cur;
	t->gen = ++route_gen;
	route_cur = t;
	pthread_mutex_unlock(&route_lock);
	route_put(old);
}

unsigned
route_current_gen(void)
{
	unsigned g;

	pthread_mutex_lock(&route_lock);
	g = route_cur ? route_cur->gen : 0;
	pthread_mutex_unlock(&route_lock);
	return g;
}

void
route_uninstall(void)
{
	struct route_table *old;

	pthread_mutex_lock(&route_lock);
	old = route_cur;
	route_cur = NULL;
	pthread_mutex_unlock(&route_lock);
	route_put(old);
}

int
route_load(PGconn *conn, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, "SELECT jobboard.api_routes()::text");
	struct route_table *t;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, 0)) {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		snprintf(err, errlen, "SELECT jobboard.api_routes() failed: %s%s%s%s",
		         st ? st : "", st ? " " : "", msg ? msg : PQerrorMessage(conn),
		         PQresultStatus(res) == PGRES_TUPLES_OK ? "(no result)" : "");
		PQclear(res);
		return -1;
	}
	if (route_table_parse(PQgetvalue(res, 0, 0), &t, err, errlen)) {
		PQclear(res);
		return -1;
	}
	PQclear(res);
	route_install(t);
	log_msg(LL_INFO, NULL, "loaded %zu routes (generation %u)", t->n, t->gen);
	return 0;
}

int
route_prepare(PGconn *conn, const struct route_table *t, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, "DEALLOCATE ALL");

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "DEALLOCATE ALL: %s", PQerrorMessage(conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (size_t i = 0; i < t->n; i++) {
		char sql[200];
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			if (strcmp(t->r[k].function, t->r[i].function) == 0)
				seen = true;
		if (seen)
			continue;
		switch (t->r[i].kind) {
		case ROUTE_KIND_UPLOAD:
			snprintf(sql, sizeof sql,
			         "SELECT jobboard.%s($1::text, $2::jsonb, $3::bytea)",
			         t->r[i].function);
			break;
		case ROUTE_KIND_DOWNLOAD:
			snprintf(sql, sizeof sql,
			         "SELECT file, data FROM jobboard.%s($1::text, $2::jsonb)",
			         t->r[i].function);
			break;
		default:
			snprintf(sql, sizeof sql, "SELECT jobboard.%s($1::text, $2::jsonb)",
			         t->r[i].function);
		}
		res = PQprepare(conn, t->r[i].function, sql,
		                t->r[i].kind == ROUTE_KIND_UPLOAD ? 3 : 2, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			if (PQstatus(conn) != CONNECTION_OK) {
				snprintf(err, errlen, "PQprepare: %s", PQerrorMessage(conn));
				PQclear(res);
				return -1;
			}
			/* a missing function breaks its route only (it answers 500) */
			log_msg(LL_ERROR, NULL, "cannot prepare %s: %s", t->r[i].function,
			        PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			        ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "?");
		}
		PQclear(res);
	}
	return 0;
}
