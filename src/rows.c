/*
 * rows.c
 *		The worker's own row writes, without the planner or executor start-up.
 *
 * Every exec writes a session row, finishes it and writes an audit row.
 * Through SPI each of those pays for a plan check, ExecutorStart (a
 * ModifyTable node, its projection, a range table) and ExecutorEnd, which
 * was about a sixth of the worker's CPU per exec.  These routines go the way
 * logical replication's apply worker does (execReplication.c): a minimal
 * EState and ExecSimpleRelationInsert/Update, so triggers, constraints and
 * every index are still honoured, and a DBA's extra index or trigger on
 * these tables works as with SQL.
 *
 * Columns are named; a column left out takes its default, as in INSERT.
 * Default expressions are compiled once per table and recompiled when the
 * table's relcache entry is invalidated (ALTER TABLE ... SET DEFAULT).
 */
#include "hoop_mcp.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "rows.h"

/* Compiled defaults of one table, by attribute number (NULL: none). */
typedef struct TableDefaults
{
	Oid			relid;			/* InvalidOid: free slot */
	bool		stale;			/* its relcache entry was invalidated */
	MemoryContext cxt;
	int			natts;
	ExprState **exprs;
} TableDefaults;

#define MAX_TABLES 4

static TableDefaults defaults[MAX_TABLES];
static bool callback_registered = false;

/*
 * Relcache callback: only marks the defaults stale, since it can run while
 * one of them is being evaluated (nextval opens its sequence); they are
 * freed by the next table_defaults call.
 */
static void
forget_defaults(Datum arg, Oid relid)
{
	for (int i = 0; i < MAX_TABLES; i++)
		if (relid == InvalidOid || defaults[i].relid == relid)
			defaults[i].stale = true;
}

static TableDefaults *
table_defaults(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	TableDefaults *d = NULL;
	MemoryContext old;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_defaults, (Datum) 0);
		callback_registered = true;
	}
	for (int i = 0; i < MAX_TABLES; i++)
	{
		if (defaults[i].relid != InvalidOid && defaults[i].stale)
		{
			MemoryContextDelete(defaults[i].cxt);
			defaults[i].relid = InvalidOid;
		}
		if (defaults[i].relid == relid)
			return &defaults[i];
		if (defaults[i].relid == InvalidOid && d == NULL)
			d = &defaults[i];
	}
	if (d == NULL)
		elog(ERROR, "hoop_mcp: too many tables written directly");

	d->cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp column defaults",
								   ALLOCSET_SMALL_SIZES);
	d->stale = false;
	old = MemoryContextSwitchTo(d->cxt);
	d->natts = desc->natts;
	d->exprs = palloc0(sizeof(ExprState *) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		Node	   *expr;

		if (TupleDescAttr(desc, i)->attisdropped)
			continue;
		expr = build_column_default(rel, i + 1);
		if (expr != NULL)
			d->exprs[i] = ExecInitExpr(expression_planner((Expr *) expr), NULL);
	}
	d->relid = relid;
	MemoryContextSwitchTo(old);
	return d;
}

/* The executor state one write needs, around table_open. */
typedef struct RowWrite
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
} RowWrite;

static void
write_begin(RowWrite *w, const char *table)
{
	Oid			relid = get_relname_relid(table, get_namespace_oid("hoop_mcp", false));
	RangeTblEntry *rte;

	if (!OidIsValid(relid))
		elog(ERROR, "hoop_mcp.%s does not exist", table);
	w->rel = table_open(relid, RowExclusiveLock);
	w->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = w->rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(w->estate, list_make1(rte));
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	w->estate->es_opened_result_relations = list_make1(w->rri);
	w->estate->es_output_cid = GetCurrentCommandId(true);
	w->estate->es_snapshot = GetActiveSnapshot();
	ExecOpenIndices(w->rri, false);
	AfterTriggerBeginQuery();
}

static void
write_end(RowWrite *w)
{
	ExecCloseIndices(w->rri);
	AfterTriggerEndQuery(w->estate);
	ExecResetTupleTable(w->estate->es_tupleTable, false);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);
	/* Later statements in this transaction see the row, as after SQL. */
	CommandCounterIncrement();
}

static int
column_index(Relation rel, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	elog(ERROR, "column \"%s\" of hoop_mcp.%s does not exist", name, RelationGetRelationName(rel));
	return -1;					/* keep the compiler quiet */
}

