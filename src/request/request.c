/*
 * request.c
 *		A request's life: its queues, its answer, its end (request.h).
 *
 * Requests live on one list at a time, through their node: pending (for
 * the next batch), answered (waiting for the batch's commit or for their
 * audit row), or a list of the module holding them (parked, waiting).
 * Whatever list that is, a request that goes away takes itself off it: a
 * callback on its memory context does, so the producer that frees it need
 * not know who held it.
 */
#include "lib/common.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "request/request.h"

static dlist_head pending = DLIST_STATIC_INIT(pending);
static dlist_head answered = DLIST_STATIC_INIT(answered);

/* The request's memory goes: off whatever list it is on. */
static void
request_gone(void *arg)
{
	Request    *req = arg;

	if (req->on_list)
		dlist_delete(&req->node);
	req->on_list = false;
}

/* A new request in its own memory context under TopMemoryContext. */
Request *
request_new(RequestKind kind)
{
	MemoryContext cxt = kind == REQ_HTTP ?
		AllocSetContextCreate(TopMemoryContext, "hoop_mcp request", ALLOCSET_DEFAULT_SIZES) :
		AllocSetContextCreate(TopMemoryContext, "hoop_mcp call", ALLOCSET_DEFAULT_SIZES);
	Request    *req = MemoryContextAllocZero(cxt, sizeof(Request));
	MemoryContextCallback *cb = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));

	req->cxt = cxt;
	req->kind = kind;
	req->received_at = GetCurrentTimestamp();
	cb->func = request_gone;
	cb->arg = req;
	MemoryContextRegisterResetCallback(cxt, cb);
	return req;
}

/* Keeps the request on a list until request_release. */
void
request_hold(dlist_head *list, Request *req)
{
	Assert(!req->on_list);
	dlist_push_tail(list, &req->node);
	req->on_list = true;
}

void
request_release(Request *req)
{
	Assert(req->on_list);
	dlist_delete(&req->node);
	req->on_list = false;
}

static Request *
pop(dlist_head *list)
{
	Request    *req;

	if (dlist_is_empty(list))
		return NULL;
	req = dlist_container(Request, node, dlist_pop_head_node(list));
	req->on_list = false;
	return req;
}

/* Queues a request for the next batch. */
void
request_enqueue(Request *req)
{
	request_hold(&pending, req);
}

Request *
request_next_pending(void)
{
	return pop(&pending);
}

/* Whether the next turn of the loop has a batch to run. */
bool
request_work_waiting(void)
{
	return !dlist_is_empty(&pending) || !dlist_is_empty(&answered);
}

/*
 * The request has its answer.  It goes out now when nothing precedes it;
 * inside a transaction it waits for the commit, and one whose audit row is
 * due waits for the batch that writes it.
 */
void
request_finish(Request *req)
{
	if (IsTransactionState() || req->audit_due)
	{
		request_hold(&answered, req);
		return;
	}
	request_deliver(req);
}

/* Calls fn on each answered request (the batch writes their audit rows). */
void
request_each_answered(void (*fn) (Request *req))
{
	dlist_iter	iter;

	dlist_foreach(iter, &answered)
		fn(dlist_container(Request, node, iter.cur));
}

Request *
request_next_answered(void)
{
	return pop(&answered);
}

/* Sends the answer through the request's sink; a call is freed by it. */
void
request_deliver(Request *req)
{
	req->deliver(req);
}

/*
 * Its headers were authenticated: the producer reads the body it held
 * back and queues the request again.
 */
void
request_admit_body(Request *req)
{
	req->admit_body(req);
}

/* ----- outcomes ----- */

static void
set_outcome(Request *req, bool is_error, int sqlerrcode, bool is_json, const char *text, size_t len)
{
	ToolOutcome *o = &req->outcome;

	o->is_error = is_error;
	o->sqlerrcode = sqlerrcode;
	o->is_json = is_json;
	o->text = MemoryContextAlloc(req->cxt, len + 1);
	memcpy(o->text, text, len);
	o->text[len] = '\0';
	o->len = len;
}

/* A tool answered a JSON document. */
void
request_outcome_json(Request *req, const char *json)
{
	set_outcome(req, false, 0, true, json, strlen(json));
}

/* A tool answered plain text (hoop's textResult). */
void
request_outcome_text(Request *req, const char *text, size_t len)
{
	set_outcome(req, false, 0, false, text, len);
}

/* A tool failed: isError over MCP, an ERROR with sqlerrcode in SQL. */
void
request_outcome_error(Request *req, int sqlerrcode, const char *message)
{
	set_outcome(req, true, sqlerrcode, false, message, strlen(message));
}

/* ----- answers in parts ----- */

/* Pushes bytes of a streamed answer (an SSE event); starts the stream. */
void
request_stream(Request *req, const char *data, size_t len)
{
	if (req->push)
		req->push(req, data, len);
}

/* Reports progress, if the client asked for it and its transport can. */
void
request_progress(Request *req, double progress, int total, const char *message)
{
	if (req->progress)
		req->progress(req, progress, total, message);
}
