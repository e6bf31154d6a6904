-- ===========================================================================
-- Tools: connections
-- ===========================================================================

CREATE FUNCTION hoop_mcp.connections_list(agent_id text DEFAULT NULL, type text DEFAULT NULL,
										  subtype text DEFAULT NULL, tag_selector text DEFAULT NULL,
										  tags text[] DEFAULT NULL, name text DEFAULT NULL,
										  search text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	privileged boolean := hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g);
	selector jsonb := '[]';
	seg text;
	op text;
	k text;
	v text;
	result jsonb;
BEGIN
	-- tag_selector: comma-separated key=value / key!=value, all must hold.
	FOREACH seg IN ARRAY coalesce(pg_catalog.string_to_array(tag_selector, ','), '{}') LOOP
		seg := pg_catalog.btrim(seg);
		CONTINUE WHEN seg = '';
		IF pg_catalog.strpos(seg, '!=') > 0 THEN
			op := '!=';
		ELSIF pg_catalog.strpos(seg, '=') > 0 THEN
			op := '=';
		ELSE
			RAISE EXCEPTION 'invalid tag_selector segment "%": expected key=value or key!=value', seg
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		k := pg_catalog.btrim(pg_catalog.split_part(seg, op, 1));
		v := pg_catalog.btrim(pg_catalog.substr(seg, pg_catalog.strpos(seg, op) + pg_catalog.length(op)));
		IF k = '' THEN
			RAISE EXCEPTION 'invalid tag_selector segment "%": empty key', seg
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		selector := selector || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(k, op, v));
	END LOOP;

	SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._connection_map(c, '{}') ORDER BY c.name), '[]')
	INTO result
	FROM hoop_mcp.connections c
	WHERE hoop_mcp._connection_visible(c.id, g, privileged)
	  AND c.name LIKE coalesce(connections_list.name, '%')
	  AND (connections_list.agent_id IS NULL OR c.agent_id LIKE connections_list.agent_id)
	  AND (connections_list.type IS NULL OR c.type LIKE connections_list.type)
	  AND (connections_list.subtype IS NULL OR c.subtype LIKE connections_list.subtype)
	  AND (connections_list.search IS NULL OR
		   pg_catalog.concat_ws(' ', c.name, c.subtype, c.type, c.status)
				ILIKE '%' || connections_list.search || '%')
	  AND (connections_list.tags IS NULL OR NOT EXISTS (
			SELECT 1 FROM pg_catalog.unnest(connections_list.tags) t
			WHERE NOT (c.tags ? t OR
					   coalesce(pg_catalog.strpos(t, '=') > 0 AND
								c.tags ->> pg_catalog.split_part(t, '=', 1) = pg_catalog.substr(t, pg_catalog.strpos(t, '=') + 1),
								false))))
	  AND NOT EXISTS (
			SELECT 1 FROM pg_catalog.jsonb_array_elements(selector) s
			WHERE CASE s->>1
					WHEN '=' THEN (c.tags ->> (s->>0)) IS DISTINCT FROM (s->>2)
					ELSE (c.tags ->> (s->>0)) IS NOT DISTINCT FROM (s->>2)
				  END);
	RETURN result;
END
$$;
SELECT hoop_mcp._tool('connections_list',
	'List connections (resource roles) the user can access. Filters are optional: type, subtype, agent_id and name are SQL LIKE patterns (name needs its own %), search matches name, type, subtype and status, tag_selector is a comma-separated list of key=value or key!=value conditions that must all hold. Secrets are never returned.',
	arguments => '{
		"agent_id": "filter by agent ID",
		"type": "filter by connection type: database, application or custom",
		"subtype": "filter by subtype, e.g. postgres, mysql, mongodb, mssql, oracledb, tcp, ssh, httpproxy",
		"tag_selector": "comma-separated tag conditions key=value or key!=value, all must match",
		"tags": "DEPRECATED: tags that must all be present (key or key=value); use tag_selector",
		"name": "SQL LIKE pattern on the connection name",
		"search": "case-insensitive substring matched against name, type, subtype and status"}',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.connections_get(name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	c hoop_mcp.connections;
	secrets jsonb := '{}';
