-- ===========================================================================
-- Tools: identity and server
-- ===========================================================================

CREATE FUNCTION hoop_mcp.me_get() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	o hoop_mcp.org;
BEGIN
	SELECT * INTO o FROM hoop_mcp.org;
	RETURN pg_catalog.jsonb_build_object(
		'user_id', u.subject, 'user_email', u.email, 'user_name', coalesce(u.name, ''),
		'org_id', o.id, 'org_name', o.name, 'groups', pg_catalog.to_jsonb(g),
		'is_admin', hoop_mcp._is_admin(g), 'is_auditor', hoop_mcp._is_auditor(g),
		'user_status', u.status);
END
$$;
SELECT hoop_mcp._tool('me_get',
	'Get the authenticated user''s profile: email, name, user_id, org_id, the groups they belong to, and whether they are an admin or auditor. Useful as a first call to understand what the current user can do.',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.serverinfo_get() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._actor();
	RETURN pg_catalog.jsonb_build_object(
		'version', (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'hoop_mcp'),
		'commit', '',
		'auth_method', 'local',
		'api_url', hoop_mcp._api_url(),
		'grpc_url', '',
		'tenancy_type', 'selfhosted',
		'idp_provider_name', '',
		'postgres_version', pg_catalog.current_setting('server_version'),
		'license_info', pg_catalog.jsonb_build_object(
			'is_valid', true, 'key_id', '', 'type', 'oss',
			'issued_at', 0,
			'expire_at', pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.now() + interval '10 years'))::bigint,
			'allowed_hosts', pg_catalog.jsonb_build_array('*'),
			'features', '[]'::jsonb));
END
$$;
SELECT hoop_mcp._tool('serverinfo_get',
	'Get gateway server information including version, auth method, license info, and feature flags',
	annotations => '{"readOnlyHint": true}');
