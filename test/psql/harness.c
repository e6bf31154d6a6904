/*-------------------------------------------------------------------------
 *
 * harness.c
 *	  Standalone driver for the psql runner: connects like
 *
 *		psql -X -A -F '<TAB>' -P pager=off -v ON_ERROR_STOP=1 \
 *			-h HOST -p PORT -U USER DB
 *
 *	  (connection parameters from PGHOST, PGPORT, PGUSER, PGDATABASE or
 *	  -h/-p/-U and a database argument), reads the script from standard
 *	  input, runs it with a blocking poll() loop, writes the output to
 *	  standard output and exits with psql's exit code.
 *
 *	  Options: -l LIMIT sets output_limit (and prints "[truncated]" on
 *	  stderr when the output was cut); -q QUERY [VALUE...] runs a
 *	  parameterised query through psql_run_start_params instead of stdin.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <poll.h>
#include <unistd.h>

#include "libpq-fe.h"
#include "psql_run.h"

/*
 * Read all of standard input into a NUL-terminated string.
 */
static char *
read_stdin(void)
{
	size_t		cap = 8192;
	size_t		len = 0;
	char	   *buf = pg_malloc(cap);

	for (;;)
	{
		ssize_t		n;

		if (len + 1 >= cap)
		{
			cap *= 2;
			buf = pg_realloc(buf, cap);
		}
		n = read(0, buf + len, cap - len - 1);
		if (n < 0)
		{
			perror("read");
			exit(1);
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Wait until the socket is ready for what the runner asked.
 */
static void
wait_socket(PGconn *conn, PsqlRunState st)
{
	struct pollfd pfd;

	pfd.fd = PQsocket(conn);
	if (pfd.fd < 0)
		return;
	pfd.events = (st == PSQL_RUN_WANT_WRITE) ? POLLOUT : POLLIN;
	pfd.revents = 0;
	while (poll(&pfd, 1, -1) < 0)
	{
		if (errno != EINTR)
		{
			perror("poll");
			exit(1);
		}
	}
}

/*
 * Connect, run the script (or the -q query), print the output and exit
 * with the runner's exit code, as psql would.
 */
int
main(int argc, char **argv)
{
	const char *keywords[8];
	const char *values[8];
	const char *host = NULL;
	const char *port = NULL;
	const char *user = NULL;
	const char *dbname = NULL;
	const char *query = NULL;
	const char **qvalues = NULL;
	int			nqvalues = 0;
	size_t		limit = 0;
	PGconn	   *conn;
	PsqlRun    *run;
	PsqlRunState st;
	const char *out;
	size_t		outlen;
	bool		truncated;
	int			exit_code;
	int			i;
	int			k = 0;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "-h") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
			port = argv[++i];
		else if (strcmp(argv[i], "-U") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
			limit = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
		{
			query = argv[++i];
			qvalues = (const char **) &argv[i + 1];
			nqvalues = argc - i - 1;
			break;
		}
		else
			dbname = argv[i];
	}

	/* connect the way psql does (client_encoding "auto" unless set) */
	keywords[k] = "host";
	values[k++] = host;
	keywords[k] = "port";
	values[k++] = port;
	keywords[k] = "user";
	values[k++] = user;
	keywords[k] = "dbname";
	values[k++] = dbname;
	keywords[k] = "fallback_application_name";
	values[k++] = "psql";
	keywords[k] = "client_encoding";
	values[k++] = getenv("PGCLIENTENCODING") ? NULL : "auto";
	keywords[k] = NULL;
	values[k] = NULL;

	conn = PQconnectdbParams(keywords, values, 1);
	if (PQstatus(conn) == CONNECTION_BAD)
	{
		char	   *msg = psql_connect_failure_output(conn);

		fputs(msg, stdout);
		PQfinish(conn);
		return 2;
	}
	PQsetnonblocking(conn, 1);

	if (query)
		run = psql_run_start_params(conn, query, nqvalues, qvalues, limit);
	else
		run = psql_run_start(conn, read_stdin(), limit);

	while ((st = psql_run_step(run)) != PSQL_RUN_DONE)
		wait_socket(conn, st);

	out = psql_run_output(run, &outlen, &truncated, &exit_code);
	fwrite(out, 1, outlen, stdout);
	fflush(stdout);
	if (truncated)
		fprintf(stderr, "[truncated]\n");
	if (getenv("HARNESS_SHOW_CONN_OK"))
		fprintf(stderr, "[conn_ok=%d]\n", psql_run_conn_ok(run, false) ? 1 : 0);
	psql_run_free(run);
	PQfinish(conn);
	return exit_code;
}
