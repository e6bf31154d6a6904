-- ===========================================================================
-- Tools: data masking rules (hoop's datamasking_rules_*)
-- ===========================================================================

-- hoop's datamaskingToMap: description always, the rest when set.
CREATE FUNCTION hoop_mcp._datamasking_map(r hoop_mcp.datamasking_rules) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'name', r.name, 'description', coalesce(r.description, ''),
			'updated_at', r.updated_at)
		|| CASE WHEN r.supported_entity_types <> '[]'
				THEN pg_catalog.jsonb_build_object('supported_entity_types', r.supported_entity_types) ELSE '{}' END
		|| CASE WHEN r.custom_entity_types <> '[]'
				THEN pg_catalog.jsonb_build_object('custom_entity_types', r.custom_entity_types) ELSE '{}' END
		|| CASE WHEN r.score_threshold IS NOT NULL
				THEN pg_catalog.jsonb_build_object('score_threshold', r.score_threshold) ELSE '{}' END
		|| coalesce((SELECT pg_catalog.jsonb_build_object('connection_ids',
						pg_catalog.jsonb_agg(l.connection_id ORDER BY l.connection_id))
					 FROM hoop_mcp.datamasking_rules_connections l WHERE l.rule_id = r.id
					 HAVING pg_catalog.count(*) > 0), '{}')
		|| CASE WHEN r.attributes <> '{}'
				THEN pg_catalog.jsonb_build_object('attributes', r.attributes) ELSE '{}' END
$$;

-- A data masking rule by ID, or "data masking rule not found".
CREATE FUNCTION hoop_mcp._datamasking_rule(id text) RETURNS hoop_mcp.datamasking_rules
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.datamasking_rules;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO r FROM hoop_mcp.datamasking_rules x WHERE x.id::text = pg_catalog.lower($1);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'data masking rule not found' USING ERRCODE = 'no_data_found',
			HINT = 'datamasking_rules_list shows the data masking rules and their IDs.';
	END IF;
	RETURN r;
END
$$;

-- One entry may stand for a list of one: the tools' input schema takes an
-- array or an object.
CREATE FUNCTION hoop_mcp._as_list(entries jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE WHEN pg_catalog.jsonb_typeof($1) = 'object' THEN pg_catalog.jsonb_build_array($1) ELSE $1 END
$$;

CREATE FUNCTION hoop_mcp.datamasking_rules_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._datamasking_map(r) ORDER BY r.name), '[]')
			FROM hoop_mcp.datamasking_rules r);
