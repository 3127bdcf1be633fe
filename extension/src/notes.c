/*
 * notes.c — notes (API.md §3.6) and the company's notes on an application,
 * GET /applications/{id}/notes (§3.5).
 *
 * Who sees a note: its owner; for a note on an application also every
 * member of the company the application was sent to. Anyone else gets 404.
 * Only the owner changes or deletes a note (and needs notes:write for it):
 * a member who can read it gets 403, a stranger 404. GET /notes lists the
 * caller's own notes only, application notes the caller wrote included.
 *
 * A note on an application may only be written by a member of the job's
 * company: an application the caller cannot see is a 422 naming
 * application_id, one it can see but is not a member for (its candidate, a
 * moderator) a 403. Such a note emits note.created to every member of the
 * company, the author included (its other sessions learn of it too).
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "lists.h"
#include "resource.h"
#include "shapes.h"
#include "utils/builtins.h"

#define TITLE_MAX_LENGTH 200
#define BODY_MAX_LENGTH 100000
#define QUERY_MAX_LENGTH 500

static const ListSort note_sorts[] = {
	{"updated_at", "n.updated_at", "timestamptz"},
	{"created_at", "n.created_at", "timestamptz"},
	{"title", "n.title", "text"},
	{NULL}
};

static const ListSpec notes_spec = {
	.route = "notes",
	.sorts = note_sorts,
	.default_sort = "-updated_at",
	.id_expr = "n.id",
	.item_expr = NOTE_JSON,
	.from = "jobboard.notes n",
};

ENTRY_POINT(notes_list)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	ListQuery	query;
	char	   *q;
	Datum		tags;
	bool		flag;
	bool		archived = false;

	ListBegin(&query, args, &notes_spec);
	ListWhere(&query, "n.owner_id = $%d",
			  ListParam(&query, INT8OID, Int64GetDatum(caller->user_id)));
	if (ArgsText(args, "q", ARG_QUERY | ARG_TRIM, 1, QUERY_MAX_LENGTH, &q) == ARG_PRESENT)
		ListWhere(&query, "n.search @@ websearch_to_tsquery('english', $%d)",
				  ListParam(&query, TEXTOID, CStringGetTextDatum(q)));
	if (ResourceReadTags(args, "tag", ARG_QUERY, &tags) == ARG_PRESENT)
		ListWhere(&query, "n.tags @> $%d", ListParam(&query, TEXTARRAYOID, tags));
	if (ArgsBool(args, "pinned", ARG_QUERY, &flag) == ARG_PRESENT)
		ListWhere(&query, "n.pinned = $%d", ListParam(&query, BOOLOID, BoolGetDatum(flag)));
	ArgsBool(args, "archived", ARG_QUERY, &archived);
	ListWhere(&query, "n.archived = $%d", ListParam(&query, BOOLOID, BoolGetDatum(archived)));
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}

static const ListSort application_note_sorts[] = {
	{"created_at", "n.created_at", "timestamptz"},
	{"updated_at", "n.updated_at", "timestamptz"},
	{NULL}
};

/* The company's notes on an application read in the order they were written. */
static const ListSpec application_notes_spec = {
	.route = "application_notes",
	.sorts = application_note_sorts,
	.default_sort = "created_at",
	.id_expr = "n.id",
	.item_expr = NOTE_JSON,
	.from = "jobboard.notes n",
};

/* Can the caller see the application (candidate, member), is it a member? */
static JbStatement application_access = {
	"SELECT a.candidate_id = $2, jobboard.application_is_member(a.id, $2) "
	"  FROM jobboard.applications a WHERE a.id = $1",
	2, {INT8OID, INT8OID}
};

