/*
 * masking.c
 *		Data masking of an exec's output, per cell, in the worker.
 *
 * A cell is masked before psql's formatting sees it (target/psql_run.h's
 * PsqlMasker), so what the agent gets and what the session stores are the
 * same masked text and the clear value is never written anywhere.  Three
 * kinds of rule, tried in this order:
 *
 * - column rules (custom entity types with "columns"): every value of a
 *   result column that comes from a masked column (libpq's PQftable and
 *   PQftablecol) becomes <NAME>, whatever it looks like.  The target is
 *   asked once per exec, in the session's set-up round trip, which
 *   tables those are and which views read them (pg_depend, recursively):
 *   every column of such a view is masked.  A computed column (no table
 *   in the result's metadata) of a statement that names a masked table
 *   or view is masked too: it may be computed from a masked value.  And
 *   since masking can only follow what a query returns, a statement that
 *   names one and is not a query (CREATE TABLE AS, INSERT ... SELECT,
 *   COPY, ...) is refused before it is sent, as are DO and CALL, whose
 *   code hoop_mcp cannot see into;
 * - custom patterns and deny lists: each match becomes <NAME>;
 * - the built-in detectors (detect.c): each value found becomes <TYPE>.
 *
 * Errors, notices and COPY data pass through the patterns and detectors;
 * an error of a statement that reads a masked table also has every
 * quoted value that is not in the statement's own text masked (a value
 * from the table, as in 'invalid input syntax for type integer: "..."').
 */
#include "lib/common.h"

#include "utils/builtins.h"
#include "utils/memutils.h"

#include "policy/analyse.h"
#include "policy/masking.h"
#include "policy/read_only.h"

/* A masked relation on the target: one column of it, or all (attnum 0). */
typedef struct MaskedRel
{
	Oid			relid;
	int			attnum;
	const char *name;
	const char *relname;
} MaskedRel;

typedef struct MaskCount
{
	const char *name;
	long		n;
} MaskCount;

struct Masker
{
	Policy	   *policy;
	MemoryContext cxt;
	PsqlMasker	hooks;
	List	   *rels;			/* MaskedRel *, from the target */
	List	   *relnames;		/* the rule's table names, then the views' */
	List	   *counts;			/* MaskCount * */

	/* the result being masked */
	const char *query;
	const char *reads;			/* the rule name of a masked relation it names */
	int			ncols;
	const char **col_name;		/* per column: the name that replaces it, or NULL */
};

static void
count(Masker *m, const char *name)
{
	ListCell   *lc;
	MaskCount  *c;

	foreach(lc, m->counts)
	{
		c = lfirst(lc);
		if (strcmp(c->name, name) == 0)
		{
			c->n++;
			return;
		}
	}
	c = MemoryContextAlloc(m->cxt, sizeof(MaskCount));
	c->name = name;
	c->n = 1;
	m->counts = lappend(m->counts, c);
}