END
$$;
SELECT hoop_mcp._tool('datamasking_rules_list',
	'List all data masking rules configured for the organization (admin or auditor): which values of an exec''s output are masked, and on which connections.',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.datamasking_rules_get(id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN hoop_mcp._datamasking_map(hoop_mcp._datamasking_rule(datamasking_rules_get.id));
END
$$;
SELECT hoop_mcp._tool('datamasking_rules_get',
	'Get a single data masking rule by its ID (admin or auditor).',
	arguments => '{"id": "data masking rule ID"}',
	annotations => '{"readOnlyHint": true}');

-- Create (id NULL) or overwrite a data masking rule.  hoop's update
-- overwrites the description, the entity types, the threshold and the
-- connection links, whether given or not; the attributes only when given.
CREATE FUNCTION hoop_mcp._datamasking_save(id text, name text, description text, connection_ids text[],
										   supported_entity_types jsonb, custom_entity_types jsonb,
										   score_threshold double precision, attributes text[])
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.datamasking_rules;
	links uuid[];
	supported jsonb := coalesce(hoop_mcp._as_list(_datamasking_save.supported_entity_types), '[]');
	custom jsonb;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF id IS NOT NULL THEN
		r := hoop_mcp._datamasking_rule(id);
	ELSE
		IF coalesce(_datamasking_save.name, '') = '' THEN
			RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT hoop_mcp._name_valid(_datamasking_save.name) THEN
			RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;
	IF coalesce(pg_catalog.cardinality(attributes), 0) > 0 THEN
		RAISE EXCEPTION 'attributes are not supported by hoop_mcp' USING ERRCODE = 'feature_not_supported',
			HINT = 'Name the connections in connection_ids.';
	END IF;
	-- hoop's ValidateRulePayload, in its order.
	IF score_threshold NOT BETWEEN 0 AND 1 THEN
		RAISE EXCEPTION 'score threshold must be between 0 and 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	links := hoop_mcp._connection_ids(connection_ids);
	PERFORM hoop_mcp._check_supported_entity_types(supported, true);
	custom := coalesce(hoop_mcp._normal_custom_entity_types(hoop_mcp._as_list(_datamasking_save.custom_entity_types)), '[]');
	PERFORM hoop_mcp._check_custom_entity_types(custom);
	BEGIN
		IF id IS NULL THEN
			INSERT INTO hoop_mcp.datamasking_rules AS x (name, description, supported_entity_types,
														 custom_entity_types, score_threshold)
			VALUES (_datamasking_save.name, _datamasking_save.description, supported, custom,
					_datamasking_save.score_threshold)
			RETURNING * INTO r;
		ELSE
			UPDATE hoop_mcp.datamasking_rules x SET
				description = _datamasking_save.description,
				supported_entity_types = supported, custom_entity_types = custom,
				score_threshold = _datamasking_save.score_threshold,
				attributes = coalesce(_datamasking_save.attributes, x.attributes),
				updated_at = pg_catalog.now()
			WHERE x.id = r.id
			RETURNING * INTO r;
			IF NOT FOUND THEN
				RAISE EXCEPTION 'data masking rule not found' USING ERRCODE = 'no_data_found';
			END IF;
			DELETE FROM hoop_mcp.datamasking_rules_connections l WHERE l.rule_id = r.id;
		END IF;
		INSERT INTO hoop_mcp.datamasking_rules_connections (rule_id, connection_id)
		SELECT r.id, c FROM pg_catalog.unnest(links) c;
	EXCEPTION
		WHEN unique_violation THEN
			RAISE EXCEPTION 'data masking rule already exists' USING ERRCODE = 'unique_violation',
				HINT = 'Data masking rule names are unique; datamasking_rules_update changes an existing rule.';
		WHEN foreign_key_violation THEN
			RAISE EXCEPTION 'connection not found: a connection reference in the connection_ids field does not exist'
				USING ERRCODE = 'no_data_found', HINT = 'connections_list shows the connections and their IDs.';
	END;
	RETURN hoop_mcp._datamasking_map(r);
END
$$;

CREATE FUNCTION hoop_mcp.datamasking_rules_create(name text, description text DEFAULT NULL,
		connection_ids text[] DEFAULT NULL, supported_entity_types jsonb DEFAULT NULL,
		custom_entity_types jsonb DEFAULT NULL, score_threshold double precision DEFAULT NULL,
		attributes text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._datamasking_save(NULL, $1, $2, $3, $4, $5, $6, $7)
$$;
SELECT hoop_mcp._tool('datamasking_rules_create',
	'Create a new data masking rule with entity type detection configuration (admin only). hoop_mcp masks what the rules of a connection find in an exec''s output with its built-in detectors: each value of an entity type, a custom regex, a deny_list word, or every value of the named columns, replaced by <TYPE>.',
	arguments => pg_catalog.jsonb_build_object(
		'name', 'unique rule name: 3 to 254 alphanumeric characters, may include -, _ or .',
		'description', 'human-readable description',
		'connection_ids', 'UUIDs of the connections this rule applies to',
		'supported_entity_types', pg_catalog.jsonb_build_object(
			'type', pg_catalog.jsonb_build_array('array', 'object'),
			'items', e.supported) || (e.supported - 'type') || pg_catalog.jsonb_build_object('description',
			'built-in entity types to detect, a list of {name, entity_types} (one entry may be given as an object). Use a webapp preset key as name for round-trip with the UI: CONTACT_INFORMATION, FINANCIAL_DATA, NETWORK_IDENTIFIERS, LOCATION_DATA, TIME_DATA, US_DOCUMENTS, UK_DOCUMENTS, EUROPEAN_DOCUMENTS, ASIA_PACIFIC_DOCUMENTS, MEDICAL_DATA, DEMOGRAPHIC_DATA, CRYPTO_IDENTIFIERS, or CUSTOM_SELECTION for an ad-hoc list. entity_types are entity types or preset groups hoop_mcp detects: ' ||
			pg_catalog.array_to_string(hoop_mcp.entity_types('{CONTACT_INFORMATION,FINANCIAL_DATA,NETWORK_IDENTIFIERS,TIME_DATA,US_DOCUMENTS,UK_DOCUMENTS,CRYPTO_IDENTIFIERS}'), ', ') ||
			'; groups CONTACT_INFORMATION, FINANCIAL_DATA, NETWORK_IDENTIFIERS, TIME_DATA, US_DOCUMENTS, UK_DOCUMENTS, CRYPTO_IDENTIFIERS. Names must be UPPERCASE.'),
		'custom_entity_types', pg_catalog.jsonb_build_object(
			'type', pg_catalog.jsonb_build_array('array', 'object'),
			'items', e.custom) || (e.custom - 'type') || pg_catalog.jsonb_build_object('description',
			'custom entity type definitions (one may be given as an object). Each entry needs a UPPERCASE name and a regex (PostgreSQL regular expression, at most 1000 characters), a deny_list, or columns (["schema.table.column" or "table.column", ...]: every value of those result columns is masked; names follow SQL, lower-cased unless double-quoted); score is the confidence of a match, 0 to 1.'),
		'score_threshold', 'minimum confidence score for detection, between 0.0 and 1.0',
		'attributes', 'not supported by hoop_mcp yet; name connections in connection_ids'))
FROM (SELECT '{
		"type": "object",
		"properties": {
			"name": {"type": "string"},
			"entity_types": {"type": "array", "items": {"type": "string"}}},
		"required": ["name", "entity_types"],
		"additionalProperties": false}'::jsonb AS supported,
	'{
		"type": "object",
		"properties": {
			"name": {"type": "string"},
			"regex": {"type": "string"},
			"deny_list": {"type": "array", "items": {"type": "string"}},
			"score": {"type": "number", "minimum": 0, "maximum": 1},
			"columns": {"type": "array", "items": {"type": "string"}}},
		"required": ["name"],
		"additionalProperties": false}'::jsonb AS custom) e;

CREATE FUNCTION hoop_mcp.datamasking_rules_update(id text, description text DEFAULT NULL,
		connection_ids text[] DEFAULT NULL, supported_entity_types jsonb DEFAULT NULL,
		custom_entity_types jsonb DEFAULT NULL, score_threshold double precision DEFAULT NULL,
		attributes text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._datamasking_save(coalesce($1, ''), NULL, $2, $3, $4, $5, $6, $7)
$$;
-- create's arguments but the name, which cannot change, and the rule's ID.
SELECT hoop_mcp._tool('datamasking_rules_update',
	'Update an existing data masking rule by ID (admin only); the name cannot change. As in hoop, description, connection_ids, supported_entity_types, custom_entity_types and score_threshold are all overwritten (left out: cleared); attributes change only when given.',
	arguments => pg_catalog.jsonb_build_object('id', 'data masking rule ID to update')
		|| (SELECT pg_catalog.jsonb_object_agg(a.key, a.value)
			FROM hoop_mcp.tools t, pg_catalog.jsonb_each(t.input_schema->'properties') a
			WHERE t.name = 'datamasking_rules_create' AND a.key <> 'name'),
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.datamasking_rules_delete(id text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.datamasking_rules;
BEGIN
	PERFORM hoop_mcp._require_admin();
	r := hoop_mcp._datamasking_rule(datamasking_rules_delete.id);
	DELETE FROM hoop_mcp.datamasking_rules x WHERE x.id = r.id;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('data masking rule "%s" deleted successfully',
												 datamasking_rules_delete.id));
END
$$;
SELECT hoop_mcp._tool('datamasking_rules_delete',
	'Delete a data masking rule by ID (admin only). This action is irreversible; its connection links go with it.',
	arguments => '{"id": "data masking rule ID to delete"}',
	annotations => '{"destructiveHint": true}');
