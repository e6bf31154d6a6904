-- Who may read and call what: auditor role, plain users, unmapped roles.
\set SHOW_CONTEXT never
CREATE ROLE regress_auditor IN ROLE hoop_mcp_auditor;
SET ROLE regress_auditor;
SELECT count(*) > 0 AS reads_sessions FROM hoop_mcp.sessions;
SELECT count(*) >= 0 AS reads_audit_log FROM hoop_mcp.security_audit_log;
SELECT count(*) > 0 AS reads_key_metadata FROM (SELECT prefix, revoked_at FROM hoop_mcp.api_keys) k;
SELECT key_hash FROM hoop_mcp.api_keys;
SELECT * FROM hoop_mcp.connection_secrets;
INSERT INTO hoop_mcp.groups (name) VALUES ('sneaky');
-- The auditor role may use the admin-or-auditor tools without a mapping.
SELECT jsonb_array_length(hoop_mcp.users_list()) AS users;
SELECT hoop_mcp.users_get('bob@example.com') ->> 'status' AS bob;
SELECT hoop_mcp.connections_delete('shop-pg');
RESET ROLE;

SET ROLE regress_bob;
SELECT count(*) FROM hoop_mcp.sessions;
SELECT count(*) FROM hoop_mcp.users;
SELECT hoop_mcp.users_list();
SELECT hoop_mcp.usergroups_list();
-- Internal functions are not for callers.
SELECT hoop_mcp._random_bytes(16);
SELECT hoop_mcp._conninfo_parse('host=x');
-- exec and the schema tools run in the worker's database only.
SELECT hoop_mcp.exec(connection_name => 'shop-pg', input => 'select 1');
SET ROLE regress_nobody;
SELECT hoop_mcp.exec(connection_name => 'shop-pg', input => 'select 1');
SELECT hoop_mcp.connections_list();
RESET ROLE;

-- Clean up what pg_regress cannot (roles are cluster-wide).
DROP EXTENSION hoop_mcp;
DROP ROLE regress_alice, regress_bob, regress_nobody, regress_auditor;
