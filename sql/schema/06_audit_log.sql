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
