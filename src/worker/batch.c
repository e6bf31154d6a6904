/*
 * batch.c
 *		One batch: every pending request, in one transaction.
 *
 * Each request runs in its own subtransaction, so that its failure rolls
 * back only its own work, and the batch commits once: the audit rows and
 * session rows of all its requests share one WAL flush.  Answers go out
 * after the commit, and target queries start only then, so a session row
 * is durable before its query runs.
 */
#include "lib/common.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "auth/auth.h"
#include "auth/oauth.h"
#include "ipc/workers.h"
#include "lib/json.h"
#include "lib/subxact.h"
#include "mcp/mcp.h"
#include "store/audit.h"
#include "store/extension.h"
#include "store/sessions.h"
#include "store/sqlapi.h"
#include "target/driver.h"
#include "tools/tools.h"
#include "worker/worker.h"

/* Requests waiting for the identity provider's keys (auth/oauth.c). */
static dlist_head parked = DLIST_STATIC_INIT(parked);

/* Whether this batch wrote rows whose commit must wait for the flush. */
static bool batch_durable;

/* A tool call from a SQL backend: the caller's identity came with it. */
static void
handle_call(Request *req)
{
	char	   *error;

	if (!auth_load_actor(req, &req->actor.id))
	{
		request_outcome_error(req, ERRCODE_INSUFFICIENT_PRIVILEGE, req->error_message);
		return;
	}
	if (!tools_exists(req->tool_name) || !tools_runs_on_target(req->tool_name))
		elog(ERROR, "tool \"%s\" cannot be handed to the worker", req->tool_name);
	req->tool_args = jv_parse(req->call_args);
	if (!tools_validate(req->tool_name, req->tool_args, &error))
	{
		request_outcome_error(req, ERRCODE_INVALID_PARAMETER_VALUE, error);
		return;
	}
	req->in_tool = true;
	tools_call(req);
}

/* The ERROR that ended a request's subtransaction becomes its answer. */
static void
answer_error(Request *req, ErrorData *edata)
{
	req->job = NULL;
	req->waiting = false;
	if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE &&
		strcmp(edata->message, _("canceling statement due to lock timeout")) == 0)
		edata->message = psprintf("another transaction holds a lock this call needs (waited %d ms); try again",
								  hoop_lock_timeout_ms);
	if (req->in_tool || req->kind == REQ_CALL)
	{
		/* A tool's error is its answer: isError over MCP, an ERROR in SQL. */
		request_outcome_error(req, edata->sqlerrcode, edata->message);
		if (!req->in_tool)
			ereport(LOG,
					(errmsg("hoop_mcp: request failed: %s", edata->message)));
		return;
	}
	ereport(LOG,
			(errmsg("hoop_mcp: request failed: %s", edata->message)));
	mcp_set_error_response(req, 500, -32603, "Internal error");
	req->error_message = edata->message;
}

static void
audit_one(void *arg)
{
	audit_write((Request *) arg);
}

/* Writes the request's audit row, if due, in its own subtransaction. */
static void
audit_if_due(Request *req)
{
	if (!req->audit_due)
		return;
	(void) subxact_try(audit_one, req, req->cxt, "write the audit row");
	req->audit_due = false;
	batch_durable = true;
}

/*
 * Runs one request, and writes its audit row, in a subtransaction.  When
 * it fails, the audit row is written in a second one.  An exec that starts
 * is audited with its session, both durable before its query runs (its
 * answer will be a 200 result); a schema tool is audited when it is
 * answered (audit_at_answer), and a parked or waiting request, or one
 * whose body was held back until its headers were authenticated, when it
 * is run again and answered.
 */
