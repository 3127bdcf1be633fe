/*
 * applications.c — applications to jobs (API.md §3.5) and the caller's own
 * list, GET /me/applications (§3.1).
 *
 * Who sees an application: its candidate, every member of the job's company,
 * and `moderate`; anyone else gets 404, as for an id that does not exist.
 *
 * Status machine: the open states are submitted, reviewing, interview and
 * offer. Members (holding applications:review) move an application one step
 * along submitted → reviewing → interview → offer → hired, or from any open
 * state to rejected; the candidate may only withdraw it from an open state.
 * Every other move, including to the status it already has, is a 409. Each
 * move locks the application row, writes a history row and emits
 * application.status_changed to the candidate and the members in the same
 * transaction.
 *
 * Applying: the job must be visible to the caller (a draft is 404 unless the
 * caller is a member or moderator) and open (not closed, not expired: 409).
 * The job row is share-locked so a concurrent close waits for the
 * application (and then announces job.closed to it). A second application by
 * the same candidate is a 409 decided by UNIQUE (job_id, candidate_id): the
 * insert is ON CONFLICT DO NOTHING, so the loser of a race gets our 409, not
 * a raw constraint error.
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "lists.h"
#include "resource.h"
#include "utils/builtins.h"

#define COVER_LETTER_MAX_LENGTH 10000

typedef enum AppStatus
{
	APP_SUBMITTED,
	APP_REVIEWING,
	APP_INTERVIEW,
	APP_OFFER,
	APP_HIRED,
	APP_REJECTED,
	APP_WITHDRAWN
} AppStatus;

/* In AppStatus order. */
static const char *const app_statuses[] = {
	"submitted", "reviewing", "interview", "offer", "hired", "rejected", "withdrawn", NULL
};

#define APP_IS_OPEN(s) ((s) <= APP_OFFER)

static AppStatus
AppStatusFromName(const char *name)
{
	for (int i = 0; app_statuses[i] != NULL; i++)
		if (strcmp(app_statuses[i], name) == 0)
			return (AppStatus) i;
	elog(ERROR, "unknown application status \"%s\"", name);
}

static const ListSort application_sorts[] = {
	{"created_at", "a.created_at", "timestamptz"},
	{"updated_at", "a.updated_at", "timestamptz"},
	{NULL}
};

/* A review queue reads oldest first. */
static const ListSpec job_applications_spec = {
	.route = "job_applications",
	.sorts = application_sorts,
	.default_sort = "created_at",
	.id_expr = "a.id",
	.item_expr = "jobboard.application_json(a)",
	.from = "jobboard.applications a",
};

/* The candidate's own list reads newest first. */
static const ListSpec my_applications_spec = {
	.route = "my_applications",
	.sorts = application_sorts,
	.default_sort = "-created_at",
	.id_expr = "a.id",
	.item_expr = "jobboard.application_json(a)",
	.from = "jobboard.applications a",
};

/* The optional `status` filter of both lists (a bad one is a 400). */
static void
FilterStatus(ListQuery *query, JbArgs *args)
{
	int			status;

	if (ArgsChoice(args, "status", ARG_QUERY, app_statuses, &status) == ARG_PRESENT)
		ListWhere(query, "a.status = $%d",
				  ListParam(query, TEXTOID, CStringGetTextDatum(app_statuses[status])));
}

/*
 * The job behind /jobs/{id}/...: is it a draft, is it open now, is the
 * caller a member of its company. Share-locked when applying.
 */
#define JOB_FACTS_SQL \
	"SELECT j.status = 'draft', jobboard.job_is_open(j.status, j.expires_at), " \
	"       EXISTS (SELECT 1 FROM jobboard.company_members m " \
	"                WHERE m.company_id = j.company_id AND m.user_id = $2) " \
	"  FROM jobboard.jobs j WHERE j.id = $1"

static JbStatement job_facts = {JOB_FACTS_SQL, 2, {INT8OID, INT8OID}};
static JbStatement job_facts_locked = {JOB_FACTS_SQL " FOR SHARE OF j", 2, {INT8OID, INT8OID}};

static JbStatement own_file = {
	"SELECT 1 FROM jobboard.files WHERE id = $1 AND owner_id = $2",
	2, {INT8OID, INT8OID}
};