ENTRY_POINT(application_notes)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[2] = {Int64GetDatum(id), Int64GetDatum(caller->user_id)};
	bool		found;
	bool		candidate = false;
	bool		member = false;
	ListQuery	query;

	DbEnter();
	found = DbRun(&application_access, values, NULL) == 1;
	if (found)
	{
		candidate = DbBool(0, 0);
		member = DbBool(0, 1);
	}
	DbLeave();
	if (!found || (!candidate && !member && !SessionHas(caller, PERM_MODERATE)))
		JbNotFound();
	/* The candidate and moderators see the application, not the notes on it. */
	if (!member)
		JbForbidden();

	ListBegin(&query, args, &application_notes_spec);
	ListWhere(&query, "n.application_id = $%d", ListParam(&query, INT8OID, values[0]));
	ArgsEnd(args);
	PG_RETURN_JSONB_P(ListRun(&query));
}

static JbStatement note_insert = {
	"WITH n AS (INSERT INTO jobboard.notes (owner_id, title, body, tags, pinned, archived, application_id) "
	"           VALUES ($1, $2, coalesce($3, ''), coalesce($4, '{}'), coalesce($5, false), "
	"                   coalesce($6, false), $7) RETURNING *) "
	"SELECT " NOTE_JSON ", "
	"       CASE WHEN n.application_id IS NOT NULL "
	"            THEN jobboard.emit('note.created', jobboard.application_member_ids(n.application_id), "
	"                               " NOTE_JSON ") END "
	"  FROM n",
	7, {INT8OID, TEXTOID, TEXTOID, TEXTARRAYOID, BOOLOID, BOOLOID, INT8OID}
};

/*
 * Read the fields a note is made of; values/nulls are indexed as the
 * parameters $2..$6 of note_insert and note_change (title, body, tags,
 * pinned, archived). Returns whether any was given.
 */
static bool
ReadNoteFields(JbArgs *args, bool create, Datum *values, char *nulls)
{
	char	   *title;
	char	   *body;
	bool		flag;
	ArgState	state;
	bool		any = false;

	if (ArgsText(args, "title", ARG_TRIM | (create ? ARG_REQUIRED : 0), 1, TITLE_MAX_LENGTH,
				 &title) == ARG_PRESENT)
	{
		values[1] = CStringGetTextDatum(title);
		nulls[1] = ' ';
		any = true;
	}
	/* The body may be empty, so null clears it. */
	state = ArgsText(args, "body", ARG_NULLABLE, 0, BODY_MAX_LENGTH, &body);
	if (state == ARG_PRESENT || state == ARG_NULL)
	{
		values[2] = CStringGetTextDatum(state == ARG_NULL ? "" : body);
		nulls[2] = ' ';
		any = true;
	}
	if (ResourceReadTags(args, "tags", 0, &values[3]) == ARG_PRESENT)
	{
		nulls[3] = ' ';
		any = true;
	}
	if (ArgsBool(args, "pinned", 0, &flag) == ARG_PRESENT)
	{
		values[4] = BoolGetDatum(flag);
		nulls[4] = ' ';
		any = true;
	}
	if (ArgsBool(args, "archived", 0, &flag) == ARG_PRESENT)
	{
		values[5] = BoolGetDatum(flag);
		nulls[5] = ' ';
		any = true;
	}
	return any;
}

ENTRY_POINT(note_create)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	Idempotency idem;
	Jsonb	   *replay;
	int64		application_id;
	Datum		values[7];
	char		nulls[7] = {' ', 'n', 'n', 'n', 'n', 'n', 'n'};
	Datum		result;

	SessionRequire(caller, PERM_NOTES_WRITE);
	replay = IdempotencyBegin(&idem, args, "note_create", caller, NULL);
	if (replay != NULL)
		PG_RETURN_JSONB_P(replay);

	values[0] = Int64GetDatum(caller->user_id);
	DbEnter();
	if (ArgsInt64(args, "application_id", ARG_NULLABLE, 1, PG_INT64_MAX,
				  &application_id) == ARG_PRESENT)
	{
		Datum		access[2] = {Int64GetDatum(application_id), values[0]};
		bool		candidate = false;
		bool		member = false;
		bool		found = DbRun(&application_access, access, NULL) == 1;

		if (found)
		{
			candidate = DbBool(0, 0);
			member = DbBool(0, 1);
		}
		if (!found || (!candidate && !member && !SessionHas(caller, PERM_MODERATE)))
			ArgsError(args, "application_id", "names no application you can see");
		else if (!member)
			ereport(ERROR,
					(errcode(ERRCODE_JB_FORBIDDEN),
					 errmsg("only members of the company may write notes on an application")));
		values[6] = access[0];
		nulls[6] = ' ';
	}
	(void) ReadNoteFields(args, true, values, nulls);
	ArgsEnd(args);

	DbRun(&note_insert, values, nulls);
	result = DbLeaveJsonb(DbJsonb(0, 0));
	IdempotencyFinish(&idem, DatumGetJsonbP(result));
	return result;
}

