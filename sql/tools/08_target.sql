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
SELECT hoop_mcp._tool('exec',
	'Execute a query or command against a connection and return its output. Waits up to 50 seconds: if the execution is still running it answers status "running" with the session_id to poll with sessions_get. The output is what psql prints for the same input (unaligned, tab-separated). Every execution is recorded as a session. When an access request rule covers the connection, nothing runs: the answer is status "pending_approval" with a review_id for reviews_wait and reviews_execute.',
	arguments => '{
		"connection_name": "name of the Hoop connection to execute against",
		"input": "the query or command to run",
		"args": "client arguments forwarded to the connection, e.g. CLI flags",
		"env_vars": {"additionalProperties": {"type": "string"}, "description": "environment variables forwarded to the connection"},
		"metadata": "metadata attached to the session, e.g. ticket number",
		"jira_fields": {"additionalProperties": {"type": "string"}, "description": "Jira issue fields; used only when the connection has a Jira template"}}',
	annotations => '{"destructiveHint": true}',
	runs_on_target => true);

CREATE FUNCTION hoop_mcp.reviews_execute(id text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('reviews_execute', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('id', $1)))
$$;
SELECT hoop_mcp._tool('reviews_execute',
	'Run the input of an APPROVED one-time review (never a new input), once. Waits up to 50 seconds like exec; the review becomes EXECUTED when the execution ends.',
	arguments => '{"id": "review ID or session ID"}',
	annotations => '{"destructiveHint": true}',
	runs_on_target => true);

CREATE FUNCTION hoop_mcp.connection_databases(connection_name text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('connection_databases', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('connection_name', $1)))
$$;
SELECT hoop_mcp._tool('connection_databases',
	'List the databases of a database connection.',
	arguments => '{"connection_name": "connection name"}',
	annotations => '{"readOnlyHint": true}',
	runs_on_target => true);

CREATE FUNCTION hoop_mcp.connection_tables(connection_name text, database text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('connection_tables', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('connection_name', $1, 'database', $2)))
$$;
SELECT hoop_mcp._tool('connection_tables',
	'List the tables, views and materialized views of a database on a connection.',
	arguments => '{
		"connection_name": "connection name",
		"database": "database name"}',
	annotations => '{"readOnlyHint": true}',
	runs_on_target => true);

CREATE FUNCTION hoop_mcp.connection_columns(connection_name text, database text, "table" text,
											schema text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._worker_call('connection_columns', pg_catalog.jsonb_strip_nulls(
		pg_catalog.jsonb_build_object('connection_name', $1, 'database', $2, 'table', $3, 'schema', $4)))
$$;
SELECT hoop_mcp._tool('connection_columns',
	'List the columns of a table: name, type and whether it is nullable. The schema defaults to public.',
	arguments => '{
		"connection_name": "connection name",
		"database": "database name",
		"table": "table name",
		"schema": "schema name (default public)"}',
	annotations => '{"readOnlyHint": true}',
	runs_on_target => true);
