/*
 * registry.c
 *		The tool catalogue (table hoop_mcp.tools) and tool calls.
 *
 * Each tool is the SQL function of the same name, declared once in
 * sql/tools/ (its input schema is derived from the function there).  The
 * worker reads the catalogue once per extension install, renders the
 * tools/list answer, checks arguments against each input schema, and
 * calls the function with a kept plan, acting as the authenticated user
 * (hoop_acting_user).  The tools that run on a target database, and
 * reviews_wait, which waits inside the worker, are C functions instead:
 * the table below names them.
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "lib/json.h"
#include "store/cache.h"
#include "store/plans.h"
#include "store/sqlapi.h"
#include "tools/tool_impl.h"
#include "tools/tools.h"

typedef enum ParamType
{
	PT_TEXT,
	PT_INT,
	PT_BOOL,
	PT_FLOAT,
	PT_TEXT_ARRAY,
	PT_OBJECT,					/* any object, passed as jsonb */
	PT_JSON,					/* ["array", "object"]: either, passed as jsonb */
	PT_STRING_MAP				/* object of string values, passed as jsonb */
} ParamType;

typedef struct ToolParam
{
	char	   *name;
	ParamType	type;
	bool		required;
	bool		nullable;
} ToolParam;

typedef struct Tool
{
	char	   *name;
	bool		runs_on_target;
	int			nparams;
	ToolParam  *params;
	ToolFunction function;		/* C tools */
	SPIPlanPtr	plan;			/* SQL tools: SELECT hoop_mcp.<name>(...) */
} Tool;

/* The tools written in C; every tool that runs on a target is one. */
static const struct
{
	const char *name;
	ToolFunction function;
}			c_tools[] =
{
	{"connection_columns", tool_connection_columns},
	{"connection_databases", tool_connection_databases},
	{"connection_tables", tool_connection_tables},
	{"exec", tool_exec},
	{"reviews_execute", tool_reviews_execute},
	{"reviews_wait", tool_reviews_wait},
};

static MemoryContext tools_cxt = NULL;
static Tool *tools = NULL;
static int	ntools = 0;
static char *tools_list = NULL;

/* Forgets the catalogue, and with it every kept plan and cache. */
void
tools_reset(void)
{
	for (int i = 0; i < ntools; i++)
		if (tools[i].plan)
			SPI_freeplan(tools[i].plan);
	if (tools_cxt)
		MemoryContextDelete(tools_cxt);
	tools_cxt = NULL;
	tools = NULL;
	ntools = 0;
	tools_list = NULL;
	hoop_plans_reset();
	cache_reset();
}

