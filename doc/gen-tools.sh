#!/usr/bin/env bash
# Regenerates doc/tools.md from the table hoop_mcp.tools of a database
# where hoop_mcp is installed (psql's usual PG* environment).
#   doc/gen-tools.sh > doc/tools.md
set -euo pipefail
cat <<'HEAD'
# hoop_mcp tools

Generated from the table `hoop_mcp.tools`, which each tool's declaration in `sql/tools/` fills. Each tool is also the SQL function `hoop_mcp.<name>(...)` with the same named arguments, returning `jsonb`.

Annotations: RO = readOnlyHint, D = destructiveHint; every tool has openWorldHint false. "target" tools run on a target database through the worker.

HEAD
psql -X -At -v ON_ERROR_STOP=1 <<'SQL'
SELECT string_agg(doc, E'\n' ORDER BY name) FROM (
	SELECT t.name,
		format(E'\n## `%s`%s%s%s\n\n%s\n', t.name,
			CASE WHEN (t.annotations->>'readOnlyHint')::boolean THEN ' (RO)' ELSE '' END,
			CASE WHEN (t.annotations->>'destructiveHint')::boolean THEN ' (D)' ELSE '' END,
			CASE WHEN t.runs_on_target THEN ' (target)' ELSE '' END,
			t.description)
		|| coalesce(E'\n| argument | type | required | description |\n|---|---|---|---|\n' || (
			SELECT string_agg(format('| `%s` | %s | %s | %s |', p.key,
					CASE jsonb_typeof(p.value->'type') WHEN 'array'
						THEN (SELECT string_agg(x, ' or ') FROM jsonb_array_elements_text(p.value->'type') x)
						ELSE p.value->>'type' END,
					CASE WHEN t.input_schema->'required' ? p.key THEN 'yes' ELSE '' END,
					replace(coalesce(p.value->>'description', ''), '|', '\|')), E'\n' ORDER BY p.key)
			FROM jsonb_each(t.input_schema->'properties') p), '') AS doc
	FROM hoop_mcp.tools t
) d;
SQL