/* The last part of a relation name as the analyser writes it ("s.t" -> "t"). */
static const char *
rel_tail(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

/* The masked relation (its rule's name) that statement s names, or NULL. */
static const char *
names_masked(Masker *m, const Statement *s)
{
	ListCell   *lc;
	ListCell   *r;

	foreach(lc, s->relations)
	{
		const char *tail = rel_tail(lfirst(lc));

		foreach(r, m->policy->columns)
		{
			MaskColumn *col = lfirst(r);

			if (pg_strcasecmp(col->table, tail) == 0)
				return col->name;
		}
		foreach(r, m->rels)
		{
			MaskedRel  *rel = lfirst(r);

			if (pg_strcasecmp(rel->relname, tail) == 0)
				return rel->name;
		}
	}
	return NULL;
}

/* A masker for p's rules, or NULL when p masks nothing. */
Masker *
masker_new(Policy *p)
{
	Masker	   *m;

	if (!p->masks)
		return NULL;
	m = palloc0(sizeof(Masker));
	m->policy = p;
	m->cxt = CurrentMemoryContext;
	return m;
}

/*
 * The query that finds the target's masked columns and the views over
 * them, for the session's set-up; NULL without column rules.
 */
const char *
masker_lookup_sql(Masker *m)
{
	StringInfoData sql;
	ListCell   *lc;

	if (m == NULL || m->policy->columns == NIL)
		return NULL;
	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "WITH RECURSIVE rules(nsp, rel, att, name) AS (VALUES ");
	foreach(lc, m->policy->columns)
	{
		MaskColumn *c = lfirst(lc);

		appendStringInfo(&sql, "%s(%s::pg_catalog.name, %s::pg_catalog.name, %s::pg_catalog.name, %s)",
						 lc == list_head(m->policy->columns) ? "" : ", ",
						 c->schema ? quote_literal_cstr(c->schema) : "NULL",
						 quote_literal_cstr(c->table), quote_literal_cstr(c->column),
						 quote_literal_cstr(c->name));
	}
	appendStringInfoString(&sql,
						   "), masked(relid, attnum, name, relname) AS ("
						   " SELECT c.oid, a.attnum, r.name, c.relname FROM rules r"
						   " JOIN pg_catalog.pg_class c ON c.relname = r.rel"
						   " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND (r.nsp IS NULL OR n.nspname = r.nsp)"
						   " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = r.att AND NOT a.attisdropped"
						   " UNION"
						   " SELECT w.ev_class, 0::pg_catalog.int2, m.name, v.relname FROM masked m"
						   " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
						   "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = m.relid"
						   "  AND (m.attnum = 0 OR d.refobjsubid = m.attnum)"
						   " JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid"
						   " JOIN pg_catalog.pg_class v ON v.oid = w.ev_class"
						   " WHERE w.ev_class <> m.relid)"
						   " SELECT relid, attnum, name, relname FROM masked");
	return sql.data;
}

/* The lookup's rows (a TargetJob's prelude_rows). */
void
masker_lookup_rows(void *arg, const PGresult *res)
{
	Masker	   *m = arg;
	MemoryContext old = MemoryContextSwitchTo(m->cxt);

	for (int i = 0; i < PQntuples(res); i++)
	{
		MaskedRel  *r = palloc(sizeof(MaskedRel));

		r->relid = (Oid) strtoul(PQgetvalue(res, i, 0), NULL, 10);
		r->attnum = atoi(PQgetvalue(res, i, 1));
		r->name = pstrdup(PQgetvalue(res, i, 2));
		r->relname = pstrdup(PQgetvalue(res, i, 3));
		m->rels = lappend(m->rels, r);
	}
	MemoryContextSwitchTo(old);
}

/* Why a statement may not run where column rules apply, or NULL. */
static char *
column_rules_refusal(Masker *m, const Statement *s)
{
	const char *name;

	if (!s->parsed)
		return NULL;			/* the target will say */
	if (s->kind == STMT_CALL)
		return psprintf("%s runs code hoop_mcp cannot see into, and data masking hides columns on this connection",
						s->command);
	if ((name = names_masked(m, s)) == NULL)
		return NULL;
	if (s->kind != STMT_QUERY && s->kind != STMT_CURSOR)
		return psprintf("%s names a table whose columns data masking hides (<%s>); only queries may read it, so that what they return can be masked",
						s->command, name);
	if (s->writes)
		return psprintf("%s names a table whose columns data masking hides (<%s>); only queries may read it, so that what they return can be masked",
						s->writes, name);
	return NULL;
}

/*
 * The refusal of the first statement that may not run where column rules
 * apply, or NULL; *reads (when given) gets the rule name of a masked
 * table the statements before it name.
 */
static char *
first_column_refusal(Masker *m, List *statements, const char **reads)
{
	ListCell   *lc;

	foreach(lc, statements)
	{
		Statement  *s = lfirst(lc);
		char	   *why = column_rules_refusal(m, s);

		if (why)
			return statement_refusal(s, "where data masking hides columns", why);
		if (reads && *reads == NULL)
			*reads = names_masked(m, s);
	}
	return NULL;
}

