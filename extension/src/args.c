/*
 * args.c — the typed, collecting reader of entry-point arguments (args.h).
 */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/json.h"

/* Header-derived members the shim may pass to any route (API.md §4). */
static const char *const header_keys[] = {"_if_match", "_idempotency_key", "_last_event_id", NULL};

JbArgs *
ArgsBegin(Jsonb *jb)
{
	JbArgs	   *args = palloc0(sizeof(JbArgs));

	if (jb == NULL || !JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_JB_BAD_REQUEST),
				 errmsg("args must be a JSON object")));
	args->jb = jb;
	initStringInfo(&args->errors);
	return args;
}

void
ArgsError(JbArgs *args, const char *field, const char *fmt,...)
{
	StringInfoData message;

	initStringInfo(&message);
	for (;;)
	{
		va_list		ap;
		int			needed;

		va_start(ap, fmt);
		needed = appendStringInfoVA(&message, fmt, ap);
		va_end(ap);
		if (needed == 0)
			break;
		enlargeStringInfo(&message, needed);
	}
	if (args->nerrors > 0)
		appendStringInfoChar(&args->errors, ',');
	appendStringInfoString(&args->errors, "{\"field\": ");
	escape_json(&args->errors, field);
	appendStringInfoString(&args->errors, ", \"message\": ");
	escape_json(&args->errors, message.data);
	appendStringInfoChar(&args->errors, '}');
	args->nerrors++;
}

static bool
IsTaken(JbArgs *args, const char *key)
{
	ListCell   *lc;

	for (int i = 0; header_keys[i] != NULL; i++)
		if (strcmp(key, header_keys[i]) == 0)
			return true;
	foreach(lc, args->taken)
		if (strcmp(key, (const char *) lfirst(lc)) == 0)
			return true;
	return false;
}

void
ArgsEnd(JbArgs *args)
{
	JsonbIterator *it = JsonbIteratorInit(&args->jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *key = pnstrdup(v.val.string.val, v.val.string.len);

			if (!IsTaken(args, key))
				ArgsError(args, key, "unknown field");
		}
	}
	if (args->nerrors > 0)
		ereport(ERROR,
				(errcode(ERRCODE_JB_INVALID),
				 args->nerrors == 1 ? errmsg("1 field is invalid")
				 : errmsg("%d fields are invalid", args->nerrors),
				 errdetail_internal("[%s]", args->errors.data)));
}

void
ArgsBadQuery(const char *key, const char *message)
{
	ereport(ERROR,
			(errcode(ERRCODE_JB_BAD_REQUEST),
			 errmsg("query parameter %s %s", key, message)));
}

int
ArgsLength(const char *s)
{
	return pg_mbstrlen_with_len(s, strlen(s));
}

/* Find a member and mark it taken; NULL when absent. */
static JsonbValue *
Lookup(JbArgs *args, const char *key)
{
	args->taken = lappend(args->taken, (void *) key);
	return getKeyJsonValueFromContainer(&args->jb->root, key, strlen(key), NULL);
}

/*
 * The common prologue of every reader: absent/null handling. Returns true
 * when the caller should go on to read a value.
 */
static bool
Present(JbArgs *args, const char *key, int flags, JsonbValue *v, ArgState *state)
{
	if (v == NULL)
	{
		if (flags & ARG_REQUIRED)
		{
			ArgsError(args, key, "is required");
			*state = ARG_INVALID;
		}
		else
			*state = ARG_ABSENT;
		return false;
	}
	if (v->type == jbvNull)
	{
		if (flags & ARG_NULLABLE)
			*state = ARG_NULL;
		else
		{
			if (flags & ARG_QUERY)
				ArgsBadQuery(key, "must not be null");
			ArgsError(args, key, "must not be null");
			*state = ARG_INVALID;
		}
		return false;
	}
	return true;
}

static ArgState
Invalid(JbArgs *args, const char *key, int flags, const char *message)
{
	if (flags & ARG_QUERY)
		ArgsBadQuery(key, message);
	ArgsError(args, key, "%s", message);
	return ARG_INVALID;
}

