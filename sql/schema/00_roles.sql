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
