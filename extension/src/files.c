/*
 * files.c — uploads and downloads (API.md §3.7): file_create, file_get,
 * file_delete.
 *
 * The type of a file is judged by its bytes, never by what the client
 * declared: PDF, PNG and JPEG by their magic numbers, plain text when the
 * bytes are valid UTF-8 without control characters other than white space.
 * Anything else is a 415. The stored filename is sanitised once, at upload:
 * no path, no control characters, no quotes, at most 255 bytes.
 *
 * Downloads are allowed to the owner, to members of a company the file was
 * sent to as a résumé, and to moderators; everyone else gets a 404.
 */
#include "entry.h"

#include "catalog/pg_type.h"
#include "crypto.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "resource.h"
#include "utils/builtins.h"

#define FILENAME_MAX_BYTES 255
#define FILENAME_MAX_INPUT 1024
#define ERRCODE_JB_UNSUPPORTED_MEDIA MAKE_SQLSTATE('J','B','4','1','5')

typedef struct FileType
{
	const char *content_type;
	const char *magic;
	int			magic_len;
} FileType;

static const FileType file_types[] = {
	{"application/pdf", "%PDF-", 5},
	{"image/png", "\x89PNG\r\n\x1a\n", 8},
	{"image/jpeg", "\xff\xd8\xff", 3},
	{NULL, NULL, 0}
};

static bool
IsPlainText(const char *data, int len)
{
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) data[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f)
			return false;
	}
	return pg_verify_mbstr(PG_UTF8, data, len, true);
}

/* The content type the bytes show, or NULL when none is allowed. */
static const char *
SniffType(const char *data, int len)
{
	for (const FileType *t = file_types; t->content_type != NULL; t++)
		if (len >= t->magic_len && memcmp(data, t->magic, t->magic_len) == 0)
			return t->content_type;
	if (IsPlainText(data, len))
		return "text/plain; charset=utf-8";
	return NULL;
}

/* Keep the last path component; replace what a header or a shell would trip on. */
static char *
SanitiseFilename(const char *name)
{
	const char *base = name;
	StringInfoData out;
	int			len;

	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	initStringInfo(&out);
	for (const char *p = base; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c < 0x20 || c == 0x7f || c == '"' || c == ';' || c == '%')
			appendStringInfoChar(&out, '_');
		else
			appendStringInfoChar(&out, c);
	}
	/* No leading dots or spaces (hidden files, ".."), none trailing. */
	base = out.data;
	while (*base == '.' || *base == ' ')
		base++;
	len = strlen(base);
	if (len > FILENAME_MAX_BYTES)
		len = pg_mbcliplen(base, len, FILENAME_MAX_BYTES);
	while (len > 0 && (base[len - 1] == ' ' || base[len - 1] == '.'))
		len--;
	if (len == 0)
		return pstrdup("file");
	return pnstrdup(base, len);
}

static char *
HexSha256(const char *data, int len)
{
	unsigned char hash[JB_HASH_BYTES];
	char	   *hex = palloc(2 * JB_HASH_BYTES + 1);

	CryptoSha256(data, len, hash);
	for (int i = 0; i < JB_HASH_BYTES; i++)
		sprintf(hex + 2 * i, "%02x", hash[i]);
	return hex;
}

#define FILE_JSON \
	"jsonb_build_object('id', f.id, 'filename', f.filename, 'content_type', f.content_type, " \
	"  'size', f.size, 'sha256', f.sha256, 'created_at', f.created_at)"

static JbStatement file_insert = {
	"INSERT INTO jobboard.files AS f (owner_id, filename, content_type, size, sha256, data) "
	"VALUES ($1, $2, $3, $4, $5, $6) RETURNING " FILE_JSON,
	6, {INT8OID, TEXTOID, TEXTOID, INT8OID, TEXTOID, BYTEAOID}
};

