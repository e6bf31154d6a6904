-- ===========================================================================
-- Connections
-- ===========================================================================

CREATE FUNCTION hoop_mcp._name_valid(name text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT $1 ~ '^[a-zA-Z0-9_]+(?:[-\.]?[a-zA-Z0-9_]+){2,253}$'
$$;

-- hoop's visibility rule (hoop-mcp.md 7.2): no access_control plugin, or an
-- admin or auditor, or a group bound to the connection.
CREATE FUNCTION hoop_mcp._connection_visible(connection_id uuid, groups text[], privileged boolean)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT $3
		OR NOT EXISTS (SELECT 1 FROM hoop_mcp.plugins WHERE name = 'access_control')
		OR EXISTS (SELECT 1 FROM hoop_mcp.access_control a
				   WHERE a.connection_id = $1 AND a.allowed_groups && $2)
$$;

-- hoop's connectionToMap: fixed fields always, the others when non-empty.
-- guardrail_rules are the IDs of the linked guardrails, sorted.  (PL/pgSQL:
-- the link table is made later, in 13_policy_rules.sql.)
CREATE FUNCTION hoop_mcp._connection_map(c hoop_mcp.connections, secrets jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RETURN pg_catalog.jsonb_build_object(
			'id', c.id, 'name', c.name, 'type', c.type, 'subtype', c.subtype,
			'agent_id', c.agent_id, 'status', c.status, 'command', pg_catalog.to_jsonb(c.command),
			'read_only', c.read_only, 'statement_timeout', c.statement_timeout,
			'connect_timeout', c.connect_timeout, 'max_rows', c.max_rows)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'secrets', CASE WHEN secrets <> '{}' THEN secrets END,
			'tags', CASE WHEN c.tags <> '{}' THEN c.tags END,
			'access_mode_runbooks', c.access_mode_runbooks,
			'access_mode_exec', c.access_mode_exec,
			'access_mode_connect', c.access_mode_connect,
			'guardrail_rules', (SELECT pg_catalog.jsonb_agg(l.rule_id ORDER BY l.rule_id)
								FROM hoop_mcp.guardrail_rules_connections l WHERE l.connection_id = c.id),
			'reviewers', CASE WHEN c.reviewers <> '{}' THEN pg_catalog.to_jsonb(c.reviewers) END,
			'redact_enabled', CASE WHEN c.redact_types <> '{}' THEN true END,
			'redact_types', CASE WHEN c.redact_types <> '{}' THEN pg_catalog.to_jsonb(c.redact_types) END,
			'managed_by', c.managed_by,
			'mandatory_metadata_fields', CASE WHEN c.mandatory_metadata_fields <> '{}' THEN pg_catalog.to_jsonb(c.mandatory_metadata_fields) END));
END
$$;

-- A connection by name or id that the caller may see, or NULL.
CREATE FUNCTION hoop_mcp._visible_connection(name_or_id text, groups text[]) RETURNS hoop_mcp.connections
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT c FROM hoop_mcp.connections c
	WHERE (c.name = $1 OR c.id::text = $1)
	  AND hoop_mcp._connection_visible(c.id, $2, hoop_mcp._is_admin($2) OR hoop_mcp._is_auditor($2))
	ORDER BY c.name = $1 DESC
	LIMIT 1
$$;

-- Validates hoop's secrets map: string keys with base64 values.
CREATE FUNCTION hoop_mcp._check_secrets(secrets jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	k text;
	v jsonb;
BEGIN
	IF secrets IS NULL THEN
		RETURN;
	END IF;
	IF pg_catalog.jsonb_typeof(secrets) <> 'object' THEN
		RAISE EXCEPTION 'secrets must be an object of "envvar:NAME": base64 values'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k, v IN SELECT * FROM pg_catalog.jsonb_each(secrets) LOOP
		IF pg_catalog.jsonb_typeof(v) <> 'string' THEN
			RAISE EXCEPTION 'secrets: value of "%" must be a base64 string', k
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		BEGIN
			PERFORM pg_catalog.decode(v #>> '{}', 'base64');
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION 'secrets: value of "%" is not valid base64', k
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Secret values are base64, as in hoop: {"envvar:PASS": "c2VjcmV0"}.';
		END;
	END LOOP;
	PERFORM hoop_mcp._check_options(secrets, false);
END
$$;

-- Refuses libpq options that would read the server's files, unless a
-- superuser allows them (allow_server_files).
CREATE FUNCTION hoop_mcp._check_options(envs jsonb, allow_server_files boolean) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	opt text := hoop_mcp._unsafe_connection_option(envs);
BEGIN
	IF opt IS NOT NULL AND NOT allow_server_files THEN
		RAISE EXCEPTION 'connection option "%" is not allowed', opt
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The worker runs as the server''s operating-system user; this option would read that user''s files or credentials.',
				  HINT = 'Leave it out, or ask a superuser to create the connection with create_connection(..., allow_server_files => true).';
	END IF;
END
$$;

-- hoop's ApplyDefaultsToModel: the command line hoop would run.
CREATE FUNCTION hoop_mcp._default_command(subtype text) RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT CASE $1
		WHEN 'postgres' THEN ARRAY['psql', '-v', 'ON_ERROR_STOP=1', '-A', '-F' || E'\t', '-P', 'pager=off',
								   '-h', '$HOST', '-U', '$USER', '--port=$PORT', '$DB']
		WHEN 'mysql' THEN ARRAY['mysql', '-h$HOST', '-u$USER', '--port=$PORT', '-D$DB']
		WHEN 'mssql' THEN ARRAY['sqlcmd', '--exit-on-error', '--trim-columns', '-s\t', '-r',
								'-S$HOST:$PORT', '-U$USER', '-d$DB', '-i/dev/stdin']
		WHEN 'oracledb' THEN ARRAY['sqlplus', '-s', '$USER/$PASS@$HOST:$PORT/$SID']
		WHEN 'mongodb' THEN ARRAY['mongo', '--quiet', 'mongodb://$USER:$PASS@$HOST:$PORT/']
		ELSE '{}'::text[]
	END
$$;

-- libpq options as hoop's env map: host -> envvar:HOST, password ->
-- envvar:PASS, dbname -> envvar:DB, anything else -> envvar:<KEYWORD>.
CREATE FUNCTION hoop_mcp._conninfo_to_envs(conninfo text) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
	SELECT coalesce(pg_catalog.jsonb_object_agg(
			'envvar:' || CASE kv.key WHEN 'password' THEN 'PASS' WHEN 'dbname' THEN 'DB'
									 ELSE pg_catalog.upper(kv.key) END,
			pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(kv.value, 'UTF8'), 'base64'), E'\n', '')),
			'{}')
	FROM pg_catalog.jsonb_each_text(hoop_mcp._conninfo_parse($1)) kv
