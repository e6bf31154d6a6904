/*
 * handoff.c
 *		Tool calls handed from SQL backends to a worker.
 *
 * hoop_mcp.exec() and the schema tools must run in the worker: it is the
 * only executor, and it writes the session row in its own transactions, so
 * the audit trail never depends on whether the caller commits.  The caller
 * puts its request in a dynamic shared memory segment, fills a slot and
 * sets the worker's latch; the worker answers in a segment it pins, and the
 * caller, woken through a condition variable, reads and unpins it.
 */
#include "lib/common.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/condition_variable.h"
#include "storage/dsm.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "ipc/workers.h"
#include "net/net.h"
#include "request/request.h"

#define CALL_SLOTS 64

typedef enum SlotState
{
	SLOT_FREE,
	SLOT_RESERVED,				/* claimed by a caller, being filled */
	SLOT_QUEUED,				/* written by the caller */
	SLOT_RUNNING,				/* taken by the worker */
	SLOT_DONE,					/* answered (or failed) */
	SLOT_ABANDONED				/* the caller gave up while running */
} SlotState;

typedef struct CallSlot
{
	SlotState	state;
	int			worker;
	pg_uuid_t	actor;
	dsm_handle	request;		/* tool name, NUL, arguments JSON, NUL */
	dsm_handle	response;		/* CallResponse */
	bool		failed;			/* the worker stopped before answering */
} CallSlot;

typedef struct CallShared
{
	ConditionVariable cv;		/* any slot became DONE or FREE */
	CallSlot	slots[CALL_SLOTS];
} CallShared;

typedef struct CallResponse
{
	bool		is_error;
	bool		is_json;		/* a JSON document; else plain text */
	int			sqlerrcode;
	Size		len;
	char		text[FLEXIBLE_ARRAY_MEMBER];
} CallResponse;

static CallShared *calls = NULL;
static LWLock *calls_lock = NULL;

void
handoff_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(CallShared)));
	RequestNamedLWLockTranche("hoop_mcp calls", 1);
}

void
handoff_shmem_startup(void)
{
	bool		f;

	calls = ShmemInitStruct("hoop_mcp calls", sizeof(CallShared), &f);
	if (!f)
	{
		memset(calls, 0, sizeof(CallShared));
		ConditionVariableInit(&calls->cv);
	}
	calls_lock = &(GetNamedLWLockTranche("hoop_mcp calls"))[0].lock;
}

/* ----- caller side (any backend) ----- */

static int
claim_slot(void)
{
	for (;;)
	{
		ConditionVariablePrepareToSleep(&calls->cv);
		LWLockAcquire(calls_lock, LW_EXCLUSIVE);
		for (int i = 0; i < CALL_SLOTS; i++)
		{
			if (calls->slots[i].state == SLOT_FREE)
			{
				calls->slots[i].state = SLOT_RESERVED;
				LWLockRelease(calls_lock);
				ConditionVariableCancelSleep();
				return i;
			}
		}
		LWLockRelease(calls_lock);
		ConditionVariableSleep(&calls->cv, HOOP_WAIT_EVENT_CALL);
	}
}

static void
release_slot(int i)
{
	LWLockAcquire(calls_lock, LW_EXCLUSIVE);
	calls->slots[i].state = SLOT_FREE;
	LWLockRelease(calls_lock);
	ConditionVariableBroadcast(&calls->cv);
}

/* The caller gave up (cancel, timeout): tidy the slot whatever its state. */
static void
abandon_slot(int i)
{
	dsm_handle	resp = DSM_HANDLE_INVALID;
	bool		free_it = false;

	LWLockAcquire(calls_lock, LW_EXCLUSIVE);
	switch (calls->slots[i].state)
	{
		case SLOT_RESERVED:
		case SLOT_QUEUED:
			free_it = true;
			break;
		case SLOT_RUNNING:
			calls->slots[i].state = SLOT_ABANDONED;
			break;
		case SLOT_DONE:
			resp = calls->slots[i].response;
			free_it = true;
			break;
		default:
			break;
	}
	if (free_it)
		calls->slots[i].state = SLOT_FREE;
	LWLockRelease(calls_lock);
	if (resp != DSM_HANDLE_INVALID)
		dsm_unpin_segment(resp);
	if (free_it)
		ConditionVariableBroadcast(&calls->cv);
}

