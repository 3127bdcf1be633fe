/*
 * sse.c — event streams (see sse.h).
 *
 * Locking: sse_mu guards the index, every stream and every queued message.
 * MHD calls sse_read() with the response's own mutex held and we take
 * sse_mu inside it; publishers take sse_mu and then (inside
 * MHD_resume_connection) MHD's cleanup mutex, which MHD never holds while
 * calling back into us, so the order is always response → sse_mu → MHD.
 *
 * Suspension: sse_read() suspends the connection when it has nothing to
 * send (`suspended` is set under sse_mu), and whoever queues something
 * resumes it (clearing the flag under sse_mu), so a resume never targets a
 * connection that is not suspended. A suspended connection cannot be closed
 * by MHD except at daemon stop, which sse_shutdown() precedes.
 *
 * Lifetime: a stream has two references once started, the request's
 * (dropped by sse_detach or sse_abort) and the response's (dropped when MHD
 * destroys the response). It leaves the index at the first of those.
 * sse_detach() runs in MHD's completed callback, before MHD closes the
 * socket, so a kill's shutdown(2) never hits a reused descriptor.
 */
#include "sse.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "auth.h"
#include "log.h"
#include "reqid.h"

#define SSE_BUCKETS 1024
#define SSE_PROBE_MS 1000           /* how often idle streams are checked for a hang-up */
#define SSE_HEARTBEAT ": keep-alive\n\n"

struct sse_msg {
	int refs;                   /* < 0: static, never freed */
	long long id;               /* 0 for comments */
	size_t len;
	char text[];
};

struct sse_node {
	struct sse_node *next;
	struct sse_msg *m;
	bool live;                  /* counts against the queue bound */
};

struct sse_stream {
	struct sse_stream *prev, *next;     /* every stream */
	struct sse_stream *uprev, *unext;   /* same bucket */
	long long user_id;
	bool indexed;
	int refs;
	struct MHD_Connection *c;           /* NULL until started, and after detach */
	int fd;
	struct sse_node *head, *tail;
	size_t nlive, bytes;                /* live events queued (the bound) */
	struct sse_msg *cur;                /* being written */
	size_t off;
	long long replay_max;               /* live events up to this id were replayed */
	long long last_beat_ms;
	long long exp_ms;                   /* realtime; 0: none */
	bool started, suspended, ending, killed;
	const char *why;                    /* why it was killed */
	char rid[REQID_MAX + 1];
};

static pthread_mutex_t sse_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sse_stream *sse_all;
static struct sse_stream *sse_bucket[SSE_BUCKETS];
static bool sse_closing;
static int sse_clients;
static unsigned long sse_events_total, sse_slow_total;
static struct sse_msg *sse_beat;           /* shared, never freed */
static struct pollfd *sse_pfd;              /* for sse_probe_locked() */
static size_t sse_pfd_cap;
static long long sse_last_probe_ms;

static long long
sse_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
sse_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
sse_event_name_ok(const char *e)
{
	size_t n = 0;

	for (; e[n]; n++)
		if (!((e[n] >= 'a' && e[n] <= 'z') || (e[n] >= 'A' && e[n] <= 'Z') ||
		      (e[n] >= '0' && e[n] <= '9') || e[n] == '.' || e[n] == '_' ||
		      e[n] == '-'))
			return false;
	return n >= 1 && n <= 64;
}

char *
sse_format(long long id, const char *event, const char *data, size_t *len)
{
	size_t cap;
	char *t;
	int n;

	if (!event || !data || !sse_event_name_ok(event) || strpbrk(data, "\r\n"))
		return NULL;
	cap = strlen(event) + strlen(data) + 64;
	t = malloc(cap);
	if (!t)
		return NULL;
	n = snprintf(t, cap, "id: %lld\nevent: %s\ndata: %s\n\n", id, event, data);
	if (n < 0 || (size_t) n >= cap) {
		free(t);
		return NULL;
	}
	if (len)
		*len = (size_t) n;
	return t;
}

