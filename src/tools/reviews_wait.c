/*
 * reviews_wait.c
 *		reviews_wait: waiting for a review's decision without polling.
 *
 * hoop polls every 2 s.  Here a wait ends when the transaction that
 * decides the review commits: changes.c counts those commits in shared
 * memory, broadcasts a condition variable and sets the workers' latches.
 *
 * From SQL, hoop_mcp.reviews_wait() sleeps on the condition variable and
 * reads the review again (with a fresh snapshot, so READ COMMITTED only)
 * after each change.  Over MCP the request is parked in the worker: it
 * leaves the batch without an answer and runs again, in a later batch,
 * when the count moves or its deadline passes.  When the client takes
 * progress notifications (a progressToken, and SSE: mcp/ decides), it gets
 * hoop's heartbeats every 2 s until the result.
 */
#include "lib/common.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/condition_variable.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "ipc/changes.h"
#include "ipc/workers.h"
#include "lib/json.h"
#include "store/plans.h"
#include "store/sqlapi.h"
#include "tools/tool_impl.h"
#include "tools/tools.h"

#define WAIT_DEFAULT_S 60
#define WAIT_MIN_S 2
#define WAIT_MAX_S 300
#define HEARTBEAT_MS 2000

static const char *const state_sql =
"SELECT map, terminal FROM hoop_mcp._review_state($1)";

static dlist_head waits = DLIST_STATIC_INIT(waits);

PG_FUNCTION_INFO_V1(hoop_mcp_reviews_wait);

/* hoop's resolveWaitTimeout. */
static int
wait_timeout_seconds(bool given, int seconds)
{
	if (!given || seconds <= 0)
		return WAIT_DEFAULT_S;
	return Min(Max(seconds, WAIT_MIN_S), WAIT_MAX_S);
}

/*
 * Reads the review as the current actor: its map (a copy in the current
 * memory context) and whether waiting for it is over.  Each call sees
 * what has committed so far.
 */
static Jsonb *
review_state(const char *id, bool *terminal, bool in_worker)
{
	Oid			types[1] = {TEXTOID};
	Datum		args[1];
	char		nulls[1] = {id ? ' ' : 'n'};
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext old;
	bool		isnull;
	Jsonb	   *map;
	int			rc;

	args[0] = id ? CStringGetTextDatum(id) : (Datum) 0;
	if (in_worker)
		rc = hoop_execute_plan(hoop_plan(state_sql, 1, types), args, nulls, false, 1);
	else
		rc = SPI_execute_with_args(state_sql, 1, types, args, nulls, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the review");
	old = MemoryContextSwitchTo(cxt);
	map = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*terminal = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	return map;
}

/* hoop's answer: the review map plus timed_out and waited_seconds. */
static Jsonb *
wait_result(Jsonb *map, bool timed_out, TimestampTz started)
{
	long		secs;
	int			usecs;
	char	   *extra;

	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	extra = psprintf("{\"timed_out\":%s,\"waited_seconds\":%ld}", timed_out ? "true" : "false", secs);
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(map),
											  DirectFunctionCall1(jsonb_in, CStringGetDatum(extra))));
}

/*
 * hoop_mcp.reviews_wait(id, timeout_seconds) for SQL callers: sleeps on
 * the condition variable between checks; cancel and statement_timeout
 * interrupt the sleep.
 */
Datum
hoop_mcp_reviews_wait(PG_FUNCTION_ARGS)
{
	char	   *id = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			timeout_s = wait_timeout_seconds(!PG_ARGISNULL(1), PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1));
	TimestampTz started = GetCurrentTimestamp();
	TimestampTz deadline = TimestampTzPlusMilliseconds(started, timeout_s * 1000);
	Jsonb	   *result = NULL;

	if (!hoop_shmem_ready())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("reviews_wait needs hoop_mcp in shared_preload_libraries")));
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("reviews_wait cannot wait in a REPEATABLE READ or SERIALIZABLE transaction"),
				 errdetail("Its snapshot is fixed, so it would never see the decision."),
				 errhint("Call it in a READ COMMITTED transaction (the default).")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (;;)
	{
		uint64		seen = changes_review_count();
		bool		terminal;
		Jsonb	   *map = review_state(id, &terminal, false);

		if (terminal || GetCurrentTimestamp() >= deadline)
		{
			result = wait_result(map, !terminal, started);
			break;
		}
		pfree(map);

		/* The first sleep only registers us: no broadcast can be missed. */
		while (changes_review_count() == seen)
		{
			long		ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

			if (ms <= 0)
				break;
			(void) ConditionVariableTimedSleep(changes_review_cv(), ms, HOOP_WAIT_EVENT_CALL);
		}
		ConditionVariableCancelSleep();
	}
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}

/* Checks a waiting request's review; sets its outcome when the wait is over. */
void
waits_check(Request *req)
{
	bool		terminal;
	Jsonb	   *map;
	Jsonb	   *result;

	req->wait_seen = changes_review_count();
	hoop_acting_user = &req->actor.id;
	map = review_state(req->wait_id, &terminal, true);
	hoop_acting_user = NULL;
	if (!terminal && GetCurrentTimestamp() < req->wait_deadline)
		return;

	req->waiting = false;
	result = wait_result(map, !terminal, req->wait_started);
	request_outcome_json(req, JsonbToCString(NULL, &result->root, VARSIZE(result)));
}

/* tools/call reviews_wait, in the batch: check once, else wait. */
void
tool_reviews_wait(Request *req, JsonbContainer *args)
{
	JsonbValue	v;
	JsonbValue *t = jv_key(args, "timeout_seconds", &v);
	int			timeout_s;

	timeout_s = wait_timeout_seconds(t && t->type == jbvNumeric,
									 t && t->type == jbvNumeric ?
									 DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(t->val.numeric))) : 0);
	req->wait_id = jv_string(jv_key(args, "id", &v));
	req->wait_timeout_s = timeout_s;
	req->wait_started = GetCurrentTimestamp();
	req->wait_deadline = TimestampTzPlusMilliseconds(req->wait_started, timeout_s * 1000);
	req->next_heartbeat = TimestampTzPlusMilliseconds(req->wait_started, HEARTBEAT_MS);
	req->waiting = true;
	waits_check(req);
}

/* After the batch: a request still waiting leaves it unanswered. */
void
waits_park(Request *req)
{
	request_hold(&waits, req);
}

/*
 * In the worker's loop, outside any transaction: sends the heartbeats
 * that are due and queues for the next batch every wait whose review may
 * have changed or whose time is up.  Lowers *timeout to the next of those.
 */
void
waits_poll(TimestampTz now, long *timeout)
{
	dlist_mutable_iter iter;
	uint64		count = changes_review_count();

	dlist_foreach_modify(iter, &waits)
	{
		Request    *req = dlist_container(Request, node, iter.cur);
		TimestampTz next;
		long		ms;

		if (req->wait_seen != count || now >= req->wait_deadline)
		{
			request_release(req);
			request_enqueue(req);
			continue;
		}
		if (req->progress && now >= req->next_heartbeat)
		{
			/* hoop's heartbeat */
			request_progress(req, (double) (now - req->wait_started) / USECS_PER_SEC,
							 req->wait_timeout_s, "waiting for completion");
			req->next_heartbeat = TimestampTzPlusMilliseconds(now, HEARTBEAT_MS);
		}
		next = req->wait_deadline;
		if (req->progress && req->next_heartbeat < next)
			next = req->next_heartbeat;
		ms = (long) ((next - now + 999) / 1000);
		if (*timeout < 0 || ms < *timeout)
			*timeout = ms;
	}
}
