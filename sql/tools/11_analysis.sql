-- ===========================================================================
-- Tools: analyzer rules (not in hoop's MCP server: hoop keeps its AI
-- session-analyzer rules in its web app and REST API) and the session
-- analysis (hoop's sessions_get_analysis, sessions_wait_analysis)
-- ===========================================================================

-- hoop's rule response: risk_evaluation holds the action of each level.
CREATE FUNCTION hoop_mcp._analyzer_rule_map(r hoop_mcp.analyzer_rules) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'name', r.name,
			'connection_names', pg_catalog.to_jsonb(r.connection_names),
			'risk_evaluation', pg_catalog.jsonb_build_object(
				'low_risk_action', r.low_risk_action,
				'medium_risk_action', r.medium_risk_action,
				'high_risk_action', r.high_risk_action),
			'created_at', r.created_at, 'updated_at', r.updated_at)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'description', r.description,
			'access_request_rule_name', r.access_request_rule_name))
$$;

CREATE FUNCTION hoop_mcp._analyzer_rule_by_name(name text) RETURNS hoop_mcp.analyzer_rules
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.analyzer_rules;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO r FROM hoop_mcp.analyzer_rules x WHERE x.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'ai analyzer rule not found' USING ERRCODE = 'no_data_found',
			HINT = 'analyzer_rules_list shows the rules.';
	END IF;
	RETURN r;
END
$$;

-- The rule of a connection, for the worker's exec: a row of NULLs when the
-- connection has none (its input is then not analysed, as in hoop).
CREATE FUNCTION hoop_mcp._analyzer_rule(connection_name text) RETURNS hoop_mcp.analyzer_rules
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT * FROM hoop_mcp.analyzer_rules r
	WHERE $1 = ANY (r.connection_names)
	ORDER BY r.name
	LIMIT 1
$$;

