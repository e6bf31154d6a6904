/*
 * rows.h
 *		The worker's own row writes without the planner (rows.c).
 */
#ifndef HOOP_MCP_ROWS_H
#define HOOP_MCP_ROWS_H

#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

/* A column's new value: value, or text read by the column type's input function, or NULL. */
typedef struct RowColumn
{
	const char *name;
	Datum		value;
	bool		isnull;
	const char *text;
} RowColumn;

/* A text column; NULL for s writes NULL. */
static inline RowColumn
row_text(const char *name, const char *s)
{
	RowColumn	c = {name, s ? CStringGetTextDatum(s) : (Datum) 0, s == NULL, NULL};

	return c;
}

/* A column of any type, as a Datum of that type. */
static inline RowColumn
row_datum(const char *name, Datum value)
{
	RowColumn	c = {name, value, false, NULL};

	return c;
}

/* A jsonb column; NULL for j writes NULL. */
static inline RowColumn
row_jsonb(const char *name, Jsonb *j)
{
	RowColumn	c = {name, j ? JsonbPGetDatum(j) : (Datum) 0, j == NULL, NULL};

	return c;
}

/* A column of any type, read from text (enum labels, inet); NULL writes NULL. */
static inline RowColumn
row_input(const char *name, const char *text)
{
	RowColumn	c = {name, (Datum) 0, text == NULL, text};

	return c;
}

extern void rows_insert(const char *table, const RowColumn *cols, int ncols);
extern bool rows_update(const char *table, Datum key, bool (*wanted) (TupleTableSlot *row),
						const RowColumn *cols, int ncols);
extern Datum rows_column(TupleTableSlot *row, const char *name, bool *isnull);

#endif							/* HOOP_MCP_ROWS_H */
