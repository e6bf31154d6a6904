/*-------------------------------------------------------------------------
 *
 * psql_run.c
 *	  Nonblocking state machine that runs a script the way psql 15 runs a
 *	  script read from standard input with ON_ERROR_STOP=1, producing the
 *	  same bytes and exit code.  See psql_run.h for the interface.
 *
 *	  Each statement found by the splitter is sent with PQsendQuery in
 *	  single-row mode; its results are formatted as they arrive.  The run
 *	  stops at the first failing statement (exit 3), at a meta-command
 *	  (exit 3, or 0 for \q) or when the connection is lost (exit 2).
 *
 *-------------------------------------------------------------------------
 */
#include "psql_int.h"

#include "pg_config.h"

/* psql's exit codes */
#define EXIT_OK			0
#define EXIT_PSQL		1
#define EXIT_BADCONN	2
#define EXIT_USER		3

typedef enum
{
	PH_NEXT,					/* find and send the next statement */
	PH_SEND,					/* flushing the query to the server */
	PH_RESULTS,					/* reading results of the statement */
	PH_COPY_OUT,				/* receiving COPY TO STDOUT data */
	PH_COPY_IN,					/* sending COPY FROM STDIN data */
	PH_COPY_END,				/* sending the end of COPY FROM STDIN */
	PH_DONE
} PsqlPhase;

struct PsqlRun
{
	PGconn	   *conn;
	PsqlMemCxt	cxt;
	PsqlPhase	phase;
	PsqlScanner sc;
	PsqlOut		out;
	PsqlTable	tab;
	StringInfoData lexmsg;		/* warnings from the splitter */
	int			exit_code;
	bool		conn_lost;
	size_t		widest;			/* bytes of the widest row or COPY line read */

	/* the statement in flight */
	bool		stmt_failed;
	bool		last_stmt;		/* end of the script after this one */
	size_t		err_reported;	/* bytes of PQerrorMessage already shown */
	bool		copy_final;		/* next result ends a COPY */
	bool		copy_was_out;	/* ... a COPY TO STDOUT */

	/* COPY FROM STDIN */
	bool		copy_binary;
	bool		copy_failed;
	const char *copy_data;
	size_t		copy_len;

	/* the caller's check of each statement before it is sent */
	PsqlCheckFn check_fn;
	void	   *check_arg;
	int			nsent;
	bool		cancelled;		/* psql_run_cancel: send nothing more */

	/* parameterised single query */
	char	   *param_query;
	int			nparams;
	char	  **param_values;

	/* result variables psql maintains */
	bool		have_result_vars;
	char		row_count[32];
	bool		have_lastoid;
	char		lastoid[16];

	/* connection settings we changed */
	PQnoticeReceiver saved_receiver;
	void	   *saved_receiver_arg;
	PGVerbosity saved_verbosity;
	PGContextVisibility saved_context;
	bool		hooks_installed;
};

static void finish_run(PsqlRun *run, int exit_code);

/*
 * Notice receiver installed for the duration of a run: psql prints every
 * notice immediately (pg_log_info of the formatted message), i.e. ahead
 * of any result it has not printed yet.
 */
static void
notice_receiver(void *arg, const PGresult *res)
{
	PsqlRun    *run = (PsqlRun *) arg;
	PsqlMemCxt	old = PSQL_SWITCH_CXT(run->cxt);

	psql_log_line(&run->out, PQresultErrorMessage(res), true);
	(void) PSQL_SWITCH_CXT(old);
	(void) old;
}

/*
 * Value of one of psql's built-in variables, or NULL.  These are what
 * psql defines at startup for this connection with our command line, plus
 * the variables it sets after each query.
 */
