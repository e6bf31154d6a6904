/*
 * target.c
 *		Running queries on target databases from the worker's event loop.
 *
 * libpq in non-blocking mode: connections are started with
 * PQconnectStartParams and driven by PQconnectPoll, queries by psql_run
 * (psql_run.c), all from the worker's loop through one epoll fd that holds
 * every target socket.  Idle connections are pooled per connection string;
 * before a connection goes back to the pool it runs DISCARD ALL, so an
 * exec never sees another's session state (each psql run starts afresh).
 *
 * exec: the session row was committed before target_start; when the query
 * ends, the worker's next batch finishes the row (target_finish_sessions)
 * and answers.  After hoop_mcp.exec_wait_timeout the caller gets "running"
 * and the query goes on.  An exec an access request rule covers stores a
 * PENDING review instead; reviews_execute later runs its stored input in
 * the same session and marks the review EXECUTED when it ends.
 */
#include "hoop_mcp.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "libpq-fe.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "connections.h"
#include "json.h"
#include "psql_run.h"
#include "rows.h"
#include "request.h"
#include "target.h"

#define SCHEMA_TIMEOUT_MS 30000
#define POOL_IDLE_TIMEOUT_MS 60000
#define POOL_MAX_IDLE 64

typedef enum JobKind
{
	JOB_EXEC,
	JOB_DATABASES,
	JOB_TABLES,
	JOB_COLUMNS
} JobKind;

typedef enum ConnState
{
	TC_CONNECTING,
	TC_BUSY,					/* running a job */
	TC_RESETTING,				/* DISCARD ALL before going idle */
	TC_IDLE
} ConnState;

typedef struct Pool Pool;
typedef struct TargetJob TargetJob;

typedef struct TargetConn
{
	dlist_node	node;			/* in the pool's idle list while idle */
	Pool	   *pool;
	PGconn	   *conn;
	int			sock;			/* registered with the epoll fd, or -1 */
	uint32		events;
	ConnState	state;
	TargetJob  *job;
	TimestampTz idle_since;
} TargetConn;

struct Pool
{
	char	   *key;			/* keywords and values, NUL-separated */
	int			key_len;
	const char **keywords;
	const char **values;
	dlist_head	idle;
	int			nidle;
};

struct TargetJob
{
	dlist_node	node;			/* in the finished list */
	MemoryContext cxt;
	JobKind		kind;
	bool		review;			/* reviews_execute: the review becomes EXECUTED */
	Request    *req;			/* NULL once answered or gone */
	pg_uuid_t	session_id;
	bool		allow_passwordless;
	char	   *connection_name;
	char	   *connection_subtype;
	char	   *database;
	char	   *table;
	char	   *schema;
	char	   *input;
	Pool	   *pool;
	TargetConn *tc;
	PsqlRun    *run;
	TimestampTz started_at;
	TimestampTz deadline;
	bool		done;
	int			exit_code;
	const char *output;
	size_t		output_len;
	bool		truncated;
	long		elapsed_ms;
};

static int	epfd = -1;
static List *pools = NIL;
static MemoryContext target_cxt = NULL;
static List *active_jobs = NIL;
static dlist_head finished = DLIST_STATIC_INIT(finished);

static const char *const databases_sql =
"SELECT datname AS database_name FROM pg_catalog.pg_database"
" WHERE datistemplate = false AND datname != 'postgres' AND datname != 'rdsadmin'"
" ORDER BY datname;";

static const char *const tables_sql =
"SELECT n.nspname AS schema_name,"
"       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' ELSE 'table' END AS object_type,"
"       c.relname AS object_name"
"  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
"   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
"   AND n.nspname !~ '^pg_(toast_)?temp_'"
" ORDER BY 1, 3;";

static const char *const columns_sql =
"SELECT a.attname AS column_name,"
"       pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,"
"       NOT a.attnotnull AS nullable"
"  FROM pg_catalog.pg_attribute a"
"  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
"  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
" WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped"
" ORDER BY a.attnum;";


/* hoop's access-request interceptor: must this exec be reviewed? */
static const char *const gate_sql =
"SELECT review_type, (rule).name FROM hoop_mcp._exec_gate($1, $2, $3)";

static const char *const review_open_sql =
"SELECT hoop_mcp._review_open($1, $2, $3)";

static const char *const review_begin_sql =
"SELECT session_id, connection_name, input FROM hoop_mcp._review_execute_begin($1, $2)";

static const char *const review_executed_sql =
"UPDATE hoop_mcp.reviews SET status = 'EXECUTED' WHERE session_id = $1 AND status = 'PROCESSING'";

static const char *const reconcile_sql =
"UPDATE hoop_mcp.sessions"
"   SET status = 'done', exit_code = 254, ended_at = clock_timestamp(), executor = NULL,"
"       output = coalesce(output, '') || $2"
" WHERE status <> 'done' AND executor IS NOT NULL"
"   AND (executor = $1 OR executor !~ ('^worker [1-' || $3 || ']$'))";

