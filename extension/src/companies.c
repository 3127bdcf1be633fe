/*
 * companies.c — companies and their members (API.md §3.3). GET
 * /companies/{id}/jobs lives in jobs.c beside the job filters it shares.
 *
 * Rules: company names are unique case-insensitively (409); a change of a
 * company or of its members first locks the company row, so the last-owner
 * rule and the "no open jobs" rule of a delete cannot race a concurrent
 * change; `moderate` counts as owner everywhere.
 *
 * Deleting a company (owner or moderate): 409 while it has an open job, and
 * 409 while any of its jobs has applications (they are candidates' records:
 * close the jobs instead); otherwise its draft and closed jobs, their tags
 * and its memberships go with it.
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "lists.h"
#include "resource.h"
#include "shapes.h"
#include "utils/builtins.h"

#define COMPANY_NAME_MAX 200
#define COMPANY_WEBSITE_MAX 2000
#define COMPANY_DESCRIPTION_MAX 20000
#define COMPANY_LOCATION_MAX 200
#define QUERY_MAX_LENGTH 200

static const char *const member_roles[] = {"owner", "recruiter", NULL};

static const ListSort company_sorts[] = {
	{"name", "c.name", "text"},
	{"created_at", "c.created_at", "timestamptz"},
	{NULL}
};

static const ListSpec companies_spec = {
	.route = "companies",
	.sorts = company_sorts,
	.default_sort = "name",
	.id_expr = "c.id",
	.item_expr = COMPANY_JSON,
	.from = "jobboard.companies c",
};

ENTRY_POINT(companies_list)
{
	JbArgs	   *args;
	ListQuery	query;
	char	   *q;

	(void) SessionCaller(ENTRY_TOKEN(), false);
	args = ENTRY_ARGS();
	ListBegin(&query, args, &companies_spec);
	if (ArgsText(args, "q", ARG_QUERY | ARG_TRIM, 1, QUERY_MAX_LENGTH, &q) == ARG_PRESENT)
		ListWhere(&query, "strpos(lower(c.name), lower($%d)) > 0",
				  ListParam(&query, TEXTOID, CStringGetTextDatum(q)));
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}

/* An absolute http(s) URL with a host and no white space or controls. */
static bool
IsWebUrl(const char *s)
{
	const char *rest;

	if (pg_strncasecmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (pg_strncasecmp(s, "http://", 7) == 0)
		rest = s + 7;
	else
		return false;
	if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char) *p <= ' ' || *p == '\x7f')
			return false;
	return true;
}

/* The writable fields of a company; state ARG_ABSENT/NULL/PRESENT each. */
typedef struct CompanyFields
{
	ArgState	name_state;
	ArgState	website_state;
	ArgState	description_state;
	ArgState	location_state;
	char	   *name;
	char	   *website;
	char	   *description;
	char	   *location;
} CompanyFields;

static void
ReadCompanyFields(JbArgs *args, CompanyFields *f, bool create)
{
	memset(f, 0, sizeof(*f));
	f->name_state = ArgsText(args, "name", ARG_TRIM | (create ? ARG_REQUIRED : 0),
							 1, COMPANY_NAME_MAX, &f->name);
	f->website_state = ArgsText(args, "website", ARG_TRIM | ARG_NULLABLE,
								1, COMPANY_WEBSITE_MAX, &f->website);
	if (f->website_state == ARG_PRESENT && !IsWebUrl(f->website))
	{
		ArgsError(args, "website", "must be an http or https URL");
		f->website_state = ARG_INVALID;
	}
	f->description_state = ArgsText(args, "description", ARG_NULLABLE,
									1, COMPANY_DESCRIPTION_MAX, &f->description);
	f->location_state = ArgsText(args, "location", ARG_TRIM | ARG_NULLABLE,
								 1, COMPANY_LOCATION_MAX, &f->location);
}

