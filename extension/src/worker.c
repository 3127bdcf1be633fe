/*
 * worker.c — background maintenance (worker.h).
 *
 * The launcher is connected to no database (it reads only the shared catalog
 * pg_database). Each pass it starts one short-lived worker per database that
 * allows connections, one at a time; that worker checks whether the
 * extension is installed there and, if so, runs jobboard.run_maintenance()
 * under a transaction-level advisory lock, so two passes never overlap in a
 * database and a database without the extension is left untouched.
 *
 * The launcher follows pg_cron's loop: signal handlers before unblocking,
 * config reload on SIGHUP, a latch wait with a timeout, exit on postmaster
 * death; it is restarted by the postmaster after a crash.
 */
#include "worker.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#define DEFAULT_WORKER_INTERVAL		30
#define MIN_WORKER_INTERVAL			1
#define MAX_WORKER_INTERVAL			3600
#define DEFAULT_EVENT_RETENTION		(7 * 86400)
#define MIN_EVENT_RETENTION			86400	/* the contract keeps 24 h at least */
#define MAX_EVENT_RETENTION			(365 * 86400)
#define LAUNCHER_RESTART_SECONDS	10
#define MAINTENANCE_LOCK_KEY		7669456865350218340	/* "jobboard" in ASCII */

int			jb_worker_interval = DEFAULT_WORKER_INTERVAL;
int			jb_event_retention = DEFAULT_EVENT_RETENTION;

void
WorkerDescribe(BackgroundWorker *worker, const char *name, const char *function,
			   int restart_seconds)
{
	memset(worker, 0, sizeof(*worker));
	snprintf(worker->bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", name);
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = restart_seconds;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "jobboard");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
}

void
WorkerInit(void)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("jobboard.worker_interval",
							"Seconds between maintenance passes (expired jobs, old events, sessions, keys).",
							NULL, &jb_worker_interval, DEFAULT_WORKER_INTERVAL,
							MIN_WORKER_INTERVAL, MAX_WORKER_INTERVAL,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("jobboard.event_retention",
							"How long events are kept for replay, in seconds.",
							NULL, &jb_event_retention, DEFAULT_EVENT_RETENTION,
							MIN_EVENT_RETENTION, MAX_EVENT_RETENTION,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;
	WorkerDescribe(&worker, "jobboard launcher", "jobboard_launcher_main",
				   LAUNCHER_RESTART_SECONDS);
	RegisterBackgroundWorker(&worker);
}

/* Oids of the databases that accept connections (not templates). */
static List *
DatabaseList(MemoryContext cxt)
{
	List	   *oids = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		MemoryContext old;

		if (!db->datallowconn || db->datistemplate)
			continue;
		old = MemoryContextSwitchTo(cxt);
		oids = lappend_oid(oids, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return oids;
}

/* Run one database's pass in a worker and wait for it. */
static void
RunMaintenance(Oid database)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	WorkerDescribe(&worker, "jobboard maintenance", "jobboard_maintenance_main",
				   BGW_NEVER_RESTART);
	worker.bgw_main_arg = ObjectIdGetDatum(database);
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(LOG,
				(errmsg("jobboard: no free worker slot for maintenance; will retry"),
				 errhint("Raise max_worker_processes.")));
		return;
	}
	if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_STARTED)
		(void) WaitForBackgroundWorkerShutdown(handle);
}

void
jobboard_launcher_main(Datum arg)
{
	MemoryContext pass_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("jobboard launcher");

	pass_cxt = AllocSetContextCreate(TopMemoryContext, "jobboard launcher pass",
									 ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		List	   *databases;
		ListCell   *lc;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		databases = DatabaseList(pass_cxt);
		foreach(lc, databases)
		{
			CHECK_FOR_INTERRUPTS();
			RunMaintenance(lfirst_oid(lc));
		}
		MemoryContextReset(pass_cxt);

		rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					   jb_worker_interval * 1000L, PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
			ResetLatch(MyLatch);
	}
}

void
jobboard_maintenance_main(Datum arg)
{
	Oid			database = DatumGetObjectId(arg);
	int			rc;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);
	pgstat_report_appname("jobboard maintenance");

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pgstat_report_activity(STATE_RUNNING, "jobboard maintenance");
	rc = SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'jobboard'",
					 true, 1);
	if (rc == SPI_OK_SELECT && SPI_processed == 1)
	{
		rc = SPI_execute("SELECT CASE WHEN pg_catalog.pg_try_advisory_xact_lock("
						 CppAsString2(MAINTENANCE_LOCK_KEY) ") "
						 "THEN jobboard.run_maintenance() END", false, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "jobboard maintenance failed");
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
