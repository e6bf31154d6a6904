-- ---------------------------------------------------------------------------
-- The MCP tool catalogue.  tools/list is rendered from it; each tool is
-- the SQL function of the same name, declared next to that function with
-- hoop_mcp._tool() (sql/tools/).  runs_on_target marks the tools the
-- worker runs itself because they talk to a target database.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.tools (
	name		text PRIMARY KEY,
	description	text NOT NULL CHECK (description <> ''),
	input_schema jsonb NOT NULL CHECK (input_schema->>'type' = 'object'),
	annotations	jsonb NOT NULL,
	runs_on_target boolean NOT NULL DEFAULT false
);

-- The JSON Schema of a tool parameter's SQL type.
CREATE FUNCTION hoop_mcp._tool_type(t regtype) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE t
		WHEN 'text'::pg_catalog.regtype THEN '{"type": "string"}'
		WHEN 'integer'::pg_catalog.regtype THEN '{"type": "integer"}'
		WHEN 'boolean'::pg_catalog.regtype THEN '{"type": "boolean"}'
		WHEN 'double precision'::pg_catalog.regtype THEN '{"type": "number"}'
		WHEN 'text[]'::pg_catalog.regtype THEN '{"type": "array", "items": {"type": "string"}}'
		WHEN 'jsonb'::pg_catalog.regtype THEN '{"type": "object"}'
	END::jsonb
$$;

-- Declares the tool that is function hoop_mcp.<name>.  The function is the
-- source: its input schema has one property per parameter, typed from the
-- parameter's SQL type (_tool_type), and requires the parameters without a
-- default.  arguments describes every parameter, by name: a string is its
-- description; an object holds the description and JSON Schema keywords
-- that refine the derived type (additionalProperties, properties, or a
-- "type" such as ["null", "string"]).  Annotations default to
-- openWorldHint false: every tool stays inside hoop_mcp.
CREATE FUNCTION hoop_mcp._tool(name text, description text, arguments jsonb DEFAULT '{}',
							   annotations jsonb DEFAULT '{}', runs_on_target boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	fn pg_catalog.pg_proc;
	arg record;
	given jsonb;
	property jsonb;
	properties jsonb := '{}';
	required jsonb := '[]';
	unknown text;
BEGIN
	IF (SELECT count(*) FROM pg_catalog.pg_proc p
		WHERE p.proname = _tool.name AND p.pronamespace = 'hoop_mcp'::pg_catalog.regnamespace) <> 1 THEN
		RAISE EXCEPTION 'tool "%" must be exactly one function hoop_mcp.%', _tool.name, _tool.name
			USING ERRCODE = 'invalid_function_definition',
				  HINT = 'Create the function before declaring it, and do not overload it.';
	END IF;
	SELECT * INTO fn FROM pg_catalog.pg_proc p
	WHERE p.proname = _tool.name AND p.pronamespace = 'hoop_mcp'::pg_catalog.regnamespace;
	IF fn.prorettype <> 'jsonb'::pg_catalog.regtype OR fn.proretset OR fn.proallargtypes IS NOT NULL THEN
		RAISE EXCEPTION 'tool "%" must take only input parameters and return one jsonb', _tool.name
			USING ERRCODE = 'invalid_function_definition';
	END IF;
	IF pg_catalog.jsonb_typeof(arguments) <> 'object' THEN
		RAISE EXCEPTION 'arguments of tool "%" must be a JSON object', _tool.name
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	FOR arg IN
		SELECT t.type::pg_catalog.regtype AS type, fn.proargnames[t.n] AS name,
			   t.n <= fn.pronargs - fn.pronargdefaults AS required
		FROM pg_catalog.unnest(fn.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS t(type, n)
		ORDER BY t.n
	LOOP
		given := arguments -> arg.name;
		property := hoop_mcp._tool_type(arg.type);
		IF property IS NULL THEN
			RAISE EXCEPTION 'parameter "%" of tool "%" has type %, which has no JSON Schema type',
				arg.name, _tool.name, arg.type
				USING ERRCODE = 'invalid_function_definition',
					  HINT = 'Use text, integer, boolean, double precision, text[] or jsonb.';
		ELSIF pg_catalog.jsonb_typeof(given) = 'string' THEN
			property := property || pg_catalog.jsonb_build_object('description', given);
		ELSIF pg_catalog.jsonb_typeof(given) = 'object' AND given ? 'description' THEN
			IF given ? 'type' AND NOT ((given->'type') @> (property->'type')) THEN
				RAISE EXCEPTION 'parameter "%" of tool "%" is %, not %', arg.name, _tool.name,
					property->'type', given->'type'
					USING ERRCODE = 'invalid_function_definition',
						  HINT = 'A "type" may only widen the derived one, as ["null", "string"] does.';
			END IF;
			property := property || given;
		ELSE
			RAISE EXCEPTION 'parameter "%" of tool "%" has no description', arg.name, _tool.name
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Give it in arguments, as a string or as an object with "description".';
		END IF;
		properties := properties || pg_catalog.jsonb_build_object(arg.name, property);
		IF arg.required THEN
			required := required || pg_catalog.to_jsonb(arg.name);
		END IF;
	END LOOP;

	SELECT k INTO unknown FROM pg_catalog.jsonb_object_keys(arguments) k
	WHERE NOT properties ? k LIMIT 1;
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'tool "%" describes "%", which is not one of its parameters', _tool.name, unknown
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	INSERT INTO hoop_mcp.tools (name, description, input_schema, annotations, runs_on_target)
	VALUES (_tool.name, _tool.description,
			pg_catalog.jsonb_build_object('type', 'object', 'properties', properties,
										  'additionalProperties', false)
			|| CASE WHEN required = '[]' THEN '{}' ELSE pg_catalog.jsonb_build_object('required', required) END,
			'{"openWorldHint": false}' || annotations, _tool.runs_on_target);
END
$$;
