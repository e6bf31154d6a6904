/*
 * connections.c
 *		Looking up connections for the worker: the row, its secrets as libpq
 *		options, and who may see it.
 *
 * Entries are cached by the name (or id) asked for until one of the
 * tables they come from changes (cache.c), so an exec needs no lookup
 * query.  Secrets are hoop's env map ("envvar:HOST" -> base64) and become
 * libpq keyword/value pairs here; only libpq's own options are kept.
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "libpq-fe.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "store/cache.h"
#include "store/connections.h"
#include "store/plans.h"

/* A connection by name or id, with its secrets and access control. */
static const char *const connection_sql =
"SELECT c.id, c.name, c.type, c.subtype, c.tags, c.access_mode_exec,"
"       c.mandatory_metadata_fields, s.envs, coalesce(s.allow_passwordless, false),"
"       a.allowed_groups,"
"       EXISTS (SELECT 1 FROM hoop_mcp.plugins WHERE name = 'access_control'),"
"       EXISTS (SELECT 1 FROM hoop_mcp.access_request_rules r WHERE c.name = ANY (r.connection_names)),"
"       coalesce(s.allow_server_files, false), c.read_only, c.statement_timeout,"
"       c.connect_timeout, c.max_rows, hoop_mcp._connection_policy(c.id),"
"       z.name, z.low_risk_action, z.medium_risk_action, z.high_risk_action,"
"       z.access_request_rule_name"
"  FROM hoop_mcp.connections c"
"  LEFT JOIN hoop_mcp.connection_secrets s ON s.connection_id = c.id"
"  LEFT JOIN hoop_mcp.access_control a ON a.connection_id = c.id"
"  LEFT JOIN LATERAL (SELECT * FROM hoop_mcp.analyzer_rules z WHERE c.name = ANY (z.connection_names)"
"                      ORDER BY z.name LIMIT 1) z ON true"
" WHERE c.name = $1 OR c.id::text = $1"
" ORDER BY c.name = $1 DESC LIMIT 1";

static HTAB *conns = NULL;
static MemoryContext conns_cxt = NULL;
static uint64 conns_generation = 0;

/* Only libpq's own options are passed on; other hoop env keys are not for us. */
static bool
libpq_keyword(const char *kw)
{
	static PQconninfoOption *defaults = NULL;

	if (strcmp(kw, "client_encoding") == 0 || strcmp(kw, "fallback_application_name") == 0)
		return false;
	if (defaults == NULL)
		defaults = PQconndefaults();
	for (PQconninfoOption *o = defaults; o && o->keyword; o++)
		if (strcmp(o->keyword, kw) == 0)
			return true;
	return false;
}

/*
 * The libpq options a connection may use unless a superuser allowed it the
 * server's files (allow_server_files).  The worker runs as the server's
 * operating-system user: every other option (passfile, service, sslcert,
 * sslkey, sslrootcert, sslcrl, sslpassword, krbsrvname, gsslib, ...) would
 * have libpq read that user's files or credentials for whoever wrote the
 * connection, as postgres_fdw refuses to do for non-superusers.  A list of
 * what is allowed, not of what is refused, so that options a later libpq
 * adds are refused until they are read.
 */
static const char *const safe_keywords[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "options",
	"application_name", "connect_timeout", "keepalives", "keepalives_idle",
	"keepalives_interval", "keepalives_count", "tcp_user_timeout",
	"sslmode", "sslcompression", "sslsni", "ssl_min_protocol_version",
	"ssl_max_protocol_version", "channel_binding", "target_session_attrs",
	"load_balance_hosts", NULL
};

/*
 * Options forced on a connection without allow_server_files, so that libpq
 * does not fall back on the server user's own files: no client certificate
 * or key from ~/.postgresql, no Kerberos ticket.  (A password is required,
 * so ~/.pgpass is never read.)
 */
#define NO_FILE "/nonexistent/hoop_mcp: no server files for this connection"
static const char *const forced_keywords[] = {"sslcert", "sslkey", "gssencmode", NULL};
static const char *const forced_values[] = {NO_FILE, NO_FILE, "disable", NULL};

/* Whether an option is one any admin may set (gssencmode only to disable). */
static bool
safe_option(const char *kw, const char *value)
{
	if (strcmp(kw, "gssencmode") == 0)
		return strcmp(value, "disable") == 0;
	for (int i = 0; safe_keywords[i]; i++)
		if (strcmp(safe_keywords[i], kw) == 0)
			return true;
	return false;
}

/*
 * hoop's secrets map as libpq options: envvar:HOST -> host, PASS ->
 * password, DB -> dbname, others lower-cased when they are libpq options.
 * Values are base64.
 */
