/*
 * http.c — the request path (see http.h).
 *
 * libmicrohttpd protocol: the URI log callback runs first for every request
 * and allocates its state (it sees the raw request target, before MHD
 * unescapes anything, so an encoded slash can be told from a real one). The
 * access handler is then called (1) once when the headers are in: every
 * check that needs no body is made here, in the order of API.md §1.0 (404,
 * 405, 413 judged from Content-Length, 415), and an early answer is queued
 * at once — which also means no `100 Continue` is sent for it; (2) for each
 * body chunk, accumulated up to the limit; (3) once more at the end: JSON
 * (400), args (400), Authorization (401), `_` keys (422), then the database
 * call, which does not run here (see below); (4) once more when the call is
 * done, to answer. Cleanup and the access-log line are in the completed
 * callback.
 *
 * What runs where: MHD's threads (JOBBOARD_THREADS) parse requests, check
 * them, build the call's args and write answers; they never wait on the
 * database for a route. The call itself (call_route: pool checkout, the
 * query, mapping its result) runs on a work queue of pool-size workers
 * (work.h): the last call suspends the connection and submits the request;
 * the worker stores the answer in the request, marks the call done and
 * resumes the connection, and MHD calls the handler again, which caches,
 * starts an event stream or sends the answer. While the call runs the
 * request is in flight (graceful shutdown waits for it) and the connection
 * is suspended (MHD neither reads it nor times it out). Still on MHD's
 * threads, because they are rare or cheap: loading the route table when
 * none is loaded yet (http_routes), the built-ins /ready, /openapi.json and
 * /docs (one query each through the pool). The event streams' fan-out runs
 * on the main thread (notify.c, sse.c).
 *
 * A body sent to a route whose body is "none" (GET, DELETE, ...) is read and
 * ignored (still subject to the size limit), as most servers do: refusing it
 * with 415 would only break clients that send `{}` out of habit.
 *
 * Routes of kind `upload` feed their multipart body to upload.c chunk by
 * chunk; one that grows past JOBBOARD_MAX_UPLOAD without having announced
 * it in Content-Length (chunked) is cut there: its connection is closed and
 * the rest is never read (MHD cannot answer in the middle of a body). A
 * `stream` route becomes a Server-Sent Events stream (sse.c) once the
 * database has accepted it; from then on it is not a request in flight
 * (graceful shutdown ends it instead of waiting for it).
 */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "args.h"
#include "auth.h"
#include "buf.h"
#include "cache.h"
#include "cors.h"
#include "etag.h"
#include "jsonv.h"
#include "limit.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"
#include "reqid.h"
#include "resp.h"
#include "route.h"
#include "sse.h"
#include "upload.h"
#include "work.h"

/*
 * libmicrohttpd's per-connection pool (request line, headers, read buffer,
 * response headers); it is allocated and zeroed per connection, so it is what
 * an idle keep-alive or event-stream connection costs: 32 KiB keeps 1,000 of
 * them near 32 MiB while headers up to ~28 KiB still fit (larger: 431).
 */
#define HTTP_MEMORY_LIMIT (32 * 1024)
#define HTTP_CONNECTION_LIMIT 4000
#define HTTP_PER_IP_LIMIT 256
#define HTTP_MAX_URI 8192
#define HTTP_SSE_TIMEOUT_S 60       /* a stream whose writes stall this long goes */
#define HTTP_ROUTE_RETRY_MS 1000
#define HTTP_MAX_BAD (2 * ARGS_MAX_BAD)   /* fields named in one shim 422 */
#define HTTP_DOCS_CSP \
	"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

struct http_server {
	const struct config *cfg;
	struct call_pools pools;
	const char *extversion;
	struct MHD_Daemon *d;
	atomic_int in_flight;
	atomic_bool draining;
	atomic_bool calls_cut;      /* stopping: calls not begun are not made */
	struct work *work;          /* runs the database calls */
	unsigned idle_timeout_s;
	unsigned read_timeout_s;
	pthread_mutex_t route_mu;   /* one route load at a time */
	long long route_last_try_ms;
	pthread_mutex_t track_mu;   /* guards the list of open connections */
	struct track *tracks;
};

/*
 * Every open connection, with the time by which the request in progress must
 * have arrived whole. MHD's own timeout only measures inactivity, so a client
 * that trickles a byte at a time would otherwise hold its connection forever;
 * http_sweep() (called from the main loop) shuts such sockets down. MHD calls
 * the CLOSED notification before it closes the fd, and the entry is removed
 * there under track_mu, so a shut-down fd is never one that was reused.
 */
struct track {
	struct track *prev, *next;
	int fd;
	atomic_llong deadline_ms;   /* 0: none (answering, or waiting on the DB) */
	atomic_bool idle;           /* between requests (keep-alive), or none yet */
	bool cut;
};

enum body_mode { BODY_NONE, BODY_JSON, BODY_DISCARD, BODY_UPLOAD };

/* A request's database call: none yet, on a worker (or queued), done,
 * its answer sent. */
enum call_state { CALL_NONE, CALL_RUNNING, CALL_DONE, CALL_ANSWERED };

