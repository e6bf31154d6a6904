-- ===========================================================================
-- Tools: guardrails (hoop's guardrails_*)
-- ===========================================================================

-- hoop's guardrailToMap: description always, the rest when set.
CREATE FUNCTION hoop_mcp._guardrail_map(r hoop_mcp.guardrail_rules) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'name', r.name, 'description', coalesce(r.description, ''),
			'created_at', r.created_at, 'updated_at', r.updated_at)
		|| CASE WHEN r.input IS NOT NULL THEN pg_catalog.jsonb_build_object('input', r.input) ELSE '{}' END
		|| CASE WHEN r.output IS NOT NULL THEN pg_catalog.jsonb_build_object('output', r.output) ELSE '{}' END
		|| coalesce((SELECT pg_catalog.jsonb_build_object('connection_ids',
						pg_catalog.jsonb_agg(l.connection_id ORDER BY l.connection_id))
					 FROM hoop_mcp.guardrail_rules_connections l WHERE l.rule_id = r.id
					 HAVING pg_catalog.count(*) > 0), '{}')
$$;

-- A guardrail rule by ID or name (by_name), or "guardrail rule not found".
CREATE FUNCTION hoop_mcp._guardrail_rule(id text, by_name boolean) RETURNS hoop_mcp.guardrail_rules
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.guardrail_rules;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO r FROM hoop_mcp.guardrail_rules x
	WHERE x.id::text = pg_catalog.lower($1) OR (by_name AND x.name = $1)
	ORDER BY x.id::text = pg_catalog.lower($1) DESC LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'guardrail rule not found' USING ERRCODE = 'no_data_found',
			HINT = 'guardrails_list shows the guardrail rules.';
	END IF;
	RETURN r;
END
$$;

CREATE FUNCTION hoop_mcp.guardrails_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._guardrail_map(r) ORDER BY r.name), '[]')
			FROM hoop_mcp.guardrail_rules r);
