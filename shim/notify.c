/*
 * notify.c — LISTEN jobboard_routes and reload the route table (see notify.h).
 */
#include "notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "log.h"
#include "route.h"

#define NOTIFY_RETRY_MS 1000

struct notify {
	char *conninfo;
	PGconn *pg;
	long long next_try_ms;
	bool reload_pending;    /* a reload failed: try again */
	bool ever_connected;
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

	if (!n || !(n->conninfo = strdup(conninfo))) {
		free(n);
		return NULL;
	}
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

static bool
notify_connect(struct notify *n)
{
	const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *vals[] = {"3", "jobboard-http-listen", n->conninfo, NULL};
	PGresult *res;

	n->pg = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(n->pg) != CONNECTION_OK) {
		PQfinish(n->pg);
		n->pg = NULL;
		return false;
	}
	PQsetNoticeProcessor(n->pg, notify_quiet, NULL);
	res = PQexec(n->pg, "LISTEN jobboard_routes");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		PQfinish(n->pg);
		n->pg = NULL;
		return false;
	}
	PQclear(res);
	/* whatever changed while we were not listening: reload once */
	if (n->ever_connected && route_current_gen() > 0)
		n->reload_pending = true;
	n->ever_connected = true;
	return true;
}

void
notify_poll(struct notify *n)
{
	PGnotify *nt;
	bool reload = false;

	if (!n)
		return;
	if (!n->pg) {
		if (notify_now_ms() < n->next_try_ms)
			return;
		if (!notify_connect(n)) {
			n->next_try_ms = notify_now_ms() + NOTIFY_RETRY_MS;
			return;
		}
	}
	if (!PQconsumeInput(n->pg) || PQstatus(n->pg) != CONNECTION_OK) {
		PQfinish(n->pg);
		n->pg = NULL;
		n->next_try_ms = notify_now_ms() + NOTIFY_RETRY_MS;
		return;
	}
	while ((nt = PQnotifies(n->pg)) != NULL) {
		if (strcmp(nt->relname, "jobboard_routes") == 0)
			reload = true;
		PQfreemem(nt);
	}
	if (reload || n->reload_pending)
		notify_reload(n);
}

void
notify_destroy(struct notify *n)
{
	if (!n)
		return;
	if (n->pg)
		PQfinish(n->pg);
	free(n->conninfo);
	free(n);
}
