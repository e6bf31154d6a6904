/*
 * detect.c
 *		Built-in detectors of sensitive values (stub: finds nothing yet).
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "policy/detect.h"

static int
pg_qsort_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

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

/*
 * hoop's preset groups, as far as the built-in detectors reach: the types
 * of a group that need a language model (PERSON, LOCATION, ...) are left
 * out, and a group with none left is refused.
 */
static const struct
{
	const char *name;
	EntityType	types[4];
	int			ntypes;
}			presets[] = {
	{"CONTACT_INFORMATION", {ENT_EMAIL_ADDRESS, ENT_PHONE_NUMBER, ENT_URL}, 3},
	{"FINANCIAL_DATA", {ENT_CREDIT_CARD, ENT_IBAN_CODE, ENT_CRYPTO}, 3},
	{"NETWORK_IDENTIFIERS", {ENT_IP_ADDRESS, ENT_MAC_ADDRESS, ENT_URL}, 3},
	{"TIME_DATA", {ENT_DATE_TIME}, 1},
	{"US_DOCUMENTS", {ENT_US_SSN}, 1},
	{"UK_DOCUMENTS", {ENT_UK_NHS}, 1},
	{"CRYPTO_IDENTIFIERS", {ENT_CRYPTO}, 1},
	{"LOCATION_DATA", {0}, 0},
	{"EUROPEAN_DOCUMENTS", {0}, 0},
	{"ASIA_PACIFIC_DOCUMENTS", {0}, 0},
	{"MEDICAL_DATA", {0}, 0},
	{"DEMOGRAPHIC_DATA", {0}, 0},
	{"CUSTOM_SELECTION", {0}, 0},
};

static char *
supported_list(void)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < ENT_COUNT; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", names[i]);
	appendStringInfoString(&s, "; groups:");
	for (int i = 0; i < lengthof(presets); i++)
		if (presets[i].ntypes > 0)
			appendStringInfo(&s, " %s", presets[i].name);
	return s.data;
}

static void
unsupported(const char *what, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s \"%s\" is not supported by hoop_mcp", what, name),
			 errdetail("hoop_mcp detects %s.", supported_list()),
			 errhint("Values only a language model could find (names, places, ...) can be masked by the column they come from: a custom entity type with \"columns\".")));
}

/*
 * Adds to types[] (ENT_COUNT flags) the entity types that name stands
 * for: an entity type, or a preset group.  hoop's texts where it has one.
 */
void
entity_types_add(const char *name, bool *types)
{
	int			t;

	for (const char *p = name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("entity type name must be uppercase: %s", name)));
	if ((t = entity_type_from_name(name)) >= 0)
	{
		types[t] = true;
		return;
	}
	for (int i = 0; i < lengthof(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
		{
			if (presets[i].ntypes == 0)
				unsupported("preset", name);
			for (int j = 0; j < presets[i].ntypes; j++)
				types[presets[i].types[j]] = true;
			return;
		}
	unsupported("entity type", name);
}

PG_FUNCTION_INFO_V1(hoop_mcp_entity_types);

/*
 * hoop_mcp.entity_types(names text[]) RETURNS text[]: the entity types
 * the names (types or preset groups) stand for, sorted; an error for a
 * name hoop_mcp cannot detect.
 */
Datum
hoop_mcp_entity_types(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	bool		types[ENT_COUNT] = {0};
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Datum		out[ENT_COUNT];
	const char *sorted[ENT_COUNT];
	int			nout = 0;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			entity_types_add(TextDatumGetCString(elems[i]), types);
	for (int i = 0; i < ENT_COUNT; i++)
		if (types[i])
			sorted[nout++] = names[i];
	qsort(sorted, nout, sizeof(char *), pg_qsort_strcmp_ptr);
	for (int i = 0; i < nout; i++)
		out[i] = CStringGetTextDatum(sorted[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, nout, TEXTOID, -1, false, TYPALIGN_INT));
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
