/*
 * workers.c
 *		Which MCP workers run, and waking them.
 *
 * Each worker puts its PGPROC number in a slot of shared memory while it
 * runs, so that a SQL backend handing it a call (net/handoff.c), a commit
 * that changed a review (changes.c) or the key refresher (auth/oauth.c) can
 * set its latch.  A worker also knows its own index here: sessions record
 * it as their executor ("worker 1").
 */
#include "lib/common.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "ipc/workers.h"

typedef struct HoopWorkers
{
	slock_t		mutex;
	int			procno[HOOP_MAX_WORKERS];	/* -1 while not running */
} HoopWorkers;

static HoopWorkers *hoop_workers_state = NULL;
static int	my_index = -1;
static char executor_name[32];

void
workers_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(HoopWorkers)));
}

void
workers_shmem_startup(void)
{
	bool		found;

	hoop_workers_state = ShmemInitStruct("hoop_mcp workers", sizeof(HoopWorkers), &found);
	if (!found)
	{
		SpinLockInit(&hoop_workers_state->mutex);
		for (int i = 0; i < HOOP_MAX_WORKERS; i++)
			hoop_workers_state->procno[i] = -1;
	}
}

/* True when hoop_mcp was loaded by shared_preload_libraries. */
bool
hoop_shmem_ready(void)
{
	return hoop_workers_state != NULL;
}

/* The calling worker announces itself as worker index (0-based). */
void
hoop_worker_attach(int index)
{
	my_index = index;
	snprintf(executor_name, sizeof(executor_name), "worker %d", index + 1);
	SpinLockAcquire(&hoop_workers_state->mutex);
	hoop_workers_state->procno[index] = MyProc->pgprocno;
	SpinLockRelease(&hoop_workers_state->mutex);
}

void
hoop_worker_detach(void)
{
	SpinLockAcquire(&hoop_workers_state->mutex);
	hoop_workers_state->procno[my_index] = -1;
	SpinLockRelease(&hoop_workers_state->mutex);
}

/* This worker's index, or -1 outside the workers. */
int
hoop_worker_index(void)
{
	return my_index;
}

/* How sessions name this worker: "worker 1". */
const char *
hoop_executor_name(void)
{
	return executor_name;
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
