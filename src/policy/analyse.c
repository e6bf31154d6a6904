/*
 * analyse.c
 *		The statement analyser: an exec's input through PostgreSQL's own
 *		parser, statement by statement, as psql would send them.
 *
 * The input is split the way a run splits it (psql_split_script), each
 * statement goes through raw_parser(), and the parse tree is read for what
 * policies ask: the statement's kind and command, the relations and
 * functions it names, the writes and locks hidden inside a query (and the
 * UPDATE or DELETE without WHERE among them), what a SET or set_config()
 * changes, where a COPY goes, what a utility statement acts on and the
 * roles it names.  raw_parser needs no catalog access and
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
	return str ? MemoryContextStrdup(w->out, str) : NULL;
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

static char *
rv_name(RangeVar *rv)
{
	if (rv == NULL)
		return NULL;
	if (rv->catalogname)
		return psprintf("%s.%s.%s", rv->catalogname, rv->schemaname, rv->relname);
	if (rv->schemaname)
		return psprintf("%s.%s", rv->schemaname, rv->relname);
	return pstrdup(rv->relname);
}

/* A qualified name ("a.b.c") from a list of String nodes; NULL if none. */
static char *
name_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
	{
		Node	   *n = lfirst(lc);

		if (buf.len > 0)
			appendStringInfoChar(&buf, '.');
		if (IsA(n, String))
			appendStringInfoString(&buf, strVal(n));
		else if (IsA(n, A_Star))
			appendStringInfoChar(&buf, '*');
		else if (IsA(n, TypeName) && ((TypeName *) n)->names)
			appendStringInfoString(&buf, name_list(((TypeName *) n)->names));
	}
	return buf.len > 0 ? buf.data : NULL;
}

static char *
role_name(RoleSpec *r)
{
	if (r == NULL)
		return NULL;
	switch (r->roletype)
	{
		case ROLESPEC_CSTRING:
			return pstrdup(r->rolename);
		case ROLESPEC_CURRENT_ROLE:
			return pstrdup("CURRENT_ROLE");
		case ROLESPEC_CURRENT_USER:
			return pstrdup("CURRENT_USER");
		case ROLESPEC_SESSION_USER:
			return pstrdup("SESSION_USER");
		case ROLESPEC_PUBLIC:
			return pstrdup("PUBLIC");
	}
	return NULL;
}

/* The name of an object as a utility statement gives it, or NULL. */
static char *
object_name(Node *n)
{
	if (n == NULL)
		return NULL;
	switch (nodeTag(n))
	{
		case T_RangeVar:
			return rv_name((RangeVar *) n);
		case T_String:
			return pstrdup(strVal(n));
		case T_List:
			return name_list((List *) n);
		case T_ObjectWithArgs:
			{
				char	   *name = name_list(((ObjectWithArgs *) n)->objname);

				return name ? psprintf("%s()", name) : NULL;
			}
		case T_TypeName:
			return name_list(((TypeName *) n)->names);
		case T_RoleSpec:
			return role_name((RoleSpec *) n);
		case T_AccessPriv:
			return ((AccessPriv *) n)->priv_name ? pstrdup(((AccessPriv *) n)->priv_name) : NULL;
		default:
			return NULL;
	}
}

static void
keep_object(Walk *w, List **list, Node *n)
{
	char	   *name = object_name(n);

	if (name)
		keep_name(w, list, name);
}

static void
keep_objects(Walk *w, List **list, List *nodes)
{
	ListCell   *lc;

	foreach(lc, nodes)
		keep_object(w, list, lfirst(lc));
}

/* An UPDATE or DELETE without WHERE: every row. */
static bool
unfiltered_write(Node *node)
{
	if (node == NULL)
		return false;
	if (IsA(node, UpdateStmt))
		return ((UpdateStmt *) node)->whereClause == NULL;
	if (IsA(node, DeleteStmt))
		return ((DeleteStmt *) node)->whereClause == NULL;
	return false;
}

static RangeVar *
dml_relation(Node *node)
{
	switch (nodeTag(node))
	{
		case T_InsertStmt:
			return ((InsertStmt *) node)->relation;
		case T_UpdateStmt:
			return ((UpdateStmt *) node)->relation;
		case T_DeleteStmt:
			return ((DeleteStmt *) node)->relation;
		case T_MergeStmt:
			return ((MergeStmt *) node)->relation;
		default:
			return NULL;
	}
}

