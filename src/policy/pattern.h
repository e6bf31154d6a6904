/*
 * pattern.h
 *		Regular expressions of guardrails and masking rules, with their cost
 *		bounded (pattern.c).
 */
#ifndef HOOP_MCP_PATTERN_H
#define HOOP_MCP_PATTERN_H

#include "mb/pg_wchar.h"

typedef struct Pattern Pattern;

/* What a search found. */
typedef enum PatternResult
{
	PATTERN_NO_MATCH,
	PATTERN_MATCH,
	PATTERN_TOO_SLOW			/* it ran past hoop_mcp.pattern_timeout */
} PatternResult;

extern Pattern *pattern_compile(const char *source, MemoryContext cxt);
extern const char *pattern_source(const Pattern *p);

/*
 * Searches text[0..len) (server encoding) from byte offset start; on a
 * match, [*match_start, *match_end) are byte offsets of the first match.
 */
extern PatternResult pattern_search(Pattern *p, const char *text, int len, int start,
									int *match_start, int *match_end);

#endif							/* HOOP_MCP_PATTERN_H */