/* An optional text parameter: the value, or SQL NULL. */
static void
SetText(Datum *values, char *nulls, int i, ArgState state, const char *s)
{
	if (state == ARG_PRESENT)
	{
		values[i] = CStringGetTextDatum(s);
		nulls[i] = ' ';
	}
	else
	{
		values[i] = (Datum) 0;
		nulls[i] = 'n';
	}
}

static JbStatement name_taken = {
	"SELECT 1 FROM jobboard.companies WHERE lower(name) = lower($1) AND id <> $2",
	2, {TEXTOID, INT8OID}
};

static void
RequireFreeName(const char *name, int64 except_id)
{
	Datum		values[2];

	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum(except_id);
	if (DbRun(&name_taken, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_JB_DUPLICATE),
				 errmsg("a company with this name already exists")));
}

/* The unique index decides a race between two creators of one name. */
static JbStatement company_insert = {
	"WITH c AS (INSERT INTO jobboard.companies (name, website, description, location) "
	"           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id), "
	"     m AS (INSERT INTO jobboard.company_members (company_id, user_id, role) "
	"           SELECT id, $5, 'owner' FROM c) "
	"SELECT id FROM c",
	5, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID}
};

static JbStatement company_by_id = {
	"SELECT " COMPANY_JSON " FROM jobboard.companies c WHERE c.id = $1",
	1, {INT8OID}
};

ENTRY_POINT(company_create)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	Idempotency idem;
	Jsonb	   *replay;
	CompanyFields f;
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	Jsonb	   *company;

	SessionRequire(caller, PERM_COMPANIES_CREATE);
	replay = IdempotencyBegin(&idem, args, "company_create", caller, NULL);
	if (replay != NULL)
		PG_RETURN_JSONB_P(replay);
	ReadCompanyFields(args, &f, true);
	ArgsEnd(args);

	values[0] = CStringGetTextDatum(f.name);
	SetText(values, nulls, 1, f.website_state, f.website);
	SetText(values, nulls, 2, f.description_state, f.description);
	SetText(values, nulls, 3, f.location_state, f.location);
	values[4] = Int64GetDatum(caller->user_id);
	DbEnter();
	RequireFreeName(f.name, 0);
	if (DbRun(&company_insert, values, nulls) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_JB_DUPLICATE),
				 errmsg("a company with this name already exists")));
	values[0] = Int64GetDatum(DbInt64(0, 0));
	company = DatumGetJsonbP(DbLeaveJsonb(DbRunJsonb(&company_by_id, values, NULL)));
	IdempotencyFinish(&idem, company);
	PG_RETURN_JSONB_P(company);
}

ENTRY_POINT(company_get)
{
	JbArgs	   *args;
	int64		id;
	Datum		values[1];
	Jsonb	   *company;

	(void) SessionCaller(ENTRY_TOKEN(), false);
	args = ENTRY_ARGS();
	id = ArgsPathId(args, "id");
	ArgsEnd(args);
	values[0] = Int64GetDatum(id);
	DbEnter();
	company = DbRunJsonb(&company_by_id, values, NULL);
	if (company == NULL)
		JbNotFound();
	return DbLeaveJsonb(company);
}

static JbStatement company_lock = {
	"SELECT " COMPANY_JSON " FROM jobboard.companies c WHERE c.id = $1 FOR UPDATE",
	1, {INT8OID}
};

/*
 * Lock a company for a change and answer its current JSON (the base of its
 * ETag); 404 when there is none, 403 unless the caller is a member (an owner
 * when owner_only) or holds moderate. Call inside DbEnter().
 */
static Jsonb *
LockCompany(int64 id, const JbCaller *caller, bool owner_only)
{
	Datum		values[1];
	Jsonb	   *current;
	MemberRole	role;

	values[0] = Int64GetDatum(id);
	current = DbRunJsonb(&company_lock, values, NULL);
	if (current == NULL)
		JbNotFound();
	if (!SessionHas(caller, PERM_MODERATE))
	{
		role = CompanyMemberRole(id, caller);
		if (role == MEMBER_NONE || (owner_only && role != MEMBER_OWNER))
			JbForbidden();
	}
	return current;
}

