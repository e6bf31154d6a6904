/*
 * risk.c
 *		The risk analysis of an exec's input: hoop's ai_analysis, from
 *		PostgreSQL's parser instead of a language model.
 *
 * hoop asks a model to rate a script low, medium or high and to explain
 * why; the session-analyzer rule of the connection then turns the level
 * into an action (allow, block, require a review).  Here the rating comes
 * from the statement analyser (analyse.c): each statement's parse tree is
 * read for facts, each fact has a level, and the input gets the highest.
 * The explanation states every fact found, one sentence each, naming the
 * statement and the objects; the title is the most severe one.  Nothing
 * here reads the catalogs or the planner: the facts are what the text
 * says, so what a function or a procedure does inside stays unseen, and
 * is rated as such (CALL, DO, EXECUTE of an unknown statement).
 *
 * The facts and their levels are tables below: commands by their tag,
 * functions by name, settings, catalogs.  What is not in a table and does
 * not write is low.
 */
#include "lib/common.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "policy/risk.h"

/* More statements than this in one input is a fact of its own. */
#define RISK_MANY_STATEMENTS 20
/* The explanation lists at most this many facts, the most severe first. */
#define RISK_MAX_FACTS 20
/* Names listed in a sentence before "and N more". */
#define RISK_MAX_NAMES 5
#define RISK_NAME_BYTES 64
#define RISK_TITLE_BYTES 120
#define RISK_ERROR_BYTES 160

/*
 * Commands, by command tag (a tag ending in a space matches every tag that
 * begins with it), for the statements that are not queries, DML, SET or
 * COPY.  In does, %o stands for the objects the statement names (or none,
 * or nothing), %r for the roles it names besides, %t for the object type
 * (the tag without its first word, lower case).  The first match counts.
 */
static const struct
{
	const char *tag;
	RiskLevel	level;
	const char *does;
	const char *none;
}			command_risks[] = {
	/* privileges, roles, ownership */
	{"GRANT", RISK_HIGH, "grants privileges on %o to %r"},
	{"REVOKE", RISK_HIGH, "revokes privileges on %o from %r"},
	{"GRANT ROLE", RISK_HIGH, "grants membership in %o to %r"},
	{"REVOKE ROLE", RISK_HIGH, "revokes membership in %o from %r"},
	{"ALTER DEFAULT PRIVILEGES", RISK_HIGH, "changes the privileges objects created later will give to %r"},
	{"CREATE ROLE", RISK_HIGH, "creates role %o"},
	{"ALTER ROLE", RISK_HIGH, "alters role %o", "every role"},
	{"DROP ROLE", RISK_HIGH, "drops role %o"},
	{"REASSIGN OWNED", RISK_HIGH, "gives every object owned by %o to %r"},
	{"DROP OWNED", RISK_HIGH, "drops every object owned by %o"},
	/* the server */
	{"ALTER SYSTEM", RISK_HIGH, "changes the server's configuration (%o)"},
	{"LOAD", RISK_HIGH, "loads the shared library %o into the server"},
	/* data loss */
	{"TRUNCATE TABLE", RISK_HIGH, "empties %o"},
	{"DROP ", RISK_HIGH, "drops %t %o"},
	/* code this analysis cannot see into */
	{"DO", RISK_MEDIUM, "runs a code block this analysis cannot see into"},
	{"CALL", RISK_MEDIUM, "calls procedure %o, whose body this analysis cannot see"},
	/* explicit transaction control */
	{"BEGIN", RISK_MEDIUM, "starts a transaction"},
	{"START TRANSACTION", RISK_MEDIUM, "starts a transaction"},
	{"COMMIT", RISK_MEDIUM, "commits the transaction"},
	{"ROLLBACK", RISK_MEDIUM, "rolls back"},
	{"SAVEPOINT", RISK_MEDIUM, "sets a savepoint"},
	{"RELEASE", RISK_MEDIUM, "releases a savepoint"},
	{"PREPARE TRANSACTION", RISK_MEDIUM, "prepares the transaction for two-phase commit, which keeps its locks after the session ends"},
	{"COMMIT PREPARED", RISK_MEDIUM, "commits a prepared transaction"},
	{"ROLLBACK PREPARED", RISK_MEDIUM, "rolls back a prepared transaction"},
	/* locks and maintenance */
	{"LOCK TABLE", RISK_MEDIUM, "locks %o until the transaction ends"},
	{"VACUUM", RISK_MEDIUM, "vacuums %o", "every table"},
	{"ANALYZE", RISK_MEDIUM, "gathers statistics on %o", "every table"},
	{"CLUSTER", RISK_MEDIUM, "rewrites %o in index order", "every clustered table"},
	{"REINDEX", RISK_MEDIUM, "rebuilds the indexes of %o"},
	{"CHECKPOINT", RISK_MEDIUM, "forces a checkpoint"},
	{"REFRESH MATERIALIZED VIEW", RISK_MEDIUM, "recomputes materialized view %o"},
	{"DISCARD ", RISK_MEDIUM, "discards the session's state"},
	{"NOTIFY", RISK_MEDIUM, "sends a notification on channel %o"},
	/* the schema */
	{"CREATE TABLE AS", RISK_MEDIUM, "creates table %o from a query"},
	{"CREATE INDEX", RISK_MEDIUM, "creates an index on %o"},
	{"CREATE ", RISK_MEDIUM, "creates %t %o"},
	{"ALTER ", RISK_MEDIUM, "alters %t %o"},
	{"COMMENT", RISK_MEDIUM, "changes a comment"},
	{"SECURITY LABEL", RISK_MEDIUM, "changes a security label"},
	{"IMPORT FOREIGN SCHEMA", RISK_MEDIUM, "imports foreign tables"},
};

