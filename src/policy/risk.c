/*
 * risk.c
 *		Risk analysis of an exec's input (stub: everything is low).
 */
#include "lib/common.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "policy/risk.h"

RiskAnalysis *
risk_analyse(Analysis *a)
{
	RiskAnalysis *r = palloc0(sizeof(RiskAnalysis));

	r->level = RISK_LOW;
	r->title = pstrdup("No risk found");
	r->explanation = pstrdup("");
	return r;
}

const char *
risk_level_name(RiskLevel level)
{
	return level == RISK_HIGH ? "high" : level == RISK_MEDIUM ? "medium" : "low";
}

char *
risk_analysis_json(const RiskAnalysis *r, const char *action)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	if (action)
	{
		appendStringInfoString(&out, "\"action\":");
		append_json_string(&out, action, strlen(action));
		appendStringInfoChar(&out, ',');
	}
	appendStringInfoString(&out, "\"explanation\":");
	append_json_string(&out, r->explanation, strlen(r->explanation));
	appendStringInfo(&out, ",\"risk_level\":\"%s\",\"title\":", risk_level_name(r->level));
	append_json_string(&out, r->title, strlen(r->title));
	appendStringInfoChar(&out, '}');
	return out.data;
}

PG_FUNCTION_INFO_V1(hoop_mcp_risk_analysis);

Datum
hoop_mcp_risk_analysis(PG_FUNCTION_ARGS)
{
	RiskAnalysis *r = risk_analyse(analyse_script(text_to_cstring(PG_GETARG_TEXT_PP(0))));

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(risk_analysis_json(r, NULL))));
}
