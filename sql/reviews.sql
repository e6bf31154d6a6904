-- Access request rules, reviews and their state machine (hoop-mcp.md 2.8, 5).
\set SHOW_CONTEXT never
CREATE ROLE regress_req;
CREATE ROLE regress_dba;
CREATE ROLE regress_sre;
CREATE ROLE regress_oncall;
CREATE ROLE regress_aud;
SELECT hoop_mcp.create_user('req@example.com', '{dev}', 'Req', 'regress_req') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('dba@example.com', '{dba}', 'Dba', 'regress_dba') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('sre@example.com', '{sre}', 'Sre', 'regress_sre') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('oncall@example.com', '{oncall}', 'Oncall', 'regress_oncall') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('aud@example.com', '{auditor}', 'Aud', 'regress_aud') IS NOT NULL AS created;

-- Rules: admins write, admins and auditors read; hoop's validation texts.
SET ROLE regress_alice;
SELECT hoop_mcp.access_request_rules_create('prod-review', 'command', '{}', '{dba,sre}', false,
	description => 'two reviewers for prod', connection_names => '{shop-pg}',
	force_approval_groups => '{oncall}', min_approvals => 2) - 'id' - 'created_at' - 'updated_at';
SELECT hoop_mcp.access_request_rules_create('jit-metrics', 'jit', '{dev}', '{dba}', true,
	connection_names => '{metrics-pg}', access_max_duration => 600) - 'id' - 'created_at' - 'updated_at';
SELECT hoop_mcp.access_request_rules_create('x', 'command', '{}', '{dba}', true, connection_names => '{a}');
SELECT hoop_mcp.access_request_rules_create('no-conns', 'command', '{}', '{dba}', true);
SELECT hoop_mcp.access_request_rules_create('bad-type', 'always', '{}', '{dba}', true, connection_names => '{a}');
SELECT hoop_mcp.access_request_rules_create('no-reviewers', 'command', '{}', '{}', true, connection_names => '{a}');
SELECT hoop_mcp.access_request_rules_create('no-min', 'command', '{}', '{dba}', false, connection_names => '{a}');
SELECT hoop_mcp.access_request_rules_create('skip-and-req', 'command', '{dev}', '{dba}', true,
	connection_names => '{a}', skip_review_groups => '{sre}');
SELECT hoop_mcp.access_request_rules_create('attrs', 'command', '{}', '{dba}', true, attributes => '{env=prod}');
SELECT hoop_mcp.access_request_rules_create('bad-duration', 'jit', '{}', '{dba}', true,
	connection_names => '{a}', access_max_duration => 0);
SELECT hoop_mcp.access_request_rules_create('same-again', 'command', '{}', '{dba}', true, connection_names => '{shop-pg}');
SELECT hoop_mcp.access_request_rules_create('prod-review', 'command', '{}', '{dba}', true, connection_names => '{other}');
SELECT jsonb_path_query_array(hoop_mcp.access_request_rules_list(), '$.data[*].name') AS names,
       hoop_mcp.access_request_rules_list(page => 2, page_size => 1)->'pages' AS pages;
SELECT hoop_mcp.access_request_rules_update('jit-metrics', 'jit', '{dev}', '{dba}', true,
	connection_names => '{metrics-pg}') - 'id' - 'created_at' - 'updated_at' AS replaced;
SELECT hoop_mcp.access_request_rules_update('missing', 'jit', '{}', '{dba}', true, connection_names => '{z}');
SELECT hoop_mcp.access_request_rules_get('nope');
SELECT hoop_mcp.access_request_rules_get('');
SET ROLE regress_aud;
SELECT hoop_mcp.access_request_rules_get('prod-review')->>'access_type' AS auditor_reads;
SELECT hoop_mcp.access_request_rules_delete('prod-review');
SET ROLE regress_req;
SELECT hoop_mcp.access_request_rules_list();
RESET ROLE;

-- The exec gate: which executions need a review.
SELECT u.email, g.review_type, (g.rule).name AS rule
FROM hoop_mcp.users u,
     LATERAL hoop_mcp._exec_gate(u.subject, hoop_mcp._user_groups(u.id), 'shop-pg') g
