-- ===========================================================================
-- Tools: access control (hoop's access_control_* tools, admin only)
-- ===========================================================================

CREATE FUNCTION hoop_mcp._connection_by_name(name text) RETURNS hoop_mcp.connections
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'connection_name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO c FROM hoop_mcp.connections x WHERE x.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection "%" not found', $1 USING ERRCODE = 'no_data_found';
	END IF;
	RETURN c;
END
$$;

CREATE FUNCTION hoop_mcp.access_control_set(connection_name text, groups text[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
	clean text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	c := hoop_mcp._connection_by_name(connection_name);
	SELECT pg_catalog.array_agg(DISTINCT g ORDER BY g) INTO clean
	FROM pg_catalog.unnest(groups) g WHERE coalesce(g, '') <> '';
	IF clean IS NULL THEN
		RAISE EXCEPTION 'groups must contain at least one user group; use access_control_unset to remove the binding'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO hoop_mcp.plugins (name) VALUES ('access_control') ON CONFLICT DO NOTHING;
	PERFORM hoop_mcp._ensure_groups(clean);
	INSERT INTO hoop_mcp.access_control (connection_id, allowed_groups) VALUES (c.id, clean)
	ON CONFLICT (connection_id) DO UPDATE SET allowed_groups = excluded.allowed_groups, updated_at = pg_catalog.now();
	RETURN pg_catalog.jsonb_build_object('connection_name', c.name, 'connection_id', c.id,
										 'allowed_groups', pg_catalog.to_jsonb(clean));
END
$$;
SELECT hoop_mcp._tool('access_control_set',
	'Bind a connection to the user groups allowed to see and use it (admin only). Replaces the current list. Once any binding exists, non-admin users see only connections bound to one of their groups.',
	arguments => '{
		"connection_name": "connection name",
		"groups": "user groups allowed to use the connection"}');

CREATE FUNCTION hoop_mcp.access_control_unset(connection_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
BEGIN
	PERFORM hoop_mcp._require_admin();
	c := hoop_mcp._connection_by_name(connection_name);
	DELETE FROM hoop_mcp.access_control WHERE connection_id = c.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection "%" has no access_control binding', c.name USING ERRCODE = 'no_data_found';
	END IF;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('access_control binding removed from connection "%s"', c.name));
END
$$;
SELECT hoop_mcp._tool('access_control_unset',
	'Remove a connection''s access control binding (admin only).',
	arguments => '{"connection_name": "connection name"}',
	annotations => '{"destructiveHint": true}');

CREATE FUNCTION hoop_mcp.access_control_get(connection_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
	groups text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	c := hoop_mcp._connection_by_name(connection_name);
	SELECT allowed_groups INTO groups FROM hoop_mcp.access_control WHERE connection_id = c.id;
	IF groups IS NULL THEN
		-- Unlike hoop's note, say what really happens once the plugin exists.
		RETURN pg_catalog.jsonb_build_object('connection_name', c.name, 'connection_id', c.id,
			'allowed_groups', '[]'::jsonb,
			'note', CASE WHEN EXISTS (SELECT 1 FROM hoop_mcp.plugins WHERE name = 'access_control')
						 THEN 'no access_control binding — connection is visible to admins and auditors only'
						 ELSE 'no access_control binding — connection is visible to all users' END);
	END IF;
	RETURN pg_catalog.jsonb_build_object('connection_name', c.name, 'connection_id', c.id,
										 'allowed_groups', pg_catalog.to_jsonb(groups));
END
$$;
SELECT hoop_mcp._tool('access_control_get',
	'Get the user groups bound to a connection (admin only).',
	arguments => '{"connection_name": "connection name"}',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.access_control_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'connection_id', c.id, 'connection_name', c.name,
				'allowed_groups', pg_catalog.to_jsonb(a.allowed_groups)) ORDER BY c.name), '[]')
			FROM hoop_mcp.access_control a JOIN hoop_mcp.connections c ON c.id = a.connection_id);
END
$$;
SELECT hoop_mcp._tool('access_control_list',
	'List every connection''s access control binding (admin only).',
	annotations => '{"readOnlyHint": true}');
