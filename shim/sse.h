/*
 * sse.h — Server-Sent Events on routes of kind `stream` (GET /events,
 * API.md §3.8; docs/INTERFACE.md "Calls").
 *
 * Owns every open event stream: a per-user index of streams, each with a
 * bounded queue of formatted events (SSE_QUEUE_MAX_EVENTS events or
 * SSE_QUEUE_MAX_BYTES bytes of live events; a client too slow to drain it
 * is disconnected and logged), heartbeats, the end of a stream when its
 * access token expires, and the end of all streams at shutdown.
 *
 * No thread per client: a stream is an MHD response read through a
 * callback. When its queue is empty the callback suspends the connection
 * (it then costs no thread and no polling); publishing an event or a
 * heartbeat resumes it. One mutex guards all of it; the critical sections
 * are a hash probe or a memcpy of queued bytes.
 *
 * A stream's life: sse_prepare() registers it before the database is asked
 * (so nothing published meanwhile is missed), sse_start() binds it to the
 * user the database named and to the connection, with the events to replay
 * first, and sets the streaming body; sse_abort() drops one that never
 * started; sse_detach() is called when MHD is done with the request.
 */
#ifndef SHIM_SSE_H
#define SHIM_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "resp.h"

#define SSE_CONTENT_TYPE "text/event-stream"
#define SSE_QUEUE_MAX_EVENTS 256
#define SSE_QUEUE_MAX_BYTES (1024 * 1024)
#define SSE_HEARTBEAT_MS 14000      /* API.md: a comment at least every 15 s */
#define SSE_REPLAY_PAGE 1000        /* events() replays at most this many */

struct sse_stream;

struct sse_stats {
	int clients;                    /* streams open */
	unsigned long events;           /* events queued to streams */
	unsigned long slow_dropped;     /* clients disconnected for a full queue */
};

/* Register a stream for the user the token names (its `sub`, unverified
 * until the database answers). NULL while shutting down. */
struct sse_stream *sse_prepare(const char *token);
/* The database answered the stream's call with `json` ({user_id, events}).
 * Bind the stream to that user and to c, queue the replay, and make rp a
 * text/event-stream response read from the stream. 0, or -1 (the stream
 * is dropped; answer 500). */
int sse_start(struct sse_stream *s, const char *json, size_t len,
              struct MHD_Connection *c, const char *token,
              const char *request_id, struct resp *rp);
/* The call failed (or the request went away) before sse_start(). */
void sse_abort(struct sse_stream *s);
/* MHD has finished the request: stop feeding the stream. Returns why the
 * server cut it ("too slow", "client hung up"), or NULL. */
const char *sse_detach(struct sse_stream *s);

/* Queue one event for every stream of user_id (the listener's fan-out).
 * data is one line of JSON text. */
void sse_publish(long long user_id, long long id, const char *event,
                 const char *data);
/* Heartbeats and token expiry; call a few times a second. */
void sse_tick(void);
/* End every stream now and refuse new ones (graceful shutdown). */
void sse_shutdown(void);
void sse_get_stats(struct sse_stats *st);

/* Pure helpers (unit-tested). */
/* "id: N\nevent: E\ndata: D\n\n" (malloc'd); NULL when the event name is
 * not [A-Za-z0-9._-]{1,64} or data holds a line break. */
char *sse_format(long long id, const char *event, const char *data, size_t *len);

#endif
