/*
 * worker.c
 *		The MCP worker: one event loop, one thread, no blocking calls.
 *
 * A WaitEventSet holds the latch, postmaster death, each libmicrohttpd
 * daemon's epoll fd and the epoll fd of the target-database sockets.  Each
 * turn of the loop drives the target queries, lets libmicrohttpd read
 * requests, takes calls from SQL backends, then runs everything pending in
 * one transaction (see request.h) and sends the answers.
 */
#include "hoop_mcp.h"

#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "json.h"
#include "oauth.h"
#include "request.h"

static int	worker_index = 0;
static char executor_name[32];
static dlist_head pending = DLIST_STATIC_INIT(pending);
static dlist_head answered = DLIST_STATIC_INIT(answered);
static dlist_head to_audit = DLIST_STATIC_INIT(to_audit);
static dlist_head parked = DLIST_STATIC_INIT(parked);
static Oid	extension_oid = InvalidOid;

const char *
worker_executor_name(void)
{
	return executor_name;
}

/* Whether CREATE EXTENSION hoop_mcp has run here (checked per batch). */
bool
worker_extension_ready(void)
{
	return OidIsValid(extension_oid);
}

/* Queues a collected request for the next batch. */
void
worker_enqueue(Request *req)
{
	dlist_push_tail(&pending, &req->node);
}

/*
 * A request has its answer: send it now if we are outside a transaction,
 * else after the batch commits.
 */
void
worker_request_done(Request *req)
{
	req->response_ready = true;
	if (IsTransactionState())
	{
		dlist_push_tail(&answered, &req->node);
		return;
	}
	if (req->kind == REQ_HTTP)
		http_respond(req);
	else
		call_answer(req);
}

static void
worker_exit(int code, Datum arg)
{
	call_fail_all(worker_index);
	hoop_shmem_worker_detach(worker_index);

	/*
	 * libmicrohttpd is not stopped: it refuses to stop with suspended
	 * connections, and process exit closes every socket anyway.  Sessions
	 * left open are finished by the next start (reconcile_on_start).
	 */
}

/* A tool call from a SQL backend: the caller's identity came with it. */
static void
handle_call(Request *req)
{
	char	   *error;

	if (!auth_load_actor(req, &req->actor.id))
	{
		req->outcome.is_error = true;
		req->outcome.sqlerrcode = ERRCODE_INSUFFICIENT_PRIVILEGE;
		req->outcome.text = req->error_message;
		req->outcome.len = strlen(req->outcome.text);
		return;
	}
	if (!tools_exists(req->tool_name) || !tools_runs_on_target(req->tool_name))
		elog(ERROR, "tool \"%s\" cannot be handed to the worker", req->tool_name);
	req->tool_args = jv_parse(req->call_args);
	if (!tools_validate(req->tool_name, req->tool_args, &error))
	{
		req->outcome.is_error = true;
		req->outcome.sqlerrcode = ERRCODE_INVALID_PARAMETER_VALUE;
		req->outcome.text = error;
		req->outcome.len = strlen(error);
		return;
	}
	req->in_tool = true;
	tools_begin_target(req);
}

/* The ERROR that ended a request's subtransaction becomes its answer. */
static void
answer_error(Request *req, ErrorData *edata)
{
	req->job = NULL;
	if (req->in_tool)
	{
		/* A tool's error is its answer: isError over MCP, an ERROR in SQL. */
		req->outcome.is_error = true;
		req->outcome.sqlerrcode = edata->sqlerrcode;
		req->outcome.text = edata->message;
		req->outcome.len = strlen(edata->message);
		if (req->kind == REQ_HTTP)
			mcp_finish_tool(req);
		return;
	}
	ereport(LOG,
			(errmsg("hoop_mcp: request failed: %s", edata->message)));
	if (req->kind == REQ_HTTP)
	{
		mcp_set_error_response(req, 500, -32603, "Internal error");
		req->error_message = edata->message;
	}
	else
	{
		req->outcome.is_error = true;
		req->outcome.sqlerrcode = edata->sqlerrcode;
		req->outcome.text = edata->message;
		req->outcome.len = strlen(edata->message);
	}
}

/*
 * Runs fn(arg) in its own subtransaction; an ERROR is logged as "could not
 * <what>" and rolled back, and false returned.  For writes the batch can
 * lose without losing the other requests.
 */
