/*
 * args.h — reading an entry point's `args` (path + query + body in one jsonb
 * object, API.md §4) into typed C values.
 *
 * Rules: a reader takes a field by name and remembers it; ArgsEnd() flags
 * every member nobody took as "unknown field". Body fields are strict (an
 * integer is a JSON integer); fields marked ARG_QUERY also take the string
 * form a query string or psql gives ("5", "true") and a bad one is a 400 at
 * once. Field errors are collected and raised together as one 422 whose
 * DETAIL is the JSON `errors` array.
 */
#ifndef JOBBOARD_ARGS_H
#define JOBBOARD_ARGS_H

#include "jobboard.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#define ARG_REQUIRED	0x01	/* absent is an error */
#define ARG_NULLABLE	0x02	/* JSON null is accepted (ARG_NULL) */
#define ARG_QUERY		0x04	/* a query parameter: strings converted, 400 if bad */
#define ARG_TRIM		0x08	/* trim white space before checking */

typedef enum ArgState
{
	ARG_ABSENT,
	ARG_NULL,
	ARG_PRESENT,
	ARG_INVALID
} ArgState;

typedef struct JbArgs
{
	Jsonb	   *jb;
	List	   *taken;			/* names of the members read */
	StringInfoData errors;		/* JSON objects, comma-separated */
	int			nerrors;
} JbArgs;

extern JbArgs *ArgsBegin(Jsonb *args);
extern void ArgsEnd(JbArgs *args);
extern void ArgsError(JbArgs *args, const char *field, const char *fmt,...) pg_attribute_printf(3, 4);

extern ArgState ArgsText(JbArgs *args, const char *key, int flags,
						 int minlen, int maxlen, char **out);
extern ArgState ArgsInt64(JbArgs *args, const char *key, int flags,
						  int64 min, int64 max, int64 *out);
extern ArgState ArgsBool(JbArgs *args, const char *key, int flags, bool *out);
extern ArgState ArgsChoice(JbArgs *args, const char *key, int flags,
						   const char *const *choices, int *out);
extern ArgState ArgsTextArray(JbArgs *args, const char *key, int flags,
							  int maxitems, List **out);
extern ArgState ArgsEmail(JbArgs *args, const char *key, int flags, char **out);

/* Path parameters: a missing or malformed one matches nothing (404). */
extern int64 ArgsPathId(JbArgs *args, const char *key);
extern char *ArgsPathText(JbArgs *args, const char *key);

/* A query-parameter error: 400 at once. */
extern void ArgsBadQuery(const char *key, const char *message) pg_attribute_noreturn();

/* Code points of a UTF-8 string. */
extern int	ArgsLength(const char *s);

#endif							/* JOBBOARD_ARGS_H */
