/*
 * notify.c — LISTEN, route reloads, cache invalidation and the event
 * fan-out (see notify.h).
 */
#include "notify.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "cache.h"
#include "fanout.h"
#include "log.h"
#include "route.h"
#include "sse.h"

struct notify {
	char *conninfo;
	PGconn *pg;
	long long next_try_ms;
	int backoff_ms;
	bool reload_pending;    /* a reload failed: try again */
	bool ever_connected;
	bool down_logged;
	struct fanout *fan;
	bool fan_due;
	long long next_fan_ms;
};

static long long
notify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
notify_quiet(void *arg, const char *message)
{
	(void) arg;
	(void) message;     /* the pool already reports the database's state */
}

struct notify *
notify_create(const char *conninfo)
{
	struct notify *n = calloc(1, sizeof *n);

	if (!n || !(n->conninfo = strdup(conninfo)) || !(n->fan = fanout_create(sse_publish))) {
		if (n)
			free(n->conninfo);
		free(n);
		return NULL;
	}
	n->backoff_ms = NOTIFY_RETRY_MIN_MS;
	return n;
}

static void
notify_reload(struct notify *n)
{
	char err[512];

	if (route_load(n->pg, err, sizeof err)) {
		log_msg(LL_ERROR, NULL, "route reload: %s", err);
		n->reload_pending = true;
	} else
		n->reload_pending = false;
}

static void
notify_drop(struct notify *n)
{
	/* no invalidations can be heard now: no cached reads either */
	cache_enable(false);
	PQfinish(n->pg);
	n->pg = NULL;
	n->next_try_ms = notify_now_ms() + n->backoff_ms;
	n->backoff_ms = n->backoff_ms * 2 > NOTIFY_RETRY_MAX_MS ? NOTIFY_RETRY_MAX_MS
	                : n->backoff_ms * 2;
	if (!n->down_logged) {
		log_msg(LL_WARN, NULL, "listen connection lost; reconnecting "
		        "(events resume from id %lld)", fanout_position(n->fan));
		n->down_logged = true;
	}
}

static bool
notify_connect(struct notify *n)
{
	const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *vals[] = {"3", "jobboard-http-listen", n->conninfo, NULL};
	PGresult *res;

	n->pg = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(n->pg) != CONNECTION_OK) {
		notify_drop(n);
		return false;
	}
	PQsetNoticeProcessor(n->pg, notify_quiet, NULL);
	res = PQexec(n->pg, "LISTEN jobboard_routes; LISTEN jobboard_events; "
	                    "LISTEN jobboard_cache");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		notify_drop(n);
		return false;
	}
	PQclear(res);
	/* whatever changed while we were not listening: reload once */
	if (n->ever_connected && route_current_gen() > 0)
		n->reload_pending = true;
	if (n->down_logged)
		log_msg(LL_INFO, NULL, "listen connection back");
	n->ever_connected = true;
	n->down_logged = false;
	n->backoff_ms = NOTIFY_RETRY_MIN_MS;
	n->fan_due = true;      /* catch up on what was written meanwhile */
	cache_enable(true);     /* from empty: writes while down were not heard */
	return true;
}

void
notify_wait(struct notify *n, int timeout_ms)
{
	struct pollfd pfd;

	if (n && n->pg && (pfd.fd = PQsocket(n->pg)) >= 0) {
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, timeout_ms) >= 0 || errno == EINTR)
			return;
	}
	{
		struct timespec ts = {timeout_ms / 1000, (long) (timeout_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

void
notify_poll(struct notify *n)
{
	PGnotify *nt;
	bool reload = false, clear = false;
	long long now = notify_now_ms();

	if (!n)
		return;
	if (!n->pg) {
		if (now < n->next_try_ms)
			return;
		if (!notify_connect(n))
			return;
	}
	if (!PQconsumeInput(n->pg) || PQstatus(n->pg) != CONNECTION_OK) {
		notify_drop(n);
		return;
	}
	/* notifications that came in during our own queries are read here too */
	for (int round = 0; round < 4; round++) {
		while ((nt = PQnotifies(n->pg)) != NULL) {
			if (strcmp(nt->relname, "jobboard_routes") == 0)
				reload = true;
			else if (strcmp(nt->relname, "jobboard_cache") == 0)
				clear = true;
			else if (strcmp(nt->relname, "jobboard_events") == 0)
				n->fan_due = true;
			PQfreemem(nt);
		}
		if (clear) {
			cache_clear("NOTIFY jobboard_cache");
			clear = false;
		}
		if (reload || n->reload_pending) {
			notify_reload(n);
			cache_clear("route reload");
			reload = false;
		}
		if (!n->fan_due && now < n->next_fan_ms)
			break;
		n->fan_due = false;
		if (fanout_run(n->fan, n->pg)) {
			notify_drop(n);
			return;
		}
		now = notify_now_ms();
		n->next_fan_ms = now + (fanout_waiting(n->fan) ? NOTIFY_GAP_MS : NOTIFY_FANOUT_MS);
	}
}

void
notify_destroy(struct notify *n)
{
	if (!n)
		return;
	if (n->pg)
		PQfinish(n->pg);
	fanout_destroy(n->fan);
	free(n->conninfo);
	free(n);
}
