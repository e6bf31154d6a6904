-- ---------------------------------------------------------------------------
-- Policy rules: hoop's guardrails and data masking rules, the links that
-- bind them to connections, and what applies to a connection.
-- ---------------------------------------------------------------------------

-- Compiles a regular expression as the worker does (PostgreSQL's engine,
-- without back-references or lookaround); at most 1000 characters.  what
-- names it in the error.
CREATE FUNCTION hoop_mcp._check_regex(what text, pattern text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF pg_catalog.length(pattern) > 1000 THEN
		RAISE EXCEPTION '%: the regular expression is longer than 1000 characters', what
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._pattern_check(pattern);
EXCEPTION WHEN invalid_regular_expression THEN
	RAISE EXCEPTION '%: %', what, SQLERRM USING ERRCODE = 'invalid_regular_expression',
		HINT = 'Patterns are PostgreSQL regular expressions (POSIX ARE) without back-references or lookaround, as the worker applies them.';
END
$$;

-- A guardrail's input or output: {"rules": [rule, ...]}, each rule
-- {"type": "deny_words_list", "words": [...]} or {"type": "pattern_match",
-- "pattern_regex": "..."}, with an optional "message".  Raises what is
-- wrong, naming the rule by its index (from 0); true otherwise.
CREATE FUNCTION hoop_mcp._check_guardrail_rules(direction text, rules jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rule jsonb;
	i bigint;
	k text;
	at text;
BEGIN
	IF rules IS NULL THEN
		RETURN true;
	END IF;
	IF pg_catalog.jsonb_typeof(rules) <> 'object' OR pg_catalog.jsonb_typeof(rules->'rules') IS DISTINCT FROM 'array' THEN
		RAISE EXCEPTION '% must be an object with a "rules" array', direction
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example {"rules": [{"type": "deny_words_list", "words": ["DROP TABLE"]}, {"type": "pattern_match", "pattern_regex": "(?i)delete\s+from"}]}.';
	END IF;
	SELECT key INTO k FROM pg_catalog.jsonb_object_keys(rules) key WHERE key <> 'rules' ORDER BY key LIMIT 1;
	IF k IS NOT NULL THEN
		RAISE EXCEPTION '%: unknown key "%"', direction, k USING ERRCODE = 'invalid_parameter_value',
			HINT = 'A guardrail''s input and output hold only "rules".';
	END IF;
	FOR rule, i IN SELECT x.e, x.n - 1 FROM pg_catalog.jsonb_array_elements(rules->'rules') WITH ORDINALITY x(e, n) LOOP
		at := pg_catalog.format('%s.rules[%s]', direction, i);
		IF pg_catalog.jsonb_typeof(rule) <> 'object' THEN
			RAISE EXCEPTION '% must be an object', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT key INTO k FROM pg_catalog.jsonb_object_keys(rule) key
		WHERE key NOT IN ('type', 'words', 'pattern_regex', 'message') ORDER BY key LIMIT 1;
		IF k IS NOT NULL THEN
			RAISE EXCEPTION '%: unknown key "%"', at, k USING ERRCODE = 'invalid_parameter_value',
				HINT = 'A rule has "type", "words" (deny_words_list) or "pattern_regex" (pattern_match), and an optional "message".';
		END IF;
		IF pg_catalog.jsonb_typeof(rule->'message') NOT IN ('string', 'null') THEN
			RAISE EXCEPTION '%: message must be a string', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		CASE rule->>'type'
		WHEN 'deny_words_list' THEN
			IF pg_catalog.jsonb_typeof(rule->'words') IS DISTINCT FROM 'array'
			   OR pg_catalog.jsonb_array_length(rule->'words') = 0
			   OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(rule->'words') w
						  WHERE pg_catalog.jsonb_typeof(w) <> 'string' OR w = '""') THEN
				RAISE EXCEPTION '%: deny_words_list needs a non-empty "words" array of non-empty strings', at
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			IF coalesce(rule->'pattern_regex', 'null') NOT IN ('null', '""') THEN
				RAISE EXCEPTION '%: pattern_regex belongs to pattern_match rules', at
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'Make the pattern a rule of its own, of type pattern_match.';
			END IF;
		WHEN 'pattern_match' THEN
			IF pg_catalog.jsonb_typeof(rule->'pattern_regex') IS DISTINCT FROM 'string' OR rule->>'pattern_regex' = '' THEN
				RAISE EXCEPTION '%: pattern_match needs a non-empty "pattern_regex" string', at
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			IF coalesce(rule->'words', 'null') NOT IN ('null', '[]') THEN
				RAISE EXCEPTION '%: words belong to deny_words_list rules', at
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'Make the words a rule of their own, of type deny_words_list.';
			END IF;
			PERFORM hoop_mcp._check_regex(at || '.pattern_regex', rule->>'pattern_regex');
		ELSE
			RAISE EXCEPTION '%: type must be "deny_words_list" or "pattern_match"', at
				USING ERRCODE = 'invalid_parameter_value';
		END CASE;
	END LOOP;
	RETURN true;
END
$$;

CREATE TABLE hoop_mcp.guardrail_rules (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	name		text NOT NULL UNIQUE
				CHECK (name ~ '^[a-zA-Z0-9_]+(?:[-\.]?[a-zA-Z0-9_]+){2,253}$'),
	description	text,
	input		jsonb CHECK (hoop_mcp._check_guardrail_rules('input', input)),
	output		jsonb CHECK (hoop_mcp._check_guardrail_rules('output', output)),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.guardrail_rules IS 'Guardrails (hoop''s guardrail rules): words and patterns an exec''s input or output must not contain, on the connections linked in guardrail_rules_connections.';
COMMENT ON COLUMN hoop_mcp.guardrail_rules.input IS 'Rules on the input, checked before it runs: {"rules": [{"type": "deny_words_list", "words": [...]} or {"type": "pattern_match", "pattern_regex": "..."}, each with an optional "message"]}.  Words match as substrings; patterns are PostgreSQL regular expressions of at most 1000 characters.  NULL: none.';
COMMENT ON COLUMN hoop_mcp.guardrail_rules.output IS 'Rules on the output, in the shape of input.  NULL: none.';

CREATE TABLE hoop_mcp.guardrail_rules_connections (
	rule_id		uuid REFERENCES hoop_mcp.guardrail_rules ON DELETE CASCADE,
	connection_id uuid REFERENCES hoop_mcp.connections ON DELETE CASCADE,
	PRIMARY KEY (rule_id, connection_id)
);
CREATE INDEX ON hoop_mcp.guardrail_rules_connections (connection_id);
COMMENT ON TABLE hoop_mcp.guardrail_rules_connections IS 'Which guardrails apply to which connections: guardrails_create/update''s connection_ids and connections_create/update''s guardrail_rules write the same links.';

-- The identifier syntax of a masked column: [schema.]table.column, each
-- part lower-cased unless double-quoted (PostgreSQL's rule).  Returns the
-- canonical form, each part quoted only where it needs it (quote_ident).
CREATE FUNCTION hoop_mcp._column_ref(what text, ref text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	parts text[];
BEGIN
	BEGIN
		parts := pg_catalog.parse_ident(ref);
	EXCEPTION WHEN invalid_parameter_value OR invalid_name OR name_too_long THEN
		parts := NULL;
	END;
	IF coalesce(pg_catalog.cardinality(parts), 0) NOT IN (2, 3) THEN
		RAISE EXCEPTION '%: column "%" must be table.column or schema.table.column', what, ref
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Names are lower-cased unless double-quoted, as in SQL: public.users.email, "Users".email.  Without a schema, the table in any schema.';
	END IF;
	RETURN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.' ORDER BY n)
			FROM pg_catalog.unnest(parts) WITH ORDINALITY u(p, n));
END
$$;

-- A data masking rule's supported_entity_types: [{"name", "entity_types"}].
-- detectable: also check that hoop_mcp's detectors find every entity type
-- (hoop_mcp.entity_types); the table checks only the shape, so that a rule
-- stored once stays readable whatever the detectors become.
CREATE FUNCTION hoop_mcp._check_supported_entity_types(entries jsonb, detectable boolean) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	e jsonb;
	i bigint;
	k text;
	at text;
BEGIN
	IF entries IS NULL THEN
		RETURN true;
	END IF;
	IF pg_catalog.jsonb_typeof(entries) <> 'array' THEN
		RAISE EXCEPTION 'supported_entity_types must be an array of {"name", "entity_types"} objects'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example [{"name": "CONTACT_INFORMATION", "entity_types": ["EMAIL_ADDRESS", "PHONE_NUMBER"]}].';
	END IF;
	FOR e, i IN SELECT x.e, x.n - 1 FROM pg_catalog.jsonb_array_elements(entries) WITH ORDINALITY x(e, n) LOOP
		at := pg_catalog.format('supported_entity_types[%s]', i);
		IF pg_catalog.jsonb_typeof(e) <> 'object' THEN
			RAISE EXCEPTION '% must be an object with "name" and "entity_types"', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT key INTO k FROM pg_catalog.jsonb_object_keys(e) key WHERE key NOT IN ('name', 'entity_types') ORDER BY key LIMIT 1;
		IF k IS NOT NULL THEN
			RAISE EXCEPTION '%: unknown key "%"', at, k USING ERRCODE = 'invalid_parameter_value',
				HINT = 'An entry has "name" (a preset such as CONTACT_INFORMATION, or CUSTOM_SELECTION) and "entity_types".';
		END IF;
		IF pg_catalog.jsonb_typeof(e->'name') IS DISTINCT FROM 'string' OR e->>'name' = ''
		   OR pg_catalog.jsonb_typeof(e->'entity_types') IS DISTINCT FROM 'array'
		   OR pg_catalog.jsonb_array_length(e->'entity_types') = 0 THEN
			RAISE EXCEPTION 'missing entity types or name in supported entity types' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF e->>'name' <> pg_catalog.upper(e->>'name') THEN
			RAISE EXCEPTION 'entity type name must be uppercase: %', e->>'name' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(e->'entity_types') t
				   WHERE pg_catalog.jsonb_typeof(t) <> 'string' OR t = '""') THEN
			RAISE EXCEPTION '%: entity_types must be non-empty strings', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF detectable THEN
			PERFORM hoop_mcp.entity_types(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(e->'entity_types')));
		END IF;
	END LOOP;
	RETURN true;
END
$$;

-- A data masking rule's custom_entity_types: [{"name", "regex", "deny_list",
-- "score", "columns"}], each named in upper case and with a regex, a
-- deny_list or columns (in canonical form: _column_ref).
CREATE FUNCTION hoop_mcp._check_custom_entity_types(entries jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	e jsonb;
	i bigint;
	k text;
	at text;
	col text;
	names text[] := '{}';
BEGIN
	IF entries IS NULL THEN
		RETURN true;
	END IF;
	IF pg_catalog.jsonb_typeof(entries) <> 'array' THEN
		RAISE EXCEPTION 'custom_entity_types must be an array of {"name", "regex", "deny_list", "score", "columns"} objects'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example [{"name": "EMPLOYEE_ID", "regex": "EMP-[0-9]{6}", "score": 0.9}].';
	END IF;
	FOR e, i IN SELECT x.e, x.n - 1 FROM pg_catalog.jsonb_array_elements(entries) WITH ORDINALITY x(e, n) LOOP
		at := pg_catalog.format('custom_entity_types[%s]', i);
		IF pg_catalog.jsonb_typeof(e) <> 'object' THEN
			RAISE EXCEPTION '% must be an object', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		SELECT key INTO k FROM pg_catalog.jsonb_object_keys(e) key
		WHERE key NOT IN ('name', 'regex', 'deny_list', 'score', 'columns') ORDER BY key LIMIT 1;
		IF k IS NOT NULL THEN
			RAISE EXCEPTION '%: unknown key "%"', at, k USING ERRCODE = 'invalid_parameter_value',
				HINT = 'A custom entity type has "name", and "regex", "deny_list" or "columns", and an optional "score".';
		END IF;
		IF pg_catalog.jsonb_typeof(e->'regex') NOT IN ('string', 'null') THEN
			RAISE EXCEPTION '%: regex must be a string', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF pg_catalog.jsonb_typeof(e->'deny_list') NOT IN ('array', 'null')
		   OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e->'deny_list') = 'array' THEN e->'deny_list' END) w
					  WHERE pg_catalog.jsonb_typeof(w) <> 'string' OR w = '""') THEN
			RAISE EXCEPTION '%: deny_list must be an array of non-empty strings', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF pg_catalog.jsonb_typeof(e->'columns') NOT IN ('array', 'null')
		   OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e->'columns') = 'array' THEN e->'columns' END) c
					  WHERE pg_catalog.jsonb_typeof(c) <> 'string') THEN
			RAISE EXCEPTION '%: columns must be an array of "table.column" or "schema.table.column" names', at
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF pg_catalog.jsonb_typeof(e->'score') NOT IN ('number', 'null')
		   OR (e->>'score')::double precision NOT BETWEEN 0 AND 1 THEN
			RAISE EXCEPTION '%: score must be a number between 0 and 1', at USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF pg_catalog.jsonb_typeof(e->'name') IS DISTINCT FROM 'string' OR e->>'name' = ''
		   OR (coalesce(e->>'regex', '') = ''
			   AND coalesce(pg_catalog.jsonb_array_length(CASE WHEN pg_catalog.jsonb_typeof(e->'deny_list') = 'array' THEN e->'deny_list' END), 0) = 0
			   AND coalesce(pg_catalog.jsonb_array_length(CASE WHEN pg_catalog.jsonb_typeof(e->'columns') = 'array' THEN e->'columns' END), 0) = 0) THEN
			RAISE EXCEPTION 'missing name, deny_list or regex in custom entity types' USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Each custom entity type needs an UPPERCASE name, and a regex, a deny_list or columns.';
		END IF;
		IF e->>'name' <> pg_catalog.upper(e->>'name') THEN
			RAISE EXCEPTION 'entity type name must be uppercase: %', e->>'name' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF e->>'name' = ANY (names) THEN
			RAISE EXCEPTION 'custom entity type "%" is defined twice', e->>'name' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		names := names || (e->>'name');
		IF coalesce(e->>'regex', '') <> '' THEN
			PERFORM hoop_mcp._check_regex(at || '.regex', e->>'regex');
		END IF;
		FOR col IN SELECT pg_catalog.jsonb_array_elements_text(CASE WHEN pg_catalog.jsonb_typeof(e->'columns') = 'array' THEN e->'columns' END) LOOP
			IF hoop_mcp._column_ref(at, col) <> col THEN
				RAISE EXCEPTION '%: column "%" is not in canonical form "%"', at, col, hoop_mcp._column_ref(at, col)
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'datamasking_rules_create and _update store columns in canonical form.';
			END IF;
		END LOOP;
	END LOOP;
	RETURN true;