END
$$;
SELECT hoop_mcp._tool('guardrails_list',
	'List all guardrail rules configured for the organization (admin or auditor): words and patterns an exec''s input or output must not contain, and the connections they apply to.',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.guardrails_get(id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN hoop_mcp._guardrail_map(hoop_mcp._guardrail_rule(guardrails_get.id, true));
END
$$;
SELECT hoop_mcp._tool('guardrails_get',
	'Get a single guardrail rule by its ID or name (admin or auditor).',
	arguments => '{"id": "guardrail rule ID or name"}',
	annotations => '{"readOnlyHint": true}');

-- Create (id NULL) or overwrite every field of a guardrail rule and its
-- connection links (hoop's update is a full overwrite).
CREATE FUNCTION hoop_mcp._guardrail_save(id text, name text, description text, input jsonb,
										 output jsonb, connection_ids text[])
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.guardrail_rules;
	links uuid[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF id IS NOT NULL THEN
		r := hoop_mcp._guardrail_rule(id, false);
	END IF;
	IF coalesce(_guardrail_save.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT hoop_mcp._name_valid(_guardrail_save.name) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_guardrail_rules('input', _guardrail_save.input);
	PERFORM hoop_mcp._check_guardrail_rules('output', _guardrail_save.output);
	links := hoop_mcp._connection_ids(connection_ids);
	BEGIN
		IF id IS NULL THEN
			INSERT INTO hoop_mcp.guardrail_rules AS x (name, description, input, output)
			VALUES (_guardrail_save.name, _guardrail_save.description, _guardrail_save.input, _guardrail_save.output)
			RETURNING * INTO r;
		ELSE
			UPDATE hoop_mcp.guardrail_rules x SET
				name = _guardrail_save.name, description = _guardrail_save.description,
				input = _guardrail_save.input, output = _guardrail_save.output,
				updated_at = pg_catalog.now()
			WHERE x.id = r.id
			RETURNING * INTO r;
			IF NOT FOUND THEN
				RAISE EXCEPTION 'guardrail rule not found' USING ERRCODE = 'no_data_found';
			END IF;
			DELETE FROM hoop_mcp.guardrail_rules_connections l WHERE l.rule_id = r.id;
		END IF;
		INSERT INTO hoop_mcp.guardrail_rules_connections (rule_id, connection_id)
		SELECT r.id, c FROM pg_catalog.unnest(links) c;
	EXCEPTION
		WHEN unique_violation THEN
			RAISE EXCEPTION 'guardrail rule already exists' USING ERRCODE = 'unique_violation',
				HINT = 'Guardrail rule names are unique; guardrails_update changes an existing rule.';
		WHEN foreign_key_violation THEN
			RAISE EXCEPTION 'connection not found: a connection reference in the connection_ids field does not exist'
				USING ERRCODE = 'no_data_found', HINT = 'connections_list shows the connections and their IDs.';
	END;
	RETURN hoop_mcp._guardrail_map(r);
END
$$;

CREATE FUNCTION hoop_mcp.guardrails_create(name text, description text DEFAULT NULL, input jsonb DEFAULT NULL,
										   output jsonb DEFAULT NULL, connection_ids text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._guardrail_save(NULL, $1, $2, $3, $4, $5)
$$;
-- The shape of input and output, for the tools' input schemas.
SELECT hoop_mcp._tool('guardrails_create',
	'Create a new guardrail rule with input/output configurations and connection associations (admin only). Input rules are checked before an exec runs, output rules on what it returns; a match stops the exec. deny_words_list rules match any of their words as a substring; pattern_match rules match a PostgreSQL regular expression (at most 1000 characters).',
	arguments => pg_catalog.jsonb_build_object(
		'name', 'unique guardrail rule name: 3 to 254 alphanumeric characters, may include -, _ or .',
		'description', 'human-readable description',
		'input', g.rules || '{"description": "input rule configuration: {\"rules\": [{\"type\": \"deny_words_list\", \"words\": [\"DROP TABLE\"]}, {\"type\": \"pattern_match\", \"pattern_regex\": \"(?i)delete\\\\s+from\", \"message\": \"deletes need a review\"}]}"}',
		'output', g.rules || '{"description": "output rule configuration, in the shape of input"}',
		'connection_ids', 'connection IDs to associate with this rule'))
FROM (SELECT '{
	"properties": {"rules": {"type": "array", "items": {
		"type": "object",
		"properties": {
			"type": {"type": "string", "enum": ["deny_words_list", "pattern_match"]},
			"words": {"type": "array", "items": {"type": "string"}, "description": "deny_words_list: words that must not appear"},
			"pattern_regex": {"type": "string", "description": "pattern_match: a PostgreSQL regular expression"},
			"message": {"type": "string", "description": "what the user is told when the rule matches"}},
		"required": ["type"],
		"additionalProperties": false}}},
	"required": ["rules"],
	"additionalProperties": false}'::jsonb AS rules) g;

CREATE FUNCTION hoop_mcp.guardrails_update(id text, name text, description text DEFAULT NULL,
										   input jsonb DEFAULT NULL, output jsonb DEFAULT NULL,
										   connection_ids text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._guardrail_save(coalesce($1, ''), $2, $3, $4, $5, $6)
$$;
-- hoop's update overwrites everything: it takes create's arguments, and
-- the rule's ID.
SELECT hoop_mcp._tool('guardrails_update',
	'Update an existing guardrail rule by ID (admin only). Every field is overwritten, as in hoop: description, input, output or connection_ids left out are cleared.',
	arguments => pg_catalog.jsonb_build_object('id', 'guardrail rule ID to update', 'name', 'guardrail rule name')
		|| (SELECT pg_catalog.jsonb_object_agg(a.key, a.value - 'type')
			FROM hoop_mcp.tools t, pg_catalog.jsonb_each(t.input_schema->'properties') a
			WHERE t.name = 'guardrails_create' AND a.key <> 'name'),
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.guardrails_delete(id text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.guardrail_rules;
BEGIN
	PERFORM hoop_mcp._require_admin();
	r := hoop_mcp._guardrail_rule(guardrails_delete.id, false);
	DELETE FROM hoop_mcp.guardrail_rules x WHERE x.id = r.id;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('guardrail rule "%s" deleted successfully', guardrails_delete.id));
END
$$;
SELECT hoop_mcp._tool('guardrails_delete',
	'Delete a guardrail rule by ID (admin only). This action is irreversible; its connection links go with it.',
	arguments => '{"id": "guardrail rule ID to delete"}',
	annotations => '{"destructiveHint": true}');