/*
 * The hoop_mcp user the calling role maps to (errors if none).  _actor()
 * is not granted to callers, so it runs as the extension's owner; it still
 * sees the caller, through GetOuterUserId().
 */
static pg_uuid_t
caller_actor(void)
{
	pg_uuid_t	id;
	bool		isnull;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'hoop_mcp'", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_extension");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hoop_mcp is not installed in this database")));
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		if (SPI_execute("SELECT (hoop_mcp._actor()).id", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not resolve the calling user");
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	id = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}

PG_FUNCTION_INFO_V1(hoop_mcp_worker_call);

/*
 * hoop_mcp._worker_call(tool text, arguments jsonb) RETURNS jsonb
 *
 * Hands a tool call to a worker and waits for its answer.  An isError
 * answer becomes an ERROR with the tool's text.
 */
Datum
hoop_mcp_worker_call(PG_FUNCTION_ARGS)
{
	char	   *tool = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *args = PG_GETARG_JSONB_P(1);
	char	   *args_text = JsonbToCString(NULL, &args->root, VARSIZE(args));
	size_t		tool_len = strlen(tool) + 1;
	size_t		args_len = strlen(args_text) + 1;
	pg_uuid_t	actor;
	int			worker;
	dsm_segment *seg;
	int			slot;
	CallResponse *resp = NULL;
	char	   *dbname;

	if (!hoop_shmem_ready())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hoop_mcp is not loaded by shared_preload_libraries"),
				 errhint("Add hoop_mcp to shared_preload_libraries in postgresql.conf and restart the server.")));
	dbname = get_database_name(MyDatabaseId);
	if (strcmp(dbname, hoop_database) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s runs only in database \"%s\", where the hoop_mcp worker runs", tool, hoop_database),
				 errhint("Connect to database \"%s\", or set hoop_mcp.database.", hoop_database)));
	actor = caller_actor();
	worker = MyProcPid % hoop_workers;
	if (!hoop_worker_running(worker))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the hoop_mcp worker is not running"),
				 errhint("Check the server log; the worker restarts by itself after a failure.")));

	seg = dsm_create(tool_len + args_len, 0);
	memcpy(dsm_segment_address(seg), tool, tool_len);
	memcpy((char *) dsm_segment_address(seg) + tool_len, args_text, args_len);

	slot = claim_slot();
	PG_TRY();
	{
		CallSlot   *s = &calls->slots[slot];
		dsm_handle	resp_handle = DSM_HANDLE_INVALID;
		bool		failed = false;

		LWLockAcquire(calls_lock, LW_EXCLUSIVE);
		s->worker = worker;
		s->actor = actor;
		s->request = dsm_segment_handle(seg);
		s->response = DSM_HANDLE_INVALID;
		s->failed = false;
		s->state = SLOT_QUEUED;
		LWLockRelease(calls_lock);
		hoop_wake_worker(worker);

		for (;;)
		{
			bool		done;

			ConditionVariablePrepareToSleep(&calls->cv);
			LWLockAcquire(calls_lock, LW_SHARED);
			done = s->state == SLOT_DONE;
			resp_handle = s->response;
			failed = s->failed;
			LWLockRelease(calls_lock);
			if (done)
				break;
			if (!hoop_worker_running(worker))
			{
				failed = true;
				break;
			}
			/* Wake now and then to notice a worker that died. */
			ConditionVariableTimedSleep(&calls->cv, 1000, HOOP_WAIT_EVENT_CALL);
		}
		ConditionVariableCancelSleep();

		if (!failed && resp_handle != DSM_HANDLE_INVALID)
		{
			dsm_segment *rseg = dsm_attach(resp_handle);
			CallResponse *r;

			if (rseg == NULL)
				elog(ERROR, "could not attach to the worker's answer");
			r = dsm_segment_address(rseg);
			resp = palloc(offsetof(CallResponse, text) + r->len + 1);
			memcpy(resp, r, offsetof(CallResponse, text) + r->len);
			resp->text[r->len] = '\0';
			dsm_detach(rseg);
			dsm_unpin_segment(resp_handle);
		}
		release_slot(slot);
	}
	PG_CATCH();
	{
		abandon_slot(slot);
		PG_RE_THROW();
	}
	PG_END_TRY();
	dsm_detach(seg);

	if (resp == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("the hoop_mcp worker stopped before answering"),
				 errhint("If the call was an exec, its session is finished with exit code 254; see hoop_mcp.sessions.")));
	if (resp->is_error)
		ereport(ERROR,
				(errcode(resp->sqlerrcode ? resp->sqlerrcode : ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("%s", resp->text)));
	if (!resp->is_json)
	{
		JsonbValue	v;

		v.type = jbvString;
		v.val.string.val = resp->text;
		v.val.string.len = resp->len;
		PG_RETURN_JSONB_P(JsonbValueToJsonb(&v));
	}
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(resp->text)));
}

