-- ===========================================================================
-- Identity
-- ===========================================================================

-- The user a call acts for: the worker's authenticated MCP user, or else
-- the user mapped to the calling PostgreSQL role.  Inactive users and
-- unmapped roles are refused.
CREATE FUNCTION hoop_mcp._actor() RETURNS hoop_mcp.users
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	worker_user uuid := hoop_mcp._worker_actor();
	caller name;
	u hoop_mcp.users;
BEGIN
	IF worker_user IS NOT NULL THEN
		SELECT * INTO u FROM hoop_mcp.users WHERE id = worker_user;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'unauthorized: missing auth context'
				USING ERRCODE = 'insufficient_privilege';
		END IF;
	ELSE
		caller := hoop_mcp._caller_role();
		SELECT * INTO u FROM hoop_mcp.users WHERE pg_role = caller;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'role "%" is not mapped to a hoop_mcp user', caller
				USING ERRCODE = 'insufficient_privilege',
					  HINT = pg_catalog.format('An administrator can map it: SELECT hoop_mcp.create_user(email => ''...'', pg_role => %L);', caller);
		END IF;
	END IF;
	IF u.status <> 'active' THEN
		RAISE EXCEPTION 'user is not active, status=%', u.status
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'An administrator can reactivate the user with hoop_mcp.set_user_status().';
	END IF;
	RETURN u;
END
$$;

CREATE FUNCTION hoop_mcp._user_groups(user_id uuid) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT coalesce(pg_catalog.array_agg(group_name ORDER BY group_name), '{}')
	FROM hoop_mcp.user_groups g WHERE g.user_id = $1
$$;

CREATE FUNCTION hoop_mcp._is_admin(groups text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._admin_group() = ANY ($1)
$$;

CREATE FUNCTION hoop_mcp._is_auditor(groups text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT hoop_mcp._auditor_group() = ANY ($1)
$$;

-- Gate for admin tools and the SQL administration functions.  Over MCP
-- the acting user must be in the admin group.  From SQL, members of the
-- hoop_mcp_admin role (and superusers) pass, and so does a role mapped to
-- a hoop admin user.
CREATE FUNCTION hoop_mcp._require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	caller name;
BEGIN
	IF hoop_mcp._worker_actor() IS NULL THEN
		caller := hoop_mcp._caller_role();
		IF pg_catalog.pg_has_role(caller, 'hoop_mcp_admin', 'USAGE') THEN
			RETURN;
		END IF;
		IF NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE pg_role = caller) THEN
			RAISE EXCEPTION 'admin access required'
				USING ERRCODE = 'insufficient_privilege',
					  HINT = 'A superuser can run: GRANT hoop_mcp_admin TO ' || pg_catalog.quote_ident(caller) || ';';
		END IF;
	END IF;
	IF NOT hoop_mcp._is_admin(hoop_mcp._user_groups((hoop_mcp._actor()).id)) THEN
		RAISE EXCEPTION 'admin access required'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = pg_catalog.format('Members of the group "%s" (hoop_mcp.admin_group) may do this.', hoop_mcp._admin_group());
	END IF;
END
$$;

-- Gate for tools that admins and auditors may use.  From SQL, members of
-- hoop_mcp_admin or hoop_mcp_auditor pass too.
CREATE FUNCTION hoop_mcp._require_admin_or_auditor() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	caller name;
	g text[];
BEGIN
	IF hoop_mcp._worker_actor() IS NULL THEN
		caller := hoop_mcp._caller_role();
		IF pg_catalog.pg_has_role(caller, 'hoop_mcp_admin', 'USAGE') OR
		   pg_catalog.pg_has_role(caller, 'hoop_mcp_auditor', 'USAGE') THEN
			RETURN;
		END IF;
	END IF;
	g := hoop_mcp._user_groups((hoop_mcp._actor()).id);
	IF NOT (hoop_mcp._is_admin(g) OR hoop_mcp._is_auditor(g)) THEN
		RAISE EXCEPTION 'admin or auditor access required' USING ERRCODE = 'insufficient_privilege';
	END IF;
END
$$;

CREATE FUNCTION hoop_mcp._ensure_groups(groups text[]) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	INSERT INTO hoop_mcp.groups (name)
	SELECT DISTINCT g FROM pg_catalog.unnest($1) g
	ON CONFLICT (name) DO NOTHING
$$;
