/*
 * guardrails.h
 *		hoop's guardrails: rules on an exec's input and output (guardrails.c).
 */
#ifndef HOOP_MCP_GUARDRAILS_H
#define HOOP_MCP_GUARDRAILS_H

#include "nodes/pg_list.h"

/* The rule that matched. */
typedef struct GuardrailHit
{
	const char *rule_name;
	char	   *message;		/* what the agent is told */
	char	   *info;			/* the session's guardrails_info, JSON */
} GuardrailHit;

extern GuardrailHit *guardrails_check(List *rules, const char *text, int len);

#endif							/* HOOP_MCP_GUARDRAILS_H */
