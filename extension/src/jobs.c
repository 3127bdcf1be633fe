/*
 * jobs.c — jobs and tags (API.md §3.4), and GET /companies/{id}/jobs, which
 * shares the job filters and sorts.
 *
 * Rules:
 * - A job is open while status = 'open' and it has not expired; an expired
 *   open job reads as closed (jobboard.job_status) before the worker closes it.
 *   List queries keep `j.status = 'open'` literally so the partial indexes
 *   jobs_open_*_idx apply, and filter the expiry beside it.
 * - Writing a job takes jobs:write and membership of its company; `moderate`
 *   counts as membership (admins hold jobs:write and moderate). A draft is
 *   invisible (404) to everyone else; open and closed jobs are public, so a
 *   candidate can still read a job that closed after it applied.
 * - Status moves: draft→open, open→closed, closed→open; asking for the status
 *   a job already has is a no-op; anything else is 409. posted_at is set the
 *   first time a job opens. An expired job reads closed: any change to it
 *   stores it as closed unless the change reopens it, and reopening needs an
 *   expires_at in the future (or none).
 * - When a job's stored status goes from open to closed, every candidate who
 *   applied gets job.closed {id, title}, in the same transaction (the worker
 *   does the same when it closes an expired job).
 * - jobboard.tags/job_tags follow jobs.tags by trigger (21_company_job_helpers.sql).
 */
#include "entry.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "lists.h"
#include "resource.h"
#include "shapes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#define JOB_TITLE_MIN 3
#define JOB_TITLE_MAX 200
#define JOB_DESCRIPTION_MAX 20000
#define JOB_LOCATION_MAX 200
#define JOB_QUERY_MAX 500
#define TIMESTAMP_TEXT_MAX 64

static const char *const employment_types[] = {
	"full_time", "part_time", "contract", "internship", NULL
};
static const char *const create_statuses[] = {"draft", "open", NULL};
static const char *const job_statuses[] = {"draft", "open", "closed", NULL};

/* The relevance sort refers to the search text, which is always $1. */
#define RELEVANCE_EXPR "(-ts_rank(j.search, websearch_to_tsquery('english'::regconfig, $1)))"

/*
 * GET /jobs: open jobs only, every sort served by a partial index on the
 * open jobs (jobs_open_posted_idx, jobs_open_salary_idx, jobs_open_title_idx)
 * whose expressions are exactly these. `relevance` (best match first, only
 * with q) is computed per matching row: the GIN index serves the match.
 */
static const ListSort job_sorts[] = {
	{"posted_at", "j.posted_at", "timestamptz"},
	{"salary_max", "coalesce(j.salary_max, -1)", "bigint"},
	{"title", "j.title", "text"},
	{"relevance", RELEVANCE_EXPR, "real"},
	{NULL}
};

static const ListSpec jobs_spec = {
	.route = "jobs",
	.sorts = job_sorts,
	.default_sort = "-posted_at",
	.id_expr = "j.id",
	.item_expr = JOB_JSON,
	.from = "jobboard.jobs j",
};

/*
 * GET /companies/{id}/jobs: members also see drafts (no posted_at: they sort
 * by created_at); served by jobs_company_{posted,salary,title}_idx.
 */
static const ListSort company_job_sorts[] = {
	{"posted_at", "coalesce(j.posted_at, j.created_at)", "timestamptz"},
	{"salary_max", "coalesce(j.salary_max, -1)", "bigint"},
	{"title", "j.title", "text"},
	{"relevance", RELEVANCE_EXPR, "real"},
	{NULL}
};

static const ListSpec company_jobs_spec = {
	.route = "company_jobs",
	.sorts = company_job_sorts,
	.default_sort = "-posted_at",
	.id_expr = "j.id",
	.item_expr = JOB_JSON,
	.from = "jobboard.jobs j",
};

static bool
Digits(const char *s, int n, int *out)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * Parse an RFC 3339 date-time with an offset ("2026-01-31T12:00:00Z",
 * "...T12:00:00.5+02:00"); false for anything else, impossible dates included.
 */
