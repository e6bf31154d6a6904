/*
 * on_target.c
 *		Tools whose work is a query on a target database.
 *
 * A tool call finds its connection (tool_connection), creates its job
 * (tool_job_new) and leaves the request waiting for it (tool_job_wait);
 * the worker starts the job once the batch commits.  The driver
 * (target/driver.c) only completes jobs: the next batch collects the
 * finished ones here and each tool's finish records it and answers, and
 * when the tool's deadline passes first its expire answers without the
 * result.  A request that goes away (its client hung up) while its job
 * runs is forgotten by the job, through a callback on its memory context.
 */
#include "lib/common.h"

#include "utils/memutils.h"

#include "tools/tool_impl.h"
#include "tools/tools.h"

/* hoop's check of an argument its schema lets be empty. */
void
tool_require(const char *value, const char *name)
{
	if (value == NULL || value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is required", name)));
}

/* The connection the acting user may use, or the error hoop answers. */
ConnEntry *
tool_connection(Request *req, const char *name)
{
	ConnEntry  *c;

	tool_require(name, "connection_name");
	c = connection_lookup(name);
	if (c == NULL || !connection_visible(c, &req->actor))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("connection \"%s\" not found or not accessible", name),
				 errhint("connections_list shows the connections you may use.")));
	return c;
}

/*
 * What the target's pg_stat_activity and logs (%a) show
 * for a job: "hoop_mcp/<what>/<user>", where what is the exec's session
 * id or the tool's name; the server keeps 63 bytes of it.
 */
static char *
tool_application_name(Request *req, const char *what)
{
	return psprintf("hoop_mcp/%s/%s", what ? what : "tool",
					req->actor.email ? req->actor.email : req->actor.subject);
}

/*
 * A job on connection c (on database dbname instead of the connection's,
 * if given: hoop's schema tools run \c), with a zeroed tool struct of the
 * given size around it.  what names it on the target (tool_application_name).
 */
ToolJob *
tool_job_new(Request *req, ConnEntry *c, const char *dbname, const char *what, Size size)
{
	const char *keywords[67];
	const char *values[67];
	int			n = 0;
	char	   *session_options = connection_session_options(c);
	TargetJob  *job;
	ToolJob    *tj;

	for (int i = 0; i < c->noptions; i++)
	{
		if (dbname && strcmp(c->keywords[i], "dbname") == 0)
			continue;
		keywords[n] = c->keywords[i];
		values[n] = c->values[i];
		/* The connection's own options first: hoop_mcp's come last and win. */
		if (session_options && strcmp(keywords[n], "options") == 0)
		{
			values[n] = psprintf("%s %s", values[n], session_options);
			session_options = NULL;
		}
		n++;
	}
	if (dbname)
	{
		keywords[n] = "dbname";
		values[n++] = dbname;
	}
	if (session_options)
	{
		keywords[n] = "options";
		values[n++] = session_options;
	}
	/* Connections are pooled per user: no exec sees another user's session state. */
	job = target_job_new(req->cxt, keywords, values, n, c->allow_passwordless,
						 hoop_uuid_text(&req->actor.id));
	job->read_only = c->read_only;
	job->connect_timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 0;
	job->application_name = MemoryContextStrdup(job->cxt, tool_application_name(req, what));
	tj = MemoryContextAllocZero(job->cxt, size);
	tj->req = req;
	tj->job = job;
	job->owner = tj;
	return tj;
}


/* The request went away: nobody waits for its job any more. */
static void
request_gone(void *arg)
{
	Request    *req = arg;

	if (req->job)
	{
		ToolJob    *tj = req->job->owner;

		tj->req = NULL;
		req->job->deadline = 0;
	}
	req->job = NULL;
}

/* The request waits for the job, for timeout_ms at most. */
void
tool_job_wait(ToolJob *tj, int timeout_ms)
{
	Request    *req = tj->req;
	MemoryContextCallback *cb = MemoryContextAllocZero(req->cxt, sizeof(MemoryContextCallback));

	tj->job->deadline = TimestampTzPlusMilliseconds(tj->job->started_at, timeout_ms);
	req->job = tj->job;
	cb->func = request_gone;
	cb->arg = req;
	MemoryContextRegisterResetCallback(req->cxt, cb);
}

/* Its outcome is set: the waiting request (if any) is answered. */
void
tool_job_answer(ToolJob *tj)
{
	Request    *req = tj->req;

	if (req == NULL)
		return;
	tj->req = NULL;
	req->job = NULL;
	request_finish(req);
}

/* In the batch transaction: every job that ended since the last batch. */
void
tools_collect_finished(void)
{
	TargetJob  *job;

	while ((job = target_next_done()) != NULL)
	{
		ToolJob    *tj = job->owner;

		tj->finish(tj);
		target_job_free(job);
	}
}

/* In the loop: the tools' deadlines that passed. */
void
tools_check_deadlines(TimestampTz now)
{
	TargetJob  *job;

	while ((job = target_next_expired(now)) != NULL)
	{
		ToolJob    *tj = job->owner;

		if (tj->req)
			tj->expire(tj);
	}
}
