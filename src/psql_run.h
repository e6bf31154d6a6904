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
 *	  Not supported (documented divergences from psql):
 *	  - Backslash meta-commands are not run.  Every one of them, including
 *		ones psql knows (\d, \x, \gset, ...), is reported the way psql
 *		reports an unknown command ("invalid command \foo", exit 3).  The
 *		only exceptions are \q / \quit, which end the script with exit 0
 *		just as psql does, and the lexer escapes \; and \:, which are part
 *		of SQL lexing rather than meta-commands.
 *	  - psql variables: only psql's built-in variables exist (DBNAME, HOST,
 *		PORT, USER, ENCODING, VERSION*, SERVER_VERSION_*, ROW_COUNT, ERROR,
 *		SQLSTATE, LASTOID and the setting variables with their defaults);
 *		:name, :'name', :"name" and :{?name} are substituted as psql does.
 *		Nothing can set a variable since \set is not supported.
 *	  - Asynchronous notifications are printed as psql prints them.
 *	  - COPY ... FROM STDIN reads its data from the script lines that
 *		follow the statement, up to a line "\." (as psql does with a
 *		script on stdin); COPY ... TO STDOUT output goes to the output.
 *	  - Messages are always English (psql run under the C locale).
 *
 * Memory: everything is palloc'd in the memory context current at
 * psql_run_start() (backend) or with the frontend palloc (FRONTEND).
 * psql_run_free() releases it; the output pointer stays valid until then.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PSQL_RUN_H
#define PSQL_RUN_H

#include "libpq-fe.h"

typedef enum
{
	PSQL_RUN_WANT_READ,
	PSQL_RUN_WANT_WRITE,
	PSQL_RUN_DONE
} PsqlRunState;

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
 * Advance the run.  Call right after start and then whenever the socket
 * is ready for what the previous call asked for.  Never blocks.
 */
extern PsqlRunState psql_run_step(PsqlRun *run);

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
 * (psql would have ended the session, rolling it back).
 */
extern bool psql_run_conn_ok(PsqlRun *run);

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

#endif							/* PSQL_RUN_H */
