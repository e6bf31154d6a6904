-- Connections: creation from a conninfo, hoop's tools, visibility.
\set SHOW_CONTEXT never
SELECT hoop_mcp.create_connection('shop-pg', 'host=db.internal port=5433 dbname=shop user=agent password=s3cret sslmode=require',
                                  tags => '{"env":"prod","team":"data"}') IS NOT NULL AS created;
SELECT name, type, subtype, status, command, tags, access_mode_exec, access_schema FROM hoop_mcp.connections;
-- Secrets are hoop's base64 env map.
SELECT key, convert_from(decode(value, 'base64'), 'UTF8') AS value
FROM hoop_mcp.connection_secrets s, jsonb_each_text(s.envs) ORDER BY key;

-- Bad input.
SELECT hoop_mcp.create_connection('shop-pg', 'host=x');
SELECT hoop_mcp.create_connection('x', 'host=x');
SELECT hoop_mcp.create_connection('other-pg', 'host=x nonsense=1');
SELECT hoop_mcp.create_connection('other-pg', 'host=x password=') IS NOT NULL AS empty_password_ok;
SELECT hoop_mcp.create_connection('other-pg', 'host=x password=hunter2 dbname');

-- Tools, as the admin alice and the developer bob.
SET ROLE regress_alice;
SELECT hoop_mcp.connections_create(name => 'app-api', type => 'application', subtype => 'httpproxy',
       secrets => '{"envvar:REMOTE_URL": "aHR0cDovL2FwaQ=="}', tags => '{"env":"dev"}') - 'id';
SELECT hoop_mcp.connections_create(name => 'metrics-pg', type => 'database', subtype => 'postgres',
       secrets => '{"envvar:HOST": "bG9jYWxob3N0", "envvar:PASS": "cHc="}', access_mode_exec => 'disabled') - 'id';
SELECT hoop_mcp.connections_create(name => 'no', type => 'database');
SELECT hoop_mcp.connections_create(name => 'app-api', type => 'database');
SELECT hoop_mcp.connections_create(name => 'bad-type', type => 'spaceship');
SELECT hoop_mcp.connections_create(name => 'bad-secret', type => 'database', secrets => '{"envvar:HOST": "!!"}');
SELECT hoop_mcp.connections_create(name => 'bad-mode', type => 'database', access_mode_exec => 'maybe');
SELECT (hoop_mcp.connections_get('metrics-pg'))->'secrets' AS admin_sees_secrets;
SELECT jsonb_array_length(hoop_mcp.connections_list()) AS all_connections;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(type => 'database'), '$[*].name') AS databases;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(name => 'shop%'), '$[*].name') AS by_name;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(search => 'HTTPPROXY'), '$[*].name') AS by_search;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(tag_selector => 'env=prod, team!=ops'), '$[*].name') AS by_tags;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(tag_selector => 'env!=prod'), '$[*].name') AS not_prod;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(tags => '{env=dev}'), '$[*].name') AS legacy_tags;
SELECT hoop_mcp.connections_list(tag_selector => 'env');
SELECT hoop_mcp.connections_list(tag_selector => '=prod');
SELECT hoop_mcp.connections_update(name => 'app-api', tags => '{"env":"staging"}', access_mode_exec => 'disabled')
       - 'id' - 'command';
SELECT hoop_mcp.connections_update(name => 'app-api', subtype => '') ->> 'subtype' AS subtype_kept;
SELECT hoop_mcp.connections_update(name => 'ghost');
RESET ROLE;
UPDATE hoop_mcp.connections SET managed_by = 'terraform' WHERE name = 'app-api';
SET ROLE regress_alice;
SELECT hoop_mcp.connections_update(name => 'app-api', subtype => 'tcp');
SELECT hoop_mcp.connections_delete('app-api');
SELECT hoop_mcp.connections_delete('app-api');

SET ROLE regress_bob;
SELECT (hoop_mcp.connections_get('metrics-pg')) ? 'secrets' AS bob_sees_secrets;
SELECT hoop_mcp.connections_get('ghost');
SELECT hoop_mcp.connections_create(name => 'bobs-pg', type => 'database');
SELECT hoop_mcp.connections_delete('metrics-pg');
SELECT hoop_mcp.access_control_set('metrics-pg', '{dev}');

-- Access control: once a binding exists, unbound connections disappear
-- for non-admin, non-auditor users.
SET ROLE regress_alice;
SELECT hoop_mcp.access_control_get('shop-pg') - 'connection_id';
SELECT hoop_mcp.access_control_set('metrics-pg', '{dev, dev, ""}') - 'connection_id';
SELECT hoop_mcp.access_control_set('metrics-pg', '{}');
SELECT hoop_mcp.access_control_set('ghost', '{dev}');
SELECT jsonb_path_query_array(hoop_mcp.access_control_list(), '$[*].connection_name') AS bound;
SELECT hoop_mcp.access_control_get('shop-pg') - 'connection_id';
SET ROLE regress_bob;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(), '$[*].name') AS bob_sees;
SELECT hoop_mcp.connections_get('shop-pg');
SET ROLE regress_alice;
SELECT hoop_mcp.access_control_unset('metrics-pg');
SELECT hoop_mcp.access_control_unset('metrics-pg');
SET ROLE regress_bob;
SELECT jsonb_path_query_array(hoop_mcp.connections_list(), '$[*].name') AS bob_sees_after_unset;
RESET ROLE;

-- Passwordless targets need a superuser.
SELECT hoop_mcp.create_connection('local-pg', 'host=/tmp dbname=x', allow_passwordless => true) IS NOT NULL AS superuser_may;
GRANT hoop_mcp_admin TO regress_bob;
SET ROLE regress_bob;
SELECT hoop_mcp.create_connection('local2-pg', 'host=/tmp dbname=x', allow_passwordless => true);
SELECT hoop_mcp.create_connection('remote2-pg', 'host=10.0.0.1 dbname=x password=p') IS NOT NULL AS admin_role_may;
RESET ROLE;
REVOKE hoop_mcp_admin FROM regress_bob;