BEGIN
	IF coalesce(connections_get.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	c := hoop_mcp._visible_connection(connections_get.name, g);
	IF c.id IS NULL THEN
		RAISE EXCEPTION 'connection not found' USING ERRCODE = 'no_data_found',
			HINT = 'connections_list shows the connections you may use.';
	END IF;
	IF hoop_mcp._is_admin(g) THEN
		SELECT s.envs INTO secrets FROM hoop_mcp.connection_secrets s WHERE s.connection_id = c.id;
	END IF;
	RETURN hoop_mcp._connection_map(c, coalesce(secrets, '{}'));
END
$$;
SELECT hoop_mcp._tool('connections_get',
	'Get a connection by name or ID. Secrets are returned to admins only.',
	arguments => '{"name": "connection name or ID"}',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp._check_access_mode(field text, value text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF value IS NOT NULL AND value NOT IN ('enabled', 'disabled') THEN
		RAISE EXCEPTION '% must be "enabled" or "disabled"', field USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

CREATE FUNCTION hoop_mcp._check_connection_fields(type text, tags jsonb,
												  access_mode_runbooks text, access_mode_exec text,
												  access_mode_connect text, secrets jsonb)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF type IS NOT NULL AND type NOT IN ('database', 'application', 'custom') THEN
		RAISE EXCEPTION 'type must be one of database, application or custom'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF tags IS NOT NULL AND (pg_catalog.jsonb_typeof(tags) <> 'object' OR EXISTS (
			SELECT 1 FROM pg_catalog.jsonb_each(tags) t WHERE pg_catalog.jsonb_typeof(t.value) <> 'string')) THEN
		RAISE EXCEPTION 'tags must be an object of string values' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_access_mode('access_mode_runbooks', access_mode_runbooks);
	PERFORM hoop_mcp._check_access_mode('access_mode_exec', access_mode_exec);
	PERFORM hoop_mcp._check_access_mode('access_mode_connect', access_mode_connect);
	PERFORM hoop_mcp._check_secrets(secrets);
END
$$;

CREATE FUNCTION hoop_mcp.connections_create(name text, type text, subtype text DEFAULT NULL,
											agent_id text DEFAULT NULL, command text[] DEFAULT NULL,
											secrets jsonb DEFAULT NULL, tags jsonb DEFAULT NULL,
											access_mode_runbooks text DEFAULT NULL,
											access_mode_exec text DEFAULT NULL,
											access_mode_connect text DEFAULT NULL,
											guardrail_rules text[] DEFAULT NULL,
											reviewers text[] DEFAULT NULL,
											redact_types text[] DEFAULT NULL,
											mandatory_metadata_fields text[] DEFAULT NULL,
											read_only boolean DEFAULT NULL,
											statement_timeout text DEFAULT NULL,
											connect_timeout text DEFAULT NULL,
											max_rows integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	-- Its arguments hold secrets: no STATEMENT line in the log when it fails.
	SET log_min_error_statement = panic AS $$
DECLARE
	c hoop_mcp.connections;
	rule_ids uuid[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._check_limits(coalesce(connections_create.read_only, false), connections_create.statement_timeout,
								   connections_create.connect_timeout, connections_create.max_rows);
	IF coalesce(connections_create.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT hoop_mcp._name_valid(connections_create.name) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(connections_create.type, '') = '' THEN
		RAISE EXCEPTION 'type is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_connection_fields(connections_create.type, connections_create.tags,
		connections_create.access_mode_runbooks, connections_create.access_mode_exec,
		connections_create.access_mode_connect, connections_create.secrets);
	PERFORM hoop_mcp.entity_types(connections_create.redact_types);
	rule_ids := hoop_mcp._guardrail_rule_ids(connections_create.guardrail_rules);
	BEGIN
		INSERT INTO hoop_mcp.connections AS x (name, type, subtype, agent_id, command, tags,
			access_mode_runbooks, access_mode_exec, access_mode_connect, access_schema,
			reviewers, redact_types, mandatory_metadata_fields,
			read_only, statement_timeout, connect_timeout, max_rows)
		VALUES (connections_create.name, connections_create.type, coalesce(connections_create.subtype, ''),
			coalesce(connections_create.agent_id, ''),
			CASE WHEN coalesce(pg_catalog.cardinality(connections_create.command), 0) > 0 THEN connections_create.command
				 ELSE hoop_mcp._default_command(connections_create.subtype) END,
			coalesce(connections_create.tags, '{}'),
			coalesce(connections_create.access_mode_runbooks, 'enabled'),
			coalesce(connections_create.access_mode_exec, 'enabled'),
			coalesce(connections_create.access_mode_connect, 'enabled'),
			CASE WHEN connections_create.type = 'database' THEN 'enabled' ELSE 'disabled' END,
			coalesce(connections_create.reviewers, '{}'),
			coalesce(connections_create.redact_types, '{}'),
			coalesce(connections_create.mandatory_metadata_fields, '{}'),
			coalesce(connections_create.read_only, false), connections_create.statement_timeout,
			connections_create.connect_timeout, connections_create.max_rows)
		RETURNING * INTO c;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION 'connection already exists' USING ERRCODE = 'unique_violation';
	END;
	INSERT INTO hoop_mcp.connection_secrets (connection_id, envs)
	VALUES (c.id, coalesce(connections_create.secrets, '{}'));
	INSERT INTO hoop_mcp.guardrail_rules_connections (rule_id, connection_id)
	SELECT r, c.id FROM pg_catalog.unnest(rule_ids) r;
	RETURN hoop_mcp._connection_map(c, '{}');
END
$$;
SELECT hoop_mcp._tool('connections_create',
	'Create a connection (admin only). Secrets are a map of "envvar:NAME" to base64 values. postgres, mysql and mssql need HOST, USER, PASS, PORT and DB; oracledb needs HOST, USER, PASS, PORT and SID; mongodb needs CONNECTION_STRING, or HOST, USER and PASS; tcp needs HOST and PORT; httpproxy needs REMOTE_URL; ssh needs HOST, USER, and PASS or AUTHORIZED_SERVER_KEYS. hoop_mcp runs database/postgres connections.',
	arguments => '{
		"name": "unique connection name: 3 to 254 alphanumeric characters, may include -, _ or .",
		"type": "database, application or custom",
		"subtype": "e.g. postgres, mysql, mongodb, mssql, oracledb, tcp, ssh, httpproxy",
		"agent_id": "agent ID",
		"command": "command line; filled in for known database subtypes",
		"secrets": {"additionalProperties": {"type": "string"}, "description": "map of envvar:NAME to base64 value, e.g. {\"envvar:HOST\":\"bG9jYWxob3N0\"}"},
		"tags": {"additionalProperties": {"type": "string"}, "description": "key/value tags"},
		"access_mode_runbooks": "enabled or disabled",
		"access_mode_exec": "enabled or disabled",
		"access_mode_connect": "enabled or disabled",
		"guardrail_rules": "guardrail rules (IDs or names) that apply to the connection",
		"reviewers": "DEPRECATED: reviewer groups",
		"redact_types": "entity types (or preset groups such as CONTACT_INFORMATION) masked in every output, UPPERCASE",
		"mandatory_metadata_fields": "metadata fields every exec must carry",
		"read_only": {"type": "boolean", "description": "hoop_mcp: refuse every statement that is not a read, and run execs in a read-only transaction"},
		"statement_timeout": "hoop_mcp: statement_timeout of the target session, e.g. \"30s\" (\"0\": the target''s own)",
		"connect_timeout": "hoop_mcp: how long connecting may take, e.g. \"5s\"",
		"max_rows": {"type": "integer", "description": "hoop_mcp: rows of one result shown (0: all); the rest are counted"}}');

CREATE FUNCTION hoop_mcp.connections_update(name text, type text DEFAULT NULL, subtype text DEFAULT NULL,
											agent_id text DEFAULT NULL, command text[] DEFAULT NULL,
											secrets jsonb DEFAULT NULL, tags jsonb DEFAULT NULL,
											access_mode_runbooks text DEFAULT NULL,
											access_mode_exec text DEFAULT NULL,
											access_mode_connect text DEFAULT NULL,
											guardrail_rules text[] DEFAULT NULL,
											reviewers text[] DEFAULT NULL,
											redact_types text[] DEFAULT NULL,
											mandatory_metadata_fields text[] DEFAULT NULL,
											read_only boolean DEFAULT NULL,
											statement_timeout text DEFAULT NULL,
											connect_timeout text DEFAULT NULL,
											max_rows integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	-- Its arguments hold secrets: no STATEMENT line in the log when it fails.
	SET log_min_error_statement = panic AS $$
DECLARE
	c hoop_mcp.connections;
	rule_ids uuid[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._check_limits(coalesce(connections_update.read_only, false), connections_update.statement_timeout,
								   connections_update.connect_timeout, connections_update.max_rows);
	IF coalesce(connections_update.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO c FROM hoop_mcp.connections x WHERE x.name = connections_update.name FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection not found' USING ERRCODE = 'no_data_found';
	END IF;
	IF coalesce(c.managed_by, '') <> '' THEN
		RAISE EXCEPTION 'connection is managed by "%" and cannot be updated via MCP', c.managed_by
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	PERFORM hoop_mcp._check_connection_fields(nullif(connections_update.type, ''), connections_update.tags,
		nullif(connections_update.access_mode_runbooks, ''), nullif(connections_update.access_mode_exec, ''),
		nullif(connections_update.access_mode_connect, ''), connections_update.secrets);
	PERFORM hoop_mcp.entity_types(connections_update.redact_types);
	rule_ids := hoop_mcp._guardrail_rule_ids(connections_update.guardrail_rules);
	-- hoop's partial update: empty or missing fields stay; lists and maps
	-- that are given replace the stored value whole; agent_id "" clears.
	UPDATE hoop_mcp.connections x SET
		type = coalesce(nullif(connections_update.type, ''), x.type),
		subtype = coalesce(nullif(connections_update.subtype, ''), x.subtype),
		agent_id = coalesce(connections_update.agent_id, x.agent_id),
		command = CASE WHEN pg_catalog.cardinality(connections_update.command) > 0 THEN connections_update.command ELSE x.command END,
		tags = coalesce(connections_update.tags, x.tags),
		access_mode_runbooks = coalesce(nullif(connections_update.access_mode_runbooks, ''), x.access_mode_runbooks),
		access_mode_exec = coalesce(nullif(connections_update.access_mode_exec, ''), x.access_mode_exec),
		access_mode_connect = coalesce(nullif(connections_update.access_mode_connect, ''), x.access_mode_connect),
		reviewers = coalesce(connections_update.reviewers, x.reviewers),
		redact_types = coalesce(connections_update.redact_types, x.redact_types),
		mandatory_metadata_fields = coalesce(connections_update.mandatory_metadata_fields, x.mandatory_metadata_fields),
		read_only = coalesce(connections_update.read_only, x.read_only),
		-- hoop_mcp's limits: "" goes back to the GUC's default.
		statement_timeout = CASE WHEN connections_update.statement_timeout IS NULL THEN x.statement_timeout
								 ELSE nullif(connections_update.statement_timeout, '') END,
		connect_timeout = CASE WHEN connections_update.connect_timeout IS NULL THEN x.connect_timeout
							   ELSE nullif(connections_update.connect_timeout, '') END,
		max_rows = coalesce(connections_update.max_rows, x.max_rows),
		updated_at = pg_catalog.now()
	WHERE x.id = c.id
	RETURNING * INTO c;
	-- guardrail_rules given replace the connection's links ('{}' clears them).
	IF connections_update.guardrail_rules IS NOT NULL THEN
		DELETE FROM hoop_mcp.guardrail_rules_connections l WHERE l.connection_id = c.id;
		INSERT INTO hoop_mcp.guardrail_rules_connections (rule_id, connection_id)
		SELECT r, c.id FROM pg_catalog.unnest(rule_ids) r;
	END IF;
	IF connections_update.secrets IS NOT NULL THEN
		INSERT INTO hoop_mcp.connection_secrets AS s (connection_id, envs) VALUES (c.id, connections_update.secrets)
		ON CONFLICT (connection_id) DO UPDATE SET envs = excluded.envs, updated_at = pg_catalog.now(),
			-- What a superuser allowed these secrets, they allowed them only.
			allow_passwordless = s.allow_passwordless AND s.envs = excluded.envs,
			allow_server_files = s.allow_server_files AND s.envs = excluded.envs;
	END IF;
	RETURN hoop_mcp._connection_map(c, '{}');
END
$$;
SELECT hoop_mcp._tool('connections_update',
	'Update a connection (admin only). Fields left out or empty keep their value; lists and maps that are given replace the stored value whole; an empty agent_id clears it.',
	arguments => '{
		"name": "name of the connection to update",
		"type": "database, application or custom",
		"subtype": "connection subtype",
		"agent_id": {"type": ["null", "string"], "description": "agent ID; empty string clears it"},
		"command": "command line",
		"secrets": {"additionalProperties": {"type": "string"}, "description": "map of envvar:NAME to base64 value; replaces all secrets"},
		"tags": {"additionalProperties": {"type": "string"}, "description": "key/value tags; replaces all tags"},
		"access_mode_runbooks": "enabled or disabled",
		"access_mode_exec": "enabled or disabled",
		"access_mode_connect": "enabled or disabled",
		"guardrail_rules": "guardrail rules (IDs or names) that apply to the connection",
		"reviewers": "DEPRECATED: reviewer groups",
		"redact_types": "entity types (or preset groups such as CONTACT_INFORMATION) masked in every output, UPPERCASE",
		"mandatory_metadata_fields": "metadata fields every exec must carry",
		"read_only": {"type": "boolean", "description": "hoop_mcp: refuse every statement that is not a read, and run execs in a read-only transaction"},
		"statement_timeout": "hoop_mcp: statement_timeout of the target session, e.g. \"30s\" (\"0\": the target''s own)",
		"connect_timeout": "hoop_mcp: how long connecting may take, e.g. \"5s\"",
		"max_rows": {"type": "integer", "description": "hoop_mcp: rows of one result shown (0: all); the rest are counted"}}',
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.connections_delete(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(connections_delete.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	DELETE FROM hoop_mcp.connections x WHERE x.name = connections_delete.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('connection "%s" deleted successfully', connections_delete.name));
END
$$;
SELECT hoop_mcp._tool('connections_delete',
	'Delete a connection (admin only).',
	arguments => '{"name": "connection name"}',
	annotations => '{"destructiveHint": true}');
