/*
 * notify.h — the shim's LISTEN connection.
 *
 * Owns one libpq connection, outside the pool (application name
 * jobboard-http-listen), that LISTENs for the extension's notifications:
 * `jobboard_routes` reloads the route table (pooled connections re-prepare
 * their statements on next use); `jobboard_events` runs the event fan-out
 * (fanout.h) on the same connection, which also runs every
 * NOTIFY_FANOUT_MS as a fallback, and at once after a reconnect so that
 * events written while the connection was down are caught up. Driven from
 * the main loop; reconnects by itself with a backoff (NOTIFY_RETRY_MIN_MS
 * doubling up to NOTIFY_RETRY_MAX_MS).
 */
#ifndef SHIM_NOTIFY_H
#define SHIM_NOTIFY_H

#define NOTIFY_RETRY_MIN_MS 250
#define NOTIFY_RETRY_MAX_MS 2000
#define NOTIFY_FANOUT_MS 2000       /* fallback when no NOTIFY arrives */
#define NOTIFY_GAP_MS 250           /* while the fan-out waits for a gap */

struct notify;

struct notify *notify_create(const char *conninfo);
/* Wait up to timeout_ms for a notification (returns early when one may have
 * arrived); simply sleeps while not connected. */
void notify_wait(struct notify *n, int timeout_ms);
/* Connect if needed, read pending notifications and act on them. Never
 * blocks longer than a connection attempt and a few short queries. */
void notify_poll(struct notify *n);
void notify_destroy(struct notify *n);

#endif
