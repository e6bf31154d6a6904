/*
 * cancels.c
 *		Asking the workers to cancel a running exec.
 *
 * Whoever asks (a tool call in any worker, a SQL backend through one)
 * does not know which worker runs the exec: requests go on a small ring
 * in shared memory and every worker's latch is set.  Each worker reads
 * the requests posted since it last looked and cancels the ones that name
 * one of its own jobs.  Cancels are rare; a worker that fell a whole ring
 * behind skips to the oldest request still there.
 *
 * hoop_mcp.sessions_cancel asks through _cancel_at_commit: the request is
 * posted when its transaction commits, never if it aborts.
 */
#include "lib/common.h"

#include "access/xact.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "ipc/cancels.h"
#include "ipc/workers.h"

#define CANCEL_RING 64

typedef struct HoopCancels
{
	slock_t		mutex;
	uint64		last_seq;		/* of the latest request; 0: none yet */
	CancelRequest ring[CANCEL_RING];	/* request seq is at seq % CANCEL_RING */
} HoopCancels;

static HoopCancels *cancels = NULL;
/* Requests to post at commit, in TopTransactionContext */
typedef struct PendingCancel
{
	int			nest_level;		/* of the subtransaction that asked */
	CancelRequest r;
} PendingCancel;

static List *at_commit = NIL;

PG_FUNCTION_INFO_V1(hoop_mcp_cancel_at_commit);

void
cancels_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(HoopCancels)));
}

void
cancels_shmem_startup(void)
{
	bool		found;

	cancels = ShmemInitStruct("hoop_mcp cancels", sizeof(HoopCancels), &found);
	if (!found)
	{
		memset(cancels, 0, sizeof(HoopCancels));
		SpinLockInit(&cancels->mutex);
	}
}

/* Sets r's reason, cut to fit on a character boundary. */
void
cancels_set_reason(CancelRequest *r, const char *reason)
{
	int			len = pg_mbcliplen(reason, strlen(reason), sizeof(r->reason) - 1);

	memcpy(r->reason, reason, len);
	r->reason[len] = '\0';
}

/* Posts r (its seq is set here) and wakes every worker. */
void
cancels_post(CancelRequest *r)
{
	SpinLockAcquire(&cancels->mutex);
	r->seq = ++cancels->last_seq;
	cancels->ring[r->seq % CANCEL_RING] = *r;
	SpinLockRelease(&cancels->mutex);
	for (int i = 0; i < HOOP_MAX_WORKERS; i++)
		hoop_wake_worker(i);
}

/* Where a worker starts reading: requests posted before it ran are not its. */
uint64
cancels_last_seq(void)
{
	uint64		seq;

	SpinLockAcquire(&cancels->mutex);
	seq = cancels->last_seq;
	SpinLockRelease(&cancels->mutex);
	return seq;
}

/* The next request after *seen into *out, or false when there is none. */
bool
cancels_next(uint64 *seen, CancelRequest *out)
{
	bool		found = false;

	SpinLockAcquire(&cancels->mutex);
	if (cancels->last_seq > *seen)
	{
		uint64		seq = Max(*seen + 1, cancels->last_seq >= CANCEL_RING ?
							  cancels->last_seq - CANCEL_RING + 1 : 1);

		*out = cancels->ring[seq % CANCEL_RING];
		*seen = seq;
		found = true;
	}
	SpinLockRelease(&cancels->mutex);
	return found;
}

/*
 * hoop_mcp._cancel_at_commit(session uuid, reason text): cancel the
 * session's exec once the calling transaction commits.
 */
Datum
hoop_mcp_cancel_at_commit(PG_FUNCTION_ARGS)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	PendingCancel *p = palloc0(sizeof(PendingCancel));
	CancelRequest *r = &p->r;

	if (cancels == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hoop_mcp is not loaded by shared_preload_libraries")));
	r->by_session = true;
	r->session = *PG_GETARG_UUID_P(0);
	cancels_set_reason(r, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	p->nest_level = GetCurrentTransactionNestLevel();
	at_commit = lappend(at_commit, p);
	MemoryContextSwitchTo(old);
	PG_RETURN_VOID();
}

static void
cancels_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (at_commit == NIL)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
		foreach(lc, at_commit)
			cancels_post(&((PendingCancel *) lfirst(lc))->r);
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		at_commit = NIL;		/* its memory goes with the transaction */
}

/* A subtransaction that rolls back takes its requests with it. */
static void
cancels_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	foreach(lc, at_commit)
	{
		if (((PendingCancel *) lfirst(lc))->nest_level >= level)
			at_commit = foreach_delete_current(at_commit, lc);
	}
}

void
cancels_init(void)
{
	RegisterXactCallback(cancels_xact_callback, NULL);
	RegisterSubXactCallback(cancels_subxact_callback, NULL);
}
