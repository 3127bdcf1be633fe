/*
 * main.c — jobboard-http: start, serve, stop.
 *
 * Owns the process: configuration (exit 2 when bad), the listening socket,
 * the database pools, the HTTP daemon, and the main loop. Signal handlers
 * only set a flag; the main loop waits on the LISTEN connection (so events
 * fan out as soon as they are notified), and every tick maintains the pools
 * (reconnects), cuts slow clients and sends event-stream heartbeats. On
 * SIGTERM/SIGINT it stops accepting, ends the event streams (they are not
 * requests in flight), waits up to 10 s for requests in flight and exits 0
 * (1 if requests had to be cut: their database queries are cancelled so the
 * stop does not wait for them).
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>

#include "buf.h"
#include "cache.h"
#include "call.h"
#include "config.h"
#include "http.h"
#include "limit.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "pool.h"
#include "route.h"
#include "sse.h"
#include "version.h"

#define MAIN_DRAIN_SECONDS 10
#define MAIN_TICK_MS 100
#define MAIN_SSE_END_MS 2000        /* streams get this long to end cleanly */

static volatile sig_atomic_t main_stop;

static void
main_on_signal(int sig)
{
	(void) sig;
	main_stop = 1;
}

static int
main_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (n > 256 ? 256 : (int) n);
}

/* Bind host:port; returns the socket or -1 with err. `shown` gets the
 * address actually bound (port 0 resolved). */
static int
main_listen(const char *spec, char *shown, size_t shownlen, char *err, size_t errlen)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints, *ai, *a;
	int fd = -1, rc, one = 1;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		snprintf(host, sizeof host, "%.*s", (int) (rb - spec - 1), spec + 1);
		colon = rb + 1;
	} else {
		colon = strrchr(spec, ':');
		snprintf(host, sizeof host, "%.*s", (int) (colon - spec), spec);
	}
	snprintf(port, sizeof port, "%s", colon + 1);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "JOBBOARD_LISTEN=%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		            a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 511) == 0)
			break;
		snprintf(err, errlen, "JOBBOARD_LISTEN=%s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char h[INET6_ADDRSTRLEN] = "?";
		int p = 0;

		if (getsockname(fd, (struct sockaddr *) &ss, &sl) == 0) {
			if (ss.ss_family == AF_INET) {
				struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
				inet_ntop(AF_INET, &s4->sin_addr, h, sizeof h);
				p = ntohs(s4->sin_port);
				snprintf(shown, shownlen, "%s:%d", h, p);
			} else {
				struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
				inet_ntop(AF_INET6, &s6->sin6_addr, h, sizeof h);
				p = ntohs(s6->sin6_port);
				snprintf(shown, shownlen, "[%s]:%d", h, p);
			}
		}
	}
	return fd;
}

/* A fresh pooled connection: load the routes if none yet, prepare them. */
static int
main_on_connect(PGconn *conn, unsigned *tag, void *arg)
{
	bool primary = arg != NULL;
	struct route_table *t = route_current();
	char err[512];
	int rc = 0;

	if (!t && primary) {
		if (route_load(conn, err, sizeof err))
			log_msg(LL_ERROR, NULL, "%s", err);
		t = route_current();
	}
	if (t) {
		if (route_prepare(conn, t, err, sizeof err)) {
			log_msg(LL_ERROR, NULL, "%s", err);
			rc = -1;
		} else
			*tag = t->gen;
	}
	route_put(t);
	return rc;
}

