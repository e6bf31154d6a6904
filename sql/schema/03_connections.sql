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
	reviewers	text[] NOT NULL DEFAULT '{}',
	redact_types text[] NOT NULL DEFAULT '{}',
	-- hoop_mcp's own (doc/differences.md): enforced read-only and limits.
	read_only	boolean NOT NULL DEFAULT false,
	statement_timeout text CHECK (hoop_mcp._duration_ms(statement_timeout, 'statement_timeout') >= 0),
	connect_timeout text CHECK (hoop_mcp._duration_ms(connect_timeout, 'connect_timeout') >= 0),
	max_rows	integer CHECK (max_rows >= 0),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.connections IS 'Connections (resource roles) agents may use.  Secrets live apart, in connection_secrets.';
COMMENT ON COLUMN hoop_mcp.connections.redact_types IS 'hoop''s DLP plugin configuration: entity types (or preset groups) masked in every exec''s output, as given; hoop_mcp.entity_types() checks them.  Data masking rules (datamasking_rules) add to them.  The guardrails of a connection are the links in guardrail_rules_connections.';
COMMENT ON COLUMN hoop_mcp.connections.read_only IS 'Whether execs are refused unless every statement is a read, and run in BEGIN READ ONLY ... ROLLBACK on a session opened with default_transaction_read_only=on.';
COMMENT ON COLUMN hoop_mcp.connections.statement_timeout IS 'statement_timeout of the target session (a duration such as ''30s''); NULL: hoop_mcp.target_statement_timeout; 0: the target''s own setting.';
COMMENT ON COLUMN hoop_mcp.connections.connect_timeout IS 'How long connecting may take (a duration such as ''5s''); NULL: hoop_mcp.connect_timeout.';
COMMENT ON COLUMN hoop_mcp.connections.max_rows IS 'Rows of one result an exec shows; the rest are counted, not shown.  NULL: hoop_mcp.max_rows; 0: no limit.';

-- Secrets are hoop's env map: {"envvar:HOST": "<base64>", ...}.  Readable
-- by the extension owner only; returned by connections_get to admins only;
-- never logged.  The worker turns them into libpq options at exec time.
CREATE TABLE hoop_mcp.connection_secrets (
	connection_id uuid PRIMARY KEY REFERENCES hoop_mcp.connections ON DELETE CASCADE,
	envs		jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(envs) = 'object'),
	allow_passwordless boolean NOT NULL DEFAULT false,
	allow_server_files boolean NOT NULL DEFAULT false,
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.connection_secrets IS 'Connection secrets (hoop''s envvar map, values base64).  Owner-only.';
COMMENT ON COLUMN hoop_mcp.connection_secrets.allow_passwordless IS 'Whether the worker may use this connection when the target does not ask for a password (trust or peer authentication).  Off by default, as in postgres_fdw: the worker runs as the server''s OS user, so a passwordless local connection could act as a superuser.  Only a superuser can turn it on (create_connection).';
COMMENT ON COLUMN hoop_mcp.connection_secrets.allow_server_files IS 'Whether this connection may use libpq options that read files or credentials of the server''s OS user (passfile, service, sslcert, sslkey, sslrootcert, ...) and go without a password of its own (libpq would read ~/.pgpass).  Off by default: the worker then refuses such options, requires a password and keeps libpq off ~/.postgresql and Kerberos tickets.  Only a superuser can turn it on (create_connection); changing the secrets through connections_update turns it, and allow_passwordless, off again.';

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
