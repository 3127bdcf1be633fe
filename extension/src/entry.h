/*
 * entry.h — the shape shared by every SQL-callable entry point
 * jobboard.<name>(token text, args jsonb) RETURNS jsonb (API.md §4).
 * The C symbol is jb_<name>; a NULL args is taken as {}.
 */
#ifndef JOBBOARD_ENTRY_H
#define JOBBOARD_ENTRY_H

#include "args.h"
#include "db.h"
#include "session.h"

#define ENTRY_POINT(name) \
	PG_FUNCTION_INFO_V1(jb_##name); \
	Datum jb_##name(PG_FUNCTION_ARGS)

#define ENTRY_TOKEN()	(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0))
#define ENTRY_ARGS()	ArgsBegin(PG_ARGISNULL(1) ? EntryEmptyArgs() : PG_GETARG_JSONB_P(1))

extern Jsonb *EntryEmptyArgs(void);

/* Answer a 204: entry points with no body return SQL NULL. */
#define ENTRY_RETURN_NO_CONTENT() PG_RETURN_NULL()

#endif							/* JOBBOARD_ENTRY_H */
