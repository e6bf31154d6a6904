/*
 * driver.c
 *		Running queries on target databases from the worker's event loop.
 *
 * libpq in non-blocking mode: connections are started with
 * PQconnectStartParams and driven by PQconnectPoll, queries by psql_run
 * (psql_run.c), all from the worker's loop through one epoll fd that holds
 * every target socket.  Idle connections are pooled per connection string;
 * before a connection goes back to the pool it runs DISCARD ALL, so a job
 * never sees another's session state (each psql run starts afresh).
 *
 * The driver completes jobs and knows nothing of who asked: a finished job
 * goes on the finished list, a job whose owner's deadline passed on the
 * expired answer of target_next_expired, and its owner (tools/on_target.c)
 * takes it from there.
 */
#include "lib/common.h"

#include <malloc.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "target/driver.h"
#include "target/psql_run.h"

#define POOL_IDLE_TIMEOUT_MS 60000
#define POOL_MAX_IDLE 64

typedef enum ConnState
{
	TC_CONNECTING,
	TC_PREPARING,				/* setting the session up for its job */
	TC_BUSY,					/* running a job */
	TC_RESETTING,				/* ROLLBACK and DISCARD ALL before going idle */
	TC_IDLE,
	TC_DOOMED					/* its job was cancelled and ended: closed once
								 * its canceller is done */
} ConnState;

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
	TimestampTz connect_deadline;	/* while connecting */
	int64		libpq_bytes;	/* what libpq took for its job: its share of rows_in_flight */
	char	   *prepare_error;	/* why setting the session up failed */
	bool		discard_next;	/* resetting: DISCARD ALL after the ROLLBACK */
	bool		cancelled;		/* its job was cancelled: never reused */
	TargetJob  *canceller;		/* the job cancelling its statement, if running */
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

/*
 * TCP keepalives on every target connection unless it sets its own: a
 * target that vanished (a cable, a failover) ends its exec in about a
 * minute and a half, not after the kernel's two hours.
 */
static const char *const keepalive_keywords[] = {"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"};
static const char *const keepalive_values[] = {"1", "60", "10", "3"};
#define KEEPALIVES lengthof(keepalive_keywords)

static int	epfd = -1;
static List *pools = NIL;
static MemoryContext target_cxt = NULL;
static List *active_jobs = NIL;
static dlist_head finished = DLIST_STATIC_INIT(finished);

/*
 * What libpq holds for the running jobs, bounded by
 * hoop_mcp.max_rows_in_flight, as each job's by hoop_mcp.max_row_bytes.
 * libpq takes a whole row (or COPY line) into its buffer before it hands
 * any of it over, growing the buffer to the row's announced size first;
 * it then copies the row into a result.  No API tells how much it holds,
 * so the driver measures it: malloc's bytes in use before and after each
 * step of a job, less what the step palloc'd in the job's own context
 * (the output, bounded on its own).  The growth shows the moment libpq
 * sizes its buffer for a wide row, before that row has arrived, so the
 * job stops while the memory is still only reserved.
 */
static int64 rows_in_flight = 0;

static int64
malloc_in_use(void)
{
	struct mallinfo2 m = mallinfo2();

	return (int64) (m.uordblks + m.hblkhd);
}

/* How long a job may take to connect, and to stop once cancelled. */
static int
connect_timeout_ms(TargetJob *job)
{
	return job->connect_timeout_ms > 0 ? job->connect_timeout_ms : hoop_connect_timeout_s * 1000;
}

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

/*
 * The pool of connections with these options for this partition: a pooled
 * connection is only reused within its partition (the user), since not
 * all session state goes with DISCARD ALL (dblink's and postgres_fdw's
 * connections stay).
 */