/* hoop's ReconcileStaleReviews: PROCESSING whose session ended. */
static const char *const reconcile_reviews_sql =
"UPDATE hoop_mcp.reviews r SET status = 'EXECUTED'"
"  FROM hoop_mcp.sessions s"
" WHERE s.id = r.session_id AND r.status = 'PROCESSING' AND s.status = 'done'";

void
target_init(void)
{
	target_cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp targets", ALLOCSET_DEFAULT_SIZES);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		ereport(FATAL,
				(errcode_for_socket_access(),
				 errmsg("could not create epoll instance: %m")));
}

int
target_epoll_fd(void)
{
	return epfd;
}

/* Tells epoll what tc waits for; follows a socket change in libpq. */
static void
watch(TargetConn *tc, uint32 events)
{
	int			sock = PQsocket(tc->conn);
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = tc;
	if (sock != tc->sock)
	{
		if (tc->sock >= 0)
			(void) epoll_ctl(epfd, EPOLL_CTL_DEL, tc->sock, NULL);
		tc->sock = sock;
		tc->events = 0;
		if (sock < 0)
			return;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, sock, &ev) < 0)
			elog(ERROR, "epoll_ctl(ADD) failed: %m");
	}
	else if (events != tc->events &&
			 epoll_ctl(epfd, EPOLL_CTL_MOD, sock, &ev) < 0)
		elog(ERROR, "epoll_ctl(MOD) failed: %m");
	tc->events = events;
}

static void
close_conn(TargetConn *tc)
{
	if (tc->sock >= 0)
		(void) epoll_ctl(epfd, EPOLL_CTL_DEL, tc->sock, NULL);
	if (tc->state == TC_IDLE)
	{
		dlist_delete(&tc->node);
		tc->pool->nidle--;
	}
	PQfinish(tc->conn);
	pfree(tc);
}

static Pool *
find_pool(TargetJob *job, char **keywords, char **values, int n)
{
	StringInfoData key;
	ListCell   *lc;
	Pool	   *pool;
	MemoryContext old;

	initStringInfo(&key);
	for (int i = 0; i < n; i++)
		appendStringInfo(&key, "%s=%s%c", keywords[i], values[i], '\0');
	appendStringInfo(&key, "pwless=%d", job->allow_passwordless);
	foreach(lc, pools)
	{
		pool = lfirst(lc);
		if (pool->key_len == key.len && memcmp(pool->key, key.data, key.len) == 0)
			return pool;
	}
	old = MemoryContextSwitchTo(target_cxt);
	pool = palloc0(sizeof(Pool));
	pool->key = palloc(key.len + 1);
	memcpy(pool->key, key.data, key.len + 1);
	pool->key_len = key.len;
	pool->keywords = palloc0(sizeof(char *) * (n + 3));
	pool->values = palloc0(sizeof(char *) * (n + 3));
	for (int i = 0; i < n; i++)
	{
		pool->keywords[i] = pstrdup(keywords[i]);
		pool->values[i] = pstrdup(values[i]);
	}
	pool->keywords[n] = "fallback_application_name";
	pool->values[n] = "hoop_mcp";
	pool->keywords[n + 1] = "client_encoding";
	pool->values[n + 1] = "UTF8";
	dlist_init(&pool->idle);
	pools = lappend(pools, pool);
	MemoryContextSwitchTo(old);
	return pool;
}

/* The exec envelope (hoop's execResponseToEnvelope), keys sorted as Go does. */
static void
exec_envelope(TargetJob *job, StringInfo out, const char *output, size_t len,
			  int exit_code, bool truncated, long elapsed_ms)
{
	const char *status = exit_code == 0 ? "completed" : "failed";

	appendStringInfo(out, "{\"exit_code\":%d,\"execution_time_ms\":%ld,%s\"output\":",
					 exit_code, elapsed_ms, job->review ? "" : "\"has_review\":false,");
	append_json_string(out, output, len);
	appendStringInfo(out, ",\"output_status\":\"%s\",\"session_id\":\"%s\",\"status\":\"%s\",\"truncated\":%s}",
					 exit_code == 0 ? "success" : "failed",
					 DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&job->session_id))),
					 status, truncated ? "true" : "false");
}

static void
set_outcome(Request *req, bool is_error, bool is_json, char *text)
{
	req->outcome.is_error = is_error;
	req->outcome.is_json = is_json;
	req->outcome.sqlerrcode = is_error ? ERRCODE_EXTERNAL_ROUTINE_EXCEPTION : 0;
	req->outcome.text = text;
	req->outcome.len = strlen(text);
}

