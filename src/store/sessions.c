/*
 * sessions.c
 *		Exec sessions: the rows the worker writes for every execution.
 *
 * A session is inserted open (with this worker as its executor) before its
 * query runs, or done when exec is refused, and finished when the query
 * ends.  These are the exec hot path's writes: rows.c's insert and update
 * without the planner, and the transitions published by the caller
 * (ipc/changes.c) rather than by the trigger.
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "ipc/changes.h"
#include "store/plans.h"
#include "store/rows.h"
#include "store/sessions.h"
#include "store/sqlapi.h"

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

/*
 * The exec's session: open (run by executor, or waiting for its review
 * when executor is NULL), or already done when exec is refused.
 */
void
sessions_insert(const pg_uuid_t *id, const Actor *actor, ConnEntry *c, const char *input,
				Jsonb *metadata, const char *refusal, const char *executor,
				const SessionPolicy *policy)
{
	RowColumn	cols[19];
	int			n = 0;

	cols[n++] = row_datum("id", UUIDPGetDatum(id));
	cols[n++] = row_text("user_id", actor->subject);
	cols[n++] = row_text("user_email", actor->email);
	cols[n++] = row_text("user_name", actor->name);
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
	if (policy && policy->ai_analysis)
		cols[n++] = row_input("ai_analysis", policy->ai_analysis);
	if (policy && policy->guardrails_info)
		cols[n++] = row_input("guardrails_info", policy->guardrails_info);
	if (refusal)
	{
		cols[n++] = row_text("output", refusal);
		cols[n++] = row_datum("exit_code", Int32GetDatum(policy && policy->blocked ? 254 : 1));
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
	changes_publish_session(id, refusal ? "done" : "open", NULL, policy ? policy->notify : NULL);
}

static bool
session_open(TupleTableSlot *row)
{
	bool		isnull;
	Datum		status = rows_column(row, "status", &isnull);

	return isnull || strcmp(DatumGetCString(DirectFunctionCall1(enum_out, status)), "done") != 0;
}

/* Finishes an exec's session (unless already done), as the extension's own code. */
void
sessions_finish(SessionEnd *end)
{
	RowColumn	cols[9];
	int			n = 7;
	Datum		key = UUIDPGetDatum(&end->id);
	volatile bool finished = false;

	cols[0] = row_input("status", "done");
	cols[1] = row_datum("output", PointerGetDatum(cstring_to_text_with_len(end->output, end->output_len)));
	cols[2] = row_datum("output_truncated", BoolGetDatum(end->truncated));
	cols[3] = row_datum("exit_code", Int32GetDatum(end->exit_code));
	cols[4] = row_datum("ended_at", TimestampTzGetDatum(GetCurrentTimestamp()));
	cols[5] = row_text("executor", NULL);
	cols[6] = row_input("metrics", psprintf("{\"execution_time_ms\": %ld}", end->elapsed_ms));
	if (end->guardrails_info)
		cols[n++] = row_input("guardrails_info", end->guardrails_info);
	if (end->masked)
		cols[n++] = row_input("masked", end->masked);
	hoop_internal_write = true;
	changes_published_by_caller = true;
	PG_TRY();
	{
		finished = rows_update("sessions", key, session_open, cols, n);
	}
	PG_FINALLY();
	{
		hoop_internal_write = false;
		changes_published_by_caller = false;
	}
	PG_END_TRY();
	if (finished)
		changes_publish_session(&end->id, "done", "open", end->notify);
}

/*
 * reviews_execute's review becomes EXECUTED once its session is done.
 * Apart from the session's finish, since a reviewer's open transaction may
 * hold the review's row: the session row must still record what its client
 * is told, and a review left PROCESSING behind a done session is marked by
 * the next reconcile (sessions_reconcile).
 */
void
sessions_mark_review_executed(const pg_uuid_t *id)
{
	Datum		key = UUIDPGetDatum(id);

	if (hoop_execute_plan(hoop_plan(review_executed_sql, 1, (Oid[]) {UUIDOID}), &key, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not mark the review executed");
}

/*
 * At start: sessions this worker (or a worker index no longer configured)
 * left open can never finish; finish them with exit code 254.
 */
void
sessions_reconcile(const char *executor)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		args[3];

	args[0] = CStringGetTextDatum(executor);
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
						executor, (unsigned long long) SPI_processed)));
	if (SPI_execute(reconcile_reviews_sql, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not reconcile reviews");
	if (SPI_processed > 0)
		ereport(LOG,
				(errmsg("hoop_mcp %s marked %llu review(s) executed whose execution had ended",
						executor, (unsigned long long) SPI_processed)));
}
