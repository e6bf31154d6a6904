/*
 * read_only.c
 *		What may run on a read-only connection.
 *
 * A read-only connection is enforced twice.  Here, from the analyser:
 * every statement must be a read, and none may end or change the
 * read-only transaction, the session's identity or its limits, or reach
 * outside the transaction; anything that does not parse is refused.  On
 * the target (tools/exec.c asks the driver for it): the whole input runs
 * in BEGIN READ ONLY ... ROLLBACK on a session opened with
 * default_transaction_read_only=on, so the engine refuses the writes
 * this list cannot see (inside functions, nextval, ...).
 *
 * The check runs twice as well: on the whole input before the session
 * starts, so that a refused exec sends nothing, and on each statement
 * right before it is sent, on the text as the target gets it (psql
 * variables expanded, split under the session's own settings).
 */
#include "lib/common.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/memutils.h"

#include "policy/read_only.h"

/* Settings a read-only exec may not change, and why. */
static const struct
{
	const char *name;
	const char *why;
}			guarded_settings[] = {
	{"transaction_read_only", "would make the transaction read-write"},
	{"default_transaction_read_only", "would turn read-only off"},
	{"all", "would turn read-only off"},
	{"role", "would change the session's identity"},
	{"session_authorization", "would change the session's identity"},
	{"statement_timeout", "would change a limit of the connection"},
	{"lock_timeout", "would change a limit of the connection"},
	{"idle_in_transaction_session_timeout", "would change a limit of the connection"},
	{"client_encoding", "would change how the statements that follow are read"},
	{"standard_conforming_strings", "would change how the statements that follow are read"},
};

/*
 * Functions that act outside the read-only transaction, by name or by
 * name prefix: the engine does not stop them.
 */
static const struct
{
	const char *name;
	bool		prefix;
	const char *why;
}			denied_functions[] = {
	{"set_config", false, "changes the session's settings"},
	{"dblink", true, "opens a connection of its own, outside the read-only transaction"},
	{"pg_background", true, "runs a statement in a session of its own"},
	{"query_to_xml", true, "runs a statement given as text"},
	{"pg_terminate_backend", false, "acts on other sessions"},
	{"pg_cancel_backend", false, "acts on other sessions"},
	{"pg_advisory_lock", true, "takes a lock that outlives the transaction"},
	{"pg_try_advisory_lock", true, "takes a lock that outlives the transaction"},
	{"pg_notify", false, "sends a notification"},
	{"lo_", true, "reads or writes large objects and server files"},
	{"pg_file_", true, "writes server files"},
	{"pg_reload_conf", false, "acts on the server"},
	{"pg_rotate_logfile", false, "acts on the server"},
	{"pg_switch_wal", false, "acts on the server"},
	{"pg_promote", false, "acts on the server"},
	{"pg_log_backend_memory_contexts", false, "acts on other sessions"},
	{"pg_create_", true, "acts on the server (restore points, replication slots)"},
	{"pg_drop_replication_slot", false, "acts on the server"},
	{"pg_copy_", true, "acts on the server (replication slots)"},
	{"pg_replication_", true, "acts on the server (replication slots and origins)"},
	{"pg_logical_", true, "writes WAL or consumes a replication slot"},
	{"pg_backup_", true, "acts on the server"},
	{"pg_start_backup", false, "acts on the server"},
	{"pg_stop_backup", false, "acts on the server"},
	{"pg_wal_replay_", true, "acts on the server"},
	{"pg_stat_reset", true, "resets the server's statistics"},
	{"pg_stat_statements_reset", false, "resets the server's statistics"},
};

static const char *
denied_function(const char *name)
{
	for (int i = 0; i < lengthof(denied_functions); i++)
	{
		const char *d = denied_functions[i].name;

		if (denied_functions[i].prefix ? strncmp(name, d, strlen(d)) == 0 : strcmp(name, d) == 0)
			return denied_functions[i].why;
	}
	return NULL;
}

static const char *
guarded_setting(const char *name)
{
	for (int i = 0; i < lengthof(guarded_settings); i++)
		if (strcmp(name, guarded_settings[i].name) == 0)
			return guarded_settings[i].why;
	return NULL;
}

/* Why s may not run on a read-only connection, or NULL. */
static char *
refusal_reason(const Statement *s)
{
	ListCell   *lc;

	if (!s->parsed)
		return psprintf("it does not parse: %s", s->error);
	switch (s->kind)
	{
		case STMT_DML:
			return psprintf("%s writes data", s->command);
		case STMT_DDL:
			return psprintf("%s changes the database", s->command);
		case STMT_CALL:
			return psprintf("%s runs code that may write or commit", s->command);
		case STMT_COPY:
			return pstrdup("COPY reads or writes data outside the query's result");
		case STMT_UTILITY:
			return psprintf("%s is not a read", s->command);
		case STMT_TRANSACTION:
			if (s->ends_transaction)
				return psprintf("%s would end the read-only transaction", s->command);
			if (s->read_write)
				return psprintf("%s READ WRITE would start a read-write transaction", s->command);
			break;
		case STMT_SET:
			if (s->read_write)
				return psprintf("%s %s READ WRITE would make the transaction read-write",
								s->command, asc_toupper(s->setting, strlen(s->setting)));
			if (guarded_setting(s->setting))
				return psprintf("%s %s %s", s->command, s->setting, guarded_setting(s->setting));
			break;
		case STMT_QUERY:
		case STMT_CURSOR:
		case STMT_PREPARED:
			break;
	}
	if (s->writes)
		return psprintf("%s writes data", s->writes);
	if (s->locks)
		return psprintf("%s locks rows", s->locks);
	foreach(lc, s->functions)
	{
		const char *why = denied_function(lfirst(lc));

		if (why)
			return psprintf("%s() %s", (char *) lfirst(lc), why);
	}
	return NULL;
}

/* "hoop_mcp: refused <where>: statement N (text): why" */
char *
statement_refusal(const Statement *s, const char *where, const char *why)
{
	StringInfoData msg;
	char	   *text = pstrdup(s->text);
	char	   *end = text + strlen(text);
	int			len;

	/* one line, without the blanks and semicolon around it */
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	while (end > text && (end[-1] == ' ' || end[-1] == ';'))
		*--end = '\0';
	while (*text == ' ')
		text++;
	len = pg_encoding_mbcliplen(PG_UTF8, text, strlen(text), 80);
	initStringInfo(&msg);
	appendStringInfo(&msg, "hoop_mcp: refused %s: statement %d (%.*s%s): %s",
					 where, s->number, len, text, text[len] ? "..." : "", why);
	return msg.data;
}

/* The refusal of the first statement that may not run read-only, or NULL. */
char *
read_only_statements_refusal(List *statements)
{
	ListCell   *lc;

	foreach(lc, statements)
	{
		Statement  *s = lfirst(lc);
		char	   *why = refusal_reason(s);

		if (why)
			return statement_refusal(s, "on a read-only connection", why);
	}
	return NULL;
}

/* Before an exec starts: why its input may not run read-only, or NULL. */
char *
read_only_refusal(const char *input)
{
	return read_only_statements_refusal(analyse_script(input)->statements);
}

PG_FUNCTION_INFO_V1(hoop_mcp_read_only_refusal);

/*
 * hoop_mcp.read_only_refusal(input text) RETURNS text: why an exec of
 * input would be refused on a read-only connection, or NULL.
 */
Datum
hoop_mcp_read_only_refusal(PG_FUNCTION_ARGS)
{
	char	   *refusal = read_only_refusal(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	if (refusal == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(refusal));
}