static struct sse_msg *
sse_msg_new(long long id, const char *event, const char *data)
{
	size_t len;
	char *t = sse_format(id, event, data, &len);
	struct sse_msg *m;

	if (!t)
		return NULL;
	m = malloc(sizeof *m + len + 1);
	if (m) {
		m->refs = 1;
		m->id = id;
		m->len = len;
		memcpy(m->text, t, len + 1);
	}
	free(t);
	return m;
}

static void
sse_msg_unref(struct sse_msg *m)
{
	if (m && m->refs > 0 && --m->refs == 0)
		free(m);
}

static unsigned
sse_hash(long long user_id)
{
	return (unsigned) ((unsigned long long) user_id * 11400714819323198485ull >> 54)
	       % SSE_BUCKETS;
}

/* ---- index (sse_mu held) --------------------------------------------- */

static void
sse_index_locked(struct sse_stream *s)
{
	unsigned b = sse_hash(s->user_id);

	s->uprev = NULL;
	s->unext = sse_bucket[b];
	if (sse_bucket[b])
		sse_bucket[b]->uprev = s;
	sse_bucket[b] = s;
	s->prev = NULL;
	s->next = sse_all;
	if (sse_all)
		sse_all->prev = s;
	sse_all = s;
	s->indexed = true;
}

static void
sse_unindex_locked(struct sse_stream *s)
{
	unsigned b = sse_hash(s->user_id);

	if (!s->indexed)
		return;
	if (s->uprev)
		s->uprev->unext = s->unext;
	else
		sse_bucket[b] = s->unext;
	if (s->unext)
		s->unext->uprev = s->uprev;
	if (s->prev)
		s->prev->next = s->next;
	else
		sse_all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->indexed = false;
	if (s->started)
		sse_clients--;
}

static void
sse_queue_clear_locked(struct sse_stream *s)
{
	struct sse_node *n = s->head;

	while (n) {
		struct sse_node *next = n->next;
		sse_msg_unref(n->m);
		free(n);
		n = next;
	}
	s->head = s->tail = NULL;
	s->nlive = s->bytes = 0;
	sse_msg_unref(s->cur);
	s->cur = NULL;
	s->off = 0;
}

static void
sse_unref_locked(struct sse_stream *s)
{
	if (--s->refs > 0)
		return;
	sse_unindex_locked(s);
	sse_queue_clear_locked(s);
	free(s);
}

static bool
sse_push_locked(struct sse_stream *s, struct sse_msg *m, bool live)
{
	struct sse_node *n = malloc(sizeof *n);

	if (!n)
		return false;
	n->next = NULL;
	n->m = m;
	n->live = live;
	if (m->refs > 0)
		m->refs++;
	if (s->tail)
		s->tail->next = n;
	else
		s->head = n;
	s->tail = n;
	if (live) {
		s->nlive++;
		s->bytes += m->len;
	}
	return true;
}

/* Let MHD run the stream again if it is waiting for something to send. */
static void
sse_wake_locked(struct sse_stream *s)
{
	if (s->started && s->suspended && s->c) {
		s->suspended = false;
		MHD_resume_connection(s->c);
	}
}

/* Disconnect a client now (its queue is dropped). */
static void
sse_kill_locked(struct sse_stream *s, const char *why)
{
	s->killed = true;
	s->why = why;
	sse_queue_clear_locked(s);
	if (s->c && s->fd >= 0)
		shutdown(s->fd, SHUT_RDWR);     /* a blocked write fails at once */
	sse_wake_locked(s);
}

/* ---- the stream's life ------------------------------------------------ */

struct sse_stream *
sse_prepare(const char *token)
{
	struct sse_stream *s = calloc(1, sizeof *s);
	char sub[72];

	if (!s)
		return NULL;
	auth_jwt_sub(token, sub, sizeof sub);
	s->user_id = strtoll(sub, NULL, 10);
	s->fd = -1;
	s->refs = 1;
	s->replay_max = -1;
	pthread_mutex_lock(&sse_mu);
	if (sse_closing) {
		pthread_mutex_unlock(&sse_mu);
		free(s);
		return NULL;
	}
	sse_index_locked(s);
	pthread_mutex_unlock(&sse_mu);
	return s;
}