static const char *
builtin_variable(PsqlRun *run, const char *name, char *numbuf)
{
	static const char *const fixed[][2] = {
		{"AUTOCOMMIT", "on"},
		{"COMP_KEYWORD_CASE", "preserve-upper"},
		{"ECHO", "none"},
		{"ECHO_HIDDEN", "off"},
		{"FETCH_COUNT", "0"},
		{"HIDE_TABLEAM", "off"},
		{"HIDE_TOAST_COMPRESSION", "off"},
		{"HISTCONTROL", "none"},
		{"HISTSIZE", "500"},
		{"IGNOREEOF", "0"},
		{"LAST_ERROR_MESSAGE", ""},
		{"LAST_ERROR_SQLSTATE", "00000"},
		{"ON_ERROR_ROLLBACK", "off"},
		{"ON_ERROR_STOP", "1"},
		{"PROMPT1", "%/%R%x%# "},
		{"PROMPT2", "%/%R%x%# "},
		{"PROMPT3", ">> "},
		{"QUIET", "off"},
		{"SHOW_ALL_RESULTS", "on"},
		{"SHOW_CONTEXT", "errors"},
		{"SINGLELINE", "off"},
		{"SINGLESTEP", "off"},
		{"VERBOSITY", "default"},
		{"VERSION", PG_VERSION_STR},
		{"VERSION_NAME", PG_VERSION},
	};
	PGconn	   *conn = run->conn;
	int			i;

	for (i = 0; i < (int) lengthof(fixed); i++)
	{
		if (strcmp(name, fixed[i][0]) == 0)
			return fixed[i][1];
	}
	if (strcmp(name, "VERSION_NUM") == 0)
	{
		snprintf(numbuf, 32, "%d", PG_VERSION_NUM);
		return numbuf;
	}
	if (strcmp(name, "DBNAME") == 0)
		return PQdb(conn);
	if (strcmp(name, "USER") == 0)
		return PQuser(conn);
	if (strcmp(name, "HOST") == 0)
		return PQhost(conn);
	if (strcmp(name, "PORT") == 0)
		return PQport(conn);
	if (strcmp(name, "ENCODING") == 0)
		return pg_encoding_to_char(PQclientEncoding(conn));
	if (strcmp(name, "SERVER_VERSION_NAME") == 0)
		return PQparameterStatus(conn, "server_version");
	if (strcmp(name, "SERVER_VERSION_NUM") == 0)
	{
		snprintf(numbuf, 32, "%d", PQserverVersion(conn));
		return numbuf;
	}
	if (run->have_result_vars)
	{
		if (strcmp(name, "ERROR") == 0)
			return "false";
		if (strcmp(name, "SQLSTATE") == 0)
			return "00000";
		if (strcmp(name, "ROW_COUNT") == 0)
			return run->row_count;
	}
	if (run->have_lastoid && strcmp(name, "LASTOID") == 0)
		return run->lastoid;
	return NULL;
}

/*
 * Variable hook for the splitter: plain values are returned as they are,
 * :'x' and :"x" are quoted with libpq's escaping functions, as psql does.
 */
static char *
variable_hook(void *arg, const char *name, PsqlQuote quote)
{
	PsqlRun    *run = (PsqlRun *) arg;
	char		numbuf[32];
	const char *value = builtin_variable(run, name, numbuf);
	char	   *escaped;
	char	   *result;

	if (value == NULL)
		return NULL;
	if (quote == PSQL_QUOTE_PLAIN)
		return pstrdup(value);

	if (quote == PSQL_QUOTE_LITERAL)
		escaped = PQescapeLiteral(run->conn, value, strlen(value));
	else
		escaped = PQescapeIdentifier(run->conn, value, strlen(value));
	if (escaped == NULL)
	{
		psql_log_line(&run->out, PQerrorMessage(run->conn), true);
		return NULL;
	}
	result = pstrdup(escaped);
	PQfreemem(escaped);
	return result;
}

/*
 * Common setup of both entry points: take over the connection's notice
 * receiver and error display settings (psql's defaults: VERBOSITY default,
 * SHOW_CONTEXT errors).
 */
static PsqlRun *
new_run(PGconn *conn, const char *input, size_t output_limit)
{
	PsqlRun    *run = palloc0(sizeof(PsqlRun));

	run->conn = conn;
	run->cxt = PSQL_CURRENT_CXT();
	run->phase = PH_NEXT;
	psql_scan_init(&run->sc, input, variable_hook, run);
	psql_out_init(&run->out, output_limit);
	initStringInfo(&run->lexmsg);
	run->sc.messages = &run->lexmsg;

	/* libpq cannot tell us the old receiver's argument; see psql_run.h */
	run->saved_receiver = PQsetNoticeReceiver(conn, notice_receiver, run);
	run->saved_receiver_arg = NULL;
	run->saved_verbosity = PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
	run->saved_context = PQsetErrorContextVisibility(conn,
													 PQSHOW_CONTEXT_ERRORS);
	run->hooks_installed = true;
	return run;
}