/* Any other DDL. */
static const char *const other_ddl = "changes the schema";

/*
 * Functions that act outside the query, by name (case-insensitive) or by
 * name prefix.  set_config is rated by its setting (settings below).
 */
static const struct
{
	const char *name;
	bool		prefix;
	RiskLevel	level;
	const char *does;
}			function_risks[] = {
	{"pg_read_file", false, RISK_HIGH, "reads the server's files"},
	{"pg_read_binary_file", false, RISK_HIGH, "reads the server's files"},
	{"pg_stat_file", false, RISK_HIGH, "inspects the server's files"},
	{"pg_ls_", true, RISK_HIGH, "lists the server's directories"},
	{"pg_logdir_ls", false, RISK_HIGH, "lists the server's log files"},
	{"pg_file_", true, RISK_HIGH, "writes the server's files"},
	{"lo_import", false, RISK_HIGH, "reads a server file into the database"},
	{"lo_export", false, RISK_HIGH, "writes a server file"},
	{"pg_terminate_backend", false, RISK_HIGH, "ends other sessions"},
	{"pg_cancel_backend", false, RISK_HIGH, "cancels other sessions' queries"},
	{"pg_reload_conf", false, RISK_HIGH, "reloads the server's configuration"},
	{"pg_rotate_logfile", false, RISK_HIGH, "rotates the server's log file"},
	{"pg_promote", false, RISK_HIGH, "promotes a standby server to primary"},
	{"dblink", true, RISK_HIGH, "opens a connection of its own, outside this session"},
	{"pg_background", true, RISK_HIGH, "runs statements in a session of its own"},
	{"pg_switch_wal", false, RISK_HIGH, "acts on the server's write-ahead log"},
	{"pg_create_restore_point", false, RISK_HIGH, "acts on the server's write-ahead log"},
	{"pg_wal_replay_", true, RISK_HIGH, "pauses or resumes recovery"},
	{"pg_backup_", true, RISK_HIGH, "starts or stops a backup"},
	{"pg_start_backup", false, RISK_HIGH, "starts a backup"},
	{"pg_stop_backup", false, RISK_HIGH, "stops a backup"},
	{"pg_create_physical_replication_slot", false, RISK_HIGH, "acts on replication"},
	{"pg_create_logical_replication_slot", false, RISK_HIGH, "acts on replication"},
	{"pg_drop_replication_slot", false, RISK_HIGH, "acts on replication"},
	{"pg_copy_", true, RISK_HIGH, "acts on replication"},
	{"pg_replication_", true, RISK_HIGH, "acts on replication"},
	{"pg_logical_", true, RISK_HIGH, "acts on replication or writes to the write-ahead log"},
	{"query_to_xml", true, RISK_MEDIUM, "runs the SQL text it is given, unseen by this analysis"},
	{"pg_advisory_lock", true, RISK_MEDIUM, "takes a lock that outlives the transaction"},
	{"pg_try_advisory_lock", true, RISK_MEDIUM, "takes a lock that outlives the transaction"},
	{"pg_notify", false, RISK_MEDIUM, "sends a notification"},
	{"setval", false, RISK_MEDIUM, "moves a sequence"},
	{"lo_unlink", false, RISK_MEDIUM, "deletes a large object"},
	{"lo_create", false, RISK_MEDIUM, "writes large objects"},
	{"lo_creat", false, RISK_MEDIUM, "writes large objects"},
	{"lo_from_bytea", false, RISK_MEDIUM, "writes large objects"},
	{"lo_put", false, RISK_MEDIUM, "writes large objects"},
	{"lowrite", false, RISK_MEDIUM, "writes large objects"},
	{"lo_truncate", true, RISK_MEDIUM, "writes large objects"},
	{"pg_stat_reset", true, RISK_MEDIUM, "resets the server's statistics"},
	{"pg_stat_statements_reset", false, RISK_MEDIUM, "resets the server's statistics"},
	{"pg_log_backend_memory_contexts", false, RISK_MEDIUM, "writes another session's memory use to the server log"},
};