/* Answers a request whose outcome is set, in its memory context. */
static void
answer(Request *req)
{
	MemoryContext old = MemoryContextSwitchTo(req->cxt);

	if (req->kind == REQ_HTTP)
		mcp_finish_tool(req);
	MemoryContextSwitchTo(old);
	worker_target_answered(req);
}


static void
check_mandatory_metadata(ArrayType *fields, Jsonb *metadata)
{
	Datum	   *elems;
	int			n;

	deconstruct_array(fields, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *f = TextDatumGetCString(elems[i]);
		JsonbValue	v;

		if (metadata == NULL || jv_key(&metadata->root, f, &v) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("missing metadata: missing required metadata field: %s", f),
					 errhint("Pass it in the metadata argument of exec.")));
	}
}

static char *
pstrdup_in(TargetJob *job, const char *s)
{
	return MemoryContextStrdup(job->cxt, s);
}

/* A job on c, under the request until it starts, so an ERROR frees it too. */
static TargetJob *
job_create(Request *req, JobKind kind, ConnEntry *c, const char *name, const char *input)
{
	MemoryContext cxt = AllocSetContextCreate(req->cxt, "hoop_mcp job", ALLOCSET_DEFAULT_SIZES);
	TargetJob  *job = MemoryContextAllocZero(cxt, sizeof(TargetJob));

	job->cxt = cxt;
	job->kind = kind;
	job->connection_name = pstrdup_in(job, name);
	job->connection_subtype = pstrdup_in(job, c->subtype);
	job->allow_passwordless = c->allow_passwordless;
	job->input = input ? pstrdup_in(job, input) : NULL;
	return job;
}

/*
 * Gives the job its pool and to the request: it starts once the batch
 * commits (target_start).
 */
static void
job_attach(Request *req, TargetJob *job, ConnEntry *c)
{
	char	   *keywords[66];
	char	   *values[66];
	int			n = c->noptions;
	MemoryContext old;

	memcpy(keywords, c->keywords, sizeof(char *) * n);
	memcpy(values, c->values, sizeof(char *) * n);
	if (job->database)
	{
		/* Schema tools connect to the database asked for (hoop runs \c). */
		int			kept = 0;

		for (int i = 0; i < n; i++)
			if (strcmp(keywords[i], "dbname") != 0)
			{
				keywords[kept] = keywords[i];
				values[kept++] = values[i];
			}
		keywords[kept] = "dbname";
		values[kept] = job->database;
		n = kept + 1;
	}
	old = MemoryContextSwitchTo(job->cxt);
	job->pool = find_pool(job, keywords, values, n);
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(job->cxt, target_cxt);

	job->req = req;
	job->started_at = GetCurrentTimestamp();
	job->deadline = TimestampTzPlusMilliseconds(job->started_at,
												job->kind == JOB_EXEC ? hoop_exec_wait_timeout_ms : SCHEMA_TIMEOUT_MS);
	req->job = (struct TargetJob *) job;
}

/*
 * The exec's session: open (run by executor, or waiting for its review
 * when executor is NULL), or already done when exec is refused.
 */
static void
insert_session(Request *req, TargetJob *job, ConnEntry *c, const char *input,
			   Jsonb *metadata, const char *refusal, const char *executor)
{
	RowColumn	cols[17];
	int			n = 0;

	cols[n++] = row_datum("id", UUIDPGetDatum(&job->session_id));
	cols[n++] = row_text("user_id", req->actor.subject);
	cols[n++] = row_text("user_email", req->actor.email);
	cols[n++] = row_text("user_name", req->actor.name);
	cols[n++] = row_text("connection", c->name);
	cols[n++] = row_datum("connection_id", UUIDPGetDatum(&c->id));
	cols[n++] = row_text("connection_type", c->type);
	cols[n++] = row_text("connection_subtype", c->subtype);
	cols[n++] = row_jsonb("connection_tags", c->tags);
	cols[n++] = row_input("verb", "exec");
	cols[n++] = row_input("status", refusal ? "done" : "open");
	cols[n++] = row_text("input", input);
	cols[n++] = row_jsonb("metadata", metadata);
	cols[n++] = row_text("executor", refusal ? NULL : executor);
	if (refusal)
	{
		cols[n++] = row_text("output", refusal);
		cols[n++] = row_datum("exit_code", Int32GetDatum(1));
		cols[n++] = row_datum("ended_at", TimestampTzGetDatum(GetCurrentTimestamp()));
	}
	changes_published_by_caller = true;
	PG_TRY();
	{
		rows_insert("sessions", cols, n);
	}
	PG_FINALLY();
	{
		changes_published_by_caller = false;
	}
	PG_END_TRY();
	changes_publish_session(&job->session_id, refusal ? "done" : "open", NULL);
}

/*
 * When an access request rule covers this exec, store its session and a
 * PENDING review instead of running it, and answer hoop's
 * pending_approval envelope.  Returns false when the exec may run.
 */