/* updated_at moves only when a value really changes (a no-op keeps the ETag). */
static JbStatement company_change = {
	"UPDATE jobboard.companies c "
	"   SET name = x.name, website = x.website, description = x.description, "
	"       location = x.location, "
	"       updated_at = CASE WHEN (c.name, c.website, c.description, c.location) "
	"                              IS NOT DISTINCT FROM (x.name, x.website, x.description, x.location) "
	"                         THEN c.updated_at ELSE now() END "
	"  FROM (SELECT coalesce($2, o.name) AS name, "
	"               CASE WHEN $3 THEN $4 ELSE o.website END AS website, "
	"               CASE WHEN $5 THEN $6 ELSE o.description END AS description, "
	"               CASE WHEN $7 THEN $8 ELSE o.location END AS location "
	"          FROM jobboard.companies o WHERE o.id = $1) x "
	" WHERE c.id = $1 RETURNING " COMPANY_JSON,
	8, {INT8OID, TEXTOID, BOOLOID, TEXTOID, BOOLOID, TEXTOID, BOOLOID, TEXTOID}
};

ENTRY_POINT(company_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	CompanyFields f;
	Jsonb	   *current;
	Datum		values[8];
	char		nulls[8];

	DbEnter();
	current = LockCompany(id, caller, false);
	ReadCompanyFields(args, &f, false);
	ArgsEnd(args);
	ResourceCheckIfMatch(args, current);

	values[0] = Int64GetDatum(id);
	nulls[0] = ' ';
	SetText(values, nulls, 1, f.name_state, f.name);
	values[2] = BoolGetDatum(f.website_state != ARG_ABSENT);
	nulls[2] = ' ';
	SetText(values, nulls, 3, f.website_state, f.website);
	values[4] = BoolGetDatum(f.description_state != ARG_ABSENT);
	nulls[4] = ' ';
	SetText(values, nulls, 5, f.description_state, f.description);
	values[6] = BoolGetDatum(f.location_state != ARG_ABSENT);
	nulls[6] = ' ';
	SetText(values, nulls, 7, f.location_state, f.location);
	if (f.name_state == ARG_PRESENT)
		RequireFreeName(f.name, id);
	return DbLeaveJsonb(DbRunJsonb(&company_change, values, nulls));
}

static JbStatement company_in_use = {
	"SELECT EXISTS (SELECT 1 FROM jobboard.jobs j WHERE j.company_id = $1 AND j.status = 'open' "
	"                  AND (j.expires_at IS NULL OR j.expires_at > now())), "
	"       EXISTS (SELECT 1 FROM jobboard.jobs j JOIN jobboard.applications a ON a.job_id = j.id "
	"                WHERE j.company_id = $1)",
	1, {INT8OID}
};

static JbStatement company_jobs_remove = {
	"DELETE FROM jobboard.jobs WHERE company_id = $1",
	1, {INT8OID}
};

static JbStatement company_remove = {
	"DELETE FROM jobboard.companies WHERE id = $1",
	1, {INT8OID}
};

ENTRY_POINT(company_delete)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1];
	Jsonb	   *current;

	ArgsEnd(args);
	DbEnter();
	current = LockCompany(id, caller, true);
	ResourceCheckIfMatch(args, current);
	values[0] = Int64GetDatum(id);
	DbRun(&company_in_use, values, NULL);
	if (DbBool(0, 0))
		JbConflict("the company has open jobs: close them first");
	if (DbBool(0, 1))
		JbConflict("jobs of the company have applications: close the jobs instead");
	DbRun(&company_jobs_remove, values, NULL);
	DbRun(&company_remove, values, NULL);
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}