void
sse_abort(struct sse_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&sse_mu);
	sse_unindex_locked(s);
	sse_unref_locked(s);
	pthread_mutex_unlock(&sse_mu);
}

const char *
sse_detach(struct sse_stream *s)
{
	const char *why;

	if (!s)
		return NULL;
	pthread_mutex_lock(&sse_mu);
	why = s->why;
	s->c = NULL;
	s->fd = -1;
	s->suspended = false;
	sse_unindex_locked(s);
	sse_queue_clear_locked(s);
	sse_unref_locked(s);
	pthread_mutex_unlock(&sse_mu);
	return why;
}

static void
sse_response_free(void *cls)
{
	struct sse_stream *s = cls;

	pthread_mutex_lock(&sse_mu);
	sse_unindex_locked(s);
	sse_unref_locked(s);
	pthread_mutex_unlock(&sse_mu);
}

/* MHD asks for the next bytes of the stream. */
static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_stream *s = cls;
	size_t n = 0;

	(void) pos;
	pthread_mutex_lock(&sse_mu);
	if (s->killed || !s->c) {
		pthread_mutex_unlock(&sse_mu);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	while (n < max) {
		size_t k;

		if (!s->cur) {
			struct sse_node *h = s->head;
			if (!h)
				break;
			s->head = h->next;
			if (!s->head)
				s->tail = NULL;
			if (h->live) {
				s->nlive--;
				s->bytes -= h->m->len;
			}
			s->cur = h->m;
			s->off = 0;
			free(h);
		}
		k = s->cur->len - s->off;
		if (k > max - n)
			k = max - n;
		memcpy(buf + n, s->cur->text + s->off, k);
		s->off += k;
		n += k;
		if (s->off == s->cur->len) {
			sse_msg_unref(s->cur);
			s->cur = NULL;
		}
	}
	if (n > 0) {
		pthread_mutex_unlock(&sse_mu);
		return (ssize_t) n;
	}
	if (s->ending || sse_closing) {
		pthread_mutex_unlock(&sse_mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* nothing to send: off MHD's event loop until something is queued */
	s->suspended = true;
	MHD_suspend_connection(s->c);
	pthread_mutex_unlock(&sse_mu);
	return 0;
}

/* The replay of events(): [{id, event, data}] into messages. -1 if bad. */
static int
sse_parse_replay(json_object *events, struct sse_msg ***out, size_t *n,
                 long long *max_id)
{
	size_t len = json_object_array_length(events);
	struct sse_msg **v = calloc(len ? len : 1, sizeof *v);

	*n = 0;
	if (!v)
		return -1;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(events, i), *id, *ev, *data;
		const char *text;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "id", &id) ||
		    !json_object_is_type(id, json_type_int) ||
		    !json_object_object_get_ex(e, "event", &ev) ||
		    !json_object_is_type(ev, json_type_string) ||
		    !json_object_object_get_ex(e, "data", &data))
			goto bad;
		text = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
		                                      JSON_C_TO_STRING_NOSLASHESCAPE);
		v[*n] = sse_msg_new(json_object_get_int64(id), json_object_get_string(ev), text);
		if (!v[*n])
			goto bad;
		if (json_object_get_int64(id) > *max_id)
			*max_id = json_object_get_int64(id);
		(*n)++;
	}
	*out = v;
	return 0;
bad:
	for (size_t i = 0; i < *n; i++)
		sse_msg_unref(v[i]);
	free(v);
	*n = 0;
	return -1;
}