static bool
ParseRfc3339(const char *s, TimestampTz *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			year, month, day, hour, minute, second, oh, om;
	const char *p;
	bool		leap;

	if (strlen(s) < 20 || strlen(s) > TIMESTAMP_TEXT_MAX ||
		!Digits(s, 4, &year) || s[4] != '-' || !Digits(s + 5, 2, &month) ||
		s[7] != '-' || !Digits(s + 8, 2, &day) ||
		(s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
		!Digits(s + 11, 2, &hour) || s[13] != ':' || !Digits(s + 14, 2, &minute) ||
		s[16] != ':' || !Digits(s + 17, 2, &second))
		return false;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > mdays[month - 1] + (month == 2 && leap ? 1 : 0) ||
		hour > 23 || minute > 59 || second > 59)
		return false;
	p = s + 19;
	if (*p == '.')
	{
		int			n = 0;

		for (p++; isdigit((unsigned char) *p); p++)
			n++;
		if (n < 1 || n > 9)
			return false;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && Digits(p + 1, 2, &oh) && p[3] == ':' &&
			 Digits(p + 4, 2, &om) && oh <= 23 && om <= 59)
		p += 6;
	else
		return false;
	if (*p != '\0')
		return false;
	*out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	return true;
}

/*
 * The filters of GET /jobs (and /companies/{id}/jobs), then run the list.
 * company_id > 0 scopes to one company (and adds the status filter);
 * all_statuses lets members see drafts and closed jobs.
 */
static Jsonb *
ListJobs(JbArgs *args, const ListSpec *spec, int64 company_id, bool all_statuses)
{
	ListQuery	query;
	char	   *text;
	bool		flag;
	int			choice;
	int64		number;
	Datum		tags;
	TimestampTz when;

	ListBegin(&query, args, spec);
	if (ArgsText(args, "q", ARG_QUERY | ARG_TRIM, 1, JOB_QUERY_MAX, &text) == ARG_PRESENT)
	{
		if (ListParam(&query, TEXTOID, CStringGetTextDatum(text)) != 1)
			elog(ERROR, "the search text must be the first list parameter");
		ListWhere(&query, "j.search @@ websearch_to_tsquery('english'::regconfig, $1)");
	}
	else if (strcmp(query.sort->name, "relevance") == 0)
		ArgsBadQuery("sort", "relevance needs q");

	if (company_id > 0)
		ListWhere(&query, "j.company_id = $%d",
				  ListParam(&query, INT8OID, Int64GetDatum(company_id)));
	if (!all_statuses)
	{
		ListWhere(&query, "j.status = 'open'");
		ListWhere(&query, "j.expires_at IS NULL OR j.expires_at > now()");
	}
	if (company_id > 0 &&
		ArgsChoice(args, "status", ARG_QUERY, job_statuses, &choice) == ARG_PRESENT)
		ListWhere(&query, "jobboard.job_status(j.status, j.expires_at) = $%d",
				  ListParam(&query, TEXTOID, CStringGetTextDatum(job_statuses[choice])));

	if (ArgsText(args, "location", ARG_QUERY | ARG_TRIM, 1, JOB_LOCATION_MAX, &text) == ARG_PRESENT)
		ListWhere(&query, "strpos(lower(j.location), lower($%d)) > 0",
				  ListParam(&query, TEXTOID, CStringGetTextDatum(text)));
	if (ArgsBool(args, "remote", ARG_QUERY, &flag) == ARG_PRESENT)
		ListWhere(&query, "j.remote = $%d", ListParam(&query, BOOLOID, BoolGetDatum(flag)));
	if (ArgsChoice(args, "employment_type", ARG_QUERY, employment_types, &choice) == ARG_PRESENT)
		ListWhere(&query, "j.employment_type = $%d",
				  ListParam(&query, TEXTOID, CStringGetTextDatum(employment_types[choice])));
	if (company_id == 0 &&
		ArgsInt64(args, "company_id", ARG_QUERY, 1, PG_INT64_MAX, &number) == ARG_PRESENT)
		ListWhere(&query, "j.company_id = $%d", ListParam(&query, INT8OID, Int64GetDatum(number)));
	if (ResourceReadTags(args, "tag", ARG_QUERY, &tags) == ARG_PRESENT)
		ListWhere(&query, "j.tags @> $%d", ListParam(&query, TEXTARRAYOID, tags));
	if (ArgsInt64(args, "salary_min", ARG_QUERY, 0, PG_INT64_MAX, &number) == ARG_PRESENT)
		ListWhere(&query, "j.salary_max >= $%d", ListParam(&query, INT8OID, Int64GetDatum(number)));
	if (ArgsText(args, "posted_after", ARG_QUERY, 1, TIMESTAMP_TEXT_MAX, &text) == ARG_PRESENT)
	{
		if (!ParseRfc3339(text, &when))
			ArgsBadQuery("posted_after", "must be an RFC 3339 date-time with an offset");
		ListWhere(&query, "j.posted_at > $%d",
				  ListParam(&query, TIMESTAMPTZOID, TimestampTzGetDatum(when)));
	}
	ArgsEnd(args);
	return ListRun(&query);
}