/* Sets the named columns in a virtual slot. */
static void
set_columns(Relation rel, TupleTableSlot *slot, const RowColumn *cols, int ncols)
{
	for (int i = 0; i < ncols; i++)
	{
		int			att = column_index(rel, cols[i].name);

		slot->tts_isnull[att] = cols[i].isnull;
		slot->tts_values[att] = cols[i].value;
		if (cols[i].text != NULL && !cols[i].isnull)
		{
			Form_pg_attribute a = TupleDescAttr(RelationGetDescr(rel), att);
			Oid			input;
			Oid			ioparam;

			getTypeInputInfo(a->atttypid, &input, &ioparam);
			slot->tts_values[att] = OidInputFunctionCall(input, (char *) cols[i].text,
														 ioparam, a->atttypmod);
		}
	}
}

/* INSERT INTO hoop_mcp.<table> (columns) VALUES (...): others take defaults. */
void
rows_insert(const char *table, const RowColumn *cols, int ncols)
{
	RowWrite	w;
	TupleTableSlot *slot;
	TableDefaults *d;
	bool	   *given;
	ExprContext *econtext;

	write_begin(&w, table);
	d = table_defaults(w.rel);
	slot = ExecInitExtraTupleSlot(w.estate, RelationGetDescr(w.rel), &TTSOpsVirtual);
	ExecClearTuple(slot);
	given = palloc0(sizeof(bool) * d->natts);
	for (int i = 0; i < ncols; i++)
		given[column_index(w.rel, cols[i].name)] = true;
	econtext = GetPerTupleExprContext(w.estate);
	for (int i = 0; i < d->natts; i++)
	{
		slot->tts_values[i] = (Datum) 0;
		slot->tts_isnull[i] = true;
		if (!given[i] && d->exprs[i] != NULL)
			slot->tts_values[i] = ExecEvalExpr(d->exprs[i], econtext, &slot->tts_isnull[i]);
	}
	set_columns(w.rel, slot, cols, ncols);
	ExecStoreVirtualTuple(slot);
	ExecSimpleRelationInsert(w.rri, w.estate, slot);
	write_end(&w);
}

/*
 * UPDATE hoop_mcp.<table> SET (columns) WHERE <primary key> = key AND
 * wanted(row): false when no row qualified.  The row is locked first, as
 * UPDATE does.
 */
bool
rows_update(const char *table, Datum key, bool (*wanted) (TupleTableSlot *row),
			const RowColumn *cols, int ncols)
{
	RowWrite	w;
	TupleDesc	desc;
	TupleTableSlot *search;
	TupleTableSlot *row;
	TupleTableSlot *updated;
	EPQState	epq;
	Oid			pk;
	bool		found;

	write_begin(&w, table);
	desc = RelationGetDescr(w.rel);
	pk = RelationGetPrimaryKeyIndex(w.rel);
	if (!OidIsValid(pk))
		elog(ERROR, "hoop_mcp.%s has no primary key", table);

	/* The key goes where the primary key's (single) column is. */
	search = ExecInitExtraTupleSlot(w.estate, desc, &TTSOpsVirtual);
	ExecClearTuple(search);
	memset(search->tts_isnull, true, sizeof(bool) * desc->natts);
	{
		Relation	idx = index_open(pk, AccessShareLock);
		int			att = idx->rd_index->indkey.values[0] - 1;

		if (idx->rd_index->indnkeyatts != 1)
			elog(ERROR, "hoop_mcp.%s has a multi-column primary key", table);
		index_close(idx, AccessShareLock);
		search->tts_values[att] = key;
		search->tts_isnull[att] = false;
	}
	ExecStoreVirtualTuple(search);

	row = table_slot_create(w.rel, &w.estate->es_tupleTable);
	EvalPlanQualInit(&epq, w.estate, NULL, NIL, -1);
	found = RelationFindReplTupleByIndex(w.rel, pk, LockTupleNoKeyExclusive, search, row) &&
		(wanted == NULL || wanted(row));
	if (found)
	{
		updated = ExecInitExtraTupleSlot(w.estate, desc, &TTSOpsVirtual);
		ExecClearTuple(updated);
		slot_getallattrs(row);
		memcpy(updated->tts_values, row->tts_values, sizeof(Datum) * desc->natts);
		memcpy(updated->tts_isnull, row->tts_isnull, sizeof(bool) * desc->natts);
		set_columns(w.rel, updated, cols, ncols);
		ExecStoreVirtualTuple(updated);
		EvalPlanQualSetSlot(&epq, updated);
		ExecSimpleRelationUpdate(w.rri, w.estate, &epq, row, updated);
	}
	EvalPlanQualEnd(&epq);
	write_end(&w);
	return found;
}

/* A column of a row read by rows_update, by name. */
Datum
rows_column(TupleTableSlot *row, const char *name, bool *isnull)
{
	TupleDesc	desc = row->tts_tupleDescriptor;

	for (int i = 0; i < desc->natts; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return slot_getattr(row, i + 1, isnull);
	elog(ERROR, "column \"%s\" does not exist", name);
	return (Datum) 0;			/* keep the compiler quiet */
}