END
$$;

-- custom_entity_types as stored: JSON nulls dropped, columns in canonical
-- form.  Anything not of the expected shape is left for the check to name.
CREATE FUNCTION hoop_mcp._normal_custom_entity_types(entries jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE WHEN pg_catalog.jsonb_typeof($1) <> 'array' THEN $1 ELSE
		(SELECT coalesce(pg_catalog.jsonb_agg(
				CASE WHEN pg_catalog.jsonb_typeof(x.e) <> 'object' THEN x.e
					 WHEN pg_catalog.jsonb_typeof(x.e->'columns') = 'array'
						  AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(x.e->'columns') c
										  WHERE pg_catalog.jsonb_typeof(c) <> 'string')
					 THEN pg_catalog.jsonb_strip_nulls(x.e) || pg_catalog.jsonb_build_object('columns',
						(SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._column_ref(pg_catalog.format('custom_entity_types[%s]', x.n - 1), c.c) ORDER BY c.m), '[]')
						 FROM pg_catalog.jsonb_array_elements_text(x.e->'columns') WITH ORDINALITY c(c, m)))
					 ELSE pg_catalog.jsonb_strip_nulls(x.e) END
				ORDER BY x.n), '[]')
		 FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY x(e, n))
	END
$$;

CREATE TABLE hoop_mcp.datamasking_rules (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	name		text NOT NULL UNIQUE
				CHECK (name ~ '^[a-zA-Z0-9_]+(?:[-\.]?[a-zA-Z0-9_]+){2,253}$'),
	description	text,
	supported_entity_types jsonb NOT NULL DEFAULT '[]'
				CHECK (hoop_mcp._check_supported_entity_types(supported_entity_types, false)),
	custom_entity_types jsonb NOT NULL DEFAULT '[]'
				CHECK (hoop_mcp._check_custom_entity_types(custom_entity_types)),
	score_threshold double precision CHECK (score_threshold BETWEEN 0 AND 1),
	attributes	text[] NOT NULL DEFAULT '{}',
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.datamasking_rules IS 'Data masking rules (hoop''s): which values of an exec''s output are masked, on the connections linked in datamasking_rules_connections.';
COMMENT ON COLUMN hoop_mcp.datamasking_rules.supported_entity_types IS 'Built-in entity types to mask: [{"name": "<preset, e.g. CONTACT_INFORMATION, or CUSTOM_SELECTION>", "entity_types": ["EMAIL_ADDRESS", ...]}].  Each entity type is one hoop_mcp.entity_types() knows (a type or a preset group); names are upper case.';
COMMENT ON COLUMN hoop_mcp.datamasking_rules.custom_entity_types IS 'Entity types of the rule''s own: [{"name": "UPPER_CASE", "regex": "...", "deny_list": ["..."], "score": 0..1, "columns": ["[schema.]table.column", ...]}], each with a regex, a deny_list or columns.  regex is a PostgreSQL regular expression of at most 1000 characters.  columns masks every value of those result columns; a column reference follows SQL''s identifier rules (parts lower-cased unless double-quoted) and is stored in canonical form, each part quoted only where it must be (quote_ident): "Public.Users.Email" is stored public.users.email, "Users".email stays "Users".email; without a schema it means the table in any schema.';
COMMENT ON COLUMN hoop_mcp.datamasking_rules.score_threshold IS 'Lowest detection score masked, 0 to 1; NULL: 0.';
COMMENT ON COLUMN hoop_mcp.datamasking_rules.attributes IS 'Connection attributes the rule applies to (hoop''s attribute scoping).  Not supported yet: always empty.';

CREATE TABLE hoop_mcp.datamasking_rules_connections (
	rule_id		uuid REFERENCES hoop_mcp.datamasking_rules ON DELETE CASCADE,
	connection_id uuid REFERENCES hoop_mcp.connections ON DELETE CASCADE,
	PRIMARY KEY (rule_id, connection_id)
);
CREATE INDEX ON hoop_mcp.datamasking_rules_connections (connection_id);
COMMENT ON TABLE hoop_mcp.datamasking_rules_connections IS 'Which data masking rules apply to which connections (datamasking_rules_create/update''s connection_ids).';

-- The worker caches what applies to a connection: these tables tell it,
-- at commit, that they changed (as in 08_guards.sql).
DO $triggers$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['guardrail_rules', 'guardrail_rules_connections',
							 'datamasking_rules', 'datamasking_rules_connections'] LOOP
		EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hoop_mcp.%I
			FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._cache_invalidate()', t || '_changed', t);
		EXECUTE pg_catalog.format('ALTER TABLE hoop_mcp.%I ENABLE ALWAYS TRIGGER %I', t, t || '_changed');
	END LOOP;
END
$triggers$;

SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.guardrail_rules', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.guardrail_rules_connections', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.datamasking_rules', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.datamasking_rules_connections', '');

