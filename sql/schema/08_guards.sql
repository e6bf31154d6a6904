-- Append-only guard for sessions and the audit log: refuses DELETE and
-- TRUNCATE always, and UPDATE unless the worker is finishing a session.
-- In C, because it fires on every finished exec.
CREATE FUNCTION hoop_mcp._append_only() RETURNS trigger
	AS 'MODULE_PATHNAME', 'hoop_mcp_append_only' LANGUAGE C;
CREATE TRIGGER sessions_append_only BEFORE UPDATE OR DELETE ON hoop_mcp.sessions
	FOR EACH ROW EXECUTE FUNCTION hoop_mcp._append_only();
CREATE TRIGGER security_audit_log_append_only BEFORE UPDATE OR DELETE ON hoop_mcp.security_audit_log
	FOR EACH ROW EXECUTE FUNCTION hoop_mcp._append_only();
CREATE TRIGGER sessions_no_truncate BEFORE TRUNCATE ON hoop_mcp.sessions
	FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._append_only();
CREATE TRIGGER security_audit_log_no_truncate BEFORE TRUNCATE ON hoop_mcp.security_audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._append_only();
-- ALWAYS: session_replication_role = replica, which skips ordinary
-- triggers, must not skip these.  (A superuser can still drop them; the
-- promise is against accidents and everyone else.)
ALTER TABLE hoop_mcp.sessions ENABLE ALWAYS TRIGGER sessions_append_only,
	ENABLE ALWAYS TRIGGER sessions_no_truncate;
ALTER TABLE hoop_mcp.security_audit_log ENABLE ALWAYS TRIGGER security_audit_log_append_only,
	ENABLE ALWAYS TRIGGER security_audit_log_no_truncate;

-- The worker caches users, keys and connections; these triggers tell it,
-- at commit, that one of their tables changed.
CREATE FUNCTION hoop_mcp._cache_invalidate() RETURNS trigger
	AS 'MODULE_PATHNAME', 'hoop_mcp_cache_invalidate' LANGUAGE C;
DO $triggers$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['users', 'groups', 'user_groups', 'api_keys', 'connections',
							 'connection_secrets', 'access_control', 'plugins', 'access_request_rules'] LOOP
		EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hoop_mcp.%I
			FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._cache_invalidate()', t || '_changed', t);
		-- A revoked key is refused even when revoked with triggers "off".
		EXECUTE pg_catalog.format('ALTER TABLE hoop_mcp.%I ENABLE ALWAYS TRIGGER %I', t, t || '_changed');
	END LOOP;
END
$triggers$;

-- org and auth_config hold one row, made at install.  A row inserted into
-- them replaces it: that is how pg_restore, which runs CREATE EXTENSION and
-- then copies the dumped row in, brings back the organisation's ID and the
-- identity provider.
CREATE FUNCTION hoop_mcp._replace_the_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE pg_catalog.format('DELETE FROM ONLY %s', TG_RELID::pg_catalog.regclass);
	RETURN NEW;
END
$$;
CREATE TRIGGER org_replace_the_row BEFORE INSERT ON hoop_mcp.org
	FOR EACH ROW EXECUTE FUNCTION hoop_mcp._replace_the_row();

-- pg_dump keeps the data of every configuration and history table.
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.org', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.users', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.groups', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.user_groups', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.api_keys', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.connections', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.connection_secrets', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.plugins', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.access_control', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.sessions', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.access_request_rules', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.reviews', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.review_groups', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.security_audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.security_audit_log_id_seq', '');
