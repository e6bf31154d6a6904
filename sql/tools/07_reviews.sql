-- ===========================================================================
-- Tools: reviews (hoop-mcp.md 5)
-- ===========================================================================

-- hoop's reviewToMap (access_duration in nanoseconds, as Go's Duration).
CREATE FUNCTION hoop_mcp._review_map(r hoop_mcp.reviews) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.jsonb_build_object('id', r.id, 'session', r.session_id, 'type', r.type,
			'status', r.status, 'created_at', r.created_at)
		|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
			'access_duration', r.access_duration_sec::bigint * 1000000000,
			'revoke_at', r.revoked_at,
			'access_request_rule_name', r.access_request_rule_name,
			'min_approvals', r.min_approvals,
			'force_approval_groups', CASE WHEN r.force_approval_groups <> '{}' THEN pg_catalog.to_jsonb(r.force_approval_groups) END,
			'connection_name', r.connection_name,
			'owner_email', r.owner_email,
			'rejection_reason', r.rejection_reason,
			'time_window', r.time_window,
			'review_groups_data', (
				SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', g.id, 'group', g.group_name,
						'status', g.status, 'forced_review', g.forced_review)
					|| pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
						'reviewed_by', CASE WHEN g.reviewer_id IS NOT NULL THEN pg_catalog.jsonb_build_object(
							'id', g.reviewer_id, 'name', coalesce(g.reviewer_name, ''), 'email', g.reviewer_email) END,
						'review_date', g.reviewed_at)) ORDER BY g.group_name)
				FROM hoop_mcp.review_groups g WHERE g.review_id = r.id)))
$$;

-- A review the caller may see: its owner, members of its reviewer or force
-- approval groups, admins and auditors (hoop shows every review to every
-- user).
CREATE FUNCTION hoop_mcp._readable_review(id text, for_update boolean DEFAULT false)
RETURNS hoop_mcp.reviews
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	r hoop_mcp.reviews;
BEGIN
	IF coalesce($1, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF for_update THEN
		SELECT * INTO r FROM hoop_mcp.reviews x
		WHERE x.id::text = pg_catalog.lower($1) OR x.session_id::text = pg_catalog.lower($1) FOR UPDATE;
	ELSE
		SELECT * INTO r FROM hoop_mcp.reviews x
		WHERE x.id::text = pg_catalog.lower($1) OR x.session_id::text = pg_catalog.lower($1);
	END IF;
	IF NOT FOUND OR NOT (r.owner_id = u.subject OR hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g)
						 OR r.force_approval_groups && g
						 OR EXISTS (SELECT 1 FROM hoop_mcp.review_groups rg
									WHERE rg.review_id = r.id AND rg.group_name = ANY (g))) THEN
		RAISE EXCEPTION 'review not found' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN r;
END
$$;

CREATE FUNCTION hoop_mcp.reviews_list() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	privileged boolean := hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g);
BEGIN
	RETURN (SELECT coalesce(pg_catalog.jsonb_agg(hoop_mcp._review_map(r) ORDER BY r.created_at DESC, r.id), '[]')
			FROM hoop_mcp.reviews r
			WHERE privileged OR r.owner_id = u.subject OR r.force_approval_groups && g
			   OR EXISTS (SELECT 1 FROM hoop_mcp.review_groups rg
						  WHERE rg.review_id = r.id AND rg.group_name = ANY (g)));
END
$$;
SELECT hoop_mcp._tool('reviews_list',
	'List the reviews you may see: your own, those your groups review, or all of them for admins and auditors. Newest first.',
	annotations => '{"readOnlyHint": true}');

