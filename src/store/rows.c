/*
 * rows.c
 *		The worker's own row writes, without the planner or executor start-up.
 *
 * Every exec writes a session row, finishes it and writes an audit row.
 * Through SPI each of those paid for a plan check, ExecutorStart (a
 * ModifyTable node, its projection, a range table) and ExecutorEnd: the
 * worker's CPU per exec went from about 147 to 130 us without them.  These
 * routines go the way logical replication's apply worker does
 * (execReplication.c): a minimal EState and ExecSimpleRelationInsert/Update,
 * so triggers, constraints and every index are still honoured, and a DBA's
 * extra index or trigger on these tables works as with SQL.
 *
 * Columns are named; a column left out takes its default, as in INSERT.
 * Default expressions and column positions are kept per table and rebuilt
 * when its relcache entry is invalidated (ALTER TABLE ... SET DEFAULT).
 */
#include "lib/common.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "store/rows.h"

/*
 * What a write needs to know about one table, kept between writes: its
 * OID, its compiled defaults by attribute number (NULL: none) and the
 * attribute numbers of the columns written so far (names are the callers'
 * string constants, compared by address).
 */
#define MAX_TABLES 4
#define MAX_NAMES 32

typedef struct TableInfo
{
	const char *table;			/* NULL: free slot */
	Oid			relid;
	bool		stale;			/* its relcache entry was invalidated */
	MemoryContext cxt;			/* defaults; NULL until first needed */
	int			natts;
	ExprState **defaults;
	int			nnames;
	const char *names[MAX_NAMES];
	int			atts[MAX_NAMES];
} TableInfo;

static TableInfo tables[MAX_TABLES];
static bool callback_registered = false;

/*
 * Relcache callback: only marks the table stale, since it can run while
 * one of its defaults is being evaluated (nextval opens its sequence); the
 * next write to it frees and rebuilds what was kept.
 */
static void
forget_table(Datum arg, Oid relid)
{
	for (int i = 0; i < MAX_TABLES; i++)
		if (relid == InvalidOid || tables[i].relid == relid)
			tables[i].stale = true;
}

static void
reset_table(TableInfo *t)
{
	if (t->cxt)
		MemoryContextDelete(t->cxt);
	t->cxt = NULL;
	t->defaults = NULL;
	t->nnames = 0;
	t->relid = get_relname_relid(t->table, get_namespace_oid("hoop_mcp", false));
	if (!OidIsValid(t->relid))
		elog(ERROR, "hoop_mcp.%s does not exist", t->table);
	t->stale = false;
}

/* The table's entry, its OID checked again after an invalidation. */
static TableInfo *
table_info(const char *table)
{
	TableInfo  *free_slot = NULL;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_table, (Datum) 0);
		callback_registered = true;
	}
	for (int i = 0; i < MAX_TABLES; i++)
	{
		if (tables[i].table == table)
		{
			if (tables[i].stale)
				reset_table(&tables[i]);
			return &tables[i];
		}
		if (tables[i].table == NULL && free_slot == NULL)
			free_slot = &tables[i];
	}
	if (free_slot == NULL)
		elog(ERROR, "hoop_mcp: too many tables written directly");
	free_slot->table = table;
	reset_table(free_slot);
	return free_slot;
}

/* Compiles the table's column defaults, once per invalidation. */
static ExprState **
table_defaults(TableInfo *t, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext old;

	if (t->defaults != NULL && t->natts == desc->natts)
		return t->defaults;
	if (t->cxt == NULL)
		t->cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp column defaults",
									   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(t->cxt);
	t->natts = desc->natts;
	t->defaults = palloc0(sizeof(ExprState *) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		Node	   *expr;

		if (TupleDescAttr(desc, i)->attisdropped)
			continue;
		expr = build_column_default(rel, i + 1);
		if (expr != NULL)
			t->defaults[i] = ExecInitExpr(expression_planner((Expr *) expr), NULL);
	}
	MemoryContextSwitchTo(old);
	return t->defaults;
}

/* The executor state one write needs, around table_open. */
typedef struct RowWrite
{
	TableInfo  *info;
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
} RowWrite;

static void
write_begin(RowWrite *w, const char *table)
{
	RangeTblEntry *rte;

	w->info = table_info(table);
	w->rel = table_open(w->info->relid, RowExclusiveLock);
	/* Opening it may have processed an invalidation (ALTER TABLE). */
	if (w->info->stale)
	{
		table_close(w->rel, RowExclusiveLock);
		w->info = table_info(table);
		w->rel = table_open(w->info->relid, RowExclusiveLock);
	}
	w->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = w->info->relid;
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

/* The attribute index (from 0) of the named column. */
static int
column_index(RowWrite *w, const char *name)
{
	TableInfo  *t = w->info;
	int			attno;

	for (int i = 0; i < t->nnames; i++)
		if (t->names[i] == name)
			return t->atts[i];
	attno = SPI_fnumber(RelationGetDescr(w->rel), name);
	if (attno <= 0)
		elog(ERROR, "column \"%s\" of hoop_mcp.%s does not exist", name, t->table);
	if (t->nnames < MAX_NAMES)
	{
		t->names[t->nnames] = name;
		t->atts[t->nnames++] = attno - 1;
	}
	return attno - 1;
}

/* Sets the named columns in a virtual slot. */
static void
set_columns(RowWrite *w, TupleTableSlot *slot, const RowColumn *cols, int ncols)
{
	for (int i = 0; i < ncols; i++)
	{
		int			att = column_index(w, cols[i].name);

		slot->tts_isnull[att] = cols[i].isnull;
		slot->tts_values[att] = cols[i].value;
		if (cols[i].text != NULL && !cols[i].isnull)
		{
			Form_pg_attribute a = TupleDescAttr(RelationGetDescr(w->rel), att);
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
	ExprState **defaults;
	int			natts;
	bool	   *given;
	ExprContext *econtext;

	write_begin(&w, table);
	defaults = table_defaults(w.info, w.rel);
	natts = RelationGetDescr(w.rel)->natts;
	slot = ExecInitExtraTupleSlot(w.estate, RelationGetDescr(w.rel), &TTSOpsVirtual);
	ExecClearTuple(slot);
	given = palloc0(sizeof(bool) * natts);
	for (int i = 0; i < ncols; i++)
		given[column_index(&w, cols[i].name)] = true;
	econtext = GetPerTupleExprContext(w.estate);
	for (int i = 0; i < natts; i++)
	{
		slot->tts_values[i] = (Datum) 0;
		slot->tts_isnull[i] = true;
		if (!given[i] && defaults[i] != NULL)
			slot->tts_values[i] = ExecEvalExpr(defaults[i], econtext, &slot->tts_isnull[i]);
	}
	set_columns(&w, slot, cols, ncols);
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
		set_columns(&w, updated, cols, ncols);
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
	int			attno = SPI_fnumber(row->tts_tupleDescriptor, name);

	if (attno <= 0)
		elog(ERROR, "column \"%s\" does not exist", name);
	return slot_getattr(row, attno, isnull);
}
