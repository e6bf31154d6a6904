-- ---------------------------------------------------------------------------
-- What the policy made of each session, for auditors: its risk analysis,
-- the guardrail that stopped it, what data masking replaced.
-- ---------------------------------------------------------------------------
CREATE VIEW hoop_mcp.session_policy AS
SELECT s.id AS session_id, s.created_at, s.user_email, s.connection, s.status, s.exit_code,
	   s.ai_analysis->>'risk_level' AS risk_level, s.ai_analysis->>'action' AS action,
	   s.ai_analysis->>'title' AS risk_title,
	   s.guardrails_info->0->>'rule_name' AS guardrail_rule,
	   s.guardrails_info->0->>'direction' AS guardrail_direction,
	   s.masked,
	   (SELECT pg_catalog.sum(m.n::bigint) FROM pg_catalog.jsonb_each_text(s.masked) AS m(name, n)) AS masked_values
FROM hoop_mcp.sessions s;
COMMENT ON VIEW hoop_mcp.session_policy IS 'Per session: its risk analysis (risk_level, action, risk_title), the guardrail that refused its input or withheld its output (guardrail_rule, guardrail_direction), and how many values data masking replaced (masked, by name; masked_values in all).';
