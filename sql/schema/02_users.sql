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