ENTRY_POINT(jobs_list)
{
	(void) SessionCaller(ENTRY_TOKEN(), false);
	PG_RETURN_JSONB_P(ListJobs(ENTRY_ARGS(), &jobs_spec, 0, false));
}

static JbStatement company_exists = {
	"SELECT 1 FROM jobboard.companies WHERE id = $1",
	1, {INT8OID}
};

/* Whether the caller may see and write the jobs of a company. */
static bool
IsJobWriter(int64 company_id, const JbCaller *caller)
{
	if (caller == NULL)
		return false;
	if (SessionHas(caller, PERM_MODERATE))
		return true;
	return SessionHas(caller, PERM_JOBS_WRITE) &&
		CompanyMemberRole(company_id, caller) != MEMBER_NONE;
}

ENTRY_POINT(company_jobs)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), false);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1];
	bool		insider;

	values[0] = Int64GetDatum(id);
	DbEnter();
	if (DbRun(&company_exists, values, NULL) == 0)
		JbNotFound();
	insider = caller != NULL && (SessionHas(caller, PERM_MODERATE) ||
								 CompanyMemberRole(id, caller) != MEMBER_NONE);
	DbLeave();
	PG_RETURN_JSONB_P(ListJobs(args, &company_jobs_spec, id, insider));
}

/* The writable fields of a job, each with its ArgState. */
typedef struct JobFields
{
	ArgState	title_s, description_s, location_s, remote_s, type_s, salary_min_s,
				salary_max_s, currency_s, tags_s, status_s, expires_s;
	char	   *title;
	char	   *description;
	char	   *location;
	bool		remote;
	int			type;
	int64		salary_min;
	int64		salary_max;
	char	   *currency;
	Datum		tags;
	int			status;			/* index into job_statuses */
	TimestampTz expires_at;
} JobFields;

static bool
IsCurrency(const char *s)
{
	return strlen(s) == 3 && isupper((unsigned char) s[0]) &&
		isupper((unsigned char) s[1]) && isupper((unsigned char) s[2]) &&
		s[0] <= 'Z' && s[1] <= 'Z' && s[2] <= 'Z';
}

