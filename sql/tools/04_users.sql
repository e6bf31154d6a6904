-- ===========================================================================
-- Tools: users and groups (read side; hoop has no users_create)
-- ===========================================================================

CREATE FUNCTION hoop_mcp._user_map(u hoop_mcp.users) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object('id', u.subject, 'email', u.email, 'name', coalesce(u.name, ''),
			'status', u.status, 'verified', u.verified,
			'groups', pg_catalog.to_jsonb(hoop_mcp._user_groups(u.id)))
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('slack_id', u.slack_id))
$$;

-- Unlike hoop (any user), users_list and users_get need admin or auditor.
CREATE FUNCTION hoop_mcp.users_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._user_map(u) ORDER BY u.email), '[]') FROM hoop_mcp.users u);
END
$$;
SELECT hoop_mcp._tool('users_list',
	'List users (admin or auditor).',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.users_get(email text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	IF coalesce(users_get.email, '') = '' THEN
		RAISE EXCEPTION 'email is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO u FROM hoop_mcp.users x WHERE x.email = pg_catalog.lower(users_get.email);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN hoop_mcp._user_map(u);
END
$$;
SELECT hoop_mcp._tool('users_get',
	'Get a user by email (admin or auditor).',
	arguments => '{"email": "user email"}',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.usergroups_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._actor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(g.name ORDER BY g.name), '[]') FROM hoop_mcp.groups g);
END
$$;
SELECT hoop_mcp._tool('usergroups_list',
	'List the user groups, including groups without members.',
	annotations => '{"readOnlyHint": true}');