/* Settings that SET, RESET and set_config() may not change unnoticed. */
static const struct
{
	const char *name;
	RiskLevel	level;
	const char *does;
}			setting_risks[] = {
	{"role", RISK_HIGH, "changes the session's identity"},
	{"session_authorization", RISK_HIGH, "changes the session's identity"},
	{"session_replication_role", RISK_HIGH, "can turn triggers and foreign key checks off"},
	{"transaction_read_only", RISK_MEDIUM, "changes whether the transaction may write"},
	{"default_transaction_read_only", RISK_MEDIUM, "changes whether transactions may write"},
	{"statement_timeout", RISK_MEDIUM, "changes a limit of the connection"},
	{"lock_timeout", RISK_MEDIUM, "changes a limit of the connection"},
	{"idle_in_transaction_session_timeout", RISK_MEDIUM, "changes a limit of the connection"},
	{"client_encoding", RISK_MEDIUM, "changes how the statements that follow are read"},
	{"standard_conforming_strings", RISK_MEDIUM, "changes how the statements that follow are read"},
	{"all", RISK_MEDIUM, "resets every setting of the session"},
};

/* Catalogs that hold secrets. */
static const struct
{
	const char *name;
	const char *holds;
}			catalog_risks[] = {
	{"pg_authid", "the roles' password hashes"},
	{"pg_shadow", "the roles' password hashes"},
	{"pg_user_mapping", "the credentials of foreign servers"},
	{"pg_user_mappings", "the credentials of foreign servers"},
};

typedef struct Fact
{
	RiskLevel	level;
	char	   *title;
	char	   *sentence;
} Fact;

typedef struct Facts
{
	List	   *list;			/* Fact * */
	List	   *prepared;		/* char *, names PREPAREd so far */
} Facts;

const char *
risk_level_name(RiskLevel level)
{
	return level == RISK_HIGH ? "high" : level == RISK_MEDIUM ? "medium" : "low";
}

/* str cut to at most bytes bytes (whole characters), "..." when cut. */
static char *
clip(const char *str, int bytes)
{
	int			len = strlen(str);
	int			cut;

	if (len <= bytes)
		return pstrdup(str);
	cut = pg_mbcliplen(str, len, bytes);
	return psprintf("%.*s...", cut, str);
}

/* "a, b and c"; past RISK_MAX_NAMES, "a, b, c, d, e and 3 more". */
static char *
names(List *list)
{
	StringInfoData buf;
	int			n = list_length(list);
	int			shown = n > RISK_MAX_NAMES ? RISK_MAX_NAMES : n;

	initStringInfo(&buf);
	for (int i = 0; i < shown; i++)
	{
		const char *name = list_nth(list, i);

		if (i > 0)
			appendStringInfoString(&buf, i == n - 1 ? " and " : ", ");
		appendStringInfoString(&buf, clip(name ? name : "?", RISK_NAME_BYTES));
	}
	if (n > shown)
		appendStringInfo(&buf, " and %d more", n - shown);
	return buf.data;
}

