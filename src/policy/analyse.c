/*
 * analyse.c
 *		The statement analyser: an exec's input through PostgreSQL's own
 *		parser, statement by statement, as psql would send them.
 *
 * The input is split the way a run splits it (psql_split_script), each
 * statement goes through raw_parser(), and the parse tree is read for what
 * policies ask: the statement's kind and command, the relations and
 * functions it names, the writes and locks hidden inside a query, what a
 * SET changes, where a COPY goes.  raw_parser needs no catalog access and
 * holds no resources, so its errors (a syntax error, bison's "memory
 * exhausted", a parse too deep for the stack) are caught here and the
 * statement is reported as not parsed; none reaches the caller.  Parse
 * trees live in a context of their own, dropped per statement: only the
 * summaries stay, in the caller's context.
 */
#include "lib/common.h"

#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "lib/util.h"
#include "policy/analyse.h"
#include "target/psql_run.h"

/* What the walk of one parse tree gathers, and where it keeps it. */
typedef struct Walk
{
	Statement  *s;
	MemoryContext out;			/* the caller's context */
} Walk;

static void describe(Walk *w, Node *stmt);

const char *
statement_kind_name(StatementKind kind)
{
	switch (kind)
	{
		case STMT_QUERY:
			return "query";
		case STMT_DML:
			return "dml";
		case STMT_DDL:
			return "ddl";
		case STMT_TRANSACTION:
			return "transaction";
		case STMT_SET:
			return "set";
		case STMT_CALL:
			return "call";
		case STMT_COPY:
			return "copy";
		case STMT_CURSOR:
			return "cursor";
		case STMT_PREPARED:
			return "prepared";
		case STMT_UTILITY:
			return "utility";
	}
	return "utility";
}

static char *
keep(Walk *w, const char *str)
{
	return MemoryContextStrdup(w->out, str);
}

static void
keep_name(Walk *w, List **list, const char *name)
{
	MemoryContext old = MemoryContextSwitchTo(w->out);

	*list = lappend(*list, pstrdup(name));
	MemoryContextSwitchTo(old);
}

static const char *
locking_name(LockingClause *lc)
{
	switch (lc->strength)
	{
		case LCS_FORKEYSHARE:
			return "FOR KEY SHARE";
		case LCS_FORSHARE:
			return "FOR SHARE";
		case LCS_FORNOKEYUPDATE:
			return "FOR NO KEY UPDATE";
		default:
			return "FOR UPDATE";
	}
}

static const char *
dml_name(Node *node)
{
	switch (nodeTag(node))
	{
		case T_InsertStmt:
			return "INSERT";
		case T_UpdateStmt:
			return "UPDATE";
		case T_DeleteStmt:
			return "DELETE";
		case T_MergeStmt:
			return "MERGE";
		default:
			return NULL;
	}
}

/* Everything a query names, wherever it sits: sublinks, CTEs, FROM. */
static bool
walk_tree(Node *node, Walk *w)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;

		keep_name(w, &w->s->functions, strVal(llast(fc->funcname)));
	}
	else if (IsA(node, RangeVar))
	{
		RangeVar   *rv = (RangeVar *) node;

		if (rv->schemaname)
			keep_name(w, &w->s->relations, psprintf("%s.%s", rv->schemaname, rv->relname));
		else
			keep_name(w, &w->s->relations, rv->relname);
	}
	else if (IsA(node, SelectStmt))
	{
		SelectStmt *sel = (SelectStmt *) node;

		if (sel->intoClause && w->s->writes == NULL)
			w->s->writes = "SELECT INTO";
		if (sel->lockingClause && w->s->locks == NULL)
			w->s->locks = locking_name(linitial(sel->lockingClause));
	}
	else if (IsA(node, CommonTableExpr))
	{
		const char *dml = dml_name(((CommonTableExpr *) node)->ctequery);

		if (dml && w->s->writes == NULL)
			w->s->writes = keep(w, psprintf("%s in WITH", dml));
	}
	return raw_expression_tree_walker(node, walk_tree, w);
}

