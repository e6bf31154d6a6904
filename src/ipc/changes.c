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
#include "lib/common.h"

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

#include "ipc/changes.h"
#include "ipc/workers.h"

typedef struct HoopChanges
{
	pg_atomic_uint64 review_changes;	/* committed transactions that changed a review */
	ConditionVariable cv;		/* broadcast after each of them */
} HoopChanges;

static HoopChanges *changes = NULL;
static bool review_changed = false; /* in the current transaction */

/*
 * Set while the worker writes an exec's session on its hot path: it
 * publishes those transitions itself (changes_publish_session), and the
 * trigger's WHEN clause skips them, saving the after-trigger queue.
 */
bool		changes_published_by_caller = false;

PG_FUNCTION_INFO_V1(hoop_mcp_publish_change);
PG_FUNCTION_INFO_V1(hoop_mcp_publish_by_trigger);

void
changes_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(HoopChanges)));
}

void
changes_shmem_startup(void)
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

/*
 * The payload: {"id", "session_id", "status", "previous_status"}, then
 * extra (",\"key\":value..." or NULL).
 */
static void
publish(const char *channel, const char *id, const char *session_id, const char *status,
		const char *previous, const char *extra)
{
	StringInfoData payload;

	initStringInfo(&payload);
	appendStringInfoString(&payload, "{\"id\":");
	append_json_string(&payload, id, strlen(id));
	appendStringInfoString(&payload, ",\"session_id\":");
	append_json_string(&payload, session_id, strlen(session_id));
	appendStringInfoString(&payload, ",\"status\":");
	append_json_string(&payload, status, strlen(status));
	appendStringInfoString(&payload, ",\"previous_status\":");
	if (previous)
		append_json_string(&payload, previous, strlen(previous));
	else
		appendStringInfoString(&payload, "null");
	if (extra)
		appendStringInfoString(&payload, extra);
	appendStringInfoChar(&payload, '}');
	Async_Notify(channel, payload.data);
	pfree(payload.data);
}

/* An exec's session transition written by the worker itself. */
void
changes_publish_session(const pg_uuid_t *id, const char *status, const char *previous,
						const char *extra)
{
	char	   *sid = hoop_uuid_text(id);

	publish("hoop_mcp_sessions", sid, sid, status, previous, extra);
	pfree(sid);
}

/* The WHEN clause of the sessions trigger. */
Datum
hoop_mcp_publish_by_trigger(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!changes_published_by_caller);
}

static char *
attr(Relation rel, HeapTuple tup, const char *attname)
{
	return SPI_getvalue(tup, RelationGetDescr(rel), SPI_fnumber(RelationGetDescr(rel), attname));
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
	char	   *status;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "hoop_mcp._publish_change must be a row trigger with a channel argument");
	rel = trigdata->tg_relation;
	channel = trigdata->tg_trigger->tgargs[0];
	is_review = strcmp(channel, "hoop_mcp_reviews") == 0;
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		tup = trigdata->tg_newtuple;
		old_status = attr(rel, trigdata->tg_trigtuple, "status");
	}
	else
		tup = trigdata->tg_trigtuple;
	status = attr(rel, tup, "status");
	if (old_status && strcmp(old_status, status) == 0)
		return PointerGetDatum(NULL);

	publish(channel, attr(rel, tup, "id"), attr(rel, tup, is_review ? "session_id" : "id"),
			status, old_status, NULL);
	if (is_review)
		review_changed = true;
	return PointerGetDatum(NULL);
}
