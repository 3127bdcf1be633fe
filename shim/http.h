/*
 * http.h — the HTTP front: libmicrohttpd daemon and the request path.
 *
 * Owns the MHD daemon (internal polling thread + epoll + a thread pool of
 * JOBBOARD_THREADS, which parse requests and write answers) and every
 * request's life: state allocated when the request line arrives, header
 * checks, route matching, body accumulation within the limit, args
 * assembly, the database call (call.c, run on a work queue of pool-size
 * workers while the connection is suspended; see http.c), the response
 * (resp.c) and one access-log line when the request is done.
 */
#ifndef SHIM_HTTP_H
#define SHIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "call.h"
#include "config.h"

struct http_server;

/* Start serving on an already bound, listening socket. NULL + err on failure. */
struct http_server *http_start(const struct config *cfg,
                               const struct call_pools *pools, int listen_fd,
                               const char *extversion, char *err, size_t errlen);
/* Stop accepting new connections and close idle keep-alive ones; in-flight
 * requests go on (their answers say Connection: close). Returns the
 * listening socket (now the caller's to close) or -1. */
int http_quiesce(struct http_server *s);
/* Shut down connections whose request did not arrive within the read
 * timeout (or that sat idle past the idle timeout). Returns how many. */
int http_sweep(struct http_server *s);
/* Requests whose headers have arrived and that are not finished. */
int http_in_flight(struct http_server *s);
/* From now on a call that has not begun is answered 503 without asking
 * the database (the drain ran out: call it before cancelling the running
 * queries, so that a freed worker does not start another). */
void http_cut_calls(struct http_server *s);
/* Close everything (cuts what is still running: calls not begun get 503,
 * running ones are waited for) and free. */
void http_stop(struct http_server *s);

#endif