static JbStatement application_insert = {
	"WITH a AS (INSERT INTO jobboard.applications (job_id, candidate_id, cover_letter, resume_file_id) "
	"           VALUES ($1, $2, $3, $4) "
	"           ON CONFLICT (job_id, candidate_id) DO NOTHING RETURNING *), "
	"     h AS (INSERT INTO jobboard.application_history (application_id, status, at, by_user_id) "
	"           SELECT a.id, a.status, a.created_at, a.candidate_id FROM a) "
	"SELECT a.id, jobboard.application_json(a) FROM a",
	4, {INT8OID, INT8OID, TEXTOID, INT8OID}
};

static JbStatement application_created_emit = {
	"SELECT jobboard.emit('application.created', jobboard.application_member_ids($1), $2)",
	2, {INT8OID, JSONBOID}
};

ENTRY_POINT(application_create)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		job_id = ArgsPathId(args, "id");
	Idempotency idem;
	Jsonb	   *replay;
	char	   *cover_letter;
	int64		resume_file_id;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', 'n', 'n'};
	bool		draft;
	bool		open;
	bool		member;
	Datum		result;

	SessionRequire(caller, PERM_APPLICATIONS_CREATE);
	replay = IdempotencyBegin(&idem, args, "application_create", caller, NULL);
	if (replay != NULL)
		PG_RETURN_JSONB_P(replay);

	values[0] = Int64GetDatum(job_id);
	values[1] = Int64GetDatum(caller->user_id);
	DbEnter();
	if (DbRun(&job_facts_locked, values, NULL) != 1)
		JbNotFound();
	draft = DbBool(0, 0);
	open = DbBool(0, 1);
	member = DbBool(0, 2);
	if (draft && !member && !SessionHas(caller, PERM_MODERATE))
		JbNotFound();

	if (ArgsText(args, "cover_letter", ARG_NULLABLE, 0, COVER_LETTER_MAX_LENGTH,
				 &cover_letter) == ARG_PRESENT)
	{
		values[2] = CStringGetTextDatum(cover_letter);
		nulls[2] = ' ';
	}
	if (ArgsInt64(args, "resume_file_id", ARG_NULLABLE, 1, PG_INT64_MAX,
				  &resume_file_id) == ARG_PRESENT)
	{
		Datum		file[2] = {Int64GetDatum(resume_file_id), values[1]};

		if (DbRun(&own_file, file, NULL) == 0)
			ArgsError(args, "resume_file_id", "names no file of yours");
		values[3] = file[0];
		nulls[3] = ' ';
	}
	ArgsEnd(args);

	if (!open)
		JbConflict("the job is not open for applications");
	if (DbRun(&application_insert, values, nulls) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_JB_DUPLICATE),
				 errmsg("you have already applied to this job")));
	{
		Datum		emit[2] = {Int64GetDatum(DbInt64(0, 0)), JsonbPGetDatum(DbJsonb(0, 1))};

		DbRun(&application_created_emit, emit, NULL);
		result = DbLeaveJsonb(DatumGetJsonbP(emit[1]));
	}
	IdempotencyFinish(&idem, DatumGetJsonbP(result));
	return result;
}

ENTRY_POINT(job_applications)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		job_id = ArgsPathId(args, "id");
	Datum		values[2];
	bool		draft;
	bool		member;
	ListQuery	query;

	values[0] = Int64GetDatum(job_id);
	values[1] = Int64GetDatum(caller->user_id);
	DbEnter();
	if (DbRun(&job_facts, values, NULL) != 1)
		JbNotFound();
	draft = DbBool(0, 0);
	member = DbBool(0, 2);
	DbLeave();
	if (!SessionHas(caller, PERM_MODERATE) &&
		!(member && SessionHas(caller, PERM_APPLICATIONS_REVIEW)))
	{
		if (draft && !member)
			JbNotFound();
		JbForbidden();
	}

	ListBegin(&query, args, &job_applications_spec);
	ListWhere(&query, "a.job_id = $%d", ListParam(&query, INT8OID, values[0]));
	FilterStatus(&query, args);
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}

ENTRY_POINT(my_applications)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	ListQuery	query;

	ListBegin(&query, args, &my_applications_spec);
	ListWhere(&query, "a.candidate_id = $%d",
			  ListParam(&query, INT8OID, Int64GetDatum(caller->user_id)));
	FilterStatus(&query, args);
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}