$$;

-- hoop_mcp's own connection settings (read_only and the limits), checked
-- with errors that say what to give.
CREATE FUNCTION hoop_mcp._check_limits(read_only boolean, statement_timeout text,
									   connect_timeout text, max_rows integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF read_only IS NULL THEN
		RAISE EXCEPTION 'read_only must be true or false' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._duration_ms(nullif(statement_timeout, ''), 'statement_timeout');
	IF hoop_mcp._duration_ms(nullif(connect_timeout, ''), 'connect_timeout') NOT BETWEEN 1000 AND 600000 THEN
		RAISE EXCEPTION 'connect_timeout must be between 1s and 10min' USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Leave it out to use hoop_mcp.connect_timeout.';
	END IF;
	IF max_rows < 0 THEN
		RAISE EXCEPTION 'max_rows must not be negative' USING ERRCODE = 'invalid_parameter_value',
			HINT = '0 shows every row; leave it out to use hoop_mcp.max_rows.';
	END IF;
END
$$;

-- Creates a database/postgres connection from a libpq connection string.
-- The password (and every other option) is kept in connection_secrets.
CREATE FUNCTION hoop_mcp.create_connection(name text, conninfo text,
										   tags jsonb DEFAULT '{}',
										   access_mode_exec text DEFAULT 'enabled',
										   access_schema text DEFAULT 'enabled',
										   allowed_groups text[] DEFAULT NULL,
										   allow_passwordless boolean DEFAULT false,
										   allow_server_files boolean DEFAULT false,
										   read_only boolean DEFAULT false,
										   statement_timeout text DEFAULT NULL,
										   connect_timeout text DEFAULT NULL,
										   max_rows integer DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	-- Its arguments hold secrets: no STATEMENT line in the log when it fails.
	SET log_min_error_statement = panic AS $$
DECLARE
	new_id uuid;
	envs jsonb;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF NOT coalesce(hoop_mcp._name_valid(create_connection.name), false) THEN
		RAISE EXCEPTION 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF allow_passwordless AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = hoop_mcp._caller_role()) THEN
		RAISE EXCEPTION 'only superusers may create passwordless connections'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'A connection the target does not ask a password for runs as the server''s operating-system user.',
				  HINT = 'Give the connection a password, or ask a superuser to create it.';
	END IF;
	IF allow_server_files AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = hoop_mcp._caller_role()) THEN
		RAISE EXCEPTION 'only superusers may allow a connection the server''s files'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Options such as passfile, service or sslkey make the worker read files of the server''s operating-system user.',
				  HINT = 'Give the connection a password and leave those options out, or ask a superuser to create it.';
	END IF;
	envs := hoop_mcp._conninfo_to_envs(create_connection.conninfo);
	PERFORM hoop_mcp._check_options(envs, coalesce(create_connection.allow_server_files, false));
	IF tags IS NULL OR pg_catalog.jsonb_typeof(tags) <> 'object' THEN
		RAISE EXCEPTION 'tags must be a JSON object of strings' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM hoop_mcp._check_limits(create_connection.read_only, create_connection.statement_timeout,
								   create_connection.connect_timeout, create_connection.max_rows);
	BEGIN
		INSERT INTO hoop_mcp.connections (name, type, subtype, command, tags, access_mode_exec, access_schema,
										  read_only, statement_timeout, connect_timeout, max_rows)
		VALUES (create_connection.name, 'database', 'postgres', hoop_mcp._default_command('postgres'),
				create_connection.tags, create_connection.access_mode_exec, create_connection.access_schema,
				create_connection.read_only, create_connection.statement_timeout,
				create_connection.connect_timeout, create_connection.max_rows)
		RETURNING id INTO new_id;
	EXCEPTION
		WHEN unique_violation THEN
			RAISE EXCEPTION 'connection already exists' USING ERRCODE = 'unique_violation';
		WHEN check_violation THEN
			RAISE EXCEPTION 'invalid access mode' USING ERRCODE = 'invalid_parameter_value',
				HINT = 'access_mode_exec and access_schema are ''enabled'' or ''disabled''.';
	END;
	INSERT INTO hoop_mcp.connection_secrets (connection_id, envs, allow_passwordless, allow_server_files)
	VALUES (new_id, envs, coalesce(create_connection.allow_passwordless, false),
			coalesce(create_connection.allow_server_files, false));
	IF allowed_groups IS NOT NULL THEN
		PERFORM hoop_mcp.access_control_set(create_connection.name, allowed_groups);
	END IF;
	RETURN new_id;
END
$$;