static ParamType
param_type(JsonbContainer *schema, bool *nullable)
{
	JsonbValue	v;
	JsonbValue *t = jv_key(schema, "type", &v);
	char	   *type = NULL;
	bool		array = false;
	bool		object = false;

	*nullable = false;
	if (t && t->type == jbvString)
		type = jv_string(t);
	else if (t && t->type == jbvBinary)
	{
		/* ["null", "x"] */
		JsonbIterator *it = JsonbIteratorInit(t->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			if (tok == WJB_ELEM && e.type == jbvString)
			{
				char	   *s = jv_string(&e);

				if (strcmp(s, "null") == 0)
					*nullable = true;
				else
					type = s;
				array |= strcmp(s, "array") == 0;
				object |= strcmp(s, "object") == 0;
			}
	}
	if (type == NULL)
		elog(ERROR, "hoop_mcp.tools: a property has no type");
	if (array && object)
		return PT_JSON;
	if (strcmp(type, "string") == 0)
		return PT_TEXT;
	if (strcmp(type, "integer") == 0)
		return PT_INT;
	if (strcmp(type, "boolean") == 0)
		return PT_BOOL;
	if (strcmp(type, "number") == 0)
		return PT_FLOAT;
	if (strcmp(type, "array") == 0)
		return PT_TEXT_ARRAY;
	if (strcmp(type, "object") == 0)
	{
		JsonbValue	av;
		JsonbContainer *ap = jv_object(jv_key(schema, "additionalProperties", &av));

		if (ap)
		{
			char	   *at = jv_string(jv_key(ap, "type", &v));

			if (at && strcmp(at, "string") == 0)
				return PT_STRING_MAP;
		}
		return PT_OBJECT;
	}
	elog(ERROR, "hoop_mcp.tools: unsupported property type \"%s\"", type);
	return PT_TEXT;				/* keep compiler quiet */
}

static Oid
param_oid(ParamType t)
{
	switch (t)
	{
		case PT_TEXT:
			return TEXTOID;
		case PT_INT:
			return INT4OID;
		case PT_BOOL:
			return BOOLOID;
		case PT_FLOAT:
			return FLOAT8OID;
		case PT_TEXT_ARRAY:
			return TEXTARRAYOID;
		case PT_OBJECT:
		case PT_JSON:
		case PT_STRING_MAP:
			return JSONBOID;
	}
	return InvalidOid;
}

/* Reads one tool's input schema into its parameter list. */
static void
load_params(Tool *tool, Jsonb *schema)
{
	JsonbValue	v;
	JsonbContainer *props = jv_object(jv_key(&schema->root, "properties", &v));
	JsonbValue *req = jv_key(&schema->root, "required", &v);
	JsonbIterator *it;
	JsonbValue	k;
	JsonbIteratorToken tok;
	int			n = 0;

	tool->nparams = props ? JsonContainerSize(props) : 0;
	tool->params = palloc0(sizeof(ToolParam) * Max(tool->nparams, 1));
	if (props == NULL)
		return;
	it = JsonbIteratorInit(props);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			tool->params[n].name = jv_string(&k);
		}
		else if (tok == WJB_VALUE)
		{
			JsonbContainer *ps = jv_object(&k);

			if (ps == NULL)
				elog(ERROR, "hoop_mcp.tools: property of %s is not an object", tool->name);
			tool->params[n].type = param_type(ps, &tool->params[n].nullable);
			n++;
		}
	}
	if (req && req->type == jbvBinary)
	{
		it = JsonbIteratorInit(req->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
			if (tok == WJB_ELEM && k.type == jbvString)
				for (int i = 0; i < tool->nparams; i++)
					if (strlen(tool->params[i].name) == (size_t) k.val.string.len &&
						strncmp(tool->params[i].name, k.val.string.val, k.val.string.len) == 0)
						tool->params[i].required = true;
	}
}

