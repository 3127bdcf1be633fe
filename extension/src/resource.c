/*
 * resource.c — ETag/If-Match, idempotency, membership and tags (resource.h).
 */
#include "resource.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "crypto.h"
#include "db.h"
#include "utils/array.h"
#include "utils/builtins.h"

#define ETAG_HEX_DIGITS 32
#define IDEMPOTENCY_KEY_MAX 255
#define TAG_MAX_LENGTH 30

char *
ResourceEtag(Jsonb *body)
{
	char	   *text = JsonbToCString(NULL, &body->root, VARSIZE(body));
	unsigned char hash[JB_HASH_BYTES];
	char	   *etag = palloc(ETAG_HEX_DIGITS + 3);
	static const char hex[] = "0123456789abcdef";

	CryptoSha256(text, strlen(text), hash);
	etag[0] = '"';
	for (int i = 0; i < ETAG_HEX_DIGITS / 2; i++)
	{
		etag[1 + 2 * i] = hex[hash[i] >> 4];
		etag[2 + 2 * i] = hex[hash[i] & 0xf];
	}
	etag[ETAG_HEX_DIGITS + 1] = '"';
	etag[ETAG_HEX_DIGITS + 2] = '\0';
	return etag;
}

void
ResourceCheckIfMatch(JbArgs *args, Jsonb *current)
{
	ResourceCheckIfMatchTag(args, ResourceEtag(current));
}

void
ResourceCheckIfMatchTag(JbArgs *args, const char *etag)
{
	char	   *header;
	char	   *item;
	char	   *save;

	ArgState	state = ArgsText(args, "_if_match", 0, 1, 4096, &header);

	if (state == ARG_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_JB_INVALID),
				 errmsg("1 field is invalid"),
				 errdetail_internal("[{\"field\": \"_if_match\", \"message\": \"must be an ETag string\"}]")));
	if (state != ARG_PRESENT)
		return;
	for (item = strtok_r(header, ",", &save); item != NULL;
		 item = strtok_r(NULL, ",", &save))
	{
		char	   *end;

		while (isspace((unsigned char) *item))
			item++;
		end = item + strlen(item);
		while (end > item && isspace((unsigned char) end[-1]))
			*--end = '\0';
		if (strcmp(item, "*") == 0 || strcmp(item, etag) == 0)
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_JB_PRECONDITION),
			 errmsg("the resource has changed since it was read"),
			 errhint("Read it again and retry with its current ETag.")));
}

static JbStatement idempotency_expire = {
	"DELETE FROM jobboard.idempotency_keys "
	" WHERE route = $1 AND caller_id = $2 AND key = $3 "
	"   AND created_at < now() - interval '24 hours'",
	3, {TEXTOID, INT8OID, TEXTOID}
};

/* The request as the key identifies it: args without its header members. */
static JbStatement idempotency_request = {
	"SELECT ($1::jsonb - '_idempotency_key' - '_if_match' - '_last_event_id')::text",
	1, {JSONBOID}
};

static JbStatement idempotency_claim = {
	"INSERT INTO jobboard.idempotency_keys (route, caller_id, key, request_hash) "
	"VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
	4, {TEXTOID, INT8OID, TEXTOID, BYTEAOID}
};

static JbStatement idempotency_stored = {
	"SELECT request_hash = $4, response FROM jobboard.idempotency_keys "
	" WHERE route = $1 AND caller_id = $2 AND key = $3",
	4, {TEXTOID, INT8OID, TEXTOID, BYTEAOID}
};

static JbStatement idempotency_record = {
	"UPDATE jobboard.idempotency_keys SET response = $4 "
	" WHERE route = $1 AND caller_id = $2 AND key = $3",
	4, {TEXTOID, INT8OID, TEXTOID, JSONBOID}
};

/*
 * A keyed hash (HMAC with the signing secret) of the request: bodies may hold
 * passwords, and an unsalted hash of them would invite offline guessing.
 */
static Datum
RequestHash(Jsonb *args, const char *content)
{
	Datum		values[1] = {JsonbPGetDatum(args)};
	char	   *request;
	bytea	   *hash = palloc(VARHDRSZ + JB_HASH_BYTES);

	DbRun(&idempotency_request, values, NULL);
	request = DbText(0, 0);
	if (content != NULL)
		request = psprintf("%s\n%s", request, content);
	SET_VARSIZE(hash, VARHDRSZ + JB_HASH_BYTES);
	CryptoSign(request, strlen(request), (unsigned char *) VARDATA(hash));
	return PointerGetDatum(hash);
}

