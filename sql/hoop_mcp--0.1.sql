/*
 * hoop_mcp 0.1: data model and SQL API.
 *
 * This script is the reference for what hoop_mcp stores.  Every table lives
 * in schema hoop_mcp; nothing is granted to PUBLIC except the MCP tool
 * functions, which check who is calling (see hoop_mcp._actor below).
 *
 * Conventions:
 *  - Every function pins search_path to pg_catalog, pg_temp and names every
 *    object with its schema, so a caller's search_path cannot redirect it.
 *  - Tool functions have the MCP tool's name and arguments, return jsonb,
 *    and raise hoop's error texts with an SQLSTATE and a hint.
 *  - Functions whose name starts with "_" are internal: not granted to
 *    anyone, called by the other functions and by the background worker.
 */

\echo Use "CREATE EXTENSION hoop_mcp" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Roles.  They are cluster-wide, so they survive DROP EXTENSION; they are
-- created only when missing.
--   hoop_mcp_admin:   may call the administration functions (users, keys,
--                     connections) from SQL.
--   hoop_mcp_auditor: may read every table except secrets and key hashes.
-- ---------------------------------------------------------------------------
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'hoop_mcp_admin') THEN
		CREATE ROLE hoop_mcp_admin NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'hoop_mcp_auditor') THEN
		CREATE ROLE hoop_mcp_auditor NOLOGIN;
	END IF;
END
$roles$;

-- ---------------------------------------------------------------------------
-- C functions (src/sqlapi.c): identity, randomness, the worker hand-off.
-- ---------------------------------------------------------------------------

-- The hoop_mcp user the background worker is acting for, or NULL outside
-- the worker.  Set from C only, so no SQL caller can choose it.
CREATE FUNCTION hoop_mcp._worker_actor() RETURNS uuid
	AS 'MODULE_PATHNAME', 'hoop_mcp_worker_actor' LANGUAGE C VOLATILE;

-- The role that called us from outside any SECURITY DEFINER function: the
-- current_user of the psql session (after SET ROLE).
CREATE FUNCTION hoop_mcp._caller_role() RETURNS name
	AS 'MODULE_PATHNAME', 'hoop_mcp_caller_role' LANGUAGE C STABLE;

-- hoop_mcp.admin_group and hoop_mcp.auditor_group, read in C because a
-- custom GUC could otherwise be shadowed by a placeholder.
CREATE FUNCTION hoop_mcp._admin_group() RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_admin_group' LANGUAGE C STABLE;
CREATE FUNCTION hoop_mcp._auditor_group() RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_auditor_group' LANGUAGE C STABLE;
CREATE FUNCTION hoop_mcp._api_url() RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_api_url' LANGUAGE C STABLE;

-- Cryptographically strong random bytes (pg_strong_random).
CREATE FUNCTION hoop_mcp._random_bytes(n integer) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hoop_mcp_random_bytes' LANGUAGE C VOLATILE STRICT;