static Pool *
find_pool(const char *const *keywords, const char *const *values, int n, bool allow_passwordless,
		  const char *partition)
{
	StringInfoData key;
	ListCell   *lc;
	Pool	   *pool;
	MemoryContext old;

	initStringInfo(&key);
	for (int i = 0; i < n; i++)
		appendStringInfo(&key, "%s=%s%c", keywords[i], values[i], '\0');
	appendStringInfo(&key, "pwless=%d%cpartition=%s", allow_passwordless, '\0', partition);
	foreach(lc, pools)
	{
		pool = lfirst(lc);
		if (pool->key_len == key.len && memcmp(pool->key, key.data, key.len) == 0)
		{
			pfree(key.data);
			return pool;
		}
	}
	old = MemoryContextSwitchTo(target_cxt);
	pool = palloc0(sizeof(Pool));
	pool->key = palloc(key.len + 1);
	memcpy(pool->key, key.data, key.len + 1);
	pool->key_len = key.len;
	pool->keywords = palloc0(sizeof(char *) * (KEEPALIVES + n + 3));
	pool->values = palloc0(sizeof(char *) * (KEEPALIVES + n + 3));
	/* libpq takes the last of a keyword given twice: the connection's own win. */
	for (int i = 0; i < KEEPALIVES; i++)
	{
		pool->keywords[i] = keepalive_keywords[i];
		pool->values[i] = keepalive_values[i];
	}
	for (int i = 0; i < n; i++)
	{
		pool->keywords[KEEPALIVES + i] = pstrdup(keywords[i]);
		pool->values[KEEPALIVES + i] = pstrdup(values[i]);
	}
	pool->keywords[KEEPALIVES + n] = "fallback_application_name";
	pool->values[KEEPALIVES + n] = "hoop_mcp";
	pool->keywords[KEEPALIVES + n + 1] = "client_encoding";
	pool->values[KEEPALIVES + n + 1] = "UTF8";
	dlist_init(&pool->idle);
	pools = lappend(pools, pool);
	MemoryContextSwitchTo(old);
	pfree(key.data);
	return pool;
}

/*
 * A job on the target these libpq options name, on a connection pooled in
 * partition, in its own memory context under parent until it starts: an
 * ERROR before then frees it with its parent.  The caller says what to run
 * (script or query) and may set owner and deadline.
 */
static TargetJob *
job_alloc(MemoryContext parent, Pool *pool, bool allow_passwordless)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "hoop_mcp job", ALLOCSET_DEFAULT_SIZES);
	TargetJob  *job = MemoryContextAllocZero(cxt, sizeof(TargetJob));

	job->cxt = cxt;
	job->allow_passwordless = allow_passwordless;
	job->pool = pool;
	job->started_at = GetCurrentTimestamp();
	return job;
}

TargetJob *
target_job_new(MemoryContext parent, const char *const *keywords, const char *const *values,
			   int n, bool allow_passwordless, const char *partition)
{
	return job_alloc(parent, find_pool(keywords, values, n, allow_passwordless, partition),
					 allow_passwordless);
}

/* Frees a job that is done, or was never started. */
void
target_job_free(TargetJob *job)
{
	MemoryContextDelete(job->cxt);
}

static void drive_busy(TargetConn *tc);
static void drive_preparing(TargetConn *tc);

/* Sends the job's query on a ready connection. */
static void
run_job(TargetJob *job, TargetConn *tc)
{
	MemoryContext old = MemoryContextSwitchTo(job->cxt);

	tc->state = TC_BUSY;
	if (job->script)
		job->run = psql_run_start(tc->conn, job->script, hoop_max_output_bytes);
	else
		job->run = psql_run_start_params(tc->conn, job->query, job->nparams, job->params,
										 hoop_max_output_bytes);
	if (job->check)
		psql_run_set_check(job->run, job->check, job->check_arg);
	if (job->masker)
		psql_run_set_masker(job->run, job->masker);
	if (job->max_rows > 0)
		psql_run_set_max_rows(job->run, job->max_rows);
	MemoryContextSwitchTo(old);
}

/*
 * What the session is set up with before the run, in one round trip: its
 * application_name (printable ASCII, as the server keeps it), for a
 * read-only job the read-only transaction the run goes inside, and the
 * job's own query (its rows go to prelude_rows).
 */
static char *
prelude(TargetJob *job)
{
	StringInfoData sql;

	initStringInfo(&sql);
	if (job->read_only)
		appendStringInfoString(&sql, "BEGIN READ ONLY;");
	if (job->application_name)
	{
		char	   *name = pnstrdup(job->application_name, NAMEDATALEN - 1);

		for (char *p = name; *p; p++)
			if (*p < 32 || *p > 126)
				*p = '?';
		appendStringInfo(&sql, "SET application_name TO %s;", quote_literal_cstr(name));
	}
	if (job->prelude_query)
		appendStringInfo(&sql, "%s;", job->prelude_query);
	return sql.data;
}

/* The connection is the job's: set its session up, then run the job. */
static void
start_job(TargetJob *job, TargetConn *tc)
{
	char	   *sql = prelude(job);

	tc->job = job;
	job->tc = tc;
	if (sql[0] == '\0')
	{
		run_job(job, tc);
		drive_busy(tc);
	}
	else
	{
		tc->state = TC_PREPARING;
		tc->prepare_error = NULL;
		if (!PQsendQuery(tc->conn, sql))
			tc->prepare_error = pstrdup(PQerrorMessage(tc->conn));
		drive_preparing(tc);
	}
	pfree(sql);
}

