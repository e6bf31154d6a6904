/*
 * detect.c
 *		Built-in detectors of sensitive values (stub: finds nothing yet).
 */
#include "lib/common.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "policy/detect.h"

static const char *const names[ENT_COUNT] = {
	"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
	"MAC_ADDRESS", "URL", "US_SSN", "UK_NHS", "CRYPTO", "DATE_TIME"
};

int
entity_type_from_name(const char *name)
{
	for (int i = 0; i < ENT_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
entity_type_name(EntityType type)
{
	return names[type];
}

int
detect_entities(const char *text, int len, const double *thresholds, EntitySpan **spans)
{
	*spans = NULL;
	return 0;
}

char *
detect_mask(const char *text, int len, const double *thresholds, int *out_len, int *counts)
{
	return NULL;
}

PG_FUNCTION_INFO_V1(hoop_mcp_mask_text);

Datum
hoop_mcp_mask_text(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(PG_GETARG_TEXT_PP(0));
}