static JbStatement members_of = {
	"SELECT jsonb_build_object('data', coalesce(jsonb_agg(jobboard.company_member_json(m) "
	"                                           ORDER BY m.added_at, m.user_id), '[]')) "
	"  FROM jobboard.company_members m WHERE m.company_id = $1",
	1, {INT8OID}
};

static JbStatement company_exists = {
	"SELECT 1 FROM jobboard.companies WHERE id = $1",
	1, {INT8OID}
};

ENTRY_POINT(company_members)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1];

	ArgsEnd(args);
	values[0] = Int64GetDatum(id);
	DbEnter();
	if (DbRun(&company_exists, values, NULL) == 0)
		JbNotFound();
	if (!SessionHas(caller, PERM_MODERATE) && CompanyMemberRole(id, caller) == MEMBER_NONE)
		JbForbidden();
	return DbLeaveJsonb(DbRunJsonb(&members_of, values, NULL));
}

static JbStatement user_by_email = {
	"SELECT id FROM jobboard.users WHERE lower(email) = lower($1)",
	1, {TEXTOID}
};

static JbStatement member_insert = {
	"INSERT INTO jobboard.company_members AS m (company_id, user_id, role) "
	"VALUES ($1, $2, $3) ON CONFLICT DO NOTHING "
	"RETURNING jobboard.company_member_json(m)",
	3, {INT8OID, INT8OID, TEXTOID}
};

ENTRY_POINT(company_member_add)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Idempotency idem;
	Jsonb	   *replay;
	char	   *email;
	int			role = 0;
	Datum		values[3];
	Jsonb	   *member;
	int64		user_id = 0;

	DbEnter();
	(void) LockCompany(id, caller, true);
	replay = IdempotencyBegin(&idem, args, "company_member_add", caller, NULL);
	if (replay != NULL)
		return DbLeaveJsonb(replay);
	if (ArgsEmail(args, "email", ARG_REQUIRED, &email) == ARG_PRESENT)
	{
		values[0] = CStringGetTextDatum(email);
		if (DbRun(&user_by_email, values, NULL) == 1)
			user_id = DbInt64(0, 0);
		else
			ArgsError(args, "email", "names no user");
	}
	ArgsChoice(args, "role", ARG_REQUIRED, member_roles, &role);
	ArgsEnd(args);

	values[0] = Int64GetDatum(id);
	values[1] = Int64GetDatum(user_id);
	values[2] = CStringGetTextDatum(member_roles[role]);
	member = DbRunJsonb(&member_insert, values, NULL);
	if (member == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_JB_DUPLICATE),
				 errmsg("the user is already a member of this company")));
	member = DatumGetJsonbP(DbLeaveJsonb(member));
	IdempotencyFinish(&idem, member);
	PG_RETURN_JSONB_P(member);
}

static JbStatement member_lock = {
	"SELECT m.role, jobboard.company_member_json(m), "
	"       (SELECT count(*) FROM jobboard.company_members o "
	"         WHERE o.company_id = m.company_id AND o.role = 'owner') "
	"  FROM jobboard.company_members m WHERE m.company_id = $1 AND m.user_id = $2 "
	"   FOR UPDATE",
	2, {INT8OID, INT8OID}
};

static JbStatement member_remove = {
	"DELETE FROM jobboard.company_members WHERE company_id = $1 AND user_id = $2",
	2, {INT8OID, INT8OID}
};

ENTRY_POINT(company_member_remove)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	int64		user_id = ArgsPathId(args, "user_id");
	Datum		values[2];

	ArgsEnd(args);
	DbEnter();
	(void) LockCompany(id, caller, true);
	values[0] = Int64GetDatum(id);
	values[1] = Int64GetDatum(user_id);
	if (DbRun(&member_lock, values, NULL) == 0)
		JbNotFound();
	ResourceCheckIfMatch(args, DbJsonb(0, 1));
	if (strcmp(DbText(0, 0), "owner") == 0 && DbInt64(0, 2) <= 1)
		JbConflict("a company keeps at least one owner");
	DbRun(&member_remove, values, NULL);
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}