struct req {
	struct http_server *srv;
	char id[REQID_MAX + 1];
	char *uri;              /* raw request target */
	const char *path;       /* into uri (NUL-terminated copy: path_buf) */
	char *path_buf;
	const char *query;      /* into uri, or NULL */
	size_t query_len;
	struct timespec t0;
	char method[16];
	bool started;
	bool in_begin;          /* inside the first call */
	bool body_expected;     /* Content-Length > 0 or chunked */
	bool has_pending;       /* an answer decided early, sent on the last call */
	struct resp pending;
	bool responded;
	bool cut;               /* closed by us mid-body (too slow / too big) */
	const char *cut_why;
	int status;
	struct route_table *table;
	struct route_match m;
	const char *route_tpl;  /* for the log */
	enum body_mode body_mode;
	struct buf body;
	size_t body_limit;
	size_t received;
	bool too_big;
	char ip[64];
	char user_id[72];
	bool token_sent;
	const char *cors_origin;
	bool public_doc;        /* /openapi.json, /docs: cacheable */
	struct limit_result limit;
	struct upload up;       /* BODY_UPLOAD */
	struct sse_stream *sse; /* a stream route, once prepared */
	bool streaming;         /* the stream is open: not in flight any more */
	char *cache_key;        /* a public read (cache.h), or NULL */
	unsigned long cache_gen;
	/* the database call, made on a worker while the connection is suspended;
	 * what it reads is owned here, not on the handler's stack */
	struct work_job job;
	atomic_int call;        /* enum call_state */
	struct MHD_Connection *conn;
	struct call_in in;
	struct resp call_rp;    /* its answer */
	char *token;            /* the bearer token of Authorization, copied */
	const char *tok;        /* the token sent (token or query_token), or NULL */
	char *query_token;      /* ?access_token= (stream routes) */
	char *args_json;
	char *shim_errors;
	char *if_none_match;
};

static long long
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
http_elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) (t.tv_sec - t0->tv_sec) * 1000.0 +
	       (double) (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static const char *
http_header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ---- request state ---------------------------------------------------- */

static struct req *
http_req_new(struct http_server *s, const char *uri)
{
	struct req *r = calloc(1, sizeof *r);
	size_t n;

	if (!r)
		return NULL;
	r->srv = s;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	n = strnlen(uri, HTTP_MAX_URI + 1);
	r->uri = strndup(uri, n);
	buf_init(&r->body, 0);
	if (!r->uri) {
		free(r);
		return NULL;
	}
	return r;
}

static void
http_req_free(struct req *r)
{
	upload_free(&r->up);
	resp_free(&r->pending);
	resp_free(&r->call_rp);
	route_match_clear(&r->m);
	route_put(r->table);
	buf_free(&r->body);
	free(r->uri);
	free(r->path_buf);
	free(r->cache_key);
	free(r->token);
	free(r->query_token);
	free(r->args_json);
	free(r->shim_errors);
	free(r->if_none_match);
	free(r);
}

static struct track *
http_track(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void
http_track_deadline(struct MHD_Connection *c, long long deadline_ms)
{
	struct track *t = http_track(c);

	if (t)
		atomic_store(&t->deadline_ms, deadline_ms);
}

static void
http_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct track *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = calloc(1, sizeof *t);
		if (!t || !ci) {
			free(t);
			return;
		}
		t->fd = ci->connect_fd;
		/* the first request must arrive whole within the read timeout */
		atomic_init(&t->deadline_ms, http_now_ms() + s->cfg->read_timeout_ms);
		atomic_init(&t->idle, true);
		pthread_mutex_lock(&s->track_mu);
		t->next = s->tracks;
		if (s->tracks)
			s->tracks->prev = t;
		s->tracks = t;
		pthread_mutex_unlock(&s->track_mu);
		*socket_context = t;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && t) {
		pthread_mutex_lock(&s->track_mu);
		if (t->prev)
			t->prev->next = t->next;
		else
			s->tracks = t->next;
		if (t->next)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&s->track_mu);
		free(t);
		*socket_context = NULL;
	}
}

static void
http_track_idle(struct MHD_Connection *c, bool idle)
{
	struct track *t = http_track(c);

	if (t)
		atomic_store(&t->idle, idle);
}

static void *
http_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *s = cls;

	http_track_idle(c, false);
	/* the request has begun: it must arrive whole within the read timeout */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, s->read_timeout_s);
	http_track_deadline(c, http_now_ms() + s->cfg->read_timeout_ms);
	return http_req_new(s, uri);
}

static size_t
http_unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	(void) cls;
	(void) c;
	return strlen(s);   /* the shim decodes paths and queries itself */
}

/* Split the raw target into path and query; strips an absolute-form prefix. */
static int
http_split_uri(struct req *r)
{
	const char *u = r->uri, *q;
	size_t plen;

	if (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0) {
		u = strchr(u + 8 - (u[4] == ':' ? 1 : 0), '/');
		if (!u)
			u = "/";
	}
	q = strchr(u, '?');
	plen = q ? (size_t) (q - u) : strlen(u);
	r->path_buf = strndup(u, plen);
	if (!r->path_buf)
		return -1;
	r->path = r->path_buf;
	if (q) {
		r->query = q + 1;
		r->query_len = strlen(q + 1);
	}
	return 0;
}

static void
http_client_ip(struct req *r, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(r->ip, sizeof r->ip, "-");
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *) (const void *) sa)->sin_addr,
			          r->ip, sizeof r->ip);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr,
			          r->ip, sizeof r->ip);
	}
	if (r->srv->cfg->trust_proxy) {
		/* one trusted proxy: the address it saw is the last entry it appended */
		const char *xff = http_header(c, "X-Forwarded-For");
		if (xff && *xff) {
			const char *last = strrchr(xff, ',');
			char tmp[64];
			unsigned char bin[16];
			size_t n;

			last = last ? last + 1 : xff;
			while (*last == ' ' || *last == '\t')
				last++;
			n = strcspn(last, " \t");
			if (n > 0 && n < sizeof tmp) {
				memcpy(tmp, last, n);
				tmp[n] = '\0';
				if (inet_pton(AF_INET, tmp, bin) == 1 || inet_pton(AF_INET6, tmp, bin) == 1)
					snprintf(r->ip, sizeof r->ip, "%s", tmp);
			}
		}
	}
}

struct http_count {
	const char *name;
	int n;
};

static enum MHD_Result
http_count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                  const char *value)
{
	struct http_count *hc = cls;

	(void) kind;
	(void) value;
	if (strcasecmp(key, hc->name) == 0)
		hc->n++;
	return MHD_YES;
}

static int
http_header_count(struct MHD_Connection *c, const char *name)
{
	struct http_count hc = {name, 0};

	MHD_get_connection_values(c, MHD_HEADER_KIND, http_count_header, &hc);
	return hc.n;
}

/* ---- answering -------------------------------------------------------- */