static bool
exec_gated(Request *req, TargetJob *job, ConnEntry *c, const char *input, Jsonb *metadata)
{
	Oid			gate_types[3] = {TEXTOID, TEXTARRAYOID, TEXTOID};
	Datum		gate_args[3];
	Oid			types[3] = {UUIDOID, TEXTOID, TEXTOID};
	Datum		args[3];
	bool		isnull;
	char	   *review_type;
	char	   *rule_name;
	char	   *sid;
	StringInfoData env;

	gate_args[0] = CStringGetTextDatum(req->actor.subject);
	gate_args[1] = req->actor.groups;
	gate_args[2] = CStringGetTextDatum(c->name);
	if (hoop_execute_plan(hoop_plan(gate_sql, 3, gate_types), gate_args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not check the access request rules");
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return false;
	review_type = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	rule_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

	/* The session is open but not running: no executor until approved. */
	insert_session(req, job, c, input, metadata, NULL, NULL);
	args[0] = UUIDPGetDatum(&job->session_id);
	args[1] = CStringGetTextDatum(review_type);
	args[2] = CStringGetTextDatum(rule_name);
	if (hoop_execute_plan(hoop_plan(review_open_sql, 3, types), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not store the review");

	/* hoop's pending_approval envelope, keys sorted as Go does. */
	sid = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&job->session_id)));
	initStringInfo(&env);
	appendStringInfoString(&env,
						   "{\"message\":\"Approval required before this execution can run\","
						   "\"next_step\":\"call reviews_wait with review_id (long-polls until status changes); "
						   "once status=APPROVED call reviews_execute\",\"review_id\":");
	append_json_string(&env, sid, strlen(sid));
	appendStringInfoString(&env, ",\"review_url\":");
	{
		char	   *url = psprintf("%s/sessions/%s", hoop_api_url(), sid);

		append_json_string(&env, url, strlen(url));
	}
	appendStringInfoString(&env, ",\"session_id\":");
	append_json_string(&env, sid, strlen(sid));
	appendStringInfoString(&env, ",\"status\":\"pending_approval\"}");
	set_outcome(req, false, true, env.data);
	MemoryContextDelete(job->cxt);
	return true;
}

/*
 * First half of a target tool, in the batch transaction: find the
 * connection the acting user may use and, for exec, insert the open
 * session (or a finished one when exec is refused).  hoop's error texts
 * propagate as the tool's answer.  Plain SQL with kept plans: this is
 * every exec's hot path.
 */
void
target_begin(Request *req, const char *connection_name, const char *input,
			 Jsonb *metadata, const char *database, const char *table, const char *schema)
{
	const char *tool = req->tool_name;
	JobKind		kind;
	ConnEntry  *c;
	TargetJob  *job;
	char	   *refusal = NULL;

	if (strcmp(tool, "exec") == 0)
		kind = JOB_EXEC;
	else if (strcmp(tool, "connection_databases") == 0)
		kind = JOB_DATABASES;
	else if (strcmp(tool, "connection_tables") == 0)
		kind = JOB_TABLES;
	else
		kind = JOB_COLUMNS;

	if (connection_name == NULL || connection_name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("connection_name is required")));
	if (kind == JOB_EXEC && (input == NULL || input[0] == '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("input is required")));

	c = connection_lookup(connection_name);
	if (c == NULL || !connection_visible(c, req))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("connection \"%s\" not found or not accessible", connection_name),
				 errhint("connections_list shows the connections you may use.")));

	if (kind != JOB_EXEC)
	{
		const char *what = kind == JOB_DATABASES ? "databases" : kind == JOB_TABLES ? "tables" : "columns";

		/* Schema tools: hoop's plain-exec, no session row. */
		if (strcmp(c->type, "database") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("connection \"%s\" is not a database type", connection_name)));
		if (strcmp(c->subtype, "postgres") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("listing %s is not supported for connection type \"%s\"", what, c->subtype),
					 errhint("hoop_mcp runs postgres connections only.")));
		if (kind != JOB_DATABASES && (database == NULL || database[0] == '\0'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("database is required")));
		if (kind == JOB_COLUMNS && (table == NULL || table[0] == '\0'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("table is required")));
	}
	else
	{
		check_mandatory_metadata(c->mandatory_metadata, metadata);
		if (c->exec_disabled)
			refusal = "exec is disabled for this connection";
		else if (strcmp(c->type, "database") != 0 || strcmp(c->subtype, "postgres") != 0)
			refusal = psprintf("hoop_mcp cannot run connections of type \"%s/%s\"; only database/postgres connections run here",
							   c->type, c->subtype);
	}

	job = job_create(req, kind, c, connection_name, input);
	job->database = database ? pstrdup_in(job, database) : NULL;
	job->table = table ? pstrdup_in(job, table) : NULL;
	job->schema = pstrdup_in(job, schema && schema[0] ? schema : "public");

	if (kind == JOB_EXEC)
	{
		hoop_random_uuid(&job->session_id);
		if (refusal == NULL && c->has_rules && exec_gated(req, job, c, input, metadata))
			return;
		insert_session(req, job, c, input, metadata, refusal, worker_executor_name());
		if (refusal)
		{
			/* The session is already done; answer with hoop's failed envelope. */
			StringInfoData env;

			initStringInfo(&env);
			exec_envelope(job, &env, refusal, strlen(refusal), 1, false, 0);
			set_outcome(req, false, true, env.data);
			MemoryContextDelete(job->cxt);
			return;
		}
	}
	job_attach(req, job, c);
}

