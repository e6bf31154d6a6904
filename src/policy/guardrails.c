/*
 * guardrails.c
 *		hoop's guardrails: deny-word lists and patterns on an exec's input
 *		(before anything reaches the target) and output (before the agent
 *		or the session sees it).
 *
 * As hoop's agent does: the rules are tried in order and the first match
 * decides; a deny word matches as a substring; the agent is told the
 * rule's own message, or hoop's "validation error, match guard rails ..."
 * text.  Unlike hoop, a pattern that takes too long (pattern.c) counts as
 * a match: the input is refused, the output withheld.
 */
#include "lib/common.h"

#include "policy/guardrails.h"
#include "policy/policy.h"

static void
append_words(StringInfo out, List *words)
{
	ListCell   *lc;

	appendStringInfoChar(out, '[');
	foreach(lc, words)
	{
		if (lc != list_head(words))
			appendStringInfoChar(out, ',');
		append_json_string(out, lfirst(lc), strlen(lfirst(lc)));
	}
	appendStringInfoChar(out, ']');
}

/* hoop's ErrRuleMatch text, Go's %v of a []string included. */
static char *
hoop_message(GuardRule *g)
{
	StringInfoData m;
	ListCell   *lc;

	initStringInfo(&m);
	appendStringInfo(&m, "validation error, match guard rails %s rule, type=%s, ",
					 g->output ? "output" : "input", g->type);
	if (g->pattern)
		appendStringInfo(&m, "pattern=%s", pattern_source(g->pattern));
	else
	{
		appendStringInfoString(&m, "words=[");
		foreach(lc, g->words)
			appendStringInfo(&m, "%s%s", lc == list_head(g->words) ? "" : " ", (char *) lfirst(lc));
		appendStringInfoChar(&m, ']');
	}
	return m.data;
}

/* hoop's guardrails_info entry, as a one-element JSON array. */
static char *
hit_info(GuardRule *g, List *matched, const char *message)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoString(&out, "[{\"direction\":");
	appendStringInfo(&out, "\"%s\",\"matched_words\":", g->output ? "output" : "input");
	append_words(&out, matched);
	appendStringInfoString(&out, ",\"message\":");
	append_json_string(&out, message, strlen(message));
	appendStringInfoString(&out, ",\"rule\":{");
	if (g->pattern)
	{
		appendStringInfoString(&out, "\"pattern_regex\":");
		append_json_string(&out, pattern_source(g->pattern), strlen(pattern_source(g->pattern)));
		appendStringInfoString(&out, ",\"type\":\"pattern_match\"}");
	}
	else
	{
		appendStringInfoString(&out, "\"type\":\"deny_words_list\",\"words\":");
		append_words(&out, g->words);
		appendStringInfoChar(&out, '}');
	}
	appendStringInfoString(&out, ",\"rule_name\":");
	append_json_string(&out, g->rule_name, strlen(g->rule_name));
	appendStringInfoString(&out, "}]");
	return out.data;
}

/*
 * The first rule of rules that text[0..len) matches, or NULL.  What an
 * output pattern matched is not recorded: it is what was withheld.
 */
GuardrailHit *
guardrails_check(List *rules, const char *text, int len)
{
	ListCell   *lc;

	foreach(lc, rules)
	{
		GuardRule  *g = lfirst(lc);
		List	   *matched = NIL;
		GuardrailHit *hit;
		char	   *message;

		if (g->pattern)
		{
			int			s;
			int			e;

			switch (pattern_search(g->pattern, text, len, 0, &s, &e))
			{
				case PATTERN_NO_MATCH:
					continue;
				case PATTERN_MATCH:
					if (!g->output)
						matched = list_make1(pnstrdup(text + s, Min(e - s, 200)));
					break;
				case PATTERN_TOO_SLOW:
					hit = palloc(sizeof(GuardrailHit));
					hit->rule_name = g->rule_name;
					hit->message = psprintf("validation error, guard rails %s rule %s: its pattern took longer than hoop_mcp.pattern_timeout (%d ms), so the %s is %s",
											g->output ? "output" : "input", g->rule_name,
											hoop_pattern_timeout_ms, g->output ? "output" : "input",
											g->output ? "withheld" : "refused");
					hit->info = hit_info(g, NIL, hit->message);
					return hit;
			}
		}
		else
		{
			ListCell   *w;

			foreach(w, g->words)
				if (strstr(text, lfirst(w)))
					matched = lappend(matched, lfirst(w));
			if (matched == NIL)
				continue;
		}
		message = g->message ? pstrdup(g->message) : hoop_message(g);
		hit = palloc(sizeof(GuardrailHit));
		hit->rule_name = g->rule_name;
		hit->message = message;
		hit->info = hit_info(g, matched, message);
		return hit;
	}
	return NULL;
}
