/*
 * json.c
 *		Reading parsed JSON (PostgreSQL's jsonb) and writing redacted copies.
 */
#include "lib/common.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "lib/json.h"

/* The value under key in an object container, or NULL. */
JsonbValue *
jv_key(JsonbContainer *c, const char *key, JsonbValue *out)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return NULL;
	return getKeyJsonValueFromContainer(c, key, strlen(key), out);
}

/* The container of a jbvBinary value that is an object, or NULL. */
JsonbContainer *
jv_object(JsonbValue *v)
{
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		return NULL;
	return v->val.binary.data;
}

/* A string value as a C string, or NULL if v is not a string. */
char *
jv_string(JsonbValue *v)
{
	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Any value as JSON text, e.g. to echo a JSON-RPC id with its type. */
char *
jv_text(JsonbValue *v)
{
	StringInfoData buf;

	switch (v->type)
	{
		case jbvNull:
			return pstrdup("null");
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvString:
			initStringInfo(&buf);
			append_json_string(&buf, v->val.string.val, v->val.string.len);
			return buf.data;
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			elog(ERROR, "unexpected jsonb value type %d", v->type);
	}
	return NULL;					/* keep compiler quiet */
}

Jsonb *
jv_to_jsonb(JsonbValue *v)
{
	return JsonbValueToJsonb(v);
}

Jsonb *
jv_parse(const char *text)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

/* hoop's redacted keys, matched case-insensitively at any depth. */
static bool
secret_key(const char *key, int len)
{
	static const char *const keys[] = {
		"password", "hashed_password", "client_secret", "secret", "secrets",
		"api_key", "token", "key", "env", "envs", "env_vars", "rollout_api_key",
		"hosts_key", "access_token", "refresh_token", "authorization", NULL
	};

	for (int i = 0; keys[i]; i++)
		if ((int) strlen(keys[i]) == len && pg_strncasecmp(keys[i], key, len) == 0)
			return true;
	return false;
}

/*
 * Pushes a copy of the container with every value under a secret-like key
 * replaced by "[REDACTED]", at any depth.
 */
static JsonbValue *
redact_container(JsonbParseState **st, JsonbContainer *c)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbValue *res = NULL;
	JsonbIteratorToken tok;
	bool		redact_next = false;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			redact_next = secret_key(v.val.string.val, v.val.string.len);
		if (tok == WJB_VALUE && redact_next)
		{
			v.type = jbvString;
			v.val.string.val = "[REDACTED]";
			v.val.string.len = strlen("[REDACTED]");
		}
		if ((tok == WJB_VALUE || tok == WJB_ELEM) && v.type == jbvBinary)
			res = redact_container(st, v.val.binary.data);
		else
			res = pushJsonbValue(st, tok,
								 tok < WJB_BEGIN_ARRAY ||
								 (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar) ? &v : NULL);
		if (tok == WJB_VALUE)
			redact_next = false;
	}
	return res;
}

/* The document, redacted (see redact_container), as jsonb. */
Jsonb *
jv_redacted(Jsonb *jb)
{
	JsonbParseState *st = NULL;

	return JsonbValueToJsonb(redact_container(&st, &jb->root));
}
