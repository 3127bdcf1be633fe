/*
 * fanout.c — events_after() pages to sse_publish() (see fanout.h).
 *
 * `seen` holds the ids above `low` that were already published, sorted,
 * in seen[first .. first+n). Ids arrive mostly in order, so inserting is
 * usually an append.
 */
#include "fanout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "log.h"
#include "pool.h"

struct fanout {
	fanout_publish_fn publish;
	bool init;
	long long low;
	long long *seen;
	size_t first, n, cap;
	long long gap_since_ms;     /* 0: no gap */
	bool error_logged;
};

static long long
fanout_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct fanout *
fanout_create(fanout_publish_fn publish)
{
	struct fanout *f = calloc(1, sizeof *f);

	if (f) {
		f->publish = publish;
		f->low = -1;
	}
	return f;
}

void
fanout_destroy(struct fanout *f)
{
	if (!f)
		return;
	free(f->seen);
	free(f);
}

bool
fanout_waiting(const struct fanout *f)
{
	return f && f->n > 0;
}

long long
fanout_position(const struct fanout *f)
{
	return f && f->init ? f->low : -1;
}

/* Index in seen[first..first+n) where id is or would go. */
static size_t
fanout_find(const struct fanout *f, long long id)
{
	size_t lo = f->first, hi = f->first + f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->seen[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
fanout_seen(const struct fanout *f, long long id)
{
	size_t i = fanout_find(f, id);

	return i < f->first + f->n && f->seen[i] == id;
}

static bool
fanout_remember(struct fanout *f, long long id)
{
	size_t i;

	if (f->first > 0 && f->first + f->n == f->cap) {
		memmove(f->seen, f->seen + f->first, f->n * sizeof *f->seen);
		f->first = 0;
	}
	if (f->first + f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 256;
		long long *ns = realloc(f->seen, nc * sizeof *ns);
		if (!ns)
			return false;
		f->seen = ns;
		f->cap = nc;
	}
	i = fanout_find(f, id);
	memmove(f->seen + i + 1, f->seen + i, (f->first + f->n - i) * sizeof *f->seen);
	f->seen[i] = id;
	f->n++;
	return true;
}

/* Move low up over what is done; give up on a gap that waited too long. */
static void
fanout_advance(struct fanout *f)
{
	long long now = fanout_now_ms();

	for (;;) {
		while (f->n > 0 && f->seen[f->first] <= f->low + 1) {
			if (f->seen[f->first] == f->low + 1)
				f->low++;
			f->first++;
			f->n--;
		}
		if (f->n == 0) {
			f->first = 0;
			f->gap_since_ms = 0;
			return;
		}
		if (f->gap_since_ms == 0)
			f->gap_since_ms = now;
		if (now - f->gap_since_ms < FANOUT_GAP_WAIT_MS && f->n < FANOUT_SEEN_MAX)
			return;
		/* a rolled-back change (or one that took far too long): skip it */
		f->low = f->seen[f->first] - 1;
		f->gap_since_ms = now;
	}
}

static int
fanout_fail(struct fanout *f, PGconn *conn, PGresult *res, const char *what)
{
	bool lost = pool_conn_failed(conn, res);

	if (!lost && !f->error_logged) {
		log_msg(LL_ERROR, NULL, "event fan-out: %s: %s", what,
		        res && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
		        ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(conn));
		f->error_logged = true;
	}
	PQclear(res);
	return lost ? -1 : 0;
}

/* One page after `after`: publishes what is new. Returns the number of
 * events in the page (-1 failed, -2 connection lost); *last = its last id. */
static int
fanout_page(struct fanout *f, PGconn *conn, long long after, long long *last)
{
	char a[32], m[16];
	const char *params[2] = {a, m};
	PGresult *res;
	json_object *root, *events;
	size_t len;

	snprintf(a, sizeof a, "%lld", after);
	snprintf(m, sizeof m, "%d", FANOUT_PAGE);
	res = PQexecParams(conn, "SELECT jobboard.events_after($1::bigint, $2::int)::text",
	                   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, 0))
		return fanout_fail(f, conn, res, "events_after") < 0 ? -2 : -1;
	root = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!root || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "events", &events) ||
	    !json_object_is_type(events, json_type_array)) {
		json_object_put(root);
		if (!f->error_logged)
			log_msg(LL_ERROR, NULL, "event fan-out: events_after() answered no events array");
		f->error_logged = true;
		return -1;
	}
	len = json_object_array_length(events);
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(events, i), *id, *uid, *ev, *data;
		long long eid;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "id", &id) ||
		    !json_object_object_get_ex(e, "user_id", &uid) ||
		    !json_object_object_get_ex(e, "event", &ev) ||
		    !json_object_object_get_ex(e, "data", &data) ||
		    !json_object_is_type(id, json_type_int) ||
		    !json_object_is_type(uid, json_type_int) ||
		    !json_object_is_type(ev, json_type_string))
			continue;
		eid = json_object_get_int64(id);
		*last = eid;
		if (eid <= f->low || fanout_seen(f, eid))
			continue;
		f->publish(json_object_get_int64(uid), eid, json_object_get_string(ev),
		           json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
		                                          JSON_C_TO_STRING_NOSLASHESCAPE));
		if (!fanout_remember(f, eid) && eid == f->low + 1)
			f->low = eid;   /* out of memory: at least keep moving */
	}
	json_object_put(root);
	f->error_logged = false;
	return (int) len;
}

int
fanout_run(struct fanout *f, PGconn *conn)
{
	long long after;

	if (!f->init) {
		/* start at the head: events before the shim started have no stream */
		PGresult *res = PQexec(conn, "SELECT (jobboard.events_after("
		                             "9223372036854775807, 1) ->> 'head')::bigint");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
		    PQgetisnull(res, 0, 0))
			return fanout_fail(f, conn, res, "events_after (head)");
		f->low = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		f->init = true;
		PQclear(res);
		return 0;
	}
	after = f->low;
	for (int page = 0; page < FANOUT_MAX_PAGES; page++) {
		long long last = after;
		int n = fanout_page(f, conn, after, &last);

		if (n == -2)
			return -1;
		if (n < FANOUT_PAGE)
			break;
		after = last;
	}
	fanout_advance(f);
	return 0;
}