static enum MHD_Result
http_send(struct req *r, struct MHD_Connection *c, struct resp *rp)
{
	struct resp_ctx ctx;
	enum MHD_Result rc;

	if (r->in_begin && !r->body_expected) {
		/*
		 * Decided before the (absent) body: answer on the last call instead,
		 * because MHD closes the connection after a response queued in the
		 * first call. With a body pending, answering early is what we want
		 * (no 100 Continue, body not read, connection closed).
		 */
		r->pending = *rp;
		memset(rp, 0, sizeof *rp);
		r->has_pending = true;
		return MHD_YES;
	}
	limit_headers(rp, &r->limit);
	memset(&ctx, 0, sizeof ctx);
	ctx.request_id = r->id;
	ctx.cors_origin = r->cors_origin;
	ctx.cors_vary = r->srv->cfg->n_cors > 0;
	ctx.hsts = r->srv->cfg->hsts;
	ctx.close = atomic_load(&r->srv->draining);
	/* per-user answers and errors must not be stored by caches on the way */
	ctx.no_store = !(r->m.route && r->m.route->cacheable) && !r->public_doc &&
	               !(r->m.route && r->m.route->kind == ROUTE_KIND_STREAM && rp->status == 200);
	/* the docs page is HTML with its own inline style: relaxed there only */
	if (r->route_tpl && strcmp(r->route_tpl, "/docs") == 0 && rp->status < 300)
		ctx.csp = HTTP_DOCS_CSP;
	r->status = rp->status;
	r->responded = true;
	http_track_deadline(c, 0);
	rc = resp_queue(c, rp, &ctx);
	/* the answer is on its way: back to the keep-alive idle timeout (a
	 * stream is suspended while idle, so this only bounds a stalled write) */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
	                          r->streaming && r->srv->idle_timeout_s < HTTP_SSE_TIMEOUT_S
	                          ? HTTP_SSE_TIMEOUT_S : r->srv->idle_timeout_s);
	return rc;
}

static enum MHD_Result
http_problem(struct req *r, struct MHD_Connection *c, int status,
             const char *detail)
{
	struct resp rp;

	resp_init(&rp, status);
	resp_problem(&rp, status, NULL, detail, NULL, r->id);
	if (status == 503)
		resp_header(&rp, "Retry-After", "1");
	return http_send(r, c, &rp);
}

static enum MHD_Result
http_json(struct req *r, struct MHD_Connection *c, int status, const char *json)
{
	struct resp rp;
	char *b = strdup(json);

	if (!b)
		return MHD_NO;
	resp_init(&rp, status);
	resp_body(&rp, JSON_CONTENT_TYPE, b, strlen(b));
	return http_send(r, c, &rp);
}

/* ---- route table -------------------------------------------------------- */

/* The current table; if none is loaded yet, try loading it (at most once a
 * second across threads) through the primary pool. */
static struct route_table *
http_routes(struct http_server *s, const char *rid)
{
	struct route_table *t = route_current();
	struct pool_conn *pc;
	char err[512];

	if (t)
		return t;
	pthread_mutex_lock(&s->route_mu);
	t = route_current();
	if (!t && http_now_ms() - s->route_last_try_ms >= HTTP_ROUTE_RETRY_MS) {
		s->route_last_try_ms = http_now_ms();
		if (pool_checkout(s->pools.primary, &pc) == POOL_OK) {
			int rc = route_load(pool_pg(pc), err, sizeof err);
			if (rc)
				log_msg(LL_ERROR, rid, "%s", err);
			pool_release(s->pools.primary, pc, PQstatus(pool_pg(pc)) != CONNECTION_OK);
			t = route_current();
		}
	}
	pthread_mutex_unlock(&s->route_mu);
	return t;
}

/* ---- the first call: headers are in ----------------------------------- */