/*
 * Start a script run.  Nothing is sent until the first psql_run_step().
 */
PsqlRun *
psql_run_start(PGconn *conn, const char *input, size_t output_limit)
{
	return new_run(conn, input ? input : "", output_limit);
}

/*
 * Start a run of one parameterised query.
 */
PsqlRun *
psql_run_start_params(PGconn *conn, const char *query, int nparams,
					  const char *const *values, size_t output_limit)
{
	PsqlRun    *run = new_run(conn, "", output_limit);
	int			i;

	run->param_query = pstrdup(query);
	run->nparams = nparams;
	if (nparams > 0)
	{
		run->param_values = palloc(sizeof(char *) * nparams);
		for (i = 0; i < nparams; i++)
			run->param_values[i] = values[i] ? pstrdup(values[i]) : NULL;
	}
	return run;
}

void
psql_run_set_max_rows(PsqlRun *run, long max_rows)
{
	run->out.max_rows = max_rows;
}

long
psql_run_rows_hidden(PsqlRun *run)
{
	return run->out.rows_hidden;
}

/*
 * Have fn look at each statement before it is sent (psql_run.h).
 */
void
psql_run_set_check(PsqlRun *run, PsqlCheckFn fn, void *arg)
{
	run->check_fn = fn;
	run->check_arg = arg;
}

/*
 * Have masker see what the run prints (psql_run.h).
 */
void
psql_run_set_masker(PsqlRun *run, const PsqlMasker *masker)
{
	run->out.masker = masker;
}

/*
 * Put back what we changed on the connection.
 */
static void
restore_conn(PsqlRun *run)
{
	if (!run->hooks_installed)
		return;
	PQsetNoticeReceiver(run->conn, run->saved_receiver,
						run->saved_receiver_arg);
	PQsetErrorVerbosity(run->conn, run->saved_verbosity);
	PQsetErrorContextVisibility(run->conn, run->saved_context);
	run->hooks_installed = false;
}

/*
 * End the run with psql's exit code.
 */
static void
finish_run(PsqlRun *run, int exit_code)
{
	psql_out_commit_all(&run->out);
	run->exit_code = exit_code;
	run->phase = PH_DONE;
	restore_conn(run);
}

/*
 * psql's CheckConnection() in a script: if the connection is gone, say so
 * and exit with code 2.  Returns true if the run ended.
 */
static bool
check_connection(PsqlRun *run)
{
	if (PQstatus(run->conn) != CONNECTION_BAD)
		return false;
	psql_log_line(&run->out, "connection to server was lost", false);
	run->conn_lost = true;
	finish_run(run, EXIT_BADCONN);
	return true;
}

/*
 * Print an error message psql-style after the output of completed
 * results it has already fetched, dropping rows of a result that failed
 * midway (psql never sees those rows).
 */
static void
print_error(PsqlRun *run, const char *msg)
{
	psql_out_discard_inprog(&run->out);
	psql_out_print_pending(&run->out);
	if (msg[0] != '\0')
		psql_log_line(&run->out, msg, false);
	psql_out_commit_all(&run->out);
	run->stmt_failed = true;
	run->tab.started = false;
	run->tab.nrows = 0;
}

/*
 * Print the asynchronous notifications that arrived, as psql does after
 * every query.
 */
static void
print_notifications(PsqlRun *run)
{
	PGnotify   *notify;
	char	   *line;

	while ((notify = PQnotifies(run->conn)) != NULL)
	{
		if (notify->extra[0])
			line = psprintf("Asynchronous notification \"%s\" with payload \"%s\" received from server process with PID %d.\n",
							notify->relname, notify->extra, notify->be_pid);
		else
			line = psprintf("Asynchronous notification \"%s\" received from server process with PID %d.\n",
							notify->relname, notify->be_pid);
		psql_out_append_str(&run->out, line);
		pfree(line);
		PQfreemem(notify);
		PQconsumeInput(run->conn);
	}
	psql_out_commit_all(&run->out);
}

/*
 * Remember the variables psql sets after a successful query from its
 * last result.
 */
