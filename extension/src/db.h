/*
 * db.h — running SQL from the entry points through SPI. Statements are
 * prepared once per backend and kept (SPI_keepplan): static ones in a
 * JbStatement, dynamic ones (list queries assembled from the filters present)
 * in a per-backend cache keyed by their text.
 *
 * Every entry point runs between DbEnter() and DbLeave*(): the SPI connection
 * is opened once per call; results handed back are copied to the caller's
 * memory context.
 */
#ifndef JOBBOARD_DB_H
#define JOBBOARD_DB_H

#include "jobboard.h"
#include "executor/spi.h"

#define DB_MAX_PARAMS 16

typedef struct JbStatement
{
	const char *sql;
	int			nparams;
	Oid			types[DB_MAX_PARAMS];
	SPIPlanPtr	plan;			/* prepared and kept on first use */
} JbStatement;

extern void DbEnter(void);
extern Datum DbLeaveJsonb(Jsonb *result);
extern void DbLeave(void);

/*
 * Run a statement; nulls follows SPI (' ' not null, 'n' null) and may be
 * NULL for none. Returns the number of rows; SPI_tuptable holds them.
 */
extern uint64 DbRun(JbStatement *stmt, Datum *values, const char *nulls);
extern uint64 DbRunDynamic(const char *sql, int nparams, Oid *types,
						   Datum *values, const char *nulls);

/* Column accessors for row "row" (0-based) of the last result. */
extern bool DbIsNull(uint64 row, int col);
extern int64 DbInt64(uint64 row, int col);
extern int32 DbInt32(uint64 row, int col);
extern bool DbBool(uint64 row, int col);
extern char *DbText(uint64 row, int col);	/* NULL if SQL NULL */
extern Jsonb *DbJsonb(uint64 row, int col); /* NULL if SQL NULL */
extern bytea *DbBytea(uint64 row, int col); /* NULL if SQL NULL */
extern Datum DbDatum(uint64 row, int col, bool *isnull);

/* The first column of the first row as jsonb, or NULL when there is no row. */
extern Jsonb *DbRunJsonb(JbStatement *stmt, Datum *values, const char *nulls);

#endif							/* JOBBOARD_DB_H */