static char *
TrimSpace(char *s)
{
	char	   *end;

	while (*s && isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		end--;
	*end = '\0';
	return s;
}

ArgState
ArgsText(JbArgs *args, const char *key, int flags, int minlen, int maxlen,
		 char **out)
{
	JsonbValue *v = Lookup(args, key);
	ArgState	state;
	char	   *s;
	int			len;

	if (!Present(args, key, flags, v, &state))
		return state;
	if (v->type != jbvString)
		return Invalid(args, key, flags, "must be a string");
	s = pnstrdup(v->val.string.val, v->val.string.len);
	if (strlen(s) != (size_t) v->val.string.len)
		return Invalid(args, key, flags, "must not contain NUL characters");
	if (flags & ARG_TRIM)
		s = TrimSpace(s);
	len = ArgsLength(s);
	if (len < minlen)
	{
		if (minlen == 1)
			return Invalid(args, key, flags, "must not be empty");
		ArgsError(args, key, "must be at least %d characters", minlen);
		return ARG_INVALID;
	}
	if (len > maxlen)
	{
		if (flags & ARG_QUERY)
			ArgsBadQuery(key, "is too long");
		ArgsError(args, key, "must be at most %d characters", maxlen);
		return ARG_INVALID;
	}
	*out = s;
	return ARG_PRESENT;
}

/* Parse a decimal integer with nothing else around it. */
static bool
ParseInt64(const char *s, int64 *out)
{
	char	   *end;
	long long	n;

	if (*s == '\0' || isspace((unsigned char) *s))
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (int64) n;
	return true;
}

ArgState
ArgsInt64(JbArgs *args, const char *key, int flags, int64 min, int64 max,
		  int64 *out)
{
	JsonbValue *v = Lookup(args, key);
	ArgState	state;
	char	   *text;
	int64		n;

	if (!Present(args, key, flags, v, &state))
		return state;
	if (v->type == jbvNumeric)
		text = DatumGetCString(DirectFunctionCall1(numeric_out,
												   NumericGetDatum(v->val.numeric)));
	else if (v->type == jbvString && (flags & ARG_QUERY))
		text = pnstrdup(v->val.string.val, v->val.string.len);
	else
		return Invalid(args, key, flags, "must be an integer");
	if (!ParseInt64(text, &n))
		return Invalid(args, key, flags, "must be an integer");
	if (n < min || n > max)
	{
		char		message[128];

		if (max == PG_INT64_MAX)
			snprintf(message, sizeof(message), "must be at least " INT64_FORMAT, min);
		else
			snprintf(message, sizeof(message),
					 "must be between " INT64_FORMAT " and " INT64_FORMAT, min, max);
		return Invalid(args, key, flags, message);
	}
	*out = n;
	return ARG_PRESENT;
}

ArgState
ArgsBool(JbArgs *args, const char *key, int flags, bool *out)
{
	JsonbValue *v = Lookup(args, key);
	ArgState	state;

	if (!Present(args, key, flags, v, &state))
		return state;
	if (v->type == jbvBool)
	{
		*out = v->val.boolean;
		return ARG_PRESENT;
	}
	if (v->type == jbvString && (flags & ARG_QUERY))
	{
		char	   *s = pnstrdup(v->val.string.val, v->val.string.len);

		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		{
			*out = true;
			return ARG_PRESENT;
		}
		if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		{
			*out = false;
			return ARG_PRESENT;
		}
	}
	return Invalid(args, key, flags, "must be true or false");
}

ArgState
ArgsChoice(JbArgs *args, const char *key, int flags,
		   const char *const *choices, int *out)
{
	char	   *s;
	ArgState	state = ArgsText(args, key, flags, 0, 64, &s);
	StringInfoData message;

	if (state != ARG_PRESENT)
		return state;
	for (int i = 0; choices[i] != NULL; i++)
	{
		if (strcmp(s, choices[i]) == 0)
		{
			*out = i;
			return ARG_PRESENT;
		}
	}
	initStringInfo(&message);
	appendStringInfoString(&message, "must be one of");
	for (int i = 0; choices[i] != NULL; i++)
		appendStringInfo(&message, "%s %s", i == 0 ? "" : ",", choices[i]);
	return Invalid(args, key, flags, message.data);
}

ArgState
ArgsTextArray(JbArgs *args, const char *key, int flags, int maxitems,
			  List **out)
{
	JsonbValue *v = Lookup(args, key);
	ArgState	state;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	List	   *items = NIL;
	int			index = 0;
	bool		ok = true;

	if (!Present(args, key, flags, v, &state))
		return state;
	/* A query parameter given once arrives as one string. */
	if (v->type == jbvString && (flags & ARG_QUERY))
	{
		*out = list_make1(pnstrdup(v->val.string.val, v->val.string.len));
		return ARG_PRESENT;
	}
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return Invalid(args, key, flags, "must be an array of strings");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		char		field[NAMEDATALEN + 16];

		if (tok != WJB_ELEM)
			continue;
		snprintf(field, sizeof(field), "%s[%d]", key, index++);
		if (elem.type != jbvString)
		{
			if (flags & ARG_QUERY)
				ArgsBadQuery(key, "must be strings");
			ArgsError(args, field, "must be a string");
			ok = false;
			continue;
		}
		items = lappend(items, pnstrdup(elem.val.string.val, elem.val.string.len));
	}
	if (index > maxitems)
	{
		char		message[64];

		snprintf(message, sizeof(message), "must have at most %d items", maxitems);
		return Invalid(args, key, flags, message);
	}
	if (!ok)
		return ARG_INVALID;
	*out = items;
	return ARG_PRESENT;
}

/* A deliberately plain check: one @, a dotted domain, no spaces or controls. */
static bool
LooksLikeEmail(const char *s)
{
	const char *at = strchr(s, '@');
	const char *dot;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return false;
	if (at - s > 64)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char) *p <= ' ' || *p == '\x7f' || *p == ',' ||
			*p == '<' || *p == '>' || *p == '"')
			return false;
	dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0' || strstr(at, "..") != NULL)
		return false;
	return true;
}

ArgState
ArgsEmail(JbArgs *args, const char *key, int flags, char **out)
{
	char	   *s;
	ArgState	state = ArgsText(args, key, flags | ARG_TRIM, 1, 254, &s);

	if (state != ARG_PRESENT)
		return state;
	if (!LooksLikeEmail(s))
	{
		ArgsError(args, key, "must be a valid email address");
		return ARG_INVALID;
	}
	*out = s;
	return ARG_PRESENT;
}

int64
ArgsPathId(JbArgs *args, const char *key)
{
	JsonbValue *v = Lookup(args, key);
	int64		id = 0;
	bool		ok = false;

	if (v != NULL && v->type == jbvNumeric)
		ok = ParseInt64(DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(v->val.numeric))), &id);
	else if (v != NULL && v->type == jbvString)
		ok = ParseInt64(pnstrdup(v->val.string.val, v->val.string.len), &id);
	if (!ok || id < 1)
		JbNotFound();
	return id;
}

char *
ArgsPathText(JbArgs *args, const char *key)
{
	JsonbValue *v = Lookup(args, key);

	if (v == NULL || v->type != jbvString || v->val.string.len == 0)
		JbNotFound();
	return pnstrdup(v->val.string.val, v->val.string.len);
}
