/*
 * shmem.c
 *		hoop_mcp's shared memory: which workers run, MCP sessions, SQL calls,
 *		review changes.
 */
#include "hoop_mcp.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "oauth.h"

typedef struct HoopWorkers
{
	slock_t		mutex;
	int			procno[HOOP_MAX_WORKERS];	/* -1 while not running */
} HoopWorkers;

static HoopWorkers *hoop_workers_state = NULL;

void
hoop_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(HoopWorkers)));
	RequestAddinShmemSpace(mcp_session_shmem_size());
	RequestAddinShmemSpace(hoop_call_shmem_size());
	RequestAddinShmemSpace(oauth_shmem_size());
	RequestAddinShmemSpace(changes_shmem_size());
	RequestNamedLWLockTranche("hoop_mcp", 2);
}

void
hoop_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hoop_workers_state = ShmemInitStruct("hoop_mcp workers", sizeof(HoopWorkers), &found);
	if (!found)
	{
		SpinLockInit(&hoop_workers_state->mutex);
		for (int i = 0; i < HOOP_MAX_WORKERS; i++)
			hoop_workers_state->procno[i] = -1;
	}
	mcp_session_shmem_init(found);
	hoop_call_shmem_init(found);
	oauth_shmem_init(found);
	changes_shmem_init();
	LWLockRelease(AddinShmemInitLock);
}

/* True when hoop_mcp was loaded by shared_preload_libraries. */
bool
hoop_shmem_ready(void)
{
	return hoop_workers_state != NULL;
}

void
hoop_shmem_worker_attach(int index)
{
	SpinLockAcquire(&hoop_workers_state->mutex);
	hoop_workers_state->procno[index] = MyProc->pgprocno;
	SpinLockRelease(&hoop_workers_state->mutex);
}

void
hoop_shmem_worker_detach(int index)
{
	SpinLockAcquire(&hoop_workers_state->mutex);
	hoop_workers_state->procno[index] = -1;
	SpinLockRelease(&hoop_workers_state->mutex);
}

bool
hoop_worker_running(int index)
{
	int			procno;

	if (!hoop_shmem_ready() || index < 0 || index >= HOOP_MAX_WORKERS)
		return false;
	SpinLockAcquire(&hoop_workers_state->mutex);
	procno = hoop_workers_state->procno[index];
	SpinLockRelease(&hoop_workers_state->mutex);
	return procno >= 0;
}

/* Sets a worker's latch, e.g. when a SQL call is queued for it. */
void
hoop_wake_worker(int index)
{
	int			procno;

	SpinLockAcquire(&hoop_workers_state->mutex);
	procno = hoop_workers_state->procno[index];
	SpinLockRelease(&hoop_workers_state->mutex);
	if (procno >= 0)
		SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}
