-- ===========================================================================
-- Tools: sessions
-- ===========================================================================

-- hoop's sessionToMap.
CREATE FUNCTION hoop_mcp._session_map(s hoop_mcp.sessions) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object(
			'id', s.id, 'connection', s.connection, 'connection_type', s.connection_type,
			'connection_subtype', s.connection_subtype, 'user_id', s.user_id,
			'user_email', s.user_email, 'user_name', coalesce(s.user_name, ''),
			'status', s.status, 'verb', s.verb, 'created_at', s.created_at)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'ended_at', s.ended_at, 'exit_code', s.exit_code,
			'session_batch_id', s.session_batch_id, 'labels', s.labels,
			'metadata', CASE WHEN s.metadata <> '{}' THEN s.metadata END,
			'integrations_metadata', s.integrations_metadata, 'metrics', s.metrics,
			'connection_tags', CASE WHEN s.connection_tags <> '{}' THEN s.connection_tags END,
			'ai_analysis', s.ai_analysis,
			'guardrails_info', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
									'rule_name', g->'rule_name', 'direction', g->'direction',
									'matched_words', g->'matched_words', 'message', g->'message')))
								FROM pg_catalog.jsonb_array_elements(s.guardrails_info) g),
			'review', (SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
							'id', r.id, 'type', r.type, 'status', r.status,
							'access_duration', r.access_duration_sec::bigint * 1000000000,
							'access_request_rule_name', r.access_request_rule_name))
					   FROM hoop_mcp.reviews r WHERE r.session_id = s.id)))
$$;

-- Whether groups g review the session: a reviewer needs to read what they
-- approve.
CREATE FUNCTION hoop_mcp._reviews_session(session_id uuid, g text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM hoop_mcp.reviews r
				   WHERE r.session_id = $1
					 AND (r.force_approval_groups && $2
						  OR EXISTS (SELECT 1 FROM hoop_mcp.review_groups rg
									 WHERE rg.review_id = r.id AND rg.group_name = ANY ($2))))
$$;

-- A session by its id, with hoop's texts when there is none.
CREATE FUNCTION hoop_mcp._session(id text) RETURNS hoop_mcp.sessions
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	s hoop_mcp.sessions;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO s FROM hoop_mcp.sessions x WHERE x.id::text = pg_catalog.lower($1);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'session not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN s;
END
$$;

-- A session the caller may read: the owner, its reviewers, admins and
-- auditors.
CREATE FUNCTION hoop_mcp._readable_session(id text) RETURNS hoop_mcp.sessions
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	s hoop_mcp.sessions;
BEGIN
	s := hoop_mcp._session(id);
	IF s.user_id <> u.subject AND NOT (hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g))
	   AND NOT hoop_mcp._reviews_session(s.id, g) THEN
		RAISE EXCEPTION 'access denied: you can only view your own sessions or must be admin/auditor'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN s;
END
$$;

CREATE FUNCTION hoop_mcp.sessions_get(id text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._session_map(hoop_mcp._readable_session($1))
$$;
SELECT hoop_mcp._tool('sessions_get',
	'Get a session''s metadata by ID (owner, its reviewers, admin or auditor). Use sessions_get_content for its input and output.',
	arguments => '{"id": "session ID"}',
	annotations => '{"readOnlyHint": true}');

-- Not in hoop: stops a running exec.  The cancel is sent when the call
-- commits; the session then ends done, with a non-zero exit code and its
-- output saying who cancelled it.
CREATE FUNCTION hoop_mcp.sessions_cancel(id text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	s hoop_mcp.sessions;
BEGIN
	s := hoop_mcp._session(id);
	IF s.user_id <> u.subject AND NOT hoop_mcp._is_admin(g) THEN
		RAISE EXCEPTION 'access denied: you can only cancel your own sessions or must be admin'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF s.status = 'done' THEN
		RAISE EXCEPTION 'session % has already ended', s.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'sessions_get shows how it ended.';
	END IF;
	IF s.executor IS NULL THEN
		RAISE EXCEPTION 'session % is not running: it waits for its review or for reviews_execute', s.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Reject the review with reviews_update to keep it from running.';
	END IF;
	PERFORM hoop_mcp._cancel_at_commit(s.id,
		pg_catalog.format('cancelled by %s (sessions_cancel)', coalesce(u.email, u.subject)));
	RETURN pg_catalog.jsonb_build_object(
		'session_id', s.id, 'status', 'cancelling',
		'message', 'the running statement is cancelled when this call commits; the session then ends done with a non-zero exit code',
		'next_step', 'poll sessions_get with session_id');
END
$$;
SELECT hoop_mcp._tool('sessions_cancel',
	'Cancel a running exec (the session''s owner or an admin): its statement is cancelled on the target and nothing more of its input runs. The session ends done with a non-zero exit code and output that says who cancelled it. Works for an exec that already answered "running".',
	arguments => '{"id": "session ID"}',
	annotations => '{"destructiveHint": false, "idempotentHint": true}');

CREATE FUNCTION hoop_mcp.sessions_get_content(id text, include_input boolean DEFAULT true,
											  include_output boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	s hoop_mcp.sessions := hoop_mcp._readable_session(sessions_get_content.id);
BEGIN
	RETURN pg_catalog.jsonb_build_object('id', s.id, 'connection', s.connection, 'status', s.status, 'verb', s.verb)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'input', CASE WHEN coalesce(include_input, true) THEN s.input END,
			'output', CASE WHEN coalesce(include_output, true) THEN s.output END,
			'exit_code', s.exit_code));
END
$$;
SELECT hoop_mcp._tool('sessions_get_content',
	'Get a session''s input and output (owner, its reviewers, admin or auditor).',
	arguments => '{
		"id": "session ID",
		"include_input": {"type": ["null", "boolean"], "description": "include the input (default true)"},
		"include_output": {"type": ["null", "boolean"], "description": "include the output (default true)"}}',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.sessions_list("user" text DEFAULT NULL, connection text DEFAULT NULL,
									   type text DEFAULT NULL, review_status text DEFAULT NULL,
									   start_date text DEFAULT NULL, end_date text DEFAULT NULL,
									   "limit" integer DEFAULT NULL, "offset" integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	privileged boolean := hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g);
	lim integer := coalesce(sessions_list."limit", 0);
	off integer := coalesce(sessions_list."offset", 0);
	t_start timestamptz;
	t_end timestamptz;
	total bigint;
	items jsonb;
	n integer;