/* A query inside a statement (EXPLAIN, DECLARE, PREPARE, COPY). */
static void
describe_inner(Walk *w, Node *query, const char *wrapper, bool runs)
{
	Statement	inner = {0};
	Walk		iw = {&inner, w->out};
	MemoryContext old;

	describe(&iw, query);
	old = MemoryContextSwitchTo(w->out);
	w->s->relations = list_concat(w->s->relations, inner.relations);
	w->s->functions = list_concat(w->s->functions, inner.functions);
	MemoryContextSwitchTo(old);
	if (w->s->locks == NULL)
		w->s->locks = inner.locks;
	if (runs && w->s->writes == NULL)
	{
		if (inner.writes)
			w->s->writes = inner.writes;
		else if (inner.kind != STMT_QUERY)
			w->s->writes = keep(w, psprintf("%s in %s", inner.command, wrapper));
	}
}

/* Is this DefElem's argument a false constant (READ WRITE, ANALYZE false)? */
static bool
const_false(Node *arg)
{
	if (arg && IsA(arg, A_Const))
	{
		A_Const    *c = (A_Const *) arg;

		if (IsA(&c->val, Integer))
			return intVal(&c->val) == 0;
		if (IsA(&c->val, Boolean))
			return !boolVal(&c->val);
		arg = &c->val.node;
	}
	if (arg && IsA(arg, String))
		return pg_strcasecmp(strVal(arg), "false") == 0 ||
			pg_strcasecmp(strVal(arg), "off") == 0;
	return false;
}

/* BEGIN, START TRANSACTION, SET TRANSACTION ...: READ WRITE among them? */
static bool
options_read_write(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst(lc);

		if (IsA(d, DefElem) && strcmp(d->defname, "transaction_read_only") == 0 &&
			const_false(d->arg))
			return true;
	}
	return false;
}

static bool
option_on(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, name) == 0)
			return d->arg == NULL || !const_false(d->arg);
	}
	return false;
}

static void
describe_set(Walk *w, VariableSetStmt *set)
{
	Statement  *s = w->s;

	s->kind = STMT_SET;
	if (set->kind == VAR_RESET_ALL)
		s->setting = "all";
	else
		s->setting = keep(w, asc_tolower(set->name, strlen(set->name)));
	/* SET TRANSACTION, SET SESSION CHARACTERISTICS AS TRANSACTION */
	if (set->kind == VAR_SET_MULTI)
		s->read_write = options_read_write(set->args);
}

static void
describe_transaction(Walk *w, TransactionStmt *t)
{
	Statement  *s = w->s;

	s->kind = STMT_TRANSACTION;
	switch (t->kind)
	{
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
			s->read_write = options_read_write(t->options);
			break;
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_ROLLBACK:
		case TRANS_STMT_PREPARE:
		case TRANS_STMT_COMMIT_PREPARED:
		case TRANS_STMT_ROLLBACK_PREPARED:
			s->ends_transaction = true;
			break;
		case TRANS_STMT_SAVEPOINT:
		case TRANS_STMT_RELEASE:
		case TRANS_STMT_ROLLBACK_TO:
			break;
	}
}

static void
describe_copy(Walk *w, CopyStmt *copy)
{
	Statement  *s = w->s;
	ListCell   *lc;

	s->kind = STMT_COPY;
	s->copy_from = copy->is_from;
	foreach(lc, copy->options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, "format") == 0 && d->arg && IsA(d->arg, String) &&
			strcmp(strVal(d->arg), "binary") == 0)
			s->copy_binary = true;
	}
	if (copy->filename == NULL)
		s->copy_source = copy->is_from ? "STDIN" : "STDOUT";
	else if (copy->is_program)
		s->copy_source = keep(w, psprintf("PROGRAM %s", copy->filename));
	else
		s->copy_source = keep(w, copy->filename);
	if (copy->relation)
		walk_tree((Node *) copy->relation, w);
	if (copy->query)
		describe_inner(w, copy->query, "COPY", true);
	walk_tree(copy->whereClause, w);
}

