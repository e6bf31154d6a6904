/*
 * sqlapi.c
 *		Small C functions behind the SQL API: identity, configuration,
 *		randomness, connection strings, the append-only guard.
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/rel.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "store/sqlapi.h"

pg_uuid_t  *hoop_acting_user = NULL;
bool		hoop_internal_write = false;

PG_FUNCTION_INFO_V1(hoop_mcp_worker_actor);
PG_FUNCTION_INFO_V1(hoop_mcp_caller_role);
PG_FUNCTION_INFO_V1(hoop_mcp_admin_group);
PG_FUNCTION_INFO_V1(hoop_mcp_auditor_group);
PG_FUNCTION_INFO_V1(hoop_mcp_api_url);
PG_FUNCTION_INFO_V1(hoop_mcp_random_bytes);
PG_FUNCTION_INFO_V1(hoop_mcp_conninfo_parse);
PG_FUNCTION_INFO_V1(hoop_mcp_append_only);
PG_FUNCTION_INFO_V1(hoop_mcp_session_transition);

/*
 * Index expressions, ANALYZE, VACUUM, CREATE INDEX and REFRESH MATERIALIZED
 * VIEW run code as a table's owner inside a security-restricted operation,
 * while the session (a superuser's ANALYZE, autovacuum) keeps its own
 * identity: hoop_mcp must not act for that session there.
 */
static void
refuse_restricted_operation(void)
{
	if (InSecurityRestrictedOperation())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("hoop_mcp cannot act inside a security-restricted operation"),
				 errdetail("Code run by ANALYZE, VACUUM, CREATE INDEX or REFRESH MATERIALIZED VIEW, such as an index expression, runs as a table's owner, not as the hoop_mcp user of the session."),
				 errhint("Call hoop_mcp functions from ordinary statements.")));
}

/* The user the worker acts for, or NULL outside the worker. */
Datum
hoop_mcp_worker_actor(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *copy;

	refuse_restricted_operation();
	if (hoop_acting_user == NULL)
		PG_RETURN_NULL();
	copy = palloc(sizeof(pg_uuid_t));
	*copy = *hoop_acting_user;
	PG_RETURN_UUID_P(copy);
}

/*
 * The role outside any SECURITY DEFINER function: GetOuterUserId() is the
 * session's current_user (after SET ROLE), which SECURITY DEFINER does not
 * change.
 */
Datum
hoop_mcp_caller_role(PG_FUNCTION_ARGS)
{
	char	   *name;

	refuse_restricted_operation();
	name = GetUserNameFromId(GetOuterUserId(), false);
	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(name)));
}

Datum
hoop_mcp_admin_group(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(hoop_admin_group));
}

Datum
hoop_mcp_auditor_group(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(hoop_auditor_group));
}

Datum
hoop_mcp_api_url(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(hoop_api_url()));
}

Datum
hoop_mcp_random_bytes(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bytea	   *result;

	if (n < 1 || n > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of random bytes must be between 1 and 1024")));
	result = palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	if (!pg_strong_random(VARDATA(result), n))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	PG_RETURN_BYTEA_P(result);
}

/*
 * Parses a libpq connection string into {keyword: value}.  libpq's error
 * text can quote the string, so only a message naming an unknown option is
 * passed on: the string may hold a password.
 */
Datum
hoop_mcp_conninfo_parse(PG_FUNCTION_ARGS)
{
	char	   *conninfo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
	JsonbParseState *state = NULL;
	JsonbValue *res;

	if (opts == NULL)
	{
		bool		unknown_option = err && strncmp(err, "invalid connection option", 25) == 0;
		char	   *detail = unknown_option ? pstrdup(err) : NULL;

		if (err)
			PQfreemem(err);
		if (detail && detail[strlen(detail) - 1] == '\n')
			detail[strlen(detail) - 1] = '\0';
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid connection string"),
				 detail ? errdetail("%s", detail) : 0,
				 errhint("Use keyword=value pairs, e.g. 'host=db.internal port=5432 dbname=shop user=agent password=...', or a postgresql:// URI.")));
	}

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		JsonbValue	k;
		JsonbValue	v;

		if (o->val == NULL)
			continue;
		k.type = jbvString;
		k.val.string.val = pstrdup(o->keyword);
		k.val.string.len = strlen(o->keyword);
		v.type = jbvString;
		v.val.string.val = pstrdup(o->val);
		v.val.string.len = strlen(o->val);
		pushJsonbValue(&state, WJB_KEY, &k);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	PQconninfoFree(opts);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/*
 * Trigger: sessions and the audit log are append-only.  Only the worker
 * updates a row, to finish a session (hoop_internal_write); nobody
 * deletes or truncates.
 */
Datum
hoop_mcp_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "hoop_mcp._append_only must be called as a trigger");
	if (!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) || !hoop_internal_write)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("hoop_mcp.%s is append-only", RelationGetRelationName(trigdata->tg_relation)),
				 errhint("Only hoop_mcp itself finishes sessions; rows are never deleted.")));
	return PointerGetDatum(trigdata->tg_newtuple);
}

/*
 * A session follows its review: "ready" once approved, "open" (run by
 * executor) when reviews_execute starts it, "done" with an output and exit
 * code when rejected or revoked.  The extension's own writer of the
 * append-only sessions table; a finished session never changes.
 */
Datum
hoop_mcp_session_transition(PG_FUNCTION_ARGS)
{
	static const char *const sql =
	"UPDATE hoop_mcp.sessions"
	"   SET status = $2::hoop_mcp.session_status,"
	"       executor = CASE WHEN $2 = 'open' THEN $5 END,"
	"       output = CASE WHEN $2 = 'done' THEN $3 ELSE output END,"
	"       exit_code = CASE WHEN $2 = 'done' THEN $4 ELSE exit_code END,"
	"       ended_at = CASE WHEN $2 = 'done' THEN clock_timestamp() ELSE ended_at END"
	" WHERE id = $1 AND status <> 'done'";
	Oid			types[5] = {UUIDOID, TEXTOID, TEXTOID, INT4OID, TEXTOID};
	Datum		args[5];
	char		nulls[5];
	volatile int rc = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		elog(ERROR, "hoop_mcp._session_transition needs a session and a status");
	for (int i = 0; i < 5; i++)
	{
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
		args[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	hoop_internal_write = true;
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, 5, types, args, nulls, false, 0);
	}
	PG_FINALLY();
	{
		hoop_internal_write = false;
	}
	PG_END_TRY();
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not update the session");
	SPI_finish();
	PG_RETURN_VOID();
}