static void
run_request(Request *req)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool failed = false;
	volatile bool wrote_audit = false;

	if (req->runs++ == 0)
		req->audit_due = audit_wanted(req);
	batch_durable = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(req->cxt);
	PG_TRY();
	{
		if (req->waiting)
			waits_check(req);
		else if (req->kind == REQ_HTTP)
			mcp_handle(req);
		else
			handle_call(req);
		hoop_acting_user = NULL;
		if (req->audit_due && !req->parked && !req->waiting && !req->audit_at_answer &&
			req->body_gate != BODY_ADMITTED)
		{
			audit_write(req);
			wrote_audit = true;
		}
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		hoop_acting_user = NULL;
		MemoryContextSwitchTo(req->cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(req->cxt);
		CurrentResourceOwner = oldowner;
		answer_error(req, edata);
		failed = true;
	}
	PG_END_TRY();

	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	if (wrote_audit && !failed)
		req->audit_due = false;
	if (failed)
		audit_if_due(req);
}

/* Once per batch: a new, dropped or re-created extension resets the caches. */
static void
check_extension(void)
{
	if (extension_check())
		tools_reset();
}

/*
 * The batch never waits long for a lock: one a client holds (an open
 * transaction on a review, say) fails the request that needs it, and every
 * other request of the batch is served.
 */
static void
begin_batch(void)
{
	char		timeout[32];

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	snprintf(timeout, sizeof(timeout), "%d", hoop_lock_timeout_ms);
	(void) set_config_option("lock_timeout", timeout, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	check_extension();
}

/*
 * Runs every pending request, and finishes what the target queries that
 * ended leave to do, in one transaction; then answers and starts queries.
 */
void
batch_run(void)
{
	dlist_head	starting = DLIST_STATIC_INIT(starting);
	Request    *req;

	batch_durable = false;
	begin_batch();
	pgstat_report_activity(STATE_RUNNING, "hoop_mcp: answering MCP requests");

	tools_collect_finished();
	while ((req = request_next_pending()) != NULL)
	{
		run_request(req);
		if (req->parked)
			request_hold(&parked, req);
		else if (req->waiting)
			waits_park(req);
		else if (req->job != NULL)
			request_hold(&starting, req);
		else if (req->body_gate == BODY_ADMITTED)
			request_admit_body(req);
		else
			request_finish(req);
	}
	request_each_answered(audit_if_due);

	SPI_finish();
	PopActiveSnapshot();

	/*
	 * Session starts and audit rows always wait for the WAL flush, and so
	 * do finished sessions, whose answers this batch releases: what a
	 * client is told must survive a crash.  With hoop_mcp.durable_finish
	 * off, a batch that only finishes sessions does not wait (the next
	 * batch's flush or the WAL writer's covers it).
	 */
	if (!batch_durable && !hoop_durable_finish)
		(void) set_config_option("synchronous_commit", "off", PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	CommitTransactionCommand();
	pgstat_report_stat(false);

	/* Committed: send the answers and start the target queries. */
	while ((req = request_next_answered()) != NULL)
		request_deliver(req);
	while (!dlist_is_empty(&starting))
	{
		req = dlist_container(Request, node, dlist_head_node(&starting));
		request_release(req);
		target_start(req->job);
	}
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * After a crash or restart, sessions this worker left open can never end:
 * finish them with a failing exit code and the reason.
 */
void
batch_reconcile(void)
{
	begin_batch();
	if (extension_ready())
	{
		pgstat_report_activity(STATE_RUNNING, "hoop_mcp: finishing interrupted sessions");
		sessions_reconcile(hoop_executor_name());
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Requests parked while the identity provider's keys are refreshed run
 * again once the refresher finished, or after a few seconds anyway (then
 * they fail with "unknown key id").
 */
void
batch_unpark(TimestampTz now, long *timeout)
{
	dlist_mutable_iter iter;
	uint64		refreshes = oauth_refresh_count();

	dlist_foreach_modify(iter, &parked)
	{
		Request    *req = dlist_container(Request, node, iter.cur);

		if (req->park_refreshes != refreshes || now >= req->park_until)
		{
			request_release(req);
			req->parked = false;
			req->parked_once = true;
			req->error_message = NULL;
			request_enqueue(req);
		}
		else
		{
			long		ms = (long) ((req->park_until - now) / 1000) + 1;

			if (*timeout < 0 || ms < *timeout)
				*timeout = ms;
		}
	}
}