-- Create (replace = false) or replace every field of a rule, found by name.
CREATE FUNCTION hoop_mcp._analyzer_rule_save(replace boolean, name text, connection_names text[],
		low_risk_action text, medium_risk_action text, high_risk_action text,
		access_request_rule_name text, description text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.analyzer_rules;
	names text[];
	missing text;
	other record;
	rule_name text := nullif(_analyzer_rule_save.access_request_rule_name, '');
	needs_rule text;
	level record;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(_analyzer_rule_save.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT replace AND NOT hoop_mcp._name_valid(_analyzer_rule_save.name) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- the connections: at least one, each of them existing
	SELECT pg_catalog.array_agg(DISTINCT c ORDER BY c) INTO names
	FROM pg_catalog.unnest(_analyzer_rule_save.connection_names) c;
	IF names IS NULL THEN
		RAISE EXCEPTION 'connection_names must have at least 1 entry' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT c INTO missing FROM pg_catalog.unnest(names) c
	WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.connections x WHERE x.name = c)
	ORDER BY c LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'connection "%" not found', coalesce(missing, 'null') USING ERRCODE = 'no_data_found',
			HINT = 'connections_list shows the connections.';
	END IF;

	-- the action of each level (hoop's validateRiskTier)
	FOR level IN SELECT * FROM (VALUES
			(1, 'low', _analyzer_rule_save.low_risk_action),
			(2, 'medium', _analyzer_rule_save.medium_risk_action),
			(3, 'high', _analyzer_rule_save.high_risk_action)) v(n, risk, action)
		ORDER BY n LOOP
		IF level.action IS NULL THEN
			RAISE EXCEPTION '%_risk_action is required', level.risk USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Use allow_execution, block_execution or require_access_request.';
		ELSIF level.action NOT IN ('allow_execution', 'block_execution', 'require_access_request') THEN
			RAISE EXCEPTION '%_risk_action: invalid action "%"', level.risk, level.action
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Use allow_execution, block_execution or require_access_request.';
		ELSIF level.action = 'require_access_request' AND needs_rule IS NULL THEN
			needs_rule := level.risk;
		END IF;
	END LOOP;
	IF needs_rule IS NOT NULL AND rule_name IS NULL THEN
		RAISE EXCEPTION 'ai analyzer rule "%" has require_access_request action without access_request_rule_name for risk "%"',
			_analyzer_rule_save.name, needs_rule
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Name the access request rule whose reviewers review these executions in access_request_rule_name.';
	ELSIF needs_rule IS NULL AND rule_name IS NOT NULL THEN
		RAISE EXCEPTION 'access_request_rule_name is only allowed when an action is require_access_request'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF rule_name IS NOT NULL AND
	   NOT EXISTS (SELECT 1 FROM hoop_mcp.access_request_rules x WHERE x.name = rule_name) THEN
		RAISE EXCEPTION 'access request rule "%" not found', rule_name USING ERRCODE = 'no_data_found',
			HINT = 'access_request_rules_list shows the rules.';
	END IF;

	-- one rule per connection: concurrent saves wait for each other here
	LOCK TABLE hoop_mcp.analyzer_rules IN SHARE ROW EXCLUSIVE MODE;
	SELECT x.name, c INTO other
	FROM hoop_mcp.analyzer_rules x, pg_catalog.unnest(x.connection_names) c
	WHERE x.name <> _analyzer_rule_save.name AND c = ANY (names)
	ORDER BY x.name, c LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'another rule with the same connection names already exists: connection "%" is in ai analyzer rule "%"',
			other.c, other.name
			USING ERRCODE = 'unique_violation',
				  HINT = 'A connection may be in one analyzer rule only: take it out of the other rule first.';
	END IF;

	IF replace THEN
		UPDATE hoop_mcp.analyzer_rules x SET
			description = _analyzer_rule_save.description,
			connection_names = names,
			low_risk_action = _analyzer_rule_save.low_risk_action,
			medium_risk_action = _analyzer_rule_save.medium_risk_action,
			high_risk_action = _analyzer_rule_save.high_risk_action,
			access_request_rule_name = rule_name,
			updated_at = pg_catalog.now()
		WHERE x.name = _analyzer_rule_save.name
		RETURNING * INTO r;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'ai analyzer rule not found' USING ERRCODE = 'no_data_found',
				HINT = 'analyzer_rules_create makes a new one.';
		END IF;
	ELSE
		BEGIN
			INSERT INTO hoop_mcp.analyzer_rules AS x (name, description, connection_names, low_risk_action,
				medium_risk_action, high_risk_action, access_request_rule_name)
			VALUES (_analyzer_rule_save.name, _analyzer_rule_save.description, names,
				_analyzer_rule_save.low_risk_action, _analyzer_rule_save.medium_risk_action,
				_analyzer_rule_save.high_risk_action, rule_name)
			RETURNING * INTO r;
		EXCEPTION WHEN unique_violation THEN
			RAISE EXCEPTION 'ai analyzer rule with the same name already exists' USING ERRCODE = 'unique_violation',
				HINT = 'analyzer_rules_update replaces it.';
		END;
	END IF;
	RETURN hoop_mcp._analyzer_rule_map(r);
END
$$;

CREATE FUNCTION hoop_mcp.analyzer_rules_create(name text, connection_names text[],
		low_risk_action text DEFAULT 'allow_execution', medium_risk_action text DEFAULT 'allow_execution',
		high_risk_action text DEFAULT 'allow_execution', access_request_rule_name text DEFAULT NULL,
		description text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._analyzer_rule_save(false, $1, $2, $3, $4, $5, $6, $7)
$$;
SELECT hoop_mcp._tool('analyzer_rules_create',
	'Create an analyzer rule (admin only; hoop_mcp''s own tool for hoop''s AI session-analyzer rules, which hoop configures outside MCP). Every exec on the rule''s connections has its input rated from PostgreSQL''s parser, not a language model: low (queries that only read), medium (writes, schema changes, transaction control, CALL/DO, locks, COPY FROM STDIN, more than 20 statements) or high (DELETE/UPDATE without WHERE, DROP, TRUNCATE, GRANT/REVOKE, role changes, ALTER SYSTEM, SET ROLE, COPY to or from server files or programs, functions that reach server files or other sessions, input that does not parse). The action of the level is then taken: allow_execution runs it, block_execution refuses it, require_access_request holds it for a review by the reviewers of access_request_rule_name. sessions_get_analysis shows the rating of a session.',
	arguments => '{
		"name": "rule name: 3 to 254 letters, digits, -, _ or .",
		"connection_names": "connections the rule applies to; a connection may be in one analyzer rule only",
		"low_risk_action": "action for low-risk input: allow_execution (default), block_execution or require_access_request",
		"medium_risk_action": "action for medium-risk input: allow_execution (default), block_execution or require_access_request",
		"high_risk_action": "action for high-risk input: allow_execution (default), block_execution or require_access_request",
		"access_request_rule_name": "the access request rule whose reviewers review when an action is require_access_request (required then, refused otherwise)",
		"description": "what the rule is for"}');

CREATE FUNCTION hoop_mcp.analyzer_rules_update(name text, connection_names text[],
		low_risk_action text DEFAULT 'allow_execution', medium_risk_action text DEFAULT 'allow_execution',
		high_risk_action text DEFAULT 'allow_execution', access_request_rule_name text DEFAULT NULL,
		description text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._analyzer_rule_save(true, $1, $2, $3, $4, $5, $6, $7)
$$;
-- A full replacement, as hoop's update: create's arguments, described there.
SELECT hoop_mcp._tool('analyzer_rules_update',
	'Replace every field of an analyzer rule, found by name (admin only; hoop_mcp''s own tool): an argument left out takes its default, as in analyzer_rules_create.',
	arguments => (SELECT pg_catalog.jsonb_object_agg(a.key, a.value->'description')
				  FROM hoop_mcp.tools t, pg_catalog.jsonb_each(t.input_schema->'properties') a
				  WHERE t.name = 'analyzer_rules_create'),
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.analyzer_rules_delete(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._analyzer_rule_by_name(analyzer_rules_delete.name);
	DELETE FROM hoop_mcp.analyzer_rules x WHERE x.name = analyzer_rules_delete.name;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('ai analyzer rule "%s" deleted successfully',
												 analyzer_rules_delete.name));
END
$$;
SELECT hoop_mcp._tool('analyzer_rules_delete',
	'Delete an analyzer rule by name (admin only; hoop_mcp''s own tool). Execs on its connections are no longer analysed.',
	arguments => '{"name": "rule name"}',
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.analyzer_rules_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._analyzer_rule_map(r) ORDER BY r.name), '[]')
			FROM hoop_mcp.analyzer_rules r);
END
$$;
SELECT hoop_mcp._tool('analyzer_rules_list',
	'List the analyzer rules, by name (admin or auditor; hoop_mcp''s own tool): which connections have their execs'' input rated, and the action taken at each risk level.',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.analyzer_rules_get(name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN hoop_mcp._analyzer_rule_map(hoop_mcp._analyzer_rule_by_name(analyzer_rules_get.name));
END
$$;
SELECT hoop_mcp._tool('analyzer_rules_get',
	'Get an analyzer rule by name (admin or auditor; hoop_mcp''s own tool).',
	arguments => '{"name": "rule name"}',
	annotations => '{"readOnlyHint": true}');

-- hoop's analysis map: Go's zero values for what the stored one lacks.
CREATE FUNCTION hoop_mcp._analysis_map(s hoop_mcp.sessions) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE WHEN s.ai_analysis IS NULL THEN
			pg_catalog.jsonb_build_object('session_id', s.id, 'status', 'unavailable',
				'message', 'AI analysis is not yet available for this session')
		ELSE
			pg_catalog.jsonb_build_object('session_id', s.id, 'status', 'ready',
				'risk_level', coalesce(s.ai_analysis->>'risk_level', ''),
				'title', coalesce(s.ai_analysis->>'title', ''),
				'explanation', coalesce(s.ai_analysis->>'explanation', ''),
				'action', coalesce(s.ai_analysis->>'action', ''))
		END
$$;

CREATE FUNCTION hoop_mcp.sessions_get_analysis(id text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._analysis_map(hoop_mcp._readable_session($1))
$$;
SELECT hoop_mcp._tool('sessions_get_analysis',
	'Get the risk analysis of a session''s input (owner, its reviewers, admin or auditor): risk level, title, explanation and the action taken (allow_execution, block_execution or require_access_request). hoop_mcp rates the input from PostgreSQL''s parser, not a language model, when the connection has an analyzer rule. Returns status=unavailable when the session has no analysis: its connection had no analyzer rule when it ran.',
	arguments => '{"id": "session ID"}',
	annotations => '{"readOnlyHint": true}');

-- hoop's sessions_wait_analysis long-polls because hoop writes the
-- analysis after the session.  hoop_mcp writes it in the transaction that
-- writes the session, so a session one can see has the analysis it will
-- ever have: the answer cannot change, and it comes at once.  (Sleeping
-- would also stall the worker, which runs SQL tools in its event loop.)
CREATE FUNCTION hoop_mcp.sessions_wait_analysis(id text, timeout_seconds integer DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._analysis_map(hoop_mcp._readable_session($1))
		|| '{"timed_out": false, "waited_seconds": 0}'
$$;
SELECT hoop_mcp._tool('sessions_wait_analysis',
	'hoop''s long-poll for a session''s risk analysis (owner, its reviewers, admin or auditor); same answer as sessions_get_analysis plus timed_out and waited_seconds. In hoop_mcp the analysis is written together with the session, never later, so this answers at once (timed_out=false, waited_seconds=0): status=ready with the analysis, or status=unavailable when the session has none and never will (its connection had no analyzer rule). There is nothing to wait for and no need to call again.',
	arguments => '{
		"id": "session ID whose analysis to return",
		"timeout_seconds": "max wait in seconds, accepted for compatibility with hoop (default 60, 2..300); never waited, since the answer cannot change"}',
	annotations => '{"readOnlyHint": true}');