WHERE u.email IN ('req@example.com', 'dba@example.com') ORDER BY 1;
SELECT u.email, g.review_type, (g.rule).name AS rule
FROM hoop_mcp.users u,
     LATERAL hoop_mcp._exec_gate(u.subject, hoop_mcp._user_groups(u.id), 'metrics-pg') g
WHERE u.email IN ('req@example.com', 'dba@example.com') ORDER BY 1;
SELECT review_type IS NULL AS ungated FROM hoop_mcp._exec_gate('x', '{dev}', 'no-rule-pg');

-- A gated exec, stored as the worker stores it: session open, review PENDING.
CREATE FUNCTION pg_temp.gated(n int, who text, rule text, type text, conn text) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
	sid uuid := ('10000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid;
	u hoop_mcp.users;
BEGIN
	SELECT * INTO u FROM hoop_mcp.users WHERE email = who;
	INSERT INTO hoop_mcp.sessions (id, user_id, user_email, user_name, connection, connection_type,
		connection_subtype, verb, status, input)
	VALUES (sid, u.subject, u.email, u.name, conn, 'database', 'postgres', 'exec', 'open', 'DELETE FROM orders');
	PERFORM hoop_mcp._review_open(sid, type, rule);
	RETURN sid;
END
$$;
SELECT pg_temp.gated(1, 'req@example.com', 'prod-review', 'onetime', 'shop-pg') AS r1 \gset
SELECT status, executor IS NULL AS not_running FROM hoop_mcp.sessions WHERE id = :'r1';

SET ROLE regress_req;
SELECT r - 'created_at' - 'review_groups_data' AS review,
       jsonb_path_query_array(r, '$.review_groups_data[*] ? (@.status == "PENDING" && @.forced_review == false).group') AS pending_groups
FROM hoop_mcp.reviews_get(:'r1') r;
SELECT hoop_mcp.reviews_update(:'r1', 'approved');
SELECT hoop_mcp.reviews_update(:'r1', 'maybe');
SET ROLE regress_bob;
SELECT hoop_mcp.reviews_get(:'r1');
SELECT jsonb_array_length(hoop_mcp.reviews_list()) AS bob_sees;
SET ROLE regress_oncall;
SELECT hoop_mcp.reviews_get(:'r1')->>'status' AS force_group_reads;
SET ROLE regress_dba;
SELECT hoop_mcp.reviews_update(:'r1', 'APPROVED', force_review => true);
SELECT hoop_mcp.reviews_update(:'r1', 'APPROVED', time_window => '{"type":"time_range","configuration":{"start_time":"9:00","end_time":"17:00"}}');
SELECT hoop_mcp.reviews_update(:'r1', 'APPROVED', time_window => '{"type":"time_range","configuration":{"start_time":"09:00"}}');
SELECT hoop_mcp.reviews_update(:'r1', 'APPROVED', time_window => '{"type":"time_range","configuration":{"start_time":"09:00","end_time":"24:00"}}');
-- One of two groups: still PENDING.
SELECT r->>'status' AS status, jsonb_path_query_array(r, '$.review_groups_data[*] ? (@.status == "APPROVED").group') AS approved
FROM hoop_mcp.reviews_update(:'r1', 'APPROVED', time_window => '{"type":"time_range","configuration":{"start_time":"22:00","end_time":"06:00"}}') r;
SELECT jsonb_array_length(hoop_mcp.reviews_list()) AS dba_sees;
SET ROLE regress_sre;
SELECT hoop_mcp.reviews_update(:'r1', 'APPROVED', time_window => '{"type":"time_range","configuration":{"start_time":"01:00","end_time":"02:00"}}');
SELECT r->>'status' AS status, r->'time_window' AS time_window
FROM hoop_mcp.reviews_update(:'r1', 'APPROVED') r;
RESET ROLE;
SELECT status FROM hoop_mcp.sessions WHERE id = :'r1';
SET ROLE regress_sre;
SELECT hoop_mcp.reviews_update(:'r1', 'REVOKED');
-- The owner withdraws an approved review.
SET ROLE regress_req;
SELECT r->>'status' AS status, r->>'rejection_reason' AS reason
FROM hoop_mcp.reviews_update(:'r1', 'REJECTED', rejection_reason => 'wrong table') r;
SELECT hoop_mcp.reviews_update(:'r1', 'APPROVED');
RESET ROLE;
SELECT status, exit_code, output FROM hoop_mcp.sessions WHERE id = :'r1';

-- Force approval decides at once; a reviewer outside the force groups cannot.
SELECT pg_temp.gated(2, 'req@example.com', 'prod-review', 'onetime', 'shop-pg') AS r2 \gset
SET ROLE regress_oncall;
SELECT hoop_mcp.reviews_update(:'r2', 'APPROVED');
SELECT r->>'status' AS status,
       jsonb_path_query_array(r, '$.review_groups_data[*] ? (@.forced_review == true).group') AS forced
FROM hoop_mcp.reviews_update(:'r2', 'APPROVED', force_review => true) r;
-- Admins may approve anything, even their own.
RESET ROLE;
SELECT pg_temp.gated(3, 'alice@example.com', 'prod-review', 'onetime', 'shop-pg') AS r3 \gset
SET ROLE regress_alice;
SELECT hoop_mcp.reviews_update(:'r3', 'APPROVED')->>'status' AS admin_not_reviewer;
SELECT hoop_mcp.reviews_update(:'r3', 'REJECTED')->'review_groups_data' @> '[{"group":"admin","status":"REJECTED"}]' AS admin_group_recorded;
SELECT hoop_mcp.reviews_update(:'r3', 'REJECTED');
SET ROLE regress_aud;
SELECT jsonb_array_length(hoop_mcp.reviews_list()) AS auditor_sees;
SELECT (hoop_mcp.sessions_list(review_status => 'rejected'))->>'total' AS rejected_sessions;
SELECT hoop_mcp.sessions_get(:'r2')->'review'->>'status' AS session_review;
SET ROLE regress_oncall;
SELECT hoop_mcp.sessions_get_content(:'r2')->>'input' AS reviewer_reads_input;
SET ROLE regress_bob;
SELECT hoop_mcp.sessions_get_content(:'r2');
RESET ROLE;

-- JIT: an approved grant opens the connection to its owner until it ends.
SELECT pg_temp.gated(4, 'req@example.com', 'jit-metrics', 'jit', 'metrics-pg') AS r4 \gset
SELECT type, access_duration_sec FROM hoop_mcp.reviews WHERE id = :'r4';
SET ROLE regress_dba;
SELECT r->>'status' AS status, r->>'access_duration' AS ns, (r->>'revoke_at')::timestamptz > now() AS open_grant
FROM hoop_mcp.reviews_update(:'r4', 'APPROVED') r;
RESET ROLE;
SELECT review_type IS NULL AS grant_skips_review
FROM hoop_mcp.users u, LATERAL hoop_mcp._exec_gate(u.subject, hoop_mcp._user_groups(u.id), 'metrics-pg')
WHERE u.email = 'req@example.com';
SET ROLE regress_dba;
SELECT hoop_mcp.reviews_update(:'r4', 'REVOKED')->>'status' AS revoked;
SELECT hoop_mcp.reviews_update(:'r4', 'REVOKED');
RESET ROLE;
SELECT review_type AS after_revoke
FROM hoop_mcp.users u, LATERAL hoop_mcp._exec_gate(u.subject, hoop_mcp._user_groups(u.id), 'metrics-pg')
WHERE u.email = 'req@example.com';
SELECT status, exit_code FROM hoop_mcp.sessions WHERE id = :'r4';
SELECT owner_email, connection_name, active, revoked FROM hoop_mcp.jit_grants;

-- reviews_execute's guards, in hoop's order (the worker calls
-- _review_execute_begin; here the superuser acts as a mapped user).
SELECT hoop_mcp.create_user('runner@example.com', '{dba}', 'Runner', current_user) IS NOT NULL AS created;
SELECT pg_temp.gated(6, 'req@example.com', 'prod-review', 'onetime', 'shop-pg') AS r6 \gset
SELECT pg_temp.gated(7, 'runner@example.com', 'prod-review', 'onetime', 'shop-pg') AS r7 \gset
SELECT * FROM hoop_mcp._review_execute_begin(:'r4', 'worker 1');
SELECT * FROM hoop_mcp._review_execute_begin(:'r6', 'worker 1');
SELECT * FROM hoop_mcp._review_execute_begin(:'r7', 'worker 1');
SELECT * FROM hoop_mcp._review_execute_begin('', 'worker 1');
UPDATE hoop_mcp.reviews SET status = 'APPROVED', time_window = '{"type": "cron", "configuration": {}}' WHERE id = :'r7';
SELECT * FROM hoop_mcp._review_execute_begin(:'r7', 'worker 1');
UPDATE hoop_mcp.reviews SET time_window = '{"type": "time_range", "configuration": {"start_time": "xx", "end_time": "yy"}}' WHERE id = :'r7';
SELECT * FROM hoop_mcp._review_execute_begin(:'r7', 'worker 1');
-- A window that starts in two hours (UTC, possibly across midnight).
UPDATE hoop_mcp.reviews SET time_window = jsonb_build_object('type', 'time_range', 'configuration', jsonb_build_object(
	'start_time', to_char((now() AT TIME ZONE 'UTC') + interval '2 hours', 'HH24:MI'),
	'end_time', to_char((now() AT TIME ZONE 'UTC') + interval '3 hours', 'HH24:MI'))) WHERE id = :'r7';
CREATE FUNCTION pg_temp.execute_error(id text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hoop_mcp._review_execute_begin(id, 'worker 1');
	RETURN 'ran';
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	RETURN regexp_replace(SQLERRM, '[0-9]{2}:[0-9]{2}', 'HH:MM', 'g');
END
$$;
SELECT pg_temp.execute_error(:'r7');
-- One that holds now: the review starts, its session is reopened for the worker.
UPDATE hoop_mcp.reviews SET time_window = jsonb_build_object('type', 'time_range', 'configuration', jsonb_build_object(
	'start_time', to_char((now() AT TIME ZONE 'UTC') - interval '1 hour', 'HH24:MI'),
	'end_time', to_char((now() AT TIME ZONE 'UTC') + interval '1 hour', 'HH24:MI'))) WHERE id = :'r7';
SELECT connection_name, input FROM hoop_mcp._review_execute_begin(:'r7', 'worker 1');
SELECT r.status, s.status AS session, s.executor FROM hoop_mcp.reviews r JOIN hoop_mcp.sessions s ON s.id = r.session_id WHERE r.id = :'r7';
SELECT * FROM hoop_mcp._review_execute_begin(:'r7', 'worker 1');

-- reviews_wait: a decided review returns at once; a pending one times out
-- (not an error); a frozen snapshot is refused.
SET ROLE regress_req;
SELECT r->>'status' AS status, r->'timed_out' AS timed_out, r->'waited_seconds' AS waited
FROM hoop_mcp.reviews_wait(:'r2') r;
RESET ROLE;
SELECT pg_temp.gated(5, 'req@example.com', 'prod-review', 'onetime', 'shop-pg') AS r5 \gset
SET ROLE regress_req;
SELECT r->>'status' AS status, r->'timed_out' AS timed_out, (r->>'waited_seconds')::int >= 2 AS waited
FROM hoop_mcp.reviews_wait(:'r5', timeout_seconds => 1) r;
SELECT hoop_mcp.reviews_wait('00000000-0000-0000-0000-00000000dead');
SELECT hoop_mcp.reviews_wait(NULL);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT hoop_mcp.reviews_wait(:'r5');
ROLLBACK;
SET ROLE regress_bob;
SELECT hoop_mcp.reviews_wait(:'r5');
RESET ROLE;

-- Only hoop_mcp moves sessions along.
SET ROLE regress_req;
SELECT hoop_mcp._session_transition(:'r5', 'done');
RESET ROLE;
SELECT status FROM hoop_mcp.reviews ORDER BY session_id;
