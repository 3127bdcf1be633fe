/*
 * pool.c — fixed-size libpq connection pool (see pool.h).
 *
 * Locking: one mutex per pool guards the slot states; libpq calls are made
 * outside it by whoever owns the slot (a request thread while BUSY, the
 * maintainer while CONNECTING). The condition variable wakes waiters when a
 * slot comes back or when the pool turns out to be down.
 */
#include "pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define POOL_BACKOFF_MIN_MS 100
#define POOL_BACKOFF_MAX_MS 1000
#define POOL_CONNECT_TIMEOUT "3"

enum slot_state { SLOT_BROKEN, SLOT_CONNECTING, SLOT_IDLE, SLOT_BUSY };

struct pool_conn {
	PGconn *pg;
	PGcancel *cancel;       /* made at connect: usable from another thread */
	enum slot_state state;
	bool suspect;
	bool fatal_seen;        /* the server sent FATAL while we were not asking */
	unsigned tag;
	const char *pool_name;
};

struct pool {
	char *name;
	char *conninfo;
	int size;
	int wait_ms;
	pool_connect_fn on_connect;
	void *arg;
	struct pool_conn *slot;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int waiting;
	unsigned long timeouts;
	long long next_attempt_ms;
	int backoff_ms;
	bool was_down;          /* for logging transitions only once */
	bool ever_up;
};

static bool pool_reconnect(struct pool *p, struct pool_conn *c,
                           enum slot_state then);

static long long
pool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pool *
pool_create(const char *name, const char *conninfo, int size, int wait_ms,
            pool_connect_fn on_connect, void *arg)
{
	struct pool *p = calloc(1, sizeof *p);
	pthread_condattr_t ca;

	if (!p)
		return NULL;
	p->name = strdup(name);
	p->conninfo = strdup(conninfo);
	p->slot = calloc((size_t) size, sizeof *p->slot);
	if (!p->name || !p->conninfo || !p->slot) {
		free(p->name);
		free(p->conninfo);
		free(p->slot);
		free(p);
		return NULL;
	}
	p->size = size;
	p->wait_ms = wait_ms;
	p->on_connect = on_connect;
	p->arg = arg;
	p->backoff_ms = POOL_BACKOFF_MIN_MS;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < size; i++) {
		p->slot[i].state = SLOT_BROKEN;
		p->slot[i].pool_name = p->name;
	}
	return p;
}

void
pool_destroy(struct pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->size; i++) {
		if (p->slot[i].cancel)
			PQfreeCancel(p->slot[i].cancel);
		if (p->slot[i].pg)
			PQfinish(p->slot[i].pg);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->slot);
	free(p->name);
	free(p->conninfo);
	free(p);
}

const char *
pool_name(const struct pool *p)
{
	return p->name;
}

PGconn *
pool_pg(struct pool_conn *c)
{
	return c->pg;
}

unsigned *
pool_tag(struct pool_conn *c)
{
	return &c->tag;
}

bool
pool_conn_failed(PGconn *conn, const PGresult *res)
{
	const char *st;

	if (!res || PQstatus(conn) != CONNECTION_OK)
		return true;
	if (PQresultStatus(res) != PGRES_FATAL_ERROR)
		return false;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!st)
		return true;            /* libpq-side failure: no SQLSTATE */
	return strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 ||
	       strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0;
}

/* Has the server closed this idle connection (or sent something)? Cheap. */
static bool
pool_idle_dead(struct pool_conn *c)
{
	PGconn *pg = c->pg;
	struct pollfd pfd;

	if (c->fatal_seen || PQstatus(pg) != CONNECTION_OK)
		return true;
	pfd.fd = PQsocket(pg);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return true;
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	/* readable while idle: an error message before close, EOF, or a notice */
	if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK || c->fatal_seen)
		return true;
	while (PQnotifies(pg))
		;               /* no LISTEN on pooled connections; drop */
	return false;
}

/* A round trip proves the connection works. */
static bool
pool_verify(PGconn *pg)
{
	PGresult *r = PQexec(pg, "");
	bool ok = r && PQresultStatus(r) == PGRES_EMPTY_QUERY &&
	          PQstatus(pg) == CONNECTION_OK;

	PQclear(r);
	return ok;
}