static bool
http_is_json_type(const char *ct)
{
	const char *p;

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return false;
	p = ct + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return true;
	if (*p != ';')
		return false;
	/* parameters: only charset=utf-8 is acceptable */
	while (*p == ';') {
		const char *e;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strcspn(p, ";");
		if (e > p) {
			size_t n = (size_t) (e - p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (!((n == 13 && strncasecmp(p, "charset=utf-8", 13) == 0) ||
			      (n == 15 && strncasecmp(p, "charset=\"utf-8\"", 15) == 0)))
				return false;
		}
		p = e;
	}
	return true;
}

static enum MHD_Result
http_builtin(struct req *r, struct MHD_Connection *c, bool *handled)
{
	bool get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;

	*handled = false;
	if (strcmp(r->path, "/health") == 0) {
		*handled = true;
		r->route_tpl = "/health";
		if (!get)
			goto bad_method;
		return http_json(r, c, 200, "{\"status\":\"ok\"}");
	}
	if (strcmp(r->path, "/ready") == 0) {
		struct resp rp;
		*handled = true;
		r->route_tpl = "/ready";
		if (!get)
			goto bad_method;
		resp_init(&rp, 200);
		call_ready(&r->srv->pools, r->srv->extversion, r->id, &rp);
		return http_send(r, c, &rp);
	}
	if (strcmp(r->path, "/openapi.json") == 0 || strcmp(r->path, "/docs") == 0) {
		struct resp rp;
		bool html = strcmp(r->path, "/docs") == 0;

		*handled = true;
		r->route_tpl = html ? "/docs" : "/openapi.json";
		r->public_doc = true;
		if (!get)
			goto bad_method;
		resp_init(&rp, 200);
		call_document(&r->srv->pools,
		              html ? "SELECT jobboard.docs_html()" : "SELECT jobboard.openapi()",
		              html ? "text/html; charset=utf-8" : JSON_CONTENT_TYPE,
		              http_header(c, "If-None-Match"), r->id, &rp);
		return http_send(r, c, &rp);
	}
	if (strcmp(r->path, "/metrics") == 0) {
		size_t len = 0;
		char *text;
		struct resp rp;

		*handled = true;
		r->route_tpl = "/metrics";
		if (!get)
			goto bad_method;
		text = metrics_render(&len);
		if (!text)
			return http_problem(r, c, 500, NULL);
		resp_init(&rp, 200);
		resp_body(&rp, "text/plain; version=0.0.4; charset=utf-8", text, len);
		return http_send(r, c, &rp);
	}
	return MHD_YES;
bad_method:
	{
		struct resp rp;
		resp_init(&rp, 405);
		resp_problem(&rp, 405, NULL, "this path only answers GET", NULL, r->id);
		resp_header(&rp, "Allow", "GET, HEAD");
		return http_send(r, c, &rp);
	}
}

static enum MHD_Result
http_begin(struct req *r, struct MHD_Connection *c)
{
	struct http_server *s = r->srv;
	const char *rid = http_header(c, "X-Request-Id");
	const char *expect, *cl, *te, *ct;
	const struct route *rt;
	enum route_result mr;
	bool handled, has_body;
	unsigned long long len = 0;
	enum MHD_Result rc;

	cl = http_header(c, "Content-Length");
	te = http_header(c, "Transfer-Encoding");
	if (cl) {
		char *end;
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno || end == cl || *end)
			len = ULLONG_MAX;   /* refused below */
	}
	r->body_expected = (cl && len > 0) || (!cl && te);

	if (reqid_valid(rid) && http_header_count(c, "X-Request-Id") == 1)
		snprintf(r->id, sizeof r->id, "%s", rid);
	else
		reqid_generate(r->id);
	http_client_ip(r, c);
	r->cors_origin = cors_allowed_origin(s->cfg, http_header(c, "Origin"));

	if (http_split_uri(r))
		return MHD_NO;
	if (http_header_count(c, "Host") > 1)
		return http_problem(r, c, 400, "more than one Host header");
	expect = http_header(c, "Expect");
	if (expect && strcasecmp(expect, "100-continue") != 0)
		return http_problem(r, c, 417, "only Expect: 100-continue is supported");

	rc = http_builtin(r, c, &handled);
	if (handled)
		return rc;

	limit_check(r->ip, &r->limit);
	if (r->limit.limited)
		return http_problem(r, c, 429, "too many requests; slow down");

	r->table = http_routes(s, r->id);
	if (!r->table)
		return http_problem(r, c, 503, "the service is starting; routes are not loaded yet");

	mr = route_match(r->table, r->method, r->path, strlen(r->path), &r->m);
	if (mr == ROUTE_NOT_FOUND)
		return http_problem(r, c, 404, "no such route");
	if (mr == ROUTE_BAD_METHOD) {
		struct resp rp;
		if (strcmp(r->method, "OPTIONS") == 0) {
			resp_init(&rp, 204);
			resp_header(&rp, "Allow", r->m.allow);
			if (r->cors_origin)
				cors_preflight(&rp, r->m.allow);
			return http_send(r, c, &rp);
		}
		resp_init(&rp, 405);
		resp_problem(&rp, 405, NULL, "the method is not allowed on this path",
		             NULL, r->id);
		resp_header(&rp, "Allow", r->m.allow);
		return http_send(r, c, &rp);
	}
	rt = r->m.route;
	r->route_tpl = rt->path;

	if (rt->is_auth) {
		limit_check_auth(r->ip, &r->limit);
		if (r->limit.limited)
			return http_problem(r, c, 429, "too many requests to /auth; slow down");
	}

	r->body_limit = rt->body == ROUTE_BODY_MULTIPART ? s->cfg->max_upload
	                : s->cfg->max_body;
	if (cl) {
		if (len == ULLONG_MAX)
			return http_problem(r, c, 400, "bad Content-Length");
		if (len > r->body_limit) {
			char d[96];
			snprintf(d, sizeof d, "the body is larger than %zu bytes", r->body_limit);
			return http_problem(r, c, 413, d);
		}
	}
	has_body = (cl && len > 0) || (!cl && te);

	ct = http_header(c, "Content-Type");
	switch (rt->body) {
	case ROUTE_BODY_JSON:
		if (has_body && !http_is_json_type(ct))
			return http_problem(r, c, 415, "the body must be application/json");
		r->body_mode = has_body ? BODY_JSON : BODY_NONE;
		if (has_body)
			buf_init(&r->body, r->body_limit);
		break;
	case ROUTE_BODY_MULTIPART:
		if (!upload_content_type_ok(ct))
			return http_problem(r, c, 415, "the body must be multipart/form-data");
		if (upload_begin(&r->up, c, r->body_limit, cl ? len : 0))
			return http_problem(r, c, 400, r->up.why);
		r->body_mode = BODY_UPLOAD;
		break;
	case ROUTE_BODY_NONE:
		r->body_mode = has_body ? BODY_DISCARD : BODY_NONE;
		break;
	}
	return MHD_YES;     /* MHD sends 100 Continue if asked, then the body */
}

/* ---- the last call: the body is in ------------------------------------ */

/* An upload's args: the file's name, and every other part by its name (a
 * body member the function does not know: the database names it in a 422,
 * after checking the token, like any unknown field). */
static int
http_upload_args(struct req *r, struct args *a, struct args_error *err)
{
	const struct upload *u = &r->up;

	if (u->filename) {
		struct buf v;
		int rc;

		buf_init(&v, 64 * 1024);
		buf_add_json_str(&v, u->filename, strlen(u->filename));
		rc = v.err ? -1 : args_add_field(a, "filename", 8, v.p, v.len, err);
		buf_free(&v);
		if (rc)
			return -1;
	}
	for (size_t i = 0; i < u->nother; i++)
		if (args_add_field(a, u->other[i], strlen(u->other[i]), "null", 4, err))
			return -1;
	return 0;
}

static const char *
http_resp_header(const struct resp *rp, const char *name)
{
	for (size_t i = 0; i < rp->nh; i++)
		if (strcasecmp(rp->h[i].name, name) == 0)
			return rp->h[i].value;
	return NULL;
}