static void
set_result_vars(PsqlRun *run, const PGresult *res)
{
	const char *ntuples = PQcmdTuples((PGresult *) res);

	run->have_result_vars = true;
	strlcpy(run->row_count, *ntuples ? ntuples : "0",
			sizeof(run->row_count));
}

/*
 * psql's PrintQueryStatus side effect: LASTOID.
 */
static void
set_lastoid(PsqlRun *run, const PGresult *res)
{
	run->have_lastoid = true;
	snprintf(run->lastoid, sizeof(run->lastoid), "%u",
			 (unsigned int) PQoidValue((PGresult *) res));
}

/*
 * The statement's results are all in.  Decide what comes next.
 */
static void
statement_done(PsqlRun *run)
{
	psql_out_commit_all(&run->out);
	print_notifications(run);
	if (run->stmt_failed)
		finish_run(run, EXIT_USER);
	else if (run->last_stmt)
		finish_run(run, EXIT_OK);
	else
		run->phase = PH_NEXT;
}

/*
 * Send a statement (psql's SendQuery), in single-row mode.  Returns false
 * if it could not be sent; the run has then been finished or marked
 * failed.
 */
static bool
send_query(PsqlRun *run, const char *query)
{
	int			ok;

	run->stmt_failed = false;
	run->copy_final = false;
	run->err_reported = 0;
	run->tab.started = false;
	run->tab.nrows = 0;

	/* As psql stops a script at Ctrl-C: exit code 3. */
	if (run->cancelled)
	{
		finish_run(run, EXIT_USER);
		return false;
	}
	if (run->check_fn && !run->param_query)
	{
		const char *scs = PQparameterStatus(run->conn, "standard_conforming_strings");
		const char *refusal = run->check_fn(run->check_arg, query, ++run->nsent,
											scs != NULL && strcmp(scs, "on") == 0);

		if (refusal)
		{
			print_error(run, refusal);
			finish_run(run, EXIT_PSQL);
			return false;
		}
	}

	if (run->param_query)
		ok = PQsendQueryParams(run->conn, run->param_query, run->nparams,
							   NULL, (const char *const *) run->param_values,
							   NULL, NULL, 0);
	else
		ok = PQsendQuery(run->conn, query);
	if (!ok)
	{
		print_error(run, PQerrorMessage(run->conn));
		if (!check_connection(run))
			statement_done(run);
		return false;
	}
	PQsetSingleRowMode(run->conn);
	run->phase = PH_SEND;
	return true;
}

/*
 * Handle a meta-command: we run none, and report each one the way psql
 * reports a command it does not know, which ends the script under
 * ON_ERROR_STOP.  \q and \quit end the script as in psql: like the end
 * of input, which sends a statement left without a semicolon.
 */
static void
handle_backslash(PsqlRun *run)
{
	char	   *cmd = psql_scan_slash_command(&run->sc);

	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0)
	{
		StringInfoData warn;

		initStringInfo(&warn);
		psql_scan_slash_extra_args(&run->sc, &warn, cmd);
		psql_out_append(&run->out, warn.data, warn.len);
		psql_out_commit_all(&run->out);
		pfree(warn.data);

		/*
		 * psql leaves its main loop and then, as at end of input, sends
		 * whatever is in the query buffer.
		 */
		if (run->sc.query.len > 0)
		{
			run->last_stmt = true;
			send_query(run, run->sc.query.data);
		}
		else
			finish_run(run, EXIT_OK);
	}
	else
	{
		char	   *msg = psprintf("invalid command \\%s", cmd);

		psql_log_line(&run->out, msg, false);
		pfree(msg);
		finish_run(run, EXIT_USER);
	}
	pfree(cmd);
}

/*
 * Find the next statement and send it, or finish the run.
 */
static void
next_statement(PsqlRun *run)
{
	const char *scs;
	PsqlScanEvent ev;

	if (run->param_query)
	{
		if (run->last_stmt)
		{
			finish_run(run, EXIT_OK);
			return;
		}
		run->last_stmt = true;
		send_query(run, run->param_query);
		return;
	}

	scs = PQparameterStatus(run->conn, "standard_conforming_strings");
	ev = psql_scan_next(&run->sc, PQclientEncoding(run->conn),
						scs != NULL && strcmp(scs, "on") == 0);
	if (run->lexmsg.len > 0)
	{
		/* printed while psql lexed the line, before anything below */
		psql_out_append(&run->out, run->lexmsg.data, run->lexmsg.len);
		psql_out_commit_all(&run->out);
		resetStringInfo(&run->lexmsg);
	}
	switch (ev)
	{
		case PSQL_SCAN_SEND:
			send_query(run, run->sc.query.data);
			break;
		case PSQL_SCAN_BACKSLASH:
			handle_backslash(run);
			break;
		case PSQL_SCAN_EOF:
			if (run->sc.query.len > 0)
			{
				run->last_stmt = true;
				send_query(run, run->sc.query.data);
			}
			else
				finish_run(run, EXIT_OK);
			break;
	}
}