/*
 * reviews_execute, in the batch transaction: hoop's guards and the
 * APPROVED -> PROCESSING transition (_review_execute_begin, whose row lock
 * makes a review run at most once), then the stored input runs like an
 * exec, in the review's session.
 */
void
target_begin_review(Request *req, const char *id)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	char		nulls[2] = {id ? ' ' : 'n', ' '};
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;
	pg_uuid_t	session_id;
	char	   *connection_name;
	char	   *input;
	ConnEntry  *c;
	TargetJob  *job;

	args[0] = id ? CStringGetTextDatum(id) : (Datum) 0;
	args[1] = CStringGetTextDatum(worker_executor_name());
	if (hoop_execute_plan(hoop_plan(review_begin_sql, 2, types), args, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not start the review's execution");
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	session_id = *DatumGetUUIDP(SPI_getbinval(tup, desc, 1, &isnull));
	connection_name = SPI_getvalue(tup, desc, 2);
	input = SPI_getvalue(tup, desc, 3);

	c = connection_lookup(connection_name);
	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("connection \"%s\" not found", connection_name),
				 errhint("The connection was deleted after the review was created.")));
	if (c->exec_disabled)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("exec is disabled for this connection")));
	if (strcmp(c->type, "database") != 0 || strcmp(c->subtype, "postgres") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hoop_mcp cannot run connections of type \"%s/%s\"; only database/postgres connections run here",
						c->type, c->subtype)));

	job = job_create(req, JOB_EXEC, c, c->name, input);
	job->review = true;
	job->session_id = session_id;
	job->schema = pstrdup_in(job, "public");
	job_attach(req, job, c);
}

/* Sends the job's query on a ready connection. */
static void
run_job(TargetJob *job, TargetConn *tc)
{
	MemoryContext old = MemoryContextSwitchTo(job->cxt);

	tc->state = TC_BUSY;
	tc->job = job;
	job->tc = tc;
	switch (job->kind)
	{
		case JOB_EXEC:
			job->run = psql_run_start(tc->conn, job->input, hoop_max_output_bytes);
			break;
		case JOB_DATABASES:
			job->run = psql_run_start_params(tc->conn, databases_sql, 0, NULL, hoop_max_output_bytes);
			break;
		case JOB_TABLES:
			job->run = psql_run_start_params(tc->conn, tables_sql, 0, NULL, hoop_max_output_bytes);
			break;
		case JOB_COLUMNS:
			{
				const char *params[2] = {job->schema, job->table};

				job->run = psql_run_start_params(tc->conn, columns_sql, 2, params, hoop_max_output_bytes);
				break;
			}
	}
	MemoryContextSwitchTo(old);
}

/* The job ended: for exec, its session is finished by the next batch. */
static void
job_done(TargetJob *job, const char *output, size_t len, int exit_code, bool truncated)
{
	MemoryContext old = MemoryContextSwitchTo(job->cxt);
	char	   *copy = palloc(len + 1);

	/* Output is stored as text: binary COPY data may hold NUL bytes. */
	for (size_t i = 0; i < len; i++)
		copy[i] = output[i] ? output[i] : '?';
	copy[len] = '\0';
	if (job->run)
	{
		psql_run_free(job->run);
		job->run = NULL;
	}
	job->output = copy;
	job->output_len = len;
	job->exit_code = exit_code;
	job->truncated = truncated;
	job->elapsed_ms = (long) ((GetCurrentTimestamp() - job->started_at) / 1000);
	job->done = true;
	job->tc = NULL;
	MemoryContextSwitchTo(old);
	active_jobs = list_delete_ptr(active_jobs, job);

	if (job->kind == JOB_EXEC)
	{
		dlist_push_tail(&finished, &job->node);
		return;
	}

	/* Schema tools have no session: answer now. */
	if (job->req)
	{
		Request    *req = job->req;
		MemoryContext rold = MemoryContextSwitchTo(req->cxt);

		req->job = NULL;
		if (exit_code != 0)
			set_outcome(req, true, false, psprintf("schema query failed: %s", job->output));
		else
		{
			StringInfoData r;

			initStringInfo(&r);
			appendStringInfoString(&r, "{\"connection_name\":");
			append_json_string(&r, job->connection_name, strlen(job->connection_name));
			appendStringInfoString(&r, ",\"connection_subtype\":");
			append_json_string(&r, job->connection_subtype, strlen(job->connection_subtype));
			if (job->kind != JOB_DATABASES)
			{
				appendStringInfoString(&r, ",\"database\":");
				append_json_string(&r, job->database, strlen(job->database));
			}
			appendStringInfoString(&r, ",\"output\":");
			append_json_string(&r, job->output, job->output_len);
			if (job->kind == JOB_COLUMNS)
			{
				appendStringInfoString(&r, ",\"schema\":");
				append_json_string(&r, job->schema, strlen(job->schema));
				appendStringInfoString(&r, ",\"table\":");
				append_json_string(&r, job->table, strlen(job->table));
			}
			appendStringInfoChar(&r, '}');
			set_outcome(req, false, true, r.data);
		}
		MemoryContextSwitchTo(rold);
		answer(req);
	}
	MemoryContextDelete(job->cxt);
}

