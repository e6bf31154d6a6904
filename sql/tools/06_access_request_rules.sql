-- ===========================================================================
-- Tools: access request rules (hoop's access_request_rules_*)
-- ===========================================================================

CREATE FUNCTION hoop_mcp._rule_map(r hoop_mcp.access_request_rules) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'name', r.name, 'access_type', r.access_type,
			'all_groups_must_approve', r.all_groups_must_approve,
			'created_at', r.created_at, 'updated_at', r.updated_at,
			'approval_required_groups', pg_catalog.to_jsonb(r.approval_required_groups))
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'description', r.description,
			'connection_names', CASE WHEN r.connection_names <> '{}' THEN pg_catalog.to_jsonb(r.connection_names) END,
			'reviewers_groups', CASE WHEN r.reviewers_groups <> '{}' THEN pg_catalog.to_jsonb(r.reviewers_groups) END,
			'force_approval_groups', CASE WHEN r.force_approval_groups <> '{}' THEN pg_catalog.to_jsonb(r.force_approval_groups) END,
			'skip_review_groups', CASE WHEN r.skip_review_groups <> '{}' THEN pg_catalog.to_jsonb(r.skip_review_groups) END,
			'min_approvals', r.min_approvals,
			'access_max_duration', r.access_max_duration))
$$;

-- hoop's validation, for create and update.
CREATE FUNCTION hoop_mcp._check_rule(access_type text, connection_names text[], reviewers_groups text[],
									 all_groups_must_approve boolean, min_approvals integer,
									 approval_required_groups text[], skip_review_groups text[],
									 attributes text[], access_max_duration integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF coalesce(pg_catalog.cardinality(attributes), 0) > 0 THEN
		RAISE EXCEPTION 'attributes are not supported by hoop_mcp' USING ERRCODE = 'feature_not_supported',
			HINT = 'Name the connections in connection_names.';
	END IF;
	IF coalesce(pg_catalog.cardinality(connection_names), 0) = 0 THEN
		RAISE EXCEPTION 'either connection_names or attributes must have at least 1 entry'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF access_type IS NULL OR access_type NOT IN ('jit', 'command', 'jit_command') THEN
		RAISE EXCEPTION 'access_type must be one of ''jit'', ''command'' or ''jit_command'''
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(pg_catalog.cardinality(reviewers_groups), 0) = 0 THEN
		RAISE EXCEPTION 'reviewers_groups must have at least 1 entry' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT coalesce(all_groups_must_approve, false) AND coalesce(min_approvals, 0) < 1 THEN
		RAISE EXCEPTION 'min_approvals must be at least 1 when all_groups_must_approve is false'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(pg_catalog.cardinality(skip_review_groups), 0) > 0 AND
	   coalesce(pg_catalog.cardinality(approval_required_groups), 0) > 0 THEN
		RAISE EXCEPTION 'skip_review_groups can only be set when approval_required_groups is empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF access_max_duration IS NOT NULL AND access_max_duration < 1 THEN
		RAISE EXCEPTION 'access_max_duration must be a positive number of seconds'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_list(page integer DEFAULT NULL, page_size integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	p integer := greatest(coalesce(page, 1), 1);
	size integer := greatest(coalesce(page_size, 0), 0);
	total bigint;
	data jsonb;
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	SELECT pg_catalog.count(*) INTO total FROM hoop_mcp.access_request_rules;
	SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._rule_map(r) ORDER BY r.name), '[]') INTO data
	FROM (SELECT * FROM hoop_mcp.access_request_rules ORDER BY name
		  LIMIT CASE WHEN size > 0 THEN size END OFFSET CASE WHEN size > 0 THEN (p - 1) * size ELSE 0 END) r;
	RETURN pg_catalog.jsonb_build_object(
		'pages', pg_catalog.jsonb_build_object('total', total, 'page', p, 'size', size),
		'data', data);
