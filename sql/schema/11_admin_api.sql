-- ===========================================================================
-- SQL administration API (also usable by admins mapped to a role)
-- ===========================================================================

CREATE FUNCTION hoop_mcp.create_user(email text, groups text[] DEFAULT '{}',
									 name text DEFAULT NULL, pg_role name DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id uuid := pg_catalog.gen_random_uuid();
	clean_email text := pg_catalog.lower(pg_catalog.btrim(create_user.email));
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF clean_email IS NULL OR clean_email !~ '^[^@\s]+@[^@\s]+$' THEN
		RAISE EXCEPTION 'invalid email address "%"', create_user.email
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Give an address such as alice@example.com.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.unnest(create_user.groups) g WHERE g IS NULL OR g = '') THEN
		RAISE EXCEPTION 'group names must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF create_user.pg_role IS NOT NULL AND
	   NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = create_user.pg_role) THEN
		RAISE EXCEPTION 'role "%" does not exist', create_user.pg_role
			USING ERRCODE = 'undefined_object', HINT = 'Create the role first, or leave pg_role NULL.';
	END IF;
	BEGIN
		INSERT INTO hoop_mcp.users (id, subject, email, name, pg_role)
		VALUES (new_id, new_id::text, clean_email, coalesce(create_user.name, pg_catalog.split_part(clean_email, '@', 1)),
				create_user.pg_role);
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION 'user already exists'
			USING ERRCODE = 'unique_violation',
				  DETAIL = 'A user with this email or PostgreSQL role exists already.',
				  HINT = 'Use hoop_mcp.set_user_groups() or hoop_mcp.set_user_status() to change an existing user.';
	END;
	PERFORM hoop_mcp._ensure_groups(create_user.groups);
	INSERT INTO hoop_mcp.user_groups (user_id, group_name)
	SELECT DISTINCT new_id, g FROM pg_catalog.unnest(create_user.groups) g;
	RETURN new_id;
END
$$;

CREATE FUNCTION hoop_mcp._user_by_email(email text) RETURNS hoop_mcp.users
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	SELECT * INTO u FROM hoop_mcp.users x WHERE x.email = pg_catalog.lower(pg_catalog.btrim($1));
	IF NOT FOUND THEN
		RAISE EXCEPTION 'user not found' USING ERRCODE = 'no_data_found',
			HINT = 'Create it with hoop_mcp.create_user(email => ...).';
	END IF;
	RETURN u;
END
$$;

CREATE FUNCTION hoop_mcp.set_user_groups(email text, groups text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	PERFORM hoop_mcp._require_admin();
	u := hoop_mcp._user_by_email(email);
	PERFORM hoop_mcp._ensure_groups(groups);
	DELETE FROM hoop_mcp.user_groups WHERE user_id = u.id;
	INSERT INTO hoop_mcp.user_groups (user_id, group_name)
	SELECT DISTINCT u.id, g FROM pg_catalog.unnest(groups) g;
	UPDATE hoop_mcp.users SET updated_at = pg_catalog.now() WHERE id = u.id;
END
$$;

CREATE FUNCTION hoop_mcp.set_user_status(email text, status text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF status IS NULL OR status NOT IN ('active', 'inactive') THEN
		RAISE EXCEPTION 'invalid user status "%"', status
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''active'' or ''inactive''.';
	END IF;
	u := hoop_mcp._user_by_email(email);
	UPDATE hoop_mcp.users SET status = set_user_status.status, updated_at = pg_catalog.now() WHERE id = u.id;
END
$$;

-- Returns the new key.  It is shown this once: only its hash is kept.
CREATE FUNCTION hoop_mcp.create_api_key(email text, description text DEFAULT NULL,
										expires_at timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
	key text;
BEGIN
	PERFORM hoop_mcp._require_admin();
	u := hoop_mcp._user_by_email(email);
	IF expires_at IS NOT NULL AND expires_at <= pg_catalog.now() THEN
		RAISE EXCEPTION 'expires_at must be in the future' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	LOOP
		-- hmk_ + 43 characters of base64url: 256 random bits.
		key := 'hmk_' || pg_catalog.rtrim(pg_catalog.translate(
				pg_catalog.encode(hoop_mcp._random_bytes(32), 'base64'), E'+/\n', '-_'), '=');
		BEGIN
			INSERT INTO hoop_mcp.api_keys (user_id, prefix, key_hash, description, expires_at)
			VALUES (u.id, pg_catalog.left(key, 12), pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8')),
					create_api_key.description, create_api_key.expires_at);
			RETURN key;
		EXCEPTION WHEN unique_violation THEN
			-- 48-bit prefix collision: draw again.
		END;
	END LOOP;
END
$$;

-- Revokes a key given its prefix (first 12 characters) or its id.
CREATE FUNCTION hoop_mcp.revoke_api_key(key_prefix_or_id text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	UPDATE hoop_mcp.api_keys SET revoked_at = pg_catalog.now()
	WHERE (prefix = pg_catalog.left(key_prefix_or_id, 12) OR id::text = key_prefix_or_id)
	  AND revoked_at IS NULL;
	RETURN FOUND;
END
$$;

CREATE FUNCTION hoop_mcp.list_api_keys(email text DEFAULT NULL)
RETURNS TABLE (id uuid, user_email text, prefix text, description text, created_at timestamptz,
			   expires_at timestamptz, revoked_at timestamptz, last_used_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	RETURN QUERY
	SELECT k.id, u.email, k.prefix, k.description, k.created_at, k.expires_at, k.revoked_at, k.last_used_at
	FROM hoop_mcp.api_keys k JOIN hoop_mcp.users u ON u.id = k.user_id
	WHERE list_api_keys.email IS NULL OR u.email = pg_catalog.lower(list_api_keys.email)
	ORDER BY k.created_at, k.id;
END
$$;
