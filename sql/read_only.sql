-- The statement analyser and read-only connections: what the analyser
-- finds, what a read-only connection refuses and why, the settings and
-- their errors.  (The bypass corpus runs end to end: test/e2e/read_only.)
\set SHOW_CONTEXT never

-- One object per statement, as psql would send them.
SELECT jsonb_pretty(hoop_mcp.analyse($$
SELECT a.id, lower(a.name) FROM app.accounts a JOIN orders o ON o.account = a.id WHERE a.id = 1;
UPDATE orders SET paid = true;
DELETE FROM orders WHERE id = 2;
WITH gone AS (DELETE FROM sessions RETURNING *) SELECT count(*) FROM gone;
SET LOCAL statement_timeout = '1s'; RESET ALL; SET TRANSACTION READ WRITE;
BEGIN; COMMIT;
COPY orders FROM STDIN;
1	this line is COPY data, not a statement
\.
COPY (SELECT 1) TO PROGRAM 'true';
EXPLAIN ANALYZE INSERT INTO orders VALUES (1);
SELECT 1 \; SELECT * FROM t FOR SHARE;
CREATE TABLE x (a int); CALL p(1); DO $x$ BEGIN END $x$; VACUUM; selec 1;
$$));

-- psql's variables stand as placeholders; a meta-command ends the input,
-- \q after sending what it holds.
SELECT hoop_mcp.analyse($$SELECT :DBNAME, :'USER', :"HOST"$$)->0->>'text' AS text;
SELECT jsonb_array_length(hoop_mcp.analyse(E'SELECT 1;\n\\d\nDELETE FROM t;')) AS before_backslash;
SELECT hoop_mcp.analyse(E'DELETE FROM t\n\\q\nSELECT 1;')->0->>'command' AS sent_by_q;

-- What a read-only connection refuses, in its own words; NULL runs.
SELECT input, hoop_mcp.read_only_refusal(input) AS refusal
FROM (VALUES ('SELECT 1; SHOW work_mem; SET search_path = x; EXPLAIN DELETE FROM t'),
             ('SELECT 1; COMMIT; DROP TABLE t'),
             ('BEGIN READ WRITE'),
             ('SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE'),
             ('SELECT pg_catalog.set_config(''role'', ''x'', false)'),
             ('SELECT * FROM dblink(''x'', ''y'') AS t(a int)'),
             ('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d'),
             ('SELECT * FROM t FOR NO KEY UPDATE'),
             ('COPY t TO STDOUT'),
             ('SET statement_timeout = 0'),
             ('PREPARE p AS UPDATE t SET a = 1'),
             ('SELECT ''' || repeat('x', 100) || ''' FROM nowhere WHERE'),
             ('')) AS v(input);

-- Nothing can crash or stall it: 10,000 statements, a 4 MB input,
-- expressions nested past the parser's and the stack's depth.
SELECT jsonb_array_length(hoop_mcp.analyse(repeat('SELECT 1; ', 10000))) AS statements;
SELECT hoop_mcp.read_only_refusal('SELECT ''' || repeat('x', 4 * 1024 * 1024) || '''') IS NULL AS four_mb_read;
SELECT hoop_mcp.analyse('SELECT ' || repeat('(', 100000) || '1' || repeat(')', 100000))->0->>'error' AS too_deep_to_parse;
SELECT left(hoop_mcp.analyse('SELECT 1' || repeat(' + 1', 200000))->0->>'error', 27) AS too_deep_to_walk;
SELECT left(hoop_mcp.read_only_refusal('SELECT 1' || repeat(' + 1', 200000)), 100) AS refused_when_in_doubt;

-- The settings, and their errors.
SELECT hoop_mcp.create_connection('ro-regress', 'host=x password=p', read_only => true,
       statement_timeout => '2s', connect_timeout => '3s', max_rows => 100) IS NOT NULL AS created;
SET ROLE regress_alice;
SELECT c - 'id' - 'command' FROM hoop_mcp.connections_get('ro-regress') c;
RESET ROLE;
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', statement_timeout => 'soon');
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', statement_timeout => '-1s');
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', statement_timeout => '2 parsecs');
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', connect_timeout => '1ms');
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', max_rows => -5);
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', read_only => NULL);
SELECT hoop_mcp.create_connection('ro-bad', 'host=x password=p', read_only => 'maybe');
SET ROLE regress_alice;
SELECT hoop_mcp.connections_update('ro-regress', read_only => false, statement_timeout => '', max_rows => 0)
       - 'id' - 'command' AS updated;
SELECT hoop_mcp.connections_update('ro-regress', connect_timeout => 'later');
RESET ROLE;
SELECT count(*) AS left_behind FROM hoop_mcp.connections WHERE name = 'ro-bad';
SELECT hoop_mcp.connections_delete('ro-regress');