/* Does the query string carry a parameter named key (raw, undecoded)? */
static bool
http_query_has(const char *q, size_t qlen, const char *key)
{
	size_t kl = strlen(key), i = 0;

	while (q && i < qlen) {
		const char *s = q + i, *amp = memchr(s, '&', qlen - i);
		size_t n = amp ? (size_t) (amp - s) : qlen - i;

		if (n >= kl && memcmp(s, key, kl) == 0 && (n == kl || s[kl] == '='))
			return true;
		i += n + 1;
	}
	return false;
}

/*
 * The cache key of a public read (cache.h), or NULL when the request may
 * not be answered from the cache: a `cacheable` JSON GET (or HEAD) with no
 * token anywhere. The path and query are the client's bytes.
 */
static char *
http_cache_key(struct req *r, struct MHD_Connection *c)
{
	const struct route *rt = r->m.route;
	char *key;

	if (!rt->cacheable || rt->kind != ROUTE_KIND_JSON ||
	    (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) ||
	    http_header_count(c, "Authorization") > 0 ||
	    http_query_has(r->query, r->query_len, "access_token") || !cache_configured())
		return NULL;
	if (asprintf(&key, "%s%s%.*s", r->path, r->query ? "?" : "",
	             r->query ? (int) r->query_len : 0, r->query ? r->query : "") < 0)
		return NULL;
	return key;
}

/* ---- the database call, on a worker ------------------------------------ */

static struct req *
http_req_of_job(struct work_job *j)
{
	return (struct req *) (void *) ((char *) j - offsetof(struct req, job));
}

/* The call is answered (r->call_rp): hand the request back to MHD, which
 * calls the handler again. The last touch of r on this thread. */
static void
http_call_done(struct req *r)
{
	struct MHD_Connection *c = r->conn;

	atomic_store(&r->call, CALL_DONE);
	MHD_resume_connection(c);
}

/* No worker became free within JOBBOARD_POOL_WAIT_MS (or the server stops):
 * answered like a pool timeout, without asking the database. */
static void
http_call_unavailable(struct req *r, const char *detail)
{
	resp_problem(&r->call_rp, 503, "unavailable", detail, NULL, r->id);
	resp_header(&r->call_rp, "Retry-After", "1");
	http_call_done(r);
}

static struct pool *
http_call_pool(const struct req *r)
{
	const struct call_pools *p = &r->srv->pools;

	return r->m.route->read_only && p->replica ? p->replica : p->primary;
}

/* work_expire: the request waited its whole pool wait in the queue. */
static void
http_call_expired(struct work_job *j)
{
	struct req *r = http_req_of_job(j);

	pool_note_timeout(http_call_pool(r));
	http_call_unavailable(r, "no database connection became free in time");
}

/* On a worker. */
static void
http_call_run(struct work_job *j)
{
	struct req *r = http_req_of_job(j);
	struct http_server *s = r->srv;

	if (atomic_load(&s->calls_cut))
		http_call_unavailable(r, "the server is shutting down");
	else if (work_now_ms() - j->queued_ms > s->cfg->pool_wait_ms)
		http_call_expired(j);
	else {
		call_route(&s->pools, &r->in, &r->call_rp);
		http_call_done(r);
	}
}

/* The request is in and r->in is ready: suspend the connection (MHD stops
 * serving it) and queue the call. Suspended first, so that the worker's
 * resume always follows it. */
static enum MHD_Result
http_call_begin(struct req *r, struct MHD_Connection *c)
{
	r->conn = c;
	r->job.fn = http_call_run;
	resp_init(&r->call_rp, 500);
	atomic_store(&r->call, CALL_RUNNING);
	MHD_suspend_connection(c);
	if (!work_submit(r->srv->work, &r->job))
		http_call_run(&r->job);     /* stopping: calls_cut is set, no query */
	return MHD_YES;
}

/* Back on an MHD thread with the call's answer: cache, stream, send. */
static enum MHD_Result
http_call_answer(struct req *r, struct MHD_Connection *c)
{
	struct http_server *s = r->srv;
	const struct route *rt = r->m.route;
	struct resp rp = r->call_rp;

	memset(&r->call_rp, 0, sizeof r->call_rp);
	if (r->cache_key && rp.status == 200 && rp.body && !rp.body_free)
		cache_put(r->cache_key, r->cache_gen, rp.body, rp.len,
		          http_resp_header(&rp, "ETag"), http_resp_header(&rp, "Link"));
	/* a write through this server (or one that may have committed): cached
	 * reads may be stale now (writes elsewhere: NOTIFY jobboard_cache) */
	if (!rt->read_only && !r->shim_errors && (rp.status < 400 || rp.status >= 500))
		cache_clear("a write through this server");
	upload_free(&r->up);    /* the bytes are stored: let them go now */
	if (rp.status < 400 && r->tok)
		auth_jwt_sub(r->tok, r->user_id, sizeof r->user_id);
	if (r->sse && rp.status == 200 && rp.body) {
		int st = sse_start(r->sse, rp.body, rp.len, c, r->tok, r->id, &rp);
		if (st == 0) {
			r->streaming = true;
			resp_header(&rp, "Cache-Control", "no-cache");
			resp_header(&rp, "X-Accel-Buffering", "no");
			atomic_fetch_sub(&s->in_flight, 1);
		} else {
			r->sse = NULL;      /* sse_start dropped it */
			resp_problem(&rp, 500, "internal", NULL, NULL, r->id);
		}
	} else if (r->sse) {
		sse_abort(r->sse);
		r->sse = NULL;
	} else if (rt->kind == ROUTE_KIND_STREAM && rp.status == 200) {
		/* HEAD: the head of a stream, without one */
		resp_body(&rp, SSE_CONTENT_TYPE, NULL, 0);
		resp_header(&rp, "Cache-Control", "no-cache");
	}
	return http_send(r, c, &rp);
}

