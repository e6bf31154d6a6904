/*
 * changes.c
 *		Publishing review and session transitions when they commit.
 *
 * A row trigger on reviews and sessions queues a NOTIFY (PostgreSQL sends
 * it at commit, or never if the transaction aborts).  A review change also
 * marks the transaction; when it commits, a transaction callback bumps a
 * counter in shared memory, broadcasts a condition variable (SQL callers
 * of reviews_wait sleep on it) and sets the MCP workers' latches (their
 * parked reviews_wait requests check again).  The callback runs after the
 * commit is visible to other snapshots, so whoever wakes sees the change.
 *
 * Payloads are small on purpose: any role may LISTEN, so they name only
 * ids and statuses; the details are read through the visibility-checked
 * functions.
 */
#include "hoop_mcp.h"

#include "access/xact.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "port/atomics.h"
#include "storage/condition_variable.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/rel.h"

typedef struct HoopChanges
{
	pg_atomic_uint64 review_changes;	/* committed transactions that changed a review */
	ConditionVariable cv;		/* broadcast after each of them */
} HoopChanges;

static HoopChanges *changes = NULL;
static bool review_changed = false; /* in the current transaction */

PG_FUNCTION_INFO_V1(hoop_mcp_publish_change);

Size
changes_shmem_size(void)
{
	return MAXALIGN(sizeof(HoopChanges));
}

void
changes_shmem_init(void)
{
	bool		found;

	changes = ShmemInitStruct("hoop_mcp changes", sizeof(HoopChanges), &found);
	if (!found)
	{
		pg_atomic_init_u64(&changes->review_changes, 0);
		ConditionVariableInit(&changes->cv);
	}
}

/* How many review-changing transactions have committed so far. */
uint64
changes_review_count(void)
{
	return changes ? pg_atomic_read_u64(&changes->review_changes) : 0;
}

ConditionVariable *
changes_review_cv(void)
{
	return &changes->cv;
}

static void
changes_xact_callback(XactEvent event, void *arg)
{
	if (!review_changed)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		review_changed = false;
		if (changes == NULL)
			return;
		pg_atomic_fetch_add_u64(&changes->review_changes, 1);
		ConditionVariableBroadcast(&changes->cv);
		for (int i = 0; i < HOOP_MAX_WORKERS; i++)
			hoop_wake_worker(i);
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		review_changed = false;
}

void
changes_init(void)
{
	RegisterXactCallback(changes_xact_callback, NULL);
}

static void
append_attr(StringInfo buf, const char *key, Relation rel, HeapTuple tup, const char *attname)
{
	int			attno = SPI_fnumber(RelationGetDescr(rel), attname);
	char	   *value = attno > 0 ? SPI_getvalue(tup, RelationGetDescr(rel), attno) : NULL;

	appendStringInfo(buf, "%s\"%s\":", buf->len > 1 ? "," : "", key);
	if (value == NULL)
		appendStringInfoString(buf, "null");
	else
		append_json_string(buf, value, strlen(value));
}

/*
 * AFTER INSERT OR UPDATE OF status, FOR EACH ROW; the channel is the
 * trigger's argument.  An UPDATE that leaves the status as it was is not
 * a transition.
 */
Datum
hoop_mcp_publish_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tup;
	const char *channel;
	bool		is_review;
	char	   *old_status = NULL;
	StringInfoData payload;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "hoop_mcp._publish_change must be a row trigger with a channel argument");
	rel = trigdata->tg_relation;
	channel = trigdata->tg_trigger->tgargs[0];
	is_review = strcmp(channel, "hoop_mcp_reviews") == 0;

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		int			attno = SPI_fnumber(RelationGetDescr(rel), "status");
		char	   *new_status;

		tup = trigdata->tg_newtuple;
		old_status = SPI_getvalue(trigdata->tg_trigtuple, RelationGetDescr(rel), attno);
		new_status = SPI_getvalue(tup, RelationGetDescr(rel), attno);
		if (old_status && new_status && strcmp(old_status, new_status) == 0)
			return PointerGetDatum(NULL);
	}
	else
		tup = trigdata->tg_trigtuple;

	initStringInfo(&payload);
	appendStringInfoChar(&payload, '{');
	append_attr(&payload, "id", rel, tup, "id");
	append_attr(&payload, "session_id", rel, tup, is_review ? "session_id" : "id");
	append_attr(&payload, "status", rel, tup, "status");
	appendStringInfoString(&payload, ",\"previous_status\":");
	if (old_status)
		append_json_string(&payload, old_status, strlen(old_status));
	else
		appendStringInfoString(&payload, "null");
	appendStringInfoChar(&payload, '}');
	Async_Notify(channel, payload.data);

	if (is_review)
		review_changed = true;
	return PointerGetDatum(NULL);
}