/* After a job, a connection is reset (or dropped) before reuse. */
static void
release_conn(TargetConn *tc, bool reusable)
{
	tc->job = NULL;
	if (!reusable || PQstatus(tc->conn) != CONNECTION_OK ||
		PQtransactionStatus(tc->conn) != PQTRANS_IDLE ||
		tc->pool->nidle >= POOL_MAX_IDLE)
	{
		close_conn(tc);
		return;
	}
	if (!PQsendQuery(tc->conn, "DISCARD ALL"))
	{
		close_conn(tc);
		return;
	}
	tc->state = TC_RESETTING;
	watch(tc, PQflush(tc->conn) == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static void
fail_connect(TargetJob *job, TargetConn *tc, const char *output)
{
	if (tc)
		close_conn(tc);
	job_done(job, output, strlen(output), 2, false);
}

/* The connection is up: check how it authenticated, then run the job. */
static void
connected(TargetConn *tc)
{
	TargetJob  *job = tc->job;

	if (PQsetnonblocking(tc->conn, 1) != 0)
	{
		fail_connect(job, tc, "psql: error: could not set the connection to non-blocking mode\n");
		return;
	}
	if (!job->allow_passwordless && !PQconnectionUsedPassword(tc->conn))
	{
		fail_connect(job, tc,
					 "psql: error: hoop_mcp refused the connection: the target server did not ask for a password\n"
					 "HINT:  Use password authentication for this connection, or ask a superuser to create it with allow_passwordless => true.\n");
		return;
	}
	run_job(job, tc);
	watch(tc, EPOLLIN | EPOLLOUT);
}

static void
drive_connecting(TargetConn *tc)
{
	switch (PQconnectPoll(tc->conn))
	{
		case PGRES_POLLING_OK:
			connected(tc);
			break;
		case PGRES_POLLING_READING:
			watch(tc, EPOLLIN);
			break;
		case PGRES_POLLING_WRITING:
			watch(tc, EPOLLOUT);
			break;
		default:
			{
				TargetJob  *job = tc->job;
				MemoryContext old = MemoryContextSwitchTo(job->cxt);
				char	   *out = psql_connect_failure_output(tc->conn);

				MemoryContextSwitchTo(old);
				fail_connect(job, tc, out);
				break;
			}
	}
}

static void
drive_busy(TargetConn *tc)
{
	TargetJob  *job = tc->job;
	MemoryContext old = MemoryContextSwitchTo(job->cxt);
	PsqlRunState st = psql_run_step(job->run);

	MemoryContextSwitchTo(old);
	if (st == PSQL_RUN_WANT_READ)
		watch(tc, EPOLLIN);
	else if (st == PSQL_RUN_WANT_WRITE)
		watch(tc, EPOLLIN | EPOLLOUT);
	else
	{
		size_t		len;
		bool		truncated;
		int			exit_code;
		const char *out = psql_run_output(job->run, &len, &truncated, &exit_code);
		bool		reusable = psql_run_conn_ok(job->run);

		job_done(job, out, len, exit_code, truncated);
		release_conn(tc, reusable);
	}
}

/* DISCARD ALL finishing, or an idle connection that woke up (closed?). */
static void
drive_quiet(TargetConn *tc)
{
	PGresult   *res;
	bool		ok = true;

	if (!PQconsumeInput(tc->conn))
	{
		close_conn(tc);
		return;
	}
	if (tc->state == TC_IDLE)
	{
		if (PQstatus(tc->conn) != CONNECTION_OK)
			close_conn(tc);
		return;
	}
	if (PQflush(tc->conn) < 0)
	{
		close_conn(tc);
		return;
	}
	while (!PQisBusy(tc->conn))
	{
		res = PQgetResult(tc->conn);
		if (res == NULL)
		{
			if (!ok)
			{
				close_conn(tc);
				return;
			}
			tc->state = TC_IDLE;
			tc->idle_since = GetCurrentTimestamp();
			dlist_push_head(&tc->pool->idle, &tc->node);
			tc->pool->nidle++;
			watch(tc, EPOLLIN);
			return;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			ok = false;
		PQclear(res);
	}
}

static void
drive(TargetConn *tc)
{
	switch (tc->state)
	{
		case TC_CONNECTING:
			drive_connecting(tc);
			break;
		case TC_BUSY:
			drive_busy(tc);
			break;
		case TC_RESETTING:
		case TC_IDLE:
			drive_quiet(tc);
			break;
	}
}

/* After the batch committed: connect (or reuse) and send the query. */
void
target_start(struct TargetJob *job)
{
	Pool	   *pool = job->pool;
	TargetConn *tc;
	MemoryContext old = MemoryContextSwitchTo(target_cxt);

	/* The list outlives whatever context the caller is in. */
	active_jobs = lappend(active_jobs, job);
	MemoryContextSwitchTo(old);
	if (!dlist_is_empty(&pool->idle))
	{
		tc = dlist_container(TargetConn, node, dlist_pop_head_node(&pool->idle));
		pool->nidle--;
		tc->job = job;
		run_job(job, tc);
		drive_busy(tc);
		return;
	}

	tc = MemoryContextAllocZero(target_cxt, sizeof(TargetConn));
	tc->pool = pool;
	tc->sock = -1;
	tc->job = job;
	tc->state = TC_CONNECTING;
	tc->conn = PQconnectStartParams(pool->keywords, pool->values, 0);
	if (tc->conn == NULL)
	{
		pfree(tc);
		fail_connect(job, NULL, "psql: error: out of memory\n");
		return;
	}
	if (PQstatus(tc->conn) == CONNECTION_BAD)
	{
		MemoryContext old = MemoryContextSwitchTo(job->cxt);
		char	   *out = psql_connect_failure_output(tc->conn);

		MemoryContextSwitchTo(old);
		fail_connect(job, tc, out);
		return;
	}
	job->tc = tc;
	watch(tc, EPOLLOUT);
}

/* Handles every target socket that is ready. */
void
target_poll(void)
{
	struct epoll_event events[64];
	int			n;

	do
	{
		n = epoll_wait(epfd, events, lengthof(events), 0);
		for (int i = 0; i < n; i++)
			drive((TargetConn *) events[i].data.ptr);
	} while (n == lengthof(events));
}

/*
 * An exec (or reviews_execute) that starts always answers 200 with a
 * result that is not an error (completed, failed or running), whatever
 * the query does; schema tools may answer an error.
 */
bool
target_job_is_exec(struct TargetJob *job)
{
	return job->kind == JOB_EXEC;
}

bool
target_has_finished(void)
{
	return !dlist_is_empty(&finished);
}

static bool
session_open(TupleTableSlot *row)
{
	bool		isnull;
	Datum		status = rows_column(row, "status", &isnull);

	return isnull || strcmp(DatumGetCString(DirectFunctionCall1(enum_out, status)), "done") != 0;
}

/* Finishes an exec's session (unless already done), as the extension's own code. */
static void
finish_session(void *arg)
{
	TargetJob  *job = arg;
	RowColumn	cols[7];
	Datum		key = UUIDPGetDatum(&job->session_id);
	volatile bool finished = false;

	cols[0] = row_input("status", "done");
	cols[1] = row_datum("output", PointerGetDatum(cstring_to_text_with_len(job->output, job->output_len)));
	cols[2] = row_datum("output_truncated", BoolGetDatum(job->truncated));
	cols[3] = row_datum("exit_code", Int32GetDatum(job->exit_code));
	cols[4] = row_datum("ended_at", TimestampTzGetDatum(GetCurrentTimestamp()));
	cols[5] = row_text("executor", NULL);
	cols[6] = row_input("metrics", psprintf("{\"execution_time_ms\": %ld}", job->elapsed_ms));
	hoop_internal_write = true;
	changes_published_by_caller = true;
	PG_TRY();
	{
		finished = rows_update("sessions", key, session_open, cols, lengthof(cols));
	}
	PG_FINALLY();
	{
		hoop_internal_write = false;
		changes_published_by_caller = false;
	}
	PG_END_TRY();
	if (finished)
		changes_publish_session(&job->session_id, "done", "open");
	if (job->review &&
		hoop_execute_plan(hoop_plan(review_executed_sql, 1, (Oid[]) {UUIDOID}), &key, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not mark the review executed");
}

/*
 * In the batch transaction: finish the session of every exec that ended,
 * each in its own subtransaction, and answer its caller if still waiting.
 */
void
target_finish_sessions(void)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &finished)
	{
		TargetJob  *job = dlist_container(TargetJob, node, iter.cur);

		dlist_delete(iter.cur);
		if (worker_extension_ready())
			(void) worker_try(finish_session, job, CurrentMemoryContext, "finish the session");

		if (job->req)
		{
			Request    *req = job->req;
			MemoryContext old = MemoryContextSwitchTo(req->cxt);
			StringInfoData env;

			initStringInfo(&env);
			exec_envelope(job, &env, job->output, job->output_len, job->exit_code,
						  job->truncated, job->elapsed_ms);
			set_outcome(req, false, true, env.data);
			req->job = NULL;
			MemoryContextSwitchTo(old);
			answer(req);
		}
		MemoryContextDelete(job->cxt);
	}
}

/*
 * Deadlines: an exec still running after exec_wait_timeout answers
 * "running" and goes on; a schema query is abandoned after 30 s.
 */
void
target_check_timeouts(TimestampTz now)
{
	ListCell   *lc;

	foreach(lc, active_jobs)
	{
		TargetJob  *job = lfirst(lc);
		Request    *req = job->req;

		if (req == NULL || job->done || now < job->deadline)
			continue;
		if (job->kind == JOB_EXEC)
		{
			MemoryContext old = MemoryContextSwitchTo(req->cxt);
			StringInfoData r;
			int			secs = hoop_exec_wait_timeout_ms / 1000;

			initStringInfo(&r);
			appendStringInfo(&r,
							 "{\"message\":\"execution still running after %ds; poll sessions_get with session_id\","
							 "\"next_step\":\"poll sessions_get with session_id\",\"session_id\":\"%s\",\"status\":\"running\"}",
							 secs, DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&job->session_id))));
			set_outcome(req, false, true, r.data);
			req->job = NULL;
			job->req = NULL;
			MemoryContextSwitchTo(old);
			answer(req);
		}
		else
		{
			const char *what = job->kind == JOB_DATABASES ? "databases" :
				job->kind == JOB_TABLES ? "tables" : "columns";
			MemoryContext old = MemoryContextSwitchTo(req->cxt);

			set_outcome(req, true, false, psprintf("timed out (30s) listing %s", what));
			req->job = NULL;
			job->req = NULL;
			MemoryContextSwitchTo(old);
			answer(req);
			/* Nobody waits for it: drop the connection (and so the query). */
			if (job->tc)
			{
				TargetConn *tc = job->tc;

				foreach_delete_current(active_jobs, lc);
				close_conn(tc);
				MemoryContextDelete(job->cxt);
			}
		}
	}
}

