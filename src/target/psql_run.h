/*-------------------------------------------------------------------------
 *
 * psql_run.h
 *	  Run a script typed by an agent against a target database and produce
 *	  exactly what
 *
 *		psql -X -A -F '<TAB>' -P pager=off -v ON_ERROR_STOP=1 ... < input 2>&1
 *
 *	  prints (stdout and stderr interleaved as a user sees them), together
 *	  with psql's exit code (0 ok, 1 psql-level failure, 2 connection lost,
 *	  3 SQL error or invalid meta-command under ON_ERROR_STOP).
 *
 *	  The runner drives a caller-owned libpq connection in nonblocking mode:
 *	  psql_run_step() never blocks; it says whether to wait for the socket
 *	  to become readable or writable next.  Statements are split the way
 *	  psql 15's lexer splits them and sent one at a time, with the text psql
 *	  would send.  Rows are fetched in single-row mode so output can be cut
 *	  at output_limit while reading.
 *
 *	  Reproduced as psql does it: statement splitting (quotes, E'' strings
 *	  per standard_conforming_strings, dollar quotes, comments, parentheses,
 *	  BEGIN ATOMIC bodies, \; and \:, BOM, CRLF, unsafe client encodings
 *	  such as SJIS), unaligned output with TAB separator and "(N rows)"
 *	  footers, command tags, notices, errors with LINE/caret/DETAIL/HINT/
 *	  CONTEXT, ON_ERROR_STOP, connection loss, COPY TO STDOUT, COPY FROM
 *	  STDIN (data taken from the script lines after the statement, up to a
 *	  line "\."), asynchronous notifications, and psql's built-in variables
 *	  (:name, :'name', :"name", :{?name} for DBNAME, HOST, PORT, USER,
 *	  ENCODING, VERSION*, SERVER_VERSION_*, ROW_COUNT, ERROR, SQLSTATE,
 *	  LASTOID and the settings variables with their default values).
 *
 *	  Divergences from psql (by design):
 *	  - Backslash meta-commands are NOT supported.  Every one of them,
 *		including ones psql knows (\d, \x, \gset, \set, \copy, ...), is
 *		reported the way psql reports an unknown command ("invalid command
 *		\d", exit 3).  Only \q / \quit behave as in psql (end of input:
 *		a statement left without semicolon is still sent, then exit).
 *	  - Since \set is unavailable, no variable can be defined by a script.
 *	  - Input ends at the first NUL byte (psql would skip the rest of that
 *		line only).  Messages are English, as psql under the C locale.
 *	  - Exit code 1 (a psql-level failure) comes only from the caller
 *		stopping a run with psql_run_abort (a row too large to hold, say).
 *
 * Memory: everything is palloc'd in the memory context current at
 * psql_run_start() (backend) or with the frontend palloc (FRONTEND).
 * psql_run_free() releases it; the output pointer stays valid until then.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PSQL_RUN_H
#define PSQL_RUN_H

/* Include postgres.h (backend) or postgres_fe.h (frontend) first. */
#include "libpq-fe.h"

typedef enum
{
	PSQL_RUN_WANT_READ,
	PSQL_RUN_WANT_WRITE,
	PSQL_RUN_DONE
} PsqlRunState;

/* A connection that read a row wider than this is not reused (psql_run_conn_ok). */
#define PSQL_RUN_POOL_MAX_ROW (1024 * 1024)

typedef struct PsqlRun PsqlRun;

/*
 * Start running a script.  conn is connected, in nonblocking mode and
 * owned by the caller; it must be idle.  input is the whole script as a
 * NUL-terminated string.  output_limit is the maximum number of output
 * bytes kept (0 = no limit).  Call psql_run_step() right after.
 */
extern PsqlRun *psql_run_start(PGconn *conn, const char *input,
							   size_t output_limit);

/*
 * Same, but run one fixed query with text parameters ($1 ...) through the
 * extended protocol; its result is formatted exactly like a SELECT's.
 */
extern PsqlRun *psql_run_start_params(PGconn *conn, const char *query,
									  int nparams,
									  const char *const *values,
									  size_t output_limit);

/*
 * Print at most max_rows rows of each result (0: all); the rest are
 * counted in its "(N rows)" footer and in psql_run_rows_hidden.  psql has
 * no such setting: a run with one prints less than psql would.
 */