/* The caller's relation to an application; the row is locked for a change. */
#define APPLICATION_FACTS_SQL \
	"SELECT a.status, a.candidate_id = $2, " \
	"       jobboard.application_is_member(a.id, $2) " \
	"  FROM jobboard.applications a WHERE a.id = $1"

static JbStatement application_facts = {APPLICATION_FACTS_SQL, 2, {INT8OID, INT8OID}};
static JbStatement application_facts_locked = {APPLICATION_FACTS_SQL " FOR UPDATE OF a",
2, {INT8OID, INT8OID}};

typedef struct AppFacts
{
	AppStatus	status;
	bool		candidate;
	bool		member;
} AppFacts;

/*
 * Look up the application for the caller (inside DbEnter); 404 unless the
 * caller is its candidate, a member or a moderator.
 */
static AppFacts
ApplicationFacts(int64 id, const JbCaller *caller, bool lock)
{
	Datum		values[2] = {Int64GetDatum(id), Int64GetDatum(caller->user_id)};
	AppFacts	facts;

	if (DbRun(lock ? &application_facts_locked : &application_facts, values, NULL) != 1)
		JbNotFound();
	facts.status = AppStatusFromName(DbText(0, 0));
	facts.candidate = DbBool(0, 1);
	facts.member = DbBool(0, 2);
	if (!facts.candidate && !facts.member && !SessionHas(caller, PERM_MODERATE))
		JbNotFound();
	return facts;
}

static JbStatement application_detail = {
	"SELECT jobboard.application_detail_json(a) FROM jobboard.applications a WHERE a.id = $1",
	1, {INT8OID}
};

ENTRY_POINT(application_get)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1] = {Int64GetDatum(id)};

	ArgsEnd(args);
	DbEnter();
	(void) ApplicationFacts(id, caller, false);
	return DbLeaveJsonb(DbRunJsonb(&application_detail, values, NULL));
}

/* Whether the caller may make this move (see the file comment). */
static bool
MoveAllowed(const AppFacts *facts, AppStatus to, bool reviewer)
{
	if (!APP_IS_OPEN(facts->status))
		return false;
	if (reviewer && (to == APP_REJECTED || to == facts->status + 1))
		return true;
	if (facts->candidate && to == APP_WITHDRAWN)
		return true;
	return false;
}

static JbStatement application_move = {
	"WITH a AS (UPDATE jobboard.applications SET status = $2, updated_at = now() "
	"            WHERE id = $1 RETURNING id, job_id, candidate_id, status, updated_at), "
	"     h AS (INSERT INTO jobboard.application_history (application_id, status, at, by_user_id) "
	"           SELECT a.id, a.status, a.updated_at, $3 FROM a) "
	"SELECT jobboard.emit('application.status_changed', "
	"                     a.candidate_id || jobboard.application_member_ids(a.id), "
	"                     jsonb_build_object('id', a.id, 'job_id', a.job_id, 'from', $4::text, "
	"                                        'to', a.status, 'at', a.updated_at)) "
	"  FROM a",
	4, {INT8OID, TEXTOID, INT8OID, TEXTOID}
};

ENTRY_POINT(application_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	AppFacts	facts;
	bool		reviewer;
	int			to = 0;
	Datum		values[4];

	DbEnter();
	facts = ApplicationFacts(id, caller, true);
	reviewer = facts.member && SessionHas(caller, PERM_APPLICATIONS_REVIEW);
	/* A moderator, or a member without applications:review, may look only. */
	if (!facts.candidate && !reviewer)
		JbForbidden();
	ArgsChoice(args, "status", ARG_REQUIRED, app_statuses, &to);
	ArgsEnd(args);

	values[0] = Int64GetDatum(id);
	ResourceCheckIfMatch(args, DbRunJsonb(&application_detail, values, NULL));
	if (!APP_IS_OPEN(facts.status))
		JbConflict(psprintf("the application is %s and can no longer change",
							app_statuses[facts.status]));
	if (!MoveAllowed(&facts, (AppStatus) to, reviewer))
		JbConflict(psprintf("you cannot move an application from %s to %s",
							app_statuses[facts.status], app_statuses[to]));

	values[1] = CStringGetTextDatum(app_statuses[to]);
	values[2] = Int64GetDatum(caller->user_id);
	values[3] = CStringGetTextDatum(app_statuses[facts.status]);
	DbRun(&application_move, values, NULL);
	return DbLeaveJsonb(DbRunJsonb(&application_detail, values, NULL));
}