BEGIN
	IF lim < 0 THEN
		RAISE EXCEPTION 'invalid limit, must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	ELSIF lim = 0 THEN
		lim := 20;
	ELSIF lim > 100 THEN
		lim := 100;
	END IF;
	IF off < 0 THEN
		RAISE EXCEPTION 'invalid offset, must not be negative' USING ERRCODE = 'invalid_parameter_value';
	ELSIF off > 10000 THEN
		RAISE EXCEPTION 'invalid offset, must not be greater than 10000; narrow the filters instead of paginating deeper'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(start_date, '') <> '' THEN
		BEGIN
			IF start_date !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$' THEN
				RAISE invalid_datetime_format;
			END IF;
			t_start := start_date::timestamptz;
		EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
			RAISE EXCEPTION 'invalid start_date format, expected RFC3339 (e.g. 2024-01-01T00:00:00Z)'
				USING ERRCODE = 'invalid_datetime_format';
		END;
		IF coalesce(end_date, '') <> '' THEN
			BEGIN
				IF end_date !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$' THEN
					RAISE invalid_datetime_format;
				END IF;
				t_end := end_date::timestamptz;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
				RAISE EXCEPTION 'invalid end_date format, expected RFC3339 (e.g. 2024-01-01T00:00:00Z)'
					USING ERRCODE = 'invalid_datetime_format';
			END;
		ELSE
			t_end := pg_catalog.now();
		END IF;
	END IF;

	-- hoop: the count is capped at 10000; has_next_page comes from
	-- fetching one row more than asked.
	WITH visible AS (
		SELECT s.* FROM hoop_mcp.sessions s
		WHERE (privileged OR s.user_id = u.subject OR hoop_mcp._reviews_session(s.id, g))
		  AND (sessions_list."user" IS NULL OR s.user_id LIKE sessions_list."user"
			   OR s.user_email LIKE pg_catalog.lower(sessions_list."user"))
		  AND (sessions_list.connection IS NULL OR s.connection LIKE sessions_list.connection)
		  AND (sessions_list.type IS NULL OR s.connection_type LIKE sessions_list.type)
		  AND (sessions_list.review_status IS NULL OR EXISTS (
				SELECT 1 FROM hoop_mcp.reviews r
				WHERE r.session_id = s.id AND r.status::text LIKE pg_catalog.upper(sessions_list.review_status)))
		  AND (t_start IS NULL OR s.created_at BETWEEN t_start AND t_end)
	)
	SELECT (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM visible LIMIT 10001) c),
		   (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._session_map(p) ORDER BY p.created_at DESC, p.id DESC), '[]')
			FROM (SELECT * FROM visible ORDER BY created_at DESC, id DESC LIMIT lim + 1 OFFSET off) p)
	INTO total, items;
	n := pg_catalog.jsonb_array_length(items);
	IF n > lim THEN
		items := items - lim;
	END IF;
	RETURN pg_catalog.jsonb_build_object(
		'total', LEAST(total, 10000), 'total_is_capped', total > 10000,
		'has_next_page', n > lim, 'items', items);
END
$$;
SELECT hoop_mcp._tool('sessions_list',
	'List sessions, newest first. Non-admin users see their own sessions and those they review. Max 100 results per request. The total is capped at 10000: when total_is_capped is true the real total is larger; report it as "10000+". Filters are SQL LIKE patterns; start_date and end_date are RFC 3339.',
	arguments => '{
		"user": "user subject or email (LIKE pattern)",
		"connection": "connection name (LIKE pattern)",
		"type": "connection type (LIKE pattern)",
		"review_status": "PENDING, APPROVED or REJECTED",
		"start_date": "RFC 3339 start of the created_at range",
		"end_date": "RFC 3339 end of the created_at range (default now)",
		"limit": "page size, default 20, max 100",
		"offset": "rows to skip, max 10000"}',
	annotations => '{"readOnlyHint": true}');