CREATE FUNCTION hoop_mcp.reviews_get(id text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._review_map(hoop_mcp._readable_review($1))
$$;
SELECT hoop_mcp._tool('reviews_get',
	'Get a review by review ID or session ID.',
	arguments => '{"id": "review ID or session ID"}',
	annotations => '{"readOnlyHint": true}');

-- Sessions follow their review: ready when approved, done when rejected or
-- revoked.  Sessions are append-only; this C function is the extension's
-- own, allowed writer (hoop_internal_write).
CREATE FUNCTION hoop_mcp._session_transition(session_id uuid, status text,
											 output text DEFAULT NULL, exit_code integer DEFAULT NULL,
											 executor text DEFAULT NULL)
RETURNS void
	AS 'MODULE_PATHNAME', 'hoop_mcp_session_transition' LANGUAGE C VOLATILE;

-- "HH:MM" in 24-hour form.
CREATE FUNCTION hoop_mcp._valid_hhmm(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT $1 ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
$$;

CREATE FUNCTION hoop_mcp.reviews_update(id text, status text, time_window jsonb DEFAULT NULL,
										force_review boolean DEFAULT NULL, rejection_reason text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	is_admin boolean := hoop_mcp._is_admin(g);
	r hoop_mcp.reviews;
	want text := pg_catalog.upper(coalesce(reviews_update.status, ''));
	matched text[];
	ngroups integer;
	approved integer;
	needed integer;
	forced text;
	new_status hoop_mcp.review_status;
BEGIN
	IF want NOT IN ('APPROVED', 'REJECTED', 'REVOKED') THEN
		RAISE EXCEPTION 'failed updating review: unknown status' USING ERRCODE = 'invalid_parameter_value',
			HINT = 'status is APPROVED, REJECTED or REVOKED.';
	END IF;
	r := hoop_mcp._readable_review(reviews_update.id, true);
	IF r.status NOT IN ('PENDING', 'APPROVED') THEN
		RAISE EXCEPTION 'review is in wrong state' USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF want = 'REVOKED' THEN
		IF r.status <> 'APPROVED' THEN
			RAISE EXCEPTION 'review is in wrong state' USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		IF r.type <> 'jit' THEN
			RAISE EXCEPTION 'review not found' USING ERRCODE = 'no_data_found';
		END IF;
	END IF;
	IF r.owner_id = u.subject AND want = 'APPROVED' AND NOT is_admin THEN
		RAISE EXCEPTION 'unable to self approve review' USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF time_window IS NOT NULL AND want = 'APPROVED' THEN
		IF r.time_window IS NOT NULL THEN
			RAISE EXCEPTION 'time window can only be set once' USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		IF coalesce(time_window->'configuration'->>'start_time', '') = '' OR
		   coalesce(time_window->'configuration'->>'end_time', '') = '' THEN
			RAISE EXCEPTION 'both from and to time must be provided' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT hoop_mcp._valid_hhmm(time_window->'configuration'->>'start_time') THEN
			RAISE EXCEPTION 'invalid start_time format, expected HH:MM in 24-hour format' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT hoop_mcp._valid_hhmm(time_window->'configuration'->>'end_time') THEN
			RAISE EXCEPTION 'invalid end_time format, expected HH:MM in 24-hour format' USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;

	IF coalesce(force_review, false) THEN
		-- A force-approval group decides at once.
		SELECT x INTO forced FROM pg_catalog.unnest(r.force_approval_groups) x WHERE x = ANY (g) ORDER BY x LIMIT 1;
		IF forced IS NULL THEN
			RAISE EXCEPTION 'not eligible for review' USING ERRCODE = 'insufficient_privilege';
		END IF;
		INSERT INTO hoop_mcp.review_groups AS rg (review_id, group_name, status, reviewer_id, reviewer_email,
			reviewer_name, reviewed_at, forced_review)
		VALUES (r.id, forced, want::hoop_mcp.review_status, u.subject, u.email, u.name, pg_catalog.now(), true)
		ON CONFLICT (review_id, group_name) DO UPDATE SET status = excluded.status,
			reviewer_id = excluded.reviewer_id, reviewer_email = excluded.reviewer_email,
			reviewer_name = excluded.reviewer_name, reviewed_at = excluded.reviewed_at, forced_review = true;
		new_status := want::hoop_mcp.review_status;
	ELSE
		SELECT pg_catalog.array_agg(rg.group_name) INTO matched
		FROM hoop_mcp.review_groups rg WHERE rg.review_id = r.id AND rg.group_name = ANY (g);
		IF matched IS NULL THEN
			IF (r.owner_id = u.subject OR is_admin) AND want IN ('REJECTED', 'REVOKED') THEN
				-- The owner or an admin may withdraw: a synthetic group records who.
				INSERT INTO hoop_mcp.review_groups (review_id, group_name, status, reviewer_id,
					reviewer_email, reviewer_name, reviewed_at)
				VALUES (r.id, CASE WHEN is_admin THEN hoop_mcp._admin_group() ELSE coalesce(g[1], 'owner') END,
						want::hoop_mcp.review_status, u.subject, u.email, u.name, pg_catalog.now())
				ON CONFLICT (review_id, group_name) DO UPDATE SET status = excluded.status,
					reviewer_id = excluded.reviewer_id, reviewer_email = excluded.reviewer_email,
					reviewer_name = excluded.reviewer_name, reviewed_at = excluded.reviewed_at;
				new_status := want::hoop_mcp.review_status;
			ELSIF (r.owner_id = u.subject OR is_admin) AND want = 'APPROVED' THEN
				RETURN hoop_mcp._review_map(r);	-- hoop: no error, no change
			ELSE
				RAISE EXCEPTION 'not eligible for review' USING ERRCODE = 'insufficient_privilege';
			END IF;
		ELSE
			UPDATE hoop_mcp.review_groups rg SET status = want::hoop_mcp.review_status,
				reviewer_id = u.subject, reviewer_email = u.email, reviewer_name = u.name,
				reviewed_at = pg_catalog.now()
			WHERE rg.review_id = r.id AND rg.group_name = ANY (matched);
			IF want = 'APPROVED' THEN
				SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE rg.status = 'APPROVED')
				INTO ngroups, approved
				FROM hoop_mcp.review_groups rg WHERE rg.review_id = r.id;
				needed := CASE WHEN r.min_approvals IS NOT NULL THEN LEAST(ngroups, r.min_approvals) ELSE ngroups END;
				new_status := CASE WHEN approved >= needed THEN 'APPROVED' ELSE r.status END;
			ELSE
				new_status := want::hoop_mcp.review_status;
			END IF;
		END IF;
	END IF;

	UPDATE hoop_mcp.reviews x SET
		status = new_status,
		time_window = CASE WHEN want = 'APPROVED' AND reviews_update.time_window IS NOT NULL
						   THEN reviews_update.time_window ELSE x.time_window END,
		rejection_reason = CASE WHEN new_status = 'REJECTED' AND coalesce(reviews_update.rejection_reason, '') <> ''
								THEN reviews_update.rejection_reason ELSE x.rejection_reason END,
		revoked_at = CASE WHEN new_status = 'APPROVED' AND x.status <> 'APPROVED' AND x.type = 'jit'
						  THEN pg_catalog.now() + pg_catalog.make_interval(secs => coalesce(x.access_duration_sec, 900))
						  WHEN new_status = 'REVOKED' THEN pg_catalog.now()
						  ELSE x.revoked_at END
	WHERE x.id = r.id
	RETURNING * INTO r;
	IF new_status = 'APPROVED' THEN
		PERFORM hoop_mcp._session_transition(r.session_id, 'ready');
	ELSIF new_status IN ('REJECTED', 'REVOKED') THEN
		PERFORM hoop_mcp._session_transition(r.session_id, 'done',
			pg_catalog.format('review %s%s', pg_catalog.lower(new_status::text),
							  CASE WHEN r.rejection_reason IS NOT NULL THEN ': ' || r.rejection_reason ELSE '' END), 1);
	END IF;
	RETURN hoop_mcp._review_map(r);
END
$$;
SELECT hoop_mcp._tool('reviews_update',
	'Approve, reject or revoke a review. A reviewer approves for every reviewer group they belong to; the review is APPROVED once enough groups approved. Owners cannot approve their own reviews unless admin. REVOKED ends an approved JIT grant.',
	arguments => '{
		"id": "review ID or session ID",
		"status": "APPROVED, REJECTED or REVOKED",
		"time_window": {"properties": {"type": {"type": "string"}, "configuration": {"type": "object", "additionalProperties": {"type": "string"}}}, "required": ["type", "configuration"], "description": "when an approved review may execute, in UTC: {\"type\":\"time_range\",\"configuration\":{\"start_time\":\"HH:MM\",\"end_time\":\"HH:MM\"}}"},
		"force_review": "decide at once as a member of a force approval group",
		"rejection_reason": "why the review was rejected"}',
	annotations => '{"destructiveHint": true}');

-- The worker's and reviews_wait's view of a review: its map, and whether
-- it reached a state waiting ends on (hoop's isReviewTerminal).
CREATE FUNCTION hoop_mcp._review_state(id text, OUT map jsonb, OUT terminal boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r hoop_mcp.reviews := hoop_mcp._readable_review(id);
BEGIN
	map := hoop_mcp._review_map(r);
	terminal := r.status IN ('APPROVED', 'REJECTED', 'REVOKED', 'EXECUTED');
END
$$;

-- hoop's reviews_wait: long-polls until the review reaches APPROVED,
-- REJECTED, REVOKED or EXECUTED, or the timeout (default 60 s, 2..300).
-- Wakes when the deciding transaction commits (no polling).
CREATE FUNCTION hoop_mcp.reviews_wait(id text, timeout_seconds integer DEFAULT NULL) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_reviews_wait' LANGUAGE C VOLATILE;
SELECT hoop_mcp._tool('reviews_wait',
	'Wait until a review is decided (APPROVED, REJECTED, REVOKED or EXECUTED) and return it. Wakes as soon as the decision commits.',
	arguments => '{
		"id": "review ID or session ID",
		"timeout_seconds": "max wait in seconds (default 60, max 300). Timeout is not an error: the response carries timed_out=true and the current status — call again to keep waiting."}',
	annotations => '{"readOnlyHint": true}');

-- The worker's side of reviews_execute: hoop's guards in hoop's order,
-- then APPROVED -> PROCESSING and the session reopened for this worker.
-- The row lock makes a review execute at most once.
CREATE FUNCTION hoop_mcp._review_execute_begin(id text, executor text,
		OUT session_id uuid, OUT connection_name text, OUT input text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users := hoop_mcp._actor();
	g text[] := hoop_mcp._user_groups(u.id);
	r hoop_mcp.reviews;
	s hoop_mcp.sessions;
	t time := (pg_catalog.now() AT TIME ZONE 'UTC')::time;
	t_start time;
	t_end time;
	in_window boolean;
BEGIN
	IF coalesce(id, '') = '' THEN
		RAISE EXCEPTION 'id is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	r := hoop_mcp._readable_review(id);
	IF r.type <> 'onetime' THEN
		RAISE EXCEPTION 'review is not a one-time review' USING ERRCODE = 'wrong_object_type';
	END IF;
	BEGIN
		PERFORM 1 FROM hoop_mcp.reviews x WHERE x.id = r.id FOR UPDATE NOWAIT;
	EXCEPTION WHEN lock_not_available THEN
		RAISE EXCEPTION 'the session % is already being processed', r.session_id
			USING ERRCODE = 'lock_not_available';
	END;
	SELECT * INTO r FROM hoop_mcp.reviews x WHERE x.id = r.id;	-- the locked version
	SELECT * INTO s FROM hoop_mcp.sessions x WHERE x.id = r.session_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'session not found' USING ERRCODE = 'no_data_found';
	END IF;
	IF s.user_email <> u.email AND NOT (hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g)) THEN
		RAISE EXCEPTION 'unable to execute session' USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF r.status <> 'APPROVED' THEN
		RAISE EXCEPTION 'review not approved or already executed' USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF r.time_window IS NOT NULL THEN
		IF r.time_window->>'type' IS DISTINCT FROM 'time_range' THEN
			RAISE EXCEPTION 'unknown execution window type %', r.time_window->>'type'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		BEGIN
			t_start := (r.time_window->'configuration'->>'start_time')::time;
			t_end := (r.time_window->'configuration'->>'end_time')::time;
		EXCEPTION WHEN OTHERS THEN
			RAISE EXCEPTION 'invalid execution window configuration' USING ERRCODE = 'invalid_parameter_value';
		END;
		-- A window may cross midnight.
		in_window := CASE WHEN t_start <= t_end THEN t >= t_start AND t <= t_end
						  ELSE t >= t_start OR t <= t_end END;
		IF NOT in_window THEN
			RAISE EXCEPTION 'execution not allowed outside the time window % to % UTC',
				pg_catalog.to_char(t_start, 'HH24:MI'), pg_catalog.to_char(t_end, 'HH24:MI')
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
	END IF;
	UPDATE hoop_mcp.reviews x SET status = 'PROCESSING' WHERE x.id = r.id;
	PERFORM hoop_mcp._session_transition(s.id, 'open', NULL, NULL, executor);
	session_id := s.id;
	connection_name := s.connection;
	input := s.input;
END
$$;

-- The gate an exec passes first (hoop's access-request interceptor, 3.3).
-- Returns the review type to create ('onetime' or 'jit') and the rule,
-- or NULL when the exec may run: no rule, not a group the rule reviews, a
-- skip group, or an approved JIT grant still open for this user.
CREATE FUNCTION hoop_mcp._exec_gate(subject text, groups text[], connection_name text,
		OUT review_type text, OUT rule hoop_mcp.access_request_rules)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	SELECT * INTO rule FROM hoop_mcp.access_request_rules r
	WHERE _exec_gate.connection_name = ANY (r.connection_names)
	ORDER BY r.access_type = 'command' DESC, r.access_type = 'jit_command' DESC, r.name
	LIMIT 1;
	IF rule.id IS NULL THEN
		RETURN;
	END IF;
	IF rule.approval_required_groups <> '{}' AND NOT rule.approval_required_groups && groups THEN
		rule := NULL;
		RETURN;
	END IF;
	IF rule.approval_required_groups = '{}' AND rule.skip_review_groups && groups THEN
		rule := NULL;
		RETURN;
	END IF;
	IF rule.access_type <> 'command' AND EXISTS (
			SELECT 1 FROM hoop_mcp.reviews v
			WHERE v.type = 'jit' AND v.owner_id = _exec_gate.subject
			  AND v.connection_name = _exec_gate.connection_name
			  AND v.status = 'APPROVED' AND v.revoked_at > pg_catalog.now()) THEN
		rule := NULL;	-- an open JIT grant
		RETURN;
	END IF;
	review_type := CASE WHEN rule.access_type = 'command' THEN 'onetime' ELSE 'jit' END;
END
$$;

-- A gated exec's PENDING review, with one group per reviewer group of the
-- rule; owner and connection come from its session (open, not running).
CREATE FUNCTION hoop_mcp._review_open(session_id uuid, review_type text, rule_name text,
		env_vars jsonb DEFAULT NULL, client_args text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rule hoop_mcp.access_request_rules;
BEGIN
	SELECT * INTO rule FROM hoop_mcp.access_request_rules r WHERE r.name = rule_name;
	INSERT INTO hoop_mcp.reviews (id, session_id, connection_id, connection_name, type, input_env_vars,
		input_client_args, access_duration_sec, owner_id, owner_email, owner_name,
		access_request_rule_name, force_approval_groups, min_approvals)
	SELECT s.id, s.id, s.connection_id, s.connection, review_type, env_vars, client_args,
		CASE WHEN review_type = 'jit' THEN LEAST(coalesce(rule.access_max_duration, 900), 48 * 3600) END,
		s.user_id, s.user_email, s.user_name, rule.name, rule.force_approval_groups,
		CASE WHEN rule.all_groups_must_approve THEN pg_catalog.cardinality(rule.reviewers_groups)
			 ELSE rule.min_approvals END
	FROM hoop_mcp.sessions s WHERE s.id = _review_open.session_id;
	INSERT INTO hoop_mcp.review_groups (review_id, group_name)
	SELECT DISTINCT session_id, x FROM pg_catalog.unnest(rule.reviewers_groups) x;
END
$$;