/* set_config()'s first argument, when it is a constant. */
static void
keep_set_config(Walk *w, FuncCall *fc)
{
	Node	   *arg = fc->args ? linitial(fc->args) : NULL;
	char	   *name = NULL;
	MemoryContext old;

	while (arg && IsA(arg, TypeCast))
		arg = ((TypeCast *) arg)->arg;
	if (arg && IsA(arg, A_Const) && !((A_Const *) arg)->isnull &&
		IsA(&((A_Const *) arg)->val, String))
	{
		const char *str = strVal(&((A_Const *) arg)->val);

		name = asc_tolower(str, strlen(str));
	}
	old = MemoryContextSwitchTo(w->out);
	w->s->set_configs = lappend(w->s->set_configs, name ? pstrdup(name) : NULL);
	MemoryContextSwitchTo(old);
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
		if (pg_strcasecmp(strVal(llast(fc->funcname)), "set_config") == 0)
			keep_set_config(w, fc);
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
		Node	   *query = ((CommonTableExpr *) node)->ctequery;
		const char *dml = dml_name(query);

		if (dml && w->s->writes == NULL)
			w->s->writes = keep(w, psprintf("%s in WITH", dml));
		if (unfiltered_write(query) && w->s->unfiltered == NULL)
		{
			w->s->unfiltered = keep(w, psprintf("%s in WITH", dml));
			w->s->unfiltered_target = keep(w, rv_name(dml_relation(query)));
		}
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
	w->s->set_configs = list_concat(w->s->set_configs, inner.set_configs);
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
	if (runs && w->s->unfiltered == NULL)
	{
		if (inner.unfiltered)
		{
			w->s->unfiltered = inner.unfiltered;
			w->s->unfiltered_target = inner.unfiltered_target;
		}
		else if (unfiltered_write(query))
		{
			w->s->unfiltered = keep(w, psprintf("%s in %s", inner.command, wrapper));
			w->s->unfiltered_target = inner.target;
		}
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

static const char *
grant_plural(ObjectType objtype)
{
	switch (objtype)
	{
		case OBJECT_TABLE:
			return "tables";
		case OBJECT_SEQUENCE:
			return "sequences";
		case OBJECT_FUNCTION:
			return "functions";
		case OBJECT_PROCEDURE:
			return "procedures";
		case OBJECT_ROUTINE:
			return "routines";
		default:
			return "objects";
	}
}

static void
describe_grant(Walk *w, GrantStmt *g)
{
	Statement  *s = w->s;
	ListCell   *lc;

	if (g->targtype == ACL_TARGET_ALL_IN_SCHEMA)
	{
		foreach(lc, g->objects)
		{
			char	   *schema = object_name(lfirst(lc));

			if (schema)
				keep_name(w, &s->objects, psprintf("all %s in schema %s",
												   grant_plural(g->objtype), schema));
		}
	}
	else
		keep_objects(w, &s->objects, g->objects);
	keep_objects(w, &s->roles, g->grantees);
	s->cascade = g->behavior == DROP_CASCADE;
}

/*
 * What a utility statement acts on: the objects it creates, changes or
 * drops, the roles it names.  Queries inside (CREATE TABLE AS, CREATE
 * VIEW) are walked as queries.
 */
static void
describe_utility(Walk *w, Node *stmt)
{
	Statement  *s = w->s;
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_DropStmt:
			keep_objects(w, &s->objects, ((DropStmt *) stmt)->objects);
			s->cascade = ((DropStmt *) stmt)->behavior == DROP_CASCADE;
			break;
		case T_DropdbStmt:
			keep_name(w, &s->objects, ((DropdbStmt *) stmt)->dbname);
			break;
		case T_DropTableSpaceStmt:
			keep_name(w, &s->objects, ((DropTableSpaceStmt *) stmt)->tablespacename);
			break;
		case T_DropSubscriptionStmt:
			keep_name(w, &s->objects, ((DropSubscriptionStmt *) stmt)->subname);
			break;
		case T_DropRoleStmt:
			keep_objects(w, &s->objects, ((DropRoleStmt *) stmt)->roles);
			break;
		case T_DropOwnedStmt:
			keep_objects(w, &s->objects, ((DropOwnedStmt *) stmt)->roles);
			s->cascade = ((DropOwnedStmt *) stmt)->behavior == DROP_CASCADE;
			break;
		case T_ReassignOwnedStmt:
			keep_objects(w, &s->objects, ((ReassignOwnedStmt *) stmt)->roles);
			keep_object(w, &s->roles, (Node *) ((ReassignOwnedStmt *) stmt)->newrole);
			break;
		case T_GrantStmt:
			describe_grant(w, (GrantStmt *) stmt);
			break;
		case T_GrantRoleStmt:
			keep_objects(w, &s->objects, ((GrantRoleStmt *) stmt)->granted_roles);
			keep_objects(w, &s->roles, ((GrantRoleStmt *) stmt)->grantee_roles);
			s->cascade = ((GrantRoleStmt *) stmt)->behavior == DROP_CASCADE;
			break;
		case T_AlterDefaultPrivilegesStmt:
			keep_objects(w, &s->roles, ((AlterDefaultPrivilegesStmt *) stmt)->action->grantees);
			break;
		case T_CreateRoleStmt:
			keep_name(w, &s->objects, ((CreateRoleStmt *) stmt)->role);
			break;
		case T_AlterRoleStmt:
			keep_object(w, &s->objects, (Node *) ((AlterRoleStmt *) stmt)->role);
			break;
		case T_AlterRoleSetStmt:
			keep_object(w, &s->objects, (Node *) ((AlterRoleSetStmt *) stmt)->role);
			break;
		case T_RenameStmt:
			{
				RenameStmt *r = (RenameStmt *) stmt;

				if (r->renameType == OBJECT_ROLE && r->subname)
					keep_name(w, &s->objects, r->subname);
				else if (r->relation)
					keep_object(w, &s->objects, (Node *) r->relation);
				else
					keep_object(w, &s->objects, r->object);
				break;
			}
		case T_AlterOwnerStmt:
			{
				AlterOwnerStmt *o = (AlterOwnerStmt *) stmt;

				if (o->relation)
					keep_object(w, &s->objects, (Node *) o->relation);
				else
					keep_object(w, &s->objects, o->object);
				keep_object(w, &s->roles, (Node *) o->newowner);
				break;
			}
		case T_AlterSystemStmt:
			{
				VariableSetStmt *set = ((AlterSystemStmt *) stmt)->setstmt;

				keep_name(w, &s->objects, set->kind == VAR_RESET_ALL ? "all" : set->name);
				break;
			}
		case T_CreateStmt:
			keep_object(w, &s->objects, (Node *) ((CreateStmt *) stmt)->relation);
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) stmt;
				char	   *rel = rv_name(at->relation);

				keep_name(w, &s->objects, rel);
				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst(lc);

					if (IsA(cmd, AlterTableCmd) && cmd->subtype == AT_DropColumn && cmd->name)
						keep_name(w, &s->dropped_columns, psprintf("%s.%s", rel, cmd->name));
				}
				break;
			}
		case T_IndexStmt:
			keep_object(w, &s->objects, (Node *) ((IndexStmt *) stmt)->relation);
			break;
		case T_ViewStmt:
			keep_object(w, &s->objects, (Node *) ((ViewStmt *) stmt)->view);
			describe_inner(w, ((ViewStmt *) stmt)->query, "CREATE VIEW", false);
			break;
		case T_CreateTableAsStmt:
			keep_object(w, &s->objects, (Node *) ((CreateTableAsStmt *) stmt)->into->rel);
			describe_inner(w, ((CreateTableAsStmt *) stmt)->query, s->command, true);
			break;
		case T_RefreshMatViewStmt:
			keep_object(w, &s->objects, (Node *) ((RefreshMatViewStmt *) stmt)->relation);
			break;
		case T_CreateFunctionStmt:
			keep_object(w, &s->objects, (Node *) ((CreateFunctionStmt *) stmt)->funcname);
			break;
		case T_AlterFunctionStmt:
			keep_object(w, &s->objects, (Node *) ((AlterFunctionStmt *) stmt)->func);
			break;
		case T_CreateSchemaStmt:
			keep_name(w, &s->objects, ((CreateSchemaStmt *) stmt)->schemaname);
			break;
		case T_CreatedbStmt:
			keep_name(w, &s->objects, ((CreatedbStmt *) stmt)->dbname);
			break;
		case T_AlterDatabaseStmt:
			keep_name(w, &s->objects, ((AlterDatabaseStmt *) stmt)->dbname);
			break;
		case T_AlterDatabaseSetStmt:
			keep_name(w, &s->objects, ((AlterDatabaseSetStmt *) stmt)->dbname);
			break;
		case T_CreateExtensionStmt:
			keep_name(w, &s->objects, ((CreateExtensionStmt *) stmt)->extname);
			break;
		case T_AlterExtensionStmt:
			keep_name(w, &s->objects, ((AlterExtensionStmt *) stmt)->extname);
			break;
		case T_CreateSeqStmt:
			keep_object(w, &s->objects, (Node *) ((CreateSeqStmt *) stmt)->sequence);
			break;
		case T_AlterSeqStmt:
			keep_object(w, &s->objects, (Node *) ((AlterSeqStmt *) stmt)->sequence);
			break;
		case T_CreateTrigStmt:
			keep_object(w, &s->objects, (Node *) ((CreateTrigStmt *) stmt)->relation);
			break;
		case T_CreatePolicyStmt:
			keep_object(w, &s->objects, (Node *) ((CreatePolicyStmt *) stmt)->table);
			break;
		case T_RuleStmt:
			keep_object(w, &s->objects, (Node *) ((RuleStmt *) stmt)->relation);
			break;
		case T_CreateSubscriptionStmt:
			keep_name(w, &s->objects, ((CreateSubscriptionStmt *) stmt)->subname);
			break;
		case T_LockStmt:
			keep_objects(w, &s->objects, ((LockStmt *) stmt)->relations);
			break;
		case T_VacuumStmt:
			foreach(lc, ((VacuumStmt *) stmt)->rels)
			{
				VacuumRelation *vr = lfirst(lc);

				if (IsA(vr, VacuumRelation))
					keep_object(w, &s->objects, (Node *) vr->relation);
			}
			break;
		case T_ClusterStmt:
			keep_object(w, &s->objects, (Node *) ((ClusterStmt *) stmt)->relation);
			break;
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) stmt;

				if (r->relation)
					keep_object(w, &s->objects, (Node *) r->relation);
				else if (r->name)
					keep_name(w, &s->objects, r->name);
				break;
			}
		case T_LoadStmt:
			keep_name(w, &s->objects, ((LoadStmt *) stmt)->filename);
			break;
		case T_NotifyStmt:
			keep_name(w, &s->objects, ((NotifyStmt *) stmt)->conditionname);
			break;
		case T_ListenStmt:
			keep_name(w, &s->objects, ((ListenStmt *) stmt)->conditionname);
			break;
		default:
			break;
	}
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
			s->target = keep(w, rv_name(dml_relation(stmt)));
			walk_tree(stmt, w);
			break;
		case T_UpdateStmt:
			s->kind = STMT_DML;
			s->has_where = ((UpdateStmt *) stmt)->whereClause != NULL;
			s->target = keep(w, rv_name(dml_relation(stmt)));
			walk_tree(stmt, w);
			break;
		case T_DeleteStmt:
			s->kind = STMT_DML;
			s->has_where = ((DeleteStmt *) stmt)->whereClause != NULL;
			s->target = keep(w, rv_name(dml_relation(stmt)));
			walk_tree(stmt, w);
			break;
		case T_TruncateStmt:
			s->kind = STMT_DML;
			s->cascade = ((TruncateStmt *) stmt)->behavior == DROP_CASCADE;
			keep_objects(w, &s->objects, ((TruncateStmt *) stmt)->relations);
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
			keep_object(w, &s->objects, (Node *) ((CallStmt *) stmt)->funccall->funcname);
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
			s->prepared = keep(w, ((PrepareStmt *) stmt)->name);
			describe_inner(w, ((PrepareStmt *) stmt)->query, "PREPARE", true);
			break;
		case T_ExecuteStmt:
			s->kind = STMT_PREPARED;
			s->prepared = keep(w, ((ExecuteStmt *) stmt)->name);
			walk_tree((Node *) ((ExecuteStmt *) stmt)->params, w);
			break;
		case T_DeallocateStmt:
			s->kind = STMT_PREPARED;
			s->prepared = keep(w, ((DeallocateStmt *) stmt)->name);
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
			describe_utility(w, stmt);
			break;
		default:
			/* CREATE, ALTER, DROP, GRANT, COMMENT, REFRESH, ALTER SYSTEM, ... */
			describe_utility(w, stmt);
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