int
sse_start(struct sse_stream *s, const char *json, size_t len,
          struct MHD_Connection *c, const char *token, const char *rid,
          struct resp *rp)
{
	json_tokener *tk = json_tokener_new();
	json_object *root = NULL, *uid, *events;
	const union MHD_ConnectionInfo *ci;
	struct sse_msg **replay = NULL;
	struct sse_node *old_head, *old_tail, *n, **link;
	size_t nreplay = 0;
	long long max_id = -1, exp = auth_jwt_exp(token);

	if (tk) {
		root = json_tokener_parse_ex(tk, json, (int) len);
		json_tokener_free(tk);
	}
	if (!root || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "user_id", &uid) ||
	    !json_object_is_type(uid, json_type_int) ||
	    !json_object_object_get_ex(root, "events", &events) ||
	    !json_object_is_type(events, json_type_array) ||
	    sse_parse_replay(events, &replay, &nreplay, &max_id)) {
		log_msg(LL_ERROR, rid, "events: the answer is not {user_id, events: [...]}");
		json_object_put(root);
		sse_abort(s);
		return -1;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

	pthread_mutex_lock(&sse_mu);
	if (s->user_id != json_object_get_int64(uid)) {
		/* the token's sub was not the user: index it where it belongs */
		sse_unindex_locked(s);
		sse_queue_clear_locked(s);
		s->user_id = json_object_get_int64(uid);
		sse_index_locked(s);
	}
	/* live events that were published meanwhile and are in the replay go */
	s->replay_max = max_id;
	old_head = s->head;
	old_tail = s->tail;
	s->head = s->tail = NULL;
	s->nlive = s->bytes = 0;
	for (size_t i = 0; i < nreplay; i++) {
		sse_push_locked(s, replay[i], false);
		sse_msg_unref(replay[i]);
	}
	for (n = old_head; n;) {
		struct sse_node *next = n->next;
		if (n->m->id <= max_id) {
			sse_msg_unref(n->m);
			free(n);
		} else {
			n->next = NULL;
			link = s->tail ? &s->tail->next : &s->head;
			*link = n;
			s->tail = n;
			if (n->live) {
				s->nlive++;
				s->bytes += n->m->len;
			}
		}
		n = next;
	}
	(void) old_tail;
	s->c = c;
	s->fd = ci ? ci->connect_fd : -1;
	s->started = true;
	s->last_beat_ms = sse_mono_ms();
	s->exp_ms = exp > 0 ? exp * 1000 : 0;
	/* a full replay page: the client reconnects for the rest (nothing lost) */
	if (nreplay >= SSE_REPLAY_PAGE)
		s->ending = true;
	snprintf(s->rid, sizeof s->rid, "%s", rid ? rid : "");
	s->refs++;                          /* the response's */
	sse_clients++;
	sse_events_total += nreplay;
	pthread_mutex_unlock(&sse_mu);

	free(replay);
	json_object_put(root);
	resp_stream(rp, SSE_CONTENT_TYPE, sse_read, sse_response_free, s);
	return 0;
}

/* ---- feeding ---------------------------------------------------------- */

void
sse_publish(long long user_id, long long id, const char *event, const char *data)
{
	struct sse_msg *m = NULL;
	unsigned b = sse_hash(user_id);

	pthread_mutex_lock(&sse_mu);
	for (struct sse_stream *s = sse_bucket[b]; s; s = s->unext) {
		if (s->user_id != user_id || s->killed || s->ending || id <= s->replay_max)
			continue;
		if (!m && !(m = sse_msg_new(id, event, data))) {
			log_msg(LL_WARN, NULL, "event %lld (%s) not sent: cannot format it", id,
			        event ? event : "?");
			break;
		}
		if (s->nlive >= SSE_QUEUE_MAX_EVENTS || s->bytes + m->len > SSE_QUEUE_MAX_BYTES) {
			log_msg(LL_WARN, s->rid[0] ? s->rid : NULL,
			        "event stream of user %lld disconnected: the client is too slow "
			        "(%zu events, %zu bytes queued)", s->user_id, s->nlive, s->bytes);
			sse_slow_total++;
			sse_kill_locked(s, "the client was too slow");
			continue;
		}
		if (!sse_push_locked(s, m, true))
			continue;
		sse_events_total++;
		sse_wake_locked(s);
	}
	pthread_mutex_unlock(&sse_mu);
	sse_msg_unref(m);
}