/*
 * Records a fact: "Statement N <does>: <detail>." (number 0: the input as
 * a whole), titled title or, by default, <does> capitalised.
 */
static void
add_fact(Facts *f, RiskLevel level, int number, const char *does, const char *detail,
		 const char *title)
{
	Fact	   *fact = palloc(sizeof(Fact));
	StringInfoData buf;

	initStringInfo(&buf);
	if (number > 0)
		appendStringInfo(&buf, "Statement %d %s", number, does);
	else
		appendStringInfo(&buf, "The input %s", does);
	if (detail)
		appendStringInfo(&buf, ": %s", detail);
	appendStringInfoChar(&buf, '.');
	fact->level = level;
	fact->sentence = buf.data;
	if (title)
		fact->title = pstrdup(title);
	else
	{
		fact->title = clip(does, RISK_TITLE_BYTES);
		fact->title[0] = pg_ascii_toupper((unsigned char) fact->title[0]);
	}
	f->list = lappend(f->list, fact);
}

/* A command's does, its %o, %r and %t filled in. */
static char *
expand(const char *does, const char *none, const Statement *s)
{
	StringInfoData buf;
	const char *type = strchr(s->command, ' ');

	initStringInfo(&buf);
	for (const char *p = does; *p; p++)
	{
		if (p[0] != '%' || (p[1] != 'o' && p[1] != 'r' && p[1] != 't'))
		{
			appendStringInfoChar(&buf, *p);
			continue;
		}
		p++;
		if (*p == 'o' && s->objects)
			appendStringInfoString(&buf, names(s->objects));
		else if (*p == 'o' && none)
			appendStringInfoString(&buf, none);
		else if (*p == 'r' && s->roles)
			appendStringInfoString(&buf, names(s->roles));
		else if (*p == 't' && type)
		{
			char	   *lower = asc_tolower(type + 1, strlen(type + 1));

			appendStringInfoString(&buf, lower);
		}
		else
		{
			/* nothing to say: drop the space before it */
			while (buf.len > 0 && buf.data[buf.len - 1] == ' ')
				buf.data[--buf.len] = '\0';
		}
	}
	return buf.data;
}

static bool
tag_matches(const char *pattern, const char *tag)
{
	size_t		len = strlen(pattern);

	if (len > 0 && pattern[len - 1] == ' ')
		return strncmp(tag, pattern, len) == 0;
	return strcmp(tag, pattern) == 0;
}

static void
command_facts(Facts *f, const Statement *s)
{
	const char *detail = s->cascade ? psprintf("%s CASCADE", s->command) : s->command;

	/* ALTER TABLE ... DROP COLUMN loses data: that is the fact */
	if (s->dropped_columns)
	{
		add_fact(f, RISK_HIGH, s->number,
				 psprintf("drops column %s", names(s->dropped_columns)),
				 psprintf("%s DROP COLUMN", detail), NULL);
		return;
	}
	for (int i = 0; i < lengthof(command_risks); i++)
	{
		if (tag_matches(command_risks[i].tag, s->command))
		{
			add_fact(f, command_risks[i].level, s->number,
					 expand(command_risks[i].does, command_risks[i].none, s), detail, NULL);
			return;
		}
	}
	if (s->kind == STMT_DDL)
		add_fact(f, RISK_MEDIUM, s->number, other_ddl, detail, NULL);
}

static void
dml_facts(Facts *f, const Statement *s)
{
	const char *target = s->target ? clip(s->target, RISK_NAME_BYTES) : "a table";

	if (strcmp(s->command, "INSERT") == 0)
		add_fact(f, RISK_MEDIUM, s->number, psprintf("inserts rows into %s", target), "INSERT", NULL);
	else if (strcmp(s->command, "MERGE") == 0)
		add_fact(f, RISK_MEDIUM, s->number, psprintf("merges rows into %s", target), "MERGE", NULL);
	else if (strcmp(s->command, "UPDATE") == 0 || strcmp(s->command, "DELETE") == 0)
	{
		bool		update = s->command[0] == 'U';

		if (s->has_where)
			add_fact(f, RISK_MEDIUM, s->number,
					 psprintf("%s rows of %s", update ? "updates" : "deletes", target),
					 psprintf("%s with WHERE", s->command), NULL);
		else
			add_fact(f, RISK_HIGH, s->number,
					 psprintf("%s every row of %s", update ? "updates" : "deletes", target),
					 psprintf("%s without WHERE", s->command), NULL);
	}
	else
		command_facts(f, s);	/* TRUNCATE */
}

