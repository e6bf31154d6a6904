/*
 * request.h
 *		A unit of work inside the worker: one MCP HTTP request, or one tool
 *		call handed over by a SQL backend.
 *
 * Life of a request:
 *   1. http.c collects it (MHD callbacks do no SQL, so no ERROR can unwind
 *      through libmicrohttpd) or call.c takes it from shared memory; it is
 *      queued as pending.
 *   2. worker.c runs every pending request in one transaction, each in its
 *      own subtransaction (mcp.c handles HTTP ones), and commits once: the
 *      audit rows and session rows of a whole batch share one WAL flush.
 *   3. Tools that run on a target database (exec, schema listing) start
 *      their query only after that commit (target.c); the request waits.
 *      When the query ends, the next batch finishes its session.
 *   4. The answer goes back through MHD or shared memory.
 */
#ifndef HOOP_MCP_REQUEST_H
#define HOOP_MCP_REQUEST_H

#include "hoop_mcp.h"

#include "executor/spi.h"
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

typedef struct Request
{
	dlist_node	node;			/* pending queue, or the waiting list */
	MemoryContext cxt;			/* everything below lives here */
	RequestKind kind;
	TimestampTz received_at;

	/* REQ_HTTP: what http.c collected */
	struct MHD_Connection *conn;
	int			daemon_index;
	bool		suspended;
	bool		closed;			/* MHD finished with the connection */
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
	char		client_ip[64];
	bool		client_is_loopback;
	StringInfoData body;
	bool		body_too_large;

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
	bool		audited;		/* its audit row is written */

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
	bool		in_tool;		/* an ERROR now is the tool's answer */
	ToolOutcome outcome;

	/* Parked while the identity provider's keys are refreshed (oauth.c) */
	bool		parked;
	bool		parked_once;
	TimestampTz park_until;
	uint64		park_refreshes;

	/* reviews_wait parked until its review changes (waits.c) */
	bool		waiting;
	char	   *wait_id;
	int			wait_timeout_s;
	TimestampTz wait_started;
	TimestampTz wait_deadline;
	TimestampTz next_heartbeat;
	uint64		wait_seen;		/* changes_review_count() at the last check */

	/* An SSE answer whose events are pushed as they come (http.c) */
	bool		streaming;
	StringInfoData stream;		/* bytes not yet taken by libmicrohttpd */
	size_t		stream_sent;
	bool		stream_done;
	bool		stream_suspended;

	/* A query on a target database in flight for this request */
	struct TargetJob *job;
	TimestampTz deadline;
} Request;

/* worker.c */
extern void worker_enqueue(Request *req);
extern void worker_request_done(Request *req);
extern void worker_target_answered(Request *req);
extern bool worker_try(void (*fn) (void *arg), void *arg, MemoryContext cxt, const char *what);
extern void worker_job_finished(struct TargetJob *job);
extern const char *worker_executor_name(void);
extern bool worker_extension_ready(void);

/* http.c */
extern void http_start(void);
extern void http_add_wait_events(void *wes);
extern void http_run(void);
extern void http_respond(Request *req);
extern long http_timeout_ms(void);
extern void http_stream_start(Request *req);
extern void http_stream_push(Request *req, const char *data, size_t len);

/* mcp.c: the MCP side of a request, run inside the batch transaction */
extern void mcp_handle(Request *req);
extern void mcp_finish_tool(Request *req);
extern void mcp_set_error_response(Request *req, int status, int code, const char *message);

/* auth.c */
extern bool auth_api_key(Request *req, const char *token);
extern bool auth_load_actor(Request *req, const pg_uuid_t *user_id);
extern bool auth_dev_loopback(Request *req);
extern void audit_write(Request *req);

/* tools.c */
extern void tools_reset(void);
extern const char *tools_list_json(void);
extern bool tools_exists(const char *name);
extern bool tools_runs_on_target(const char *name);
extern bool tools_validate(const char *name, Jsonb *args, char **error);
extern void tools_call_sql(Request *req);
extern void tools_begin_target(Request *req);

/* waits.c */
extern void waits_begin(Request *req);
extern void waits_check(Request *req);
extern void waits_park(Request *req);
extern void waits_poll(TimestampTz now, long *timeout);
extern void waits_request_gone(Request *req);

/* target.c */
extern void target_init(void);
extern int	target_epoll_fd(void);
extern void target_start(struct TargetJob *job);
extern void target_poll(void);
extern void target_check_timeouts(TimestampTz now);
extern long target_next_timeout_ms(TimestampTz now);
extern bool target_has_finished(void);
extern bool target_job_is_exec(struct TargetJob *job);
extern void target_finish_sessions(void);
extern void target_request_gone(Request *req);
extern void target_reconcile_on_start(void);

/* call.c (worker side) */
extern void call_take_pending(int worker_index);
extern void call_answer(Request *req);
extern void call_fail_all(int worker_index);


/* cache.c */
extern uint64 cache_generation(void);
extern struct HTAB *cache_table(struct HTAB **table, MemoryContext *cxt, uint64 *built_at,
								const char *name, Size keysize, Size entrysize);
extern void cache_reset(void);

/* plans.c */
extern SPIPlanPtr hoop_plan(const char *sql, int nargs, const Oid *argtypes);
extern void hoop_plans_reset(void);
extern int	hoop_execute_plan(SPIPlanPtr plan, Datum *values, const char *nulls,
							  bool read_only, long tcount);

#endif							/* HOOP_MCP_REQUEST_H */
