/*
 * policy.h
 *		A connection's guardrails and masking rules, compiled (policy.c).
 */
#ifndef HOOP_MCP_POLICY_H
#define HOOP_MCP_POLICY_H

#include "nodes/pg_list.h"

#include "policy/detect.h"
#include "policy/pattern.h"
#include "store/connections.h"

/* One entry of a guardrail rule's input or output rules. */
typedef struct GuardRule
{
	const char *rule_name;
	bool		output;			/* on the output, else on the input */
	const char *type;			/* deny_words_list or pattern_match */
	List	   *words;			/* char *, deny_words_list */
	Pattern    *pattern;		/* pattern_match */
	const char *message;		/* the rule's own text, or NULL */
} GuardRule;

/* A custom entity type of a masking rule. */
typedef struct CustomType
{
	const char *name;			/* replaces the value: <NAME> */
	Pattern    *pattern;
	List	   *deny_list;		/* char * */
	double		score;
	double		threshold;
	List	   *columns;		/* MaskColumn * */
} CustomType;

/* A column whose values a rule masks whatever they look like. */
typedef struct MaskColumn
{
	const char *schema;			/* NULL: any */
	const char *table;
	const char *column;
	const char *name;			/* the custom type's */
} MaskColumn;

typedef struct Policy
{
	MemoryContext cxt;			/* holds it all; NULL: no rules */
	int			refs;			/* memory contexts holding it */
	List	   *input_rules;	/* GuardRule * */
	List	   *output_rules;
	bool		masks;			/* any masking at all */
	double		thresholds[ENT_COUNT];	/* built-in detectors; < 0: off */
	bool		detects;		/* a threshold is >= 0 */
	List	   *custom;			/* CustomType * with a pattern or deny list */
	List	   *columns;		/* MaskColumn *, of every custom type */
} Policy;

extern Policy *policy_for(ConnEntry *c, MemoryContext holder);
extern void policy_share(Policy *p, MemoryContext holder);

#endif							/* HOOP_MCP_POLICY_H */
