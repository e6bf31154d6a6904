/*
 * json.c
 *		Reading parsed JSON (PostgreSQL's jsonb) and writing redacted copies.
 */
#include "hoop_mcp.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "json.h"

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
 * Writes the container as JSON text with every value under a secret-like
 * key replaced by "[REDACTED]".
 */
static void
redact_container(StringInfo out, JsonbContainer *c)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		first = true;
	bool		redact_next = false;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_OBJECT:
			case WJB_BEGIN_ARRAY:
				if (v.type == jbvArray && v.val.array.rawScalar)
					break;
				appendStringInfoChar(out, tok == WJB_BEGIN_OBJECT ? '{' : '[');
				first = true;
				break;
			case WJB_END_OBJECT:
				appendStringInfoChar(out, '}');
				first = false;
				break;
			case WJB_END_ARRAY:
				if (!JsonContainerIsScalar(c))
					appendStringInfoChar(out, ']');
				first = false;
				break;
			case WJB_KEY:
				if (!first)
					appendStringInfoChar(out, ',');
				append_json_string(out, v.val.string.val, v.val.string.len);
				appendStringInfoChar(out, ':');
				redact_next = secret_key(v.val.string.val, v.val.string.len);
				first = true;	/* the value follows without a comma */
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				if (tok == WJB_ELEM && !first)
					appendStringInfoChar(out, ',');
				if (redact_next)
					appendStringInfoString(out, "\"[REDACTED]\"");
				else if (v.type == jbvBinary)
					redact_container(out, v.val.binary.data);
				else
				{
					char	   *t = jv_text(&v);

					appendStringInfoString(out, t);
					pfree(t);
				}
				redact_next = false;
				first = false;
				break;
			default:
				break;
		}
	}
}

char *
jv_redacted(Jsonb *jb)
{
	StringInfoData out;

	initStringInfo(&out);
	redact_container(&out, &jb->root);
	return out.data;
}