static void
ReadJobFields(JbArgs *args, JobFields *f, bool create)
{
	int			required = create ? ARG_REQUIRED : 0;
	char	   *text;
	int			status = 0;

	memset(f, 0, sizeof(*f));
	f->title_s = ArgsText(args, "title", required | ARG_TRIM, JOB_TITLE_MIN, JOB_TITLE_MAX,
						  &f->title);
	f->description_s = ArgsText(args, "description", required, 1, JOB_DESCRIPTION_MAX,
								&f->description);
	if (f->description_s == ARG_PRESENT &&
		f->description[strspn(f->description, " \t\r\n\f\v")] == '\0')
	{
		ArgsError(args, "description", "must not be empty");
		f->description_s = ARG_INVALID;
	}
	f->location_s = ArgsText(args, "location", ARG_TRIM | ARG_NULLABLE, 1, JOB_LOCATION_MAX,
							 &f->location);
	f->remote_s = ArgsBool(args, "remote", 0, &f->remote);
	f->type_s = ArgsChoice(args, "employment_type", required, employment_types, &f->type);
	f->salary_min_s = ArgsInt64(args, "salary_min", ARG_NULLABLE, 0, PG_INT64_MAX,
								&f->salary_min);
	f->salary_max_s = ArgsInt64(args, "salary_max", ARG_NULLABLE, 0, PG_INT64_MAX,
								&f->salary_max);
	f->currency_s = ArgsText(args, "currency", 0, 1, 3, &f->currency);
	if (f->currency_s == ARG_INVALID ||
		(f->currency_s == ARG_PRESENT && !IsCurrency(f->currency)))
	{
		if (f->currency_s == ARG_PRESENT)
			ArgsError(args, "currency", "must be three capital letters (ISO 4217)");
		f->currency_s = ARG_INVALID;
	}
	f->tags_s = ResourceReadTags(args, "tags", ARG_NULLABLE, &f->tags);
	f->status_s = ArgsChoice(args, "status", 0, create ? create_statuses : job_statuses,
							 &status);
	f->status = status;			/* the same index in both lists */
	f->expires_s = ArgsText(args, "expires_at", ARG_NULLABLE, 1, TIMESTAMP_TEXT_MAX, &text);
	if (f->expires_s == ARG_PRESENT)
	{
		if (!ParseRfc3339(text, &f->expires_at))
		{
			ArgsError(args, "expires_at", "must be an RFC 3339 date-time with an offset");
			f->expires_s = ARG_INVALID;
		}
		else if (f->expires_at <= GetCurrentTransactionStartTimestamp())
		{
			ArgsError(args, "expires_at", "must be in the future");
			f->expires_s = ARG_INVALID;
		}
	}
}

/*
 * salary_min <= salary_max, judged on the values the job will have (the
 * stored ones for fields a PATCH leaves alone; has_* false for NULL).
 */
static void
CheckSalaries(JbArgs *args, const JobFields *f, bool stored_min_set, int64 stored_min,
			  bool stored_max_set, int64 stored_max)
{
	bool		min_set = f->salary_min_s == ARG_PRESENT ||
		(f->salary_min_s == ARG_ABSENT && stored_min_set);
	bool		max_set = f->salary_max_s == ARG_PRESENT ||
		(f->salary_max_s == ARG_ABSENT && stored_max_set);
	int64		min = f->salary_min_s == ARG_PRESENT ? f->salary_min : stored_min;
	int64		max = f->salary_max_s == ARG_PRESENT ? f->salary_max : stored_max;

	if (f->salary_min_s == ARG_INVALID || f->salary_max_s == ARG_INVALID)
		return;
	if (min_set && max_set && min > max)
		ArgsError(args, "salary_min", "must not exceed salary_max");
}

static JbStatement job_insert = {
	"INSERT INTO jobboard.jobs AS j (company_id, title, description, location, remote, "
	"       employment_type, salary_min, salary_max, currency, tags, status, posted_at, expires_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
	"        CASE WHEN $11 = 'open' THEN now() END, $12) "
	"RETURNING " JOB_JSON,
	12, {INT8OID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID, INT8OID, INT8OID, TEXTOID,
	TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID}
};

ENTRY_POINT(job_create)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		company_id = 0;
	Idempotency idem;
	Jsonb	   *replay;
	JobFields	f;
	Datum		values[12];
	char		nulls[12] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Jsonb	   *job;

	SessionRequire(caller, PERM_JOBS_WRITE);
	DbEnter();
	if (ArgsInt64(args, "company_id", ARG_REQUIRED, 1, PG_INT64_MAX, &company_id) == ARG_PRESENT)
	{
		values[0] = Int64GetDatum(company_id);
		if (DbRun(&company_exists, values, NULL) == 0)
			ArgsError(args, "company_id", "names no company");
		else if (!IsJobWriter(company_id, caller))
			JbForbidden();
	}
	replay = IdempotencyBegin(&idem, args, "job_create", caller, NULL);
	if (replay != NULL)
		return DbLeaveJsonb(replay);
	ReadJobFields(args, &f, true);
	CheckSalaries(args, &f, false, 0, false, 0);
	ArgsEnd(args);

	values[0] = Int64GetDatum(company_id);
	values[1] = CStringGetTextDatum(f.title);
	values[2] = CStringGetTextDatum(f.description);
	if (f.location_s == ARG_PRESENT)
		values[3] = CStringGetTextDatum(f.location);
	else
		nulls[3] = 'n';
	values[4] = BoolGetDatum(f.remote_s == ARG_PRESENT && f.remote);
	values[5] = CStringGetTextDatum(employment_types[f.type]);
	values[6] = Int64GetDatum(f.salary_min);
	nulls[6] = f.salary_min_s == ARG_PRESENT ? ' ' : 'n';
	values[7] = Int64GetDatum(f.salary_max);
	nulls[7] = f.salary_max_s == ARG_PRESENT ? ' ' : 'n';
	values[8] = CStringGetTextDatum(f.currency_s == ARG_PRESENT ? f.currency : "USD");
	values[9] = f.tags_s == ARG_PRESENT ? f.tags
		: PointerGetDatum(construct_empty_array(TEXTOID));
	values[10] = CStringGetTextDatum(f.status_s == ARG_PRESENT ? create_statuses[f.status] : "open");
	values[11] = TimestampTzGetDatum(f.expires_at);
	nulls[11] = f.expires_s == ARG_PRESENT ? ' ' : 'n';
	job = DatumGetJsonbP(DbLeaveJsonb(DbRunJsonb(&job_insert, values, nulls)));
	IdempotencyFinish(&idem, job);
	PG_RETURN_JSONB_P(job);
}

