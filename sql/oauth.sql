-- OAuth 2.1 resource server: configure_oidc and the keys it accepts, hoop's
-- "hoop admin mcp auth" commands (mcp_auth_enable/disable/configure/status),
-- who may call them, and the user sync behind an OAuth login
-- (hoop_mcp._oauth_user).  The keys were made once with openssl (RSA 2048,
-- RSA 1024, EC P-256, P-384, secp256k1) and converted to JWK; nothing here
-- fetches over the network.  Everything made here is removed at the end:
-- the privileges test counts users and groups.
\set SHOW_CONTEXT never
\set rsa_n 'oPq77YgUgK2CLD4dhBDcKZg3XJcu2vEtFEy69CtgIF_pbnHWgcV-GELmT9lKx6pMzmsvglPv3Bvqq5E11sqKgSyEzrVexDVbfBHn3hZGIoeDXMnEOdejqo6dwF2nBvjHKUJoPLt0VHVvMWO58ClYVXeAKc2m2ZFuKnNofiGgzPkzUprBajkdzqaH6Fp4y6KcGlk-1q8dJ9IfWrpl3SWeeEvHiHKLh0ErhWwRzD_TwJ4r8TaYPosTPT1JydeCV4-dG6f7XIL3MySBQ0tyLC6DeqGnP52a4ru9I7-gAI5M4FRFI3ThV7WYfR0XT-ippCVRltDBAtIJ3mMCnspFw9QniQ'
\set rsa1024_n 'u3ETE-YzIw9ErqwN5cpC3CZVEc50JhHnTScmKHKUcEACA3yQOWig_Eyp-s9FBOH9BhAvfEX6DJTzY9FJ8qFQXqyXV3M_WUHOpZc2G5-CkF8r1GnE0EsxYfRNYyKJEJdXxsBdxV9fsi7Sokx0w-BKQHzkqWMe-4L93gYUoKXws9s'
\set ec_x 'IqYxfQkctsmmTXSS1sLlkdIKvFRu-Hf4e3hjROdz6nY'
\set ec_y 'lLURRrhLtqk2tgObMSiVUrxFkxVx3FOwxCZS7dtXXjY'
\set k1_x '6NetZl_VRnPGcr70iqaHiuMDlfYETG8wPLV2vg1LCTY'
\set k1_y 'aQTznT5hhF7MAPexRWDPnNl5gPcnLLXZ6HWdtXgeDSs'
\set p384_x 'cE9miG9m1z0tIJmHlDddVNoKoRQtXjUssbmjuMLWkVzWA0R3Pc4ZNJv77Cb0qL1P'
\set p384_y 'sL-kxmzUMzY7D1a9e8d0D9HKOcmlh7qIk_6u-JaLZlvdJGICvZy0iZsfuZ5fsSVu'
CREATE FUNCTION pg_temp.rsa(kid text, n text, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql
AS $$ SELECT jsonb_build_object('kty', 'RSA', 'kid', kid, 'n', n, 'e', 'AQAB') || extra $$;
CREATE FUNCTION pg_temp.ec(kid text, crv text, x text, y text, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql
AS $$ SELECT jsonb_build_object('kty', 'EC', 'kid', kid, 'crv', crv, 'x', x, 'y', y) || extra $$;
CREATE FUNCTION pg_temp.jwks(VARIADIC keys jsonb[]) RETURNS jsonb LANGUAGE sql
AS $$ SELECT jsonb_build_object('keys', to_jsonb(keys)) $$;
-- The status lines, with the regress server's HTTP port masked.
CREATE FUNCTION pg_temp.status() RETURNS SETOF text LANGUAGE sql
AS $$ SELECT regexp_replace(s, '^(Resource URI: +\(default: http://localhost:)[0-9]+/', '\1PORT/')
      FROM hoop_mcp.mcp_auth_status() s $$;

-- Nothing configured yet.
SELECT * FROM pg_temp.status();
SELECT issuer, jwks, mcp_enabled FROM hoop_mcp.auth_config;
SELECT hoop_mcp.mcp_auth_enable();

-- ---------------------------------------------------------------------------
-- configure_oidc with a given key set: an RS256 key, an EC P-256 key
-- without alg or use, and an encryption key, which is skipped.
-- ---------------------------------------------------------------------------
SELECT hoop_mcp.configure_oidc(issuer => 'https://login.example.com/realms/acme',
	jwks => pg_temp.jwks(pg_temp.rsa('rsa-1', :'rsa_n', '{"use":"sig","alg":"RS256"}'),
	                     pg_temp.ec('ec-1', 'P-256', :'ec_x', :'ec_y'),
	                     pg_temp.rsa('enc-1', :'rsa_n', '{"use":"enc"}')));
SELECT issuer, jwks_uri, jwks_fetched_at IS NULL AS not_fetched, provider_metadata,
       jsonb_array_length(jwks->'keys') AS stored_keys, mcp_enabled
FROM hoop_mcp.auth_config;
-- An RSA key allows every RS and PS algorithm when it names none; P-384.
SELECT hoop_mcp.configure_oidc('https://login.example.com/realms/acme/',
	pg_temp.jwks(pg_temp.rsa('rsa-any', :'rsa_n'), pg_temp.ec('ec-384', 'P-384', :'p384_x', :'p384_y', '{"alg":"ES384"}'),
	             pg_temp.rsa('ps-1', :'rsa_n', '{"alg":"PS512"}')));

-- Refusals.  Each leaves the configuration as it was.
SELECT hoop_mcp.configure_oidc('', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n')));
SELECT hoop_mcp.configure_oidc(NULL, pg_temp.jwks(pg_temp.rsa('k', :'rsa_n')));
SELECT hoop_mcp.configure_oidc('login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n')));
SELECT hoop_mcp.configure_oidc('ftp://login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', '{}');
SELECT hoop_mcp.configure_oidc('https://login.example.com', '{"keys": {"kid": "k"}}');
SELECT hoop_mcp.configure_oidc('https://login.example.com', '{"keys": []}');
SELECT hoop_mcp.configure_oidc('https://login.example.com', '{"keys": ["k"]}');
SELECT hoop_mcp.configure_oidc('https://login.example.com', '{"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]}');
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n') - 'kid'));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n') - 'e'));
SELECT hoop_mcp.configure_oidc('https://login.example.com',
	pg_temp.jwks(pg_temp.ec('ok', 'P-256', :'ec_x', :'ec_y'), pg_temp.rsa('short', :'rsa1024_n')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.ec('k1', 'secp256k1', :'k1_x', :'k1_y')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.ec('k', 'P-256', :'ec_x', :'ec_x')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.ec('k', 'P-256', :'p384_x', :'p384_y')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n', '{"alg":"ES256"}')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n', '{"alg":"HS256"}')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n', '{"alg":"none"}')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.ec('k', 'P-256', :'ec_x', :'ec_y', '{"alg":"ES384"}')));
SELECT hoop_mcp.configure_oidc('https://login.example.com', pg_temp.jwks(pg_temp.ec('k', 'P-384', :'p384_x', :'p384_y', '{"alg":"RS256"}')));
SELECT hoop_mcp.configure_oidc('https://login.example.com',
	pg_temp.jwks(pg_temp.rsa('enc-1', :'rsa_n', '{"use":"enc"}'), pg_temp.ec('enc-2', 'P-256', :'ec_x', :'ec_y', '{"use":"enc"}')));
-- Discovery and key fetches: https, or http to a loopback address only.
SELECT hoop_mcp.configure_oidc('http://login.example.com');
SELECT hoop_mcp.configure_oidc('http://login.example.com', jwks_uri => 'http://login.example.com/jwks');
SELECT hoop_mcp._fetch_json('file:///etc/passwd');
SELECT hoop_mcp._fetch_json('gopher://127.0.0.1/x');
SELECT hoop_mcp._fetch_json('http://localhost.example.com/jwks');
SELECT hoop_mcp._fetch_json('http://127.0.0.1.example.com/jwks');
SELECT hoop_mcp._fetch_json('http://10.0.0.1/jwks');
SELECT issuer, jwks->'keys'->0->>'kid' AS first_kid FROM hoop_mcp.auth_config;

-- ---------------------------------------------------------------------------
-- hoop admin mcp auth enable / configure / status / disable
-- ---------------------------------------------------------------------------
SELECT hoop_mcp.mcp_auth_enable();
SELECT * FROM pg_temp.status();
SELECT hoop_mcp.mcp_auth_configure();
SELECT hoop_mcp.mcp_auth_configure(resource_uri => 'mcp.example.com/api/mcp');
SELECT hoop_mcp.mcp_auth_enable(resource_uri => 'ftp://mcp.example.com');
SELECT hoop_mcp.mcp_auth_configure(resource_uri => 'https://mcp.example.com/api/mcp', groups_claim => 'roles');
SELECT * FROM pg_temp.status();
-- NULL keeps a field; a static client with a secret is confidential.
SELECT hoop_mcp.mcp_auth_configure(client_id => 'hoop-mcp', client_secret => 's3cret');
SELECT * FROM pg_temp.status();
SELECT resource_uri, groups_claim, client_id, client_secret FROM hoop_mcp.auth_config;
-- '' clears a field: without its secret the client is public (PKCE).
SELECT hoop_mcp.mcp_auth_configure(client_secret => '');
SELECT * FROM pg_temp.status();
SELECT hoop_mcp.mcp_auth_configure(resource_uri => '', groups_claim => '');
SELECT * FROM pg_temp.status();
SELECT hoop_mcp.mcp_auth_disable();
SELECT * FROM pg_temp.status();
SELECT resource_uri, groups_claim, client_id, client_secret, mcp_enabled FROM hoop_mcp.auth_config;
-- enable takes the same arguments as configure.
SELECT hoop_mcp.mcp_auth_enable(client_id => '', groups_claim => 'teams');
SELECT * FROM pg_temp.status();
-- configure does not change the state.
SELECT hoop_mcp.mcp_auth_disable();
SELECT hoop_mcp.mcp_auth_configure(groups_claim => '');
SELECT mcp_enabled FROM hoop_mcp.auth_config;
SELECT hoop_mcp.mcp_auth_enable();

-- ---------------------------------------------------------------------------
-- Who may configure: hoop_mcp_admin members; auditors read the status.
-- ---------------------------------------------------------------------------
CREATE ROLE regress_oauth_admin IN ROLE hoop_mcp_admin;
CREATE ROLE regress_oauth_auditor IN ROLE hoop_mcp_auditor;
SET ROLE regress_oauth_admin;
SELECT hoop_mcp.mcp_auth_configure(groups_claim => 'groups');
-- Plain http to loopback is for superusers: no probing the server's own ports.
SELECT hoop_mcp.configure_oidc('http://127.0.0.1:1');
SELECT count(*) AS status_lines FROM hoop_mcp.mcp_auth_status();
SELECT client_secret FROM hoop_mcp.auth_config;
SET ROLE regress_oauth_auditor;
SELECT count(*) AS status_lines FROM hoop_mcp.mcp_auth_status();
SELECT issuer, mcp_enabled, groups_claim FROM hoop_mcp.auth_config;
SELECT client_secret FROM hoop_mcp.auth_config;
SELECT hoop_mcp.mcp_auth_disable();
SELECT hoop_mcp.mcp_auth_configure(groups_claim => 'x');
SELECT hoop_mcp.configure_oidc('https://evil.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n')));
UPDATE hoop_mcp.auth_config SET mcp_enabled = false;
-- A role mapped to a plain user, and one mapped to a hoop admin: the SQL
-- functions are for hoop_mcp_admin members.
SET ROLE regress_bob;
SELECT hoop_mcp.mcp_auth_status();
SELECT hoop_mcp.mcp_auth_disable();
SELECT hoop_mcp.configure_oidc('https://evil.example.com', pg_temp.jwks(pg_temp.rsa('k', :'rsa_n')));
SELECT issuer FROM hoop_mcp.auth_config;
-- Only the worker makes users from tokens.
SELECT hoop_mcp._oauth_user('idp|mallory', 'mallory@example.com', true, NULL, '{admin}');
SET ROLE regress_alice;
SELECT hoop_mcp.mcp_auth_disable();
RESET ROLE;
SELECT issuer, mcp_enabled, groups_claim FROM hoop_mcp.auth_config;