-- Parse a libpq connection string (PQconninfoParse) into {keyword: value}.
CREATE FUNCTION hoop_mcp._conninfo_parse(conninfo text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_conninfo_parse' LANGUAGE C IMMUTABLE STRICT;

-- Hand a tool call to the background worker and wait for its answer.
-- Used for tools that run on a target database (exec, schema listing).
CREATE FUNCTION hoop_mcp._worker_call(tool text, arguments jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_worker_call' LANGUAGE C VOLATILE STRICT;

-- ---------------------------------------------------------------------------
-- Organisation.  hoop is multi-tenant; hoop_mcp serves one organisation per
-- database.  One row, made at install.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.org (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	name		text NOT NULL DEFAULT 'default',
	one_row		boolean NOT NULL DEFAULT true UNIQUE CHECK (one_row)
);
INSERT INTO hoop_mcp.org DEFAULT VALUES;
COMMENT ON TABLE hoop_mcp.org IS 'The single organisation this database serves (hoop''s org_id, org_name).';

-- ---------------------------------------------------------------------------
-- Users and groups.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.users (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	subject		text NOT NULL UNIQUE CHECK (subject <> ''),
	email		text NOT NULL UNIQUE
				CHECK (email = pg_catalog.lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
	name		text,
	status		text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
	verified	boolean NOT NULL DEFAULT true,
	slack_id	text,
	pg_role		name UNIQUE,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.users IS 'People and agents that act through MCP or SQL.  subject is the identity-provider subject (hoop''s user_id); pg_role maps a PostgreSQL role to the user for SQL calls.';

CREATE TABLE hoop_mcp.groups (
	name		text PRIMARY KEY CHECK (name <> ''),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.groups IS 'User groups.  The groups named by hoop_mcp.admin_group and hoop_mcp.auditor_group carry admin and auditor rights.';

CREATE TABLE hoop_mcp.user_groups (
	user_id		uuid NOT NULL REFERENCES hoop_mcp.users ON DELETE CASCADE,
	group_name	text NOT NULL REFERENCES hoop_mcp.groups ON UPDATE CASCADE ON DELETE CASCADE,
	PRIMARY KEY (user_id, group_name)
);
CREATE INDEX ON hoop_mcp.user_groups (group_name);

-- ---------------------------------------------------------------------------
-- API keys.  The key is shown once by create_api_key; only its SHA-256 and
-- its first 12 characters (the lookup prefix) are stored.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.api_keys (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES hoop_mcp.users ON DELETE CASCADE,
	prefix		text NOT NULL UNIQUE,
	key_hash	bytea NOT NULL CHECK (pg_catalog.length(key_hash) = 32),
	description	text,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at	timestamptz,
	revoked_at	timestamptz,
	last_used_at timestamptz
);
CREATE INDEX ON hoop_mcp.api_keys (user_id);
COMMENT ON TABLE hoop_mcp.api_keys IS 'API keys: prefix is the first 12 characters of the key, key_hash its SHA-256.  The key itself is never stored.';

-- ---------------------------------------------------------------------------
-- Connections (hoop's resource roles): the target databases agents use.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.connections (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	name		text NOT NULL UNIQUE
				CHECK (name ~ '^[a-zA-Z0-9_]+(?:[-\.]?[a-zA-Z0-9_]+){2,253}$'),
	type		text NOT NULL CHECK (type IN ('database', 'application', 'custom')),
	subtype		text NOT NULL DEFAULT '',
	agent_id	text NOT NULL DEFAULT '',
	command		text[] NOT NULL DEFAULT '{}',
	status		text NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'offline')),
	tags		jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(tags) = 'object'),
	access_mode_runbooks text NOT NULL DEFAULT 'enabled' CHECK (access_mode_runbooks IN ('enabled', 'disabled')),
	access_mode_exec text NOT NULL DEFAULT 'enabled' CHECK (access_mode_exec IN ('enabled', 'disabled')),
	access_mode_connect text NOT NULL DEFAULT 'enabled' CHECK (access_mode_connect IN ('enabled', 'disabled')),
	access_schema text NOT NULL DEFAULT 'enabled' CHECK (access_schema IN ('enabled', 'disabled')),
	managed_by	text,
	mandatory_metadata_fields text[] NOT NULL DEFAULT '{}',
	guardrail_rules text[] NOT NULL DEFAULT '{}',
	reviewers	text[] NOT NULL DEFAULT '{}',
	redact_types text[] NOT NULL DEFAULT '{}',
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.connections IS 'Connections (resource roles) agents may use.  Secrets live apart, in connection_secrets.';

-- Secrets are hoop's env map: {"envvar:HOST": "<base64>", ...}.  Readable
-- by the extension owner only; returned by connections_get to admins only;
-- never logged.  The worker turns them into libpq options at exec time.
CREATE TABLE hoop_mcp.connection_secrets (
	connection_id uuid PRIMARY KEY REFERENCES hoop_mcp.connections ON DELETE CASCADE,
	envs		jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(envs) = 'object'),
	allow_passwordless boolean NOT NULL DEFAULT false,
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.connection_secrets IS 'Connection secrets (hoop''s envvar map, values base64).  Owner-only.';
COMMENT ON COLUMN hoop_mcp.connection_secrets.allow_passwordless IS 'Whether the worker may use this connection when the target does not ask for a password (trust or peer authentication).  Off by default, as in postgres_fdw: the worker runs as the server''s OS user, so a passwordless local connection could act as a superuser.  Only a superuser can turn it on (create_connection).';

-- Access control (hoop's access_control plugin).  While the plugin row is
-- absent every user sees every connection; once it exists, non-admin,
-- non-auditor users see only connections bound to one of their groups.
CREATE TABLE hoop_mcp.plugins (
	name		text PRIMARY KEY CHECK (name IN ('access_control')),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE hoop_mcp.access_control (
	connection_id uuid PRIMARY KEY REFERENCES hoop_mcp.connections ON DELETE CASCADE,
	allowed_groups text[] NOT NULL CHECK (pg_catalog.cardinality(allowed_groups) > 0),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.access_control IS 'Which user groups may see and use a connection (enforced once the access_control plugin row exists).';

-- ---------------------------------------------------------------------------
-- Sessions: one row per execution, written (status open) before anything
-- runs and finished (done, exit_code, output, ended_at) by the worker.
-- Append-only: only the extension's own code may update a row, and nobody
-- may delete one.
-- ---------------------------------------------------------------------------
-- Enums rather than CHECK constraints: the worker writes a session row on
-- every exec, and CHECK expressions are re-read for every statement.
CREATE TYPE hoop_mcp.session_status AS ENUM ('open', 'ready', 'done');
CREATE TYPE hoop_mcp.session_verb AS ENUM ('exec', 'connect');

CREATE TABLE hoop_mcp.sessions (
	id			uuid PRIMARY KEY,
	user_id		text NOT NULL,
	user_email	text NOT NULL,
	user_name	text,
	connection	text NOT NULL,
	connection_id uuid,
	connection_type text NOT NULL,
	connection_subtype text NOT NULL,
	connection_tags jsonb,
	verb		hoop_mcp.session_verb NOT NULL,
	origin		text NOT NULL DEFAULT 'mcp',
	identity_type text NOT NULL DEFAULT 'user',
	status		hoop_mcp.session_status NOT NULL,
	input		text,
	output		text,
	output_truncated boolean NOT NULL DEFAULT false,
	exit_code	integer,
	metadata	jsonb,
	labels		jsonb,
	integrations_metadata jsonb,
	metrics		jsonb,
	session_batch_id text,
	executor	text,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	ended_at	timestamptz
) WITH (fillfactor = 80);
-- No index covers status, executor or the output: finishing a session then
-- stays a HOT update.
CREATE INDEX ON hoop_mcp.sessions (created_at DESC, id DESC);
CREATE INDEX ON hoop_mcp.sessions (user_id, created_at DESC);
COMMENT ON TABLE hoop_mcp.sessions IS 'Every execution, written before it runs and finished when it ends.  executor names the worker running it while it is open.';
COMMENT ON COLUMN hoop_mcp.sessions.user_id IS 'The user''s subject, as in hoop.';

-- ---------------------------------------------------------------------------
-- Access request rules and reviews: human approval before a command runs
-- (hoop-mcp.md 2.8, 5).  A rule names connections and who must be
-- reviewed; an exec it applies to stores its session and a PENDING review
-- instead of running.  Review rows are the state machine: PENDING ->
-- APPROVED -> PROCESSING -> EXECUTED, or REJECTED / REVOKED.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.access_request_rules (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	name		text NOT NULL UNIQUE,
	description	text,
	access_type	text NOT NULL CHECK (access_type IN ('jit', 'command', 'jit_command')),
	connection_names text[] NOT NULL DEFAULT '{}',
	approval_required_groups text[] NOT NULL DEFAULT '{}',
	reviewers_groups text[] NOT NULL DEFAULT '{}',
	all_groups_must_approve boolean NOT NULL DEFAULT false,
	min_approvals integer,
	force_approval_groups text[] NOT NULL DEFAULT '{}',
	skip_review_groups text[] NOT NULL DEFAULT '{}',
	access_max_duration integer,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.access_request_rules IS 'Which executions need a review, and who reviews them (hoop''s access request rules).';

CREATE TYPE hoop_mcp.review_status AS ENUM
	('PENDING', 'APPROVED', 'REJECTED', 'REVOKED', 'PROCESSING', 'EXECUTED');

CREATE TABLE hoop_mcp.reviews (
	id			uuid PRIMARY KEY,
	session_id	uuid NOT NULL UNIQUE REFERENCES hoop_mcp.sessions,
	connection_id uuid,
	connection_name text NOT NULL,
	type		text NOT NULL CHECK (type IN ('onetime', 'jit')),
	status		hoop_mcp.review_status NOT NULL DEFAULT 'PENDING',
	input_env_vars jsonb,
	input_client_args text[],
	access_duration_sec integer,
	owner_id	text NOT NULL,
	owner_email	text NOT NULL,
	owner_name	text,
	time_window	jsonb,
	access_request_rule_name text,
	force_approval_groups text[] NOT NULL DEFAULT '{}',
	min_approvals integer,
	rejection_reason text,
	revoked_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX ON hoop_mcp.reviews (owner_id, connection_name) WHERE type = 'jit';
COMMENT ON TABLE hoop_mcp.reviews IS 'One review per gated execution; id equals the session id (hoop''s review_id = session_id).  revoked_at is when an approved JIT grant ends.';

CREATE TABLE hoop_mcp.review_groups (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	review_id	uuid NOT NULL REFERENCES hoop_mcp.reviews ON DELETE CASCADE,
	group_name	text NOT NULL,
	status		hoop_mcp.review_status NOT NULL DEFAULT 'PENDING',
	reviewer_id	text,
	reviewer_email text,
	reviewer_name text,
	reviewed_at	timestamptz,
	forced_review boolean NOT NULL DEFAULT false,
	UNIQUE (review_id, group_name)
);
COMMENT ON TABLE hoop_mcp.review_groups IS 'Each reviewer group of a review and what it decided, by whom, when.';

-- JIT grants are approved JIT reviews: the owner may exec on the connection
-- until ends_at (the review's revoke_at), or until revoked.
CREATE VIEW hoop_mcp.jit_grants AS
	SELECT r.id AS review_id, r.owner_id, r.owner_email, r.connection_name,
		   r.access_request_rule_name, r.access_duration_sec, r.revoked_at AS ends_at,
		   r.status = 'APPROVED' AND r.revoked_at > pg_catalog.now() AS active,
		   r.status = 'REVOKED' AS revoked
	FROM hoop_mcp.reviews r
	WHERE r.type = 'jit' AND r.status IN ('APPROVED', 'REVOKED');
COMMENT ON VIEW hoop_mcp.jit_grants IS 'JIT access granted by approved reviews: who, which connection, until when.';

-- Every review and session transition is published at commit: NOTIFY on
-- hoop_mcp_reviews / hoop_mcp_sessions with {id, session_id, status,
-- previous_status}, and a wake-up of reviews_wait.  In C: it fires on
-- every exec.
-- The worker publishes the session writes of its exec hot path itself;
-- _publish_by_trigger() is false while it writes them.
CREATE FUNCTION hoop_mcp._publish_change() RETURNS trigger
	AS 'MODULE_PATHNAME', 'hoop_mcp_publish_change' LANGUAGE C;
CREATE FUNCTION hoop_mcp._publish_by_trigger() RETURNS boolean
	AS 'MODULE_PATHNAME', 'hoop_mcp_publish_by_trigger' LANGUAGE C VOLATILE;
CREATE TRIGGER reviews_publish AFTER INSERT OR UPDATE OF status ON hoop_mcp.reviews
	FOR EACH ROW EXECUTE FUNCTION hoop_mcp._publish_change('hoop_mcp_reviews');
CREATE TRIGGER sessions_publish AFTER INSERT OR UPDATE OF status ON hoop_mcp.sessions
	FOR EACH ROW WHEN (hoop_mcp._publish_by_trigger())
	EXECUTE FUNCTION hoop_mcp._publish_change('hoop_mcp_sessions');

-- ---------------------------------------------------------------------------
-- Security audit log: every POST and DELETE on /api/mcp, answered or not.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.security_audit_log (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	actor_subject text,
	actor_email	text,
	actor_name	text,
	resource_type text NOT NULL,
	action		text NOT NULL,
	http_method	text NOT NULL,
	http_path	text NOT NULL,
	http_status	integer NOT NULL,
	client_ip	inet,
	mcp_session_id text,
	rpc_method	text,
	tool_name	text,
	request_payload_redacted jsonb,
	outcome		boolean NOT NULL,
	error_message text
);
CREATE INDEX ON hoop_mcp.security_audit_log USING brin (created_at);
COMMENT ON TABLE hoop_mcp.security_audit_log IS 'One row per MCP POST or DELETE.  Values under secret-like keys (password, secret, secrets, token, key, api_key, env, envs, env_vars, ...) are replaced by [REDACTED] at any depth.';

-- ---------------------------------------------------------------------------
-- The MCP tool catalogue.  tools/list is rendered from it; each tool is
-- the SQL function of the same name.  runs_on_target marks the tools the
-- worker runs itself because they talk to a target database.
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.tools (
	name		text PRIMARY KEY,
	description	text NOT NULL CHECK (description <> ''),
	input_schema jsonb NOT NULL CHECK (input_schema->>'type' = 'object'),
	annotations	jsonb NOT NULL,
	runs_on_target boolean NOT NULL DEFAULT false
);

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
	END LOOP;
END
$triggers$;

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

-- ===========================================================================
-- Identity
-- ===========================================================================

-- The user a call acts for: the worker's authenticated MCP user, or else
-- the user mapped to the calling PostgreSQL role.  Inactive users and
-- unmapped roles are refused.
CREATE FUNCTION hoop_mcp._actor() RETURNS hoop_mcp.users
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	worker_user uuid := hoop_mcp._worker_actor();
	caller name;
	u hoop_mcp.users;
BEGIN
	IF worker_user IS NOT NULL THEN
		SELECT * INTO u FROM hoop_mcp.users WHERE id = worker_user;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'unauthorized: missing auth context'
				USING ERRCODE = 'insufficient_privilege';
		END IF;
	ELSE
		caller := hoop_mcp._caller_role();
		SELECT * INTO u FROM hoop_mcp.users WHERE pg_role = caller;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'role "%" is not mapped to a hoop_mcp user', caller
				USING ERRCODE = 'insufficient_privilege',
					  HINT = pg_catalog.format('An administrator can map it: SELECT hoop_mcp.create_user(email => ''...'', pg_role => %L);', caller);
		END IF;
	END IF;
	IF u.status <> 'active' THEN
		RAISE EXCEPTION 'user is not active, status=%', u.status
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'An administrator can reactivate the user with hoop_mcp.set_user_status().';
	END IF;
	RETURN u;
END
$$;

CREATE FUNCTION hoop_mcp._user_groups(user_id uuid) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT coalesce(pg_catalog.array_agg(group_name ORDER BY group_name), '{}')
	FROM hoop_mcp.user_groups g WHERE g.user_id = $1
$$;

CREATE FUNCTION hoop_mcp._is_admin(groups text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._admin_group() = ANY ($1)
$$;

CREATE FUNCTION hoop_mcp._is_auditor(groups text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._auditor_group() = ANY ($1)
$$;

-- Gate for admin tools and the SQL administration functions.  Over MCP
-- the acting user must be in the admin group.  From SQL, members of the
-- hoop_mcp_admin role (and superusers) pass, and so does a role mapped to
-- a hoop admin user.
CREATE FUNCTION hoop_mcp._require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	caller name;
BEGIN
	IF hoop_mcp._worker_actor() IS NULL THEN
		caller := hoop_mcp._caller_role();
		IF pg_catalog.pg_has_role(caller, 'hoop_mcp_admin', 'USAGE') THEN
			RETURN;
		END IF;
		IF NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE pg_role = caller) THEN
			RAISE EXCEPTION 'admin access required'
				USING ERRCODE = 'insufficient_privilege',
					  HINT = 'A superuser can run: GRANT hoop_mcp_admin TO ' || pg_catalog.quote_ident(caller) || ';';
		END IF;
	END IF;
	IF NOT hoop_mcp._is_admin(hoop_mcp._user_groups((hoop_mcp._actor()).id)) THEN
		RAISE EXCEPTION 'admin access required'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = pg_catalog.format('Members of the group "%s" (hoop_mcp.admin_group) may do this.', hoop_mcp._admin_group());
	END IF;
END
$$;

-- Gate for tools that admins and auditors may use.  From SQL, members of
-- hoop_mcp_admin or hoop_mcp_auditor pass too.
CREATE FUNCTION hoop_mcp._require_admin_or_auditor() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	caller name;
	g text[];
BEGIN
	IF hoop_mcp._worker_actor() IS NULL THEN
		caller := hoop_mcp._caller_role();
		IF pg_catalog.pg_has_role(caller, 'hoop_mcp_admin', 'USAGE') OR
		   pg_catalog.pg_has_role(caller, 'hoop_mcp_auditor', 'USAGE') THEN
			RETURN;
		END IF;
	END IF;
	g := hoop_mcp._user_groups((hoop_mcp._actor()).id);
	IF NOT (hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g)) THEN
		RAISE EXCEPTION 'admin or auditor access required' USING ERRCODE = 'insufficient_privilege';
	END IF;
END
$$;

CREATE FUNCTION hoop_mcp._ensure_groups(groups text[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	INSERT INTO hoop_mcp.groups (name)
	SELECT DISTINCT g FROM pg_catalog.unnest($1) g
	ON CONFLICT (name) DO NOTHING
$$;

-- ===========================================================================
-- SQL administration API (also usable by admins mapped to a role)
-- ===========================================================================

CREATE FUNCTION hoop_mcp.create_user(email text, groups text[] DEFAULT '{}',
									 name text DEFAULT NULL, pg_role name DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id uuid := pg_catalog.gen_random_uuid();
	clean_email text := pg_catalog.lower(pg_catalog.btrim(create_user.email));
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF clean_email IS NULL OR clean_email !~ '^[^@\s]+@[^@\s]+$' THEN
		RAISE EXCEPTION 'invalid email address "%"', create_user.email
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Give an address such as alice@example.com.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.unnest(create_user.groups) g WHERE g IS NULL OR g = '') THEN
		RAISE EXCEPTION 'group names must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF create_user.pg_role IS NOT NULL AND
	   NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = create_user.pg_role) THEN
		RAISE EXCEPTION 'role "%" does not exist', create_user.pg_role
			USING ERRCODE = 'undefined_object', HINT = 'Create the role first, or leave pg_role NULL.';
	END IF;
	BEGIN
		INSERT INTO hoop_mcp.users (id, subject, email, name, pg_role)
		VALUES (new_id, new_id::text, clean_email, coalesce(create_user.name, pg_catalog.split_part(clean_email, '@', 1)),
				create_user.pg_role);
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION 'user already exists'
			USING ERRCODE = 'unique_violation',
				  DETAIL = 'A user with this email or PostgreSQL role exists already.',
				  HINT = 'Use hoop_mcp.set_user_groups() or hoop_mcp.set_user_status() to change an existing user.';
	END;
	PERFORM hoop_mcp._ensure_groups(create_user.groups);
	INSERT INTO hoop_mcp.user_groups (user_id, group_name)
	SELECT DISTINCT new_id, g FROM pg_catalog.unnest(create_user.groups) g;
	RETURN new_id;
END
$$;

CREATE FUNCTION hoop_mcp._user_by_email(email text) RETURNS hoop_mcp.users
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	SELECT * INTO u FROM hoop_mcp.users x WHERE x.email = pg_catalog.lower(pg_catalog.btrim($1));
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user not found' USING ERRCODE = 'no_data_found',
			HINT = 'Create it with hoop_mcp.create_user(email => ...).';
	END IF;
	RETURN u;
END
$$;

CREATE FUNCTION hoop_mcp.set_user_groups(email text, groups text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	PERFORM hoop_mcp._require_admin();
	u := hoop_mcp._user_by_email(email);
	PERFORM hoop_mcp._ensure_groups(groups);
	DELETE FROM hoop_mcp.user_groups WHERE user_id = u.id;
	INSERT INTO hoop_mcp.user_groups (user_id, group_name)
	SELECT DISTINCT u.id, g FROM pg_catalog.unnest(groups) g;
	UPDATE hoop_mcp.users SET updated_at = pg_catalog.now() WHERE id = u.id;
END
$$;

CREATE FUNCTION hoop_mcp.set_user_status(email text, status text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF status IS NULL OR status NOT IN ('active', 'inactive') THEN
		RAISE EXCEPTION 'invalid user status "%"', status
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''active'' or ''inactive''.';
	END IF;
	u := hoop_mcp._user_by_email(email);
	UPDATE hoop_mcp.users SET status = set_user_status.status, updated_at = pg_catalog.now() WHERE id = u.id;
END
$$;

-- Returns the new key.  It is shown this once: only its hash is kept.
CREATE FUNCTION hoop_mcp.create_api_key(email text, description text DEFAULT NULL,
										expires_at timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
	key text;
BEGIN
	PERFORM hoop_mcp._require_admin();
	u := hoop_mcp._user_by_email(email);
	IF expires_at IS NOT NULL AND expires_at <= pg_catalog.now() THEN
		RAISE EXCEPTION 'expires_at must be in the future' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	LOOP
		-- hmk_ + 43 characters of base64url: 256 random bits.
		key := 'hmk_' || pg_catalog.rtrim(pg_catalog.translate(
				pg_catalog.encode(hoop_mcp._random_bytes(32), 'base64'), E'+/\n', '-_'), '=');
		BEGIN
			INSERT INTO hoop_mcp.api_keys (user_id, prefix, key_hash, description, expires_at)
			VALUES (u.id, pg_catalog.left(key, 12), pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8')),
					create_api_key.description, create_api_key.expires_at);
			RETURN key;
		EXCEPTION WHEN unique_violation THEN
			-- 48-bit prefix collision: draw again.
		END;
	END LOOP;
END
$$;

-- Revokes a key given its prefix (first 12 characters) or its id.
CREATE FUNCTION hoop_mcp.revoke_api_key(key_prefix_or_id text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	UPDATE hoop_mcp.api_keys SET revoked_at = pg_catalog.now()
	WHERE (prefix = pg_catalog.left(key_prefix_or_id, 12) OR id::text = key_prefix_or_id)
	  AND revoked_at IS NULL;
	RETURN FOUND;
END
$$;

CREATE FUNCTION hoop_mcp.list_api_keys(email text DEFAULT NULL)
RETURNS TABLE (id uuid, user_email text, prefix text, description text, created_at timestamptz,
			   expires_at timestamptz, revoked_at timestamptz, last_used_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	RETURN QUERY
	SELECT k.id, u.email, k.prefix, k.description, k.created_at, k.expires_at, k.revoked_at, k.last_used_at
	FROM hoop_mcp.api_keys k JOIN hoop_mcp.users u ON u.id = k.user_id
	WHERE list_api_keys.email IS NULL OR u.email = pg_catalog.lower(list_api_keys.email)
	ORDER BY k.created_at, k.id;
END
$$;

-- ===========================================================================
-- Connections
-- ===========================================================================

CREATE FUNCTION hoop_mcp._name_valid(name text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT $1 ~ '^[a-zA-Z0-9_]+(?:[-\.]?[a-zA-Z0-9_]+){2,253}$'
$$;

-- hoop's visibility rule (hoop-mcp.md 7.2): no access_control plugin, or an
-- admin or auditor, or a group bound to the connection.
CREATE FUNCTION hoop_mcp._connection_visible(connection_id uuid, groups text[], privileged boolean)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT $3
		OR NOT EXISTS (SELECT 1 FROM hoop_mcp.plugins WHERE name = 'access_control')
		OR EXISTS (SELECT 1 FROM hoop_mcp.access_control a
				   WHERE a.connection_id = $1 AND a.allowed_groups && $2)
$$;

-- hoop's connectionToMap: fixed fields always, the others when non-empty.
CREATE FUNCTION hoop_mcp._connection_map(c hoop_mcp.connections, secrets jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', c.id, 'name', c.name, 'type', c.type, 'subtype', c.subtype,
			'agent_id', c.agent_id, 'status', c.status, 'command', pg_catalog.to_jsonb(c.command))
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'secrets', CASE WHEN secrets <> '{}' THEN secrets END,
			'tags', CASE WHEN c.tags <> '{}' THEN c.tags END,
			'access_mode_runbooks', c.access_mode_runbooks,
			'access_mode_exec', c.access_mode_exec,
			'access_mode_connect', c.access_mode_connect,
			'guardrail_rules', CASE WHEN c.guardrail_rules <> '{}' THEN pg_catalog.to_jsonb(c.guardrail_rules) END,
			'reviewers', CASE WHEN c.reviewers <> '{}' THEN pg_catalog.to_jsonb(c.reviewers) END,
			'redact_enabled', CASE WHEN c.redact_types <> '{}' THEN true END,
			'redact_types', CASE WHEN c.redact_types <> '{}' THEN pg_catalog.to_jsonb(c.redact_types) END,
			'managed_by', c.managed_by,
			'mandatory_metadata_fields', CASE WHEN c.mandatory_metadata_fields <> '{}' THEN pg_catalog.to_jsonb(c.mandatory_metadata_fields) END))
$$;

-- A connection by name or id that the caller may see, or NULL.
CREATE FUNCTION hoop_mcp._visible_connection(name_or_id text, groups text[]) RETURNS hoop_mcp.connections
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT c FROM hoop_mcp.connections c
	WHERE (c.name = $1 OR c.id::text = $1)
	  AND hoop_mcp._connection_visible(c.id, $2, hoop_mcp._is_admin($2) OR hoop_mcp._is_auditor($2))
	ORDER BY c.name = $1 DESC
	LIMIT 1
$$;

-- Validates hoop's secrets map: string keys with base64 values.
CREATE FUNCTION hoop_mcp._check_secrets(secrets jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	k text;
	v jsonb;
BEGIN
	IF secrets IS NULL THEN
		RETURN;
	END IF;
	IF pg_catalog.jsonb_typeof(secrets) <> 'object' THEN
		RAISE EXCEPTION 'secrets must be an object of "envvar:NAME": base64 values'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k, v IN SELECT * FROM pg_catalog.jsonb_each(secrets) LOOP
		IF pg_catalog.jsonb_typeof(v) <> 'string' THEN
			RAISE EXCEPTION 'secrets: value of "%" must be a base64 string', k
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		BEGIN
			PERFORM pg_catalog.decode(v #>> '{}', 'base64');
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION 'secrets: value of "%" is not valid base64', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Secret values are base64, as in hoop: {"envvar:PASS": "c2VjcmV0"}.';
		END;
	END LOOP;
END
$$;

-- hoop's ApplyDefaultsToModel: the command line hoop would run.
CREATE FUNCTION hoop_mcp._default_command(subtype text) RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE $1
		WHEN 'postgres' THEN ARRAY['psql', '-v', 'ON_ERROR_STOP=1', '-A', '-F' || E'\t', '-P', 'pager=off',
								   '-h', '$HOST', '-U', '$USER', '--port=$PORT', '$DB']
		WHEN 'mysql' THEN ARRAY['mysql', '-h$HOST', '-u$USER', '--port=$PORT', '-D$DB']
		WHEN 'mssql' THEN ARRAY['sqlcmd', '--exit-on-error', '--trim-columns', '-s\t', '-r',
								'-S$HOST:$PORT', '-U$USER', '-d$DB', '-i/dev/stdin']
		WHEN 'oracledb' THEN ARRAY['sqlplus', '-s', '$USER/$PASS@$HOST:$PORT/$SID']
		WHEN 'mongodb' THEN ARRAY['mongo', '--quiet', 'mongodb://$USER:$PASS@$HOST:$PORT/']
		ELSE '{}'::text[]
	END
$$;

-- libpq options as hoop's env map: host -> envvar:HOST, password ->
-- envvar:PASS, dbname -> envvar:DB, anything else -> envvar:<KEYWORD>.
CREATE FUNCTION hoop_mcp._conninfo_to_envs(conninfo text) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
	SELECT coalesce(pg_catalog.jsonb_object_agg(
			'envvar:' || CASE kv.key WHEN 'password' THEN 'PASS' WHEN 'dbname' THEN 'DB'
									 ELSE pg_catalog.upper(kv.key) END,
			pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(kv.value, 'UTF8'), 'base64'), E'\n', '')),
			'{}')
	FROM pg_catalog.jsonb_each_text(hoop_mcp._conninfo_parse($1)) kv
$$;

-- Creates a database/postgres connection from a libpq connection string.
-- The password (and every other option) is kept in connection_secrets.
CREATE FUNCTION hoop_mcp.create_connection(name text, conninfo text,
										   tags jsonb DEFAULT '{}',
										   access_mode_exec text DEFAULT 'enabled',
										   access_schema text DEFAULT 'enabled',
										   allowed_groups text[] DEFAULT NULL,
										   allow_passwordless boolean DEFAULT false)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id uuid;
	envs jsonb;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF NOT coalesce(hoop_mcp._name_valid(create_connection.name), false) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF allow_passwordless AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = hoop_mcp._caller_role()) THEN
		RAISE EXCEPTION 'only superusers may create passwordless connections'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'A connection the target does not ask a password for runs as the server''s operating-system user.',
				  HINT = 'Give the connection a password, or ask a superuser to create it.';
	END IF;
	envs := hoop_mcp._conninfo_to_envs(create_connection.conninfo);
	IF tags IS NULL OR pg_catalog.jsonb_typeof(tags) <> 'object' THEN
		RAISE EXCEPTION 'tags must be a JSON object of strings' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	BEGIN
		INSERT INTO hoop_mcp.connections (name, type, subtype, command, tags, access_mode_exec, access_schema)
		VALUES (create_connection.name, 'database', 'postgres', hoop_mcp._default_command('postgres'),
				create_connection.tags, create_connection.access_mode_exec, create_connection.access_schema)
		RETURNING id INTO new_id;
	EXCEPTION
		WHEN unique_violation THEN
			RAISE EXCEPTION 'connection already exists' USING ERRCODE = 'unique_violation';
		WHEN check_violation THEN
			RAISE EXCEPTION 'invalid access mode' USING ERRCODE = 'invalid_parameter_value',
				HINT = 'access_mode_exec and access_schema are ''enabled'' or ''disabled''.';
	END;
	INSERT INTO hoop_mcp.connection_secrets (connection_id, envs, allow_passwordless)
	VALUES (new_id, envs, coalesce(create_connection.allow_passwordless, false));
	IF allowed_groups IS NOT NULL THEN
		PERFORM hoop_mcp.access_control_set(create_connection.name, allowed_groups);
	END IF;
	RETURN new_id;
END
$$;

-- ===========================================================================
-- Tools: identity and server
-- ===========================================================================

CREATE FUNCTION hoop_mcp.me_get() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	o hoop_mcp.org;
BEGIN
	SELECT * INTO o FROM hoop_mcp.org;
	RETURN pg_catalog.jsonb_build_object(
		'user_id', u.subject, 'user_email', u.email, 'user_name', coalesce(u.name, ''),
		'org_id', o.id, 'org_name', o.name, 'groups', pg_catalog.to_jsonb(g),
		'is_admin', hoop_mcp._is_admin(g), 'is_auditor', hoop_mcp._is_auditor(g),
		'user_status', u.status);
END
$$;

CREATE FUNCTION hoop_mcp.serverinfo_get() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._actor();
	RETURN pg_catalog.jsonb_build_object(
		'version', (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'hoop_mcp'),
		'commit', '',
		'auth_method', 'local',
		'api_url', hoop_mcp._api_url(),
		'grpc_url', '',
		'tenancy_type', 'selfhosted',
		'idp_provider_name', '',
		'postgres_version', pg_catalog.current_setting('server_version'),
		'license_info', pg_catalog.jsonb_build_object(
			'is_valid', true, 'key_id', '', 'type', 'oss',
			'issued_at', 0,
			'expire_at', pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.now() + interval '10 years'))::bigint,
			'allowed_hosts', pg_catalog.jsonb_build_array('*'),
			'features', '[]'::jsonb));
END
$$;

-- ===========================================================================
-- Tools: connections
-- ===========================================================================

CREATE FUNCTION hoop_mcp.connections_list(agent_id text DEFAULT NULL, type text DEFAULT NULL,
										  subtype text DEFAULT NULL, tag_selector text DEFAULT NULL,
										  tags text[] DEFAULT NULL, name text DEFAULT NULL,
										  search text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	privileged boolean := hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g);
	selector jsonb := '[]';
	seg text;
	op text;
	k text;
	v text;
	result jsonb;
BEGIN
	-- tag_selector: comma-separated key=value / key!=value, all must hold.
	FOREACH seg IN ARRAY coalesce(pg_catalog.string_to_array(tag_selector, ','), '{}') LOOP
		seg := pg_catalog.btrim(seg);
		CONTINUE WHEN seg = '';
		IF pg_catalog.strpos(seg, '!=') > 0 THEN
			op := '!=';
		ELSIF pg_catalog.strpos(seg, '=') > 0 THEN
			op := '=';
		ELSE
			RAISE EXCEPTION 'invalid tag_selector segment "%": expected key=value or key!=value', seg
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		k := pg_catalog.btrim(pg_catalog.split_part(seg, op, 1));
		v := pg_catalog.btrim(pg_catalog.substr(seg, pg_catalog.strpos(seg, op) + pg_catalog.length(op)));
		IF k = '' THEN
			RAISE EXCEPTION 'invalid tag_selector segment "%": empty key', seg
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		selector := selector || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(k, op, v));
	END LOOP;

	SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._connection_map(c, '{}') ORDER BY c.name), '[]')
	INTO result
	FROM hoop_mcp.connections c
	WHERE hoop_mcp._connection_visible(c.id, g, privileged)
	  AND c.name LIKE coalesce(connections_list.name, '%')
	  AND (connections_list.agent_id IS NULL OR c.agent_id LIKE connections_list.agent_id)
	  AND (connections_list.type IS NULL OR c.type LIKE connections_list.type)
	  AND (connections_list.subtype IS NULL OR c.subtype LIKE connections_list.subtype)
	  AND (connections_list.search IS NULL OR
		   pg_catalog.concat_ws(' ', c.name, c.subtype, c.type, c.status)
				ILIKE '%' || connections_list.search || '%')
	  AND (connections_list.tags IS NULL OR NOT EXISTS (
			SELECT 1 FROM pg_catalog.unnest(connections_list.tags) t
			WHERE NOT (c.tags ? t OR
					   coalesce(pg_catalog.strpos(t, '=') > 0 AND
								c.tags ->> pg_catalog.split_part(t, '=', 1) = pg_catalog.substr(t, pg_catalog.strpos(t, '=') + 1),
								false))))
	  AND NOT EXISTS (
			SELECT 1 FROM pg_catalog.jsonb_array_elements(selector) s
			WHERE CASE s->>1
					WHEN '=' THEN (c.tags ->> (s->>0)) IS DISTINCT FROM (s->>2)
					ELSE (c.tags ->> (s->>0)) IS NOT DISTINCT FROM (s->>2)
				  END);
	RETURN result;
END
$$;

CREATE FUNCTION hoop_mcp.connections_get(name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	c hoop_mcp.connections;
	secrets jsonb := '{}';
BEGIN
	IF coalesce(connections_get.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	c := hoop_mcp._visible_connection(connections_get.name, g);
	IF c.id IS NULL THEN
		RAISE EXCEPTION 'connection not found' USING ERRCODE = 'no_data_found',
			HINT = 'connections_list shows the connections you may use.';
	END IF;
	IF hoop_mcp._is_admin(g) THEN
		SELECT s.envs INTO secrets FROM hoop_mcp.connection_secrets s WHERE s.connection_id = c.id;
	END IF;
	RETURN hoop_mcp._connection_map(c, coalesce(secrets, '{}'));
END
$$;

CREATE FUNCTION hoop_mcp._check_access_mode(field text, value text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF value IS NOT NULL AND value NOT IN ('enabled', 'disabled') THEN
		RAISE EXCEPTION '% must be "enabled" or "disabled"', field USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

CREATE FUNCTION hoop_mcp._check_connection_fields(type text, tags jsonb,
												  access_mode_runbooks text, access_mode_exec text,
												  access_mode_connect text, secrets jsonb)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF type IS NOT NULL AND type NOT IN ('database', 'application', 'custom') THEN
		RAISE EXCEPTION 'type must be one of database, application or custom'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF tags IS NOT NULL AND (pg_catalog.jsonb_typeof(tags) <> 'object' OR EXISTS (
			SELECT 1 FROM pg_catalog.jsonb_each(tags) t WHERE pg_catalog.jsonb_typeof(t.value) <> 'string')) THEN
		RAISE EXCEPTION 'tags must be an object of string values' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_access_mode('access_mode_runbooks', access_mode_runbooks);
	PERFORM hoop_mcp._check_access_mode('access_mode_exec', access_mode_exec);
	PERFORM hoop_mcp._check_access_mode('access_mode_connect', access_mode_connect);
	PERFORM hoop_mcp._check_secrets(secrets);
END
$$;

CREATE FUNCTION hoop_mcp.connections_create(name text, type text, subtype text DEFAULT NULL,
											agent_id text DEFAULT NULL, command text[] DEFAULT NULL,
											secrets jsonb DEFAULT NULL, tags jsonb DEFAULT NULL,
											access_mode_runbooks text DEFAULT NULL,
											access_mode_exec text DEFAULT NULL,
											access_mode_connect text DEFAULT NULL,
											guardrail_rules text[] DEFAULT NULL,
											reviewers text[] DEFAULT NULL,
											redact_types text[] DEFAULT NULL,
											mandatory_metadata_fields text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(connections_create.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT hoop_mcp._name_valid(connections_create.name) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(connections_create.type, '') = '' THEN
		RAISE EXCEPTION 'type is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_connection_fields(connections_create.type, connections_create.tags,
		connections_create.access_mode_runbooks, connections_create.access_mode_exec,
		connections_create.access_mode_connect, connections_create.secrets);
	BEGIN
		INSERT INTO hoop_mcp.connections AS x (name, type, subtype, agent_id, command, tags,
			access_mode_runbooks, access_mode_exec, access_mode_connect, access_schema,
			guardrail_rules, reviewers, redact_types, mandatory_metadata_fields)
		VALUES (connections_create.name, connections_create.type, coalesce(connections_create.subtype, ''),
			coalesce(connections_create.agent_id, ''),
			CASE WHEN coalesce(pg_catalog.cardinality(connections_create.command), 0) > 0 THEN connections_create.command
				 ELSE hoop_mcp._default_command(connections_create.subtype) END,
			coalesce(connections_create.tags, '{}'),
			coalesce(connections_create.access_mode_runbooks, 'enabled'),
			coalesce(connections_create.access_mode_exec, 'enabled'),
			coalesce(connections_create.access_mode_connect, 'enabled'),
			CASE WHEN connections_create.type = 'database' THEN 'enabled' ELSE 'disabled' END,
			coalesce(connections_create.guardrail_rules, '{}'), coalesce(connections_create.reviewers, '{}'),
			coalesce(connections_create.redact_types, '{}'),
			coalesce(connections_create.mandatory_metadata_fields, '{}'))
		RETURNING * INTO c;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION 'connection already exists' USING ERRCODE = 'unique_violation';
	END;
	INSERT INTO hoop_mcp.connection_secrets (connection_id, envs)
	VALUES (c.id, coalesce(connections_create.secrets, '{}'));
	RETURN hoop_mcp._connection_map(c, '{}');
END
$$;

CREATE FUNCTION hoop_mcp.connections_update(name text, type text DEFAULT NULL, subtype text DEFAULT NULL,
											agent_id text DEFAULT NULL, command text[] DEFAULT NULL,
											secrets jsonb DEFAULT NULL, tags jsonb DEFAULT NULL,
											access_mode_runbooks text DEFAULT NULL,
											access_mode_exec text DEFAULT NULL,
											access_mode_connect text DEFAULT NULL,
											guardrail_rules text[] DEFAULT NULL,
											reviewers text[] DEFAULT NULL,
											redact_types text[] DEFAULT NULL,
											mandatory_metadata_fields text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(connections_update.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO c FROM hoop_mcp.connections x WHERE x.name = connections_update.name FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection not found' USING ERRCODE = 'no_data_found';
	END IF;
	IF coalesce(c.managed_by, '') <> '' THEN
		RAISE EXCEPTION 'connection is managed by "%" and cannot be updated via MCP', c.managed_by
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	PERFORM hoop_mcp._check_connection_fields(nullif(connections_update.type, ''), connections_update.tags,
		nullif(connections_update.access_mode_runbooks, ''), nullif(connections_update.access_mode_exec, ''),
		nullif(connections_update.access_mode_connect, ''), connections_update.secrets);
	-- hoop's partial update: empty or missing fields stay; lists and maps
	-- that are given replace the stored value whole; agent_id "" clears.
	UPDATE hoop_mcp.connections x SET
		type = coalesce(nullif(connections_update.type, ''), x.type),
		subtype = coalesce(nullif(connections_update.subtype, ''), x.subtype),
		agent_id = coalesce(connections_update.agent_id, x.agent_id),
		command = CASE WHEN pg_catalog.cardinality(connections_update.command) > 0 THEN connections_update.command ELSE x.command END,
		tags = coalesce(connections_update.tags, x.tags),
		access_mode_runbooks = coalesce(nullif(connections_update.access_mode_runbooks, ''), x.access_mode_runbooks),
		access_mode_exec = coalesce(nullif(connections_update.access_mode_exec, ''), x.access_mode_exec),
		access_mode_connect = coalesce(nullif(connections_update.access_mode_connect, ''), x.access_mode_connect),
		guardrail_rules = coalesce(connections_update.guardrail_rules, x.guardrail_rules),
		reviewers = coalesce(connections_update.reviewers, x.reviewers),
		redact_types = coalesce(connections_update.redact_types, x.redact_types),
		mandatory_metadata_fields = coalesce(connections_update.mandatory_metadata_fields, x.mandatory_metadata_fields),
		updated_at = pg_catalog.now()
	WHERE x.id = c.id
	RETURNING * INTO c;
	IF connections_update.secrets IS NOT NULL THEN
		INSERT INTO hoop_mcp.connection_secrets AS s (connection_id, envs) VALUES (c.id, connections_update.secrets)
		ON CONFLICT (connection_id) DO UPDATE SET envs = excluded.envs, updated_at = pg_catalog.now();
	END IF;
	RETURN hoop_mcp._connection_map(c, '{}');
END
$$;

CREATE FUNCTION hoop_mcp.connections_delete(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(connections_delete.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	DELETE FROM hoop_mcp.connections x WHERE x.name = connections_delete.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('connection "%s" deleted successfully', connections_delete.name));
END
$$;

-- ===========================================================================
-- Tools: access control (hoop's access_control_* tools, admin only)
-- ===========================================================================

CREATE FUNCTION hoop_mcp._connection_by_name(name text) RETURNS hoop_mcp.connections
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'connection_name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO c FROM hoop_mcp.connections x WHERE x.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection "%" not found', $1 USING ERRCODE = 'no_data_found';
	END IF;
	RETURN c;
END
$$;

CREATE FUNCTION hoop_mcp.access_control_set(connection_name text, groups text[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
	clean text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	c := hoop_mcp._connection_by_name(connection_name);
	SELECT pg_catalog.array_agg(DISTINCT g ORDER BY g) INTO clean
	FROM pg_catalog.unnest(groups) g WHERE coalesce(g, '') <> '';
	IF clean IS NULL THEN
		RAISE EXCEPTION 'groups must contain at least one user group; use access_control_unset to remove the binding'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO hoop_mcp.plugins (name) VALUES ('access_control') ON CONFLICT DO NOTHING;
	PERFORM hoop_mcp._ensure_groups(clean);
	INSERT INTO hoop_mcp.access_control (connection_id, allowed_groups) VALUES (c.id, clean)
	ON CONFLICT (connection_id) DO UPDATE SET allowed_groups = excluded.allowed_groups, updated_at = pg_catalog.now();
	RETURN pg_catalog.jsonb_build_object('connection_name', c.name, 'connection_id', c.id,
										 'allowed_groups', pg_catalog.to_jsonb(clean));
END
$$;

CREATE FUNCTION hoop_mcp.access_control_unset(connection_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
BEGIN
	PERFORM hoop_mcp._require_admin();
	c := hoop_mcp._connection_by_name(connection_name);
	DELETE FROM hoop_mcp.access_control WHERE connection_id = c.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'connection "%" has no access_control binding', c.name USING ERRCODE = 'no_data_found';
	END IF;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('access_control binding removed from connection "%s"', c.name));
END
$$;

CREATE FUNCTION hoop_mcp.access_control_get(connection_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c hoop_mcp.connections;
	groups text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	c := hoop_mcp._connection_by_name(connection_name);
	SELECT allowed_groups INTO groups FROM hoop_mcp.access_control WHERE connection_id = c.id;
	IF groups IS NULL THEN
		-- Unlike hoop's note, say what really happens once the plugin exists.
		RETURN pg_catalog.jsonb_build_object('connection_name', c.name, 'connection_id', c.id,
			'allowed_groups', '[]'::jsonb,
			'note', CASE WHEN EXISTS (SELECT 1 FROM hoop_mcp.plugins WHERE name = 'access_control')
						 THEN 'no access_control binding — connection is visible to admins and auditors only'
						 ELSE 'no access_control binding — connection is visible to all users' END);
	END IF;
	RETURN pg_catalog.jsonb_build_object('connection_name', c.name, 'connection_id', c.id,
										 'allowed_groups', pg_catalog.to_jsonb(groups));
END
$$;

CREATE FUNCTION hoop_mcp.access_control_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'connection_id', c.id, 'connection_name', c.name,
				'allowed_groups', pg_catalog.to_jsonb(a.allowed_groups)) ORDER BY c.name), '[]')
			FROM hoop_mcp.access_control a JOIN hoop_mcp.connections c ON c.id = a.connection_id);
END
$$;

-- ===========================================================================
-- Tools: users and groups (read side; hoop has no users_create)
-- ===========================================================================

CREATE FUNCTION hoop_mcp._user_map(u hoop_mcp.users) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object('id', u.subject, 'email', u.email, 'name', coalesce(u.name, ''),
			'status', u.status, 'verified', u.verified,
			'groups', pg_catalog.to_jsonb(hoop_mcp._user_groups(u.id)))
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('slack_id', u.slack_id))
$$;

-- Unlike hoop (any user), users_list and users_get need admin or auditor.
CREATE FUNCTION hoop_mcp.users_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._user_map(u) ORDER BY u.email), '[]') FROM hoop_mcp.users u);
END
$$;

CREATE FUNCTION hoop_mcp.users_get(email text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	IF coalesce(users_get.email, '') = '' THEN
		RAISE EXCEPTION 'email is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO u FROM hoop_mcp.users x WHERE x.email = pg_catalog.lower(users_get.email);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN hoop_mcp._user_map(u);
END
$$;

CREATE FUNCTION hoop_mcp.usergroups_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._actor();
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(g.name ORDER BY g.name), '[]') FROM hoop_mcp.groups g);
END
$$;

-- ===========================================================================
-- Tools: sessions
-- ===========================================================================

-- hoop's sessionToMap.
CREATE FUNCTION hoop_mcp._session_map(s hoop_mcp.sessions) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', s.id, 'connection', s.connection, 'connection_type', s.connection_type,
			'connection_subtype', s.connection_subtype, 'user_id', s.user_id,
			'user_email', s.user_email, 'user_name', coalesce(s.user_name, ''),
			'status', s.status, 'verb', s.verb, 'created_at', s.created_at)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'ended_at', s.ended_at, 'exit_code', s.exit_code,
			'session_batch_id', s.session_batch_id, 'labels', s.labels,
			'metadata', CASE WHEN s.metadata <> '{}' THEN s.metadata END,
			'integrations_metadata', s.integrations_metadata, 'metrics', s.metrics,
			'connection_tags', CASE WHEN s.connection_tags <> '{}' THEN s.connection_tags END,
			'review', (SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
							'id', r.id, 'type', r.type, 'status', r.status,
							'access_duration', r.access_duration_sec::bigint * 1000000000,
							'access_request_rule_name', r.access_request_rule_name))
					   FROM hoop_mcp.reviews r WHERE r.session_id = s.id)))
$$;

-- Whether groups g review the session: a reviewer needs to read what they
-- approve.
CREATE FUNCTION hoop_mcp._reviews_session(session_id uuid, g text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM hoop_mcp.reviews r
				   WHERE r.session_id = $1
					 AND (r.force_approval_groups && $2
						  OR EXISTS (SELECT 1 FROM hoop_mcp.review_groups rg
									 WHERE rg.review_id = r.id AND rg.group_name = ANY ($2))))
$$;

-- A session the caller may read: the owner, its reviewers, admins and
-- auditors.
CREATE FUNCTION hoop_mcp._readable_session(id text) RETURNS hoop_mcp.sessions
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	s hoop_mcp.sessions;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO s FROM hoop_mcp.sessions x WHERE x.id::text = pg_catalog.lower($1);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'session not found' USING ERRCODE = 'no_data_found';
	END IF;
	IF s.user_id <> u.subject AND NOT (hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g))
	   AND NOT hoop_mcp._reviews_session(s.id, g) THEN
		RAISE EXCEPTION 'access denied: you can only view your own sessions or must be admin/auditor'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN s;
END
$$;

CREATE FUNCTION hoop_mcp.sessions_get(id text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._session_map(hoop_mcp._readable_session($1))
$$;

CREATE FUNCTION hoop_mcp.sessions_get_content(id text, include_input boolean DEFAULT true,
											  include_output boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	s hoop_mcp.sessions := hoop_mcp._readable_session(sessions_get_content.id);
BEGIN
	RETURN pg_catalog.jsonb_build_object('id', s.id, 'connection', s.connection, 'status', s.status, 'verb', s.verb)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'input', CASE WHEN coalesce(include_input, true) THEN s.input END,
			'output', CASE WHEN coalesce(include_output, true) THEN s.output END,
			'exit_code', s.exit_code));
END
$$;

CREATE FUNCTION hoop_mcp.sessions_list("user" text DEFAULT NULL, connection text DEFAULT NULL,
									   type text DEFAULT NULL, review_status text DEFAULT NULL,
									   start_date text DEFAULT NULL, end_date text DEFAULT NULL,
									   "limit" integer DEFAULT NULL, "offset" integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	privileged boolean := hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g);
	lim integer := coalesce(sessions_list."limit", 0);
	off integer := coalesce(sessions_list."offset", 0);
	t_start timestamptz;
	t_end timestamptz;
	total bigint;
	items jsonb;
	n integer;
BEGIN
	IF lim < 0 THEN
		RAISE EXCEPTION 'invalid limit, must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	ELSIF lim = 0 THEN
		lim := 20;
	ELSIF lim > 100 THEN
		lim := 100;
	END IF;
	IF off < 0 THEN
		RAISE EXCEPTION 'invalid offset, must not be negative' USING ERRCODE = 'invalid_parameter_value';
	ELSIF off > 10000 THEN
		RAISE EXCEPTION 'invalid offset, must not be greater than 10000; narrow the filters instead of paginating deeper'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(start_date, '') <> '' THEN
		BEGIN
			IF start_date !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$' THEN
				RAISE invalid_datetime_format;
			END IF;
			t_start := start_date::timestamptz;
		EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
			RAISE EXCEPTION 'invalid start_date format, expected RFC3339 (e.g. 2024-01-01T00:00:00Z)'
				USING ERRCODE = 'invalid_datetime_format';
		END;
		IF coalesce(end_date, '') <> '' THEN
			BEGIN
				IF end_date !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$' THEN
					RAISE invalid_datetime_format;
				END IF;
				t_end := end_date::timestamptz;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
				RAISE EXCEPTION 'invalid end_date format, expected RFC3339 (e.g. 2024-01-01T00:00:00Z)'
					USING ERRCODE = 'invalid_datetime_format';
			END;
		ELSE
			t_end := pg_catalog.now();
		END IF;
	END IF;

	-- hoop: the count is capped at 10000; has_next_page comes from
	-- fetching one row more than asked.
	WITH visible AS (
		SELECT s.* FROM hoop_mcp.sessions s
		WHERE (privileged OR s.user_id = u.subject OR hoop_mcp._reviews_session(s.id, g))
		  AND (sessions_list."user" IS NULL OR s.user_id LIKE sessions_list."user"
			   OR s.user_email LIKE pg_catalog.lower(sessions_list."user"))
		  AND (sessions_list.connection IS NULL OR s.connection LIKE sessions_list.connection)
		  AND (sessions_list.type IS NULL OR s.connection_type LIKE sessions_list.type)
		  AND (sessions_list.review_status IS NULL OR EXISTS (
				SELECT 1 FROM hoop_mcp.reviews r
				WHERE r.session_id = s.id AND r.status::text LIKE pg_catalog.upper(sessions_list.review_status)))
		  AND (t_start IS NULL OR s.created_at BETWEEN t_start AND t_end)
	)
	SELECT (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM visible LIMIT 10001) c),
		   (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._session_map(p) ORDER BY p.created_at DESC, p.id DESC), '[]')
			FROM (SELECT * FROM visible ORDER BY created_at DESC, id DESC LIMIT lim + 1 OFFSET off) p)
	INTO total, items;
	n := pg_catalog.jsonb_array_length(items);
	IF n > lim THEN
		items := items - lim;
	END IF;
	RETURN pg_catalog.jsonb_build_object(
		'total', LEAST(total, 10000), 'total_is_capped', total > 10000,
		'has_next_page', n > lim, 'items', items);
END
$$;

-- ===========================================================================
-- Tools: access request rules (hoop's access_request_rules_*)
-- ===========================================================================

CREATE FUNCTION hoop_mcp._rule_map(r hoop_mcp.access_request_rules) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', r.id, 'name', r.name, 'access_type', r.access_type,
			'all_groups_must_approve', r.all_groups_must_approve,
			'created_at', r.created_at, 'updated_at', r.updated_at,
			'approval_required_groups', pg_catalog.to_jsonb(r.approval_required_groups))
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'description', r.description,
			'connection_names', CASE WHEN r.connection_names <> '{}' THEN pg_catalog.to_jsonb(r.connection_names) END,
			'reviewers_groups', CASE WHEN r.reviewers_groups <> '{}' THEN pg_catalog.to_jsonb(r.reviewers_groups) END,
			'force_approval_groups', CASE WHEN r.force_approval_groups <> '{}' THEN pg_catalog.to_jsonb(r.force_approval_groups) END,
			'skip_review_groups', CASE WHEN r.skip_review_groups <> '{}' THEN pg_catalog.to_jsonb(r.skip_review_groups) END,
			'min_approvals', r.min_approvals,
			'access_max_duration', r.access_max_duration))