static JbStatement job_by_id = {
	"SELECT " JOB_JSON ", j.status, j.company_id FROM jobboard.jobs j WHERE j.id = $1",
	1, {INT8OID}
};

ENTRY_POINT(job_get)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), false);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1];
	Jsonb	   *job;

	ArgsEnd(args);
	values[0] = Int64GetDatum(id);
	DbEnter();
	if (DbRun(&job_by_id, values, NULL) == 0)
		JbNotFound();
	job = DbJsonb(0, 0);
	if (strcmp(DbText(0, 1), "draft") == 0 && !IsJobWriter(DbInt64(0, 2), caller))
		JbNotFound();
	return DbLeaveJsonb(job);
}

/* The job as stored, locked for a change. */
typedef struct LockedJob
{
	Jsonb	   *current;		/* its JSON as GET answers it (the ETag) */
	char	   *status;			/* stored status */
	bool		expired;		/* open but past expires_at: reads closed */
	bool		salary_min_set;
	int64		salary_min;
	bool		salary_max_set;
	int64		salary_max;
	bool		expires_set;
	TimestampTz expires_at;
} LockedJob;

static JbStatement job_lock = {
	"SELECT " JOB_JSON ", j.status, j.company_id, "
	"       j.status = 'open' AND j.expires_at <= now(), "
	"       j.salary_min, j.salary_max, j.expires_at "
	"  FROM jobboard.jobs j WHERE j.id = $1 FOR UPDATE",
	1, {INT8OID}
};

/*
 * Lock a job for a change by the caller: 404 when there is none or it is a
 * draft the caller may not see, 403 when the caller may see it but not write
 * it. Call inside DbEnter().
 */
static void
LockJob(int64 id, const JbCaller *caller, LockedJob *job)
{
	Datum		values[1];
	bool		isnull;

	values[0] = Int64GetDatum(id);
	if (DbRun(&job_lock, values, NULL) == 0)
		JbNotFound();
	job->current = DbJsonb(0, 0);
	job->status = DbText(0, 1);
	job->expired = DbBool(0, 3);
	job->salary_min = DatumGetInt64(DbDatum(0, 4, &isnull));
	job->salary_min_set = !isnull;
	job->salary_max = DatumGetInt64(DbDatum(0, 5, &isnull));
	job->salary_max_set = !isnull;
	job->expires_at = DatumGetTimestampTz(DbDatum(0, 6, &isnull));
	job->expires_set = !isnull;
	if (!IsJobWriter(DbInt64(0, 2), caller))
	{
		if (strcmp(job->status, "draft") == 0)
			JbNotFound();
		JbForbidden();
	}
}