/*
 * Before an exec starts: why its statements may not run where column
 * rules apply, or NULL (the tables the rules name; the views over them are
 * known once the target is asked, and checked as each statement is sent).
 */
char *
masking_refusal(Policy *p, List *statements)
{
	Masker		m = {0};

	if (p->columns == NIL)
		return NULL;
	m.policy = p;
	return first_column_refusal(&m, statements, NULL);
}

/*
 * The statements of query, about to be sent, where column rules apply:
 * a refusal, or NULL.  Also notes, for the results to come, the query and
 * whether it reads a masked table.
 */
char *
masker_statements(Masker *m, List *statements, const char *query)
{
	const char *reads = NULL;
	char	   *refusal = first_column_refusal(m, statements, &reads);

	m->reads = reads;
	if (m->query)
		pfree((char *) m->query);
	m->query = MemoryContextStrdup(m->cxt, query);
	return refusal;
}

/* A result's rows start: which of its columns come from masked columns. */
static void
mask_columns(void *arg, const PGresult *res)
{
	Masker	   *m = arg;

	m->ncols = PQnfields(res);
	if (m->col_name)
		pfree(m->col_name);
	m->col_name = MemoryContextAllocZero(m->cxt, Max(m->ncols, 1) * sizeof(char *));
	if (m->policy->columns == NIL)
		return;
	for (int c = 0; c < m->ncols; c++)
	{
		Oid			relid = PQftable(res, c);
		int			attnum = PQftablecol(res, c);
		ListCell   *lc;

		if (relid == InvalidOid)
		{
			/* computed: from a masked value, when the statement reads one */
			m->col_name[c] = m->reads;
			continue;
		}
		foreach(lc, m->rels)
		{
			MaskedRel  *r = lfirst(lc);

			if (r->relid == relid && (r->attnum == 0 || r->attnum == attnum))
			{
				m->col_name[c] = r->name;
				break;
			}
		}
	}
}

/* ASCII case-insensitive search for a whole word. */
static const char *
find_word(const char *text, int len, const char *word)
{
	int			wlen = strlen(word);

	for (int i = 0; i + wlen <= len; i++)
	{
		if (pg_strncasecmp(text + i, word, wlen) != 0)
			continue;
		if ((i > 0 && (isalnum((unsigned char) text[i - 1]) || text[i - 1] == '_')) ||
			(i + wlen < len && (isalnum((unsigned char) text[i + wlen]) || text[i + wlen] == '_')))
			continue;
		return text + i;
	}
	return NULL;
}

/* text with every match of a custom type replaced, or NULL when none matched. */
static char *
mask_custom(Masker *m, CustomType *ct, const char *text, int len, int *out_len)
{
	StringInfoData out;
	int			pos = 0;
	bool		found = false;

	initStringInfo(&out);
	while (pos < len)
	{
		int			s = -1;
		int			e = -1;
		ListCell   *lc;

		if (ct->pattern)
		{
			PatternResult r = pattern_search(ct->pattern, text, len, pos, &s, &e);

			if (r == PATTERN_TOO_SLOW)
			{
				/* fail closed: the rest is masked */
				s = pos;
				e = len;
			}
			else if (r == PATTERN_NO_MATCH || e <= s)
				s = e = -1;
		}
		foreach(lc, ct->deny_list)
		{
			const char *w = find_word(text + pos, len - pos, lfirst(lc));

			if (w && (s < 0 || w - text < s))
			{
				s = w - text;
				e = s + strlen(lfirst(lc));
			}
		}
		if (s < 0)
			break;
		appendBinaryStringInfo(&out, text + pos, s - pos);
		appendStringInfo(&out, "<%s>", ct->name);
		count(m, ct->name);
		found = true;
		pos = e;
	}
	if (!found)
	{
		pfree(out.data);
		return NULL;
	}
	appendBinaryStringInfo(&out, text + pos, len - pos);
	*out_len = out.len;
	return out.data;
}