/* Fills w->s from one raw statement. */
static void
describe(Walk *w, Node *stmt)
{
	Statement  *s = w->s;

	s->command = GetCommandTagName(CreateCommandTag(stmt));
	s->kind = STMT_DDL;
	switch (nodeTag(stmt))
	{
		case T_SelectStmt:
			s->kind = STMT_QUERY;
			walk_tree(stmt, w);
			break;
		case T_InsertStmt:
		case T_MergeStmt:
			s->kind = STMT_DML;
			walk_tree(stmt, w);
			break;
		case T_UpdateStmt:
			s->kind = STMT_DML;
			s->has_where = ((UpdateStmt *) stmt)->whereClause != NULL;
			walk_tree(stmt, w);
			break;
		case T_DeleteStmt:
			s->kind = STMT_DML;
			s->has_where = ((DeleteStmt *) stmt)->whereClause != NULL;
			walk_tree(stmt, w);
			break;
		case T_TruncateStmt:
			s->kind = STMT_DML;
			walk_tree((Node *) ((TruncateStmt *) stmt)->relations, w);
			break;
		case T_ExplainStmt:
			{
				ExplainStmt *e = (ExplainStmt *) stmt;

				s->kind = STMT_QUERY;
				s->analyze = option_on(e->options, "analyze");
				describe_inner(w, e->query, "EXPLAIN ANALYZE", s->analyze);
				break;
			}
		case T_VariableShowStmt:
			s->kind = STMT_QUERY;
			break;
		case T_VariableSetStmt:
			describe_set(w, (VariableSetStmt *) stmt);
			break;
		case T_TransactionStmt:
			describe_transaction(w, (TransactionStmt *) stmt);
			break;
		case T_CallStmt:
			s->kind = STMT_CALL;
			walk_tree((Node *) ((CallStmt *) stmt)->funccall, w);
			break;
		case T_DoStmt:
			s->kind = STMT_CALL;
			break;
		case T_CopyStmt:
			describe_copy(w, (CopyStmt *) stmt);
			break;
		case T_DeclareCursorStmt:
			s->kind = STMT_CURSOR;
			describe_inner(w, ((DeclareCursorStmt *) stmt)->query, "DECLARE", true);
			break;
		case T_FetchStmt:
		case T_ClosePortalStmt:
			s->kind = STMT_CURSOR;
			break;
		case T_PrepareStmt:
			s->kind = STMT_PREPARED;
			describe_inner(w, ((PrepareStmt *) stmt)->query, "PREPARE", true);
			break;
		case T_ExecuteStmt:
			s->kind = STMT_PREPARED;
			walk_tree((Node *) ((ExecuteStmt *) stmt)->params, w);
			break;
		case T_DeallocateStmt:
			s->kind = STMT_PREPARED;
			break;
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_NotifyStmt:
		case T_LockStmt:
		case T_LoadStmt:
		case T_VacuumStmt:
		case T_CheckPointStmt:
		case T_DiscardStmt:
		case T_ReindexStmt:
		case T_ClusterStmt:
		case T_ConstraintsSetStmt:
			s->kind = STMT_UTILITY;
			break;
		default:
			/* CREATE, ALTER, DROP, GRANT, COMMENT, REFRESH, ALTER SYSTEM, ... */
			break;
	}
}

/*
 * The statements of one query as sent (\; can join several), each with
 * what describe() found, or one that did not parse.  std_strings is the
 * target session's standard_conforming_strings, which decides what a
 * backslash in a string means.
 */
