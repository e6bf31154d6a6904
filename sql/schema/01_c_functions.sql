-- ---------------------------------------------------------------------------
-- C functions (src/store/sqlapi.c): identity, randomness, the worker hand-off.
-- ---------------------------------------------------------------------------

-- The hoop_mcp user the background worker is acting for, or NULL outside
-- the worker.  Set from C only, so no SQL caller can choose it.
CREATE FUNCTION hoop_mcp._worker_actor() RETURNS uuid
	AS 'MODULE_PATHNAME', 'hoop_mcp_worker_actor' LANGUAGE C VOLATILE;

-- The role that called us from outside any SECURITY DEFINER function: the
-- current_user of the psql session (after SET ROLE).
CREATE FUNCTION hoop_mcp._caller_role() RETURNS name
	AS 'MODULE_PATHNAME', 'hoop_mcp_caller_role' LANGUAGE C STABLE;

-- hoop_mcp.admin_group and hoop_mcp.auditor_group, read in C because a
-- custom GUC could otherwise be shadowed by a placeholder.
CREATE FUNCTION hoop_mcp._admin_group() RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_admin_group' LANGUAGE C STABLE;
CREATE FUNCTION hoop_mcp._auditor_group() RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_auditor_group' LANGUAGE C STABLE;
CREATE FUNCTION hoop_mcp._api_url() RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_api_url' LANGUAGE C STABLE;

-- Cryptographically strong random bytes (pg_strong_random).
CREATE FUNCTION hoop_mcp._random_bytes(n integer) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hoop_mcp_random_bytes' LANGUAGE C VOLATILE STRICT;

-- Parse a libpq connection string (PQconninfoParse) into {keyword: value}.
CREATE FUNCTION hoop_mcp._conninfo_parse(conninfo text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_conninfo_parse' LANGUAGE C IMMUTABLE STRICT;

-- The first libpq option of a secrets map that only a superuser may allow
-- (src/store/connections.c keeps the list), or NULL.
CREATE FUNCTION hoop_mcp._unsafe_connection_option(envs jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_unsafe_connection_option' LANGUAGE C IMMUTABLE STRICT;

-- A duration in milliseconds, as a GUC in ms reads it ('2s', '500ms', '1min';
-- a bare number is ms); an error with a hint when it is not one.
CREATE FUNCTION hoop_mcp._duration_ms(value text, setting text) RETURNS integer
	AS 'MODULE_PATHNAME', 'hoop_mcp_duration_ms' LANGUAGE C IMMUTABLE STRICT;

-- The statement analyser (src/policy/analyse.c): what an exec's input holds,
-- one object per statement as psql would send them.
CREATE FUNCTION hoop_mcp.analyse(input text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_analyse' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hoop_mcp.analyse(text) IS 'What hoop_mcp''s statement analyser finds in an exec''s input: each statement''s kind, command, the relations and functions it names, writes and locks inside queries, and whether it parsed.';

-- Why an exec of input would be refused on a read-only connection, or NULL
-- (src/policy/read_only.c).
CREATE FUNCTION hoop_mcp.read_only_refusal(input text) RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_read_only_refusal' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hoop_mcp.read_only_refusal(text) IS 'Why hoop_mcp would refuse an exec of this input on a read-only connection, or NULL when it may run.';

-- The built-in detectors of data masking (src/policy/detect.c): input with
-- every value of the given entity types (or preset groups) whose score is
-- at least score_threshold replaced by <TYPE>.
CREATE FUNCTION hoop_mcp.mask_text(input text, entity_types text[], score_threshold double precision DEFAULT 0)
RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_mask_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hoop_mcp.mask_text(text, text[], double precision) IS 'What hoop_mcp''s built-in masking detectors make of a text: each value of the given entity types replaced by <TYPE>.';

-- The entity types that names (types or hoop's preset groups) stand for,
-- sorted; an error naming what is supported for one hoop_mcp cannot detect.
CREATE FUNCTION hoop_mcp.entity_types(names text[]) RETURNS text[]
	AS 'MODULE_PATHNAME', 'hoop_mcp_entity_types' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hoop_mcp.entity_types(text[]) IS 'The entity types hoop_mcp''s built-in detectors find for the given names (entity types or preset groups such as CONTACT_INFORMATION), sorted.';

-- An error when the worker would refuse a guardrail or masking pattern
-- (src/policy/pattern.c): it does not compile, or it uses back-references
-- or lookaround.
CREATE FUNCTION hoop_mcp._pattern_check(pattern text) RETURNS void
	AS 'MODULE_PATHNAME', 'hoop_mcp_pattern_check' LANGUAGE C IMMUTABLE STRICT;

-- Risk analysis from the parse tree (src/policy/risk.c): hoop's ai_analysis
-- {risk_level, title, explanation} of an exec's input, without the action.
CREATE FUNCTION hoop_mcp.risk_analysis(input text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_risk_analysis' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hoop_mcp.risk_analysis(text) IS 'hoop_mcp''s risk analysis of an exec''s input: risk_level (low, medium, high), title and explanation, from PostgreSQL''s parser.';

-- Cancel a running exec's session once the calling transaction commits
-- (src/ipc/cancels.c); sessions_cancel checks who may.
CREATE FUNCTION hoop_mcp._cancel_at_commit(session_id uuid, reason text) RETURNS void
	AS 'MODULE_PATHNAME', 'hoop_mcp_cancel_at_commit' LANGUAGE C VOLATILE STRICT;

-- Hand a tool call to the background worker and wait for its answer.
-- Used for tools that run on a target database (exec, schema listing).
CREATE FUNCTION hoop_mcp._worker_call(tool text, arguments jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_worker_call' LANGUAGE C VOLATILE STRICT;
