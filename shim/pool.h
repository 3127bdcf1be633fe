/*
 * pool.h — a fixed-size pool of libpq connections.
 *
 * Owns the database connections of one server (primary or replica): a fixed
 * number of slots, checked out by request threads for one call each. A
 * request waits at most `wait_ms` for a free slot (POOL_TIMEOUT), and gets
 * POOL_DOWN at once when every slot is broken (database unreachable). Broken
 * slots are reconnected by pool_maintain() (the main loop calls it often),
 * with exponential backoff capped at 1 s, so service resumes within about a
 * second of the database coming back. After any connection failure every
 * idle slot becomes suspect and is verified (an empty query) before it is
 * handed out again, so no request is given a half-dead connection twice.
 */
#ifndef SHIM_POOL_H
#define SHIM_POOL_H

#include <stdbool.h>

#include <libpq-fe.h>

struct pool;
struct pool_conn;

enum pool_rc { POOL_OK = 0, POOL_TIMEOUT, POOL_DOWN };

/* Called on a fresh connection before it is first used; `tag` is the slot's
 * user tag (reset to 0 on every reconnect). Return 0, or -1 to drop it. */
typedef int (*pool_connect_fn)(PGconn *conn, unsigned *tag, void *arg);

struct pool_stats {
	int size;
	int idle;
	int busy;
	int broken;
	int waiting;
	unsigned long timeouts;
};

struct pool *pool_create(const char *name, const char *conninfo, int size,
                         int wait_ms, pool_connect_fn on_connect, void *arg);
void pool_destroy(struct pool *p);
const char *pool_name(const struct pool *p);

enum pool_rc pool_checkout(struct pool *p, struct pool_conn **out);
/* Give a slot back; broken=true when the call failed at connection level. */
void pool_release(struct pool *p, struct pool_conn *c, bool broken);
PGconn *pool_pg(struct pool_conn *c);
unsigned *pool_tag(struct pool_conn *c);

/* Reconnect broken slots whose backoff has passed; check idle ones for a
 * connection closed by the server. Returns the number of usable slots. */
int pool_maintain(struct pool *p);
void pool_get_stats(struct pool *p, struct pool_stats *s);
/* Ask the server to cancel the query of every checked-out connection (at
 * shutdown, for requests that outlived the drain). Returns how many. */
int pool_cancel_busy(struct pool *p);

/* A request gave up waiting for a connection of p before it could ask
 * (it waited its JOBBOARD_POOL_WAIT_MS in the work queue): counted with the
 * pool's own timeouts. */
void pool_note_timeout(struct pool *p);

/* Did this call fail because the connection is gone (not a SQL error)? */
bool pool_conn_failed(PGconn *conn, const PGresult *res);

#endif
