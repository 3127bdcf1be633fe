/*
 * work.h — work queue: runs blocking jobs on N threads.
 *
 * Owns a fixed set of threads and one FIFO of jobs. A job is intrusive (its
 * `next` link lives in the job, which the caller embeds in its own state),
 * so submitting never allocates and the queue has no bound of its own: the
 * HTTP connection limit bounds it. The database calls of http.c run here,
 * one per worker, so an HTTP thread never waits on the database.
 *
 * A job's fn runs on a worker and owns the job from then on: the queue
 * never touches it again, so fn may free it or hand it to another thread.
 * A job that has waited too long can be taken back off the queue
 * (work_expire), so a caller can bound the wait while every worker is busy.
 */
#ifndef SHIM_WORK_H
#define SHIM_WORK_H

#include <stdbool.h>
#include <stddef.h>

struct work;

struct work_job {
	struct work_job *next;              /* the queue's link */
	void (*fn)(struct work_job *job);   /* runs on a worker */
	long long queued_ms;                /* set by work_submit (work_now_ms) */
};

/* Start `threads` workers (>= 1). NULL + err on failure. */
struct work *work_start(int threads, char *err, size_t errlen);
/* Queue job (its fn set) to run on a worker, after every job queued before
 * it. false once work_stop() has begun: the job was not queued. */
bool work_submit(struct work *w, struct work_job *job);
/* Take the jobs queued before `before_ms` off the queue (oldest first: they
 * are its head) and call expire(job) on each, on the calling thread, in
 * place of fn. Returns how many. */
int work_expire(struct work *w, long long before_ms,
                void (*expire)(struct work_job *job));
/* How many jobs wait on the queue (not yet taken by a worker). */
int work_queued(struct work *w);
/* CLOCK_MONOTONIC in milliseconds, the clock of queued_ms. */
long long work_now_ms(void);
/* Refuse new jobs, run every job already queued, join the workers, free. */
void work_stop(struct work *w);

#endif
