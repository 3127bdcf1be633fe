/*
 * db.c — SPI plumbing for the entry points: kept plans for static statements,
 * a per-backend plan cache for dynamic ones, typed column accessors.
 */
#include "db.h"

#include "utils/builtins.h"
#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#define DB_DYNAMIC_CACHE_MAX 512

typedef struct DynamicPlan
{
	char	   *sql;			/* key: hash of the text, compared by value */
	SPIPlanPtr	plan;
} DynamicPlan;

static HTAB *dynamic_plans = NULL;

void
DbEnter(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

Datum
DbLeaveJsonb(Jsonb *result)
{
	Datum		copy;

	copy = SPI_datumTransfer(JsonbPGetDatum(result), false, -1);
	SPI_finish();
	return copy;
}

void
DbLeave(void)
{
	SPI_finish();
}

static void
CheckResult(int rc, const char *sql)
{
	if (rc < 0)
		elog(ERROR, "SPI failed (%s) on: %.60s", SPI_result_code_string(rc), sql);
}

uint64
DbRun(JbStatement *stmt, Datum *values, const char *nulls)
{
	int			rc;

	if (stmt->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(stmt->sql, stmt->nparams, stmt->types);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed (%s) on: %.60s",
				 SPI_result_code_string(SPI_result), stmt->sql);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		stmt->plan = plan;
	}
	rc = SPI_execute_plan(stmt->plan, values, nulls, false, 0);
	CheckResult(rc, stmt->sql);
	return SPI_processed;
}

static uint32
SqlHash(const void *key, Size keysize)
{
	const char *sql = *(const char *const *) key;

	return string_hash(sql, strlen(sql) + 1);
}

static int
SqlCompare(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

uint64
DbRunDynamic(const char *sql, int nparams, Oid *types, Datum *values,
			 const char *nulls)
{
	DynamicPlan *entry;
	bool		found;
	int			rc;

	if (dynamic_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(char *);
		ctl.entrysize = sizeof(DynamicPlan);
		ctl.hash = SqlHash;
		ctl.match = SqlCompare;
		ctl.hcxt = TopMemoryContext;
		dynamic_plans = hash_create("jobboard dynamic plans", 64, &ctl,
									HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
									HASH_CONTEXT);
	}
	entry = hash_search(dynamic_plans, &sql, HASH_FIND, NULL);
	if (entry == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nparams, types);
		char	   *key;

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed (%s) on: %.60s",
				 SPI_result_code_string(SPI_result), sql);
		/* The set of filter combinations is finite, but bound it anyway. */
		if (hash_get_num_entries(dynamic_plans) >= DB_DYNAMIC_CACHE_MAX)
		{
			rc = SPI_execute_plan(plan, values, nulls, false, 0);
			CheckResult(rc, sql);
			SPI_freeplan(plan);
			return SPI_processed;
		}
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		key = MemoryContextStrdup(TopMemoryContext, sql);
		entry = hash_search(dynamic_plans, &key, HASH_ENTER, &found);
		entry->sql = key;
		entry->plan = plan;
	}
	rc = SPI_execute_plan(entry->plan, values, nulls, false, 0);
	CheckResult(rc, sql);
	return SPI_processed;
}

Datum
DbDatum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						 col + 1, isnull);
}

bool
DbIsNull(uint64 row, int col)
{
	bool		isnull;

	(void) DbDatum(row, col, &isnull);
	return isnull;
}

int64
DbInt64(uint64 row, int col)
{
	bool		isnull;
	Datum		d = DbDatum(row, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

int32
DbInt32(uint64 row, int col)
{
	bool		isnull;
	Datum		d = DbDatum(row, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

bool
DbBool(uint64 row, int col)
{
	bool		isnull;
	Datum		d = DbDatum(row, col, &isnull);

	return isnull ? false : DatumGetBool(d);
}

char *
DbText(uint64 row, int col)
{
	bool		isnull;
	Datum		d = DbDatum(row, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

Jsonb *
DbJsonb(uint64 row, int col)
{
	bool		isnull;
	Datum		d = DbDatum(row, col, &isnull);

	return isnull ? NULL : DatumGetJsonbP(d);
}

bytea *
DbBytea(uint64 row, int col)
{
	bool		isnull;
	Datum		d = DbDatum(row, col, &isnull);

	return isnull ? NULL : DatumGetByteaPP(d);
}

Jsonb *
DbRunJsonb(JbStatement *stmt, Datum *values, const char *nulls)
{
	if (DbRun(stmt, values, nulls) == 0)
		return NULL;
	return DbJsonb(0, 0);
}