static void close_conn(TargetConn *tc);

/*
 * A canceller ended: the connection whose statement it cancelled was kept
 * open meanwhile, so that its backend's pid could not be another's, and
 * is closed once its own job is over.
 */
static void
canceller_done(TargetJob *canceller)
{
	TargetConn *victim = canceller->cancels;

	if (canceller->exit_code != 0 || strstr(canceller->output, "\nt\n") == NULL)
		ereport(LOG,
				(errmsg("hoop_mcp could not cancel the statement of target backend %d",
						PQbackendPID(victim->conn)),
				 errdetail_internal("%s", canceller->output)));
	victim->canceller = NULL;
	if (victim->state == TC_DOOMED)
		close_conn(victim);
	target_job_free(canceller);
}

/* The job ended: its owner takes it from the finished list. */
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
		job->rows_hidden = psql_run_rows_hidden(job->run);
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
	if (job->cancels)
		canceller_done(job);
	else
		dlist_push_tail(&finished, &job->node);
}

/*
 * After a job, a connection is reset (or dropped) before reuse: a
 * read-only job's transaction is rolled back first (DISCARD ALL cannot
 * share its query string: it may not run inside a transaction block).
 */
static void
release_conn(TargetConn *tc, bool reusable, bool rollback)
{
	tc->job = NULL;
	if (tc->canceller)
	{
		/* Its canceller still needs the backend's pid to be this one's. */
		tc->state = TC_DOOMED;
		watch(tc, EPOLLIN);
		return;
	}
	if (!reusable || tc->cancelled || PQstatus(tc->conn) != CONNECTION_OK ||
		tc->pool->nidle >= POOL_MAX_IDLE ||
		!PQsendQuery(tc->conn, rollback ? "ROLLBACK" : "DISCARD ALL"))
	{
		close_conn(tc);
		return;
	}
	tc->discard_next = rollback;
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
	start_job(job, tc);
}

