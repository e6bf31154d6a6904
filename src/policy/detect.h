/*
 * detect.h
 *		Built-in detectors of sensitive values in text (detect.c): the entity
 *		types data masking can find without a language model.
 */
#ifndef HOOP_MCP_DETECT_H
#define HOOP_MCP_DETECT_H

typedef enum EntityType
{
	ENT_EMAIL_ADDRESS,
	ENT_PHONE_NUMBER,
	ENT_CREDIT_CARD,
	ENT_IBAN_CODE,
	ENT_IP_ADDRESS,
	ENT_MAC_ADDRESS,
	ENT_URL,
	ENT_US_SSN,
	ENT_UK_NHS,
	ENT_CRYPTO,
	ENT_DATE_TIME,
	ENT_US_ITIN,
	ENT_UK_NINO,
	ENT_ES_NIF,
	ENT_ES_NIE,
	ENT_IT_FISCAL_CODE,
	ENT_PL_PESEL,
	ENT_FI_PERSONAL_IDENTITY_CODE,
	ENT_SG_NRIC_FIN,
	ENT_AU_ABN,
	ENT_AU_ACN,
	ENT_AU_TFN,
	ENT_AU_MEDICARE,
	ENT_IN_PAN,
	ENT_IN_AADHAAR,
	ENT_COUNT						/* at most 32: detect.c keeps them in a mask */
} EntityType;

/* One value found: bytes [start, end) of the text. */
typedef struct EntitySpan
{
	int			start;
	int			end;
	EntityType	type;
	double		score;
} EntitySpan;

/* An entity type by its name (upper case, as Presidio names it), or -1. */
extern int	entity_type_from_name(const char *name);
extern const char *entity_type_name(EntityType type);
extern void entity_types_add(const char *name, bool *types);

/*
 * The values of text[0..len) of the types whose threshold is >= 0 and at
 * most their score, sorted by start and not overlapping.  thresholds has
 * ENT_COUNT entries; a negative one turns its type off.  *spans is
 * palloc'd, NULL when none; returns how many.
 */
extern int	detect_entities(const char *text, int len, const double *thresholds,
							EntitySpan **spans);

/*
 * text[0..len) with every value detect_entities finds replaced by
 * "<TYPE>", palloc'd, its length in *out_len; counts[type] (ENT_COUNT
 * entries, may be NULL) is increased per value.  NULL when nothing was
 * found.
 */
extern char *detect_mask(const char *text, int len, const double *thresholds,
						 int *out_len, int *counts);

#endif							/* HOOP_MCP_DETECT_H */
