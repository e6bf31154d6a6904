/*
 * risk.h
 *		Risk analysis of an exec's input from the parse tree (risk.c).
 */
#ifndef HOOP_MCP_RISK_H
#define HOOP_MCP_RISK_H

#include "policy/analyse.h"

typedef enum RiskLevel
{
	RISK_LOW,
	RISK_MEDIUM,
	RISK_HIGH
} RiskLevel;

/* hoop's ai_analysis, without the action (the analyzer rule decides it). */
typedef struct RiskAnalysis
{
	RiskLevel	level;
	char	   *title;			/* one line */
	char	   *explanation;	/* the facts found, one sentence each */
} RiskAnalysis;

extern RiskAnalysis *risk_analyse(Analysis *a);
extern const char *risk_level_name(RiskLevel level);

/* {"risk_level","title","explanation","action"}; action may be NULL (left out). */
extern char *risk_analysis_json(const RiskAnalysis *r, const char *action);

#endif							/* HOOP_MCP_RISK_H */
