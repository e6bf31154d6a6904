-- ===========================================================================
-- Privileges
-- ===========================================================================

-- Nothing is PUBLIC by default; the tool functions are, and check the
-- caller themselves.
REVOKE ALL ON ALL TABLES IN SCHEMA hoop_mcp FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hoop_mcp FROM PUBLIC;
GRANT USAGE ON SCHEMA hoop_mcp TO PUBLIC;

DO $grants$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT name FROM hoop_mcp.tools LOOP
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION hoop_mcp.%I TO PUBLIC', t.name);
	END LOOP;
END
$grants$;

GRANT EXECUTE ON FUNCTION hoop_mcp.create_user(text, text[], text, name),
	hoop_mcp.set_user_groups(text, text[]), hoop_mcp.set_user_status(text, text),
	hoop_mcp.create_api_key(text, text, timestamptz), hoop_mcp.revoke_api_key(text),
	hoop_mcp.list_api_keys(text),
	hoop_mcp.create_connection(text, text, jsonb, text, text, text[], boolean, boolean, boolean, text, text, integer)
	TO hoop_mcp_admin;
-- The tool functions call these through SECURITY DEFINER functions; the
-- hand-off is called directly by exec and the schema tools.
GRANT EXECUTE ON FUNCTION hoop_mcp._worker_call(text, jsonb) TO PUBLIC;
-- Pure functions of their argument: anyone may ask what an input would do.
GRANT EXECUTE ON FUNCTION hoop_mcp.analyse(text), hoop_mcp.read_only_refusal(text),
	hoop_mcp.mask_text(text, text[], double precision), hoop_mcp.entity_types(text[]), hoop_mcp.risk_analysis(text) TO PUBLIC;
-- reviews_wait (C, the caller's rights) reads the review through this; it
-- checks visibility itself.
GRANT EXECUTE ON FUNCTION hoop_mcp._review_state(text) TO PUBLIC;
-- The JWT utilities are for anyone: they touch no table.
GRANT EXECUTE ON FUNCTION hoop_mcp.sign(json, text, text),
	hoop_mcp.verify(text, text, text) TO PUBLIC;

-- Auditors read everything but secrets and key hashes.
GRANT SELECT ON hoop_mcp.org, hoop_mcp.users, hoop_mcp.groups, hoop_mcp.user_groups,
	hoop_mcp.connections, hoop_mcp.plugins, hoop_mcp.access_control, hoop_mcp.sessions,
	hoop_mcp.security_audit_log, hoop_mcp.tools, hoop_mcp.access_request_rules,
	hoop_mcp.reviews, hoop_mcp.review_groups, hoop_mcp.jit_grants,
	hoop_mcp.guardrail_rules, hoop_mcp.guardrail_rules_connections,
	hoop_mcp.datamasking_rules, hoop_mcp.datamasking_rules_connections, hoop_mcp.connection_rules,
	hoop_mcp.session_policy
	TO hoop_mcp_auditor;
GRANT SELECT (id, user_id, prefix, description, created_at, expires_at, revoked_at, last_used_at)
	ON hoop_mcp.api_keys TO hoop_mcp_auditor;
GRANT SELECT (issuer, jwks, jwks_uri, jwks_fetched_at, provider_metadata, mcp_enabled, resource_uri,
			  groups_claim, client_id, updated_at)
	ON hoop_mcp.auth_config TO hoop_mcp_auditor;
GRANT EXECUTE ON FUNCTION hoop_mcp.configure_oidc(text, jsonb, text),
	hoop_mcp.mcp_auth_enable(text, text, text, text), hoop_mcp.mcp_auth_disable(),
	hoop_mcp.mcp_auth_configure(text, text, text, text)
	TO hoop_mcp_admin;
GRANT EXECUTE ON FUNCTION hoop_mcp.mcp_auth_status() TO hoop_mcp_admin, hoop_mcp_auditor;
