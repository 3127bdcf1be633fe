/*
 * worker.h — the extension's background maintenance (API.md §3.4, §3.8):
 * a launcher started with the server when jobboard is in
 * shared_preload_libraries, which every jobboard.worker_interval seconds runs
 * jobboard.run_maintenance() in each database that has the extension.
 */
#ifndef JOBBOARD_WORKER_H
#define JOBBOARD_WORKER_H

#include "jobboard.h"

extern int	jb_worker_interval;
extern int	jb_event_retention;

extern void WorkerInit(void);

/*
 * Describe a worker of this library that connects to a database: name (also
 * its type), entry function, restart delay (BGW_NEVER_RESTART for one-shot).
 */
struct BackgroundWorker;
extern void WorkerDescribe(struct BackgroundWorker *worker, const char *name,
						   const char *function, int restart_seconds);

PGDLLEXPORT void jobboard_launcher_main(Datum arg);
PGDLLEXPORT void jobboard_maintenance_main(Datum arg);

#endif							/* JOBBOARD_WORKER_H */
