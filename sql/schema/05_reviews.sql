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
-- Waiters wake even for a decision written with triggers "off".
ALTER TABLE hoop_mcp.reviews ENABLE ALWAYS TRIGGER reviews_publish;
ALTER TABLE hoop_mcp.sessions ENABLE ALWAYS TRIGGER sessions_publish;
