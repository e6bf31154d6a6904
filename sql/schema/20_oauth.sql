-- ===========================================================================
-- OAuth 2.1 resource server (MCP OAuth mode)
--
-- hoop_mcp validates access tokens an identity provider issued (it is not an
-- authorization server).  configure_oidc() records the provider and its
-- signing keys; the mcp_auth_* functions are hoop's `hoop admin mcp auth`
-- commands.  The worker caches this row and re-reads it when it changes.
-- ===========================================================================

CREATE TABLE hoop_mcp.auth_config (
	one_row		boolean PRIMARY KEY DEFAULT true CHECK (one_row),
	issuer		text,
	jwks		jsonb,
	jwks_uri	text,
	jwks_fetched_at timestamptz,
	provider_metadata jsonb,
	mcp_enabled	boolean NOT NULL DEFAULT false,
	resource_uri text,
	groups_claim text,
	client_id	text,
	client_secret text,
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE hoop_mcp.auth_config IS 'The identity provider (issuer, signing keys) and MCP OAuth settings.  client_secret is readable by the owner only.';
INSERT INTO hoop_mcp.auth_config DEFAULT VALUES;
SELECT pg_catalog.pg_extension_config_dump('hoop_mcp.auth_config', '');
CREATE TRIGGER auth_config_replace_the_row BEFORE INSERT ON hoop_mcp.auth_config
	FOR EACH ROW EXECUTE FUNCTION hoop_mcp._replace_the_row();
CREATE TRIGGER auth_config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hoop_mcp.auth_config
	FOR EACH STATEMENT EXECUTE FUNCTION hoop_mcp._cache_invalidate();
ALTER TABLE hoop_mcp.auth_config ENABLE ALWAYS TRIGGER auth_config_changed;

-- GET a JSON document (https, or http to loopback; 15 s; 1 MiB).
CREATE FUNCTION hoop_mcp._fetch_json(url text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hoop_mcp_fetch_json' LANGUAGE C VOLATILE STRICT;
-- Checks a JWKS the way the worker will read it; returns its key ids.
CREATE FUNCTION hoop_mcp._jwks_kids(jwks jsonb) RETURNS text[]
	AS 'MODULE_PATHNAME', 'hoop_mcp_jwks_kids' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION hoop_mcp._strip_slash(url text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.rtrim($1, '/')
$$;

-- Records the identity provider.  With jwks, those keys are used as given;
-- otherwise the issuer's /.well-known/openid-configuration names the
-- jwks_uri (unless given) and the keys are fetched from it.  The worker
-- fetches them again when a token names a key it does not know.
CREATE FUNCTION hoop_mcp.configure_oidc(issuer text, jwks jsonb DEFAULT NULL, jwks_uri text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	metadata jsonb;
	uri text := configure_oidc.jwks_uri;
	keys jsonb := configure_oidc.jwks;
	kids text[];
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF coalesce(issuer, '') = '' OR issuer !~ '^https?://[^/]+' THEN
		RAISE EXCEPTION 'invalid issuer "%"', issuer
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the identity provider''s issuer URL, e.g. https://login.example.com/realms/acme.';
	END IF;
	IF keys IS NULL THEN
		BEGIN
			metadata := hoop_mcp._fetch_json(hoop_mcp._strip_slash(issuer) || '/.well-known/openid-configuration');
		EXCEPTION WHEN OTHERS THEN
			IF uri IS NULL THEN
				RAISE;
			END IF;
			metadata := NULL;	-- a given jwks_uri is enough
		END;
		IF metadata IS NOT NULL AND
		   hoop_mcp._strip_slash(metadata->>'issuer') IS DISTINCT FROM hoop_mcp._strip_slash(issuer) THEN
			RAISE EXCEPTION 'the provider''s metadata names issuer "%", not "%"', metadata->>'issuer', issuer
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Use the issuer exactly as the provider reports it.';
		END IF;
		uri := coalesce(uri, metadata->>'jwks_uri');
		IF uri IS NULL THEN
			RAISE EXCEPTION 'the provider''s metadata has no jwks_uri'
				USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass jwks_uri or jwks.';
		END IF;
		keys := hoop_mcp._fetch_json(uri);
	END IF;
	kids := hoop_mcp._jwks_kids(keys);
	UPDATE hoop_mcp.auth_config SET
		issuer = configure_oidc.issuer, jwks = keys, jwks_uri = uri,
		jwks_fetched_at = CASE WHEN configure_oidc.jwks IS NULL THEN pg_catalog.now() END,
		provider_metadata = metadata, updated_at = pg_catalog.now();
	RETURN pg_catalog.jsonb_build_object('issuer', issuer, 'jwks_uri', uri,
		'key_ids', pg_catalog.to_jsonb(kids), 'discovered', metadata IS NOT NULL);
END
$$;

-- hoop's `hoop admin mcp auth ...`: a NULL argument is "not given", ''
-- clears the field.
CREATE FUNCTION hoop_mcp._mcp_auth_apply(resource_uri text, groups_claim text, client_id text,
										 client_secret text, enabled boolean)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF resource_uri IS NOT NULL AND resource_uri <> '' AND resource_uri !~ '^https?://[^/]+' THEN
		RAISE EXCEPTION 'invalid resource URI "%"', resource_uri
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the absolute URL clients use, e.g. https://mcp.example.com/api/mcp.';
	END IF;
	UPDATE hoop_mcp.auth_config a SET
		mcp_enabled = coalesce(enabled, a.mcp_enabled),
		resource_uri = CASE WHEN _mcp_auth_apply.resource_uri IS NULL THEN a.resource_uri
							ELSE nullif(_mcp_auth_apply.resource_uri, '') END,
		groups_claim = CASE WHEN _mcp_auth_apply.groups_claim IS NULL THEN a.groups_claim
							ELSE nullif(_mcp_auth_apply.groups_claim, '') END,
		client_id = CASE WHEN _mcp_auth_apply.client_id IS NULL THEN a.client_id
						 ELSE nullif(_mcp_auth_apply.client_id, '') END,
		client_secret = CASE WHEN _mcp_auth_apply.client_secret IS NULL THEN a.client_secret
							 ELSE nullif(_mcp_auth_apply.client_secret, '') END,
		updated_at = pg_catalog.now();
END
$$;

CREATE FUNCTION hoop_mcp.mcp_auth_enable(resource_uri text DEFAULT NULL, groups_claim text DEFAULT NULL,
										 client_id text DEFAULT NULL, client_secret text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	-- Its arguments hold secrets: no STATEMENT line in the log when it fails.
	SET log_min_error_statement = panic AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF (SELECT issuer FROM hoop_mcp.auth_config) IS NULL THEN
		RAISE EXCEPTION 'failed updating MCP auth config: no identity provider is configured'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run SELECT hoop_mcp.configure_oidc(issuer => ''https://...''); first.';
	END IF;
	PERFORM hoop_mcp._mcp_auth_apply(resource_uri, groups_claim, client_id, client_secret, true);
	RETURN 'MCP OAuth authentication enabled.';
END
$$;

CREATE FUNCTION hoop_mcp.mcp_auth_disable() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	PERFORM hoop_mcp._mcp_auth_apply(NULL, NULL, NULL, NULL, false);
	RETURN 'MCP OAuth authentication disabled. The /api/mcp endpoint now accepts only gateway Hoop bearer tokens.';
END
$$;

CREATE FUNCTION hoop_mcp.mcp_auth_configure(resource_uri text DEFAULT NULL, groups_claim text DEFAULT NULL,
											client_id text DEFAULT NULL, client_secret text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	-- Its arguments hold secrets: no STATEMENT line in the log when it fails.
	SET log_min_error_statement = panic AS $$
BEGIN
	PERFORM hoop_mcp._require_admin();
	IF resource_uri IS NULL AND groups_claim IS NULL AND client_id IS NULL AND client_secret IS NULL THEN
		RAISE EXCEPTION 'nothing to configure: provide --resource-uri, --groups-claim, --client-id and/or --client-secret'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'In SQL the flags are the arguments resource_uri, groups_claim, client_id and client_secret.';
	END IF;
	PERFORM hoop_mcp._mcp_auth_apply(resource_uri, groups_claim, client_id, client_secret, NULL);
	RETURN 'MCP OAuth configuration updated.';
END
$$;

-- The lines of `hoop admin mcp auth status`.
CREATE FUNCTION hoop_mcp.mcp_auth_status() RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a hoop_mcp.auth_config;
BEGIN
	PERFORM hoop_mcp._require_admin_or_auditor();
	SELECT * INTO a FROM hoop_mcp.auth_config;
	RETURN NEXT 'State:         ' || CASE WHEN a.mcp_enabled THEN 'enabled' ELSE 'disabled' END;
	RETURN NEXT 'Resource URI:  ' || coalesce(a.resource_uri, '(default: ' || hoop_mcp._api_url() || '/api/mcp)');
	RETURN NEXT 'Groups Claim:  ' || coalesce(a.groups_claim, '(default: groups)');
	RETURN NEXT 'Static Client: ' || CASE
		WHEN a.client_id IS NULL THEN '(none: Dynamic Client Registration via IdP)'
		WHEN a.client_secret IS NOT NULL THEN a.client_id || ' (confidential)'
		ELSE a.client_id || ' (public, PKCE)' END;
END
$$;

-- The worker's side of an OAuth login: the user a token's subject names,
-- created or updated from its claims.  Returns an error text instead of
-- raising, so the worker can answer 401 with it.  Unlike hoop, an
-- inactive user stays inactive, and a provider's email that is marked
-- unverified never claims an existing account.
CREATE FUNCTION hoop_mcp._oauth_user(subject text, email text, email_verified boolean, name text,
									 groups text[], OUT id uuid, OUT error text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	u hoop_mcp.users;
	clean_email text := pg_catalog.lower(pg_catalog.btrim(_oauth_user.email));
	current_groups text[];
	wanted text[];
BEGIN
	SELECT * INTO u FROM hoop_mcp.users x WHERE x.subject = _oauth_user.subject;
	IF NOT FOUND THEN
		IF coalesce(clean_email, '') = '' THEN
			error := 'token is missing ''email'' claim required for first-time MCP signup';
			RETURN;
		END IF;
		IF email_verified IS FALSE THEN
			error := 'token ''email'' claim is not verified; first-time MCP signup needs a verified email';
			RETURN;
		END IF;
		SELECT * INTO u FROM hoop_mcp.users x WHERE x.email = clean_email;
		IF FOUND THEN
			UPDATE hoop_mcp.users x SET subject = _oauth_user.subject, updated_at = pg_catalog.now()
			WHERE x.id = u.id;
		ELSE
			BEGIN
				INSERT INTO hoop_mcp.users AS x (subject, email, name)
				VALUES (_oauth_user.subject, clean_email, coalesce(nullif(_oauth_user.name, ''), pg_catalog.split_part(clean_email, '@', 1)))
				RETURNING * INTO u;
			EXCEPTION WHEN check_violation THEN
				error := pg_catalog.format('token ''email'' claim is not an email address: %s', clean_email);
				RETURN;
			END;
		END IF;
	ELSIF nullif(_oauth_user.name, '') IS DISTINCT FROM u.name AND nullif(_oauth_user.name, '') IS NOT NULL THEN
		UPDATE hoop_mcp.users x SET name = _oauth_user.name, updated_at = pg_catalog.now() WHERE x.id = u.id;
	END IF;
	IF groups IS NOT NULL THEN
		-- Groups follow the token, keeping an admin grant made here (hoop's
		-- mergeAdmin).  Written only when they differ: every write tells
		-- the workers' caches to reload.
		current_groups := hoop_mcp._user_groups(u.id);
		SELECT coalesce(pg_catalog.array_agg(DISTINCT x ORDER BY x), '{}') INTO wanted
		FROM (SELECT x FROM pg_catalog.unnest(groups) x WHERE x <> ''
			  UNION SELECT hoop_mcp._admin_group() WHERE hoop_mcp._admin_group() = ANY (current_groups)) w;
		IF wanted IS DISTINCT FROM current_groups THEN
			PERFORM hoop_mcp._ensure_groups(wanted);
			DELETE FROM hoop_mcp.user_groups g WHERE g.user_id = u.id AND g.group_name <> ALL (wanted);
			INSERT INTO hoop_mcp.user_groups (user_id, group_name)
			SELECT u.id, x FROM pg_catalog.unnest(wanted) x
			ON CONFLICT DO NOTHING;
		END IF;
	END IF;
	id := u.id;
END
$$;