bool
worker_try(void (*fn) (void *arg), void *arg, MemoryContext cxt, const char *what)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* Copied before ereport(LOG), which pushes an error entry of its own. */
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ereport(LOG,
				(errmsg("hoop_mcp: could not %s: %s", what, edata->message)));
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return ok;
}

static void
audit_one(void *arg)
{
	audit_write((Request *) arg);
}

/* Every POST and DELETE is audited; GETs (discovery documents) are not. */
static bool
audit_wanted(Request *req)
{
	return req->kind == REQ_HTTP && worker_extension_ready() &&
		(strcmp(req->method, "POST") == 0 || strcmp(req->method, "DELETE") == 0);
}

/* Writes a request's audit row in its own subtransaction. */
static void
audit_in_subxact(Request *req)
{
	if (audit_wanted(req) && !req->audited)
		req->audited = worker_try(audit_one, req, req->cxt, "write the audit row");
}

/*
 * A target tool has its answer (target.c).  A schema tool's audit row,
 * deferred until now so it records the real outcome, is written in this
 * batch or the next one, then the answer goes out.
 */
void
worker_target_answered(Request *req)
{
	if (req->kind == REQ_HTTP && !req->audited && !IsTransactionState())
	{
		dlist_push_tail(&to_audit, &req->node);
		return;
	}
	audit_in_subxact(req);
	worker_request_done(req);
}

/*
 * Runs one request, and writes its audit row, in a subtransaction so that
 * its failure rolls back only its own work.  When it fails, the audit row
 * is written in a second one.  An exec that starts is audited with its
 * session, both durable before its query runs (its answer will be a 200
 * result); a schema tool is audited when it is answered
 * (worker_target_answered), and a parked request when it is run again.
 */
static void
run_request(Request *req)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool		audit = audit_wanted(req);
	volatile bool failed = false;
	volatile bool wrote_audit = false;

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
		if (audit && !req->parked && !req->waiting &&
			(req->job == NULL || target_job_is_exec(req->job)))
		{
			if (req->job != NULL)
				req->status = 200;
			audit_write(req);
			wrote_audit = true;
		}
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		hoop_acting_user = NULL;
		req->waiting = false;
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
		req->audited = true;
	if (failed && audit)
		audit_in_subxact(req);
}

static void
check_extension(void)
{
	Oid			oid = get_extension_oid("hoop_mcp", true);

	if (oid != extension_oid)
	{
		extension_oid = oid;
		tools_reset();
	}
}

/*
 * Runs every pending request, and finishes the sessions of target queries
 * that ended, in one transaction.  Answers go out after the commit, and
 * target queries start only then, so a session row is durable before its
 * query runs.
 */