$$;

-- hoop's validation, for create and update.
CREATE FUNCTION hoop_mcp._check_rule(access_type text, connection_names text[], reviewers_groups text[],
									 all_groups_must_approve boolean, min_approvals integer,
									 approval_required_groups text[], skip_review_groups text[],
									 attributes text[], access_max_duration integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF coalesce(pg_catalog.cardinality(attributes), 0) > 0 THEN
		RAISE EXCEPTION 'attributes are not supported by hoop_mcp' USING ERRCODE = 'feature_not_supported',
			HINT = 'Name the connections in connection_names.';
	END IF;
	IF coalesce(pg_catalog.cardinality(connection_names), 0) = 0 THEN
		RAISE EXCEPTION 'either connection_names or attributes must have at least 1 entry'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF access_type IS NULL OR access_type NOT IN ('jit', 'command', 'jit_command') THEN
		RAISE EXCEPTION 'access_type must be one of ''jit'', ''command'' or ''jit_command'''
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(pg_catalog.cardinality(reviewers_groups), 0) = 0 THEN
		RAISE EXCEPTION 'reviewers_groups must have at least 1 entry' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT coalesce(all_groups_must_approve, false) AND coalesce(min_approvals, 0) < 1 THEN
		RAISE EXCEPTION 'min_approvals must be at least 1 when all_groups_must_approve is false'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(pg_catalog.cardinality(skip_review_groups), 0) > 0 AND
	   coalesce(pg_catalog.cardinality(approval_required_groups), 0) > 0 THEN
		RAISE EXCEPTION 'skip_review_groups can only be set when approval_required_groups is empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF access_max_duration IS NOT NULL AND access_max_duration < 1 THEN
		RAISE EXCEPTION 'access_max_duration must be a positive number of seconds'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_list(page integer DEFAULT NULL, page_size integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	p integer := greatest(coalesce(page, 1), 1);
	size integer := greatest(coalesce(page_size, 0), 0);
	total bigint;
	data jsonb;
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	SELECT pg_catalog.count(*) INTO total FROM hoop_mcp.access_request_rules;
	SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._rule_map(r) ORDER BY r.name), '[]') INTO data
	FROM (SELECT * FROM hoop_mcp.access_request_rules ORDER BY name
		  LIMIT CASE WHEN size > 0 THEN size END OFFSET CASE WHEN size > 0 THEN (p - 1) * size ELSE 0 END) r;
	RETURN pg_catalog.jsonb_build_object(
		'pages', pg_catalog.jsonb_build_object('total', total, 'page', p, 'size', size),
		'data', data);