static void
pool_mark_broken_locked(struct pool *p, struct pool_conn *c)
{
	c->state = SLOT_BROKEN;
	c->tag = 0;
	for (int i = 0; i < p->size; i++)
		if (p->slot[i].state == SLOT_IDLE)
			p->slot[i].suspect = true;
	/* one failure may be one killed backend: reconnect at once unless the
	 * database is already known to be down (then the backoff stands) */
	if (!p->was_down)
		p->next_attempt_ms = 0;
	pthread_cond_broadcast(&p->cv);
}

enum pool_rc
pool_checkout(struct pool *p, struct pool_conn **out)
{
	struct timespec dl;
	long long deadline = pool_now_ms() + p->wait_ms;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += p->wait_ms / 1000;
	dl.tv_nsec += (long) (p->wait_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pool_conn *c = NULL;
		int usable = 0;

		for (int i = 0; i < p->size; i++) {
			struct pool_conn *s = &p->slot[i];
			if (s->state != SLOT_BROKEN)
				usable++;
			if (s->state == SLOT_IDLE && (!c || (c->suspect && !s->suspect)))
				c = s;
		}
		if (c) {
			bool suspect = c->suspect, dead;

			c->state = SLOT_BUSY;
			c->suspect = false;
			pthread_mutex_unlock(&p->mu);
			dead = pool_idle_dead(c) || (suspect && !pool_verify(c->pg));
			if (!dead) {
				*out = c;
				return POOL_OK;
			}
			pthread_mutex_lock(&p->mu);
			pool_mark_broken_locked(p, c);
			continue;
		}
		if (usable < p->size && pool_now_ms() >= p->next_attempt_ms) {
			/* a slot is broken and the backoff allows a try: do it here
			 * rather than make this request wait for the maintainer */
			for (int i = 0; i < p->size && !c; i++)
				if (p->slot[i].state == SLOT_BROKEN)
					c = &p->slot[i];
			c->state = SLOT_CONNECTING;
			/* one attempt at a time while we do not know the outcome */
			p->next_attempt_ms = pool_now_ms() + 2 * POOL_BACKOFF_MAX_MS;
			pthread_mutex_unlock(&p->mu);
			if (pool_reconnect(p, c, SLOT_BUSY)) {
				*out = c;
				return POOL_OK;
			}
			pthread_mutex_lock(&p->mu);
			continue;
		}
		if (usable == 0) {
			pthread_mutex_unlock(&p->mu);
			return POOL_DOWN;
		}
		if (pool_now_ms() >= deadline) {
			p->timeouts++;
			pthread_mutex_unlock(&p->mu);
			return POOL_TIMEOUT;
		}
		p->waiting++;
		pthread_cond_timedwait(&p->cv, &p->mu, &dl);
		p->waiting--;
	}
}