/*
 * Handle one result from PQgetResult (never NULL).  Mirrors psql's
 * ExecQueryAndProcessResults / PrintQueryResult.  Returns true if psql
 * would check the connection now (after an error result).
 */
static bool
handle_result(PsqlRun *run, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	bool		check = false;

	if (run->copy_final)
	{
		/* the result that ends a COPY, as psql's HandleCopyResult sees it */
		run->copy_final = false;
		if (st != PGRES_COMMAND_OK)
		{
			print_error(run, PQerrorMessage(run->conn));
			run->err_reported = strlen(PQerrorMessage(run->conn));
			PQclear(res);
			return false;
		}
		if (run->copy_was_out)
		{
			/* psql prints no status for COPY TO STDOUT */
			psql_out_result_done(&run->out);
			set_result_vars(run, res);
			PQclear(res);
			return false;
		}
	}

	switch (st)
	{
		case PGRES_SINGLE_TUPLE:
			{
				size_t		width = 0;

				for (int i = 0; i < PQnfields(res); i++)
					width += PQgetlength(res, 0, i);
				if (width > run->widest)
					run->widest = width;
			}
			psql_table_rows(&run->out, &run->tab, res);
			break;

		case PGRES_TUPLES_OK:
			psql_table_finish(&run->out, &run->tab, res);
			{
				const char *status = PQcmdStatus(res);

				if (strncmp(status, "INSERT", 6) == 0 ||
					strncmp(status, "UPDATE", 6) == 0 ||
					strncmp(status, "DELETE", 6) == 0)
					set_lastoid(run, res);
			}
			psql_out_result_done(&run->out);
			set_result_vars(run, res);
			break;

		case PGRES_COMMAND_OK:
			psql_command_status(&run->out, res);
			set_lastoid(run, res);
			psql_out_result_done(&run->out);
			set_result_vars(run, res);
			break;

		case PGRES_EMPTY_QUERY:
			psql_out_result_done(&run->out);
			set_result_vars(run, res);
			break;

		case PGRES_COPY_OUT:
			psql_out_result_done(&run->out);
			psql_out_commit_all(&run->out);
			run->copy_was_out = true;
			run->phase = PH_COPY_OUT;
			break;

		case PGRES_COPY_IN:
			psql_out_result_done(&run->out);
			psql_out_commit_all(&run->out);
			run->copy_was_out = false;
			run->copy_binary = PQbinaryTuples(res) != 0;
			run->copy_failed = false;
			run->copy_data = NULL;
			run->phase = PH_COPY_IN;
			break;

		case PGRES_BAD_RESPONSE:
		case PGRES_NONFATAL_ERROR:
		case PGRES_FATAL_ERROR:
			print_error(run, PQresultErrorMessage(res));
			run->err_reported = strlen(PQerrorMessage(run->conn));
			check = true;
			break;

		default:
			{
				char	   *msg = psprintf("unexpected PQresultStatus: %d",
										   (int) st);

				print_error(run, msg);
				pfree(msg);
			}
			break;
	}
	PQclear(res);
	return check;
}

/*
 * Read and handle results until libpq would block, the statement is
 * complete or a COPY starts.  Returns what to wait for, or DONE.
 */
