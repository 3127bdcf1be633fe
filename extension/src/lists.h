/*
 * lists.h — the one list machine every collection route uses (API.md §1.2):
 * `limit`, signed opaque `cursor` (keyset on the sort value plus id), `page`,
 * `sort` from a per-route whitelist, `count=exact`, and a `limit + 1` fetch
 * to know whether a next page exists.
 *
 * A route describes its sorts (each an SQL expression that is never NULL and
 * is served by an index), adds its filters as WHERE conditions with
 * parameters, and names the SQL expression that builds one item's JSON.
 */
#ifndef JOBBOARD_LISTS_H
#define JOBBOARD_LISTS_H

#include "args.h"
#include "db.h"

#define LIST_DEFAULT_LIMIT	20
#define LIST_MIN_LIMIT		1
#define LIST_MAX_LIMIT		100
#define LIST_MAX_OFFSET		10000

typedef struct ListSort
{
	const char *name;			/* as in ?sort= */
	const char *expr;			/* SQL, never NULL */
	const char *type;			/* SQL type of expr, for the cursor value */
} ListSort;

typedef struct ListSpec
{
	const char *route;			/* binds cursors to this route */
	const ListSort *sorts;		/* terminated by {NULL} */
	const char *default_sort;	/* e.g. "-created_at" */
	const char *id_expr;		/* the tie-breaker, e.g. "u.id" */
	const char *item_expr;		/* SQL building one item's jsonb */
	const char *from;			/* FROM clause (tables and joins) */
} ListSpec;

typedef struct ListQuery
{
	const ListSpec *spec;
	const ListSort *sort;
	bool		descending;
	int64		limit;
	int64		page;			/* 0 when not paging by number */
	bool		count;
	bool		has_cursor;
	char	   *cursor_value;
	int64		cursor_id;
	StringInfoData where;
	int			nparams;
	Oid			types[DB_MAX_PARAMS];
	Datum		values[DB_MAX_PARAMS];
} ListQuery;

/* Read limit, cursor, page, sort and count from args (400 on bad ones). */
extern void ListBegin(ListQuery *query, JbArgs *args, const ListSpec *spec);

/* Add a parameter; returns its number for "$n" in a condition. */
extern int	ListParam(ListQuery *query, Oid type, Datum value);

/* Add " AND (condition)"; the format may use the numbers from ListParam. */
extern void ListWhere(ListQuery *query, const char *fmt,...) pg_attribute_printf(2, 3);

/* Run and answer {"data": [...], "next_cursor": ..., "total"?: n}. */
extern Jsonb *ListRun(ListQuery *query);

#endif							/* JOBBOARD_LISTS_H */
