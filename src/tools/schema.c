/*
 * schema.c
 *		connection_databases, connection_tables, connection_columns: what a
 *		target database holds, from its catalogs.
 *
 * hoop runs these as plain execs without a session row; so do we, on the
 * database asked for, answering within SCHEMA_TIMEOUT_MS or not at all.
 * Their audit row is written with their answer, so it records the real
 * outcome.
 */
#include "lib/common.h"

#include "utils/memutils.h"

#include "lib/json.h"
#include "tools/tool_impl.h"

#define SCHEMA_TIMEOUT_MS 30000

typedef struct SchemaJob
{
	ToolJob		base;
	const char *what;			/* databases, tables, columns */
	char	   *connection_name;
	char	   *connection_subtype;
	char	   *database;		/* NULL for databases */
	char	   *schema;			/* columns only */
	char	   *table;
} SchemaJob;

static const char *const databases_sql =
"SELECT datname AS database_name FROM pg_catalog.pg_database"
" WHERE datistemplate = false AND datname != 'postgres' AND datname != 'rdsadmin'"
" ORDER BY datname;";

static const char *const tables_sql =
"SELECT n.nspname AS schema_name,"
"       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' ELSE 'table' END AS object_type,"
"       c.relname AS object_name"
"  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
"   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
"   AND n.nspname !~ '^pg_(toast_)?temp_'"
" ORDER BY 1, 3;";

static const char *const columns_sql =
"SELECT a.attname AS column_name,"
"       pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,"
"       NOT a.attnotnull AS nullable"
"  FROM pg_catalog.pg_attribute a"
"  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
"  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
" WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped"
" ORDER BY a.attnum;";

static void
append_member(StringInfo r, const char *key, const char *value)
{
	appendStringInfo(r, "%s\"%s\":", r->len > 1 ? "," : "", key);
	append_json_string(r, value, strlen(value));
}

/* The query ended: hoop's answer, the output as psql printed it. */
static void
schema_finish(ToolJob *tj)
{
	SchemaJob  *sj = (SchemaJob *) tj;
	TargetJob  *job = tj->job;
	StringInfoData r;

	if (tj->req == NULL)
		return;
	if (job->exit_code != 0)
	{
		request_outcome_error(tj->req, ERRCODE_EXTERNAL_ROUTINE_EXCEPTION,
							  psprintf("schema query failed: %s", job->output));
		tool_job_answer(tj);
		return;
	}
	initStringInfo(&r);
	appendStringInfoChar(&r, '{');
	append_member(&r, "connection_name", sj->connection_name);
	append_member(&r, "connection_subtype", sj->connection_subtype);
	if (sj->database)
		append_member(&r, "database", sj->database);
	appendStringInfoString(&r, ",\"output\":");
	append_json_string(&r, job->output, job->output_len);
	if (sj->table)
	{
		append_member(&r, "schema", sj->schema);
		append_member(&r, "table", sj->table);
	}
	appendStringInfoChar(&r, '}');
	request_outcome_json(tj->req, r.data);
	tool_job_answer(tj);
}

/* Not answered in time: nobody waits for the query any more, so stop it. */
static void
schema_expire(ToolJob *tj)
{
	SchemaJob  *sj = (SchemaJob *) tj;

	request_outcome_error(tj->req, ERRCODE_EXTERNAL_ROUTINE_EXCEPTION,
						  psprintf("timed out (%ds) listing %s", SCHEMA_TIMEOUT_MS / 1000, sj->what));
	tool_job_answer(tj);
	target_cancel(tj->job, "timed out");
}

/*
 * The checks hoop makes (its plain-exec, no session row), then the job on
 * the database asked for.
 */
static SchemaJob *
schema_begin(Request *req, JsonbContainer *args, const char *what, bool needs_database,
			 bool needs_table)
{
	JsonbValue	v;
	const char *name = jv_string(jv_key(args, "connection_name", &v));
	const char *database = jv_string(jv_key(args, "database", &v));
	const char *table = jv_string(jv_key(args, "table", &v));
	ConnEntry  *c = tool_connection(req, name);
	SchemaJob  *sj;
	MemoryContext cxt;

	if (strcmp(c->type, "database") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("connection \"%s\" is not a database type", name)));
	if (strcmp(c->subtype, "postgres") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("listing %s is not supported for connection type \"%s\"", what, c->subtype),
				 errhint("hoop_mcp runs postgres connections only.")));
	connection_check_options(c);
	if (needs_database)
		tool_require(database, "database");
	else
		database = NULL;
	if (needs_table)
		tool_require(table, "table");

	sj = (SchemaJob *) tool_job_new(req, c, database, req->tool_name, sizeof(SchemaJob));
	cxt = sj->base.job->cxt;
	sj->base.finish = schema_finish;
	sj->base.expire = schema_expire;
	sj->what = what;
	sj->connection_name = MemoryContextStrdup(cxt, name);
	sj->connection_subtype = MemoryContextStrdup(cxt, c->subtype);
	sj->database = database ? MemoryContextStrdup(cxt, database) : NULL;
	req->audit_at_answer = true;
	return sj;
}

void
tool_connection_databases(Request *req, JsonbContainer *args)
{
	SchemaJob  *sj = schema_begin(req, args, "databases", false, false);

	sj->base.job->query = databases_sql;
	tool_job_wait(&sj->base, SCHEMA_TIMEOUT_MS);
}

void
tool_connection_tables(Request *req, JsonbContainer *args)
{
	SchemaJob  *sj = schema_begin(req, args, "tables", true, false);

	sj->base.job->query = tables_sql;
	tool_job_wait(&sj->base, SCHEMA_TIMEOUT_MS);
}

void
tool_connection_columns(Request *req, JsonbContainer *args)
{
	JsonbValue	v;
	const char *table = jv_string(jv_key(args, "table", &v));
	const char *schema = jv_string(jv_key(args, "schema", &v));
	SchemaJob  *sj;
	MemoryContext cxt;

	sj = schema_begin(req, args, "columns", true, true);
	cxt = sj->base.job->cxt;
	sj->table = MemoryContextStrdup(cxt, table);
	sj->schema = MemoryContextStrdup(cxt, schema && schema[0] ? schema : "public");
	sj->base.job->query = columns_sql;
	sj->base.job->nparams = 2;
	sj->base.job->params = MemoryContextAlloc(cxt, 2 * sizeof(char *));
	sj->base.job->params[0] = sj->schema;
	sj->base.job->params[1] = sj->table;
	tool_job_wait(&sj->base, SCHEMA_TIMEOUT_MS);
}