static int
envs_to_options(Jsonb *envs, char **keywords, char **values, int max)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *kw = NULL;
	int			n = 0;

	if (envs == NULL)
		return 0;
	it = JsonbIteratorInit(&envs->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE && n < max)
	{
		if (tok == WJB_KEY)
		{
			char	   *key = pnstrdup(v.val.string.val, v.val.string.len);

			kw = NULL;
			if (strncmp(key, "envvar:", 7) != 0)
				continue;
			key += 7;
			if (strcmp(key, "PASS") == 0)
				kw = "password";
			else if (strcmp(key, "DB") == 0)
				kw = "dbname";
			else
			{
				kw = pstrdup(key);
				for (char *p = kw; *p; p++)
					*p = pg_tolower((unsigned char) *p);
				if (!libpq_keyword(kw))
					kw = NULL;
			}
		}
		else if (tok == WJB_VALUE && kw != NULL && v.type == jbvString)
		{
			int			dlen = pg_b64_dec_len(v.val.string.len);
			char	   *decoded = palloc(dlen + 1);
			int			len = pg_b64_decode(v.val.string.val, v.val.string.len, decoded, dlen);

			if (len < 0)
				continue;
			decoded[len] = '\0';
			keywords[n] = kw;
			values[n] = decoded;
			n++;
		}
	}
	return n;
}

/* Whether two text arrays share an element. */
static bool
arrays_overlap(ArrayType *a, ArrayType *b)
{
	Datum	   *ea;
	Datum	   *eb;
	int			na;
	int			nb;

	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &ea, NULL, &na);
	deconstruct_array(b, TEXTOID, -1, false, TYPALIGN_INT, &eb, NULL, &nb);
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
		{
			text	   *x = DatumGetTextPP(ea[i]);
			text	   *y = DatumGetTextPP(eb[j]);

			/* Group names are compared byte for byte, like text = text. */
			if (VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
				memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0)
				return true;
		}
	return false;
}

/* hoop's visibility rule (hoop-mcp.md 7.2). */
bool
connection_visible(ConnEntry *c, const Actor *actor)
{
	return actor->is_admin || actor->is_auditor || !c->access_control_on ||
		(c->allowed_groups != NULL &&
		 arrays_overlap(c->allowed_groups, DatumGetArrayTypeP(actor->groups)));
}

/* The connection asked for, from the cache or the tables; NULL if none. */
ConnEntry *
connection_lookup(const char *name_or_id)
{
	Oid			types[1] = {TEXTOID};
	Datum		args[1];
	ConnEntry  *e;
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;
	MemoryContext old;

	if (strlen(name_or_id) >= NAMEDATALEN * 4)
		return NULL;			/* longer than any name or id */
	cache_table(&conns, &conns_cxt, &conns_generation, "hoop_mcp connections",
				NAMEDATALEN * 4, sizeof(ConnEntry));
	e = hash_search(conns, name_or_id, HASH_FIND, NULL);
	if (e)
		return e;

	args[0] = CStringGetTextDatum(name_or_id);
	if (hoop_execute_plan(hoop_plan(connection_sql, 1, types), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up connection");
	if (SPI_processed != 1)
		return NULL;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	old = MemoryContextSwitchTo(conns_cxt);
	e = hash_search(conns, name_or_id, HASH_ENTER, NULL);
	e->id = *DatumGetUUIDP(SPI_getbinval(tup, desc, 1, &isnull));
	e->name = SPI_getvalue(tup, desc, 2);
	e->type = SPI_getvalue(tup, desc, 3);
	e->subtype = SPI_getvalue(tup, desc, 4);
	e->tags = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 5, &isnull));
	e->exec_disabled = strcmp(SPI_getvalue(tup, desc, 6), "disabled") == 0;
	e->mandatory_metadata = DatumGetArrayTypePCopy(SPI_getbinval(tup, desc, 7, &isnull));
	e->noptions = heap_attisnull(tup, 8, desc) ? 0 :
		envs_to_options(DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 8, &isnull)),
						e->keywords, e->values, lengthof(e->keywords) - 4);
	e->allow_passwordless = DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull));
	e->allowed_groups = heap_attisnull(tup, 10, desc) ? NULL :
		DatumGetArrayTypePCopy(SPI_getbinval(tup, desc, 10, &isnull));
	e->access_control_on = DatumGetBool(SPI_getbinval(tup, desc, 11, &isnull));
	e->has_rules = DatumGetBool(SPI_getbinval(tup, desc, 12, &isnull));
	e->allow_server_files = DatumGetBool(SPI_getbinval(tup, desc, 13, &isnull));
	e->read_only = DatumGetBool(SPI_getbinval(tup, desc, 14, &isnull));
	e->statement_timeout_ms = heap_attisnull(tup, 15, desc) ? -1 :
		connection_duration_ms(SPI_getvalue(tup, desc, 15), "statement_timeout");
	e->connect_timeout_ms = heap_attisnull(tup, 16, desc) ? -1 :
		connection_duration_ms(SPI_getvalue(tup, desc, 16), "connect_timeout");
	e->max_rows = heap_attisnull(tup, 17, desc) ? -1 :
		DatumGetInt32(SPI_getbinval(tup, desc, 17, &isnull));
	e->policy = heap_attisnull(tup, 18, desc) ? NULL :
		DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 18, &isnull));
	e->analyzer_rule = heap_attisnull(tup, 19, desc) ? NULL : SPI_getvalue(tup, desc, 19);
	for (int i = 0; i < 3; i++)
		e->risk_actions[i] = e->analyzer_rule ? SPI_getvalue(tup, desc, 20 + i) : NULL;
	e->analyzer_access_rule = heap_attisnull(tup, 23, desc) ? NULL : SPI_getvalue(tup, desc, 23);
	e->compiled_policy = NULL;
	e->unsafe_option = NULL;
	e->has_password = false;
	for (int i = 0; i < e->noptions; i++)
	{
		if (strcmp(e->keywords[i], "password") == 0 && e->values[i][0] != '\0')
			e->has_password = true;
		if (e->unsafe_option == NULL && !safe_option(e->keywords[i], e->values[i]))
			e->unsafe_option = e->keywords[i];
	}
	if (!e->allow_server_files)
	{
		for (int i = 0; forced_keywords[i]; i++)
		{
			e->keywords[e->noptions] = (char *) forced_keywords[i];
			e->values[e->noptions++] = (char *) forced_values[i];
		}
	}
	MemoryContextSwitchTo(old);
	return e;
}

