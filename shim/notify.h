/*
 * notify.h — the shim's LISTEN connection.
 *
 * Owns one libpq connection, outside the pool, that LISTENs for the
 * extension's notifications. Today: `jobboard_routes`, which reloads the
 * route table (pooled connections re-prepare their statements on next use).
 * Later: event fan-out for SSE and response-cache invalidation hang off the
 * same connection. Driven from the main loop; reconnects by itself.
 */
#ifndef SHIM_NOTIFY_H
#define SHIM_NOTIFY_H

struct notify;

struct notify *notify_create(const char *conninfo);
/* Connect if needed, read pending notifications and act on them. Never
 * blocks longer than a connection attempt. */
void notify_poll(struct notify *n);
void notify_destroy(struct notify *n);

#endif