/* SELECT hoop_mcp.<tool>("p1" => $1, ...): every argument, NULL if absent. */
static void
prepare_call(Tool *tool)
{
	StringInfoData sql;
	Oid		   *types = palloc(sizeof(Oid) * Max(tool->nparams, 1));

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT hoop_mcp.%s(", quote_identifier(tool->name));
	for (int i = 0; i < tool->nparams; i++)
	{
		appendStringInfo(&sql, "%s%s => $%d", i ? ", " : "",
						 quote_identifier(tool->params[i].name), i + 1);
		types[i] = param_oid(tool->params[i].type);
	}
	appendStringInfoChar(&sql, ')');
	tool->plan = SPI_prepare_cursor(sql.data, tool->nparams, types, CURSOR_OPT_GENERIC_PLAN);
	if (tool->plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql.data, SPI_result_code_string(SPI_result));
	SPI_keepplan(tool->plan);
}

/* Reads the catalogue (in the batch transaction). */
static void
tools_load(void)
{
	MemoryContext old = CurrentMemoryContext;
	StringInfoData list;

	if (tools != NULL)
		return;
	if (SPI_execute("SELECT name, description, input_schema, annotations, runs_on_target"
					"  FROM hoop_mcp.tools ORDER BY name", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read hoop_mcp.tools");

	tools_cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp tools", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(tools_cxt);
	ntools = SPI_processed;
	tools = palloc0(sizeof(Tool) * Max(ntools, 1));
	initStringInfo(&list);
	appendStringInfoString(&list, "{\"tools\":[");
	for (int i = 0; i < ntools; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Jsonb	   *schema = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		char	   *description = SPI_getvalue(tup, desc, 2);

		tools[i].name = SPI_getvalue(tup, desc, 1);
		tools[i].runs_on_target = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		load_params(&tools[i], schema);

		appendStringInfoString(&list, i ? ",{\"name\":" : "{\"name\":");
		append_json_string(&list, tools[i].name, strlen(tools[i].name));
		appendStringInfoString(&list, ",\"description\":");
		append_json_string(&list, description, strlen(description));
		appendStringInfo(&list, ",\"inputSchema\":%s,\"annotations\":%s}",
						 SPI_getvalue(tup, desc, 3), SPI_getvalue(tup, desc, 4));
	}
	appendStringInfoString(&list, "]}");
	tools_list = list.data;
	for (int i = 0; i < ntools; i++)
	{
		for (int j = 0; j < lengthof(c_tools); j++)
			if (strcmp(tools[i].name, c_tools[j].name) == 0)
				tools[i].function = c_tools[j].function;
		if (tools[i].runs_on_target && tools[i].function == NULL)
			elog(ERROR, "hoop_mcp.tools: tool %s runs on a target but has no C function", tools[i].name);
		if (tools[i].function == NULL)
			prepare_call(&tools[i]);
	}
	MemoryContextSwitchTo(old);
}

static Tool *
find_tool(const char *name)
{
	tools_load();
	for (int i = 0; i < ntools; i++)
		if (strcmp(tools[i].name, name) == 0)
			return &tools[i];
	return NULL;
}

const char *
tools_list_json(void)
{
	tools_load();
	return tools_list;
}

bool
tools_exists(const char *name)
{
	return find_tool(name) != NULL;
}

bool
tools_runs_on_target(const char *name)
{
	Tool	   *t = find_tool(name);

	return t && t->runs_on_target;
}

static const char *
type_name(ParamType t)
{
	switch (t)
	{
		case PT_TEXT:
			return "string";
		case PT_INT:
			return "integer";
		case PT_BOOL:
			return "boolean";
		case PT_FLOAT:
			return "number";
		case PT_TEXT_ARRAY:
			return "array";
		case PT_OBJECT:
		case PT_STRING_MAP:
			return "object";
		case PT_JSON:
			return "array or object";
	}
	return "?";
}

static const char *
value_type_name(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data) ? "object" : "array";
		default:
			return "unknown";
	}
}

/* True if every element (array) or value (object) of c is a string. */
static bool
all_strings(JsonbContainer *c)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if ((tok == WJB_ELEM || tok == WJB_VALUE) && v.type != jbvString)
			return false;
	return true;
}

static bool
value_matches(ToolParam *p, JsonbValue *v)
{
	if (v->type == jbvNull)
		return p->nullable;
	switch (p->type)
	{
		case PT_TEXT:
			return v->type == jbvString;
		case PT_BOOL:
			return v->type == jbvBool;
		case PT_FLOAT:
			return v->type == jbvNumeric;
		case PT_INT:
			if (v->type != jbvNumeric)
				return false;
			return DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(v->val.numeric),
													DirectFunctionCall1(numeric_floor, NumericGetDatum(v->val.numeric))));
		case PT_TEXT_ARRAY:
			return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data) &&
				all_strings(v->val.binary.data);
		case PT_OBJECT:
			return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
		case PT_JSON:
			return v->type == jbvBinary;
		case PT_STRING_MAP:
			return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data) &&
				all_strings(v->val.binary.data);
	}
	return false;
}

/*
 * Checks arguments against the tool's input schema, with go-sdk's wording
 * (hoop answers these as isError results).
 */