/* The caller's relation to a note and the note as GET answers it. */
#define NOTE_FACTS_SQL \
	"SELECT n.owner_id = $2, " \
	"       n.application_id IS NOT NULL AND jobboard.application_is_member(n.application_id, $2), " \
	"       " NOTE_JSON " " \
	"  FROM jobboard.notes n WHERE n.id = $1"

static JbStatement note_facts = {NOTE_FACTS_SQL, 2, {INT8OID, INT8OID}};
static JbStatement note_facts_locked = {NOTE_FACTS_SQL " FOR UPDATE OF n", 2, {INT8OID, INT8OID}};

/*
 * Look up a note for the caller (inside DbEnter): 404 unless it may read
 * it; with `change`, 403 unless it owns it. Answers the note's JSON.
 */
static Jsonb *
NoteFor(int64 id, const JbCaller *caller, bool change)
{
	Datum		values[2] = {Int64GetDatum(id), Int64GetDatum(caller->user_id)};
	bool		owner;

	if (DbRun(change ? &note_facts_locked : &note_facts, values, NULL) != 1)
		JbNotFound();
	owner = DbBool(0, 0);
	if (!owner && !DbBool(0, 1))
		JbNotFound();
	if (change && !owner)
		ereport(ERROR,
				(errcode(ERRCODE_JB_FORBIDDEN),
				 errmsg("only the author may change a note")));
	return DbJsonb(0, 2);
}

ENTRY_POINT(note_get)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");

	ArgsEnd(args);
	DbEnter();
	return DbLeaveJsonb(NoteFor(id, caller, false));
}

static JbStatement note_change = {
	"UPDATE jobboard.notes n SET title = coalesce($2, title), body = coalesce($3, body), "
	"       tags = coalesce($4, tags), pinned = coalesce($5, pinned), "
	"       archived = coalesce($6, archived), updated_at = now() "
	" WHERE n.id = $1 RETURNING " NOTE_JSON,
	6, {INT8OID, TEXTOID, TEXTOID, TEXTARRAYOID, BOOLOID, BOOLOID}
};

ENTRY_POINT(note_update)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[6];
	char		nulls[6] = {' ', 'n', 'n', 'n', 'n', 'n'};
	Jsonb	   *current;
	bool		any;
	int64		application_id;
	ArgState	state;

	SessionRequire(caller, PERM_NOTES_WRITE);
	DbEnter();
	current = NoteFor(id, caller, true);
	any = ReadNoteFields(args, false, values, nulls);
	state = ArgsInt64(args, "application_id", ARG_NULLABLE, 1, PG_INT64_MAX, &application_id);
	if (state == ARG_PRESENT || state == ARG_NULL)
		ArgsError(args, "application_id", "cannot be changed");
	ArgsEnd(args);
	ResourceCheckIfMatch(args, current);
	if (!any)
		return DbLeaveJsonb(current);
	values[0] = Int64GetDatum(id);
	return DbLeaveJsonb(DbRunJsonb(&note_change, values, nulls));
}

static JbStatement note_remove = {
	"DELETE FROM jobboard.notes WHERE id = $1",
	1, {INT8OID}
};

ENTRY_POINT(note_delete)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[1] = {Int64GetDatum(id)};
	Jsonb	   *current;

	SessionRequire(caller, PERM_NOTES_WRITE);
	DbEnter();
	current = NoteFor(id, caller, true);
	ArgsEnd(args);
	ResourceCheckIfMatch(args, current);
	DbRun(&note_remove, values, NULL);
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}