END
$$;

CREATE FUNCTION hoop_mcp._rule_by_name(name text) RETURNS hoop_mcp.access_request_rules
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.access_request_rules;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO r FROM hoop_mcp.access_request_rules x WHERE x.name = $1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'access request rule not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN r;
END
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_get(name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	RETURN hoop_mcp._rule_map(hoop_mcp._rule_by_name(access_request_rules_get.name));
END
$$;

-- Create (replace = false) or replace every field of a rule (hoop's update
-- is a full replacement).
CREATE FUNCTION hoop_mcp._rule_save(replace boolean, name text, access_type text,
									approval_required_groups text[], reviewers_groups text[],
									all_groups_must_approve boolean, description text,
									connection_names text[], force_approval_groups text[],
									skip_review_groups text[], min_approvals integer,
									access_max_duration integer, attributes text[])
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.access_request_rules;
	names text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(_rule_save.name, '') = '' THEN
		RAISE EXCEPTION 'name is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT replace AND NOT hoop_mcp._name_valid(_rule_save.name) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_rule(access_type, connection_names, reviewers_groups, all_groups_must_approve,
								 min_approvals, approval_required_groups, skip_review_groups, attributes,
								 access_max_duration);
	SELECT pg_catalog.array_agg(DISTINCT c ORDER BY c) INTO names FROM pg_catalog.unnest(connection_names) c;
	IF EXISTS (SELECT 1 FROM hoop_mcp.access_request_rules x
			   WHERE x.access_type = _rule_save.access_type AND x.name <> _rule_save.name
				 AND (SELECT pg_catalog.array_agg(DISTINCT c ORDER BY c) FROM pg_catalog.unnest(x.connection_names) c) = names) THEN
		RAISE EXCEPTION 'an access request rule with the same connection names and access type already exists'
			USING ERRCODE = 'unique_violation';
	END IF;
	IF replace THEN
		UPDATE hoop_mcp.access_request_rules x SET
			access_type = _rule_save.access_type, description = _rule_save.description,
			connection_names = names,
			approval_required_groups = coalesce(_rule_save.approval_required_groups, '{}'),
			reviewers_groups = _rule_save.reviewers_groups,
			all_groups_must_approve = coalesce(_rule_save.all_groups_must_approve, false),
			min_approvals = _rule_save.min_approvals,
			force_approval_groups = coalesce(_rule_save.force_approval_groups, '{}'),
			skip_review_groups = coalesce(_rule_save.skip_review_groups, '{}'),
			access_max_duration = _rule_save.access_max_duration,
			updated_at = pg_catalog.now()
		WHERE x.name = _rule_save.name
		RETURNING * INTO r;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'access request rule not found' USING ERRCODE = 'no_data_found';
		END IF;
	ELSE
		BEGIN
			INSERT INTO hoop_mcp.access_request_rules AS x (name, access_type, description, connection_names,
				approval_required_groups, reviewers_groups, all_groups_must_approve, min_approvals,
				force_approval_groups, skip_review_groups, access_max_duration)
			VALUES (_rule_save.name, _rule_save.access_type, _rule_save.description, names,
				coalesce(_rule_save.approval_required_groups, '{}'), _rule_save.reviewers_groups,
				coalesce(_rule_save.all_groups_must_approve, false), _rule_save.min_approvals,
				coalesce(_rule_save.force_approval_groups, '{}'), coalesce(_rule_save.skip_review_groups, '{}'),
				_rule_save.access_max_duration)
			RETURNING * INTO r;
		EXCEPTION WHEN unique_violation THEN
			RAISE EXCEPTION 'access request rule with the same name already exists' USING ERRCODE = 'unique_violation';
		END;
	END IF;
	RETURN hoop_mcp._rule_map(r);