extern void psql_run_set_max_rows(PsqlRun *run, long max_rows);
extern long psql_run_rows_hidden(PsqlRun *run);

/*
 * Advance the run.  Call right after start and then whenever the socket
 * is ready for what the previous call asked for.  Never blocks.
 */
extern PsqlRunState psql_run_step(PsqlRun *run);

/*
 * Stop a run that has not finished: msg is printed as psql prints its own
 * errors, the exit code is 1, and the connection is not reusable.
 */
extern void psql_run_abort(PsqlRun *run, const char *msg);

/*
 * The caller has had the statement in flight cancelled on the server
 * (psql's Ctrl-C): no further statement is sent, and a run that stops
 * before its end exits with code 3.
 */
extern void psql_run_cancel(PsqlRun *run);

/*
 * After DONE: output bytes (NUL-terminated, but may contain NULs from COPY
 * binary data; use *len), whether the output was cut at output_limit, and
 * psql's exit code.
 */
extern const char *psql_run_output(PsqlRun *run, size_t *len,
								   bool *truncated, int *exit_code);

/*
 * After DONE: whether the connection can be reused for another run: false
 * when the connection was lost or a transaction block was left open
 * (psql would have ended the session, rolling it back).  A caller that
 * opened a transaction around the run, and ends it itself, passes
 * own_transaction: the run must then have left it open.
 */
extern bool psql_run_conn_ok(PsqlRun *run, bool own_transaction);

/*
 * Release the run.  While a run is active it owns the connection's notice
 * receiver and error verbosity / context visibility settings (psql's
 * defaults).  They are put back when the run finishes (or here, if it
 * did not): libpq cannot report a receiver's argument, so the previous
 * receiver function is restored with a NULL argument (right for libpq's
 * default receiver; callers with their own receiver re-install it).
 */
extern void psql_run_free(PsqlRun *run);

/*
 * What psql prints when it cannot connect (PQstatus is CONNECTION_BAD);
 * psql exits with code 2 in that case.  Result is palloc'd.
 */
extern char *psql_connect_failure_output(PGconn *conn);

/*
 * The statements of a script as a run would send them, for a caller that
 * looks at them first: psql_split_script calls fn on each, which says
 * what follows it.  Variables stand as placeholders (hoop_var, 'hoop_var'
 * or "hoop_var"); the split ends at a meta-command as a run does.
 */
typedef enum
{
	PSQL_SPLIT_NEXT,			/* go on with the next statement */
	PSQL_SPLIT_COPY_DATA,		/* a COPY FROM STDIN: its data lines follow */
	PSQL_SPLIT_COPY_BINARY,		/* ... in binary: the rest is data */
	PSQL_SPLIT_STOP
} PsqlSplitAction;

typedef PsqlSplitAction (*PsqlStatementFn) (void *arg, const char *query, int lineno);

extern void psql_split_script(const char *input, PsqlStatementFn fn, void *arg);

/*
 * A check of each statement right before it is sent: NULL lets it go,
 * a message stops the run there (printed as psql prints its own errors,
 * exit code 1) and the statement is not sent.  number counts the
 * statements sent, from 1; std_strings is the session's
 * standard_conforming_strings.
 */
typedef const char *(*PsqlCheckFn) (void *arg, const char *query, int number,
									bool std_strings);

extern void psql_run_set_check(PsqlRun *run, PsqlCheckFn fn, void *arg);

/*
 * Masking of what a run prints (psql has none): columns is called when a
 * result's rows start, before its header; cell for each value that is not
 * NULL; message for each error, notice and line of COPY TO STDOUT data.
 * cell and message return a replacement (palloc'd, its length in
 * *out_len) or NULL to keep the text.
 */
typedef struct PsqlMasker
{
	void		(*columns) (void *arg, const PGresult *res);
	char	   *(*cell) (void *arg, int col, const char *value, int len, int *out_len);
	char	   *(*message) (void *arg, const char *text, int len, int *out_len);
	void	   *arg;
} PsqlMasker;

extern void psql_run_set_masker(PsqlRun *run, const PsqlMasker *masker);

#endif							/* PSQL_RUN_H */
