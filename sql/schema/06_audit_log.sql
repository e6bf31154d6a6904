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
	request_bytes integer,
	request_sha256 text,
	outcome		boolean NOT NULL,
	error_message text
);
CREATE INDEX ON hoop_mcp.security_audit_log USING brin (created_at);
COMMENT ON TABLE hoop_mcp.security_audit_log IS 'One row per MCP POST or DELETE.  Values under secret-like keys (password, secret, secrets, token, key, api_key, env, envs, env_vars, ...) are replaced by [REDACTED] at any depth.';
COMMENT ON COLUMN hoop_mcp.security_audit_log.request_payload_redacted IS 'The JSON-RPC body, redacted.  A body whose redacted text is larger than hoop_mcp.audit_max_payload_bytes is kept as {"truncated": true, "prefix": <that text, cut>}: request_bytes and request_sha256 describe all of it.';
COMMENT ON COLUMN hoop_mcp.security_audit_log.request_bytes IS 'Size of the request body as received, in bytes.';
COMMENT ON COLUMN hoop_mcp.security_audit_log.request_sha256 IS 'SHA-256 of the request body as received (hex), so a client''s copy can be matched however much of it is kept.';