List *
analyse_query(const char *query, int number, int line, bool std_strings)
{
	MemoryContext out = CurrentMemoryContext;
	MemoryContext parse_cxt = AllocSetContextCreate(out, "hoop_mcp parse", ALLOCSET_DEFAULT_SIZES);
	bool		saved_std_strings = standard_conforming_strings;
	List	   *volatile result = NIL;

	PG_TRY();
	{
		List	   *raw;
		ListCell   *lc;

		MemoryContextSwitchTo(parse_cxt);
		standard_conforming_strings = std_strings;
		raw = raw_parser(query, RAW_PARSE_DEFAULT);
		standard_conforming_strings = saved_std_strings;
		foreach(lc, raw)
		{
			RawStmt    *rs = lfirst(lc);
			Statement  *s = MemoryContextAllocZero(out, sizeof(Statement));
			Walk		w = {s, out};
			int			len = rs->stmt_len > 0 ? rs->stmt_len : (int) strlen(query + rs->stmt_location);

			s->number = number;
			s->line = line;
			s->parsed = true;
			s->text = MemoryContextAlloc(out, len + 1);
			memcpy(s->text, query + rs->stmt_location, len);
			s->text[len] = '\0';
			describe(&w, rs->stmt);
			result = lappend(result, s);
			MemoryContextSwitchTo(parse_cxt);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		Statement  *s;

		standard_conforming_strings = saved_std_strings;
		MemoryContextSwitchTo(out);
		edata = CopyErrorData();
		FlushErrorState();
		s = palloc0(sizeof(Statement));
		s->number = number;
		s->line = line;
		s->text = pstrdup(query);
		s->kind = STMT_UTILITY;
		s->error = edata->message;
		result = list_make1(s);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(out);
	MemoryContextDelete(parse_cxt);
	return result;
}

typedef struct Split
{
	Analysis   *a;
	int			number;
} Split;

/* After a COPY FROM STDIN its data follows, which is not statements. */
static PsqlSplitAction
take_statement(void *arg, const char *query, int line)
{
	Split	   *sp = arg;
	List	   *stmts = analyse_query(query, ++sp->number, line, true);
	ListCell   *lc;
	Statement  *last = NULL;

	foreach(lc, stmts)
	{
		last = lfirst(lc);
		if (!last->parsed)
			sp->a->parsed = false;
	}
	sp->a->statements = list_concat(sp->a->statements, stmts);
	if (last && last->kind == STMT_COPY && last->copy_from && strcmp(last->copy_source, "STDIN") == 0)
		return last->copy_binary ? PSQL_SPLIT_COPY_BINARY : PSQL_SPLIT_COPY_DATA;
	return PSQL_SPLIT_NEXT;
}

/* Every statement of an exec's input, in the order a run sends them. */
Analysis *
analyse_script(const char *input)
{
	Analysis   *a = palloc0(sizeof(Analysis));
	Split		sp = {a, 0};

	a->parsed = true;
	psql_split_script(input, take_statement, &sp);
	return a;
}

static void
append_field(StringInfo out, const char *key, const char *value)
{
	if (value == NULL)
		return;
	appendStringInfo(out, ",\"%s\":", key);
	append_json_string(out, value, strlen(value));
}

static void
append_names(StringInfo out, const char *key, List *names)
{
	ListCell   *lc;

	appendStringInfo(out, ",\"%s\":[", key);
	foreach(lc, names)
	{
		if (lc != list_head(names))
			appendStringInfoChar(out, ',');
		append_json_string(out, lfirst(lc), strlen(lfirst(lc)));
	}
	appendStringInfoChar(out, ']');
}

PG_FUNCTION_INFO_V1(hoop_mcp_analyse);

/*
 * hoop_mcp.analyse(input text) RETURNS jsonb: what the analyser sees in an
 * exec's input, one object per statement, for DBAs and auditors.
 */
Datum
hoop_mcp_analyse(PG_FUNCTION_ARGS)
{
	Analysis   *a = analyse_script(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfoChar(&out, '[');
	foreach(lc, a->statements)
	{
		Statement  *s = lfirst(lc);

		if (lc != list_head(a->statements))
			appendStringInfoChar(&out, ',');
		appendStringInfo(&out, "{\"number\":%d,\"line\":%d,\"parsed\":%s",
						 s->number, s->line, s->parsed ? "true" : "false");
		append_field(&out, "text", s->text);
		append_field(&out, "error", s->error);
		if (s->parsed)
		{
			append_field(&out, "kind", statement_kind_name(s->kind));
			append_field(&out, "command", s->command);
			if (s->kind == STMT_DML && s->command && strcmp(s->command, "INSERT") != 0)
				appendStringInfo(&out, ",\"has_where\":%s", s->has_where ? "true" : "false");
			if (s->analyze)
				appendStringInfoString(&out, ",\"analyze\":true");
			if (s->ends_transaction)
				appendStringInfoString(&out, ",\"ends_transaction\":true");
			if (s->read_write)
				appendStringInfoString(&out, ",\"read_write\":true");
			append_field(&out, "setting", s->setting);
			append_field(&out, "writes", s->writes);
			append_field(&out, "locks", s->locks);
			if (s->copy_source)
			{
				append_field(&out, "copy", s->copy_from ? "from" : "to");
				append_field(&out, "copy_source", s->copy_source);
			}
			append_names(&out, "relations", s->relations);
			append_names(&out, "functions", s->functions);
		}
		appendStringInfoChar(&out, '}');
	}
	appendStringInfoChar(&out, ']');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}
