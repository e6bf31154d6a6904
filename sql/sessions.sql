-- Sessions: listing, reading, visibility, and the append-only guard.
\set SHOW_CONTEXT never
INSERT INTO hoop_mcp.sessions (id, user_id, user_email, user_name, connection, connection_type,
                               connection_subtype, verb, status, input, output, exit_code, created_at, ended_at)
SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
       u.subject, u.email, u.name, 'shop-pg', 'database', 'postgres', 'exec', 'done',
       'select ' || i, i || E'\n(1 row)\n', 0,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
       timestamptz '2026-01-01 00:00:01+00' + i * interval '1 hour'
FROM generate_series(1, 30) i
JOIN hoop_mcp.users u ON u.email = CASE WHEN i % 3 = 0 THEN 'alice@example.com' ELSE 'bob@example.com' END;

SET ROLE regress_bob;
SELECT (r->>'total')::int AS total, r->'has_next_page' AS more, r->'total_is_capped' AS capped,
       jsonb_array_length(r->'items') AS items, r->'items'->0->>'id' AS newest
FROM hoop_mcp.sessions_list() r;
SELECT jsonb_path_query_array(hoop_mcp.sessions_list("limit" => 3, "offset" => 1), '$.items[*].id') AS page;
SELECT (hoop_mcp.sessions_list("limit" => 500))->>'total' AS clamped_total;
SELECT hoop_mcp.sessions_list("limit" => -1);
SELECT hoop_mcp.sessions_list("offset" => -1);
SELECT hoop_mcp.sessions_list("offset" => 10001);
SELECT hoop_mcp.sessions_list(start_date => 'yesterday');
SELECT hoop_mcp.sessions_list(start_date => '2026-01-01T00:00:00Z', end_date => '2026-01-01');
SELECT (hoop_mcp.sessions_list(start_date => '2026-01-01T00:00:00Z', end_date => '2026-01-01T05:00:00Z'))->>'total' AS in_range;
SELECT (hoop_mcp.sessions_list(connection => 'nope%'))->>'total' AS other_connection;
SELECT hoop_mcp.sessions_get('00000000-0000-0000-0000-000000000001') - 'user_id';
SELECT hoop_mcp.sessions_get('00000000-0000-0000-0000-000000000003');
SELECT hoop_mcp.sessions_get('00000000-0000-0000-0000-000000000099');
SELECT hoop_mcp.sessions_get('');
SELECT hoop_mcp.sessions_get_content('00000000-0000-0000-0000-000000000002');
SELECT hoop_mcp.sessions_get_content('00000000-0000-0000-0000-000000000002', include_input => false, include_output => false);
SET ROLE regress_alice;
SELECT (hoop_mcp.sessions_list())->>'total' AS admin_total;
SELECT hoop_mcp.sessions_get('00000000-0000-0000-0000-000000000001')->>'user_email' AS admin_reads;
RESET ROLE;

-- sessions_cancel: only a running session (open, with an executor), by its
-- owner or an admin; the cancel itself goes out at commit (TAP tests it).
INSERT INTO hoop_mcp.sessions (id, user_id, user_email, connection, connection_type,
                               connection_subtype, verb, status, input, executor)
SELECT ('00000000-0000-0000-0000-0000000001' || n)::uuid, u.subject, u.email, 'shop-pg',
       'database', 'postgres', 'exec', 'open', 'select pg_sleep(60)', executor
FROM (VALUES ('01', 'worker 1'), ('02', NULL)) v(n, executor)
JOIN hoop_mcp.users u ON u.email = 'bob@example.com';
SET ROLE regress_bob;
SELECT hoop_mcp.sessions_cancel('');
SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000099');
SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000003');
SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000001');
SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000102');
SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000101') - 'message';
SELECT hoop_mcp._cancel_at_commit('00000000-0000-0000-0000-000000000101', 'by hand');
SET ROLE regress_alice;
SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000101')->>'status' AS admin_cancels;
RESET ROLE;

-- Append-only, even for superusers.
UPDATE hoop_mcp.sessions SET exit_code = 1 WHERE id = '00000000-0000-0000-0000-000000000001';
DELETE FROM hoop_mcp.sessions;
TRUNCATE hoop_mcp.sessions CASCADE;
TRUNCATE hoop_mcp.security_audit_log;
-- Even with session_replication_role = replica, which skips ordinary
-- triggers: the guards fire ALWAYS.
SET session_replication_role = replica;
DELETE FROM hoop_mcp.sessions WHERE id = '00000000-0000-0000-0000-000000000001';
UPDATE hoop_mcp.sessions SET exit_code = 1 WHERE id = '00000000-0000-0000-0000-000000000001';
TRUNCATE hoop_mcp.security_audit_log;
RESET session_replication_role;