static enum MHD_Result
http_finish(struct req *r, struct MHD_Connection *c)
{
	const struct route *rt = r->m.route;
	struct jsonv_object body = {0};
	struct args args;
	struct args_error aerr;
	char why[160], *args_json = NULL, *query_token = NULL;
	char token[AUTH_MAX_TOKEN];
	const char *tok = NULL, *hv;
	enum auth_rc arc;
	struct resp rp;
	struct call_in *in;
	size_t args_len;
	char bad[HTTP_MAX_BAD][64];
	const char *bad_msg[HTTP_MAX_BAD];
	size_t nbad = 0;

	http_track_deadline(c, 0);  /* the request is in: no read deadline now */
	if (r->too_big) {
		char d[96];
		snprintf(d, sizeof d, "the body is larger than %zu bytes", r->body_limit);
		return http_problem(r, c, 413, d);
	}
	if ((r->cache_key = http_cache_key(r, c)) != NULL) {
		struct cache_hit hit;

		if (cache_get(r->cache_key, &hit)) {
			resp_init(&rp, 200);
			resp_header(&rp, "ETag", hit.etag);
			if (hit.link)
				resp_header(&rp, "Link", hit.link);
			resp_body(&rp, JSON_CONTENT_TYPE, hit.body, hit.len);
			hit.body = NULL;
			if (etag_none_match(http_header(c, "If-None-Match"), hit.etag))
				rp.status = 304;
			cache_hit_free(&hit);
			return http_send(r, c, &rp);
		}
		r->cache_gen = cache_generation();  /* before the database is asked */
	}
	if (r->body_mode == BODY_JSON &&
	    jsonv_parse_object(r->body.p ? r->body.p : "", r->body.len, &body, why,
	                       sizeof why))
		return http_problem(r, c, 400, why);
	/* body's members point into r->body: keep it until args_to_json() */
	if (r->body_mode == BODY_UPLOAD) {
		if (upload_end(&r->up))
			return http_problem(r, c, 400, r->up.why);
		if (r->up.dup_file || (r->up.filename &&
		    jsonv_utf8_check(r->up.filename, strlen(r->up.filename), true))) {
			bool dup = r->up.dup_file;
			resp_init(&rp, 422);
			resp_problem(&rp, 422, NULL, "1 field is invalid",
			             dup ? "[{\"field\":\"" UPLOAD_FIELD "\",\"message\":"
			                   "\"only one part may be named " UPLOAD_FIELD "\"}]"
			                 : "[{\"field\":\"filename\",\"message\":"
			                   "\"must be valid UTF-8\"}]", r->id);
			return http_send(r, c, &rp);
		}
	}

	args_init(&args);
	args_error_init(&aerr);
	if (args_add_path(&args, &r->m, &aerr) ||
	    args_add_query(&args, r->query, r->query_len,
	                   rt->kind == ROUTE_KIND_STREAM ? "access_token" : NULL,
	                   &query_token, &aerr) ||
	    args_add_body(&args, &body, &aerr) ||
	    (r->body_mode == BODY_UPLOAD && http_upload_args(r, &args, &aerr)))
		goto bad_args;
	if (rt->kind == ROUTE_KIND_STREAM &&
	    (hv = http_header(c, "Last-Event-ID")) != NULL &&
	    args_add_string(&args, "_last_event_id", hv, strnlen(hv, 64), ARGS_HEADER, &aerr))
		goto bad_args;

	if ((hv = http_header(c, "Idempotency-Key")) != NULL) {
		size_t n = strlen(hv);
		bool ok = n >= 1 && n <= 255 && http_header_count(c, "Idempotency-Key") == 1;
		for (size_t i = 0; ok && i < n; i++)
			if (hv[i] < 0x21 || hv[i] > 0x7e)
				ok = false;
		if (!ok) {
			aerr.status = 400;
			snprintf(aerr.detail, sizeof aerr.detail,
			         "Idempotency-Key must be 1..255 visible ASCII characters");
			goto bad_args;
		}
		if (args_add_string(&args, "_idempotency_key", hv, n, ARGS_HEADER, &aerr))
			goto bad_args;
	}
	if ((hv = http_header(c, "If-Match")) != NULL &&
	    args_add_string(&args, "_if_match", hv, strlen(hv), ARGS_HEADER, &aerr))
		goto bad_args;

	/* 401 before 422: a sent token that cannot be one */
	if (http_header_count(c, "Authorization") > 1)
		arc = AUTH_MALFORMED;
	else
		arc = auth_parse_header(http_header(c, "Authorization"), token, sizeof token);
	if (arc == AUTH_MALFORMED) {
		r->token_sent = true;
		args_free(&args);
		jsonv_object_free(&body);
		free(query_token);
		resp_init(&rp, 401);
		resp_problem(&rp, 401, NULL, "the Authorization header must be "
		             "'Bearer <token>'", NULL, r->id);
		resp_header(&rp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return http_send(r, c, &rp);
	}
	if (arc == AUTH_BEARER)
		tok = token;
	else if (query_token && *query_token)
		tok = query_token;
	r->token_sent = tok != NULL;

	/* every number of a body is an integer (API.md §1.0): one written with a
	 * fraction or an exponent is a 422 decided here, as jsonb would hide it
	 * (1e5 is 100000 by then). With `_` keys it joins their early 422; else
	 * the call runs as a dry run (call.h: shim_errors) so that 401/403/404
	 * still come first and the database's own invalid fields are named too. */
	for (size_t i = 0; i < body.n && nbad < HTTP_MAX_BAD; i++) {
		const struct jsonv_member *m = &body.m[i];

		if (m->key[0] == '_')
			continue;   /* already an unknown field */
		if (jsonv_find_nonint(m->val, m->val_len, m->key, bad[nbad], sizeof bad[nbad]))
			bad_msg[nbad++] = "must be an integer";
	}
	if (aerr.nbad) {
		char *errors;
		char d[64];
		size_t n = nbad;

		for (size_t i = 0; i < aerr.nbad && n < HTTP_MAX_BAD; i++) {
			memcpy(bad[n], aerr.bad[i], sizeof bad[n]);
			bad_msg[n++] = "unknown field";
		}
		errors = problem_fields((const char (*)[64]) bad, bad_msg, n);
		snprintf(d, sizeof d, "%zu field%s %s invalid", n,
		         n == 1 ? "" : "s", n == 1 ? "is" : "are");
		args_free(&args);
		jsonv_object_free(&body);
		free(query_token);
		resp_init(&rp, 422);
		resp_problem(&rp, 422, NULL, d, errors, r->id);
		free(errors);
		return http_send(r, c, &rp);
	}

	if (rt->cookie && !args_find(&args, rt->cookie, strlen(rt->cookie))) {
		const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
		                                             "jobboard_refresh");
		if (ck && *ck && jsonv_utf8_check(ck, strlen(ck), true) == 0 &&
		    args_add_string(&args, rt->cookie, ck, strlen(ck), ARGS_HEADER, &aerr))
			goto bad_args;
	}

	args_json = args_to_json(&args, &args_len);
	args_free(&args);
	jsonv_object_free(&body);
	buf_free(&r->body);
	/* what the call reads must outlive this stack frame: the request owns it */
	r->query_token = query_token;
	r->args_json = args_json;
	if (!args_json)
		return http_problem(r, c, 413, "the request is too large");
	if (tok == token && !(tok = r->token = strdup(token)))
		return http_problem(r, c, 500, NULL);
	r->tok = tok;
	if ((hv = http_header(c, "If-None-Match")) != NULL &&
	    !(r->if_none_match = strdup(hv)))
		return http_problem(r, c, 500, NULL);

	/* a stream is registered before the call so no event slips between */
	if (rt->kind == ROUTE_KIND_STREAM && strcmp(r->method, "GET") == 0 &&
	    !(r->sse = sse_prepare(tok)))
		return http_problem(r, c, 503, "the server is shutting down");

	/* numbers that are no integers: the database still decides 401/403/404
	 * and names its own invalid fields, in a transaction it rolls back */
	if (nbad && !(r->shim_errors = problem_fields((const char (*)[64]) bad, bad_msg, nbad)))
		return http_problem(r, c, 500, NULL);

	in = &r->in;
	in->route = rt;
	in->table = r->table;
	in->method = r->method;
	in->token = tok;
	in->args = r->args_json;
	in->request_id = r->id;
	in->raw_path = r->path;
	in->raw_query = r->query;
	in->raw_query_len = r->query_len;
	in->if_none_match = r->if_none_match;
	in->shim_errors = r->shim_errors;
	if (r->body_mode == BODY_UPLOAD) {
		in->data = r->up.data;
		in->data_len = r->up.len;
	}
	return http_call_begin(r, c);

bad_args:
	args_free(&args);
	jsonv_object_free(&body);
	free(query_token);
	return http_problem(r, c, aerr.status ? aerr.status : 400,
	                    aerr.detail[0] ? aerr.detail : NULL);
}