-- ---------------------------------------------------------------------------
-- The user sync behind an OAuth login (as the worker calls it).  In a
-- transaction rolled back at the end.
-- ---------------------------------------------------------------------------
BEGIN;
CREATE FUNCTION pg_temp.who(e text) RETURNS TABLE (subject text, email text, name text, status text, groups text[])
LANGUAGE sql AS $$
	SELECT u.subject, u.email, u.name, u.status,
	       ARRAY(SELECT g.group_name FROM hoop_mcp.user_groups g WHERE g.user_id = u.id ORDER BY 1)
	FROM hoop_mcp.users u WHERE u.email = e
$$;
CREATE FUNCTION pg_temp.sync(sub text, email text, verified boolean, name text, groups text[])
RETURNS TABLE (has_id boolean, error text) LANGUAGE sql AS $$
	SELECT id IS NOT NULL, error FROM hoop_mcp._oauth_user(sub, email, verified, name, groups)
$$;
SELECT count(*) AS users_before FROM hoop_mcp.users \gset
-- A first login needs an email, and one that is not marked unverified.
SELECT * FROM pg_temp.sync('idp|nomail', NULL, true, 'No Mail', '{eng}');
SELECT * FROM pg_temp.sync('idp|nomail', '  ', NULL, 'No Mail', '{eng}');
SELECT * FROM pg_temp.sync('idp|unverified', 'unverified@example.com', false, NULL, '{eng}');
SELECT * FROM pg_temp.sync('idp|bad', 'not-an-email', true, NULL, '{eng}');
SELECT count(*) - :users_before AS users_made FROM hoop_mcp.users;
SELECT count(*) AS groups_made FROM hoop_mcp.groups WHERE name = 'eng';
-- Created: lower-cased email; the name falls back to the local part.
SELECT * FROM pg_temp.sync('idp|dana', '  Dana@Example.COM ', true, NULL, '{eng,ops,eng}');
SELECT * FROM pg_temp.who('dana@example.com');
SELECT * FROM pg_temp.sync('idp|erin', 'erin@example.com', NULL, 'Erin E.', NULL);
SELECT * FROM pg_temp.who('erin@example.com');
-- Known subject: the name follows the token, an absent or empty one is
-- ignored; email and email_verified are not looked at again.
SELECT * FROM pg_temp.sync('idp|dana', NULL, false, 'Dana D.', '{eng,ops}');
SELECT * FROM pg_temp.sync('idp|dana', 'other@example.com', NULL, '', '{eng,ops}');
SELECT * FROM pg_temp.sync('idp|dana', NULL, NULL, NULL, '{eng,ops}');
SELECT * FROM pg_temp.who('dana@example.com');
-- Groups follow the claim; no claim (NULL) leaves them alone.
SELECT * FROM pg_temp.sync('idp|dana', NULL, NULL, NULL, '{ops,sre}');
SELECT * FROM pg_temp.who('dana@example.com');
SELECT * FROM pg_temp.sync('idp|dana', NULL, NULL, NULL, NULL);
SELECT * FROM pg_temp.who('dana@example.com');
SELECT * FROM pg_temp.sync('idp|dana', NULL, NULL, NULL, '{}');
SELECT * FROM pg_temp.who('dana@example.com');
-- An existing account is re-attached by email (carol was made by
-- create_user), unless the provider marks the email unverified.
SELECT * FROM pg_temp.sync('idp|carol', 'carol@example.com', false, 'Carol', '{dev}');
SELECT subject = id::text AS subject_unchanged, name, status FROM hoop_mcp.users WHERE email = 'carol@example.com';
SELECT * FROM pg_temp.sync('idp|carol', 'Carol@Example.com', true, 'Carol', '{dev}');
SELECT * FROM pg_temp.who('carol@example.com');
-- An admin grant made in hoop_mcp stays when the token's groups change.
SELECT * FROM pg_temp.sync('idp|alice', 'alice@example.com', true, 'Alice', '{eng}');
SELECT * FROM pg_temp.who('alice@example.com');
SELECT * FROM pg_temp.sync('idp|alice', NULL, NULL, NULL, '{}');
SELECT * FROM pg_temp.who('alice@example.com');
-- The admin group named by the token is granted like any other.
SELECT * FROM pg_temp.sync('idp|erin', NULL, NULL, NULL, '{admin}');
SELECT * FROM pg_temp.who('erin@example.com');
-- An inactive user stays inactive (the worker then refuses the login).
SELECT hoop_mcp.set_user_status('dana@example.com', 'inactive');
SELECT * FROM pg_temp.sync('idp|dana', 'dana@example.com', true, 'Dana D.', '{ops}');
SELECT * FROM pg_temp.who('dana@example.com');