/* text through the custom types and the detectors; NULL when unchanged. */
static char *
mask_content(Masker *m, const char *text, int len, int *out_len)
{
	char	   *cur = NULL;
	int			cur_len = len;
	ListCell   *lc;

	foreach(lc, m->policy->custom)
	{
		int			n;
		char	   *next = mask_custom(m, lfirst(lc), cur ? cur : text, cur_len, &n);

		if (next)
		{
			cur = next;
			cur_len = n;
		}
	}
	if (m->policy->detects)
	{
		int			counts[ENT_COUNT] = {0};
		int			n;
		char	   *next = detect_mask(cur ? cur : text, cur_len, m->policy->thresholds, &n, counts);

		if (next)
		{
			cur = next;
			cur_len = n;
			for (int t = 0; t < ENT_COUNT; t++)
				for (int i = 0; i < counts[t]; i++)
					count(m, entity_type_name(t));
		}
	}
	*out_len = cur_len;
	return cur;
}

static char *
mask_cell(void *arg, int col, const char *value, int len, int *out_len)
{
	Masker	   *m = arg;

	if (col >= 0 && col < m->ncols && m->col_name[col])
	{
		count(m, m->col_name[col]);
		*out_len = strlen(m->col_name[col]) + 2;
		return psprintf("<%s>", m->col_name[col]);
	}
	return mask_content(m, value, len, out_len);
}

/*
 * Quoted values of an error that are not in the statement's own text:
 * where the statement reads a masked table, they may be its values.
 */
static char *
mask_quoted(Masker *m, const char *text, int len, int *out_len)
{
	StringInfoData out;
	bool		changed = false;
	int			pos = 0;

	initStringInfo(&out);
	while (pos < len)
	{
		const char *q = memchr(text + pos, '"', len - pos);
		const char *end;
		char	   *inner;

		if (q == NULL || (end = memchr(q + 1, '"', text + len - q - 1)) == NULL)
			break;
		inner = pnstrdup(q + 1, end - q - 1);
		appendBinaryStringInfo(&out, text + pos, q + 1 - (text + pos));
		if (inner[0] && (m->query == NULL || strstr(m->query, inner) == NULL))
		{
			appendStringInfo(&out, "<%s>", m->reads);
			count(m, m->reads);
			changed = true;
		}
		else
			appendStringInfoString(&out, inner);
		appendStringInfoChar(&out, '"');
		pos = end + 1 - text;
	}
	if (!changed)
	{
		pfree(out.data);
		return NULL;
	}
	appendBinaryStringInfo(&out, text + pos, len - pos);
	*out_len = out.len;
	return out.data;
}

static char *
mask_message(void *arg, const char *text, int len, int *out_len)
{
	Masker	   *m = arg;
	char	   *masked = mask_content(m, text, len, out_len);
	char	   *quoted;

	if (m->reads &&
		(quoted = mask_quoted(m, masked ? masked : text, masked ? *out_len : len, out_len)) != NULL)
		return quoted;
	return masked;
}

const PsqlMasker *
masker_hooks(Masker *m)
{
	m->hooks.columns = mask_columns;
	m->hooks.cell = mask_cell;
	m->hooks.message = mask_message;
	m->hooks.arg = m;
	return &m->hooks;
}

/* {"NAME": n, ...}: what was masked, for the session; NULL when nothing. */
char *
masker_counts(Masker *m)
{
	StringInfoData out;
	ListCell   *lc;

	if (m == NULL || m->counts == NIL)
		return NULL;
	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	foreach(lc, m->counts)
	{
		MaskCount  *c = lfirst(lc);

		if (lc != list_head(m->counts))
			appendStringInfoChar(&out, ',');
		append_json_string(&out, c->name, strlen(c->name));
		appendStringInfo(&out, ":%ld", c->n);
	}
	appendStringInfoChar(&out, '}');
	return out.data;
}

/* How many values were masked in all. */
long
masker_total(Masker *m)
{
	ListCell   *lc;
	long		n = 0;

	foreach(lc, m->counts)
		n += ((MaskCount *) lfirst(lc))->n;
	return n;
}
