-- ---------------------------------------------------------------------------
-- Analyzer rules: hoop's AI session-analyzer rules.  A connection named by
-- one has every exec's input rated (src/policy/risk.c: low, medium or
-- high, from PostgreSQL's parser) and the rule's action for that level
-- taken: run it, block it, or hold it for a review by the reviewers of
-- the access request rule it names.  A connection is in one rule at most
-- (the tools check it, under a lock).
-- ---------------------------------------------------------------------------
CREATE TABLE hoop_mcp.analyzer_rules (
	id			uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
	name		text NOT NULL UNIQUE
				CHECK (name ~ '^[a-zA-Z0-9_]+(?:[-\.]?[a-zA-Z0-9_]+){2,253}$'),
	description	text,
	connection_names text[] NOT NULL CHECK (pg_catalog.cardinality(connection_names) > 0),
	low_risk_action text NOT NULL DEFAULT 'allow_execution'
				CHECK (low_risk_action IN ('allow_execution', 'block_execution', 'require_access_request')),
	medium_risk_action text NOT NULL DEFAULT 'allow_execution'
				CHECK (medium_risk_action IN ('allow_execution', 'block_execution', 'require_access_request')),
	high_risk_action text NOT NULL DEFAULT 'allow_execution'
				CHECK (high_risk_action IN ('allow_execution', 'block_execution', 'require_access_request')),
	access_request_rule_name text,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- the access request rule is named exactly when an action needs it
	CHECK ((access_request_rule_name IS NOT NULL) =
		   ('require_access_request' IN (low_risk_action, medium_risk_action, high_risk_action)))
);
COMMENT ON TABLE hoop_mcp.analyzer_rules IS 'hoop''s AI session-analyzer rules: the action an exec on these connections gets for each risk level of its input (src/policy/risk.c).  access_request_rule_name names the rule whose reviewers review when the action is require_access_request.';
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.analyzer_rules', '');
-- The worker caches the rules, as the other configuration tables.
CREATE TRIGGER analyzer_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hoop_mcp.analyzer_rules
	FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._cache_invalidate();
ALTER TABLE hoop_mcp.analyzer_rules ENABLE ALWAYS TRIGGER analyzer_rules_changed;
GRANT SELECT ON hoop_mcp.analyzer_rules TO hoop_mcp_auditor;
