/*
 * request.h
 *		A unit of work inside the worker: one MCP HTTP request, or one tool
 *		call handed over by a SQL backend.
 *
 * Life of a request (request.c owns it):
 *   1. net/http.c collects it (MHD callbacks do no SQL, so no ERROR can
 *      unwind through libmicrohttpd) or net/handoff.c takes it from shared
 *      memory; request_enqueue() makes it pending.  The producer sets its
 *      sink: how the answer is delivered and how a stream is pushed.  An
 *      HTTP request whose token the worker does not already know to be
 *      good is queued with its headers only (BODY_GATED); once the batch
 *      has authenticated it, request_admit_body() has its body read and it
 *      is queued again.
 *   2. The worker's batch (worker/batch.c) runs every pending request in
 *      one transaction, each in its own subtransaction (mcp/ handles HTTP
 *      ones, tools/ the tool calls), and commits once: the audit rows and
 *      session rows of a whole batch share one WAL flush.
 *   3. A request may wait: parked (OAuth keys), waiting (reviews_wait,
 *      tools/reviews_wait.c) or on a query on a target database
 *      (tools/on_target.c, started after the commit by target/driver.c).
 *   4. request_finish() is the one way a request is answered: at once
 *      outside a transaction, after the commit inside one, and always after
 *      its audit row.  The sink delivers it; deleting its memory context
 *      ends it, and callbacks registered on that context tell whoever
 *      still holds it.
 */
#ifndef HOOP_MCP_REQUEST_H
#define HOOP_MCP_REQUEST_H

#include "lib/common.h"

#include "lib/ilist.h"
#include "utils/jsonb.h"

struct MHD_Connection;
struct TargetJob;

typedef enum RequestKind
{
	REQ_HTTP,					/* an MCP request over HTTP */
	REQ_CALL					/* a tool call from a SQL backend */
} RequestKind;

/* Who a request acts for, once authenticated. */
typedef struct Actor
{
	pg_uuid_t	id;
	char	   *subject;
	char	   *email;
	char	   *name;
	Datum		groups;			/* text[] */
	bool		is_admin;
	bool		is_auditor;
} Actor;

/* What a tool answered: JSON (or a plain text) on success, or an error. */
typedef struct ToolOutcome
{
	bool		is_error;
	int			sqlerrcode;
	bool		is_json;		/* text is a JSON document, not plain text */
	char	   *text;
	size_t		len;
} ToolOutcome;

/* REQ_HTTP: whether its body may be read yet (net/http.c) */
typedef enum BodyGate
{
	BODY_OPEN,					/* read as it comes: its token is known good */
	BODY_GATED,					/* headers only, queued: authenticate first */
	BODY_ADMITTED				/* authenticated: read the body, queue again */
} BodyGate;

typedef struct Request Request;

struct Request
{
	dlist_node	node;			/* on one list at a time (request_hold) */
	bool		on_list;
	MemoryContext cxt;			/* everything below lives here */
	RequestKind kind;
	TimestampTz received_at;
	int			runs;			/* batches it ran in */

	/* The sink, set by its producer (net/) */
	void		(*deliver) (Request *req);	/* send the answer; frees a call */
	void		(*push) (Request *req, const char *data, size_t len);	/* stream bytes */
	void		(*admit_body) (Request *req);	/* read the body it held back */

	/* REQ_HTTP: what http.c collected */
	struct MHD_Connection *conn;
	bool		suspended;
	char	   *method;
	char	   *path;
	char	   *authorization;
	char	   *mcp_session_id;
	char	   *protocol_version;
	char	   *accept;
	char	   *content_type;
	char	   *origin;
	char	   *host;
	char	   *query_string_token;	/* set when a token came in the URL */
	bool		headers_ambiguous;	/* an identity header sent twice */
	char		client_ip[64];
	bool		client_is_loopback;
	BodyGate	body_gate;
	bool		body_public;	/* an OAuth route: read before anyone is known */
	StringInfoData body;
	bool		body_too_large;
	bool		body_refused;	/* too many bodies in flight */

	/* REQ_CALL: the slot and the arguments the SQL backend sent (JSON) */
	int			call_slot;
	char	   *call_args;

	/* Identity */
	bool		authenticated;
	Actor		actor;

	/* JSON-RPC */
	Jsonb	   *rpc;			/* the parsed body */
	char	   *rpc_id;			/* the id as JSON text, NULL for notifications */
	char	   *rpc_method;
	char	   *tool_name;
	Jsonb	   *tool_args;
	char	   *progress_token; /* JSON text, NULL if none */

	/* Audit */
	char	   *error_message;
	bool		audit_due;		/* its audit row must precede its answer */
	bool		audit_at_answer;	/* written with the answer, not at the start */

	/* Response (HTTP) */
	int			status;
	StringInfoData response;
	const char *response_type;
	char	   *new_session_id;
	char	   *www_authenticate;
	bool		allow_header;	/* 405: add Allow */
	const char *cache_control;	/* NULL: no-store */
	bool		response_ready;
	bool		want_sse;

	/* Outcome (tools/call and REQ_CALL) */
	bool		in_tool;		/* the outcome is the answer; an ERROR now is too */
	ToolOutcome outcome;
	/* Progress notifications, when the client takes them (mcp/) */
	void		(*progress) (Request *req, double progress, int total, const char *message);

	/* Parked while the identity provider's keys are refreshed (auth/oauth.c) */
	bool		parked;
	bool		parked_once;
	TimestampTz park_until;
	uint64		park_refreshes;

	/* reviews_wait parked until its review changes (tools/reviews_wait.c) */
	bool		waiting;
	char	   *wait_id;
	int			wait_timeout_s;
	TimestampTz wait_started;
	TimestampTz wait_deadline;
	TimestampTz next_heartbeat;
	uint64		wait_seen;		/* changes_review_count() at the last check */

	/* An SSE answer whose events are pushed as they come (net/http.c) */
	bool		streaming;
	StringInfoData stream;		/* bytes not yet taken by libmicrohttpd */
	size_t		stream_sent;
	bool		stream_done;
	bool		stream_suspended;

	/* The query on a target database this request waits for */
	struct TargetJob *job;
};

/* request.c: a request's life */
extern Request *request_new(RequestKind kind);
extern void request_enqueue(Request *req);
extern Request *request_next_pending(void);
extern bool request_work_waiting(void);
extern void request_hold(dlist_head *list, Request *req);
extern void request_release(Request *req);
extern void request_finish(Request *req);
extern void request_each_answered(void (*fn) (Request *req));
extern Request *request_next_answered(void);
extern void request_deliver(Request *req);
extern void request_admit_body(Request *req);

/* request.c: what a tool answered */
extern void request_outcome_json(Request *req, const char *json);
extern void request_outcome_text(Request *req, const char *text, size_t len);
extern void request_outcome_error(Request *req, int sqlerrcode, const char *message);

/* request.c: an answer sent in parts */
extern void request_stream(Request *req, const char *data, size_t len);
extern void request_progress(Request *req, double progress, int total, const char *message);

#endif							/* HOOP_MCP_REQUEST_H */
