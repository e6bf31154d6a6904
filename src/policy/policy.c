/*
 * policy.c
 *		What a connection's guardrails and masking rules say, compiled once.
 *
 * hoop_mcp._connection_policy() (SQL) says which rules apply to a
 * connection; store/connections.c keeps its answer with the cached
 * connection (so a rule change takes effect with the next exec, as a
 * connection change does), and this file compiles it once per entry.
 */
#include "lib/common.h"

#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/memutils.h"

#include "lib/json.h"
#include "policy/policy.h"

static List *
string_list(JsonbValue *v)
{
	List	   *out = NIL;

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return NIL;
	for (int i = 0; i < JsonContainerSize(v->val.binary.data); i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(v->val.binary.data, i);
		char	   *s = jv_string(e);

		if (s && s[0])
			out = lappend(out, s);
	}
	return out;
}

static double
number(JsonbValue *v, double dflt)
{
	if (v == NULL || v->type != jbvNumeric)
		return dflt;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

static JsonbContainer *
array_of(JsonbContainer *c, const char *key, JsonbValue *v)
{
	if (jv_key(c, key, v) == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return NULL;
	return v->val.binary.data;
}

static void
compile_guardrails(Policy *p, JsonbContainer *rules, MemoryContext cxt)
{
	for (int i = 0; rules && i < JsonContainerSize(rules); i++)
	{
		JsonbContainer *r = jv_object(getIthJsonbValueFromContainer(rules, i));
		GuardRule  *g = palloc0(sizeof(GuardRule));
		JsonbValue	v;
		char	   *direction = jv_string(jv_key(r, "direction", &v));
		char	   *regex;

		g->rule_name = jv_string(jv_key(r, "rule_name", &v));
		g->output = direction && strcmp(direction, "output") == 0;
		g->type = jv_string(jv_key(r, "type", &v));
		g->message = jv_string(jv_key(r, "message", &v));
		if (g->message && g->message[0] == '\0')
			g->message = NULL;
		if (g->type && strcmp(g->type, "pattern_match") == 0)
		{
			regex = jv_string(jv_key(r, "pattern_regex", &v));
			if (regex == NULL || regex[0] == '\0')
				continue;		/* hoop skips an empty pattern */
			g->pattern = pattern_compile(regex, cxt);
		}
		else
		{
			g->words = string_list(jv_key(r, "words", &v));
			if (g->words == NIL)
				continue;		/* ... and empty words */
		}
		if (g->output)
			p->output_rules = lappend(p->output_rules, g);
		else
			p->input_rules = lappend(p->input_rules, g);
	}
}

/*
 * The parts of "schema.table.column" or "table.column", as the SQL side
 * stores them: lower case, double-quoted where that is not the name.
 */
static int
split_name(const char *spec, char **parts, int max)
{
	StringInfoData part;
	int			n = 0;
	bool		quoted = false;

	initStringInfo(&part);
	for (const char *p = spec;; p++)
	{
		if (*p == '"')
		{
			if (quoted && p[1] == '"')
				appendStringInfoChar(&part, *++p);
			else
				quoted = !quoted;
		}
		else if (*p == '\0' || (*p == '.' && !quoted))
		{
			if (n == max)
				return -1;
			parts[n++] = pstrdup(part.data);
			resetStringInfo(&part);
			if (*p == '\0')
				return n;
		}
		else
			appendStringInfoChar(&part, *p);
	}
}

static MaskColumn *
parse_column(const char *spec, const char *name)
{
	MaskColumn *m = palloc0(sizeof(MaskColumn));
	char	   *parts[3];
	int			n = split_name(spec, parts, 3);

	if (n < 2)
		return NULL;
	m->name = name;
	m->schema = n == 3 ? parts[0] : NULL;
	m->table = parts[n - 2];
	m->column = parts[n - 1];
	return m;
}

static void
compile_masking(Policy *p, JsonbContainer *m, MemoryContext cxt)
{
	JsonbValue	v;
	JsonbContainer *types;
	JsonbContainer *custom;

	if (m == NULL)
		return;
	if (jv_key(m, "entity_types", &v) && (types = jv_object(&v)) != NULL)
	{
		JsonbIterator *it = JsonbIteratorInit(types);
		JsonbIteratorToken tok;
		JsonbValue	kv;
		int			t = -1;

		while ((tok = JsonbIteratorNext(&it, &kv, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				char	   *name = pnstrdup(kv.val.string.val, kv.val.string.len);

				t = entity_type_from_name(name);
			}
			else if (tok == WJB_VALUE && t >= 0)
			{
				p->thresholds[t] = number(&kv, 0);
				p->detects = p->masks = true;
			}
		}
	}
	custom = array_of(m, "custom", &v);
	for (int i = 0; custom && i < JsonContainerSize(custom); i++)
	{
		JsonbContainer *c = jv_object(getIthJsonbValueFromContainer(custom, i));
		CustomType *ct = palloc0(sizeof(CustomType));
		char	   *regex;
		ListCell   *lc;

		ct->name = jv_string(jv_key(c, "name", &v));
		if (ct->name == NULL)
			continue;
		regex = jv_string(jv_key(c, "regex", &v));
		if (regex && regex[0])
			ct->pattern = pattern_compile(regex, cxt);
		ct->deny_list = string_list(jv_key(c, "deny_list", &v));
		ct->score = number(jv_key(c, "score", &v), 1.0);
		ct->threshold = number(jv_key(c, "threshold", &v), 0);
		foreach(lc, string_list(jv_key(c, "columns", &v)))
		{
			MaskColumn *col = parse_column(lfirst(lc), ct->name);

			if (col)
				p->columns = lappend(p->columns, col);
		}
		if ((ct->pattern || ct->deny_list) && ct->score >= ct->threshold)
			p->custom = lappend(p->custom, ct);
		p->masks = true;
	}
}

/* One holder is gone (the cache entry, a request, a job). */
static void
policy_release(void *arg)
{
	Policy	   *p = arg;

	if (--p->refs == 0)
		MemoryContextDelete(p->cxt);
}

/* cxt holds p until it is reset or deleted. */
static void
policy_hold(Policy *p, MemoryContext cxt)
{
	MemoryContextCallback *cb = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));

	p->refs++;
	cb->func = policy_release;
	cb->arg = p;
	MemoryContextRegisterResetCallback(cxt, cb);
}

/*
 * The connection's policy, held by memory context holder until it goes
 * away.  It is compiled (patterns included) once per cache entry, into a
 * context of its own that the entry, and every request and job that
 * asked for it, hold: a rule change (which resets the cache) during a
 * long exec cannot pull its patterns away.  A rule that no longer
 * compiles (a pattern refused by pattern.c) is an error for every exec on
 * the connection, not a rule skipped: a guardrail must not silently stop
 * guarding.
 */
Policy *
policy_for(ConnEntry *c, MemoryContext holder)
{
	static Policy empty;
	MemoryContext old;
	Policy	   *p = c->compiled_policy;
	JsonbValue	v;

	if (c->policy == NULL)
	{
		for (int i = 0; i < ENT_COUNT; i++)
			empty.thresholds[i] = -1;
		return &empty;
	}
	if (p == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp policy",
												  ALLOCSET_SMALL_SIZES);

		old = MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			p = palloc0(sizeof(Policy));
			p->cxt = cxt;
			for (int i = 0; i < ENT_COUNT; i++)
				p->thresholds[i] = -1;
			compile_guardrails(p, array_of(&c->policy->root, "guardrails", &v), cxt);
			compile_masking(p, jv_key(&c->policy->root, "masking", &v) ? jv_object(&v) : NULL, cxt);
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			PG_RE_THROW();
		}
		PG_END_TRY();
		MemoryContextSwitchTo(old);
		/* The entry's strings live in the cache's context, reset with it. */
		policy_hold(p, GetMemoryChunkContext(c->name));
		c->compiled_policy = p;
	}
	policy_hold(p, holder);
	return p;
}

/* holder holds p too (a job taking it from its request). */
void
policy_share(Policy *p, MemoryContext holder)
{
	if (p->cxt)
		policy_hold(p, holder);
}