void
pool_release(struct pool *p, struct pool_conn *c, bool broken)
{
	if (!broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		broken = true;  /* never hand out a connection inside a transaction */
	pthread_mutex_lock(&p->mu);
	if (broken)
		pool_mark_broken_locked(p, c);
	else {
		c->state = SLOT_IDLE;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Server messages outside a query (NOTICE, FATAL before a close) go to our log. */
static void
pool_notice(void *arg, const char *message)
{
	struct pool_conn *c = arg;
	char msg[512];
	size_t n;

	if (strncmp(message, "FATAL", 5) == 0 || strncmp(message, "PANIC", 5) == 0)
		c->fatal_seen = true;   /* an error outside a query ends the session */
	snprintf(msg, sizeof msg, "%s", message);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_msg(LL_WARN, NULL, "database (%s): %s", c->pool_name, msg);
}

static PGconn *
pool_connect(const char *conninfo)
{
	/* conninfo is expanded last, so its own settings win over ours */
	const char *keys[] = {"connect_timeout", "fallback_application_name",
	                      "dbname", NULL};
	const char *vals[] = {POOL_CONNECT_TIMEOUT, "jobboard-http", conninfo, NULL};

	return PQconnectdbParams(keys, vals, 1);
}

/*
 * Reconnect slot c, which the caller has set to SLOT_CONNECTING (and so
 * owns). On success the slot becomes `then` (SLOT_IDLE, or SLOT_BUSY for a
 * request that takes it at once); on failure it is SLOT_BROKEN and the
 * backoff grows. Called without the lock.
 */
static bool
pool_reconnect(struct pool *p, struct pool_conn *c, enum slot_state then)
{
	PGconn *old = c->pg, *pg;
	PGcancel *old_cancel = c->cancel;
	unsigned tag = 0;
	char why[512];

	pthread_mutex_lock(&p->mu);
	c->pg = NULL;
	c->cancel = NULL;
	pthread_mutex_unlock(&p->mu);
	if (old_cancel)
		PQfreeCancel(old_cancel);
	if (old)
		PQfinish(old);
	pg = pool_connect(p->conninfo);
	c->fatal_seen = false;
	if (pg)
		PQsetNoticeProcessor(pg, pool_notice, c);
	why[0] = '\0';
	if (PQstatus(pg) != CONNECTION_OK)
		snprintf(why, sizeof why, "%s", PQerrorMessage(pg));
	else if (p->on_connect && p->on_connect(pg, &tag, p->arg))
		snprintf(why, sizeof why, "setting up the connection failed");

	pthread_mutex_lock(&p->mu);
	if (why[0]) {
		size_t n = strlen(why);
		while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
			why[--n] = '\0';
		for (char *q = why; *q; q++)
			if (*q == '\n' || *q == '\t')
				*q = ' ';
		PQfinish(pg);
		c->state = SLOT_BROKEN;
		p->next_attempt_ms = pool_now_ms() + p->backoff_ms;
		p->backoff_ms = p->backoff_ms * 2 > POOL_BACKOFF_MAX_MS
		                ? POOL_BACKOFF_MAX_MS : p->backoff_ms * 2;
		if (!p->was_down) {
			p->was_down = true;
			log_msg(LL_ERROR, NULL, "database (%s) unreachable: %s", p->name, why);
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return false;
	}
	c->pg = pg;
	c->cancel = PQgetCancel(pg);
	c->tag = tag;
	c->suspect = false;
	c->state = then;
	p->backoff_ms = POOL_BACKOFF_MIN_MS;
	p->next_attempt_ms = 0;
	if (p->was_down || !p->ever_up) {
		log_msg(LL_INFO, NULL, "database (%s) connected", p->name);
		p->was_down = false;
		p->ever_up = true;
	}
	if (then == SLOT_IDLE)
		pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return true;
}

int
pool_maintain(struct pool *p)
{
	int usable = 0;

	for (int i = 0; i < p->size; i++) {
		struct pool_conn *c = &p->slot[i];

		pthread_mutex_lock(&p->mu);
		if (c->state == SLOT_IDLE) {
			/* notice a connection the server closed while it was idle */
			c->state = SLOT_BUSY;
			pthread_mutex_unlock(&p->mu);
			if (pool_idle_dead(c)) {
				pthread_mutex_lock(&p->mu);
				pool_mark_broken_locked(p, c);
				pthread_mutex_unlock(&p->mu);
			} else {
				pool_release(p, c, false);
				usable++;
			}
			continue;
		}
		if (c->state != SLOT_BROKEN || pool_now_ms() < p->next_attempt_ms) {
			if (c->state != SLOT_BROKEN)
				usable++;
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		c->state = SLOT_CONNECTING;
		pthread_mutex_unlock(&p->mu);
		if (!pool_reconnect(p, c, SLOT_IDLE))
			break;  /* the rest would fail the same way; try again later */
		usable++;
	}
	return usable;
}

int
pool_cancel_busy(struct pool *p)
{
	int n = 0;
	char err[256];

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->size; i++)
		if (p->slot[i].state == SLOT_BUSY && p->slot[i].cancel &&
		    PQcancel(p->slot[i].cancel, err, sizeof err))
			n++;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void
pool_note_timeout(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->timeouts++;
	pthread_mutex_unlock(&p->mu);
}

void
pool_get_stats(struct pool *p, struct pool_stats *s)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_lock(&p->mu);
	s->size = p->size;
	for (int i = 0; i < p->size; i++) {
		switch (p->slot[i].state) {
		case SLOT_IDLE: s->idle++; break;
		case SLOT_BUSY: s->busy++; break;
		case SLOT_BROKEN: s->broken++; break;
		case SLOT_CONNECTING: s->busy++; break;
		}
	}
	s->waiting = p->waiting;
	s->timeouts = p->timeouts;
	pthread_mutex_unlock(&p->mu);
}