/* The session set-up's results are in: the run starts (or the job fails). */
static void
drive_preparing(TargetConn *tc)
{
	PGresult   *res;
	char	   *error = tc->prepare_error;

	if (error == NULL && (PQflush(tc->conn) < 0 || !PQconsumeInput(tc->conn)))
		error = pstrdup(PQerrorMessage(tc->conn));
	while (error == NULL && !PQisBusy(tc->conn))
	{
		res = PQgetResult(tc->conn);
		if (res == NULL && tc->job->cancel_reason)
		{
			/* Cancelled while the session was set up: nothing ran. */
			TargetJob  *job = tc->job;

			close_conn(tc);
			job_done(job, "", 0, 3, false);
			return;
		}
		if (res == NULL)
		{
			run_job(tc->job, tc);
			drive_busy(tc);
			return;
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK && tc->job->prelude_rows)
			tc->job->prelude_rows(tc->job->prelude_arg, res);
		else if (PQresultStatus(res) != PGRES_COMMAND_OK)
			error = pstrdup(PQresultErrorMessage(res));
		PQclear(res);
	}
	if (error == NULL)
	{
		watch(tc, PQflush(tc->conn) == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN);
		return;
	}
	{
		TargetJob  *job = tc->job;
		size_t		len = strlen(error);
		char	   *out;

		if (len > 0 && error[len - 1] == '\n')
			len--;
		out = psprintf("psql: error: %.*s\n", (int) len, error);
		fail_connect(job, tc, out);
		pfree(out);
	}
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

/*
 * Stops the job, and says so, if libpq holds more than
 * hoop_mcp.max_row_bytes for it, or more than hoop_mcp.max_rows_in_flight
 * for all jobs; its connection is then closed, which gives libpq's buffer
 * back at once.
 */
static bool
libpq_holds_too_much(TargetConn *tc)
{
	if (tc->libpq_bytes > hoop_max_row_bytes)
		psql_run_abort(tc->job->run,
					   psprintf("hoop_mcp: stopped: a row (or COPY line) larger than hoop_mcp.max_row_bytes (%d kB) was arriving",
								hoop_max_row_bytes / 1024));
	else if (rows_in_flight > hoop_max_rows_in_flight && tc->libpq_bytes > 0)
		psql_run_abort(tc->job->run,
					   psprintf("hoop_mcp: stopped: the rows arriving for all execs passed hoop_mcp.max_rows_in_flight (%d kB); try again",
								hoop_max_rows_in_flight / 1024));
	else
		return false;
	return true;
}

static void
drive_busy(TargetConn *tc)
{
	TargetJob  *job = tc->job;
	MemoryContext old = MemoryContextSwitchTo(job->cxt);
	int64		malloc_before = malloc_in_use();
	int64		palloc_before = MemoryContextMemAllocated(job->cxt, true);
	PsqlRunState st = psql_run_step(job->run);
	int64		grew = (malloc_in_use() - malloc_before) -
		((int64) MemoryContextMemAllocated(job->cxt, true) - palloc_before);

	tc->libpq_bytes += grew;
	rows_in_flight += grew;
	if (st != PSQL_RUN_DONE && libpq_holds_too_much(tc))
		st = PSQL_RUN_DONE;
	MemoryContextSwitchTo(old);
	if (st == PSQL_RUN_DONE)
	{
		rows_in_flight -= tc->libpq_bytes;
		tc->libpq_bytes = 0;
	}
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
		bool		read_only = job->read_only;
		bool		reusable = psql_run_conn_ok(job->run, read_only);

		job_done(job, out, len, exit_code, truncated);
		release_conn(tc, reusable, read_only);
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
			if (tc->discard_next)
			{
				tc->discard_next = false;
				if (!PQsendQuery(tc->conn, "DISCARD ALL"))
				{
					close_conn(tc);
					return;
				}
				watch(tc, PQflush(tc->conn) == 1 ? EPOLLIN | EPOLLOUT : EPOLLIN);
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

/* A cancelled job's connection, waiting for its canceller: reads and drops. */
static void
drive_doomed(TargetConn *tc)
{
	if (!PQconsumeInput(tc->conn))
	{
		/* Gone: stop watching it, and keep it until the canceller is done. */
		(void) epoll_ctl(epfd, EPOLL_CTL_DEL, tc->sock, NULL);
		tc->sock = -1;
		return;
	}
	while (!PQisBusy(tc->conn))
	{
		PGresult   *res = PQgetResult(tc->conn);

		if (res == NULL)
			break;
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
		case TC_PREPARING:
			drive_preparing(tc);
			break;
		case TC_BUSY:
			drive_busy(tc);
			break;
		case TC_RESETTING:
		case TC_IDLE:
			drive_quiet(tc);
			break;
		case TC_DOOMED:
			drive_doomed(tc);
			break;
	}
}

/* After the batch committed: connect (or reuse) and send the query. */
void
target_start(TargetJob *job)
{
	Pool	   *pool = job->pool;
	TargetConn *tc;
	MemoryContext old = MemoryContextSwitchTo(target_cxt);

	/* From now on the job outlives whoever created it. */
	MemoryContextSetParent(job->cxt, target_cxt);
	/* The list outlives whatever context the caller is in. */
	active_jobs = lappend(active_jobs, job);
	MemoryContextSwitchTo(old);
	if (job->cancel_reason)
	{
		job_done(job, "", 0, 3, false);
		return;
	}
	if (!dlist_is_empty(&pool->idle))
	{
		tc = dlist_container(TargetConn, node, dlist_pop_head_node(&pool->idle));
		pool->nidle--;
		start_job(job, tc);
		return;
	}

	tc = MemoryContextAllocZero(target_cxt, sizeof(TargetConn));
	tc->pool = pool;
	tc->sock = -1;
	tc->job = job;
	tc->state = TC_CONNECTING;
	tc->connect_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), connect_timeout_ms(job));
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

/*
 * Cancels the statement tc runs, as pg_cancel_backend() on another
 * connection of the same pool (the same role, so allowed): PostgreSQL
 * 15's PQcancel would block the loop while it connects.
 */
static void
start_canceller(TargetConn *tc)
{
	TargetJob  *job = tc->job;
	TargetJob  *canceller = job_alloc(target_cxt, job->pool, job->allow_passwordless);
	const char **params = MemoryContextAlloc(canceller->cxt, sizeof(char *));

	canceller->query = "SELECT pg_catalog.pg_cancel_backend($1)";
	params[0] = MemoryContextStrdup(canceller->cxt, psprintf("%d", PQbackendPID(tc->conn)));
	canceller->nparams = 1;
	canceller->params = params;
	canceller->connect_timeout_ms = job->connect_timeout_ms;
	canceller->cancels = tc;
	tc->canceller = canceller;
	target_start(canceller);
}

/*
 * Stops a job that has not ended: what runs on the target is cancelled
 * and the run sends nothing more; the job then ends as usual, with its
 * output so far, and its owner finds reason in it.  A target that does
 * not stop within the connect timeout has its connection dropped.
 */
void
target_cancel(TargetJob *job, const char *reason)
{
	TargetConn *tc = job->tc;

	if (job->done || job->cancel_reason)
		return;
	job->cancel_reason = MemoryContextStrdup(job->cxt, reason);
	job->cancel_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), connect_timeout_ms(job));
	if (tc == NULL)
		return;					/* not started: target_start ends it */
	tc->cancelled = true;
	if (tc->state == TC_CONNECTING)
	{
		close_conn(tc);
		job_done(job, "", 0, 3, false);
	}
	else if (tc->state == TC_BUSY)
	{
		psql_run_cancel(job->run);
		start_canceller(tc);
	}
	/* TC_PREPARING: the job ends when the set-up's results are in. */
}