static PsqlRunState
read_results(PsqlRun *run)
{
	if (!PQconsumeInput(run->conn) && PQstatus(run->conn) == CONNECTION_BAD)
	{
		/*
		 * The connection broke.  psql's blocking PQgetResult would report
		 * what libpq added to the connection's error message since the
		 * last error result; fetching it nonblockingly would also complain
		 * about the closed socket, so take the message directly.
		 */
		const char *msg = PQerrorMessage(run->conn);

		if (strlen(msg) > run->err_reported)
			msg += run->err_reported;
		else
			msg = "";
		print_error(run, msg);
		check_connection(run);
		return PSQL_RUN_DONE;
	}

	while (run->phase == PH_RESULTS)
	{
		PGresult   *res;

		if (PQisBusy(run->conn))
			return PSQL_RUN_WANT_READ;
		res = PQgetResult(run->conn);
		if (res == NULL)
		{
			statement_done(run);
			break;
		}
		if (handle_result(run, res) && check_connection(run))
			return PSQL_RUN_DONE;
	}
	return PSQL_RUN_WANT_READ;	/* caller loops on the new phase */
}

/*
 * Receive COPY TO STDOUT data; psql writes it straight to its output.
 */
static PsqlRunState
copy_out(PsqlRun *run)
{
	bool		consumed = false;
	int			ret;

	for (;;)
	{
		char	   *buf = NULL;

		ret = PQgetCopyData(run->conn, &buf, 1);
		if (ret > 0)
		{
			if ((size_t) ret > run->widest)
				run->widest = ret;
			psql_out_append_masked(&run->out, -1, buf, ret);
			psql_out_commit_all(&run->out);
			PQfreemem(buf);
			continue;
		}
		if (ret != 0)
			break;
		if (consumed)
			return PSQL_RUN_WANT_READ;
		if (!PQconsumeInput(run->conn) &&
			PQstatus(run->conn) == CONNECTION_BAD)
		{
			ret = -2;
			break;
		}
		consumed = true;
	}

	if (ret == -2)
	{
		char	   *msg = psprintf("COPY data transfer failed: %s",
								   PQerrorMessage(run->conn));

		psql_log_line(&run->out, msg, false);
		pfree(msg);
		run->stmt_failed = true;
		if (PQstatus(run->conn) == CONNECTION_BAD)
		{
			run->conn_lost = true;
			finish_run(run, EXIT_USER);
			return PSQL_RUN_DONE;
		}
	}
	/* fetch the COPY's own result next */
	run->copy_final = true;
	run->phase = PH_RESULTS;
	return PSQL_RUN_WANT_READ;
}

/*
 * Send COPY FROM STDIN data: the script lines after the COPY statement's
 * line up to "\." (binary: the rest of the script), then the end marker.
 */
static PsqlRunState
copy_in(PsqlRun *run)
{
	for (;;)
	{
		int			ret;

		if (run->copy_data == NULL)
		{
			if (run->copy_binary)
			{
				psql_scan_copy_rest(&run->sc, &run->copy_data, &run->copy_len);
				if (run->copy_len == 0)
				{
					run->phase = PH_COPY_END;
					return PSQL_RUN_WANT_WRITE;
				}
			}
			else
			{
				if (!psql_scan_copy_line(&run->sc, &run->copy_data,
										 &run->copy_len))
				{
					run->phase = PH_COPY_END;
					return PSQL_RUN_WANT_WRITE;
				}
				if ((run->copy_len == 3 &&
					 memcmp(run->copy_data, "\\.\n", 3) == 0) ||
					(run->copy_len == 4 &&
					 memcmp(run->copy_data, "\\.\r\n", 4) == 0))
				{
					run->copy_data = NULL;
					run->phase = PH_COPY_END;
					return PSQL_RUN_WANT_WRITE;
				}
			}
		}
		ret = PQputCopyData(run->conn, run->copy_data, (int) run->copy_len);
		if (ret == 0)
			return PSQL_RUN_WANT_WRITE;
		if (ret < 0)
		{
			run->copy_failed = true;
			run->copy_data = NULL;
			run->phase = PH_COPY_END;
			return PSQL_RUN_WANT_WRITE;
		}
		run->copy_data = NULL;
		if (run->copy_binary)
		{
			run->phase = PH_COPY_END;
			return PSQL_RUN_WANT_WRITE;
		}
	}
}

/*
 * Advance the run as far as possible without blocking.
 */
