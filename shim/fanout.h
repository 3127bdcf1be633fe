/*
 * fanout.h — reading new events from the database for the event streams.
 *
 * Owns the shim's position in jobboard.events: on every run (after a
 * NOTIFY jobboard_events, after a reconnect, and periodically as a
 * fallback) it reads `jobboard.events_after(<position>, 1000)` page by page
 * and hands each event to sse_publish() exactly once.
 *
 * The position is a low-water mark, not simply the highest id seen: ids
 * come from a sequence, so a transaction that took id 7 may commit after
 * one that took id 8. Ids above a gap are remembered (bounded) and the gap
 * is read again on every run until it fills or FANOUT_GAP_WAIT_MS passes
 * (a rolled-back change leaves a gap for ever). Late events are therefore
 * delivered, and none twice.
 */
#ifndef SHIM_FANOUT_H
#define SHIM_FANOUT_H

#include <stdbool.h>

#include <libpq-fe.h>

#define FANOUT_PAGE 1000
#define FANOUT_MAX_PAGES 20         /* per run: the main loop stays responsive */
#define FANOUT_GAP_WAIT_MS 10000
#define FANOUT_SEEN_MAX 100000      /* ids remembered above a gap */

struct fanout;

/* publish(user_id, id, event, data_json) is called for each new event. */
typedef void (*fanout_publish_fn)(long long user_id, long long id,
                                  const char *event, const char *data);

struct fanout *fanout_create(fanout_publish_fn publish);
void fanout_destroy(struct fanout *f);
/* Read what is new through conn (the first run only takes the current head
 * as the starting point). 0, or -1 when the connection failed. */
int fanout_run(struct fanout *f, PGconn *conn);
/* Is a gap being waited for (then run more often)? */
bool fanout_waiting(const struct fanout *f);
/* The low-water mark (every id up to it is done), -1 before the first run. */
long long fanout_position(const struct fanout *f);

#endif