bool
tools_validate(const char *name, Jsonb *args, char **error)
{
	Tool	   *tool = find_tool(name);
	StringInfoData missing;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	ToolParam  *current = NULL;

	initStringInfo(&missing);
	for (int i = 0; i < tool->nparams; i++)
	{
		JsonbValue	av;

		if (tool->params[i].required &&
			(args == NULL || jv_key(&args->root, tool->params[i].name, &av) == NULL))
			appendStringInfo(&missing, "%s\"%s\"", missing.len ? "," : "", tool->params[i].name);
	}
	if (missing.len > 0)
	{
		*error = psprintf("validating \"arguments\": validating root: required: missing properties: [%s]",
						  missing.data);
		return false;
	}
	if (args == NULL)
		return true;

	it = JsonbIteratorInit(&args->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *key = jv_string(&v);

			current = NULL;
			for (int i = 0; i < tool->nparams; i++)
				if (strcmp(tool->params[i].name, key) == 0)
					current = &tool->params[i];
			if (current == NULL)
			{
				*error = psprintf("validating \"arguments\": validating root: unexpected additional properties [\"%s\"]", key);
				return false;
			}
		}
		else if (tok == WJB_VALUE && !value_matches(current, &v))
		{
			*error = psprintf("validating \"arguments\": validating /properties/%s: type: %s has type \"%s\", want \"%s\"",
							  current->name, jv_text(&v), value_type_name(&v), type_name(current->type));
			return false;
		}
	}
	return true;
}

static Datum
text_array(JsonbContainer *c)
{
	int			n = JsonContainerSize(c);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			i = 0;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			elems[i++] = PointerGetDatum(cstring_to_text_with_len(v.val.string.val, v.val.string.len));
	return PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Converts one validated argument to the function parameter's type. */
static Datum
param_datum(ToolParam *p, JsonbValue *v)
{
	switch (p->type)
	{
		case PT_TEXT:
			return PointerGetDatum(cstring_to_text_with_len(v->val.string.val, v->val.string.len));
		case PT_INT:
			return DirectFunctionCall1(numeric_int4, NumericGetDatum(v->val.numeric));
		case PT_BOOL:
			return BoolGetDatum(v->val.boolean);
		case PT_FLOAT:
			return DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric));
		case PT_TEXT_ARRAY:
			return text_array(v->val.binary.data);
		case PT_OBJECT:
		case PT_JSON:
		case PT_STRING_MAP:
			return JsonbPGetDatum(JsonbValueToJsonb(v));
	}
	return (Datum) 0;
}

/* The tool's answer: a JSON string becomes plain text (hoop's textResult). */
static void
take_result(Request *req, Jsonb *jb)
{
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(jb) && JsonbExtractScalar(&jb->root, &v) && v.type == jbvString)
		request_outcome_text(req, v.val.string.val, v.val.string.len);
	else
		request_outcome_json(req, JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
}

/*
 * Calls a SQL tool.  An ERROR raised by the tool propagates: the worker
 * turns it into the tool's isError answer.
 */
static void
call_sql(Request *req, Tool *tool)
{
	Datum	   *values = palloc0(sizeof(Datum) * Max(tool->nparams, 1));
	char	   *nulls = palloc(Max(tool->nparams, 1));
	bool		isnull;
	Datum		result;

	for (int i = 0; i < tool->nparams; i++)
	{
		JsonbValue	v;
		JsonbValue *a = req->tool_args ? jv_key(&req->tool_args->root, tool->params[i].name, &v) : NULL;

		if (a == NULL || a->type == jbvNull)
			nulls[i] = 'n';
		else
		{
			nulls[i] = ' ';
			values[i] = param_datum(&tool->params[i], a);
		}
	}

	if (hoop_execute_plan(tool->plan, values, nulls, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "tool %s returned no row", tool->name);

	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "tool %s returned NULL", tool->name);
	take_result(req, DatumGetJsonbP(result));
}

/*
 * Calls the tool (arguments validated) as the request's user: it sets the
 * outcome, or leaves the request waiting (req->job, req->waiting).
 */
void
tools_call(Request *req)
{
	Tool	   *tool = find_tool(req->tool_name);

	hoop_acting_user = &req->actor.id;
	if (tool->function)
		tool->function(req, req->tool_args ? &req->tool_args->root : NULL);
	else
		call_sql(req, tool);
	hoop_acting_user = NULL;
}