/* ---- MHD callbacks ------------------------------------------------------ */

static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *c, const char *url,
             const char *method, const char *version, const char *upload_data,
             size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct req *r = *con_cls;

	(void) url;
	(void) version;
	if (!r) {
		/* no URI log callback ran (should not happen): start here */
		r = http_req_new(s, url);
		if (!r)
			return MHD_NO;
		*con_cls = r;
	}
	if (!r->started) {
		r->started = true;
		atomic_fetch_add(&s->in_flight, 1);
		snprintf(r->method, sizeof r->method, "%s", method);
		r->in_begin = true;
		{
			enum MHD_Result rc = http_begin(r, c);
			r->in_begin = false;
			return rc;
		}
	}
	switch (atomic_load(&r->call)) {
	case CALL_RUNNING:
		/* not resumed yet (MHD should not call; never a second call) */
		*upload_data_size = 0;
		return MHD_YES;
	case CALL_DONE:
		atomic_store(&r->call, CALL_ANSWERED);
		*upload_data_size = 0;
		return http_call_answer(r, c);
	default:
		break;
	}
	if (r->has_pending && !r->responded) {
		struct resp rp = r->pending;

		memset(&r->pending, 0, sizeof r->pending);
		r->has_pending = false;
		*upload_data_size = 0;
		return http_send(r, c, &rp);
	}
	if (r->responded) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (http_elapsed_ms(&r->t0) > s->cfg->read_timeout_ms) {
			r->cut = true;
			r->cut_why = "too slow";
			return MHD_NO;      /* too slow: close */
		}
		r->received += n;
		if (r->received > r->body_limit && r->body_mode == BODY_UPLOAD) {
			/* chunked past the limit: MHD cannot answer mid-body; close now */
			r->cut = true;
			r->cut_why = "an upload went past the size limit";
			upload_free(&r->up);
			return MHD_NO;
		}
		if (r->received > r->body_limit) {
			r->too_big = true;
			buf_free(&r->body);
			/* chunked and oversize: drain a little for a clean 413, then give up */
			if (r->received > 2 * r->body_limit + 65536) {
				r->cut = true;
				return MHD_NO;
			}
			return MHD_YES;
		}
		if (r->body_mode == BODY_JSON && !buf_add(&r->body, upload_data, n))
			r->too_big = true;
		else if (r->body_mode == BODY_UPLOAD)
			upload_feed(&r->up, upload_data, n);    /* a malformed body: 400 at the end */
		return MHD_YES;
	}
	return http_finish(r, c);
}

static void
http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct req *r = *con_cls;
	struct log_access la;
	const char *sse_why = NULL;

	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		http_track_deadline(c, http_now_ms() + s->cfg->idle_timeout_ms);
		http_track_idle(c, true);
	}
	if (!r)
		return;
	*con_cls = NULL;
	la.request_id = r->id[0] ? r->id : NULL;
	la.method = r->method[0] ? r->method : NULL;
	la.route = r->route_tpl;
	la.status = r->responded ? r->status : 0;
	la.duration_ms = http_elapsed_ms(&r->t0);
	la.ip = r->ip[0] ? r->ip : NULL;
	la.user_id = r->user_id[0] ? r->user_id : NULL;
	if (r->sse) {
		sse_why = sse_detach(r->sse);
		r->sse = NULL;
	}
	if (r->started && r->streaming) {
		/* a stream ends when the client goes, its token expires or we stop */
		log_msg(LL_INFO, la.request_id, "event stream closed (%s)", sse_why ? sse_why :
		        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "ended by the server" :
		        toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client went away" :
		        toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown" :
		        toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "writes stalled" : "error");
		log_access(&la);
		metrics_observe(la.route, la.method, la.status, la.duration_ms);
	} else if (r->started) {
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK || r->cut || !r->responded)
			log_msg(LL_WARN, la.request_id, "request ended early (%s)",
			        r->cut ? (r->cut_why ? r->cut_why : "cut by the server") :
			        toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" :
			        toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client went away" :
			        toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown" :
			        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "no answer" : "error");
		log_access(&la);
		metrics_observe(la.route, la.method, la.status, la.duration_ms);
		atomic_fetch_sub(&s->in_flight, 1);
	}
	http_req_free(r);
}

