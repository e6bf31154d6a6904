-- Users, groups, API keys, and who a SQL call acts for.
\set SHOW_CONTEXT never
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE ROLE regress_nobody;

SELECT hoop_mcp.create_user('Alice@Example.com', '{admin,dev}', 'Alice', 'regress_alice') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('bob@example.com', '{dev}', NULL, 'regress_bob') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('carol@example.com') IS NOT NULL AS created;
SELECT email, name, status, pg_role, subject = id::text AS subject_is_id FROM hoop_mcp.users ORDER BY email;
SELECT name FROM hoop_mcp.groups ORDER BY 1;

-- Errors: bad email, duplicate, unknown role, empty group.
SELECT hoop_mcp.create_user('not-an-email');
SELECT hoop_mcp.create_user('bob@example.com');
SELECT hoop_mcp.create_user('dave@example.com', pg_role => 'regress_missing');
SELECT hoop_mcp.create_user('dave@example.com', '{""}');

-- API keys: shown once, only hash and prefix stored.
SELECT hoop_mcp.create_api_key('bob@example.com', 'ci key') AS key \gset
SELECT :'key' ~ '^hmk_[A-Za-z0-9_-]{43}$' AS key_format;
SELECT prefix = left(:'key', 12) AS prefix_ok,
       key_hash = sha256(convert_to(:'key', 'UTF8')) AS hash_ok,
       description, revoked_at IS NULL AS active
FROM hoop_mcp.api_keys;
SELECT user_email, description, revoked_at IS NULL AS active FROM hoop_mcp.list_api_keys();
SELECT hoop_mcp.create_api_key('bob@example.com', expires_at => now() - interval '1 day');
SELECT hoop_mcp.create_api_key('nobody@example.com');
SELECT hoop_mcp.revoke_api_key(left(:'key', 12)) AS revoked;
SELECT hoop_mcp.revoke_api_key(left(:'key', 12)) AS revoked_again;

-- me_get acts for the user mapped to current_user.
SET ROLE regress_alice;
SELECT hoop_mcp.me_get() - 'org_id' - 'user_id';
SET ROLE regress_bob;
SELECT (hoop_mcp.me_get())->'groups' AS groups, (hoop_mcp.me_get())->>'is_admin' AS is_admin;
-- Non-admins cannot administer.
SELECT hoop_mcp.create_user('eve@example.com');
SELECT hoop_mcp.create_api_key('bob@example.com');
SET ROLE regress_nobody;
SELECT hoop_mcp.me_get();
RESET ROLE;

-- Groups and status.
SELECT hoop_mcp.set_user_groups('bob@example.com', '{dev,auditor}');
SELECT hoop_mcp._user_groups(id) FROM hoop_mcp.users WHERE email = 'bob@example.com';
SELECT hoop_mcp.set_user_status('bob@example.com', 'inactive');
SET ROLE regress_bob;
SELECT hoop_mcp.me_get();
RESET ROLE;
SELECT hoop_mcp.set_user_status('bob@example.com', 'asleep');
SELECT hoop_mcp.set_user_status('bob@example.com', 'active');
SELECT hoop_mcp.set_user_groups('nobody@example.com', '{}');

-- The worker's identity is C state: a GUC cannot set it.
SET hoop_mcp.acting_user = 'x';
SELECT hoop_mcp._worker_actor() IS NULL AS no_worker_actor;
SELECT hoop_mcp.set_user_groups('bob@example.com', '{dev}');

-- Inside a security-restricted operation (ANALYZE, VACUUM, CREATE INDEX,
-- REFRESH MATERIALIZED VIEW) code runs as a table's owner while the session
-- keeps its identity: hoop_mcp refuses to act there.  Here bob's index
-- expression calls a tool when a superuser's ANALYZE runs it.
CREATE SCHEMA regress_sro AUTHORIZATION regress_bob;
SET ROLE regress_bob;
CREATE TABLE regress_sro.t (x int);
CREATE FUNCTION regress_sro.f(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF current_setting('regress.sro', true) = 'on' THEN
		PERFORM hoop_mcp.me_get();
	END IF;
	RETURN $1;
END
$$;
CREATE INDEX ON regress_sro.t (regress_sro.f(x));
INSERT INTO regress_sro.t VALUES (1);
SET regress.sro = on;
SELECT regress_sro.f(1) AS outside_one_it_acts;
RESET ROLE;
ANALYZE regress_sro.t;
RESET regress.sro;
DROP SCHEMA regress_sro CASCADE;
