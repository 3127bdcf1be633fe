/*
 * resp.c — responses with the headers every answer carries (see resp.h).
 */
#include "resp.h"

#include <stdlib.h>
#include <string.h>

#include "cors.h"
#include "log.h"
#include "problem.h"

static const struct {
	const char *name;
	const char *value;
} resp_security[] = {
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
};

#define RESP_CSP "default-src 'none'; frame-ancestors 'none'"
#define RESP_HSTS "max-age=31536000; includeSubDomains"
#define RESP_STREAM_BLOCK (16 * 1024)

void
resp_init(struct resp *r, int status)
{
	memset(r, 0, sizeof *r);
	r->status = status;
}

static void
resp_release_body(struct resp *r)
{
	if (r->body_free)
		r->body_free(r->body_cls);
	else
		free(r->body);
	if (r->reader_free)
		r->reader_free(r->reader_cls);
	r->body = NULL;
	r->body_free = NULL;
	r->body_cls = NULL;
	r->reader = NULL;
	r->reader_free = NULL;
	r->reader_cls = NULL;
}

void
resp_free(struct resp *r)
{
	resp_release_body(r);
	for (size_t i = 0; i < r->nh; i++)
		free(r->h[i].value);
	memset(r, 0, sizeof *r);
}

void
resp_header(struct resp *r, const char *name, const char *value)
{
	char *v;

	if (r->nh == RESP_MAX_HEADERS) {
		log_msg(LL_ERROR, NULL, "too many response headers; %s dropped", name);
		return;
	}
	v = strdup(value);
	if (!v)
		return;
	r->h[r->nh].name = name;
	r->h[r->nh].value = v;
	r->nh++;
}

void
resp_body(struct resp *r, const char *content_type, char *body, size_t len)
{
	resp_release_body(r);
	r->content_type = content_type;
	r->body = body;
	r->len = len;
}

void
resp_body_ref(struct resp *r, const char *content_type, const char *body,
              size_t len, void (*free_fn)(void *cls), void *cls)
{
	resp_release_body(r);
	r->content_type = content_type;
	r->body = (char *) body;
	r->len = len;
	r->body_free = free_fn;
	r->body_cls = cls;
}

void
resp_stream(struct resp *r, const char *content_type,
            MHD_ContentReaderCallback reader,
            MHD_ContentReaderFreeCallback reader_free, void *cls)
{
	resp_release_body(r);
	r->content_type = content_type;
	r->reader = reader;
	r->reader_free = reader_free;
	r->reader_cls = cls;
}

void
resp_problem(struct resp *r, int status, const char *code, const char *detail,
             const char *errors_json, const char *request_id)
{
	size_t len = 0;
	char *b = problem_body(status, code, detail, errors_json, request_id, &len);

	r->status = status;
	if (b)
		resp_body(r, PROBLEM_CONTENT_TYPE, b, len);
}

enum MHD_Result
resp_queue(struct MHD_Connection *conn, struct resp *r, const struct resp_ctx *ctx)
{
	struct MHD_Response *m;
	enum MHD_Result rc;
	bool has_body = r->status != 204 && r->status != 304;

	if (r->reader && has_body)
		m = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, RESP_STREAM_BLOCK,
		                                      r->reader, r->reader_cls,
		                                      r->reader_free);
	else if (r->body && has_body && r->body_free)
		m = MHD_create_response_from_buffer_with_free_callback_cls(
			r->len, r->body, r->body_free, r->body_cls);
	else if (r->body && has_body)
		m = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	else
		m = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!m) {
		resp_free(r);
		return MHD_NO;
	}
	if (r->reader && has_body) {
		r->reader = NULL;       /* MHD owns the stream now */
		r->reader_free = NULL;
		r->reader_cls = NULL;
	} else if (r->body && has_body) {
		r->body = NULL;         /* MHD owns it now */
		r->body_free = NULL;
		r->body_cls = NULL;
	}
	for (size_t i = 0; i < sizeof resp_security / sizeof resp_security[0]; i++)
		MHD_add_response_header(m, resp_security[i].name, resp_security[i].value);
	MHD_add_response_header(m, "Content-Security-Policy", ctx->csp ? ctx->csp : RESP_CSP);
	if (ctx->request_id)
		MHD_add_response_header(m, "X-Request-Id", ctx->request_id);
	if (ctx->hsts)
		MHD_add_response_header(m, "Strict-Transport-Security", RESP_HSTS);
	if (ctx->cors_origin)
		cors_add_headers(m, ctx->cors_origin);
	else if (ctx->cors_vary)
		MHD_add_response_header(m, "Vary", "Origin");
	if (ctx->no_store)
		MHD_add_response_header(m, "Cache-Control", "no-store");
	if (ctx->close)
		MHD_add_response_header(m, "Connection", "close");
	if (r->content_type && r->status != 204 && r->status != 304)
		MHD_add_response_header(m, "Content-Type", r->content_type);
	for (size_t i = 0; i < r->nh; i++)
		MHD_add_response_header(m, r->h[i].name, r->h[i].value);
	rc = MHD_queue_response(conn, (unsigned) r->status, m);
	MHD_destroy_response(m);
	resp_free(r);
	return rc;
}