/* updated_at moves only when a value really changes. */
static JbStatement job_change = {
	"UPDATE jobboard.jobs j "
	"   SET title = x.title, description = x.description, location = x.location, "
	"       remote = x.remote, employment_type = x.employment_type, "
	"       salary_min = x.salary_min, salary_max = x.salary_max, currency = x.currency, "
	"       tags = x.tags, status = x.status, expires_at = x.expires_at, "
	"       posted_at = CASE WHEN x.status = 'open' THEN coalesce(j.posted_at, now()) "
	"                        ELSE j.posted_at END, "
	"       updated_at = CASE WHEN (j.title, j.description, j.location, j.remote, j.employment_type, "
	"                               j.salary_min, j.salary_max, j.currency, j.tags, j.status, j.expires_at) "
	"                              IS NOT DISTINCT FROM "
	"                              (x.title, x.description, x.location, x.remote, x.employment_type, "
	"                               x.salary_min, x.salary_max, x.currency, x.tags, x.status, x.expires_at) "
	"                         THEN j.updated_at ELSE now() END "
	"  FROM (SELECT coalesce($2, o.title) AS title, coalesce($3, o.description) AS description, "
	"               CASE WHEN $4 THEN $5 ELSE o.location END AS location, "
	"               coalesce($6, o.remote) AS remote, coalesce($7, o.employment_type) AS employment_type, "
	"               CASE WHEN $8 THEN $9 ELSE o.salary_min END AS salary_min, "
	"               CASE WHEN $10 THEN $11 ELSE o.salary_max END AS salary_max, "
	"               coalesce($12, o.currency) AS currency, coalesce($13, o.tags) AS tags, "
	"               $14 AS status, "
	"               CASE WHEN $15 THEN $16 ELSE o.expires_at END AS expires_at "
	"          FROM jobboard.jobs o WHERE o.id = $1) x "
	" WHERE j.id = $1 RETURNING " JOB_JSON,
	16, {INT8OID, TEXTOID, TEXTOID, BOOLOID, TEXTOID, BOOLOID, TEXTOID, BOOLOID, INT8OID,
	BOOLOID, INT8OID, TEXTOID, TEXTARRAYOID, TEXTOID, BOOLOID, TIMESTAMPTZOID}
};

static JbStatement job_closed_emit = {
	"SELECT jobboard.emit('job.closed', "
	"       (SELECT array_agg(a.candidate_id) FROM jobboard.applications a WHERE a.job_id = j.id), "
	"       jsonb_build_object('id', j.id, 'title', j.title)) "
	"  FROM jobboard.jobs j WHERE j.id = $1",
	1, {INT8OID}
};

/* Set parameter i to a value or SQL NULL. */
#define SET_PARAM(i, present, datum) \
	do { values[i] = (present) ? (datum) : (Datum) 0; nulls[i] = (present) ? ' ' : 'n'; } while (0)

