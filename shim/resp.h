/*
 * resp.h — building and queueing HTTP responses.
 *
 * Owns what every response carries: the security headers of API.md §1.4,
 * X-Request-Id, HSTS when enabled, CORS headers for a listed Origin, and
 * `Connection: close` while draining. A `struct resp` collects status, body
 * and extra headers; resp_queue() turns it into an MHD response.
 */
#ifndef SHIM_RESP_H
#define SHIM_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#define RESP_MAX_HEADERS 16
#define JSON_CONTENT_TYPE "application/json"

struct resp_header {
	const char *name;       /* static string */
	char *value;            /* owned */
};

struct resp {
	int status;
	const char *content_type;   /* static; NULL: no body */
	char *body;                 /* owned */
	size_t len;
	/* A body that is not malloc'd (bytes inside a PGresult): released with
	 * body_free(body_cls) instead of free(). */
	void (*body_free)(void *cls);
	void *body_cls;
	/* A streamed body (Server-Sent Events): MHD pulls it from reader until
	 * it ends; reader_free(reader_cls) when the response is gone. */
	MHD_ContentReaderCallback reader;
	MHD_ContentReaderFreeCallback reader_free;
	void *reader_cls;
	struct resp_header h[RESP_MAX_HEADERS];
	size_t nh;
};

struct resp_ctx {
	const char *request_id;
	const char *cors_origin;    /* listed Origin of the request, or NULL */
	bool cors_vary;             /* CORS is on: Vary: Origin on every answer */
	bool hsts;
	bool close;                 /* draining: ask the client to go */
	bool no_store;              /* Cache-Control: no-store */
	const char *csp;            /* NULL: the strict default policy */
};

void resp_init(struct resp *r, int status);
void resp_free(struct resp *r);
/* Add a header (value copied). Silently ignored past RESP_MAX_HEADERS. */
void resp_header(struct resp *r, const char *name, const char *value);
/* Body: takes ownership of a malloc'd buffer. */
void resp_body(struct resp *r, const char *content_type, char *body, size_t len);
/* Body borrowed from an owner that free_fn(cls) releases (taken over). */
void resp_body_ref(struct resp *r, const char *content_type, const char *body,
                   size_t len, void (*free_fn)(void *cls), void *cls);
/* A streamed body of unknown length (chunked); takes over cls. */
void resp_stream(struct resp *r, const char *content_type,
                 MHD_ContentReaderCallback reader,
                 MHD_ContentReaderFreeCallback reader_free, void *cls);
/* A problem+json response (API.md §1.1). errors_json only used for 422. */
void resp_problem(struct resp *r, int status, const char *code,
                  const char *detail, const char *errors_json,
                  const char *request_id);
/* Queue on the connection; frees r's contents. */
enum MHD_Result resp_queue(struct MHD_Connection *conn, struct resp *r,
                           const struct resp_ctx *ctx);

#endif
