/*
 * lists.c — keyset pagination with signed cursors (lists.h).
 *
 * A cursor is base64url("route|sort|dir|id|value") "." base64url(HMAC[0:16]):
 * opaque to clients, bound to its route and sort, and unforgeable. The page
 * after a cursor is "(sort, id) > (value, id)" (or "<" descending), which an
 * index on (sort expression, id) serves at any depth.
 */
#include "lists.h"

#include "catalog/pg_type.h"
#include "crypto.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#define CURSOR_MAC_BYTES 16
#define CURSOR_MAX_LENGTH 1024

static void
BadCursor(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_BAD_REQUEST),
			 errmsg("query parameter cursor is not valid here")));
}

static char *
CursorEncode(const ListQuery *query, int64 id, const char *value)
{
	StringInfoData payload;
	unsigned char mac[JB_HASH_BYTES];

	initStringInfo(&payload);
	appendStringInfo(&payload, "%s|%s|%c|" INT64_FORMAT "|%s", query->spec->route,
					 query->sort->name, query->descending ? 'd' : 'a', id, value);
	CryptoSign(payload.data, payload.len, mac);
	return psprintf("%s.%s",
					CryptoBase64UrlEncode((unsigned char *) payload.data, payload.len),
					CryptoBase64UrlEncode(mac, CURSOR_MAC_BYTES));
}

static void
CursorDecode(ListQuery *query, const char *cursor)
{
	const char *dot = strchr(cursor, '.');
	unsigned char *payload;
	unsigned char *mac;
	unsigned char expected[JB_HASH_BYTES];
	size_t		len;
	size_t		maclen;
	char	   *fields[5];
	char	   *p;
	char	   *end;

	if (dot == NULL || strlen(cursor) > CURSOR_MAX_LENGTH)
		BadCursor();
	payload = CryptoBase64UrlDecode(cursor, dot - cursor, &len);
	mac = CryptoBase64UrlDecode(dot + 1, strlen(dot + 1), &maclen);
	if (payload == NULL || mac == NULL || maclen != CURSOR_MAC_BYTES)
		BadCursor();
	CryptoSign(payload, len, expected);
	if (!CryptoEqual(expected, mac, CURSOR_MAC_BYTES))
		BadCursor();

	p = pnstrdup((char *) payload, len);
	for (int i = 0; i < 4; i++)
	{
		fields[i] = p;
		p = strchr(p, '|');
		if (p == NULL)
			BadCursor();
		*p++ = '\0';
	}
	fields[4] = p;
	if (strcmp(fields[0], query->spec->route) != 0 ||
		strcmp(fields[1], query->sort->name) != 0 ||
		fields[2][0] != (query->descending ? 'd' : 'a'))
		BadCursor();
	query->cursor_id = strtoll(fields[3], &end, 10);
	if (*end != '\0')
		BadCursor();
	query->cursor_value = fields[4];
	query->has_cursor = true;
}

void
ListBegin(ListQuery *query, JbArgs *args, const ListSpec *spec)
{
	char	   *sort;
	char	   *cursor;
	char	   *count;
	const char *name;

	memset(query, 0, sizeof(*query));
	query->spec = spec;
	query->limit = LIST_DEFAULT_LIMIT;
	initStringInfo(&query->where);

	ArgsInt64(args, "limit", ARG_QUERY, LIST_MIN_LIMIT, LIST_MAX_LIMIT, &query->limit);
	if (ArgsText(args, "sort", ARG_QUERY, 1, 64, &sort) != ARG_PRESENT)
		sort = (char *) spec->default_sort;
	query->descending = sort[0] == '-';
	name = query->descending ? sort + 1 : sort;
	for (const ListSort *s = spec->sorts; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			query->sort = s;
	if (query->sort == NULL)
		ArgsBadQuery("sort", "names no sortable field");

	if (ArgsText(args, "count", ARG_QUERY, 1, 16, &count) == ARG_PRESENT)
	{
		if (strcmp(count, "exact") != 0)
			ArgsBadQuery("count", "must be exact");
		query->count = true;
	}
	if (ArgsInt64(args, "page", ARG_QUERY, 1, LIST_MAX_OFFSET, &query->page) == ARG_PRESENT &&
		query->page * query->limit > LIST_MAX_OFFSET)
		ArgsBadQuery("page", "reaches too deep: page * limit may not exceed 10000, use cursor");
	if (ArgsText(args, "cursor", ARG_QUERY, 1, CURSOR_MAX_LENGTH, &cursor) == ARG_PRESENT)
	{
		if (query->page != 0)
			ArgsBadQuery("cursor", "cannot be combined with page");
		CursorDecode(query, cursor);
	}
}

int
ListParam(ListQuery *query, Oid type, Datum value)
{
	if (query->nparams >= DB_MAX_PARAMS - 4)
		elog(ERROR, "too many list parameters");
	query->types[query->nparams] = type;
	query->values[query->nparams] = value;
	return ++query->nparams;
}

void
ListWhere(ListQuery *query, const char *fmt,...)
{
	appendStringInfoString(&query->where, " AND (");
	for (;;)
	{
		va_list		ap;
		int			needed;

		va_start(ap, fmt);
		needed = appendStringInfoVA(&query->where, fmt, ap);
		va_end(ap);
		if (needed == 0)
			break;
		enlargeStringInfo(&query->where, needed);
	}
	appendStringInfoChar(&query->where, ')');
}

static int64
CountRows(ListQuery *query, int nfilter)
{
	char	   *sql = psprintf("SELECT count(*) FROM %s WHERE true%s",
							   query->spec->from, query->where.data);

	DbRunDynamic(sql, nfilter, query->types, query->values, NULL);
	return DbInt64(0, 0);
}

static void
PushKey(JsonbParseState **state, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);
}

