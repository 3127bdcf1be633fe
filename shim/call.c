/*
 * call.c — route function calls and result mapping (see call.h).
 *
 * A call that fails at connection level marks the slot broken; a read-only
 * call is then retried once on another (verified) connection, a writing call
 * is not (it may have committed) and answers 503. A read-only call that the
 * replica answers with 28000 (401) is asked again of the primary, once: the
 * session of a token issued a moment ago may not have replicated yet.
 */
#include "call.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "download.h"
#include "etag.h"
#include "log.h"
#include "problem.h"

#define CALL_DEFAULT_REFRESH_TTL 2592000L
#define CALL_RETRY_AFTER_DOWN "1"

static void
call_unavailable(struct resp *out, const char *detail, const char *rid)
{
	resp_problem(out, 503, "unavailable", detail, NULL, rid);
	resp_header(out, "Retry-After", CALL_RETRY_AFTER_DOWN);
}

static enum pool_rc
call_checkout(const struct call_pools *pools, bool read_only, struct pool **used,
              struct pool_conn **c)
{
	enum pool_rc rc = POOL_DOWN;

	if (read_only && pools->replica) {
		rc = pool_checkout(pools->replica, c);
		if (rc == POOL_OK) {
			*used = pools->replica;
			return rc;
		}
	}
	*used = pools->primary;
	return pool_checkout(pools->primary, c);
}