-- Guardrail rules by ID or name, as connections_create/update's
-- guardrail_rules give them: their IDs, each once, in the order given.
-- Empty strings are skipped.
CREATE FUNCTION hoop_mcp._guardrail_rule_ids(refs text[]) RETURNS uuid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	ref text;
	rule_id uuid;
	ids uuid[] := '{}';
BEGIN
	FOREACH ref IN ARRAY coalesce(refs, '{}') LOOP
		CONTINUE WHEN coalesce(ref, '') = '';
		SELECT r.id INTO rule_id FROM hoop_mcp.guardrail_rules r
		WHERE r.id::text = pg_catalog.lower(ref) OR r.name = ref
		ORDER BY r.id::text = pg_catalog.lower(ref) DESC LIMIT 1;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'guardrail rule "%" not found', ref USING ERRCODE = 'no_data_found',
				HINT = 'guardrails_list shows the guardrail rules; give their IDs or names.';
		END IF;
		IF NOT rule_id = ANY (ids) THEN
			ids := ids || rule_id;
		END IF;
	END LOOP;
	RETURN ids;
END
$$;

-- connection_ids as hoop takes them: empty strings dropped, each a UUID
-- ("invalid connection ID x"), each once.  Whether they exist is for the
-- link table's foreign key to say.
CREATE FUNCTION hoop_mcp._connection_ids(ids text[]) RETURNS uuid[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	ref text;
	one uuid;
	result uuid[] := '{}';
BEGIN
	FOREACH ref IN ARRAY coalesce(ids, '{}') LOOP
		CONTINUE WHEN coalesce(ref, '') = '';
		BEGIN
			one := ref::uuid;
		EXCEPTION WHEN invalid_text_representation THEN
			RAISE EXCEPTION 'invalid connection ID %', ref USING ERRCODE = 'invalid_parameter_value',
				HINT = 'connection_ids are connection IDs (UUIDs); connections_get shows a connection''s ID.';
		END;
		IF NOT one = ANY (result) THEN
			result := result || one;
		END IF;
	END LOOP;
	RETURN result;
END
$$;

-- What applies to a connection, in one document: the worker reads this
-- (as the extension owner) and caches it until one of the tables above, or
-- hoop_mcp.connections, changes.
--   guardrails: one entry per rule of each linked guardrail, ordered by
--     guardrail name, direction (input, output) and position in its rules:
--     {rule_name, direction, type, words (deny_words_list; else null),
--     pattern_regex (pattern_match; else null), message (or null)}.
--   masking.rules: the names of the linked data masking rules.
--   masking.entity_types: each built-in entity type that applies (preset
--     groups expanded by hoop_mcp.entity_types) with the lowest
--     score_threshold of the rules that enable it (NULL counts as 0); the
--     connection's redact_types add theirs at 0.
--   masking.custom: each custom entity type of each linked rule, ordered by
--     rule name and position: {rule_name, name, regex (or null), deny_list
--     ([] when none), score (or null), columns ([] when none), threshold
--     (the rule's score_threshold, NULL as 0)}.
-- A connection that does not exist has nothing that applies.
CREATE FUNCTION hoop_mcp._connection_policy(connection_id uuid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
		'guardrails', (
			SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
					'rule_name', r.name, 'direction', d.direction, 'type', x.e->>'type',
					'words', CASE WHEN x.e->>'type' = 'deny_words_list' THEN x.e->'words' END,
					'pattern_regex', CASE WHEN x.e->>'type' = 'pattern_match' THEN x.e->'pattern_regex' END,
					'message', CASE WHEN x.e->>'message' <> '' THEN x.e->'message' END)
				ORDER BY r.name, d.direction, x.n), '[]')
			FROM hoop_mcp.guardrail_rules_connections l
			JOIN hoop_mcp.guardrail_rules r ON r.id = l.rule_id
			CROSS JOIN LATERAL (VALUES ('input', r.input), ('output', r.output)) d(direction, rules)
			CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(d.rules->'rules') WITH ORDINALITY x(e, n)
			WHERE l.connection_id = $1),
		'masking', pg_catalog.jsonb_build_object(
			'rules', (
				SELECT coalesce(pg_catalog.jsonb_agg(r.name ORDER BY r.name), '[]')
				FROM hoop_mcp.datamasking_rules_connections l
				JOIN hoop_mcp.datamasking_rules r ON r.id = l.rule_id
				WHERE l.connection_id = $1),
			'entity_types', (
				SELECT coalesce(pg_catalog.jsonb_object_agg(t.type, t.threshold), '{}')
				FROM (SELECT a.type, pg_catalog.min(a.threshold) AS threshold
					  FROM (SELECT et.type, coalesce(r.score_threshold, 0) AS threshold
							FROM hoop_mcp.datamasking_rules_connections l
							JOIN hoop_mcp.datamasking_rules r ON r.id = l.rule_id
							CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(r.supported_entity_types) s(e)
							CROSS JOIN LATERAL pg_catalog.unnest(hoop_mcp.entity_types(
								ARRAY(SELECT pg_catalog.jsonb_array_elements_text(s.e->'entity_types')))) et(type)
							WHERE l.connection_id = $1
							UNION ALL
							SELECT et.type, 0
							FROM hoop_mcp.connections c
							CROSS JOIN LATERAL pg_catalog.unnest(hoop_mcp.entity_types(c.redact_types)) et(type)
							WHERE c.id = $1) a
					  GROUP BY a.type) t),
			'custom', (
				SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
						'rule_name', r.name, 'name', x.e->>'name',
						'regex', CASE WHEN x.e->>'regex' <> '' THEN x.e->'regex' END,
						'deny_list', coalesce(x.e->'deny_list', '[]'),
						'score', x.e->'score',
						'columns', coalesce(x.e->'columns', '[]'),
						'threshold', coalesce(r.score_threshold, 0))
					ORDER BY r.name, x.n), '[]')
				FROM hoop_mcp.datamasking_rules_connections l
				JOIN hoop_mcp.datamasking_rules r ON r.id = l.rule_id
				CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(r.custom_entity_types) WITH ORDINALITY x(e, n)
				WHERE l.connection_id = $1)))
