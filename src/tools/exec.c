/*
 * exec.c
 *		exec and reviews_execute: running an agent's input on a target.
 *
 * exec: the session row is committed before the query starts; when the
 * query ends, the worker's next batch finishes the row and answers.  After
 * hoop_mcp.exec_wait_timeout the caller gets "running" and the query goes
 * on.  An exec an access request rule covers stores a PENDING review
 * instead; reviews_execute later runs its stored input in the same session
 * and marks the review EXECUTED when it ends.
 *
 * A running exec can be cancelled (tools_take_cancels): by its session id
 * (sessions_cancel, from any worker or backend) or by the JSON-RPC
 * request that started it (notifications/cancelled); the session then
 * ends with what ran, and a line saying who cancelled it.
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "ipc/cancels.h"
#include "ipc/workers.h"
#include "lib/json.h"
#include "lib/subxact.h"
#include "policy/guardrails.h"
#include "policy/masking.h"
#include "policy/read_only.h"
#include "policy/risk.h"
#include "store/extension.h"
#include "store/plans.h"
#include "store/sessions.h"
#include "tools/tool_impl.h"
#include "tools/tools.h"

typedef struct ExecJob
{
	ToolJob		base;
	SessionEnd	session;		/* its id, and later how it ended */
	dlist_node	running;		/* in running_execs until its job is freed */
	Policy	   *policy;			/* the connection's guardrails and masking */
	Masker	   *masker;			/* or NULL */
	bool		read_only;
} ExecJob;

static dlist_head running_execs = DLIST_STATIC_INIT(running_execs);

/* hoop's access-request interceptor: must this exec be reviewed? */
static const char *const gate_sql =
"SELECT review_type, (rule).name FROM hoop_mcp._exec_gate($1, $2, $3)";

static const char *const review_open_sql =
"SELECT hoop_mcp._review_open($1, $2, $3)";

static const char *const review_begin_sql =
"SELECT session_id, connection_name, input FROM hoop_mcp._review_execute_begin($1, $2)";

/* The exec envelope (hoop's execResponseToEnvelope), keys sorted as Go does. */
static char *
exec_envelope(const pg_uuid_t *session_id, bool review, const char *output, size_t len,
			  int exit_code, bool truncated, long elapsed_ms)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfo(&out, "{\"exit_code\":%d,\"execution_time_ms\":%ld,%s\"output\":",
					 exit_code, elapsed_ms, review ? "" : "\"has_review\":false,");
	append_json_string(&out, output, len);
	appendStringInfo(&out, ",\"output_status\":\"%s\",\"session_id\":\"%s\",\"status\":\"%s\",\"truncated\":%s}",
					 exit_code == 0 ? "success" : "failed", hoop_uuid_text(session_id),
					 exit_code == 0 ? "completed" : "failed", truncated ? "true" : "false");
	return out.data;
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

/*
 * Stores the exec's session, open but not running (no executor until
 * approved), and a PENDING review made from access request rule
 * rule_name; answers hoop's pending_approval envelope.
 */
