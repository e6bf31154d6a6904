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
	ai_analysis	jsonb,
	guardrails_info jsonb,
	masked		jsonb,
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
COMMENT ON COLUMN hoop_mcp.sessions.ai_analysis IS 'hoop''s {risk_level, title, explanation, action}: the risk analysis of the input from PostgreSQL''s parser (src/policy/risk.c), written with the session.';
COMMENT ON COLUMN hoop_mcp.sessions.guardrails_info IS 'hoop''s [{rule_name, rule{type, words, pattern_regex}, direction, matched_words, message}]: the guardrail that refused the input or withheld the output.';
COMMENT ON COLUMN hoop_mcp.sessions.masked IS 'How many values data masking replaced in the output, by the name that replaced them: {"EMAIL_ADDRESS": 3, ...}.  The clear values are never stored.';