-- A repeated identical login writes nothing: no row is inserted, updated
-- or deleted, no row version changes, and no statement runs that would
-- fire the cache-invalidation triggers (which make every worker rebuild
-- its caches of keys, connections and the identity provider's keys).
CREATE TEMP TABLE fired (tbl text);
CREATE FUNCTION pg_temp.probe() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO pg_temp.fired VALUES (TG_TABLE_NAME || ' ' || lower(TG_OP)); RETURN NULL; END $$;
CREATE TRIGGER zz_probe AFTER INSERT OR UPDATE OR DELETE ON hoop_mcp.users FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.probe();
CREATE TRIGGER zz_probe AFTER INSERT OR UPDATE OR DELETE ON hoop_mcp.groups FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.probe();
CREATE TRIGGER zz_probe AFTER INSERT OR UPDATE OR DELETE ON hoop_mcp.user_groups FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.probe();
CREATE FUNCTION pg_temp.writes() RETURNS bigint LANGUAGE sql
AS $$ SELECT sum(n_tup_ins + n_tup_upd + n_tup_del)::bigint FROM pg_stat_xact_user_tables
      WHERE schemaname = 'hoop_mcp' AND relname IN ('users', 'groups', 'user_groups') $$;
CREATE FUNCTION pg_temp.versions() RETURNS text LANGUAGE sql
AS $$ SELECT string_agg(x, ' ' ORDER BY x) FROM (
	SELECT 'u' || ctid::text AS x FROM hoop_mcp.users
	UNION ALL SELECT 'g' || ctid::text FROM hoop_mcp.groups
	UNION ALL SELECT 'ug' || ctid::text FROM hoop_mcp.user_groups) v $$;
SELECT * FROM pg_temp.sync('idp|erin', 'erin@example.com', true, 'Erin E.', '{admin,eng}');
SELECT pg_temp.writes() AS writes, pg_temp.versions() AS versions \gset
DELETE FROM fired;
SELECT * FROM pg_temp.sync('idp|erin', 'erin@example.com', true, 'Erin E.', '{admin,eng}');
SELECT * FROM pg_temp.sync('idp|erin', 'erin@example.com', true, 'Erin E.', '{eng,admin}');
SELECT * FROM pg_temp.sync('idp|alice', 'alice@example.com', true, 'Alice', '{}');
SELECT pg_temp.writes() - :writes AS rows_written, pg_temp.versions() = :'versions' AS same_row_versions;
SELECT tbl AS trigger_fired, count(*) FROM fired GROUP BY 1 ORDER BY 1;
ROLLBACK;

-- A groups claim holding an empty string: the empty name is skipped.
BEGIN;
SELECT id IS NOT NULL AS has_id, error FROM hoop_mcp._oauth_user('idp|gina', 'gina@example.com', true, NULL, '{"",eng}');
SELECT ARRAY(SELECT g.group_name FROM hoop_mcp.user_groups g JOIN hoop_mcp.users u ON u.id = g.user_id
             WHERE u.email = 'gina@example.com') AS gina_groups;
ROLLBACK;

-- Back to nothing configured (the database is the regression database,
-- not the worker's, but leave no trace).
UPDATE hoop_mcp.auth_config SET issuer = NULL, jwks = NULL, jwks_uri = NULL, jwks_fetched_at = NULL,
	provider_metadata = NULL, mcp_enabled = false, resource_uri = NULL, groups_claim = NULL,
	client_id = NULL, client_secret = NULL;
SELECT * FROM pg_temp.status();
SELECT count(*) AS oauth_users FROM hoop_mcp.users WHERE subject LIKE 'idp|%';
DROP ROLE regress_oauth_admin, regress_oauth_auditor;