static const char *
setting_risk(const char *name, RiskLevel *level)
{
	for (int i = 0; i < lengthof(setting_risks); i++)
	{
		if (strcmp(name, setting_risks[i].name) == 0)
		{
			*level = setting_risks[i].level;
			return setting_risks[i].does;
		}
	}
	return NULL;
}

static void
set_facts(Facts *f, const Statement *s)
{
	RiskLevel	level;
	const char *does;

	if (s->read_write)
	{
		char	   *what = asc_toupper(s->setting, strlen(s->setting));

		add_fact(f, RISK_MEDIUM, s->number, "makes the transaction read-write",
				 psprintf("%s %s READ WRITE", s->command, what), NULL);
		return;
	}
	does = setting_risk(s->setting, &level);
	if (does)
	{
		char	   *detail = strcmp(s->setting, "all") == 0 ? psprintf("%s ALL", s->command) :
			psprintf("%s %s", s->command, clip(s->setting, RISK_NAME_BYTES));
		char	   *title = psprintf("%s (%s)", does, detail);

		title[0] = pg_ascii_toupper((unsigned char) title[0]);
		add_fact(f, level, s->number, does, detail, title);
	}
}

static void
copy_facts(Facts *f, const Statement *s)
{
	const char *dir = s->copy_from ? "FROM" : "TO";
	const char *what = s->relations ? names(s->relations) : s->copy_from ? "a table" : "a query's result";

	if (strcmp(s->copy_source, "STDIN") == 0)
		add_fact(f, RISK_MEDIUM, s->number, psprintf("loads rows from the client into %s", what),
				 "COPY FROM STDIN", NULL);
	else if (strcmp(s->copy_source, "STDOUT") == 0)
		return;
	else if (strncmp(s->copy_source, "PROGRAM ", 8) == 0)
		add_fact(f, RISK_HIGH, s->number,
				 psprintf("runs the program '%s' on the database server", clip(s->copy_source + 8, 80)),
				 psprintf("COPY %s PROGRAM", dir), NULL);
	else if (s->copy_from)
		add_fact(f, RISK_HIGH, s->number,
				 psprintf("reads the server file '%s' into %s", clip(s->copy_source, 80), what),
				 "COPY FROM a file", NULL);
	else
		add_fact(f, RISK_HIGH, s->number,
				 psprintf("writes %s to the server file '%s'", what, clip(s->copy_source, 80)),
				 "COPY TO a file", NULL);
}

/* Writes and locks inside a statement, whatever its kind. */
static void
inner_facts(Facts *f, const Statement *s)
{
	if (s->unfiltered)
	{
		const char *in = strchr(s->unfiltered, ' ');
		bool		update = s->unfiltered[0] == 'U';
		const char *target = s->unfiltered_target ? clip(s->unfiltered_target, RISK_NAME_BYTES) : "a table";
		bool		prepares = in && strcmp(in, " in PREPARE") == 0;

		add_fact(f, RISK_HIGH, s->number,
				 psprintf("%s%s every row of %s", prepares ? "prepares a statement that " : "",
						  update ? "updates" : "deletes", target),
				 psprintf("%.*s without WHERE%s", in ? (int) (in - s->unfiltered) : (int) strlen(s->unfiltered),
						  s->unfiltered, in ? in : ""), NULL);
	}
	else if (s->writes)
	{
		const char *in = strstr(s->writes, " in ");

		if (strcmp(s->writes, "SELECT INTO") == 0)
			add_fact(f, RISK_MEDIUM, s->number, "creates a table from a query's result", s->writes, NULL);
		else if (in && strcmp(in, " in PREPARE") == 0)
			add_fact(f, RISK_MEDIUM, s->number, "prepares a statement that writes data", s->writes, NULL);
		else
			add_fact(f, RISK_MEDIUM, s->number, "writes data", s->writes, NULL);
	}
	if (s->locks)
		add_fact(f, RISK_MEDIUM, s->number, "locks the rows it reads until the transaction ends",
				 psprintf("SELECT ... %s", s->locks), NULL);
}