ENTRY_POINT(job_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	LockedJob	job;
	JobFields	f;
	const char *reads;			/* the status a client sees now */
	const char *status;			/* the status to store */
	bool		expires_later;
	Datum		values[16];
	char		nulls[16];
	Jsonb	   *result;

	DbEnter();
	LockJob(id, caller, &job);
	ReadJobFields(args, &f, false);
	if (getKeyJsonValueFromContainer(&args->jb->root, "company_id", 10, NULL) != NULL)
	{
		args->taken = lappend(args->taken, "company_id");
		ArgsError(args, "company_id", "cannot be changed");
	}
	CheckSalaries(args, &f, job.salary_min_set, job.salary_min,
				  job.salary_max_set, job.salary_max);
	ArgsEnd(args);
	ResourceCheckIfMatch(args, job.current);

	reads = job.expired ? "closed" : job.status;
	status = f.status_s == ARG_PRESENT ? job_statuses[f.status] : reads;
	if (strcmp(status, reads) != 0 &&
		!(strcmp(reads, "draft") == 0 && strcmp(status, "open") == 0) &&
		!(strcmp(reads, "open") == 0 && strcmp(status, "closed") == 0) &&
		!(strcmp(reads, "closed") == 0 && strcmp(status, "open") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_JB_CONFLICT),
				 errmsg("the job is %s: it cannot become %s", reads, status)));
	expires_later = f.expires_s == ARG_NULL || f.expires_s == ARG_PRESENT || !job.expires_set ||
		job.expires_at > GetCurrentTransactionStartTimestamp();
	if (strcmp(status, "open") == 0 && !expires_later)
		JbConflict("the job has expired: reopen it with a later expires_at or none");

	values[0] = Int64GetDatum(id);
	nulls[0] = ' ';
	SET_PARAM(1, f.title_s == ARG_PRESENT, CStringGetTextDatum(f.title));
	SET_PARAM(2, f.description_s == ARG_PRESENT, CStringGetTextDatum(f.description));
	SET_PARAM(3, true, BoolGetDatum(f.location_s != ARG_ABSENT));
	SET_PARAM(4, f.location_s == ARG_PRESENT, CStringGetTextDatum(f.location));
	SET_PARAM(5, f.remote_s == ARG_PRESENT, BoolGetDatum(f.remote));
	SET_PARAM(6, f.type_s == ARG_PRESENT, CStringGetTextDatum(employment_types[f.type]));
	SET_PARAM(7, true, BoolGetDatum(f.salary_min_s != ARG_ABSENT));
	SET_PARAM(8, f.salary_min_s == ARG_PRESENT, Int64GetDatum(f.salary_min));
	SET_PARAM(9, true, BoolGetDatum(f.salary_max_s != ARG_ABSENT));
	SET_PARAM(10, f.salary_max_s == ARG_PRESENT, Int64GetDatum(f.salary_max));
	SET_PARAM(11, f.currency_s == ARG_PRESENT, CStringGetTextDatum(f.currency));
	SET_PARAM(12, f.tags_s != ARG_ABSENT,
			  f.tags_s == ARG_PRESENT ? f.tags : PointerGetDatum(construct_empty_array(TEXTOID)));
	SET_PARAM(13, true, CStringGetTextDatum(status));
	SET_PARAM(14, true, BoolGetDatum(f.expires_s != ARG_ABSENT));
	SET_PARAM(15, f.expires_s == ARG_PRESENT, TimestampTzGetDatum(f.expires_at));
	result = DbRunJsonb(&job_change, values, nulls);
	if (strcmp(job.status, "open") == 0 && strcmp(status, "closed") == 0)
		DbRun(&job_closed_emit, values, NULL);
	return DbLeaveJsonb(result);
}

static JbStatement job_has_applications = {
	"SELECT EXISTS (SELECT 1 FROM jobboard.applications WHERE job_id = $1)",
	1, {INT8OID}
};

static JbStatement job_remove = {
	"DELETE FROM jobboard.jobs WHERE id = $1",
	1, {INT8OID}
};

ENTRY_POINT(job_delete)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	LockedJob	job;
	Datum		values[1];

	ArgsEnd(args);
	DbEnter();
	LockJob(id, caller, &job);
	ResourceCheckIfMatch(args, job.current);
	values[0] = Int64GetDatum(id);
	DbRun(&job_has_applications, values, NULL);
	if (DbBool(0, 0))
		JbConflict("the job has applications: close it instead");
	DbRun(&job_remove, values, NULL);
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}

/*
 * GET /tags: tags of open jobs with their counts, most used first, then by
 * name (a composite sort key, jobboard.tag_rank). The counts are aggregated
 * per request from the open jobs (jobs_open_posted_idx finds them, the
 * job_tags primary key their tags): no index can hold a count that expiry
 * changes with time, so the pages of a walk are as stable as the counts.
 */
static const ListSort tag_sorts[] = {
	{"popularity", "ROW(-x.open_jobs, x.name)::jobboard.tag_rank", "jobboard.tag_rank"},
	{"name", "x.name", "text"},
	{NULL}
};

static const ListSpec tags_spec = {
	.route = "tags",
	.sorts = tag_sorts,
	.default_sort = "popularity",
	.id_expr = "x.id",
	.item_expr = "jsonb_build_object('name', x.name, 'open_jobs', x.open_jobs)",
	.from = "(SELECT t.id, t.name, count(*) AS open_jobs "
	"   FROM jobboard.jobs j "
	"   JOIN jobboard.job_tags jt ON jt.job_id = j.id "
	"   JOIN jobboard.tags t ON t.id = jt.tag_id "
	"  WHERE j.status = 'open' AND (j.expires_at IS NULL OR j.expires_at > now()) "
	"  GROUP BY t.id) x",
};

ENTRY_POINT(tags_list)
{
	JbArgs	   *args;
	ListQuery	query;

	(void) SessionCaller(ENTRY_TOKEN(), false);
	args = ENTRY_ARGS();
	ListBegin(&query, args, &tags_spec);
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}