PsqlRunState
psql_run_step(PsqlRun *run)
{
	PsqlMemCxt	old = PSQL_SWITCH_CXT(run->cxt);
	PsqlRunState result = PSQL_RUN_DONE;
	int			ret;

	(void) old;
	for (;;)
	{
		switch (run->phase)
		{
			case PH_NEXT:
				next_statement(run);
				continue;

			case PH_SEND:
				ret = PQflush(run->conn);
				if (ret > 0)
				{
					result = PSQL_RUN_WANT_WRITE;
					break;
				}
				run->phase = PH_RESULTS;
				continue;

			case PH_RESULTS:
				result = read_results(run);
				if (run->phase == PH_RESULTS && result != PSQL_RUN_DONE)
					break;
				continue;

			case PH_COPY_OUT:
				result = copy_out(run);
				if (run->phase == PH_COPY_OUT)
					break;
				continue;

			case PH_COPY_IN:
				result = copy_in(run);
				if (run->phase == PH_COPY_IN)
					break;
				continue;

			case PH_COPY_END:
				ret = PQputCopyEnd(run->conn, run->copy_failed ?
								   "aborted because of read failure" : NULL);
				if (ret == 0)
				{
					result = PSQL_RUN_WANT_WRITE;
					break;
				}
				if (ret < 0)
					run->stmt_failed = true;
				ret = PQflush(run->conn);
				if (ret > 0)
				{
					/* end marker queued; finish flushing in PH_SEND */
					run->copy_final = true;
					run->phase = PH_SEND;
					result = PSQL_RUN_WANT_WRITE;
					break;
				}
				run->copy_final = true;
				run->phase = PH_RESULTS;
				continue;

			case PH_DONE:
				result = PSQL_RUN_DONE;
				break;
		}
		break;
	}
	(void) PSQL_SWITCH_CXT(old);
	return result;
}

/*
 * The run's output and exit code (valid once DONE).
 */
const char *
psql_run_output(PsqlRun *run, size_t *len, bool *truncated, int *exit_code)
{
	if (len)
		*len = run->out.buf.len;
	if (truncated)
		*truncated = psql_out_truncated(&run->out);
	if (exit_code)
		*exit_code = run->exit_code;
	return run->out.buf.data;
}

/*
 * Stop the run at once with a message of psql's own (exit code 1, a
 * failure of the client, not of SQL), as psql stops when it runs out of
 * memory for a result.  The connection holds part of a message and is
 * not reused.
 */
void
psql_run_abort(PsqlRun *run, const char *msg)
{
	print_error(run, msg);
	run->conn_lost = true;
	finish_run(run, EXIT_PSQL);
}

/*
 * The caller asked the server to cancel the statement in flight: the run
 * sends no other one (psql stops a script at Ctrl-C).  The cancelled
 * statement ends with the server's error, which ON_ERROR_STOP ends the
 * run at.
 */
void
psql_run_cancel(PsqlRun *run)
{
	run->cancelled = true;
}

/*
 * Can the caller run something else on this connection?
 */
bool
psql_run_conn_ok(PsqlRun *run, bool own_transaction)
{
	PGTransactionStatusType ts;

	if (run->conn_lost || PQstatus(run->conn) != CONNECTION_OK)
		return false;
	/*
	 * libpq keeps the input buffer a wide row made it grow for as long as
	 * the connection lives: give that memory back now, not when the pooled
	 * connection idles out.
	 */
	if (run->widest > PSQL_RUN_POOL_MAX_ROW)
		return false;
	ts = PQtransactionStatus(run->conn);
	if (own_transaction)
		return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
	return ts == PQTRANS_IDLE;
}

/*
 * Release the run.
 */
void
psql_run_free(PsqlRun *run)
{
	restore_conn(run);
	psql_scan_free(&run->sc);
	pfree(run->lexmsg.data);
	if (run->out.buf.data)
		pfree(run->out.buf.data);
	if (run->param_query)
		pfree(run->param_query);
	if (run->param_values)
	{
		int			i;

		for (i = 0; i < run->nparams; i++)
		{
			if (run->param_values[i])
				pfree(run->param_values[i]);
		}
		pfree(run->param_values);
	}
	pfree(run);
}

/*
 * What psql prints when the connection attempt failed:
 * "psql: error: " and libpq's message (one trailing newline dropped), and
 * a newline.
 */
char *
psql_connect_failure_output(PGconn *conn)
{
	const char *msg = PQerrorMessage(conn);
	size_t		len = strlen(msg);

	if (len > 0 && msg[len - 1] == '\n')
		len--;
	return psprintf("psql: error: %.*s\n", (int) len, msg);
}