END
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_create(name text, access_type text,
		approval_required_groups text[], reviewers_groups text[], all_groups_must_approve boolean,
		description text DEFAULT NULL, connection_names text[] DEFAULT NULL,
		force_approval_groups text[] DEFAULT NULL, skip_review_groups text[] DEFAULT NULL,
		min_approvals integer DEFAULT NULL, access_max_duration integer DEFAULT NULL,
		attributes text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._rule_save(false, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_update(name text, access_type text,
		approval_required_groups text[], reviewers_groups text[], all_groups_must_approve boolean,
		description text DEFAULT NULL, connection_names text[] DEFAULT NULL,
		force_approval_groups text[] DEFAULT NULL, skip_review_groups text[] DEFAULT NULL,
		min_approvals integer DEFAULT NULL, access_max_duration integer DEFAULT NULL,
		attributes text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._rule_save(true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
$$;

CREATE FUNCTION hoop_mcp.access_request_rules_delete(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._rule_by_name(access_request_rules_delete.name);
	DELETE FROM hoop_mcp.access_request_rules x WHERE x.name = access_request_rules_delete.name;
	RETURN pg_catalog.to_jsonb(pg_catalog.format('access request rule "%s" deleted successfully',
												 access_request_rules_delete.name));
END
$$;

-- ===========================================================================
-- Tools: reviews (hoop-mcp.md 5)
-- ===========================================================================

-- hoop's reviewToMap (access_duration in nanoseconds, as Go's Duration).
CREATE FUNCTION hoop_mcp._review_map(r hoop_mcp.reviews) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object('id', r.id, 'session', r.session_id, 'type', r.type,
			'status', r.status, 'created_at', r.created_at)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'access_duration', r.access_duration_sec::bigint * 1000000000,
			'revoke_at', r.revoked_at,
			'access_request_rule_name', r.access_request_rule_name,
			'min_approvals', r.min_approvals,
			'force_approval_groups', CASE WHEN r.force_approval_groups <> '{}' THEN pg_catalog.to_jsonb(r.force_approval_groups) END,
			'connection_name', r.connection_name,
			'owner_email', r.owner_email,
			'rejection_reason', r.rejection_reason,
			'time_window', r.time_window,
			'review_groups_data', (
				SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', g.id, 'group', g.group_name,
						'status', g.status, 'forced_review', g.forced_review)
					|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
						'reviewed_by', CASE WHEN g.reviewer_id IS NOT NULL THEN pg_catalog.jsonb_build_object(
							'id', g.reviewer_id, 'name', coalesce(g.reviewer_name, ''), 'email', g.reviewer_email) END,
						'review_date', g.reviewed_at)) ORDER BY g.group_name)
				FROM hoop_mcp.review_groups g WHERE g.review_id = r.id)))
$$;

-- A review the caller may see: its owner, members of its reviewer or force
-- approval groups, admins and auditors (hoop shows every review to every
-- user).
CREATE FUNCTION hoop_mcp._readable_review(id text, for_update boolean DEFAULT false)
RETURNS hoop_mcp.reviews
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	r hoop_mcp.reviews;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF for_update THEN
		SELECT * INTO r FROM hoop_mcp.reviews x
		WHERE x.id::text = pg_catalog.lower($1) OR x.session_id::text = pg_catalog.lower($1) FOR UPDATE;
	ELSE
		SELECT * INTO r FROM hoop_mcp.reviews x
		WHERE x.id::text = pg_catalog.lower($1) OR x.session_id::text = pg_catalog.lower($1);
	END IF;
	IF NOT FOUND OR NOT (r.owner_id = u.subject OR hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g)
						 OR r.force_approval_groups && g
						 OR EXISTS (SELECT 1 FROM hoop_mcp.review_groups rg
									WHERE rg.review_id = r.id AND rg.group_name = ANY (g))) THEN
		RAISE EXCEPTION 'review not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN r;
END
$$;

CREATE FUNCTION hoop_mcp.reviews_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	privileged boolean := hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g);
BEGIN
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._review_map(r) ORDER BY r.created_at DESC, r.id), '[]')
			FROM hoop_mcp.reviews r
			WHERE privileged OR r.owner_id = u.subject OR r.force_approval_groups && g
			   OR EXISTS (SELECT 1 FROM hoop_mcp.review_groups rg
						  WHERE rg.review_id = r.id AND rg.group_name = ANY (g)));
END
$$;