static bool
seen(List *list, const char *name)
{
	ListCell   *lc;

	foreach(lc, list)
		if (pg_strcasecmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

/* The functions it calls, set_config's settings, the catalogs it reads. */
static void
name_facts(Facts *f, const Statement *s)
{
	List	   *reported = NIL;
	ListCell   *lc;

	foreach(lc, s->functions)
	{
		const char *fn = lfirst(lc);

		if (seen(reported, fn))
			continue;
		for (int i = 0; i < lengthof(function_risks); i++)
		{
			const char *name = function_risks[i].name;

			if (function_risks[i].prefix ? pg_strncasecmp(fn, name, strlen(name)) == 0 :
				pg_strcasecmp(fn, name) == 0)
			{
				add_fact(f, function_risks[i].level, s->number,
						 psprintf("calls %s(), which %s", clip(fn, RISK_NAME_BYTES), function_risks[i].does),
						 NULL, NULL);
				reported = lappend(reported, (char *) fn);
				break;
			}
		}
	}
	foreach(lc, s->set_configs)
	{
		const char *name = lfirst(lc);
		RiskLevel	level;
		const char *does;

		if (name == NULL)
		{
			add_fact(f, RISK_HIGH, s->number,
					 "calls set_config() with a setting name this analysis cannot see", NULL, NULL);
			continue;
		}
		if (seen(reported, name))
			continue;
		does = setting_risk(name, &level);
		if (does && strcmp(name, "all") != 0)
		{
			add_fact(f, level, s->number,
					 psprintf("calls set_config() on %s, which %s", clip(name, RISK_NAME_BYTES), does),
					 NULL, NULL);
			reported = lappend(reported, (char *) name);
		}
	}
	foreach(lc, s->relations)
	{
		const char *rel = lfirst(lc);
		const char *dot = strrchr(rel, '.');
		const char *bare = dot ? dot + 1 : rel;

		if (seen(reported, rel))
			continue;
		for (int i = 0; i < lengthof(catalog_risks); i++)
		{
			if (pg_strcasecmp(bare, catalog_risks[i].name) == 0)
			{
				add_fact(f, RISK_HIGH, s->number,
						 psprintf("reads %s, which holds %s", clip(rel, RISK_NAME_BYTES), catalog_risks[i].holds),
						 NULL, NULL);
				reported = lappend(reported, (char *) rel);
				break;
			}
		}
	}
}

static void
statement_facts(Facts *f, const Statement *s)
{
	if (!s->parsed)
	{
		add_fact(f, RISK_HIGH, s->number,
				 psprintf("does not parse (%s), so what it would do cannot be seen",
						  clip(s->error ? s->error : "unknown error", RISK_ERROR_BYTES)),
				 NULL, "Input that does not parse");
		return;
	}
	switch (s->kind)
	{
		case STMT_QUERY:
		case STMT_CURSOR:
			break;
		case STMT_DML:
			dml_facts(f, s);
			break;
		case STMT_SET:
			set_facts(f, s);
			break;
		case STMT_COPY:
			copy_facts(f, s);
			break;
		case STMT_PREPARED:
			if (strcmp(s->command, "PREPARE") == 0 && s->prepared)
				f->prepared = lappend(f->prepared, (char *) s->prepared);
			else if (strcmp(s->command, "EXECUTE") == 0 && s->prepared && !seen(f->prepared, s->prepared))
				add_fact(f, RISK_MEDIUM, s->number,
						 psprintf("runs prepared statement %s, which this input does not define",
								  clip(s->prepared, RISK_NAME_BYTES)),
						 "EXECUTE", NULL);
			break;
		case STMT_DDL:
		case STMT_TRANSACTION:
		case STMT_CALL:
		case STMT_UTILITY:
			command_facts(f, s);
			break;
	}
	inner_facts(f, s);
	name_facts(f, s);
}

/* Nothing found: say what the input does. */
static void
low_summary(RiskAnalysis *r, Analysis *a)
{
	StringInfoData buf;
	List	   *commands = NIL;
	List	   *relations = NIL;
	bool		reads_only = true;
	int			n = list_length(a->statements);
	ListCell   *lc;

	if (n == 0)
	{
		r->title = pstrdup("Nothing to run");
		r->explanation = pstrdup("The input holds no statement.");
		return;
	}
	foreach(lc, a->statements)
	{
		Statement  *s = lfirst(lc);
		ListCell   *rc;

		if (s->kind != STMT_QUERY && s->kind != STMT_CURSOR)
			reads_only = false;
		if (!seen(commands, s->command))
			commands = lappend(commands, (char *) s->command);
		foreach(rc, s->relations)
			if (!seen(relations, lfirst(rc)))
				relations = lappend(relations, lfirst(rc));
	}
	r->title = pstrdup(!reads_only ? "No risky statement" : n == 1 ? "Read-only query" : "Read-only queries");
	initStringInfo(&buf);
	appendStringInfo(&buf, "Nothing in the input writes data or changes the schema, the privileges, the session's identity or the server: %d statement%s (%s)",
					 n, n == 1 ? "" : "s", names(commands));
	if (relations)
		appendStringInfo(&buf, " naming %s", names(relations));
	appendStringInfoChar(&buf, '.');
	r->explanation = buf.data;
}

RiskAnalysis *
risk_analyse(Analysis *a)
{
	RiskAnalysis *r = palloc0(sizeof(RiskAnalysis));
	Facts		f = {NIL, NIL};
	StringInfoData buf;
	int			listed = 0;
	int			n = list_length(a->statements);
	ListCell   *lc;

	foreach(lc, a->statements)
		statement_facts(&f, lfirst(lc));
	if (n > RISK_MANY_STATEMENTS)
		add_fact(&f, RISK_MEDIUM, 0,
				 psprintf("holds %d statements, more than %d to review one by one", n, RISK_MANY_STATEMENTS),
				 NULL, psprintf("Many statements (%d)", n));

	r->level = RISK_LOW;
	foreach(lc, f.list)
	{
		Fact	   *fact = lfirst(lc);

		if (fact->level > r->level || r->title == NULL)
		{
			r->level = fact->level;
			r->title = fact->title;
		}
	}
	if (r->title == NULL)
	{
		low_summary(r, a);
		return r;
	}

	/* the most severe first, in the order of the input */
	initStringInfo(&buf);
	for (int level = RISK_HIGH; level > RISK_LOW; level--)
	{
		foreach(lc, f.list)
		{
			Fact	   *fact = lfirst(lc);

			if (fact->level != level || listed++ >= RISK_MAX_FACTS)
				continue;
			if (buf.len > 0)
				appendStringInfoChar(&buf, ' ');
			appendStringInfoString(&buf, fact->sentence);
		}
	}
	if (listed > RISK_MAX_FACTS)
		appendStringInfo(&buf, " %d more finding%s not listed.", listed - RISK_MAX_FACTS,
						 listed - RISK_MAX_FACTS == 1 ? " is" : "s are");
	r->explanation = buf.data;
	return r;
}

char *
risk_analysis_json(const RiskAnalysis *r, const char *action)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	if (action)
	{
		appendStringInfoString(&out, "\"action\":");
		append_json_string(&out, action, strlen(action));
		appendStringInfoChar(&out, ',');
	}
	appendStringInfoString(&out, "\"explanation\":");
	append_json_string(&out, r->explanation, strlen(r->explanation));
	appendStringInfo(&out, ",\"risk_level\":\"%s\",\"title\":", risk_level_name(r->level));
	append_json_string(&out, r->title, strlen(r->title));
	appendStringInfoChar(&out, '}');
	return out.data;
}

PG_FUNCTION_INFO_V1(hoop_mcp_risk_analysis);

/*
 * hoop_mcp.risk_analysis(input text) RETURNS jsonb: hoop's ai_analysis of
 * an exec's input, without the action (the connection's analyzer rule
 * decides that).
 */
Datum
hoop_mcp_risk_analysis(PG_FUNCTION_ARGS)
{
	RiskAnalysis *r = risk_analyse(analyse_script(text_to_cstring(PG_GETARG_TEXT_PP(0))));

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(risk_analysis_json(r, NULL))));
}