/* ----- worker side ----- */

static void call_answer(Request *req);

/* Takes every call queued for this worker and queues it as a request. */
void
call_take_pending(int worker_index)
{
	for (int i = 0; i < CALL_SLOTS; i++)
	{
		CallSlot   *s = &calls->slots[i];
		dsm_handle	handle;
		pg_uuid_t	actor;
		dsm_segment *seg;
		MemoryContext old;
		Request    *req;
		const char *data;

		if (s->state != SLOT_QUEUED || s->worker != worker_index)
			continue;			/* unlocked peek; checked again below */
		LWLockAcquire(calls_lock, LW_EXCLUSIVE);
		if (s->state != SLOT_QUEUED || s->worker != worker_index)
		{
			LWLockRelease(calls_lock);
			continue;
		}
		s->state = SLOT_RUNNING;
		handle = s->request;
		actor = s->actor;
		LWLockRelease(calls_lock);

		seg = dsm_attach(handle);
		if (seg == NULL)
		{
			/* The caller is gone already. */
			LWLockAcquire(calls_lock, LW_EXCLUSIVE);
			s->state = SLOT_FREE;
			LWLockRelease(calls_lock);
			ConditionVariableBroadcast(&calls->cv);
			continue;
		}
		req = request_new(REQ_CALL);
		old = MemoryContextSwitchTo(req->cxt);
		req->deliver = call_answer;
		req->call_slot = i;
		req->actor.id = actor;
		data = dsm_segment_address(seg);
		req->tool_name = pstrdup(data);
		req->call_args = pstrdup(data + strlen(data) + 1);
		MemoryContextSwitchTo(old);
		dsm_detach(seg);
		request_enqueue(req);
	}
}

static void
finish_slot(int i, dsm_handle resp, bool failed)
{
	CallSlot   *s = &calls->slots[i];
	bool		abandoned;

	LWLockAcquire(calls_lock, LW_EXCLUSIVE);
	abandoned = s->state == SLOT_ABANDONED;
	if (abandoned)
		s->state = SLOT_FREE;
	else
	{
		s->response = resp;
		s->failed = failed;
		s->state = SLOT_DONE;
	}
	LWLockRelease(calls_lock);
	if (abandoned && resp != DSM_HANDLE_INVALID)
		dsm_unpin_segment(resp);
	ConditionVariableBroadcast(&calls->cv);
}

/*
 * The request's sink: sends its outcome back to its caller, then frees
 * the request.  A plain-text success comes back as a JSON string.
 */
static void
call_answer(Request *req)
{
	ToolOutcome *o = &req->outcome;
	dsm_segment *seg;
	CallResponse *r;

	seg = dsm_create(offsetof(CallResponse, text) + o->len, 0);
	r = dsm_segment_address(seg);
	r->is_error = o->is_error;
	r->is_json = o->is_json;
	r->sqlerrcode = o->is_error ? o->sqlerrcode : 0;
	r->len = o->len;
	memcpy(r->text, o->text, o->len);
	dsm_pin_segment(seg);
	finish_slot(req->call_slot, dsm_segment_handle(seg), false);
	dsm_detach(seg);
	MemoryContextDelete(req->cxt);
}

/* At worker start and exit: calls it held can no longer be answered. */
void
call_fail_all(int worker_index)
{
	if (calls == NULL)
		return;
	for (int i = 0; i < CALL_SLOTS; i++)
	{
		CallSlot   *s = &calls->slots[i];

		if (s->worker == worker_index &&
			(s->state == SLOT_RUNNING || s->state == SLOT_ABANDONED))
			finish_slot(i, DSM_HANDLE_INVALID, true);
	}
}