Jsonb *
IdempotencyBegin(Idempotency *idem, JbArgs *args, const char *route,
				 const JbCaller *caller, const char *content)
{
	char	   *key;
	Datum		values[4];
	Jsonb	   *stored;

	memset(idem, 0, sizeof(*idem));
	if (ArgsText(args, "_idempotency_key", 0, 1, IDEMPOTENCY_KEY_MAX, &key) != ARG_PRESENT)
		return NULL;
	idem->active = true;
	idem->route = route;
	idem->caller_id = caller != NULL ? caller->user_id : 0;
	idem->key = key;

	values[0] = CStringGetTextDatum(route);
	values[1] = Int64GetDatum(idem->caller_id);
	values[2] = CStringGetTextDatum(key);
	DbEnter();
	values[3] = RequestHash(args->jb, content);
	DbRun(&idempotency_expire, values, NULL);
	if (DbRun(&idempotency_claim, values, NULL) == 1)
	{
		DbLeave();
		return NULL;
	}
	if (DbRun(&idempotency_stored, values, NULL) != 1 || DbIsNull(0, 1))
		elog(ERROR, "idempotency key vanished while in use");
	if (!DbBool(0, 0))
		JbConflict("this Idempotency-Key was already used for a different request");
	stored = DatumGetJsonbP(DbLeaveJsonb(DbJsonb(0, 1)));
	idem->active = false;
	return stored;
}

void
IdempotencyFinish(Idempotency *idem, Jsonb *response)
{
	Datum		values[4];

	if (!idem->active)
		return;
	values[0] = CStringGetTextDatum(idem->route);
	values[1] = Int64GetDatum(idem->caller_id);
	values[2] = CStringGetTextDatum(idem->key);
	values[3] = JsonbPGetDatum(response);
	DbEnter();
	DbRun(&idempotency_record, values, NULL);
	DbLeave();
}

static JbStatement member_role = {
	"SELECT role FROM jobboard.company_members WHERE company_id = $1 AND user_id = $2",
	2, {INT8OID, INT8OID}
};

MemberRole
CompanyMemberRole(int64 company_id, const JbCaller *caller)
{
	Datum		values[2];
	MemberRole	role = MEMBER_NONE;

	if (caller == NULL)
		return MEMBER_NONE;
	values[0] = Int64GetDatum(company_id);
	values[1] = Int64GetDatum(caller->user_id);
	DbEnter();
	if (DbRun(&member_role, values, NULL) == 1)
		role = strcmp(DbText(0, 0), "owner") == 0 ? MEMBER_OWNER : MEMBER_RECRUITER;
	DbLeave();
	return role;
}

static bool
IsTag(const char *tag)
{
	int			len = strlen(tag);

	if (len < 1 || len > TAG_MAX_LENGTH || !(islower((unsigned char) tag[0]) ||
											 isdigit((unsigned char) tag[0])))
		return false;
	for (int i = 1; i < len; i++)
		if (!(islower((unsigned char) tag[i]) || isdigit((unsigned char) tag[i]) ||
			  strchr("+#.-", tag[i]) != NULL))
			return false;
	return true;
}

static int
CompareStrings(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

ArgState
ResourceReadTags(JbArgs *args, const char *key, int flags, Datum *out)
{
	List	   *items = NIL;
	List	   *tags = NIL;
	ListCell   *lc;
	Datum	   *elems;
	int			n = 0;
	int			index = 0;
	bool		ok = true;
	ArgState	state;

	state = ArgsTextArray(args, key, flags, (flags & ARG_QUERY) ? TAGS_MAX_ITEMS * 2 : TAGS_MAX_ITEMS,
						  &items);
	if (state != ARG_PRESENT)
		return state;
	foreach(lc, items)
	{
		char	   *tag = lfirst(lc);
		char		field[NAMEDATALEN + 16];

		for (char *p = tag; *p; p++)
			*p = pg_ascii_tolower((unsigned char) *p);
		snprintf(field, sizeof(field), "%s[%d]", key, index++);
		if (!IsTag(tag))
		{
			if (flags & ARG_QUERY)
				ArgsBadQuery(key, "must be tags of letters, digits and + # . -");
			ArgsError(args, field, "must match ^[a-z0-9][a-z0-9+#.-]{0,29}$");
			ok = false;
			continue;
		}
		tags = lappend(tags, tag);
	}
	if (!ok)
		return ARG_INVALID;
	list_sort(tags, CompareStrings);
	elems = palloc(sizeof(Datum) * (list_length(tags) + 1));
	foreach(lc, tags)
	{
		if (n > 0 && strcmp(TextDatumGetCString(elems[n - 1]), lfirst(lc)) == 0)
			continue;
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	}
	*out = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
	return ARG_PRESENT;
}