/* Milliseconds until the next deadline or idle-connection expiry, or -1. */
long
target_next_timeout_ms(TimestampTz now)
{
	TimestampTz next = 0;
	ListCell   *lc;

	foreach(lc, active_jobs)
	{
		TargetJob  *job = lfirst(lc);

		if (job->req && (next == 0 || job->deadline < next))
			next = job->deadline;
	}
	foreach(lc, pools)
	{
		Pool	   *pool = lfirst(lc);

		/* Close connections idle for too long; the oldest are at the tail. */
		while (!dlist_is_empty(&pool->idle))
		{
			TargetConn *tc = dlist_container(TargetConn, node, dlist_tail_node(&pool->idle));
			TimestampTz expiry = TimestampTzPlusMilliseconds(tc->idle_since, POOL_IDLE_TIMEOUT_MS);

			if (expiry <= now)
				close_conn(tc);
			else
			{
				if (next == 0 || expiry < next)
					next = expiry;
				break;
			}
		}
	}
	if (next == 0)
		return -1;
	return Max(0, (long) ((next - now + 999) / 1000));
}

/* The request went away (its HTTP connection closed): stop answering it. */
void
target_request_gone(Request *req)
{
	TargetJob  *job = (TargetJob *) req->job;

	if (job && job->req == req)
		job->req = NULL;
	req->job = NULL;
}

/*
 * At start: sessions this worker (or a worker index no longer configured)
 * left open can never finish; finish them with exit code 254.
 */
void
target_reconcile_on_start(void)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		args[3];

	args[0] = CStringGetTextDatum(worker_executor_name());
	args[1] = CStringGetTextDatum("\n[hoop_mcp] execution interrupted: the worker running it stopped "
								  "(server crash, restart or shutdown) before it finished\n");
	args[2] = CStringGetTextDatum(psprintf("%d", hoop_workers));
	hoop_internal_write = true;
	if (SPI_execute_with_args(reconcile_sql, 3, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not finish interrupted sessions");
	hoop_internal_write = false;
	if (SPI_processed > 0)
		ereport(LOG,
				(errmsg("hoop_mcp %s finished %llu interrupted session(s)",
						worker_executor_name(), (unsigned long long) SPI_processed)));
	if (SPI_execute(reconcile_reviews_sql, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not reconcile reviews");
	if (SPI_processed > 0)
		ereport(LOG,
				(errmsg("hoop_mcp %s marked %llu review(s) executed whose execution had ended",
						worker_executor_name(), (unsigned long long) SPI_processed)));
}
