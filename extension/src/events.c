/*
 * events.c — live events for the HTTP shim's Server-Sent Events (API.md §3.8).
 *
 * Events are rows of jobboard.events, one per recipient, written by
 * jobboard.emit() in the transaction of the change. The shim opens a stream
 * with events(): it authenticates the caller and replays what the caller
 * missed after Last-Event-ID. It then learns of new rows by LISTEN and reads
 * them in id order with events_after(), which only the API role may call.
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#define REPLAY_MAX_EVENTS 1000
#define FANOUT_MAX_EVENTS 1000

static JbStatement replay = {
	"SELECT jsonb_build_object('user_id', $1::bigint, 'session_id', $2::bigint, "
	"  'events', coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'event', e.event, 'data', e.data) "
	"                     ORDER BY e.id), '[]')) "
	"  FROM (SELECT * FROM jobboard.events WHERE user_id = $1 AND id > $3 "
	"         ORDER BY id LIMIT " CppAsString2(REPLAY_MAX_EVENTS) ") e",
	3, {INT8OID, INT8OID, INT8OID}
};

static JbStatement head = {
	"SELECT coalesce(max(id), 0) FROM jobboard.events", 0, {0}
};

/*
 * events(token, args {_last_event_id?}): who is listening, and what they
 * missed. Without Last-Event-ID nothing is replayed: the stream starts now.
 */
ENTRY_POINT(events)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		after = -1;
	Datum		values[3];

	if (ArgsInt64(args, "_last_event_id", ARG_QUERY, 0, PG_INT64_MAX, &after) != ARG_PRESENT)
		after = -1;
	ArgsEnd(args);
	DbEnter();
	if (after < 0)
	{
		DbRun(&head, NULL, NULL);
		after = DbInt64(0, 0);
	}
	values[0] = Int64GetDatum(caller->user_id);
	values[1] = Int64GetDatum(caller->session_id);
	values[2] = Int64GetDatum(after);
	return DbLeaveJsonb(DbRunJsonb(&replay, values, NULL));
}

static JbStatement fanout = {
	"SELECT jsonb_build_object('events', coalesce(jsonb_agg(jsonb_build_object( "
	"         'id', e.id, 'user_id', e.user_id, 'event', e.event, 'data', e.data) ORDER BY e.id), '[]'), "
	"       'head', (SELECT coalesce(max(id), 0) FROM jobboard.events)) "
	"  FROM (SELECT * FROM jobboard.events WHERE id > $1 ORDER BY id LIMIT $2) e",
	2, {INT8OID, INT4OID}
};

/*
 * events_after(after bigint, max int): every recipient's events after an id,
 * oldest first, for the shim's fan-out. Not an HTTP route.
 */
PG_FUNCTION_INFO_V1(jb_events_after);
Datum
jb_events_after(PG_FUNCTION_ARGS)
{
	Datum		values[2];

	values[0] = Int64GetDatum(PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0));
	values[1] = Int32GetDatum(PG_ARGISNULL(1) ? FANOUT_MAX_EVENTS
							  : Min(Max(PG_GETARG_INT32(1), 1), FANOUT_MAX_EVENTS));
	DbEnter();
	return DbLeaveJsonb(DbRunJsonb(&fanout, values, NULL));
}