/* A cancelled job whose target did not stop in time: drop its connection. */
static void
cancel_timed_out(TargetJob *job)
{
	TargetConn *tc = job->tc;
	size_t		len = 0;
	const char *out = "";

	if (job->run)
	{
		psql_run_abort(job->run,
					   psprintf("hoop_mcp: the target did not stop the statement within %d ms of the cancel; the connection was closed",
								connect_timeout_ms(job)));
		out = psql_run_output(job->run, &len, NULL, NULL);
	}
	job_done(job, out, len, 3, false);
	release_conn(tc, false, false);
}

/*
 * libpq's connect_timeout only works in its blocking calls: a target that
 * accepts TCP and never answers would hold a job for ever.  psql's words.
 */
static void
connect_timed_out(TargetConn *tc)
{
	TargetJob  *job = tc->job;
	const char *host = PQhost(tc->conn);
	const char *port = PQport(tc->conn);
	char	   *out;

	/* job_done copies it into the job's memory. */
	if (host && host[0] == '/')
		out = psprintf("psql: error: connection to server on socket \"%s/.s.PGSQL.%s\" failed: timeout expired\n",
					   host, port ? port : "5432");
	else
		out = psprintf("psql: error: connection to server at \"%s\", port %s failed: timeout expired\n",
					   host ? host : "", port ? port : "5432");
	fail_connect(job, tc, out);
	pfree(out);
}

/*
 * Fails the jobs whose connection is not up after hoop_mcp.connect_timeout,
 * and drops those that did not stop that long after a cancel.
 */
static void
check_connects(void)
{
	TimestampTz now = GetCurrentTimestamp();
	List	   *late = NIL;
	List	   *stuck = NIL;
	ListCell   *lc;

	foreach(lc, active_jobs)
	{
		TargetJob  *job = lfirst(lc);

		if (job->tc && job->tc->state == TC_CONNECTING && now >= job->tc->connect_deadline)
			late = lappend(late, job->tc);
		else if (job->tc && job->cancel_reason && now >= job->cancel_deadline)
			stuck = lappend(stuck, job);
	}
	foreach(lc, late)
		connect_timed_out(lfirst(lc));
	foreach(lc, stuck)
		cancel_timed_out(lfirst(lc));
	list_free(late);
	list_free(stuck);
}

/* Handles every target socket that is ready, and connections that took too long. */
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
	check_connects();
}

bool
target_has_finished(void)
{
	return !dlist_is_empty(&finished);
}

/* The next job that ended, or NULL; the caller frees it (target_job_free). */
TargetJob *
target_next_done(void)
{
	if (dlist_is_empty(&finished))
		return NULL;
	return dlist_container(TargetJob, node, dlist_pop_head_node(&finished));
}

/*
 * The next running job whose deadline passed, or NULL.  Each is reported
 * once (its deadline is cleared); it goes on running unless cancelled.
 */
TargetJob *
target_next_expired(TimestampTz now)
{
	ListCell   *lc;

	foreach(lc, active_jobs)
	{
		TargetJob  *job = lfirst(lc);

		if (job->deadline != 0 && !job->done && now >= job->deadline)
		{
			job->deadline = 0;
			return job;
		}
	}
	return NULL;
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

		if (job->deadline != 0 && (next == 0 || job->deadline < next))
			next = job->deadline;
		if (job->tc && job->tc->state == TC_CONNECTING &&
			(next == 0 || job->tc->connect_deadline < next))
			next = job->tc->connect_deadline;
		if (job->tc && job->cancel_reason && (next == 0 || job->cancel_deadline < next))
			next = job->cancel_deadline;
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
