/*
 * work.c — work queue: runs blocking jobs on N threads (see work.h).
 *
 * Locking: mu guards the list (head, tail) and `stopping`; a worker sleeps
 * on cv while the list is empty. A job is unlinked under mu and run
 * outside it; after fn returns the worker does not look at the job again.
 */
#include "work.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct work {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct work_job *head, *tail;
	int queued;                 /* jobs on the queue (not yet running) */
	bool stopping;
	int nthreads;
	pthread_t *threads;
};

static void *
work_main(void *arg)
{
	struct work *w = arg;

	for (;;) {
		struct work_job *j;

		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		j = w->head;
		if (!j) {               /* stopping, and nothing left to run */
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		pthread_mutex_unlock(&w->mu);
		j->next = NULL;
		j->fn(j);               /* j is fn's from here */
	}
}

static void
work_join(struct work *w, int n)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < n; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->threads);
	free(w);
}

struct work *
work_start(int threads, char *err, size_t errlen)
{
	struct work *w = calloc(1, sizeof *w);

	if (threads < 1)
		threads = 1;
	if (!w || !(w->threads = calloc((size_t) threads, sizeof *w->threads))) {
		free(w);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	for (int i = 0; i < threads; i++) {
		int rc = pthread_create(&w->threads[i], NULL, work_main, w);
		if (rc) {
			snprintf(err, errlen, "could not start a worker thread: %s", strerror(rc));
			work_join(w, i);
			return NULL;
		}
	}
	w->nthreads = threads;
	return w;
}

long long
work_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
work_submit(struct work *w, struct work_job *job)
{
	bool ok;

	job->next = NULL;
	job->queued_ms = work_now_ms();
	pthread_mutex_lock(&w->mu);
	ok = !w->stopping;
	if (ok) {
		if (w->tail)
			w->tail->next = job;
		else
			w->head = job;
		w->tail = job;
		w->queued++;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

int
work_expire(struct work *w, long long before_ms, void (*expire)(struct work_job *job))
{
	struct work_job *list = NULL, **end = &list;
	int n = 0;

	pthread_mutex_lock(&w->mu);
	while (w->head && w->head->queued_ms < before_ms) {
		*end = w->head;
		end = &w->head->next;
		w->head = w->head->next;
		w->queued--;
	}
	*end = NULL;
	if (!w->head)
		w->tail = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		struct work_job *j = list;

		list = j->next;
		j->next = NULL;
		expire(j);      /* j is expire's from here */
		n++;
	}
	return n;
}

int
work_queued(struct work *w)
{
	int n;

	pthread_mutex_lock(&w->mu);
	n = w->queued;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void
work_stop(struct work *w)
{
	if (w)
		work_join(w, w->nthreads);
}
