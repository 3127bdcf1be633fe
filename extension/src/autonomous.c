/*
 * autonomous.c — out-of-transaction writes through dynamic background
 * workers (autonomous.h). The task travels in bgw_extra; the worker connects
 * to the caller's database as the caller's current user (the extension owner,
 * inside a SECURITY DEFINER entry point), runs one fixed statement and exits.
 */
#include "autonomous.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/snapmgr.h"
#include "worker.h"

typedef enum AutonomousOp
{
	AUTONOMOUS_LOGIN_FAILED,
	AUTONOMOUS_REVOKE_SESSION
} AutonomousOp;

typedef struct AutonomousTask
{
	int32		op;
	Oid			database;
	Oid			role;
	int64		id;
	int32		lockout_threshold;
	int32		lockout_seconds;
} AutonomousTask;

StaticAssertDecl(sizeof(AutonomousTask) <= BGW_EXTRALEN,
				 "an autonomous task must fit in bgw_extra");

/*
 * How long the caller waits for the write, and how long the write waits for
 * a row lock: when the caller's own transaction holds the row, the write
 * completes once that transaction ends, and the caller goes on meanwhile.
 */
#define AUTONOMOUS_CALLER_WAIT_MS 1000
#define AUTONOMOUS_LOCK_TIMEOUT_MS 60000
#define AUTONOMOUS_POLL_MS 5

/* Longest lockout: the first one doubled at most this many times. */
#define MAX_LOCKOUT_DOUBLINGS 10

static const char *const statements[] = {
	[AUTONOMOUS_LOGIN_FAILED] =
	"UPDATE jobboard.users SET "
	"  failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END, "
	"  locked_until = CASE WHEN failed_logins + 1 >= $2 "
	"    THEN now() + make_interval(secs => $3::float8 * power(2, least(lockouts, "
	CppAsString2(MAX_LOCKOUT_DOUBLINGS) "))) ELSE locked_until END, "
	"  lockouts = CASE WHEN failed_logins + 1 >= $2 THEN lockouts + 1 ELSE lockouts END "
	"WHERE id = $1",
	[AUTONOMOUS_REVOKE_SESSION] =
	"UPDATE jobboard.sessions SET revoked_at = now() "
	"WHERE id = $1 AND revoked_at IS NULL",
};

static void
RunTask(AutonomousTask *task)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	task->database = MyDatabaseId;
	task->role = GetUserId();
	WorkerDescribe(&worker, "jobboard autonomous write", "jobboard_autonomous_main",
				   BGW_NEVER_RESTART);
	worker.bgw_notify_pid = MyProcPid;
	memcpy(worker.bgw_extra, task, sizeof(*task));

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_JB_UNAVAILABLE),
				 errmsg("the server is busy, try again"),
				 errhint("Raise max_worker_processes: jobboard needs a free worker slot for failed logins.")));
	for (int waited = 0; waited < AUTONOMOUS_CALLER_WAIT_MS; waited += AUTONOMOUS_POLL_MS)
	{
		pid_t		pid;

		if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED)
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 AUTONOMOUS_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

void
AutonomousLoginFailed(int64 user_id)
{
	AutonomousTask task = {0};

	task.op = AUTONOMOUS_LOGIN_FAILED;
	task.id = user_id;
	task.lockout_threshold = jb_lockout_threshold;
	task.lockout_seconds = jb_lockout_seconds;
	RunTask(&task);
}

void
AutonomousRevokeSession(int64 session_id)
{
	AutonomousTask task = {0};

	task.op = AUTONOMOUS_REVOKE_SESSION;
	task.id = session_id;
	RunTask(&task);
}

void
jobboard_autonomous_main(Datum arg)
{
	AutonomousTask task;
	Oid			types[3] = {INT8OID, INT4OID, INT4OID};
	Datum		values[3];
	int			nargs;

	memcpy(&task, MyBgworkerEntry->bgw_extra, sizeof(task));
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(task.database, task.role, 0);

	values[0] = Int64GetDatum(task.id);
	values[1] = Int32GetDatum(task.lockout_threshold);
	values[2] = Int32GetDatum(task.lockout_seconds);
	nargs = task.op == AUTONOMOUS_LOGIN_FAILED ? 3 : 1;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "jobboard autonomous write");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* Never wait for ever on a caller that keeps its transaction open. */
	if (SPI_execute("SET LOCAL lock_timeout = '" CppAsString2(AUTONOMOUS_LOCK_TIMEOUT_MS) "ms'",
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set lock_timeout");
	if (SPI_execute_with_args(statements[task.op], nargs, types, values, NULL,
							  false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "autonomous write failed");
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