static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void) cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* MHD names only the path, but a token must never reach the log */
	for (char *t = strstr(msg, "access_token="); t; t = strstr(t, "access_token=")) {
		t += 13;
		while (*t && *t != '&' && *t != ' ' && *t != '\'' && *t != '`')
			*t++ = '*';
	}
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_msg(LL_WARN, NULL, "http: %s", msg);
}

struct http_server *
http_start(const struct config *cfg, const struct call_pools *pools, int listen_fd,
           const char *extversion, char *err, size_t errlen)
{
	struct http_server *s = calloc(1, sizeof *s);
	/* TURBO: read a new connection and write an answer at once instead of
	 * waiting for epoll to report the socket ready (and no shutdown() before
	 * close); +1 to +11 % req/s on GET /jobs and /jobs/{id} in alternating
	 * runs on the bench set (bench/RESULTS.md) */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	                 MHD_USE_TURBO | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->pools = *pools;
	s->extversion = extversion;
	s->idle_timeout_s = (unsigned) ((cfg->idle_timeout_ms + 999) / 1000);
	s->read_timeout_s = (unsigned) ((cfg->read_timeout_ms + 999) / 1000);
	atomic_init(&s->in_flight, 0);
	atomic_init(&s->draining, false);
	atomic_init(&s->calls_cut, false);
	pthread_mutex_init(&s->route_mu, NULL);
	pthread_mutex_init(&s->track_mu, NULL);
	s->route_last_try_ms = -HTTP_ROUTE_RETRY_MS;
	/* one worker per connection of the primary pool: a worker holds at
	 * most one at a time, so calls never queue in the pool */
	s->work = work_start(cfg->pool_size, err, errlen);
	if (!s->work) {
		pthread_mutex_destroy(&s->route_mu);
		pthread_mutex_destroy(&s->track_mu);
		free(s);
		return NULL;
	}
	metrics_set_work(s->work);

	s->d = MHD_start_daemon(
		flags, 0, NULL, NULL, http_handler, s,
		MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket) listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned) (cfg->threads > 1 ? cfg->threads : 0),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) HTTP_MEMORY_LIMIT,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned) HTTP_CONNECTION_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned) (cfg->trust_proxy ? 0 : HTTP_PER_IP_LIMIT),
		MHD_OPTION_CONNECTION_TIMEOUT, s->idle_timeout_s,
		MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, s,
		MHD_OPTION_NOTIFY_COMPLETED, http_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, http_notify_connection, s,
		MHD_OPTION_UNESCAPE_CALLBACK, http_unescape_none, s,
		MHD_OPTION_STRICT_FOR_CLIENT, (int) 1,
		MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "could not start the HTTP daemon");
		metrics_set_work(NULL);
		work_stop(s->work);
		pthread_mutex_destroy(&s->route_mu);
		pthread_mutex_destroy(&s->track_mu);
		free(s);
		return NULL;
	}
	return s;
}

int
http_quiesce(struct http_server *s)
{
	int fd, n = 0;

	atomic_store(&s->draining, true);
	fd = (int) MHD_quiesce_daemon(s->d);
	/* idle keep-alive connections go at once; busy ones after their answer
	 * (it says Connection: close) */
	pthread_mutex_lock(&s->track_mu);
	for (struct track *t = s->tracks; t; t = t->next)
		if (!t->cut && atomic_load(&t->idle)) {
			shutdown(t->fd, SHUT_RDWR);
			t->cut = true;
			n++;
		}
	pthread_mutex_unlock(&s->track_mu);
	if (n)
		log_msg(LL_INFO, NULL, "closed %d idle connection(s)", n);
	return fd;
}

int
http_sweep(struct http_server *s)
{
	long long now = http_now_ms();
	int n = 0;

	pthread_mutex_lock(&s->track_mu);
	for (struct track *t = s->tracks; t; t = t->next) {
		long long dl = atomic_load(&t->deadline_ms);
		if (!t->cut && dl && now > dl) {
			shutdown(t->fd, SHUT_RDWR);     /* MHD sees EOF and closes it */
			t->cut = true;
			n++;
		}
	}
	pthread_mutex_unlock(&s->track_mu);
	if (n)
		log_msg(LL_INFO, NULL, "closed %d connection(s) that were too slow", n);
	/* calls that waited their whole pool wait behind busy workers: 503 */
	work_expire(s->work, now - s->cfg->pool_wait_ms, http_call_expired);
	return n;
}

int
http_in_flight(struct http_server *s)
{
	return atomic_load(&s->in_flight);
}

void
http_cut_calls(struct http_server *s)
{
	atomic_store(&s->calls_cut, true);
}

void
http_stop(struct http_server *s)
{
	if (!s)
		return;
	/*
	 * MHD must not stop with a connection suspended, nor may a worker
	 * resume one after it stopped: first no new call, every queued one
	 * answered 503, every running one finished (main cancelled their
	 * queries if the drain ran out), each connection resumed, the workers
	 * joined; then the daemon, which sends or drops those answers.
	 */
	http_cut_calls(s);
	metrics_set_work(NULL);
	work_stop(s->work);
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->route_mu);
	pthread_mutex_destroy(&s->track_mu);
	free(s);
}