/* Percent-encode for a path segment or query value. */
static void
call_pct(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf_addc(b, (char) c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

char *
call_location(const char *tmpl, const char *body)
{
	json_object *root = json_tokener_parse(body);
	struct buf b;
	const char *p = tmpl;

	if (!root)
		return NULL;
	buf_init(&b, 4096);
	while (*p) {
		const char *close;
		char path[128], *save = NULL, *part;
		json_object *cur = root;

		if (*p != '{') {
			buf_addc(&b, *p++);
			continue;
		}
		close = strchr(p, '}');
		if (!close || (size_t) (close - p - 1) >= sizeof path)
			goto fail;
		memcpy(path, p + 1, (size_t) (close - p - 1));
		path[close - p - 1] = '\0';
		for (part = strtok_r(path, ".", &save); part; part = strtok_r(NULL, ".", &save))
			if (!json_object_is_type(cur, json_type_object) ||
			    !json_object_object_get_ex(cur, part, &cur))
				goto fail;
		if (json_object_is_type(cur, json_type_int))
			buf_addf(&b, "%lld", (long long) json_object_get_int64(cur));
		else if (json_object_is_type(cur, json_type_string))
			call_pct(&b, json_object_get_string(cur),
			         (size_t) json_object_get_string_len(cur));
		else
			goto fail;
		p = close + 1;
	}
	json_object_put(root);
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
fail:
	json_object_put(root);
	buf_free(&b);
	return NULL;
}

static bool
call_qkey_is(const char *s, size_t n, const char *key)
{
	size_t kl = strlen(key);

	return n == kl && memcmp(s, key, kl) == 0;
}

char *
call_next_link(const char *path, const char *query, size_t qlen, const char *cursor,
               size_t n)
{
	struct buf b;
	size_t i = 0;
	bool first = true;

	buf_init(&b, 16 * 1024);
	buf_addc(&b, '<');
	buf_adds(&b, path);
	buf_addc(&b, '?');
	while (query && i < qlen) {
		const char *s = query + i, *amp = memchr(s, '&', qlen - i);
		const char *e = amp ? amp : query + qlen;
		const char *eq = memchr(s, '=', (size_t) (e - s));
		size_t kl = (size_t) ((eq ? eq : e) - s);

		i = (size_t) (e - query) + 1;
		if (e == s || call_qkey_is(s, kl, "cursor") || call_qkey_is(s, kl, "page"))
			continue;
		if (!first)
			buf_addc(&b, '&');
		/* the client's own bytes, minus anything that would break the header */
		for (const char *q = s; q < e; q++)
			if ((unsigned char) *q > 0x20 && *q != '>' && *q != 0x7f)
				buf_addc(&b, *q);
		first = false;
	}
	if (!first)
		buf_addc(&b, '&');
	buf_adds(&b, "cursor=");
	call_pct(&b, cursor, n);
	buf_adds(&b, ">; rel=\"next\"");
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* Step back over white space; returns the new end. */
static const char *
call_back_ws(const char *text, const char *p)
{
	while (p > text && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'))
		p--;
	return p;
}

/*
 * jsonb prints an object's keys sorted by length, then bytes, so the
 * longest key of a list page, next_cursor, is its last member and the text
 * ends `"next_cursor": "<cursor>"}` or `"next_cursor": null}`. Walking back
 * over exactly that (a key preceded by `{` or `,`, so not the tail of a
 * string) reads the cursor of any page in a few bytes, whatever the items
 * hold.
 */
const char *
call_next_cursor(const char *text, size_t len, size_t *n)
{
	static const char key[] = "\"next_cursor\"";
	const size_t klen = sizeof key - 1;
	const char *p = call_back_ws(text, text + len), *end;

	if (p == text || *--p != '}')
		return NULL;
	p = call_back_ws(text, p);
	if (p == text || *--p != '"')
		return NULL;            /* null, or not a string */
	end = p;
	while (p > text && p[-1] != '"') {
		unsigned char c = (unsigned char) p[-1];
		if (c == '\\' || c < 0x20 || c == 0x7f)
			return NULL;
		p--;
	}
	if (p == text)
		return NULL;
	*n = (size_t) (end - p);
	end = p;                    /* the cursor starts here */
	p = call_back_ws(text, p - 1);
	if (p == text || *--p != ':')
		return NULL;
	p = call_back_ws(text, p);
	if ((size_t) (p - text) < klen || memcmp(p - klen, key, klen) != 0)
		return NULL;
	p = call_back_ws(text, p - klen);
	if (p == text || (p[-1] != ',' && p[-1] != '{'))
		return NULL;
	return end;
}

static void
call_success(const struct call_in *in, PGresult *res, struct resp *out)
{
	const struct route *rt = in->route;
	const char *text = PQgetisnull(res, 0, 0) ? "null" : PQgetvalue(res, 0, 0);
	size_t len = (size_t) PQgetlength(res, 0, 0);
	json_object *root = NULL;
	bool is_get = strcmp(in->method, "GET") == 0 || strcmp(in->method, "HEAD") == 0;
	const char *cursor;
	size_t cursor_len;
	char *body;

	if (PQgetisnull(res, 0, 0))
		len = 4;
	out->status = rt->status;

	if (rt->status == 204) {
		if (rt->cookie)
			resp_header(out, "Set-Cookie",
			            "jobboard_refresh=; HttpOnly; Secure; SameSite=Strict; "
			            "Path=/auth; Max-Age=0");
		return;
	}

	if (rt->location) {
		char *loc = call_location(rt->location, text);
		if (loc)
			resp_header(out, "Location", loc);
		else
			log_msg(LL_WARN, in->request_id, "no Location: %s lacks a member of %s",
			        rt->function, rt->location);
		free(loc);
	}

	if ((cursor = call_next_cursor(text, len, &cursor_len)) != NULL) {
		char *link = call_next_link(in->raw_path, in->raw_query, in->raw_query_len,
		                            cursor, cursor_len);
		if (link)
			resp_header(out, "Link", link);
		free(link);
	}
	/* login and refresh only: parsed whole */
	if (rt->cookie && strstr(text, "\"refresh_token\""))
		root = json_tokener_parse(text);
	if (root && json_object_is_type(root, json_type_object)) {
		json_object *v, *ttl;
		if (rt->cookie && out->status < 300 &&
		    json_object_object_get_ex(root, "refresh_token", &v) &&
		    json_object_is_type(v, json_type_string)) {
			const char *t = json_object_get_string(v);
			long max_age = CALL_DEFAULT_REFRESH_TTL;
			bool ok = *t != '\0';
			char cookie[1024];

			if (json_object_object_get_ex(root, "refresh_expires_in", &ttl) &&
			    json_object_is_type(ttl, json_type_int) && json_object_get_int64(ttl) > 0)
				max_age = (long) json_object_get_int64(ttl);
			for (const char *q = t; *q; q++)   /* cookie-octets only */
				if ((unsigned char) *q <= 0x20 || *q == '"' || *q == ',' ||
				    *q == ';' || *q == '\\' || (unsigned char) *q >= 0x7f)
					ok = false;
			if (ok && snprintf(cookie, sizeof cookie,
			                   "jobboard_refresh=%s; HttpOnly; Secure; SameSite=Strict; "
			                   "Path=/auth; Max-Age=%ld", t, max_age) < (int) sizeof cookie)
				resp_header(out, "Set-Cookie", cookie);
		}
	}
	json_object_put(root);

	/* every 200 of a GET: a tag of the caller's own body is always safe, and
	 * public lists that members see differently (not `cacheable`) need one
	 * too (API.md §1.3) */
	if (is_get && rt->status == 200) {
		char tag[ETAG_LEN + 1];
		etag_compute(text, len, tag);
		resp_header(out, "ETag", tag);
		if (etag_none_match(in->if_none_match, tag)) {
			out->status = 304;
			return;
		}
	}
	body = malloc(len + 1);
	if (!body) {
		resp_problem(out, 500, "internal", NULL, NULL, in->request_id);
		return;
	}
	memcpy(body, text, len + 1);
	resp_body(out, JSON_CONTENT_TYPE, body, len);
}

static void
call_pqclear(void *res)
{
	PQclear(res);
}

/*
 * A download: row (file jsonb, data bytea) in binary format. The jsonb's
 * binary form is a version byte (1) and the text. The body points into
 * the PGresult, which the response frees when it is sent. Returns true when
 * it kept res.
 */
static bool
call_download(const struct call_in *in, PGresult *res, struct resp *out)
{
	const char *meta = PQgetvalue(res, 0, 0);
	int mlen = PQgetlength(res, 0, 0);
	json_object *root = NULL, *v;
	const char *ct = NULL, *name = NULL, *sha = NULL;
	char tag[ETAG_LEN + 1], *disp;
	size_t len = (size_t) PQgetlength(res, 0, 1);

	if (PQnfields(res) == 2 && !PQgetisnull(res, 0, 0) && mlen > 1 && meta[0] == 1) {
		json_tokener *tk = json_tokener_new();
		if (tk) {
			root = json_tokener_parse_ex(tk, meta + 1, mlen - 1);
			json_tokener_free(tk);
		}
	}
	if (!root || !json_object_is_type(root, json_type_object) ||
	    PQgetisnull(res, 0, 1)) {
		json_object_put(root);
		log_msg(LL_ERROR, in->request_id, "%s: not a (file jsonb, data bytea) row",
		        in->route->function);
		resp_problem(out, 500, "internal", NULL, NULL, in->request_id);
		return false;
	}
	if (json_object_object_get_ex(root, "content_type", &v) &&
	    json_object_is_type(v, json_type_string))
		ct = json_object_get_string(v);
	if (json_object_object_get_ex(root, "filename", &v) &&
	    json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(root, "sha256", &v) &&
	    json_object_is_type(v, json_type_string))
		sha = json_object_get_string(v);
	/* the ETag is the hash of the body: the stored one, or computed */
	if (!download_etag(sha, tag))
		etag_compute(PQgetvalue(res, 0, 1), len, tag);
	out->status = in->route->status;
	resp_header(out, "ETag", tag);
	disp = download_disposition(name);
	if (disp)
		resp_header(out, "Content-Disposition", disp);
	free(disp);
	if (etag_none_match(in->if_none_match, tag)) {
		out->status = 304;
		json_object_put(root);
		return false;
	}
	resp_header(out, "Content-Type", download_type_ok(ct) ? ct : DOWNLOAD_FALLBACK_TYPE);
	json_object_put(root);
	resp_body_ref(out, NULL, PQgetvalue(res, 0, 1), len, call_pqclear, res);
	return true;
}

static void
call_failure(const struct call_in *in, PGresult *res, struct resp *out)
{
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	struct problem_map m = problem_from_sqlstate(st);
	const char *shown = m.detail_from_db ? msg : NULL;

	if (st && strcmp(st, "23505") == 0 &&
	    PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME))
		shown = "the resource conflicts with an existing one";
	if (m.status == 500) {
		log_msg(LL_ERROR, in->request_id, "%s failed: %s %s", in->route->function,
		        st ? st : "-----", msg ? msg : "(no message)");
		shown = "an internal error occurred; quote the request id when reporting it";
	}
	resp_problem(out, m.status, m.code, shown, m.status == 422 ? detail : NULL,
	             in->request_id);
	if (m.status == 401) {
		resp_header(out, "WWW-Authenticate",
		            in->token ? "Bearer error=\"invalid_token\"" : "Bearer");
	} else if (m.status == 429) {
		char ra[16] = "1";
		if (hint && strspn(hint, "0123456789") == strlen(hint) && *hint &&
		    strlen(hint) < 10)
			snprintf(ra, sizeof ra, "%s", hint);
		resp_header(out, "Retry-After", ra);
	} else if (m.status == 503)
		resp_header(out, "Retry-After", CALL_RETRY_AFTER_DOWN);
}

static const char *
call_field_of(json_object *e)
{
	json_object *f;

	if (json_object_is_type(e, json_type_object) &&
	    json_object_object_get_ex(e, "field", &f) && json_object_is_type(f, json_type_string))
		return json_object_get_string(f);
	return NULL;
}

char *
call_merge_errors(const char *db_errors, const char *shim_errors, size_t *n)
{
	json_object *db = db_errors ? json_tokener_parse(db_errors) : NULL;
	json_object *sh = json_tokener_parse(shim_errors);
	json_object *all = json_object_new_array();
	char *text = NULL;
	size_t nd = 0;

	*n = 0;
	if (!sh || !all || !json_object_is_type(sh, json_type_array))
		goto out;
	if (db && json_object_is_type(db, json_type_array)) {
		nd = json_object_array_length(db);
		for (size_t i = 0; i < nd; i++)
			json_object_array_add(all, json_object_get(json_object_array_get_idx(db, i)));
	}
	for (size_t k = 0; k < json_object_array_length(sh); k++) {
		json_object *e = json_object_array_get_idx(sh, k);
		const char *f = call_field_of(e);
		bool dup = false;

		for (size_t i = 0; f && i < nd && !dup; i++) {
			const char *g = call_field_of(json_object_array_get_idx(db, i));
			dup = g && strcmp(f, g) == 0;
		}
		if (!dup)
			json_object_array_add(all, json_object_get(e));
	}
	*n = json_object_array_length(all);
	text = strdup(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN |
	                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	json_object_put(db);
	json_object_put(sh);
	json_object_put(all);
	return text;
}

/* The outcome of a dry run (call_in.shim_errors): see call.h. */
static void
call_dry_result(const struct call_in *in, PGresult *res, struct resp *out)
{
	char *errors = NULL;
	char d[64];
	size_t n = 0;

	if (PQresultStatus(res) == PGRES_FATAL_ERROR) {
		struct problem_map m =
			problem_from_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
		if (m.status < 422 || m.status == 429 || m.status == 503) {
			call_failure(in, res, out);
			return;
		}
		if (m.status == 422)
			errors = call_merge_errors(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL),
			                           in->shim_errors, &n);
	}
	if (!errors)        /* it would have worked, or failed later (409, 412) */
		errors = call_merge_errors(NULL, in->shim_errors, &n);
	snprintf(d, sizeof d, "%zu field%s %s invalid", n, n == 1 ? "" : "s",
	         n == 1 ? "is" : "are");
	resp_problem(out, 422, NULL, d, errors ? errors : in->shim_errors, in->request_id);
	free(errors);
}

void
call_route(const struct call_pools *pools, const struct call_in *in, struct resp *out)
{
	const char *params[3] = {in->token, in->args, (const char *) in->data};
	int lengths[3] = {0, 0, (int) in->data_len};
	int formats[3] = {0, 0, 1};
	bool upload = in->route->kind == ROUTE_KIND_UPLOAD;
	bool download = in->route->kind == ROUTE_KIND_DOWNLOAD;

	if (upload && in->data_len > (size_t) 0x7fffffff) {
		resp_problem(out, 413, NULL, "the file is too large", NULL, in->request_id);
		return;
	}
	bool primary_only = false;

	for (int attempt = 0, tries = 2; attempt < tries; attempt++) {
		struct pool *used;
		struct pool_conn *c;
		PGconn *pg;
		PGresult *res;
		enum pool_rc rc = call_checkout(pools, in->route->read_only && !primary_only,
		                                &used, &c);

		if (rc == POOL_TIMEOUT) {
			call_unavailable(out, "no database connection became free in time",
			                 in->request_id);
			return;
		}
		if (rc == POOL_DOWN) {
			call_unavailable(out, "the database is unavailable", in->request_id);
			return;
		}
		pg = pool_pg(c);
		if (*pool_tag(c) != in->table->gen) {
			char err[256];
			if (route_prepare(pg, in->table, err, sizeof err)) {
				log_msg(LL_ERROR, in->request_id, "%s", err);
				pool_release(used, c, true);
				continue;
			}
			*pool_tag(c) = in->table->gen;
		}
		if (in->shim_errors) {
			PGresult *b = PQexec(pg, "BEGIN");
			bool begun = PQresultStatus(b) == PGRES_COMMAND_OK;

			PQclear(b);
			if (!begun) {
				pool_release(used, c, true);
				continue;
			}
		}
		res = PQexecPrepared(pg, in->route->function, upload ? 3 : 2, params,
		                     upload ? lengths : NULL, upload ? formats : NULL,
		                     download ? 1 : 0);
		if (in->shim_errors && !pool_conn_failed(pg, res)) {
			PGresult *rb = PQexec(pg, "ROLLBACK");
			bool clean = PQresultStatus(rb) == PGRES_COMMAND_OK;

			PQclear(rb);
			call_dry_result(in, res, out);
			PQclear(res);
			pool_release(used, c, !clean);
			return;
		}
		if (pool_conn_failed(pg, res)) {
			log_msg(LL_WARN, in->request_id, "database connection lost during %s: %s",
			        in->route->function,
			        res && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			        ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(pg));
			PQclear(res);
			pool_release(used, c, true);
			if (in->route->read_only || in->shim_errors)
				continue;       /* safe to try once more elsewhere (a dry run never commits) */
			call_unavailable(out, "the database connection was lost", in->request_id);
			return;
		}
		if (used == pools->replica && !primary_only &&
		    PQresultStatus(res) == PGRES_FATAL_ERROR &&
		    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
		           PQresultErrorField(res, PG_DIAG_SQLSTATE) : "", "28000") == 0) {
			/* the session of a token just issued may not have replicated
			 * yet: ask the primary, once (a revocation still reaches the
			 * replica late; see README) */
			PQclear(res);
			pool_release(used, c, false);
			primary_only = true;
			tries++;
			continue;
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && download) {
			if (call_download(in, res, out))
				res = NULL;     /* the response owns it now */
		} else if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			call_success(in, res, out);
		else if (PQresultStatus(res) == PGRES_FATAL_ERROR)
			call_failure(in, res, out);
		else {
			log_msg(LL_ERROR, in->request_id, "%s: unexpected result %s",
			        in->route->function, PQresStatus(PQresultStatus(res)));
			resp_problem(out, 500, "internal", NULL, NULL, in->request_id);
		}
		PQclear(res);
		pool_release(used, c, false);
		return;
	}
	call_unavailable(out, "the database is unavailable", in->request_id);
}

void
call_ready(const struct call_pools *pools, const char *want, const char *rid,
           struct resp *out)
{
	struct pool_conn *c;
	PGresult *res;
	PGconn *pg;
	char *body;
	struct buf b;
	enum pool_rc rc = pool_checkout(pools->primary, &c);

	if (rc != POOL_OK) {
		call_unavailable(out, rc == POOL_DOWN ? "the database is unavailable"
		                 : "no database connection became free in time", rid);
		return;
	}
	pg = pool_pg(c);
	res = PQexec(pg, "SELECT extversion FROM pg_catalog.pg_extension "
	                 "WHERE extname = 'jobboard'");
	if (pool_conn_failed(pg, res)) {
		PQclear(res);
		pool_release(pools->primary, c, true);
		call_unavailable(out, "the database is unavailable", rid);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    strcmp(PQgetvalue(res, 0, 0), want) != 0) {
		log_msg(LL_WARN, rid, "not ready: extension jobboard is %s, expected %s",
		        PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
		        ? PQgetvalue(res, 0, 0) : "not installed", want);
		PQclear(res);
		pool_release(pools->primary, c, false);
		call_unavailable(out, "the database extension is missing or not the "
		                 "expected version", rid);
		return;
	}
	PQclear(res);
	pool_release(pools->primary, c, false);
	buf_init(&b, 1024);
	buf_adds(&b, "{\"status\":\"ready\",\"database\":\"ok\",\"extension\":");
	buf_add_json_str(&b, want, strlen(want));
	buf_addc(&b, '}');
	{
		size_t len;
		body = buf_steal(&b, &len);
		out->status = 200;
		resp_body(out, JSON_CONTENT_TYPE, body, len);
	}
}

void
call_document(const struct call_pools *pools, const char *sql,
              const char *content_type, const char *if_none_match,
              const char *rid, struct resp *out)
{
	char tag[ETAG_LEN + 1];

	for (int attempt = 0; attempt < 2; attempt++) {
		struct pool *used;
		struct pool_conn *c;
		PGresult *res;
		PGconn *pg;
		enum pool_rc rc = call_checkout(pools, true, &used, &c);

		if (rc != POOL_OK) {
			call_unavailable(out, rc == POOL_DOWN ? "the database is unavailable"
			                 : "no database connection became free in time", rid);
			return;
		}
		pg = pool_pg(c);
		res = PQexec(pg, sql);
		if (pool_conn_failed(pg, res)) {
			PQclear(res);
			pool_release(used, c, true);
			continue;       /* a read: safe to try once more */
		}
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
		    PQgetisnull(res, 0, 0)) {
			log_msg(LL_ERROR, rid, "%s: %s", sql,
			        PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			        ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "no result");
			PQclear(res);
			pool_release(used, c, false);
			resp_problem(out, 500, "internal", NULL, NULL, rid);
			return;
		}
		etag_compute(PQgetvalue(res, 0, 0), (size_t) PQgetlength(res, 0, 0), tag);
		resp_header(out, "ETag", tag);
		if (etag_none_match(if_none_match, tag))
			out->status = 304;
		else {
			size_t len = (size_t) PQgetlength(res, 0, 0);
			char *body = malloc(len + 1);
			if (body) {
				memcpy(body, PQgetvalue(res, 0, 0), len + 1);
				out->status = 200;
				resp_body(out, content_type, body, len);
			} else
				resp_problem(out, 500, "internal", NULL, NULL, rid);
		}
		PQclear(res);
		pool_release(used, c, false);
		return;
	}
	call_unavailable(out, "the database is unavailable", rid);
}
