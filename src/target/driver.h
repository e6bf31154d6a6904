/*
 * driver.h
 *		Queries on target databases, run from the worker's loop (driver.c).
 */
#ifndef HOOP_MCP_DRIVER_H
#define HOOP_MCP_DRIVER_H

#include "lib/ilist.h"
#include "utils/timestamp.h"

#include "target/psql_run.h"

struct PsqlRun;
typedef struct Pool Pool;

typedef struct TargetJob
{
	dlist_node	node;			/* on the finished list once done */
	MemoryContext cxt;			/* the job, its output and its owner's data */

	/* Set by the caller */
	void	   *owner;			/* the caller's state for this job */
	TimestampTz deadline;		/* when target_next_expired reports it; 0: never */
	const char *script;			/* psql input to run, or NULL: */
	const char *query;			/* a query with parameters */
	int			nparams;
	const char **params;
	bool		read_only;		/* run in BEGIN READ ONLY ... ROLLBACK */
	const char *application_name;	/* the target session's, for the run */
	PsqlCheckFn check;			/* looks at each statement before it is sent */
	void	   *check_arg;
	const PsqlMasker *masker;	/* sees what the run prints */
	const char *prelude_query;	/* a query of the session's set-up, or NULL */
	void		(*prelude_rows) (void *arg, const PGresult *res);	/* its result */
	void	   *prelude_arg;
	int			connect_timeout_ms; /* 0: hoop_mcp.connect_timeout */
	long		max_rows;		/* rows of one result shown; 0: all */

	/* Set by target_cancel */
	const char *cancel_reason;	/* printed after the output once done */
	TimestampTz cancel_deadline;	/* the connection is dropped after it */

	/* Set by the driver once done */
	bool		done;
	int			exit_code;		/* psql's: 0 ok, 1 error, 2 connection failure */
	const char *output;			/* as psql would print it, NUL bytes replaced */
	size_t		output_len;
	bool		truncated;		/* cut at hoop_mcp.max_output_bytes */
	long		rows_hidden;	/* rows past max_rows, counted, not shown */
	long		elapsed_ms;

	/* The driver's own */
	bool		allow_passwordless;
	Pool	   *pool;
	struct TargetConn *tc;
	struct TargetConn *cancels; /* a canceller's: whose statement it cancels */
	struct PsqlRun *run;
	TimestampTz started_at;
} TargetJob;

extern void target_init(void);
extern int	target_epoll_fd(void);
extern TargetJob *target_job_new(MemoryContext parent, const char *const *keywords,
								 const char *const *values, int n, bool allow_passwordless,
								 const char *partition);
extern void target_job_free(TargetJob *job);
extern void target_start(TargetJob *job);
extern void target_poll(void);
extern bool target_has_finished(void);
extern TargetJob *target_next_done(void);
extern TargetJob *target_next_expired(TimestampTz now);
extern void target_cancel(TargetJob *job, const char *reason);
extern long target_next_timeout_ms(TimestampTz now);

#endif							/* HOOP_MCP_DRIVER_H */