static void
exec_for_review(Request *req, const pg_uuid_t *session_id, ConnEntry *c, const char *input,
				Jsonb *metadata, const SessionPolicy *said, const char *review_type,
				const char *rule_name)
{
	Oid			types[3] = {UUIDOID, TEXTOID, TEXTOID};
	Datum		args[3];
	char	   *sid;
	char	   *url;
	StringInfoData env;

	sessions_insert(session_id, &req->actor, c, input, metadata, NULL, NULL, said);
	args[0] = UUIDPGetDatum(session_id);
	args[1] = CStringGetTextDatum(review_type);
	args[2] = CStringGetTextDatum(rule_name);
	if (hoop_execute_plan(hoop_plan(review_open_sql, 3, types), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not store the review");

	/* hoop's pending_approval envelope, keys sorted as Go does. */
	sid = hoop_uuid_text(session_id);
	url = psprintf("%s/sessions/%s", hoop_api_url(), sid);
	initStringInfo(&env);
	appendStringInfoString(&env,
						   "{\"message\":\"Approval required before this execution can run\","
						   "\"next_step\":\"call reviews_wait with review_id (long-polls until status changes); "
						   "once status=APPROVED call reviews_execute\",\"review_id\":");
	append_json_string(&env, sid, strlen(sid));
	appendStringInfoString(&env, ",\"review_url\":");
	append_json_string(&env, url, strlen(url));
	appendStringInfoString(&env, ",\"session_id\":");
	append_json_string(&env, sid, strlen(sid));
	appendStringInfoString(&env, ",\"status\":\"pending_approval\"}");
	request_outcome_json(req, env.data);
}

/*
 * hoop's access-request interceptor: when an access request rule covers
 * this exec, it waits for a review (exec_for_review).  Returns false when
 * the exec may run.
 */
static bool
exec_gated(Request *req, const pg_uuid_t *session_id, ConnEntry *c, const char *input,
		   Jsonb *metadata, const SessionPolicy *said)
{
	Oid			gate_types[3] = {TEXTOID, TEXTARRAYOID, TEXTOID};
	Datum		gate_args[3];
	bool		isnull;

	gate_args[0] = CStringGetTextDatum(req->actor.subject);
	gate_args[1] = req->actor.groups;
	gate_args[2] = CStringGetTextDatum(c->name);
	if (hoop_execute_plan(hoop_plan(gate_sql, 3, gate_types), gate_args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not check the access request rules");
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return false;
	exec_for_review(req, session_id, c, input, metadata, said,
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
	return true;
}

/*
 * The risk analysis of input (hoop's ai_analysis, from the parse tree),
 * with the action the connection's analyzer rule takes at its level:
 * allow_execution when no rule names the connection.  said gets it, and
 * the NOTIFY payload its level and action.
 */
static const char *
exec_analysis(ConnEntry *c, Analysis *a, SessionPolicy *said)
{
	RiskAnalysis *risk = risk_analyse(a);
	const char *action = c->analyzer_rule ? c->risk_actions[risk->level] : "allow_execution";

	said->ai_analysis = risk_analysis_json(risk, action);
	said->notify = psprintf(",\"risk_level\":\"%s\",\"action\":\"%s\"", risk_level_name(risk->level), action);
	return action;
}

/* ,"guardrail":"<rule>": the NOTIFY payload's part of a guardrail's hit. */
static char *
notify_guardrail(const char *rule_name)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoString(&out, ",\"guardrail\":");
	append_json_string(&out, rule_name, strlen(rule_name));
	return out.data;
}

/* hoop's envelope of an exec the analyzer rule blocks. */
static char *
blocked_envelope(const pg_uuid_t *session_id, const char *analysis)
{
	return psprintf("{\"ai_analysis\":%s,\"execution_time_ms\":0,\"exit_code\":254,\"has_review\":false,"
					"\"output\":\"Session blocked by AI risk analyzer\",\"output_status\":\"blocked\","
					"\"session_id\":\"%s\",\"status\":\"failed\",\"truncated\":false}",
					analysis, hoop_uuid_text(session_id));
}

static void
finish_session(void *arg)
{
	sessions_finish((SessionEnd *) arg);
}

static void
mark_review_executed(void *arg)
{
	sessions_mark_review_executed(&((SessionEnd *) arg)->id);
}

/*
 * Output that was cut, as the agent gets it: up to its last whole line,
 * then one line that says what was left out and why, so that nobody takes
 * it for all there was.
 */
static void
exec_output_shown(TargetJob *job, SessionEnd *end)
{
	StringInfoData out;
	size_t		len = job->output_len;

	end->output = job->output;
	end->output_len = len;
	end->truncated = job->truncated || job->rows_hidden > 0;
	if (!end->truncated)
		return;
	if (job->truncated)
		while (len > 0 && job->output[len - 1] != '\n')
			len--;
	initStringInfo(&out);
	appendBinaryStringInfo(&out, job->output, len);
	if (out.len > 0 && out.data[out.len - 1] != '\n')
		appendStringInfoChar(&out, '\n');
	appendStringInfoString(&out, "hoop_mcp: output truncated:");
	if (job->rows_hidden > 0)
		appendStringInfo(&out, " %ld row%s past max_rows (%ld) not shown, but counted in the row counts%s",
						 job->rows_hidden, job->rows_hidden == 1 ? "" : "s", job->max_rows,
						 job->truncated ? ";" : "");
	if (job->truncated)
		appendStringInfo(&out, " the rest past hoop_mcp.max_output_bytes (%d kB) not shown",
						 hoop_max_output_bytes / 1024);
	appendStringInfoChar(&out, '\n');
	end->output = out.data;
	end->output_len = out.len;
}

/* A cancelled exec's output ends with who cancelled it. */
static void
exec_output_cancelled(TargetJob *job, SessionEnd *end)
{
	StringInfoData out;

	initStringInfo(&out);
	appendBinaryStringInfo(&out, end->output, end->output_len);
	if (out.len > 0 && out.data[out.len - 1] != '\n')
		appendStringInfoChar(&out, '\n');
	if (job->exit_code == 0)
		appendStringInfo(&out, "hoop_mcp: %s, but every statement had already completed\n",
						 job->cancel_reason);
	else
		appendStringInfo(&out, "hoop_mcp: %s\n", job->cancel_reason);
	end->output = out.data;
	end->output_len = out.len;
}

/*
 * The output guardrails see the output as the agent would (masked, cut):
 * on a match it is withheld, and the session records which rule.
 */
static void
exec_output_guarded(ExecJob *ej)
{
	GuardrailHit *hit = guardrails_check(ej->policy->output_rules, ej->session.output,
										 ej->session.output_len);

	if (hit == NULL)
		return;
	ej->session.output = hit->message;
	ej->session.output_len = strlen(hit->message);
	ej->session.truncated = false;
	ej->session.exit_code = 1;
	ej->session.guardrails_info = hit->info;
	ej->session.notify = notify_guardrail(hit->rule_name);
}

/* The query ended: finish its session, then answer whoever still waits. */
static void
exec_finish(ToolJob *tj)
{
	ExecJob    *ej = (ExecJob *) tj;
	TargetJob  *job = tj->job;

	exec_output_shown(job, &ej->session);
	ej->session.exit_code = job->exit_code;
	exec_output_guarded(ej);
	if (job->cancel_reason)
		exec_output_cancelled(job, &ej->session);
	ej->session.masked = masker_counts(ej->masker);
	if (ej->session.masked)
		ej->session.notify = psprintf("%s,\"masked\":%ld", ej->session.notify ? ej->session.notify : "",
									  masker_total(ej->masker));
	ej->session.elapsed_ms = job->elapsed_ms;
	if (extension_ready() &&
		subxact_try(finish_session, &ej->session, CurrentMemoryContext, "finish the session") &&
		ej->session.review)
		(void) subxact_try(mark_review_executed, &ej->session, CurrentMemoryContext,
						   "mark the review executed");
	if (tj->req)
	{
		request_outcome_json(tj->req,
							 exec_envelope(&ej->session.id, ej->session.review, ej->session.output,
										   ej->session.output_len, ej->session.exit_code,
										   ej->session.truncated, job->elapsed_ms));
		tool_job_answer(tj);
	}
}

/* Still running after exec_wait_timeout: answer "running"; it goes on. */
static void
exec_expire(ToolJob *tj)
{
	ExecJob    *ej = (ExecJob *) tj;

	request_outcome_json(tj->req,
						 psprintf("{\"message\":\"execution still running after %ds; poll sessions_get with session_id\","
								  "\"next_step\":\"poll sessions_get with session_id\",\"session_id\":\"%s\",\"status\":\"running\"}",
								  hoop_exec_wait_timeout_ms / 1000, hoop_uuid_text(&ej->session.id)));
	tool_job_answer(tj);
}

/* The job is freed (it ended, or its request failed before it started). */
static void
exec_forget(void *arg)
{
	ExecJob    *ej = arg;

	dlist_delete(&ej->running);
}

/*
 * Each statement right before it is sent, as the target gets it, on a
 * read-only connection and where column rules mask (a PsqlCheckFn): one
 * analysis for both, in a context of its own, only a refusal kept.
 */
static const char *
exec_check(void *arg, const char *query, int number, bool std_strings)
{
	ExecJob    *ej = arg;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(caller, "hoop_mcp statement check", ALLOCSET_SMALL_SIZES);
	List	   *statements;
	char	   *refusal = NULL;

	MemoryContextSwitchTo(cxt);
	statements = analyse_query(query, number, 0, std_strings);
	if (ej->read_only)
		refusal = read_only_statements_refusal(statements);
	if (refusal == NULL && ej->masker)
		refusal = masker_statements(ej->masker, statements, query);
	MemoryContextSwitchTo(caller);
	if (refusal)
		refusal = pstrdup(refusal);
	MemoryContextDelete(cxt);
	return refusal;
}

/*
 * The job that runs input in session session_id; it starts after the
 * commit.  It holds the connection's compiled policy until it is freed:
 * masking sees each cell as it arrives, the output guardrails the output.
 */
static void
exec_start(Request *req, ConnEntry *c, Policy *policy, const pg_uuid_t *session_id,
		   const char *input, bool review)
{
	ExecJob    *ej = (ExecJob *) tool_job_new(req, c, NULL, hoop_uuid_text(session_id), sizeof(ExecJob));
	TargetJob  *job = ej->base.job;
	MemoryContextCallback *forget = MemoryContextAllocZero(job->cxt, sizeof(MemoryContextCallback));
	MemoryContext old;

	ej->base.finish = exec_finish;
	ej->base.expire = exec_expire;
	job->script = MemoryContextStrdup(job->cxt, input);
	policy_share(policy, job->cxt);
	ej->policy = policy;
	old = MemoryContextSwitchTo(job->cxt);
	ej->masker = masker_new(policy);
	MemoryContextSwitchTo(old);
	if (ej->masker)
	{
		job->masker = masker_hooks(ej->masker);
		job->prelude_query = masker_lookup_sql(ej->masker);
		job->prelude_rows = masker_lookup_rows;
		job->prelude_arg = ej->masker;
	}
	ej->read_only = c->read_only;
	if (c->read_only || (ej->masker && policy->columns))
	{
		job->check = exec_check;
		job->check_arg = ej;
	}
	job->max_rows = c->max_rows >= 0 ? c->max_rows : hoop_max_rows;
	ej->session.id = *session_id;
	ej->session.review = review;
	dlist_push_tail(&running_execs, &ej->running);
	forget->func = exec_forget;
	forget->arg = ej;
	MemoryContextRegisterResetCallback(job->cxt, forget);
	tool_job_wait(&ej->base, hoop_exec_wait_timeout_ms);
}

/*
 * Why input (statements, as the analyser read it) may not run on c, or
 * NULL: a read-only connection's rule, an
 * input guardrail (hoop's text, and *info for the session), data
 * masking's rule on what may read a masked table.  A refusal of
 * hoop_mcp's own ends with a newline, as the same refusal does when it
 * comes from the check before a statement is sent.
 */
static char *
exec_refusal(ConnEntry *c, Policy *policy, const char *input, List *statements,
			 const char **info, const char **notify)
{
	char	   *refusal;
	GuardrailHit *hit;

	if (c->read_only && (refusal = read_only_statements_refusal(statements)) != NULL)
		return psprintf("%s\n", refusal);
	if ((hit = guardrails_check(policy->input_rules, input, strlen(input))) != NULL)
	{
		*info = hit->info;
		*notify = notify_guardrail(hit->rule_name);
		return hit->message;
	}
	if ((refusal = masking_refusal(policy, statements)) != NULL)
		return psprintf("%s\n", refusal);
	return NULL;
}

/*
 * exec, in the batch transaction: find the connection the acting user may
 * use and insert the open session (or a finished one when exec is
 * refused).  hoop's error texts propagate as the tool's answer.  Plain SQL
 * with kept plans: this is every exec's hot path.
 */
void
tool_exec(Request *req, JsonbContainer *args)
{
	JsonbValue	v;
	const char *name = jv_string(jv_key(args, "connection_name", &v));
	const char *input = jv_string(jv_key(args, "input", &v));
	Jsonb	   *metadata = jv_key(args, "metadata", &v) ? jv_to_jsonb(jv_key(args, "metadata", &v)) : NULL;
	char	   *refusal = NULL;
	ConnEntry  *c;
	Policy	   *policy = NULL;
	Analysis   *analysis = NULL;
	SessionPolicy said = {0};
	pg_uuid_t	session_id;

	tool_require(name, "connection_name");
	tool_require(input, "input");
	c = tool_connection(req, name);
	check_mandatory_metadata(c->mandatory_metadata, metadata);
	if (c->exec_disabled)
		refusal = "exec is disabled for this connection";
	else if (strcmp(c->type, "database") != 0 || strcmp(c->subtype, "postgres") != 0)
		refusal = psprintf("hoop_mcp cannot run connections of type \"%s/%s\"; only database/postgres connections run here",
						   c->type, c->subtype);

	if (refusal == NULL)
	{
		connection_check_options(c);
		policy = policy_for(c, CurrentMemoryContext);
		analysis = analyse_script(input);
		refusal = exec_refusal(c, policy, input, analysis->statements, &said.guardrails_info, &said.notify);
	}
	hoop_random_uuid(&session_id);
	if (refusal == NULL)
	{
		const char *action = exec_analysis(c, analysis, &said);

		if (strcmp(action, "block_execution") == 0)
		{
			said.blocked = true;
			sessions_insert(&session_id, &req->actor, c, input, metadata, "Session blocked by AI risk analyzer",
							hoop_executor_name(), &said);
			request_outcome_json(req, blocked_envelope(&session_id, said.ai_analysis));
			return;
		}
		if (strcmp(action, "require_access_request") == 0)
		{
			if (c->analyzer_access_rule == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("ai analyzer rule \"%s\" requires an access request without access_request_rule_name",
								c->analyzer_rule),
						 errhint("Set access_request_rule_name with analyzer_rules_update.")));
			exec_for_review(req, &session_id, c, input, metadata, &said, "onetime", c->analyzer_access_rule);
			return;
		}
		if (c->has_rules && exec_gated(req, &session_id, c, input, metadata, &said))
			return;
	}
	sessions_insert(&session_id, &req->actor, c, input, metadata, refusal, hoop_executor_name(), &said);
	if (refusal)
	{
		/* The session is already done; answer with hoop's failed envelope. */
		request_outcome_json(req, exec_envelope(&session_id, false, refusal, strlen(refusal), 1, false, 0));
		return;
	}
	exec_start(req, c, policy, &session_id, input, false);
}

/*
 * reviews_execute, in the batch transaction: hoop's guards and the
 * APPROVED -> PROCESSING transition (_review_execute_begin, whose row lock
 * makes a review run at most once), then the stored input runs like an
 * exec, in the review's session.
 */
void
tool_reviews_execute(Request *req, JsonbContainer *args)
{
	JsonbValue	v;
	const char *id = jv_string(jv_key(args, "id", &v));
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		sqlargs[2];
	char		nulls[2] = {id ? ' ' : 'n', ' '};
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;
	pg_uuid_t	session_id;
	char	   *connection_name;
	char	   *input;
	char	   *refusal;
	ConnEntry  *c;
	Policy	   *policy;
	const char *info = NULL;
	const char *notify = NULL;

	sqlargs[0] = id ? CStringGetTextDatum(id) : (Datum) 0;
	sqlargs[1] = CStringGetTextDatum(hoop_executor_name());
	if (hoop_execute_plan(hoop_plan(review_begin_sql, 2, types), sqlargs, nulls, false, 1) != SPI_OK_SELECT ||
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
	connection_check_options(c);
	policy = policy_for(c, CurrentMemoryContext);
	refusal = exec_refusal(c, policy, input, analyse_script(input)->statements, &info, &notify);
	if (refusal)
	{
		/* A rule added since the review was asked for: its session ends refused. */
		SessionEnd	end = {0};

		end.id = session_id;
		end.output = refusal;
		end.output_len = strlen(refusal);
		end.exit_code = 1;
		end.review = true;
		end.guardrails_info = info;
		end.notify = notify;
		sessions_finish(&end);
		sessions_mark_review_executed(&session_id);
		request_outcome_json(req, exec_envelope(&session_id, true, refusal, strlen(refusal), 1, false, 0));
		return;
	}
	exec_start(req, c, policy, &session_id, input, true);
}

/* Whether cancel request r names ej. */
static bool
cancel_names(const CancelRequest *r, ExecJob *ej)
{
	Request    *req = ej->base.req;

	if (r->by_session)
		return memcmp(&r->session, &ej->session.id, sizeof(pg_uuid_t)) == 0;
	return req != NULL && req->kind == REQ_HTTP && req->mcp_session_id && req->rpc_id &&
		memcmp(&r->user, &req->actor.id, sizeof(pg_uuid_t)) == 0 &&
		strcmp(r->mcp_session, req->mcp_session_id) == 0 && strcmp(r->rpc_id, req->rpc_id) == 0;
}

/*
 * In the loop: cancels the execs of this worker that the requests posted
 * since the last call name (ipc/cancels.c).
 */
void
tools_take_cancels(void)
{
	static bool started = false;
	static uint64 seen;
	CancelRequest r;

	if (!started)
	{
		seen = cancels_last_seq();
		started = true;
	}
	while (cancels_next(&seen, &r))
	{
		dlist_iter	iter;

		dlist_foreach(iter, &running_execs)
		{
			ExecJob    *ej = dlist_container(ExecJob, running, iter.cur);

			if (cancel_names(&r, ej))
			{
				target_cancel(ej->base.job, r.reason);
				break;
			}
		}
	}
}