static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct config cfg;
	char err[1024], shown[300] = "";
	struct call_pools pools = {NULL, NULL};
	struct http_server *srv;
	struct sigaction sa;
	int fd, cores = main_cores(), cut;
	struct timespec tick = {0, MAIN_TICK_MS * 1000000L}, ts;
	long long last_tick = 0;
	struct buf extra;
	struct notify *listener;
	unsigned long ticks = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			config_print_help(stdout, cores);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("jobboard-http (expects extension jobboard %s)\n", JOBBOARD_EXTVERSION);
			return 0;
		}
		fprintf(stderr, "jobboard-http: unknown argument '%s' (try --help)\n", argv[i]);
		return 2;
	}
	if (config_load(&cfg, cores, ".env", NULL, err, sizeof err)) {
		fprintf(stderr, "jobboard-http: %s\n", err);
		return 2;
	}
	log_init(cfg.log_format, STDOUT_FILENO);
	if (sodium_init() < 0) {
		log_msg(LL_ERROR, NULL, "libsodium could not be initialised");
		goto fail;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	main_raise_nofile();
	limit_init(&cfg);
	cache_init(cfg.cache_size);     /* on once the LISTEN connection is up */

	pools.primary = pool_create("primary", cfg.database_url, cfg.pool_size,
	                            cfg.pool_wait_ms, main_on_connect, (void *) 1);
	if (cfg.replica_url)
		pools.replica = pool_create("replica", cfg.replica_url, cfg.pool_size,
		                            cfg.pool_wait_ms, main_on_connect, NULL);
	if (!pools.primary || (cfg.replica_url && !pools.replica)) {
		log_msg(LL_ERROR, NULL, "out of memory");
		goto fail;
	}
	metrics_set_pools(pools.primary, pools.replica);
	/* first connections; a database that is down now is not fatal */
	pool_maintain(pools.primary);
	if (pools.replica)
		pool_maintain(pools.replica);

	fd = main_listen(cfg.listen, shown, sizeof shown, err, sizeof err);
	if (fd < 0) {
		log_msg(LL_ERROR, NULL, "cannot listen: %s", err);
		goto fail;
	}
	srv = http_start(&cfg, &pools, fd, JOBBOARD_EXTVERSION, err, sizeof err);
	if (!srv) {
		log_msg(LL_ERROR, NULL, "%s", err);
		close(fd);
		goto fail;
	}
	buf_init(&extra, 1024);
	buf_adds(&extra, "\"address\":");
	buf_add_json_str(&extra, shown, strlen(shown));
	buf_addf(&extra, ",\"threads\":%d,\"pool_size\":%d,\"extension\":\"%s\"",
	         cfg.threads, cfg.pool_size, JOBBOARD_EXTVERSION);
	if (cfg.log_format == LOG_FORMAT_JSON)
		log_kv(LL_INFO, "listening", extra.p);
	else
		log_msg(LL_INFO, NULL, "listening on http://%s (threads %d, pool %d)", shown,
		        cfg.threads, cfg.pool_size);
	buf_free(&extra);
	listener = notify_create(cfg.database_url);

	while (!main_stop) {
		long long now;

		notify_wait(listener, MAIN_TICK_MS);
		notify_poll(listener);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now - last_tick < MAIN_TICK_MS)
			continue;
		last_tick = now;
		if (++ticks % (5000 / MAIN_TICK_MS) == 0)
			limit_sweep();
		http_sweep(srv);
		sse_tick();
		pool_maintain(pools.primary);
		if (pools.replica)
			pool_maintain(pools.replica);
	}

	{
		struct sse_stats st;

		sse_get_stats(&st);
		log_msg(LL_INFO, NULL, "stopping: %d request(s) in flight, %d event stream(s)",
		        http_in_flight(srv), st.clients);
	}
	{
		int lfd = http_quiesce(srv);
		if (lfd >= 0)
			close(lfd);
	}
	/* streams end at once (a client reconnects with Last-Event-ID elsewhere) */
	sse_shutdown();
	for (int i = 0; i < MAIN_SSE_END_MS / MAIN_TICK_MS; i++) {
		struct sse_stats st;

		sse_get_stats(&st);
		if (st.clients == 0)
			break;
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < MAIN_DRAIN_SECONDS * 1000 / MAIN_TICK_MS; i++) {
		if (http_in_flight(srv) == 0)
			break;
		nanosleep(&tick, NULL);
	}
	cut = http_in_flight(srv);
	if (cut) {
		/* a worker waiting on the database would hold up the stop: cancel,
		 * after making sure queued calls do not start new queries */
		int n;

		http_cut_calls(srv);
		n = pool_cancel_busy(pools.primary) + pool_cancel_busy(pools.replica);
		log_msg(LL_WARN, NULL, "the drain ran out: %d request(s) cut, %d query(ies) cancelled",
		        cut, n);
	}
	http_stop(srv);
	if (cut)
		log_msg(LL_WARN, NULL, "stopped; %d request(s) were cut", cut);
	else
		log_msg(LL_INFO, NULL, "stopped");
	notify_destroy(listener);
	pool_destroy(pools.primary);
	pool_destroy(pools.replica);
	route_uninstall();
	limit_sweep();
	cache_destroy();
	config_free(&cfg);
	return cut ? 1 : 0;

fail:
	/* a start that failed: free what was made, so that a sanitizer run
	 * (a port already taken, say) reports nothing */
	metrics_set_pools(NULL, NULL);
	pool_destroy(pools.primary);
	pool_destroy(pools.replica);
	route_uninstall();
	limit_sweep();
	config_free(&cfg);
	return 1;
}
