/* Unit tests: event formatting and stream bookkeeping without a connection (sse.c). */
#include "tap.h"

#include <stdlib.h>

#include "../log.h"
#include "../sse.h"

int
main(void)
{
	size_t len = 0;
	char *t;
	struct sse_stream *s;
	struct sse_stats st;
	/* header {"alg":"HS256"}, payload {"sub":"42","exp":1}, fake signature */
	const char *tok = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImV4cCI6MX0.c2ln";

	log_init(LOG_FORMAT_TEXT, 2);
	t = sse_format(7, "application.created", "{\"id\":1}", &len);
	is_str(t ? t : "(null)", "id: 7\nevent: application.created\ndata: {\"id\":1}\n\n",
	       "one event: id, event, data, blank line");
	is_int(len, t ? strlen(t) : 0, "its length");
	free(t);
	ok(sse_format(1, "bad name", "{}", NULL) == NULL, "an event name with a space is refused");
	ok(sse_format(1, "x\nid: 9", "{}", NULL) == NULL, "an event name with a line break is refused");
	ok(sse_format(1, "", "{}", NULL) == NULL, "an empty event name is refused");
	ok(sse_format(1, "x", "{\"a\":\n1}", NULL) == NULL, "data with a line break is refused");
	ok(sse_format(1, "x", "{\"a\":\r1}", NULL) == NULL, "data with a CR is refused");

	/* a stream that is prepared but never started is not counted */
	s = sse_prepare(tok);
	ok(s != NULL, "a stream is prepared");
	sse_publish(42, 1, "x", "{}");      /* queued for it, nobody to wake */
	sse_publish(43, 2, "x", "{}");
	sse_get_stats(&st);
	is_int(st.clients, 0, "a prepared stream is not a client yet");
	is_int((long) st.events, 1, "one event was queued (for user 42 only)");
	sse_abort(s);
	sse_tick();
	sse_shutdown();
	ok(sse_prepare(tok) == NULL, "no stream is prepared after shutdown");
	return tap_done();
}
