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

-- Every tool has hoop's annotations and a closed input schema.
SELECT name FROM hoop_mcp.tools
WHERE annotations->>'openWorldHint' IS DISTINCT FROM 'false'
   OR input_schema->>'additionalProperties' IS DISTINCT FROM 'false'
   OR length(description) < 20;

SELECT count(*) AS tools,
       count(*) FILTER (WHERE annotations ? 'readOnlyHint') AS read_only,
       count(*) FILTER (WHERE annotations ? 'destructiveHint') AS destructive,
       count(*) FILTER (WHERE runs_on_target) AS on_target
FROM hoop_mcp.tools;

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
