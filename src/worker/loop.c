/*
 * loop.c
 *		The MCP worker: one event loop, one thread, no blocking calls.
 *
 * A WaitEventSet holds the latch, postmaster death, each libmicrohttpd
 * daemon's epoll fd and the epoll fd of the target-database sockets.  Each
 * turn of the loop drives the target queries, lets libmicrohttpd read
 * requests, takes calls from SQL backends, answers the tools whose
 * deadline passed, then runs everything pending in one batch (batch.c)
 * and sends the answers.  The loop only orders this work.
 */
#include "lib/common.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ipc/workers.h"
#include "net/net.h"
#include "request/request.h"
#include "target/driver.h"
#include "tools/tools.h"
#include "worker/worker.h"

static void
worker_exit(int code, Datum arg)
{
	call_fail_all(hoop_worker_index());
	hoop_worker_detach();

	/*
	 * libmicrohttpd is not stopped: it refuses to stop with suspended
	 * connections, and process exit closes every socket anyway.  Sessions
	 * left open are finished by the next start (batch_reconcile).
	 */
}

/* Work that arrived after the last batch, or a query that ended. */
static bool
batch_due(void)
{
	return request_work_waiting() || target_has_finished();
}

void
hoop_worker_main(Datum arg)
{
	int			index = DatumGetInt32(arg);
	WaitEventSet *wes;
	MemoryContext loop_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(hoop_database, NULL, 0);
	pgstat_report_appname(MyBgworkerEntry->bgw_name);
	SetConfigOption("TimeZone", "UTC", PGC_SUSET, PGC_S_OVERRIDE);
	/* Our statements name every object; nothing may shadow pg_catalog. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	hoop_worker_attach(index);
	before_shmem_exit(worker_exit, 0);
	call_fail_all(index);

	batch_reconcile();
	target_init();
	http_start();

	wes = CreateWaitEventSet(TopMemoryContext, 8);
	AddWaitEventToSet(wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(wes, WL_SOCKET_READABLE, target_epoll_fd(), NULL, NULL);
	http_add_wait_events(wes);

	loop_cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp loop", ALLOCSET_DEFAULT_SIZES);
	ereport(LOG,
			(errmsg("hoop_mcp %s serving MCP at %s/api/mcp", hoop_executor_name(), hoop_api_url())));
	pgstat_report_activity(STATE_IDLE, NULL);

	for (;;)
	{
		WaitEvent	events[8];
		TimestampTz now = GetCurrentTimestamp();
		long		timeout = target_next_timeout_ms(now);
		long		http_timeout = http_timeout_ms();

		if (http_timeout >= 0 && (timeout < 0 || http_timeout < timeout))
			timeout = http_timeout;
		batch_unpark(now, &timeout);
		waits_poll(now, &timeout);

		/*
		 * Work that arrived after the last batch (a request read by the last
		 * MHD_run, a query that ended while it was being sent): do not sleep.
		 */
		if (batch_due())
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
		call_take_pending(index);
		tools_take_cancels();
		tools_check_deadlines(GetCurrentTimestamp());
		if (batch_due())
			batch_run();
		http_run();
		MemoryContextReset(loop_cxt);
	}
}
