/*
 * pattern.c
 *		Regular expressions of guardrails and masking rules.
 *
 * PostgreSQL's regex engine (ARE syntax), not Go's RE2 as in hoop:
 * doc/differences.md says where they differ.  The worker runs them in its
 * single loop, on outputs of up to hoop_mcp.max_output_bytes, so their
 * cost is bounded twice: the SQL side refuses patterns over 1000
 * characters, and here back-references and lookaround (which RE2 has
 * not either, and which make the engine backtrack) are refused, and a
 * search of a long text runs under a timer of hoop_mcp.pattern_timeout.
 * The engine checks for a cancel as it builds its automaton; the timer
 * raises one, and the search reports PATTERN_TOO_SLOW for its caller to
 * fail closed.  Short texts are searched without the timer, which would
 * cost more than they do.
 */
#include "lib/common.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "utils/builtins.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timeout.h"

#include "policy/pattern.h"

/* Texts shorter than this are searched without the timer. */
#define PATTERN_TIMED_FROM 4096

struct Pattern
{
	char	   *source;
	regex_t		re;
};

static TimeoutId timer = MAX_TIMEOUTS;
static volatile sig_atomic_t timed_out = false;

static void
timer_fired(void)
{
	timed_out = true;
	InterruptPending = true;
	QueryCancelPending = true;
	SetLatch(MyLatch);
}

/* The engine mallocs its automaton: free it with the pattern's context. */
static void
pattern_free(void *arg)
{
	pg_regfree(&((Pattern *) arg)->re);
}

/*
 * Compiles source into cxt; an error (with the engine's message) when it
 * does not compile or uses what this file refuses.
 */
Pattern *
pattern_compile(const char *source, MemoryContext cxt)
{
	Pattern    *p = MemoryContextAllocZero(cxt, sizeof(Pattern));
	MemoryContextCallback *cb = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));
	int			len = strlen(source);
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(source, w, len);
	int			rc;
	char		msg[256];

	p->source = MemoryContextStrdup(cxt, source);
	rc = pg_regcomp(&p->re, w, wlen, REG_ADVANCED, C_COLLATION_OID);
	pfree(w);
	if (rc != REG_OKAY)
	{
		pg_regerror(rc, &p->re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression: %s", msg)));
	}
	cb->func = pattern_free;
	cb->arg = p;
	MemoryContextRegisterResetCallback(cxt, cb);
	if (p->re.re_info & (REG_UBACKREF | REG_ULOOKAROUND))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("the regular expression uses %s",
						(p->re.re_info & REG_UBACKREF) ? "a back-reference" : "a lookahead or lookbehind"),
				 errdetail("They can make a search take exponential time; hoop's RE2 patterns have neither.")));
	return p;
}

const char *
pattern_source(const Pattern *p)
{
	return p->source;
}

/* How many bytes the first nchars characters of s take. */
static int
chars_to_bytes(const char *s, int len, int nchars)
{
	int			b = 0;

	while (nchars-- > 0 && b < len)
		b += pg_mblen(s + b);
	return Min(b, len);
}

PatternResult
pattern_search(Pattern *p, const char *text, int len, int start,
			   int *match_start, int *match_end)
{
	pg_wchar   *w = palloc((len - start + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(text + start, w, len - start);
	regmatch_t	m;
	bool		timed = wlen >= PATTERN_TIMED_FROM;
	int			rc;

	if (timed)
	{
		if (timer == MAX_TIMEOUTS)
			timer = RegisterTimeout(USER_TIMEOUT, timer_fired);
		timed_out = false;
		enable_timeout_after(timer, hoop_pattern_timeout_ms);
	}
	rc = pg_regexec(&p->re, w, wlen, 0, NULL, 1, &m, 0);
	if (timed)
	{
		disable_timeout(timer, false);
		if (timed_out)
		{
			/* Our cancel, not the user's: nothing else may see it. */
			QueryCancelPending = false;
			timed_out = false;
			if (rc == REG_CANCEL)
			{
				pfree(w);
				return PATTERN_TOO_SLOW;
			}
		}
	}
	if (rc == REG_NOMATCH)
	{
		pfree(w);
		return PATTERN_NO_MATCH;
	}
	if (rc != REG_OKAY)
	{
		char		msg[256];

		pg_regerror(rc, &p->re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("regular expression \"%s\" failed: %s", p->source, msg)));
	}
	pfree(w);
	*match_start = start + chars_to_bytes(text + start, len - start, m.rm_so);
	*match_end = *match_start + chars_to_bytes(text + *match_start, len - *match_start, m.rm_eo - m.rm_so);
	return PATTERN_MATCH;
}

PG_FUNCTION_INFO_V1(hoop_mcp_pattern_check);

/*
 * hoop_mcp._pattern_check(pattern text): an error when the worker would
 * refuse the pattern (the rules' tools check their patterns with it).
 */
Datum
hoop_mcp_pattern_check(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hoop_mcp pattern check",
											  ALLOCSET_SMALL_SIZES);

	(void) pattern_compile(text_to_cstring(PG_GETARG_TEXT_PP(0)), cxt);
	MemoryContextDelete(cxt);
	PG_RETURN_VOID();
}