$$;

-- For auditors: every rule bound to every connection, and how.
CREATE VIEW hoop_mcp.connection_rules AS
	SELECT c.name AS connection_name, c.id AS connection_id, 'guardrail'::text AS rule_kind,
		   r.name AS rule_name, r.id AS rule_id, 'connection_ids'::text AS bound_by
	FROM hoop_mcp.guardrail_rules_connections l
	JOIN hoop_mcp.connections c ON c.id = l.connection_id
	JOIN hoop_mcp.guardrail_rules r ON r.id = l.rule_id
	UNION ALL
	SELECT c.name, c.id, 'datamasking', r.name, r.id, 'connection_ids'
	FROM hoop_mcp.datamasking_rules_connections l
	JOIN hoop_mcp.connections c ON c.id = l.connection_id
	JOIN hoop_mcp.datamasking_rules r ON r.id = l.rule_id
	UNION ALL
	SELECT c.name, c.id, 'datamasking', t.type, NULL::uuid, 'redact_types'
	FROM hoop_mcp.connections c
	CROSS JOIN LATERAL pg_catalog.unnest(c.redact_types) t(type);
COMMENT ON VIEW hoop_mcp.connection_rules IS 'Which guardrails and data masking apply to which connection.  bound_by connection_ids: a link of the rule to the connection (guardrails_create/update, datamasking_rules_create/update, connections_create/update''s guardrail_rules); bound_by redact_types: an entry of the connection''s redact_types, as rule_name (as given, a type or preset group), with no rule_id.  hoop_mcp._connection_policy() says what they add up to.';