static void
run_batch(void)
{
	dlist_head	batch = DLIST_STATIC_INIT(batch);
	dlist_head	starting = DLIST_STATIC_INIT(starting);
	dlist_mutable_iter iter;
	bool		only_finishes = dlist_is_empty(&pending) && dlist_is_empty(&to_audit);

	dlist_foreach_modify(iter, &pending)
	{
		dlist_delete(iter.cur);
		dlist_push_tail(&batch, iter.cur);
	}

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pgstat_report_activity(STATE_RUNNING, "hoop_mcp: answering MCP requests");
	check_extension();

	target_finish_sessions();
	dlist_foreach_modify(iter, &to_audit)
	{
		Request    *req = dlist_container(Request, node, iter.cur);

		dlist_delete(iter.cur);
		audit_in_subxact(req);
		worker_request_done(req);
	}

	dlist_foreach_modify(iter, &batch)
	{
		Request    *req = dlist_container(Request, node, iter.cur);

		dlist_delete(iter.cur);
		run_request(req);
		if (req->parked)
			dlist_push_tail(&parked, &req->node);
		else if (req->waiting)
			waits_park(req);
		else if (req->job != NULL)
			dlist_push_tail(&starting, &req->node);
		else if (!req->response_ready)
			worker_request_done(req);
	}

	SPI_finish();
	PopActiveSnapshot();

	/*
	 * A batch that only finishes sessions commits without waiting for its
	 * WAL flush (unless hoop_mcp.durable_finish): the answers it releases
	 * need the rows visible, and the flush follows with the next batch or
	 * the WAL writer.  Session starts and audit rows always wait for it.
	 */
	if (only_finishes && !hoop_durable_finish)
		(void) set_config_option("synchronous_commit", "off", PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	CommitTransactionCommand();
	pgstat_report_stat(false);

	/* Committed: send the answers and start the target queries. */
	dlist_foreach_modify(iter, &answered)
	{
		Request    *req = dlist_container(Request, node, iter.cur);

		dlist_delete(iter.cur);
		worker_request_done(req);
	}
	dlist_foreach_modify(iter, &starting)
	{
		Request    *req = dlist_container(Request, node, iter.cur);

		dlist_delete(iter.cur);
		target_start(req->job);
	}
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * After a crash or restart, sessions this worker left open can never end:
 * finish them with a failing exit code and the reason.
 */
static void
reconcile_on_start(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	check_extension();
	if (worker_extension_ready())
	{
		pgstat_report_activity(STATE_RUNNING, "hoop_mcp: finishing interrupted sessions");
		target_reconcile_on_start();
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
static void
unpark(TimestampTz now, long *timeout)
{
	dlist_mutable_iter iter;
	uint64		refreshes = oauth_refresh_count();

	dlist_foreach_modify(iter, &parked)
	{
		Request    *req = dlist_container(Request, node, iter.cur);

		if (req->park_refreshes != refreshes || now >= req->park_until)
		{
			dlist_delete(iter.cur);
			req->parked = false;
			req->parked_once = true;
			req->error_message = NULL;
			worker_enqueue(req);
		}
		else
		{
			long		ms = (long) ((req->park_until - now) / 1000) + 1;

			if (*timeout < 0 || ms < *timeout)
				*timeout = ms;
		}
	}
}

void
hoop_worker_main(Datum arg)
{
	WaitEventSet *wes;
	MemoryContext loop_cxt;

	worker_index = DatumGetInt32(arg);
	snprintf(executor_name, sizeof(executor_name), "worker %d", worker_index + 1);

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(hoop_database, NULL, 0);
	pgstat_report_appname(MyBgworkerEntry->bgw_name);
	SetConfigOption("TimeZone", "UTC", PGC_SUSET, PGC_S_OVERRIDE);
	/* Our statements name every object; nothing may shadow pg_catalog. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	hoop_shmem_worker_attach(worker_index);
	before_shmem_exit(worker_exit, 0);
	call_fail_all(worker_index);

	reconcile_on_start();
	target_init();
	http_start();

	wes = CreateWaitEventSet(TopMemoryContext, 8);
	AddWaitEventToSet(wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(wes, WL_SOCKET_READABLE, target_epoll_fd(), NULL, NULL);
	http_add_wait_events(wes);

	loop_cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp loop", ALLOCSET_DEFAULT_SIZES);
	ereport(LOG,
			(errmsg("hoop_mcp %s serving MCP at %s/api/mcp", executor_name, hoop_api_url())));
	pgstat_report_activity(STATE_IDLE, NULL);

	for (;;)
	{
		WaitEvent	events[8];
		TimestampTz now = GetCurrentTimestamp();
		long		timeout = target_next_timeout_ms(now);
		long		http_timeout = http_timeout_ms();

		if (http_timeout >= 0 && (timeout < 0 || http_timeout < timeout))
			timeout = http_timeout;
		unpark(now, &timeout);
		waits_poll(now, &timeout);

		/*
		 * Work that arrived after the last batch (a request read by the last
		 * MHD_run, a query that ended while it was being sent): do not sleep.
		 */
		if (!dlist_is_empty(&pending) || !dlist_is_empty(&to_audit) || target_has_finished())
			timeout = 0;

		MemoryContextSwitchTo(loop_cxt);
		(void) WaitEventSetWait(wes, timeout, events, lengthof(events), HOOP_WAIT_EVENT_MAIN);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		target_poll();
		http_run();
		call_take_pending(worker_index);
		target_check_timeouts(GetCurrentTimestamp());
		if (!dlist_is_empty(&pending) || !dlist_is_empty(&to_audit) || target_has_finished())
			run_batch();
		http_run();
		MemoryContextReset(loop_cxt);
	}
}