/*
 * MHD does not watch a suspended connection, so a client that hung up
 * would only be noticed when a heartbeat fails to go out (two of them: the
 * first write after a FIN still succeeds). One poll(2) over every idle
 * stream notices it within SSE_PROBE_MS instead.
 */
static void
sse_probe_locked(void)
{
	size_t n = 0, i = 0;

	for (struct sse_stream *s = sse_all; s; s = s->next)
		if (s->started && s->suspended && s->c && s->fd >= 0)
			n++;
	if (n == 0)
		return;
	if (n > sse_pfd_cap) {
		struct pollfd *np = realloc(sse_pfd, n * sizeof *np);
		if (!np)
			return;
		sse_pfd = np;
		sse_pfd_cap = n;
	}
	for (struct sse_stream *s = sse_all; s; s = s->next)
		if (s->started && s->suspended && s->c && s->fd >= 0) {
			sse_pfd[i].fd = s->fd;
			sse_pfd[i].events = POLLRDHUP;
			sse_pfd[i].revents = 0;
			i++;
		}
	if (poll(sse_pfd, n, 0) <= 0)
		return;
	i = 0;
	for (struct sse_stream *s = sse_all; s && i < n; s = s->next) {
		if (!(s->started && s->suspended && s->c && s->fd >= 0))
			continue;
		/* the descriptors are still theirs: detach needs sse_mu */
		if (sse_pfd[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			sse_kill_locked(s, "client went away");
		i++;
	}
}

void
sse_tick(void)
{
	long long now = sse_mono_ms(), real = sse_real_ms();

	pthread_mutex_lock(&sse_mu);
	if (now - sse_last_probe_ms >= SSE_PROBE_MS) {
		sse_last_probe_ms = now;
		sse_probe_locked();
	}
	for (struct sse_stream *s = sse_all; s; s = s->next) {
		if (!s->started || s->killed || s->ending)
			continue;
		if (s->exp_ms && real >= s->exp_ms) {
			s->ending = true;   /* the token expired: the client reconnects */
			sse_wake_locked(s);
			continue;
		}
		if (now - s->last_beat_ms >= SSE_HEARTBEAT_MS) {
			if (s->nlive >= SSE_QUEUE_MAX_EVENTS) {
				log_msg(LL_WARN, s->rid[0] ? s->rid : NULL,
				        "event stream of user %lld disconnected: the client is too "
				        "slow (%zu events queued)", s->user_id, s->nlive);
				sse_slow_total++;
				sse_kill_locked(s, "the client was too slow");
				continue;
			}
			if (!sse_beat && (sse_beat = malloc(sizeof *sse_beat +
			                                    sizeof SSE_HEARTBEAT)) != NULL) {
				sse_beat->refs = -1;
				sse_beat->id = 0;
				sse_beat->len = sizeof SSE_HEARTBEAT - 1;
				memcpy(sse_beat->text, SSE_HEARTBEAT, sizeof SSE_HEARTBEAT);
			}
			if (sse_beat && sse_push_locked(s, sse_beat, true))
				s->last_beat_ms = now;
			sse_wake_locked(s);
		}
	}
	pthread_mutex_unlock(&sse_mu);
}

void
sse_shutdown(void)
{
	pthread_mutex_lock(&sse_mu);
	sse_closing = true;
	for (struct sse_stream *s = sse_all; s; s = s->next) {
		s->ending = true;
		sse_wake_locked(s);
	}
	pthread_mutex_unlock(&sse_mu);
}

void
sse_get_stats(struct sse_stats *st)
{
	pthread_mutex_lock(&sse_mu);
	st->clients = sse_clients;
	st->events = sse_events_total;
	st->slow_dropped = sse_slow_total;
	pthread_mutex_unlock(&sse_mu);
}
