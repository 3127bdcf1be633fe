/* Unit tests: the work queue (work.c). */
#include "tap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "../work.h"

#define N_JOBS 1000

struct job {
	struct work_job w;          /* first: the queue's part */
	int seq;
	int *order;                 /* where a one-thread run records itself */
	atomic_int *next_slot;
	atomic_int *done;
	struct work *q;             /* resubmit here while the queue stops */
	bool refused;
	int sleep_ms;
};

static void
job_run(struct work_job *wj)
{
	struct job *j = (struct job *) wj;

	if (j->sleep_ms) {
		struct timespec ts = {0, (long) j->sleep_ms * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (j->order)
		j->order[atomic_fetch_add(j->next_slot, 1)] = j->seq;
	if (j->q) {
		static struct job extra;   /* outlives this call, should it run */

		extra = *j;
		extra.q = NULL;
		extra.sleep_ms = 0;
		j->refused = !work_submit(j->q, &extra.w);
	}
	atomic_fetch_add(j->done, 1);
}

static atomic_int expired;

static void
job_expired(struct work_job *wj)
{
	(void) wj;
	atomic_fetch_add(&expired, 1);
}

static struct job *
make_jobs(int n, int *order, atomic_int *slot, atomic_int *done)
{
	struct job *jobs = calloc((size_t) n, sizeof *jobs);

	for (int i = 0; jobs && i < n; i++) {
		jobs[i].w.fn = job_run;
		jobs[i].seq = i;
		jobs[i].order = order;
		jobs[i].next_slot = slot;
		jobs[i].done = done;
	}
	return jobs;
}

int
main(void)
{
	char err[128];
	atomic_int done, slot;
	int order[N_JOBS];
	struct job *jobs;
	struct work *q;
	bool fifo = true, all = true;

	/* many jobs on several threads: every one runs once */
	atomic_init(&done, 0);
	atomic_init(&slot, 0);
	jobs = make_jobs(N_JOBS, NULL, &slot, &done);
	q = work_start(4, err, sizeof err);
	ok(q != NULL, "four workers start");
	for (int i = 0; i < N_JOBS; i++)
		all = work_submit(q, &jobs[i].w) && all;
	ok(all, "every job is accepted");
	work_stop(q);
	is_int(atomic_load(&done), N_JOBS, "stop waits for every queued job to run");
	free(jobs);

	/* one thread: jobs run in the order they were queued */
	atomic_store(&done, 0);
	jobs = make_jobs(N_JOBS, order, &slot, &done);
	q = work_start(1, err, sizeof err);
	jobs[0].sleep_ms = 20;      /* the rest queue up behind it */
	for (int i = 0; i < N_JOBS; i++)
		work_submit(q, &jobs[i].w);
	work_stop(q);
	is_int(atomic_load(&slot), N_JOBS, "one thread ran them all");
	for (int i = 0; i < N_JOBS; i++)
		if (order[i] != i)
			fifo = false;
	ok(fifo, "first in, first out");
	free(jobs);

	/* a job queued while the queue stops is refused, the queued ones run */
	atomic_store(&done, 0);
	jobs = make_jobs(3, NULL, &slot, &done);
	q = work_start(2, err, sizeof err);
	jobs[0].sleep_ms = 50;
	jobs[0].q = q;
	work_submit(q, &jobs[0].w);
	work_submit(q, &jobs[1].w);
	work_submit(q, &jobs[2].w);
	work_stop(q);
	ok(jobs[0].refused, "submitting during the stop is refused");
	is_int(atomic_load(&done), 3, "the jobs queued before the stop ran");
	free(jobs);

	/* jobs that waited too long behind a busy worker are taken back */
	atomic_store(&done, 0);
	atomic_init(&expired, 0);
	jobs = make_jobs(4, NULL, &slot, &done);
	q = work_start(1, err, sizeof err);
	jobs[0].sleep_ms = 400;     /* the worker is busy meanwhile */
	for (int i = 0; i < 3; i++)
		work_submit(q, &jobs[i].w);
	{
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	is_int(work_queued(q), 2, "two jobs wait while the one worker is busy");
	is_int(work_expire(q, work_now_ms() + 1, job_expired), 2,
	       "the two jobs still queued expire");
	is_int(work_queued(q), 0, "and leave the queue");
	is_int(work_expire(q, work_now_ms() + 1, job_expired), 0, "then none is left");
	work_submit(q, &jobs[3].w);
	is_int(work_queued(q), 1, "a new job is counted");
	is_int(work_expire(q, jobs[3].w.queued_ms, job_expired), 0,
	       "a job queued at the limit does not expire");
	work_stop(q);
	is_int(atomic_load(&expired), 2, "expire ran for each");
	is_int(atomic_load(&done), 2, "the running job and the one queued after ran, not the expired");
	free(jobs);

	/* an idle queue stops at once */
	q = work_start(3, err, sizeof err);
	work_stop(q);
	ok(1, "an idle queue stops and joins");
	work_stop(NULL);
	ok(1, "stopping no queue is harmless");
	return tap_done();
}