CREATE FUNCTION hoop_mcp.reviews_get(id text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._review_map(hoop_mcp._readable_review($1))
$$;

-- Sessions follow their review: ready when approved, done when rejected or
-- revoked.  Sessions are append-only; this C function is the extension's
-- own, allowed writer (hoop_internal_write).
CREATE FUNCTION hoop_mcp._session_transition(session_id uuid, status text,
											 output text DEFAULT NULL, exit_code integer DEFAULT NULL,
											 executor text DEFAULT NULL)
RETURNS void
	AS 'MODULE_PATHNAME', 'hoop_mcp_session_transition' LANGUAGE C VOLATILE;

-- "HH:MM" in 24-hour form.
CREATE FUNCTION hoop_mcp._valid_hhmm(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT $1 ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
$$;

CREATE FUNCTION hoop_mcp.reviews_update(id text, status text, time_window jsonb DEFAULT NULL,
										force_review boolean DEFAULT NULL, rejection_reason text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	is_admin boolean := hoop_mcp._is_admin(g);
	r hoop_mcp.reviews;
	want text := pg_catalog.upper(coalesce(reviews_update.status, ''));
	matched text[];
	ngroups integer;
	approved integer;
	needed integer;
	forced text;
	new_status hoop_mcp.review_status;
BEGIN
	IF want NOT IN ('APPROVED', 'REJECTED', 'REVOKED') THEN
		RAISE EXCEPTION 'failed updating review: unknown status' USING ERRCODE = 'invalid_parameter_value',
			HINT = 'status is APPROVED, REJECTED or REVOKED.';
	END IF;
	r := hoop_mcp._readable_review(reviews_update.id, true);
	IF r.status NOT IN ('PENDING', 'APPROVED') THEN
		RAISE EXCEPTION 'review is in wrong state' USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF want = 'REVOKED' THEN
		IF r.status <> 'APPROVED' THEN
			RAISE EXCEPTION 'review is in wrong state' USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		IF r.type <> 'jit' THEN
			RAISE EXCEPTION 'review not found' USING ERRCODE = 'no_data_found';
		END IF;
	END IF;
	IF r.owner_id = u.subject AND want = 'APPROVED' AND NOT is_admin THEN
		RAISE EXCEPTION 'unable to self approve review' USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF time_window IS NOT NULL AND want = 'APPROVED' THEN
		IF r.time_window IS NOT NULL THEN
			RAISE EXCEPTION 'time window can only be set once' USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		IF coalesce(time_window->'configuration'->>'start_time', '') = '' OR
		   coalesce(time_window->'configuration'->>'end_time', '') = '' THEN
			RAISE EXCEPTION 'both from and to time must be provided' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT hoop_mcp._valid_hhmm(time_window->'configuration'->>'start_time') THEN
			RAISE EXCEPTION 'invalid start_time format, expected HH:MM in 24-hour format' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT hoop_mcp._valid_hhmm(time_window->'configuration'->>'end_time') THEN
			RAISE EXCEPTION 'invalid end_time format, expected HH:MM in 24-hour format' USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;

	IF coalesce(force_review, false) THEN
		-- A force-approval group decides at once.
		SELECT x INTO forced FROM pg_catalog.unnest(r.force_approval_groups) x WHERE x = ANY (g) ORDER BY x LIMIT 1;
		IF forced IS NULL THEN
			RAISE EXCEPTION 'not eligible for review' USING ERRCODE = 'insufficient_privilege';
		END IF;
		INSERT INTO hoop_mcp.review_groups AS rg (review_id, group_name, status, reviewer_id, reviewer_email,
			reviewer_name, reviewed_at, forced_review)
		VALUES (r.id, forced, want::hoop_mcp.review_status, u.subject, u.email, u.name, pg_catalog.now(), true)
		ON CONFLICT (review_id, group_name) DO UPDATE SET status = excluded.status,
			reviewer_id = excluded.reviewer_id, reviewer_email = excluded.reviewer_email,
			reviewer_name = excluded.reviewer_name, reviewed_at = excluded.reviewed_at, forced_review = true;
		new_status := want::hoop_mcp.review_status;
	ELSE
		SELECT pg_catalog.array_agg(rg.group_name) INTO matched
		FROM hoop_mcp.review_groups rg WHERE rg.review_id = r.id AND rg.group_name = ANY (g);
		IF matched IS NULL THEN
			IF (r.owner_id = u.subject OR is_admin) AND want IN ('REJECTED', 'REVOKED') THEN
				-- The owner or an admin may withdraw: a synthetic group records who.
				INSERT INTO hoop_mcp.review_groups (review_id, group_name, status, reviewer_id,
					reviewer_email, reviewer_name, reviewed_at)
				VALUES (r.id, CASE WHEN is_admin THEN hoop_mcp._admin_group() ELSE coalesce(g[1], 'owner') END,
						want::hoop_mcp.review_status, u.subject, u.email, u.name, pg_catalog.now())
				ON CONFLICT (review_id, group_name) DO UPDATE SET status = excluded.status,
					reviewer_id = excluded.reviewer_id, reviewer_email = excluded.reviewer_email,
					reviewer_name = excluded.reviewer_name, reviewed_at = excluded.reviewed_at;
				new_status := want::hoop_mcp.review_status;
			ELSIF (r.owner_id = u.subject OR is_admin) AND want = 'APPROVED' THEN
				RETURN hoop_mcp._review_map(r);	-- hoop: no error, no change
			ELSE
				RAISE EXCEPTION 'not eligible for review' USING ERRCODE = 'insufficient_privilege';
			END IF;
		ELSE
			UPDATE hoop_mcp.review_groups rg SET status = want::hoop_mcp.review_status,
				reviewer_id = u.subject, reviewer_email = u.email, reviewer_name = u.name,
				reviewed_at = pg_catalog.now()
			WHERE rg.review_id = r.id AND rg.group_name = ANY (matched);
			IF want = 'APPROVED' THEN
				SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE rg.status = 'APPROVED')
				INTO ngroups, approved
				FROM hoop_mcp.review_groups rg WHERE rg.review_id = r.id;
				needed := CASE WHEN r.min_approvals IS NOT NULL THEN LEAST(ngroups, r.min_approvals) ELSE ngroups END;
				new_status := CASE WHEN approved >= needed THEN 'APPROVED' ELSE r.status END;
			ELSE
				new_status := want::hoop_mcp.review_status;
			END IF;
		END IF;
	END IF;

	UPDATE hoop_mcp.reviews x SET
		status = new_status,
		time_window = CASE WHEN want = 'APPROVED' AND reviews_update.time_window IS NOT NULL
						   THEN reviews_update.time_window ELSE x.time_window END,
		rejection_reason = CASE WHEN new_status = 'REJECTED' AND coalesce(reviews_update.rejection_reason, '') <> ''
								THEN reviews_update.rejection_reason ELSE x.rejection_reason END,
		revoked_at = CASE WHEN new_status = 'APPROVED' AND x.status <> 'APPROVED' AND x.type = 'jit'
						  THEN pg_catalog.now() + pg_catalog.make_interval(secs => coalesce(x.access_duration_sec, 900))
						  WHEN new_status = 'REVOKED' THEN pg_catalog.now()
						  ELSE x.revoked_at END
	WHERE x.id = r.id
	RETURNING * INTO r;
	IF new_status = 'APPROVED' THEN
		PERFORM hoop_mcp._session_transition(r.session_id, 'ready');
	ELSIF new_status IN ('REJECTED', 'REVOKED') THEN
		PERFORM hoop_mcp._session_transition(r.session_id, 'done',
			pg_catalog.format('review %s%s', pg_catalog.lower(new_status::text),
							  CASE WHEN r.rejection_reason IS NOT NULL THEN ': ' || r.rejection_reason ELSE '' END), 1);
	END IF;
	RETURN hoop_mcp._review_map(r);
END
$$;

-- The worker's and reviews_wait's view of a review: its map, and whether
-- it reached a state waiting ends on (hoop's isReviewTerminal).
CREATE FUNCTION hoop_mcp._review_state(id text, OUT map jsonb, OUT terminal boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.reviews := hoop_mcp._readable_review(id);
BEGIN
	map := hoop_mcp._review_map(r);
	terminal := r.status IN ('APPROVED', 'REJECTED', 'REVOKED', 'EXECUTED');
END
$$;

-- hoop's reviews_wait: long-polls until the review reaches APPROVED,
-- REJECTED, REVOKED or EXECUTED, or the timeout (default 60 s, 2..300).
-- Wakes when the deciding transaction commits (no polling).
CREATE FUNCTION hoop_mcp.reviews_wait(id text, timeout_seconds integer DEFAULT NULL) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_reviews_wait' LANGUAGE C VOLATILE;

-- The worker's side of reviews_execute: hoop's guards in hoop's order,
-- then APPROVED -> PROCESSING and the session reopened for this worker.
-- The row lock makes a review execute at most once.
CREATE FUNCTION hoop_mcp._review_execute_begin(id text, executor text,
		OUT session_id uuid, OUT connection_name text, OUT input text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	r hoop_mcp.reviews;
	s hoop_mcp.sessions;
	t time := (pg_catalog.now() AT TIME ZONE 'UTC')::time;
	t_start time;
	t_end time;
	in_window boolean;
BEGIN
	IF coalesce(id, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	r := hoop_mcp._readable_review(id);
	IF r.type <> 'onetime' THEN
		RAISE EXCEPTION 'review is not a one-time review' USING ERRCODE = 'wrong_object_type';
	END IF;
	BEGIN
		PERFORM 1 FROM hoop_mcp.reviews x WHERE x.id = r.id FOR UPDATE NOWAIT;
	EXCEPTION WHEN lock_not_available THEN
		RAISE EXCEPTION 'the session % is already being processed', r.session_id
			USING ERRCODE = 'lock_not_available';
	END;
	SELECT * INTO r FROM hoop_mcp.reviews x WHERE x.id = r.id;	-- the locked version
	SELECT * INTO s FROM hoop_mcp.sessions x WHERE x.id = r.session_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'session not found' USING ERRCODE = 'no_data_found';
	END IF;
	IF s.user_email <> u.email AND NOT (hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g)) THEN
		RAISE EXCEPTION 'unable to execute session' USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF r.status <> 'APPROVED' THEN
		RAISE EXCEPTION 'review not approved or already executed' USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF r.time_window IS NOT NULL THEN
		IF r.time_window->>'type' IS DISTINCT FROM 'time_range' THEN
			RAISE EXCEPTION 'unknown execution window type %', r.time_window->>'type'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		BEGIN
			t_start := (r.time_window->'configuration'->>'start_time')::time;
			t_end := (r.time_window->'configuration'->>'end_time')::time;
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION 'invalid execution window configuration' USING ERRCODE = 'invalid_parameter_value';
		END;
		-- A window may cross midnight.
		in_window := CASE WHEN t_start <= t_end THEN t >= t_start AND t <= t_end
						  ELSE t >= t_start OR t <= t_end END;
		IF NOT in_window THEN
			RAISE EXCEPTION 'execution not allowed outside the time window % to % UTC',
				pg_catalog.to_char(t_start, 'HH24:MI'), pg_catalog.to_char(t_end, 'HH24:MI')
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
	END IF;
	UPDATE hoop_mcp.reviews x SET status = 'PROCESSING' WHERE x.id = r.id;
	PERFORM hoop_mcp._session_transition(s.id, 'open', NULL, NULL, executor);
	session_id := s.id;
	connection_name := s.connection;
	input := s.input;
END
$$;

-- The gate an exec passes first (hoop's access-request interceptor, 3.3).
-- Returns the review type to create ('onetime' or 'jit') and the rule,
-- or NULL when the exec may run: no rule, not a group the rule reviews, a
-- skip group, or an approved JIT grant still open for this user.
CREATE FUNCTION hoop_mcp._exec_gate(subject text, groups text[], connection_name text,
		OUT review_type text, OUT rule hoop_mcp.access_request_rules)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	SELECT * INTO rule FROM hoop_mcp.access_request_rules r
	WHERE _exec_gate.connection_name = ANY (r.connection_names)
	ORDER BY r.access_type = 'command' DESC, r.access_type = 'jit_command' DESC, r.name
	LIMIT 1;
	IF rule.id IS NULL THEN
		RETURN;
	END IF;
	IF rule.approval_required_groups <> '{}' AND NOT rule.approval_required_groups && groups THEN
		rule := NULL;
		RETURN;
	END IF;
	IF rule.approval_required_groups = '{}' AND rule.skip_review_groups && groups THEN
		rule := NULL;
		RETURN;
	END IF;
	IF rule.access_type <> 'command' AND EXISTS (
			SELECT 1 FROM hoop_mcp.reviews v
			WHERE v.type = 'jit' AND v.owner_id = _exec_gate.subject
			  AND v.connection_name = _exec_gate.connection_name
			  AND v.status = 'APPROVED' AND v.revoked_at > pg_catalog.now()) THEN
		rule := NULL;	-- an open JIT grant
		RETURN;
	END IF;
	review_type := CASE WHEN rule.access_type = 'command' THEN 'onetime' ELSE 'jit' END;
END
$$;

-- A gated exec's PENDING review, with one group per reviewer group of the
-- rule; owner and connection come from its session (open, not running).
CREATE FUNCTION hoop_mcp._review_open(session_id uuid, review_type text, rule_name text,
		env_vars jsonb DEFAULT NULL, client_args text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rule hoop_mcp.access_request_rules;
BEGIN
	SELECT * INTO rule FROM hoop_mcp.access_request_rules r WHERE r.name = rule_name;
	INSERT INTO hoop_mcp.reviews (id, session_id, connection_id, connection_name, type, input_env_vars,
		input_client_args, access_duration_sec, owner_id, owner_email, owner_name,
		access_request_rule_name, force_approval_groups, min_approvals)
	SELECT s.id, s.id, s.connection_id, s.connection, review_type, env_vars, client_args,
		CASE WHEN review_type = 'jit' THEN LEAST(coalesce(rule.access_max_duration, 900), 48 * 3600) END,
		s.user_id, s.user_email, s.user_name, rule.name, rule.force_approval_groups,
		CASE WHEN rule.all_groups_must_approve THEN pg_catalog.cardinality(rule.reviewers_groups)
			 ELSE rule.min_approvals END
	FROM hoop_mcp.sessions s WHERE s.id = _review_open.session_id;
	INSERT INTO hoop_mcp.review_groups (review_id, group_name)
	SELECT DISTINCT session_id, x FROM pg_catalog.unnest(rule.reviewers_groups) x;
END
$$;

-- ===========================================================================
-- Tools that run on a target database: handed to the background worker.
-- ===========================================================================

CREATE FUNCTION hoop_mcp.exec(connection_name text, input text, args text[] DEFAULT NULL,
							  env_vars jsonb DEFAULT NULL, metadata jsonb DEFAULT NULL,
							  jira_fields jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('exec', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
		'connection_name', $1, 'input', $2, 'args', $3, 'env_vars', $4, 'metadata', $5, 'jira_fields', $6)))
$$;

CREATE FUNCTION hoop_mcp.reviews_execute(id text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('reviews_execute', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('id', $1)))
$$;

CREATE FUNCTION hoop_mcp.connection_databases(connection_name text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('connection_databases', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('connection_name', $1)))
$$;

CREATE FUNCTION hoop_mcp.connection_tables(connection_name text, database text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('connection_tables', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('connection_name', $1, 'database', $2)))
$$;

CREATE FUNCTION hoop_mcp.connection_columns(connection_name text, database text, "table" text,
											schema text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('connection_columns', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('connection_name', $1, 'database', $2, 'table', $3, 'schema', $4)))
$$;

-- ===========================================================================
-- The tool catalogue (hoop's names, descriptions, schemas, annotations)
-- ===========================================================================

INSERT INTO hoop_mcp.tools (name, description, input_schema, annotations, runs_on_target) VALUES
('me_get',
 'Get the authenticated user''s profile: email, name, user_id, org_id, the groups they belong to, and whether they are an admin or auditor. Useful as a first call to understand what the current user can do.',
 '{"type":"object","properties":{},"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('serverinfo_get',
 'Get gateway server information including version, auth method, license info, and feature flags',
 '{"type":"object","properties":{},"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('connections_list',
 'List connections (resource roles) the user can access. Filters are optional: type, subtype, agent_id and name are SQL LIKE patterns (name needs its own %), search matches name, type, subtype and status, tag_selector is a comma-separated list of key=value or key!=value conditions that must all hold. Secrets are never returned.',
 '{"type":"object","properties":{
	"agent_id":{"type":"string","description":"filter by agent ID"},
	"type":{"type":"string","description":"filter by connection type: database, application or custom"},
	"subtype":{"type":"string","description":"filter by subtype, e.g. postgres, mysql, mongodb, mssql, oracledb, tcp, ssh, httpproxy"},
	"tag_selector":{"type":"string","description":"comma-separated tag conditions key=value or key!=value, all must match"},
	"tags":{"type":"array","items":{"type":"string"},"description":"DEPRECATED: tags that must all be present (key or key=value); use tag_selector"},
	"name":{"type":"string","description":"SQL LIKE pattern on the connection name"},
	"search":{"type":"string","description":"case-insensitive substring matched against name, type, subtype and status"}},
  "additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('connections_get',
 'Get a connection by name or ID. Secrets are returned to admins only.',
 '{"type":"object","properties":{"name":{"type":"string","description":"connection name or ID"}},"required":["name"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('connections_create',
 'Create a connection (admin only). Secrets are a map of "envvar:NAME" to base64 values. postgres, mysql and mssql need HOST, USER, PASS, PORT and DB; oracledb needs HOST, USER, PASS, PORT and SID; mongodb needs CONNECTION_STRING, or HOST, USER and PASS; tcp needs HOST and PORT; httpproxy needs REMOTE_URL; ssh needs HOST, USER, and PASS or AUTHORIZED_SERVER_KEYS. hoop_mcp runs database/postgres connections.',
 '{"type":"object","properties":{
	"name":{"type":"string","description":"unique connection name: 3 to 254 alphanumeric characters, may include -, _ or ."},
	"type":{"type":"string","description":"database, application or custom"},
	"subtype":{"type":"string","description":"e.g. postgres, mysql, mongodb, mssql, oracledb, tcp, ssh, httpproxy"},
	"agent_id":{"type":"string","description":"agent ID"},
	"command":{"type":"array","items":{"type":"string"},"description":"command line; filled in for known database subtypes"},
	"secrets":{"type":"object","additionalProperties":{"type":"string"},"description":"map of envvar:NAME to base64 value, e.g. {\"envvar:HOST\":\"bG9jYWxob3N0\"}"},
	"tags":{"type":"object","additionalProperties":{"type":"string"},"description":"key/value tags"},
	"access_mode_runbooks":{"type":"string","description":"enabled or disabled"},
	"access_mode_exec":{"type":"string","description":"enabled or disabled"},
	"access_mode_connect":{"type":"string","description":"enabled or disabled"},
	"guardrail_rules":{"type":"array","items":{"type":"string"},"description":"guardrail rule IDs"},
	"reviewers":{"type":"array","items":{"type":"string"},"description":"DEPRECATED: reviewer groups"},
	"redact_types":{"type":"array","items":{"type":"string"},"description":"data masking info types"},
	"mandatory_metadata_fields":{"type":"array","items":{"type":"string"},"description":"metadata fields every exec must carry"}},
  "required":["name","type"],"additionalProperties":false}',
 '{"openWorldHint":false}', false),
('connections_update',
 'Update a connection (admin only). Fields left out or empty keep their value; lists and maps that are given replace the stored value whole; an empty agent_id clears it.',
 '{"type":"object","properties":{
	"name":{"type":"string","description":"name of the connection to update"},
	"type":{"type":"string","description":"database, application or custom"},
	"subtype":{"type":"string","description":"connection subtype"},
	"agent_id":{"type":["null","string"],"description":"agent ID; empty string clears it"},
	"command":{"type":"array","items":{"type":"string"},"description":"command line"},
	"secrets":{"type":"object","additionalProperties":{"type":"string"},"description":"map of envvar:NAME to base64 value; replaces all secrets"},
	"tags":{"type":"object","additionalProperties":{"type":"string"},"description":"key/value tags; replaces all tags"},
	"access_mode_runbooks":{"type":"string","description":"enabled or disabled"},
	"access_mode_exec":{"type":"string","description":"enabled or disabled"},
	"access_mode_connect":{"type":"string","description":"enabled or disabled"},
	"guardrail_rules":{"type":"array","items":{"type":"string"},"description":"guardrail rule IDs"},
	"reviewers":{"type":"array","items":{"type":"string"},"description":"DEPRECATED: reviewer groups"},
	"redact_types":{"type":"array","items":{"type":"string"},"description":"data masking info types"},
	"mandatory_metadata_fields":{"type":"array","items":{"type":"string"},"description":"metadata fields every exec must carry"}},
  "required":["name"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', false),
('connections_delete',
 'Delete a connection (admin only).',
 '{"type":"object","properties":{"name":{"type":"string","description":"connection name"}},"required":["name"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', false),
('exec',
 'Execute a query or command against a connection and return its output. Waits up to 50 seconds: if the execution is still running it answers status "running" with the session_id to poll with sessions_get. The output is what psql prints for the same input (unaligned, tab-separated). Every execution is recorded as a session. When an access request rule covers the connection, nothing runs: the answer is status "pending_approval" with a review_id for reviews_wait and reviews_execute.',
 '{"type":"object","properties":{
	"connection_name":{"type":"string","description":"name of the Hoop connection to execute against"},
	"input":{"type":"string","description":"the query or command to run"},
	"args":{"type":"array","items":{"type":"string"},"description":"client arguments forwarded to the connection, e.g. CLI flags"},
	"env_vars":{"type":"object","additionalProperties":{"type":"string"},"description":"environment variables forwarded to the connection"},
	"metadata":{"type":"object","description":"metadata attached to the session, e.g. ticket number"},
	"jira_fields":{"type":"object","additionalProperties":{"type":"string"},"description":"Jira issue fields; used only when the connection has a Jira template"}},
  "required":["connection_name","input"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', true),
('sessions_list',
 'List sessions, newest first. Non-admin users see their own sessions and those they review. Max 100 results per request. The total is capped at 10000: when total_is_capped is true the real total is larger; report it as "10000+". Filters are SQL LIKE patterns; start_date and end_date are RFC 3339.',
 '{"type":"object","properties":{
	"user":{"type":"string","description":"user subject or email (LIKE pattern)"},
	"connection":{"type":"string","description":"connection name (LIKE pattern)"},
	"type":{"type":"string","description":"connection type (LIKE pattern)"},
	"review_status":{"type":"string","description":"PENDING, APPROVED or REJECTED"},
	"start_date":{"type":"string","description":"RFC 3339 start of the created_at range"},
	"end_date":{"type":"string","description":"RFC 3339 end of the created_at range (default now)"},
	"limit":{"type":"integer","description":"page size, default 20, max 100"},
	"offset":{"type":"integer","description":"rows to skip, max 10000"}},
  "additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('sessions_get',
 'Get a session''s metadata by ID (owner, its reviewers, admin or auditor). Use sessions_get_content for its input and output.',
 '{"type":"object","properties":{"id":{"type":"string","description":"session ID"}},"required":["id"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('sessions_get_content',
 'Get a session''s input and output (owner, its reviewers, admin or auditor).',
 '{"type":"object","properties":{
	"id":{"type":"string","description":"session ID"},
	"include_input":{"type":["null","boolean"],"description":"include the input (default true)"},
	"include_output":{"type":["null","boolean"],"description":"include the output (default true)"}},
  "required":["id"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('connection_databases',
 'List the databases of a database connection.',
 '{"type":"object","properties":{"connection_name":{"type":"string","description":"connection name"}},"required":["connection_name"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', true),
('connection_tables',
 'List the tables, views and materialized views of a database on a connection.',
 '{"type":"object","properties":{
	"connection_name":{"type":"string","description":"connection name"},
	"database":{"type":"string","description":"database name"}},
  "required":["connection_name","database"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', true),
('connection_columns',
 'List the columns of a table: name, type and whether it is nullable. The schema defaults to public.',
 '{"type":"object","properties":{
	"connection_name":{"type":"string","description":"connection name"},
	"database":{"type":"string","description":"database name"},
	"table":{"type":"string","description":"table name"},
	"schema":{"type":"string","description":"schema name (default public)"}},
  "required":["connection_name","database","table"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', true),
('access_control_set',
 'Bind a connection to the user groups allowed to see and use it (admin only). Replaces the current list. Once any binding exists, non-admin users see only connections bound to one of their groups.',
 '{"type":"object","properties":{
	"connection_name":{"type":"string","description":"connection name"},
	"groups":{"type":"array","items":{"type":"string"},"description":"user groups allowed to use the connection"}},
  "required":["connection_name","groups"],"additionalProperties":false}',
 '{"openWorldHint":false}', false),
('access_control_unset',
 'Remove a connection''s access control binding (admin only).',
 '{"type":"object","properties":{"connection_name":{"type":"string","description":"connection name"}},"required":["connection_name"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', false),
('access_control_get',
 'Get the user groups bound to a connection (admin only).',
 '{"type":"object","properties":{"connection_name":{"type":"string","description":"connection name"}},"required":["connection_name"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('access_control_list',
 'List every connection''s access control binding (admin only).',
 '{"type":"object","properties":{},"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('users_list',
 'List users (admin or auditor).',
 '{"type":"object","properties":{},"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('users_get',
 'Get a user by email (admin or auditor).',
 '{"type":"object","properties":{"email":{"type":"string","description":"user email"}},"required":["email"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('usergroups_list',
 'List the user groups, including groups without members.',
 '{"type":"object","properties":{},"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('access_request_rules_list',
 'List access request rules: which executions need a review and who reviews them (admin or auditor).',
 '{"type":"object","properties":{
	"page":{"type":"integer","description":"page number, from 1"},
	"page_size":{"type":"integer","description":"rules per page; 0 for all"}},
  "additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('access_request_rules_get',
 'Get an access request rule by name (admin or auditor).',
 '{"type":"object","properties":{"name":{"type":"string","description":"rule name"}},"required":["name"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('access_request_rules_delete',
 'Delete an access request rule by name (admin only).',
 '{"type":"object","properties":{"name":{"type":"string","description":"rule name"}},"required":["name"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', false),
('reviews_list',
 'List the reviews you may see: your own, those your groups review, or all of them for admins and auditors. Newest first.',
 '{"type":"object","properties":{},"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('reviews_get',
 'Get a review by review ID or session ID.',
 '{"type":"object","properties":{"id":{"type":"string","description":"review ID or session ID"}},"required":["id"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false),
('reviews_update',
 'Approve, reject or revoke a review. A reviewer approves for every reviewer group they belong to; the review is APPROVED once enough groups approved. Owners cannot approve their own reviews unless admin. REVOKED ends an approved JIT grant.',
 '{"type":"object","properties":{
	"id":{"type":"string","description":"review ID or session ID"},
	"status":{"type":"string","description":"APPROVED, REJECTED or REVOKED"},
	"time_window":{"type":"object","properties":{"type":{"type":"string"},"configuration":{"type":"object","additionalProperties":{"type":"string"}}},"required":["type","configuration"],"description":"when an approved review may execute, in UTC: {\"type\":\"time_range\",\"configuration\":{\"start_time\":\"HH:MM\",\"end_time\":\"HH:MM\"}}"},
	"force_review":{"type":"boolean","description":"decide at once as a member of a force approval group"},
	"rejection_reason":{"type":"string","description":"why the review was rejected"}},
  "required":["id","status"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', false),
('reviews_execute',
 'Run the input of an APPROVED one-time review (never a new input), once. Waits up to 50 seconds like exec; the review becomes EXECUTED when the execution ends.',
 '{"type":"object","properties":{"id":{"type":"string","description":"review ID or session ID"}},"required":["id"],"additionalProperties":false}',
 '{"destructiveHint":true,"openWorldHint":false}', true),
('reviews_wait',
 'Wait until a review is decided (APPROVED, REJECTED, REVOKED or EXECUTED) and return it. Wakes as soon as the decision commits.',
 '{"type":"object","properties":{
	"id":{"type":"string","description":"review ID or session ID"},
	"timeout_seconds":{"type":"integer","description":"max wait in seconds (default 60, max 300). Timeout is not an error: the response carries timed_out=true and the current status — call again to keep waiting."}},
  "required":["id"],"additionalProperties":false}',
 '{"readOnlyHint":true,"openWorldHint":false}', false);

-- access_request_rules_update takes create's arguments: hoop's update is a
-- full replacement of the rule, found by name.
INSERT INTO hoop_mcp.tools (name, description, input_schema, annotations, runs_on_target)
SELECT t.name, t.description, a.schema, t.annotations::jsonb, false
FROM (VALUES
	('access_request_rules_create',
	 'Create an access request rule (admin only). An exec on one of its connections by a user the rule applies to is stored with a PENDING review instead of running.',
	 '{"openWorldHint":false}'),
	('access_request_rules_update',
	 'Replace every field of an access request rule, found by name (admin only).',
	 '{"destructiveHint":true,"openWorldHint":false}')) t(name, description, annotations),
	(SELECT '{"type":"object","properties":{
	"name":{"type":"string","description":"rule name"},
	"access_type":{"type":"string","description":"jit (access for a duration), command (each execution is reviewed) or jit_command (both)"},
	"approval_required_groups":{"type":"array","items":{"type":"string"},"description":"groups whose members need approval; empty means every user"},
	"reviewers_groups":{"type":"array","items":{"type":"string"},"description":"groups whose members review"},
	"all_groups_must_approve":{"type":"boolean","description":"every reviewer group must approve"},
	"description":{"type":"string","description":"what the rule is for"},
	"connection_names":{"type":"array","items":{"type":"string"},"description":"connections the rule applies to"},
	"force_approval_groups":{"type":"array","items":{"type":"string"},"description":"groups that may approve at once with force_review"},
	"skip_review_groups":{"type":"array","items":{"type":"string"},"description":"groups never reviewed (only when approval_required_groups is empty)"},
	"min_approvals":{"type":"integer","description":"approvals needed when all_groups_must_approve is false"},
	"access_max_duration":{"type":"integer","description":"JIT access duration in seconds (default 900, at most 172800)"},
	"attributes":{"type":"array","items":{"type":"string"},"description":"not supported by hoop_mcp; name connections instead"}},
  "required":["name","access_type","approval_required_groups","reviewers_groups","all_groups_must_approve"],"additionalProperties":false}'::jsonb AS schema) a;

-- ===========================================================================
-- OAuth 2.1 resource server (MCP OAuth mode)
--
-- hoop_mcp validates access tokens an identity provider issued (it is not an
-- authorization server).  configure_oidc() records the provider and its
-- signing keys; the mcp_auth_* functions are hoop's `hoop admin mcp auth`
-- commands.  The worker caches this row and re-reads it when it changes.
-- ===========================================================================

CREATE TABLE hoop_mcp.auth_config (
	one_row		boolean PRIMARY KEY DEFAULT true CHECK (one_row),
	issuer		text,
	jwks		jsonb,
	jwks_uri	text,
	jwks_fetched_at timestamptz,
	provider_metadata jsonb,
	mcp_enabled	boolean NOT NULL DEFAULT false,
	resource_uri text,
	groups_claim text,
	client_id	text,
	client_secret text,
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.auth_config IS 'The identity provider (issuer, signing keys) and MCP OAuth settings.  client_secret is readable by the owner only.';
INSERT INTO hoop_mcp.auth_config DEFAULT VALUES;
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.auth_config', '');
CREATE TRIGGER auth_config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hoop_mcp.auth_config
	FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._cache_invalidate();

-- GET a JSON document (https, or http to loopback; 15 s; 1 MiB).
CREATE FUNCTION hoop_mcp._fetch_json(url text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_fetch_json' LANGUAGE C VOLATILE STRICT;
-- Checks a JWKS the way the worker will read it; returns its key ids.
CREATE FUNCTION hoop_mcp._jwks_kids(jwks jsonb) RETURNS text[]
	AS 'MODULE_PATHNAME', 'hoop_mcp_jwks_kids' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION hoop_mcp._strip_slash(url text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.rtrim($1, '/')
$$;

-- Records the identity provider.  With jwks, those keys are used as given;
-- otherwise the issuer's /.well-known/openid-configuration names the
-- jwks_uri (unless given) and the keys are fetched from it.  The worker
-- fetches them again when a token names a key it does not know.
CREATE FUNCTION hoop_mcp.configure_oidc(issuer text, jwks jsonb DEFAULT NULL, jwks_uri text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	metadata jsonb;
	uri text := configure_oidc.jwks_uri;
	keys jsonb := configure_oidc.jwks;
	kids text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(issuer, '') = '' OR issuer !~ '^https?://[^/]+' THEN
		RAISE EXCEPTION 'invalid issuer "%"', issuer
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the identity provider''s issuer URL, e.g. https://login.example.com/realms/acme.';
	END IF;
	IF keys IS NULL THEN
		BEGIN
			metadata := hoop_mcp._fetch_json(hoop_mcp._strip_slash(issuer) || '/.well-known/openid-configuration');
		EXCEPTION WHEN OTHERS THEN
			IF uri IS NULL THEN
				RAISE;
			END IF;
			metadata := NULL;	-- a given jwks_uri is enough
		END;
		IF metadata IS NOT NULL AND
		   hoop_mcp._strip_slash(metadata->>'issuer') IS DISTINCT FROM hoop_mcp._strip_slash(issuer) THEN
			RAISE EXCEPTION 'the provider''s metadata names issuer "%", not "%"', metadata->>'issuer', issuer
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Use the issuer exactly as the provider reports it.';
		END IF;
		uri := coalesce(uri, metadata->>'jwks_uri');
		IF uri IS NULL THEN
			RAISE EXCEPTION 'the provider''s metadata has no jwks_uri'
				USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass jwks_uri or jwks.';
		END IF;
		keys := hoop_mcp._fetch_json(uri);
	END IF;
	kids := hoop_mcp._jwks_kids(keys);
	UPDATE hoop_mcp.auth_config SET
		issuer = configure_oidc.issuer, jwks = keys, jwks_uri = uri,
		jwks_fetched_at = CASE WHEN configure_oidc.jwks IS NULL THEN pg_catalog.now() END,
		provider_metadata = metadata, updated_at = pg_catalog.now();
	RETURN pg_catalog.jsonb_build_object('issuer', issuer, 'jwks_uri', uri,
		'key_ids', pg_catalog.to_jsonb(kids), 'discovered', metadata IS NOT NULL);
END
$$;

-- hoop's `hoop admin mcp auth ...`: a NULL argument is "not given", ''
-- clears the field.
CREATE FUNCTION hoop_mcp._mcp_auth_apply(resource_uri text, groups_claim text, client_id text,
										 client_secret text, enabled boolean)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF resource_uri IS NOT NULL AND resource_uri <> '' AND resource_uri !~ '^https?://[^/]+' THEN
		RAISE EXCEPTION 'invalid resource URI "%"', resource_uri
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the absolute URL clients use, e.g. https://mcp.example.com/api/mcp.';
	END IF;
	UPDATE hoop_mcp.auth_config a SET
		mcp_enabled = coalesce(enabled, a.mcp_enabled),
		resource_uri = CASE WHEN _mcp_auth_apply.resource_uri IS NULL THEN a.resource_uri
							ELSE nullif(_mcp_auth_apply.resource_uri, '') END,
		groups_claim = CASE WHEN _mcp_auth_apply.groups_claim IS NULL THEN a.groups_claim
							ELSE nullif(_mcp_auth_apply.groups_claim, '') END,
		client_id = CASE WHEN _mcp_auth_apply.client_id IS NULL THEN a.client_id
						 ELSE nullif(_mcp_auth_apply.client_id, '') END,
		client_secret = CASE WHEN _mcp_auth_apply.client_secret IS NULL THEN a.client_secret
							 ELSE nullif(_mcp_auth_apply.client_secret, '') END,
		updated_at = pg_catalog.now();
END
$$;

CREATE FUNCTION hoop_mcp.mcp_auth_enable(resource_uri text DEFAULT NULL, groups_claim text DEFAULT NULL,
										 client_id text DEFAULT NULL, client_secret text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF (SELECT issuer FROM hoop_mcp.auth_config) IS NULL THEN
		RAISE EXCEPTION 'failed updating MCP auth config: no identity provider is configured'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run SELECT hoop_mcp.configure_oidc(issuer => ''https://...''); first.';
	END IF;
	PERFORM hoop_mcp._mcp_auth_apply(resource_uri, groups_claim, client_id, client_secret, true);
	RETURN 'MCP OAuth authentication enabled.';
END
$$;

CREATE FUNCTION hoop_mcp.mcp_auth_disable() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._mcp_auth_apply(NULL, NULL, NULL, NULL, false);
	RETURN 'MCP OAuth authentication disabled. The /api/mcp endpoint now accepts only gateway Hoop bearer tokens.';
END
$$;

CREATE FUNCTION hoop_mcp.mcp_auth_configure(resource_uri text DEFAULT NULL, groups_claim text DEFAULT NULL,
											client_id text DEFAULT NULL, client_secret text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF resource_uri IS NULL AND groups_claim IS NULL AND client_id IS NULL AND client_secret IS NULL THEN
		RAISE EXCEPTION 'nothing to configure: provide --resource-uri, --groups-claim, --client-id and/or --client-secret'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'In SQL the flags are the arguments resource_uri, groups_claim, client_id and client_secret.';
	END IF;
	PERFORM hoop_mcp._mcp_auth_apply(resource_uri, groups_claim, client_id, client_secret, NULL);
	RETURN 'MCP OAuth configuration updated.';
END
$$;

-- The lines of `hoop admin mcp auth status`.
CREATE FUNCTION hoop_mcp.mcp_auth_status() RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a hoop_mcp.auth_config;
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	SELECT * INTO a FROM hoop_mcp.auth_config;
	RETURN NEXT 'State:         ' || CASE WHEN a.mcp_enabled THEN 'enabled' ELSE 'disabled' END;
	RETURN NEXT 'Resource URI:  ' || coalesce(a.resource_uri, '(default: ' || hoop_mcp._api_url() || '/api/mcp)');
	RETURN NEXT 'Groups Claim:  ' || coalesce(a.groups_claim, '(default: groups)');
	RETURN NEXT 'Static Client: ' || CASE
		WHEN a.client_id IS NULL THEN '(none: Dynamic Client Registration via IdP)'
		WHEN a.client_secret IS NOT NULL THEN a.client_id || ' (confidential)'
		ELSE a.client_id || ' (public, PKCE)' END;
END
$$;

-- The worker's side of an OAuth login: the user a token's subject names,
-- created or updated from its claims.  Returns an error text instead of
-- raising, so the worker can answer 401 with it.  Unlike hoop, an
-- inactive user stays inactive, and a provider's email that is marked
-- unverified never claims an existing account.
CREATE FUNCTION hoop_mcp._oauth_user(subject text, email text, email_verified boolean, name text,
									 groups text[], OUT id uuid, OUT error text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
	clean_email text := pg_catalog.lower(pg_catalog.btrim(_oauth_user.email));
	current_groups text[];
	wanted text[];
BEGIN
	SELECT * INTO u FROM hoop_mcp.users x WHERE x.subject = _oauth_user.subject;
	IF NOT FOUND THEN
		IF coalesce(clean_email, '') = '' THEN
			error := 'token is missing ''email'' claim required for first-time MCP signup';
			RETURN;
		END IF;
		IF email_verified IS FALSE THEN
			error := 'token ''email'' claim is not verified; first-time MCP signup needs a verified email';
			RETURN;
		END IF;
		SELECT * INTO u FROM hoop_mcp.users x WHERE x.email = clean_email;
		IF FOUND THEN
			UPDATE hoop_mcp.users x SET subject = _oauth_user.subject, updated_at = pg_catalog.now()
			WHERE x.id = u.id;
		ELSE
			BEGIN
				INSERT INTO hoop_mcp.users AS x (subject, email, name)
				VALUES (_oauth_user.subject, clean_email, coalesce(nullif(_oauth_user.name, ''), pg_catalog.split_part(clean_email, '@', 1)))
				RETURNING * INTO u;
			EXCEPTION WHEN check_violation THEN
				error := pg_catalog.format('token ''email'' claim is not an email address: %s', clean_email);
				RETURN;
			END;
		END IF;
	ELSIF nullif(_oauth_user.name, '') IS DISTINCT FROM u.name AND nullif(_oauth_user.name, '') IS NOT NULL THEN
		UPDATE hoop_mcp.users x SET name = _oauth_user.name, updated_at = pg_catalog.now() WHERE x.id = u.id;
	END IF;
	IF groups IS NOT NULL THEN
		-- Groups follow the token, keeping an admin grant made here (hoop's
		-- mergeAdmin).  Written only when they differ: every write tells
		-- the workers' caches to reload.
		current_groups := hoop_mcp._user_groups(u.id);
		SELECT coalesce(pg_catalog.array_agg(DISTINCT x ORDER BY x), '{}') INTO wanted
		FROM (SELECT x FROM pg_catalog.unnest(groups) x WHERE x <> ''
			  UNION SELECT hoop_mcp._admin_group() WHERE hoop_mcp._admin_group() = ANY (current_groups)) w;
		IF wanted IS DISTINCT FROM current_groups THEN
			PERFORM hoop_mcp._ensure_groups(wanted);
			DELETE FROM hoop_mcp.user_groups g WHERE g.user_id = u.id AND g.group_name <> ALL (wanted);
			INSERT INTO hoop_mcp.user_groups (user_id, group_name)
			SELECT u.id, x FROM pg_catalog.unnest(wanted) x
			ON CONFLICT DO NOTHING;
		END IF;
	END IF;
	id := u.id;
END
$$;

-- ===========================================================================
-- JWT (pgjwt-compatible)
-- ===========================================================================

-- sign and verify (src/jwt.c) take pgjwt's arguments and give its results:
-- for HS256/384/512, sign returns byte for byte the token pgjwt's sign
-- returns (header text {"alg":"<algorithm>","typ":"JWT"}, the payload's
-- json text as given, base64url without padding), and verify errors where
-- pgjwt's verify errors (unknown algorithm; a header or payload that is not
-- base64, UTF-8 and JSON) and rejects what it rejects: valid is the
-- signature AND nbf <= CURRENT_TIMESTAMP < exp, a missing claim leaving its
-- side open, so a token without exp never expires.  The algorithm is the
-- argument's, never the token's.  RS*, PS* and ES* take a PEM private key
-- to sign and a PEM public key or certificate to verify.
--
-- Where verify is stricter than pgjwt (valid = false where pgjwt says true,
-- NULL or raises an error):
--   * the signature is compared in constant time (CRYPTO_memcmp);
--   * the token must have exactly three parts (pgjwt ignores a fourth, and
--     says NULL rather than false when the signature is missing), and the
--     header and payload parts must be base64url (pgjwt also decodes "+/=",
--     padding and whitespace);
--   * the header must be a JSON object whose "alg" is the algorithm
--     argument, with no "crit" and no \u0000 or lone surrogate escape
--     (pgjwt ignores the header);
--   * exp and nbf, when present, must be numbers or strings holding one;
--     pgjwt ignores a non-numeric or null claim (an exp of "never" makes a
--     token that never expires) and raises an error for NaN, out-of-range
--     values, or nbf after exp;
--   * RSA keys need at least 2048 bits, ES keys the algorithm's curve, PS
--     signatures a salt as long as the hash; verify refuses a private key.
-- NULL arguments give no row (pgjwt: a row of NULLs); "none" is no
-- algorithm.  verify is STABLE, not IMMUTABLE as in pgjwt: it reads the
-- transaction's timestamp, which is fixed for the transaction.  sign is
-- VOLATILE: PS and ES signatures are randomized.  Granted to PUBLIC under
-- Privileges (the REVOKE there would undo a grant made here).
CREATE FUNCTION hoop_mcp.sign(payload json, secret text, algorithm text DEFAULT 'HS256')
	RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_jwt_sign' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION hoop_mcp.verify(token text, secret text, algorithm text DEFAULT 'HS256')
	RETURNS TABLE(header json, payload json, valid boolean)
	AS 'MODULE_PATHNAME', 'hoop_mcp_jwt_verify' LANGUAGE C STABLE STRICT ROWS 1;

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
	hoop_mcp.create_connection(text, text, jsonb, text, text, text[], boolean)
	TO hoop_mcp_admin;
-- The tool functions call these through SECURITY DEFINER functions; the
-- hand-off is called directly by exec and the schema tools.
GRANT EXECUTE ON FUNCTION hoop_mcp._worker_call(text, jsonb) TO PUBLIC;
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
	hoop_mcp.reviews, hoop_mcp.review_groups, hoop_mcp.jit_grants
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