END
$$;
SELECT hoop_mcp._tool('access_request_rules_list',
	'List access request rules: which executions need a review and who reviews them (admin or auditor).',
	arguments => '{
		"page": "page number, from 1",
		"page_size": "rules per page; 0 for all"}',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp._rule_by_name(name text) RETURNS hoop_mcp.access_request_rules
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.access_request_rules;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO r FROM hoop_mcp.access_request_rules x WHERE x.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'access request rule not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN r;
END
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_get(name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN hoop_mcp._rule_map(hoop_mcp._rule_by_name(access_request_rules_get.name));
END
$$;
SELECT hoop_mcp._tool('access_request_rules_get',
	'Get an access request rule by name (admin or auditor).',
	arguments => '{"name": "rule name"}',
	annotations => '{"readOnlyHint": true}');

-- Create (replace = false) or replace every field of a rule (hoop's update
-- is a full replacement).
CREATE FUNCTION hoop_mcp._rule_save(replace boolean, name text, access_type text,
									approval_required_groups text[], reviewers_groups text[],
									all_groups_must_approve boolean, description text,
									connection_names text[], force_approval_groups text[],
									skip_review_groups text[], min_approvals integer,
									access_max_duration integer, attributes text[])
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.access_request_rules;
	names text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(_rule_save.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT replace AND NOT hoop_mcp._name_valid(_rule_save.name) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_rule(access_type, connection_names, reviewers_groups, all_groups_must_approve,
								 min_approvals, approval_required_groups, skip_review_groups, attributes,
								 access_max_duration);
	SELECT pg_catalog.array_agg(DISTINCT c ORDER BY c) INTO names FROM pg_catalog.unnest(connection_names) c;
	IF EXISTS (SELECT 1 FROM hoop_mcp.access_request_rules x
			   WHERE x.access_type = _rule_save.access_type AND x.name <> _rule_save.name
				 AND (SELECT pg_catalog.array_agg(DISTINCT c ORDER BY c) FROM pg_catalog.unnest(x.connection_names) c) = names) THEN
		RAISE EXCEPTION 'an access request rule with the same connection names and access type already exists'
			USING ERRCODE = 'unique_violation';
	END IF;
	IF replace THEN
		UPDATE hoop_mcp.access_request_rules x SET
			access_type = _rule_save.access_type, description = _rule_save.description,
			connection_names = names,
			approval_required_groups = coalesce(_rule_save.approval_required_groups, '{}'),
			reviewers_groups = _rule_save.reviewers_groups,
			all_groups_must_approve = coalesce(_rule_save.all_groups_must_approve, false),
			min_approvals = _rule_save.min_approvals,
			force_approval_groups = coalesce(_rule_save.force_approval_groups, '{}'),
			skip_review_groups = coalesce(_rule_save.skip_review_groups, '{}'),
			access_max_duration = _rule_save.access_max_duration,
			updated_at = pg_catalog.now()
		WHERE x.name = _rule_save.name
		RETURNING * INTO r;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'access request rule not found' USING ERRCODE = 'no_data_found';
		END IF;
	ELSE
		BEGIN
			INSERT INTO hoop_mcp.access_request_rules AS x (name, access_type, description, connection_names,
				approval_required_groups, reviewers_groups, all_groups_must_approve, min_approvals,
				force_approval_groups, skip_review_groups, access_max_duration)
			VALUES (_rule_save.name, _rule_save.access_type, _rule_save.description, names,
				coalesce(_rule_save.approval_required_groups, '{}'), _rule_save.reviewers_groups,
				coalesce(_rule_save.all_groups_must_approve, false), _rule_save.min_approvals,
				coalesce(_rule_save.force_approval_groups, '{}'), coalesce(_rule_save.skip_review_groups, '{}'),
				_rule_save.access_max_duration)
			RETURNING * INTO r;
		EXCEPTION WHEN unique_violation THEN
			RAISE EXCEPTION 'access request rule with the same name already exists' USING ERRCODE = 'unique_violation';
		END;
	END IF;
	RETURN hoop_mcp._rule_map(r);
END
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_create(name text, access_type text,
		approval_required_groups text[], reviewers_groups text[], all_groups_must_approve boolean,
		description text DEFAULT NULL, connection_names text[] DEFAULT NULL,
		force_approval_groups text[] DEFAULT NULL, skip_review_groups text[] DEFAULT NULL,
		min_approvals integer DEFAULT NULL, access_max_duration integer DEFAULT NULL,
		attributes text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._rule_save(false, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
$$;
SELECT hoop_mcp._tool('access_request_rules_create',
	'Create an access request rule (admin only). An exec on one of its connections by a user the rule applies to is stored with a PENDING review instead of running.',
	arguments => '{
		"name": "rule name",
		"access_type": "jit (access for a duration), command (each execution is reviewed) or jit_command (both)",
		"approval_required_groups": "groups whose members need approval; empty means every user",
		"reviewers_groups": "groups whose members review",
		"all_groups_must_approve": "every reviewer group must approve",
		"description": "what the rule is for",
		"connection_names": "connections the rule applies to",
		"force_approval_groups": "groups that may approve at once with force_review",
		"skip_review_groups": "groups never reviewed (only when approval_required_groups is empty)",
		"min_approvals": "approvals needed when all_groups_must_approve is false",
		"access_max_duration": "JIT access duration in seconds (default 900, at most 172800)",
		"attributes": "not supported by hoop_mcp; name connections instead"}');

CREATE FUNCTION hoop_mcp.access_request_rules_update(name text, access_type text,
		approval_required_groups text[], reviewers_groups text[], all_groups_must_approve boolean,
		description text DEFAULT NULL, connection_names text[] DEFAULT NULL,
		force_approval_groups text[] DEFAULT NULL, skip_review_groups text[] DEFAULT NULL,
		min_approvals integer DEFAULT NULL, access_max_duration integer DEFAULT NULL,
		attributes text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._rule_save(true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
$$;
-- hoop's update is a full replacement of the rule, found by name: it takes
-- create's arguments, described once there.
SELECT hoop_mcp._tool('access_request_rules_update',
	'Replace every field of an access request rule, found by name (admin only).',
	arguments => (SELECT pg_catalog.jsonb_object_agg(a.key, a.value->'description')
				  FROM hoop_mcp.tools t, pg_catalog.jsonb_each(t.input_schema->'properties') a
				  WHERE t.name = 'access_request_rules_create'),
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.access_request_rules_delete(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._rule_by_name(access_request_rules_delete.name);
	DELETE FROM hoop_mcp.access_request_rules x WHERE x.name = access_request_rules_delete.name;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('access request rule "%s" deleted successfully',
												 access_request_rules_delete.name));
END
$$;
SELECT hoop_mcp._tool('access_request_rules_delete',
	'Delete an access request rule by name (admin only).',
	arguments => '{"name": "rule name"}',
	annotations => '{"destructiveHint": true}');