Jsonb *
ListRun(ListQuery *query)
{
	const ListSpec *spec = query->spec;
	const char *dir = query->descending ? "DESC" : "ASC";
	int			nfilter = query->nparams;
	StringInfoData sql;
	JsonbParseState *state = NULL;
	JsonbValue	member;
	int64		total = 0;
	uint64		rows;
	uint64		shown;
	Jsonb	   *result;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, (%s)::text, %s FROM %s WHERE true%s",
					 spec->item_expr, query->sort->expr, spec->id_expr,
					 spec->from, query->where.data);
	if (query->has_cursor)
	{
		int			value = ListParam(query, TEXTOID, CStringGetTextDatum(query->cursor_value));
		int			id = ListParam(query, INT8OID, Int64GetDatum(query->cursor_id));

		appendStringInfo(&sql, " AND ((%s), %s) %s ($%d::text::%s, $%d)",
						 query->sort->expr, spec->id_expr,
						 query->descending ? "<" : ">", value, query->sort->type, id);
	}
	/*
	 * LIMIT is written in: with it as a parameter the plan cache found the
	 * generic plan dearer (it must assume 10 % of the rows) and planned every
	 * call anew; a literal makes the list without filters parameterless, so
	 * one plan serves every call. Limits are few (1..100), pages are not.
	 */
	appendStringInfo(&sql, " ORDER BY %s %s, %s %s LIMIT " INT64_FORMAT,
					 query->sort->expr, dir, spec->id_expr, dir, query->limit + 1);
	if (query->page > 1)
		appendStringInfo(&sql, " OFFSET $%d",
						 ListParam(query, INT8OID, Int64GetDatum((query->page - 1) * query->limit)));

	DbEnter();
	/* first: the page's items point into the result of the last statement */
	if (query->count)
		total = CountRows(query, nfilter);
	rows = DbRunDynamic(sql.data, query->nparams, query->types, query->values, NULL);
	shown = Min(rows, (uint64) query->limit);
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);

	/* the items go in as the jsonb they are: nothing is printed and parsed again */
	PushKey(&state, "data");
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (uint64 i = 0; i < shown; i++)
	{
		Jsonb	   *item = DbJsonb(i, 0);
		JsonbValue	v;

		v.type = jbvBinary;
		v.val.binary.data = &item->root;
		v.val.binary.len = VARSIZE(item) - VARHDRSZ;
		pushJsonbValue(&state, WJB_ELEM, &v);
	}
	pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	PushKey(&state, "next_cursor");
	if (rows > shown)
	{
		char	   *cursor = CursorEncode(query, DbInt64(shown - 1, 2), DbText(shown - 1, 1));

		member.type = jbvString;
		member.val.string.val = cursor;
		member.val.string.len = strlen(cursor);
	}
	else
		member.type = jbvNull;
	pushJsonbValue(&state, WJB_VALUE, &member);
	if (query->count)
	{
		PushKey(&state, "total");
		member.type = jbvNumeric;
		member.val.numeric = int64_to_numeric(total);
		pushJsonbValue(&state, WJB_VALUE, &member);
	}
	result = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
	return DatumGetJsonbP(DbLeaveJsonb(result));
}
