-- CREATE EXTENSION, its objects, and the tool catalogue's consistency.
\set SHOW_CONTEXT never
CREATE EXTENSION hoop_mcp;

SELECT extversion FROM pg_extension WHERE extname = 'hoop_mcp';

-- Roles exist (created if missing, kept across DROP EXTENSION).
SELECT rolname, rolcanlogin FROM pg_roles
WHERE rolname IN ('hoop_mcp_admin', 'hoop_mcp_auditor') ORDER BY 1;

-- Configuration and history tables are kept by pg_dump.
SELECT c.relname
FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'hoop_mcp' ORDER BY 1;

-- Every catalogued tool is a function of the same name whose parameters are
-- exactly the input schema's properties, and the required ones have no
-- default.
SELECT t.name,
       coalesce((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(t.input_schema->'properties') k), '{}') AS schema_args,
       (SELECT coalesce(array_agg(a ORDER BY a), '{}') FROM unnest(p.proargnames) a) AS function_args
FROM hoop_mcp.tools t
LEFT JOIN pg_proc p ON p.proname = t.name AND p.pronamespace = 'hoop_mcp'::regnamespace
WHERE p.oid IS NULL
   OR coalesce((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(t.input_schema->'properties') k), '{}')
      IS DISTINCT FROM (SELECT coalesce(array_agg(a ORDER BY a), '{}') FROM unnest(p.proargnames) a)
   OR p.pronargs - p.pronargdefaults <> coalesce(jsonb_array_length(t.input_schema->'required'), 0);

-- Each property has the JSON type its parameter's SQL type maps to, and the
-- required properties are the parameters without a default, in order: the
-- schema is the function's signature.
SELECT t.name, a.arg, a.sql_type, t.input_schema->'properties'->a.arg->'type' AS json_type
FROM hoop_mcp.tools t
JOIN pg_proc p ON p.proname = t.name AND p.pronamespace = 'hoop_mcp'::regnamespace
CROSS JOIN LATERAL (SELECT p.proargnames[u.n] AS arg, format_type(u.ty, NULL) AS sql_type
                    FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(ty, n)) a
LEFT JOIN (VALUES ('text', 'string'), ('integer', 'integer'), ('boolean', 'boolean'),
                  ('double precision', 'number'), ('text[]', 'array'), ('jsonb', 'object')) m(sql_type, json_type)
       ON m.sql_type = a.sql_type
WHERE m.json_type IS NULL
   OR NOT (t.input_schema->'properties'->a.arg->'type' @> to_jsonb(m.json_type))
ORDER BY 1, 2;

SELECT t.name, t.input_schema->'required' AS required
FROM hoop_mcp.tools t
JOIN pg_proc p ON p.proname = t.name AND p.pronamespace = 'hoop_mcp'::regnamespace
WHERE coalesce(t.input_schema->'required', '[]') IS DISTINCT FROM
      (SELECT coalesce(jsonb_agg(p.proargnames[n] ORDER BY n), '[]')
       FROM generate_series(1, p.pronargs - p.pronargdefaults) n);

-- Declaring a tool: _tool() derives the schema from the function and
-- refuses a declaration that does not match it.
BEGIN;
CREATE FUNCTION hoop_mcp.demo_get(id text, verbose boolean DEFAULT NULL, tags text[] DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SAVEPOINT s;
SELECT hoop_mcp._tool('demo_get', 'Get a demo', '{"id": "demo ID", "verbose": "say more"}');
ROLLBACK TO s;
SELECT hoop_mcp._tool('demo_get', 'Get a demo', '{"id": "demo ID", "verbose": "say more", "tags": "tags", "color": "red"}');
ROLLBACK TO s;
SELECT hoop_mcp._tool('demo_get', 'Get a demo', '{"id": "demo ID", "verbose": {"type": "string", "description": "say more"}, "tags": "tags"}');
ROLLBACK TO s;
SELECT hoop_mcp._tool('demo_list', 'List demos');
ROLLBACK TO s;
CREATE FUNCTION hoop_mcp.demo_since(since timestamptz) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT hoop_mcp._tool('demo_since', 'Demos since', '{"since": "when"}');
ROLLBACK TO s;
SELECT hoop_mcp._tool('demo_get', 'Get a demo',
	'{"id": "demo ID", "verbose": {"type": ["null", "boolean"], "description": "say more"}, "tags": "tags"}',
	annotations => '{"readOnlyHint": true}');
SELECT jsonb_pretty(input_schema) AS input_schema, annotations, runs_on_target
FROM hoop_mcp.tools WHERE name = 'demo_get';
ROLLBACK;

-- Every tool has hoop's annotations and a closed input schema.
SELECT name FROM hoop_mcp.tools
WHERE annotations->>'openWorldHint' IS DISTINCT FROM 'false'
   OR input_schema->>'additionalProperties' IS DISTINCT FROM 'false'
   OR length(description) < 20;

-- No tool is both read-only and destructive.  (No count of tools here: a
-- new SQL tool is one file's change, in sql/tools/.)
SELECT name FROM hoop_mcp.tools
WHERE annotations ? 'readOnlyHint' AND annotations ? 'destructiveHint';
-- The tools that run on a target are the C ones (src/tools/registry.c).
SELECT name FROM hoop_mcp.tools WHERE runs_on_target ORDER BY name;

-- The tool functions and the worker hand-off they use, nothing else, are
-- executable by PUBLIC.
SELECT p.proname
FROM pg_proc p
WHERE p.pronamespace = 'hoop_mcp'::regnamespace
  AND has_function_privilege('public', p.oid, 'EXECUTE')
  AND p.proname NOT IN (SELECT name FROM hoop_mcp.tools)
ORDER BY 1;

-- No table is readable by PUBLIC.
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'hoop_mcp'::regnamespace AND c.relkind = 'r'
  AND has_table_privilege('public', c.oid, 'SELECT');

-- Every function pins its search_path.
SELECT p.proname FROM pg_proc p
WHERE p.pronamespace = 'hoop_mcp'::regnamespace AND p.prolang <> 13  -- C functions need none
  AND NOT coalesce(p.proconfig @> '{"search_path=pg_catalog, pg_temp"}', false)
ORDER BY 1;
