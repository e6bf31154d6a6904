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

-- Options that make libpq read the server's files need a superuser too.
SELECT hoop_mcp.create_connection('files-pg', 'host=x password=p passfile=/tmp/pgpass');
SELECT hoop_mcp.create_connection('files-pg', 'host=x password=p sslkey=/tmp/k sslmode=require');
SELECT hoop_mcp.create_connection('files-pg', 'host=x password=p service=prod');
SELECT hoop_mcp.create_connection('files-pg', 'host=x password=p gssencmode=prefer');
SELECT hoop_mcp.create_connection('files-pg', 'host=x password=p gssencmode=disable sslmode=verify-full connect_timeout=5')
       IS NOT NULL AS safe_options_ok;
SELECT hoop_mcp.create_connection('files2-pg', 'host=x passfile=/tmp/pgpass', allow_server_files => true)
       IS NOT NULL AS superuser_may_allow_files;
GRANT hoop_mcp_admin TO regress_bob;
SET ROLE regress_bob;
SELECT hoop_mcp.create_connection('files3-pg', 'host=x password=p', allow_server_files => true);
RESET ROLE;
REVOKE hoop_mcp_admin FROM regress_bob;
SET ROLE regress_alice;
SELECT hoop_mcp.connections_create(name => 'files4-pg', type => 'database', subtype => 'postgres',
       secrets => jsonb_build_object('envvar:HOST', encode(convert_to('x', 'UTF8'), 'base64'),
                                     'envvar:PASSFILE', encode(convert_to('/tmp/pgpass', 'UTF8'), 'base64')));
-- New secrets from a hoop admin withdraw what a superuser allowed the old ones.
SELECT hoop_mcp.connections_update(name => 'files2-pg', secrets => '{"envvar:HOST": "eQ=="}') IS NOT NULL AS updated;
SELECT hoop_mcp.connections_update(name => 'local-pg', secrets => '{"envvar:HOST": "L3RtcA=="}') IS NOT NULL AS updated;
RESET ROLE;
SELECT c.name, s.allow_passwordless, s.allow_server_files
FROM hoop_mcp.connection_secrets s JOIN hoop_mcp.connections c ON c.id = s.connection_id
WHERE c.name IN ('files2-pg', 'local-pg') ORDER BY c.name;
SELECT hoop_mcp._unsafe_connection_option('{"envvar:HOST": "eA==", "envvar:SSLROOTCERT": "eA=="}') AS unsafe,
       hoop_mcp._unsafe_connection_option('{"envvar:HOST": "eA==", "envvar:SID": "eA=="}') AS not_libpq_is_ignored;
