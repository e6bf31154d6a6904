/*
 * hoop_mcp.c
 *		Module entry point: settings, shared memory and the workers.
 *
 * The only file above every layer (doc/design.md): it defines the GUCs,
 * asks each module that keeps shared state for its memory, and registers
 * the MCP workers.
 */
#include "lib/common.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "auth/oauth.h"
#include "ipc/cancels.h"
#include "ipc/changes.h"
#include "ipc/workers.h"
#include "mcp/mcp.h"
#include "net/net.h"

PG_MODULE_MAGIC;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);

static void
shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	workers_shmem_request();
	mcp_session_shmem_request();
	handoff_shmem_request();
	oauth_shmem_request();
	changes_shmem_request();
	cancels_shmem_request();
}

static void
shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	workers_shmem_startup();
	mcp_session_shmem_startup();
	handoff_shmem_startup();
	oauth_shmem_startup();
	changes_shmem_startup();
	cancels_shmem_startup();
	LWLockRelease(AddinShmemInitLock);
}

static void
register_workers(void)
{
	for (int i = 0; i < hoop_workers; i++)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = 1;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "hoop_mcp");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "hoop_worker_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "hoop_mcp worker %d", i + 1);
		snprintf(worker.bgw_type, BGW_MAXLEN, "hoop_mcp worker");
		worker.bgw_main_arg = Int32GetDatum(i);
		RegisterBackgroundWorker(&worker);
	}
}

/*
 * The SQL functions work in any backend once the library is loaded; the
 * HTTP workers and the shared memory they use need
 * shared_preload_libraries.
 */
void
_PG_init(void)
{
	config_define();
	changes_init();
	cancels_init();

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = shmem_startup;

	register_workers();
}