/* file_create(token, args {filename}, data bytea): store an upload. */
PG_FUNCTION_INFO_V1(jb_file_create);
Datum
jb_file_create(PG_FUNCTION_ARGS)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	bytea	   *data = PG_ARGISNULL(2) ? NULL : PG_GETARG_BYTEA_PP(2);
	char	   *filename = NULL;
	const char *content_type = NULL;
	char	   *sha256;
	Datum		values[6];
	Idempotency idem;
	Jsonb	   *replay;
	Jsonb	   *file;
	int			len;

	SessionRequire(caller, PERM_FILES_UPLOAD);
	sha256 = data != NULL ? HexSha256(VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)) : "";
	if ((replay = IdempotencyBegin(&idem, args, "file_create", caller, sha256)) != NULL)
		PG_RETURN_JSONB_P(replay);
	ArgsText(args, "filename", ARG_REQUIRED, 1, FILENAME_MAX_INPUT, &filename);
	if (data == NULL || VARSIZE_ANY_EXHDR(data) == 0)
		ArgsError(args, "file", "must not be empty");
	ArgsEnd(args);

	len = VARSIZE_ANY_EXHDR(data);
	content_type = SniffType(VARDATA_ANY(data), len);
	if (content_type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_JB_UNSUPPORTED_MEDIA),
				 errmsg("the file is not a PDF, PNG, JPEG or UTF-8 text file")));

	values[0] = Int64GetDatum(caller->user_id);
	values[1] = CStringGetTextDatum(SanitiseFilename(filename));
	values[2] = CStringGetTextDatum(content_type);
	values[3] = Int64GetDatum(len);
	values[4] = CStringGetTextDatum(sha256);
	values[5] = PointerGetDatum(data);
	DbEnter();
	file = DatumGetJsonbP(DbLeaveJsonb(DbRunJsonb(&file_insert, values, NULL)));
	IdempotencyFinish(&idem, file);
	PG_RETURN_JSONB_P(file);
}

static JbStatement file_visible = {
	"SELECT " FILE_JSON ", f.data FROM jobboard.files f "
	" WHERE f.id = $1 AND (f.owner_id = $2 OR $3 OR EXISTS ( "
	"   SELECT 1 FROM jobboard.applications a "
	"     JOIN jobboard.jobs j ON j.id = a.job_id "
	"     JOIN jobboard.company_members m ON m.company_id = j.company_id AND m.user_id = $2 "
	"    WHERE a.resume_file_id = f.id))",
	3, {INT8OID, INT8OID, BOOLOID}
};

/* file_get(token, args {id}) → (file jsonb, data bytea). */
PG_FUNCTION_INFO_V1(jb_file_get);
Datum
jb_file_get(PG_FUNCTION_ARGS)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	TupleDesc	tupdesc;
	Datum		values[3];
	Datum		result;

	ArgsEnd(args);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "file_get must return a record");
	values[0] = Int64GetDatum(id);
	values[1] = Int64GetDatum(caller->user_id);
	values[2] = BoolGetDatum(SessionHas(caller, PERM_MODERATE));
	DbEnter();
	if (DbRun(&file_visible, values, NULL) == 0)
		JbNotFound();
	result = PointerGetDatum(SPI_returntuple(SPI_tuptable->vals[0],
											 BlessTupleDesc(tupdesc)));
	DbLeave();
	PG_RETURN_DATUM(result);
}

static JbStatement file_owned = {
	"SELECT '\"' || left(f.sha256, 32) || '\"', EXISTS (SELECT 1 FROM jobboard.applications a WHERE a.resume_file_id = f.id) "
	"  FROM jobboard.files f WHERE f.id = $1 AND f.owner_id = $2 FOR UPDATE",
	2, {INT8OID, INT8OID}
};

static JbStatement file_remove = {
	"DELETE FROM jobboard.files WHERE id = $1",
	1, {INT8OID}
};

/* file_delete(token, args {id}): the owner's, unless an application uses it. */
ENTRY_POINT(file_delete)
{
	JbCaller   *caller = SessionCaller(ENTRY_TOKEN(), true);
	JbArgs	   *args = ENTRY_ARGS();
	int64		id = ArgsPathId(args, "id");
	Datum		values[2];

	values[0] = Int64GetDatum(id);
	values[1] = Int64GetDatum(caller->user_id);
	DbEnter();
	if (DbRun(&file_owned, values, NULL) == 0)
		JbNotFound();
	ArgsEnd(args);
	/* A file's ETag is that of its bytes, as GET /files/{id} sends them. */
	ResourceCheckIfMatchTag(args, DbText(0, 0));
	if (DbBool(0, 1))
		JbConflict("the file is attached to an application");
	DbRun(&file_remove, values, NULL);
	DbLeave();
	ENTRY_RETURN_NO_CONTENT();
}