/*
 * Refuses a connection whose options would have the worker use the
 * server's files or credentials, unless a superuser allowed that.
 */
void
connection_check_options(ConnEntry *c)
{
	if (c->allow_server_files)
		return;
	if (c->unsafe_option)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("connection \"%s\" uses libpq option \"%s\", which only a superuser may allow",
						c->name, c->unsafe_option),
				 errdetail("The worker runs as the server's operating-system user; this option would read that user's files."),
				 errhint("Remove the option, or ask a superuser to create the connection with allow_server_files => true.")));
	if (!c->has_password && !c->allow_passwordless)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("connection \"%s\" has no password", c->name),
				 errdetail("Without one, libpq would take a password from the server user's ~/.pgpass."),
				 errhint("Give the connection a password (envvar:PASS), or ask a superuser to allow it the server's files.")));
}

/*
 * The settings a connection's target sessions start with (libpq's
 * options): in the startup packet they are the sessions' own defaults, so
 * RESET and DISCARD ALL go back to them, and they beat the role's and
 * database's.  A limit of 0 is not sent: the target's own setting holds.
 * NULL when there is none.
 */
char *
connection_session_options(ConnEntry *c)
{
	StringInfoData o;
	int			statement_timeout = c->statement_timeout_ms >= 0 ?
		c->statement_timeout_ms : hoop_target_statement_timeout_ms;

	initStringInfo(&o);
	if (c->read_only)
		appendStringInfoString(&o, " -c default_transaction_read_only=on");
	if (statement_timeout > 0)
		appendStringInfo(&o, " -c statement_timeout=%d", statement_timeout);
	if (hoop_target_lock_timeout_ms > 0)
		appendStringInfo(&o, " -c lock_timeout=%d", hoop_target_lock_timeout_ms);
	if (hoop_target_idle_in_transaction_timeout_ms > 0)
		appendStringInfo(&o, " -c idle_in_transaction_session_timeout=%d",
						 hoop_target_idle_in_transaction_timeout_ms);
	if (o.len == 0)
	{
		pfree(o.data);
		return NULL;
	}
	return o.data + 1;
}

/*
 * A duration as a GUC in milliseconds reads it ('2s', '500ms', '1min'; a
 * number alone is milliseconds), or an error naming the setting.
 */
int
connection_duration_ms(const char *value, const char *setting)
{
	int			ms;
	const char *hint = NULL;

	if (!parse_int(value, &ms, GUC_UNIT_MS, &hint))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for %s: \"%s\"", setting, value),
				 errhint("%s", hint ? hint :
						 "Give a duration such as '30s', '500ms' or '2min'; a number alone is milliseconds.")));
	if (ms < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", setting),
				 errhint("0 leaves it to the target's own setting.")));
	return ms;
}

PG_FUNCTION_INFO_V1(hoop_mcp_duration_ms);

/* hoop_mcp._duration_ms(value text, setting text) RETURNS integer */
Datum
hoop_mcp_duration_ms(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(connection_duration_ms(text_to_cstring(PG_GETARG_TEXT_PP(0)),
										   text_to_cstring(PG_GETARG_TEXT_PP(1))));
}

PG_FUNCTION_INFO_V1(hoop_mcp_unsafe_connection_option);

/*
 * hoop_mcp._unsafe_connection_option(envs jsonb) RETURNS text: the first
 * libpq option of a secrets map that only a superuser may allow, or NULL.
 */
Datum
hoop_mcp_unsafe_connection_option(PG_FUNCTION_ARGS)
{
	char	   *keywords[64];
	char	   *values[64];
	int			n = envs_to_options(PG_GETARG_JSONB_P(0), keywords, values, lengthof(keywords));

	for (int i = 0; i < n; i++)
		if (!safe_option(keywords[i], values[i]))
			PG_RETURN_TEXT_P(cstring_to_text(keywords[i]));
	PG_RETURN_NULL();
}
