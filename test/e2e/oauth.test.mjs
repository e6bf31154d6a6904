// OAuth resource-server mode: access tokens issued by an identity provider
// whose keys are given to configure_oidc (no jwks_uri, so an unknown key id
// fails at once).  Node's crypto makes the keys and signs the tokens.
// The attack matrix: each token is a 401 with error="invalid_token" and
// creates neither a user nor a session.  Then logins that work: user and
// groups from the claims, tools, exec, an inactive user, API keys alongside,
// and an audit log that never holds the token.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, createHmac, randomBytes } from 'node:crypto';
import {
	post, initializeBody, rawSession, connectClient, callJson, psql, lit, uniq, setupFixtures, ensureConnection,
	auditMark, auditRowsSince, sqlRows, nextId, SHOP_CONN, HOOP_URL,
} from './helpers.mjs';

const ISSUER = 'https://idp.e2e.example.com/realms/hoop';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const unpublished = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' });

let fx;
let RESOURCE;
let METADATA;

before(() => {
	fx = setupFixtures();
	ensureConnection();
	const jwks = {
		keys: [
			{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'e2e-rsa', use: 'sig', alg: 'RS256' },
			{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'e2e-ec', use: 'sig' },
		],
	};
	const r = JSON.parse(psql(`SELECT hoop_mcp.configure_oidc(issuer => ${lit(ISSUER)}, jwks => ${lit(JSON.stringify(jwks))})`));
	assert.deepEqual(r, { issuer: ISSUER, jwks_uri: null, key_ids: ['e2e-rsa', 'e2e-ec'], discovered: false });
	assert.equal(psql('SELECT hoop_mcp.mcp_auth_enable()'), 'MCP OAuth authentication enabled.');
	// The default resource URI: <api_url>/api/mcp.
	const line = psql('SELECT s FROM hoop_mcp.mcp_auth_status() s WHERE s LIKE \'Resource URI:%\'');
	RESOURCE = line.match(/\(default: (\S+)\)$/)[1];
	METADATA = RESOURCE.replace(/\/api\/mcp$/, '/.well-known/oauth-protected-resource/api/mcp');
});

after(() => {
	psql('SELECT hoop_mcp.mcp_auth_disable()');
});

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

const b64u = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(extra = {}) {
	return { iss: ISSUER, aud: RESOURCE, iat: now(), exp: now() + 600, ...extra };
}

/** A JWT: RS256 by the published RSA key unless told otherwise. */
function mint(payload, { alg = 'RS256', kid = 'e2e-rsa', key, header = {} } = {}) {
	const h = { alg, typ: 'JWT', ...(kid ? { kid } : {}), ...header };
	const input = `${b64u(h)}.${b64u(payload)}`;
	let sig;
	if (alg === 'none') sig = Buffer.alloc(0);
	else if (alg === 'HS256') sig = createHmac('sha256', key).update(input).digest();
	else if (alg === 'RS256') sig = sign('sha256', Buffer.from(input), key ?? rsa.privateKey);
	else if (alg === 'ES256') sig = sign('sha256', Buffer.from(input), { key: key ?? ec.privateKey, dsaEncoding: 'ieee-p1363' });
	else throw new Error(`mint: ${alg}`);
	return `${input}.${sig.toString('base64url')}`;
}

const counts = () => sqlRows('SELECT (SELECT count(*) FROM hoop_mcp.users) AS users, (SELECT count(*) FROM hoop_mcp.sessions) AS sessions')[0];

/** The parts of a Bearer challenge: { resource_metadata, error, error_description }. */
function challenge(www) {
	assert.match(www, /^Bearer /);
	const out = {};
	for (const m of www.slice(7).matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]] = m[2];
	return out;
}

/**
 * Sends an initialize (and a ping) with the token; both must be 401
 * invalid_token with the description, and no user or session may appear.
 */
async function refused(token, description, { url, what } = {}) {
	const before = counts();
	const mark = auditMark();
	for (const body of [initializeBody(), { jsonrpc: '2.0', id: nextId(), method: 'tools/list' }]) {
		const r = await post(body, { key: token, url });
		assert.equal(r.status, 401, `${what}: ${r.text}`);
		assert.equal(r.headers.get('mcp-session-id'), null, `${what}: no MCP session`);
		const c = challenge(r.headers.get('www-authenticate') || '');
		assert.equal(c.resource_metadata, METADATA, what);
		assert.equal(c.error, 'invalid_token', what);
		if (description instanceof RegExp) assert.match(c.error_description, description, what);
		else assert.equal(c.error_description, description, what);
		assert.equal(r.json?.error?.code, -32001, what);
	}
	assert.deepEqual(counts(), before, `${what}: no user and no session created`);
	// The refusals are audited, without the token.
	const rows = auditRowsSince(mark);
	assert.equal(rows.length, 2, what);
	for (const row of rows) {
		assert.equal(row.http_status, 401);
		assert.equal(row.outcome, false);
		assert.equal(row.actor_subject, null);
		const text = JSON.stringify(row);
		for (const part of (token ?? '').split('.').filter((p) => p.length > 8)) {
			assert.ok(!text.includes(part), `${what}: token in the audit log: ${text}`);
		}
	}
}

// ---------------------------------------------------------------------------
// The attack matrix
// ---------------------------------------------------------------------------

test('attack: alg none', async () => {
	const sub = uniq('none');
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { alg: 'none' }),
		"token algorithm 'none' is not accepted", { what: 'alg none' });
	// Without a kid, and spelled differently: still no.
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { alg: 'none', kid: null }),
		"token algorithm 'none' is not accepted", { what: 'alg none, no kid' });
	const none = `${b64u({ alg: 'None', kid: 'e2e-rsa' })}.${b64u(claims({ sub }))}.`;
	await refused(none, "token algorithm 'None' does not fit key 'e2e-rsa'", { what: 'alg None' });
});

test('attack: HS256 keyed with the RSA public key', async () => {
	const sub = uniq('hs');
	for (const key of [RSA_PUBLIC_PEM, RSA_PUBLIC_PEM.trim()]) {
		await refused(mint(claims({ sub, email: `${sub}@example.com` }), { alg: 'HS256', key }),
			"token algorithm 'HS256' is not accepted", { what: 'HS256 with the public key' });
	}
});

test('attack: wrong aud', async () => {
	const sub = uniq('aud');
	await refused(mint(claims({ sub, email: `${sub}@example.com`, aud: 'https://other.example.com/api/mcp' })),
		/^audience mismatch, got aud='?https:\/\/other\.example\.com\/api\/mcp'? azp=<none> client_id=<none>, want '[^']+\/api\/mcp' or a static client of \[\]$/,
		{ what: 'wrong aud' });
	await refused(mint(claims({ sub, email: `${sub}@example.com`, aud: [`${RESOURCE}/other`, 'account'] })),
		/^audience mismatch/, { what: 'aud array without the resource' });
	// No static client is configured: azp alone binds nothing.
	await refused(mint(claims({ sub, email: `${sub}@example.com`, aud: 'account', azp: 'hoop-mcp' })),
		/^audience mismatch/, { what: 'azp without a static client' });
	const noAud = claims({ sub, email: `${sub}@example.com` });
	delete noAud.aud;
	await refused(mint(noAud), /^audience mismatch, got aud=<none>/, { what: 'no aud' });
});

test('attack: wrong iss goes to the API-key path and is refused there', async () => {
	const sub = uniq('iss');
	for (const iss of ['https://evil.example.com/realms/hoop', `${ISSUER}/x`, ISSUER.toUpperCase()]) {
		await refused(mint(claims({ sub, email: `${sub}@example.com`, iss })), 'invalid token', { what: `iss ${iss}` });
	}
	const noIss = claims({ sub, email: `${sub}@example.com` });
	delete noIss.iss;
	await refused(mint(noIss), 'invalid token', { what: 'no iss' });
});

test('attack: expired', async () => {
	const sub = uniq('exp');
	await refused(mint(claims({ sub, email: `${sub}@example.com`, exp: now() - 3600 })), 'token is expired', { what: 'expired' });
	await refused(mint(claims({ sub, email: `${sub}@example.com`, exp: now() - 61 })), 'token is expired', { what: 'expired past the leeway' });
	const noExp = claims({ sub, email: `${sub}@example.com` });
	delete noExp.exp;
	await refused(mint(noExp), "token has no numeric 'exp' claim", { what: 'no exp' });
	await refused(mint(claims({ sub, email: `${sub}@example.com`, exp: String(now() + 600) })),
		"token has no numeric 'exp' claim", { what: 'exp as a string' });
});

test('attack: nbf in the future', async () => {
	const sub = uniq('nbf');
	await refused(mint(claims({ sub, email: `${sub}@example.com`, nbf: now() + 3600 })),
		'token is not valid yet (nbf)', { what: 'nbf in the future' });
});

test('attack: nbf that is not a number', async () => {
	const sub = uniq('nbfnan');
	await refused(mint(claims({ sub, email: `${sub}@example.com`, nbf: 'soon' })),
		"token 'nbf' claim is not a number", { what: 'nbf not a number' });
});

test('attack: unknown kid', async () => {
	const sub = uniq('kid');
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { kid: 'e2e-unknown', key: unpublished.privateKey }),
		"unknown key id 'e2e-unknown'", { what: 'unknown kid' });
	// The right kid, signed by another key.
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { key: unpublished.privateKey }),
		'token signature is invalid', { what: 'published kid, other key' });
	// Two keys are published: a token must say which.
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { kid: null }),
		'token has no key id (kid)', { what: 'no kid' });
	// A kid whose key does not allow the algorithm.
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { kid: 'e2e-ec' }),
		"token algorithm 'RS256' does not fit key 'e2e-ec'", { what: 'RS256 naming the EC key' });
});

test('attack: tampered payload or signature', async () => {
	const sub = uniq('tamper');
	const good = mint(claims({ sub, email: `${sub}@example.com`, groups: ['eng'] }));
	const [h, , s] = good.split('.');
	const evil = `${h}.${b64u(claims({ sub, email: `${sub}@example.com`, groups: ['admin'] }))}.${s}`;
	await refused(evil, 'token signature is invalid', { what: 'tampered payload' });
	const sig = Buffer.from(s, 'base64url');
	sig[10] ^= 0x01;
	await refused(`${h}.${good.split('.')[1]}.${sig.toString('base64url')}`, 'token signature is invalid', { what: 'tampered signature' });
	await refused(`${h}.${good.split('.')[1]}.`, 'token signature is invalid', { what: 'signature removed' });
	// ES256: a DER signature instead of JOSE r || s.
	const input = `${b64u({ alg: 'ES256', kid: 'e2e-ec' })}.${b64u(claims({ sub, email: `${sub}@example.com` }))}`;
	const der = sign('sha256', Buffer.from(input), ec.privateKey);
	await refused(`${input}.${der.toString('base64url')}`, 'token signature is invalid', { what: 'ES256 with a DER signature' });
	// A critical header extension.
	await refused(mint(claims({ sub, email: `${sub}@example.com` }), { header: { crit: ['exp'] } }),
		'token header has critical extensions', { what: 'crit' });
});

test('attack: missing sub', async () => {
	const email = `${uniq('nosub')}@example.com`;
	await refused(mint(claims({ email })), "'sub' claim is missing or empty", { what: 'no sub' });
	await refused(mint(claims({ sub: '', email })), "'sub' claim is missing or empty", { what: 'empty sub' });
	await refused(mint(claims({ sub: 42, email })), "'sub' claim is missing or empty", { what: 'numeric sub' });
});

test('attack: oversized token', async () => {
	const sub = uniq('big');
	// Just over the 16 KiB limit (the whole request must still fit in
	// libmicrohttpd's 32 KiB connection memory).
	const sized = (n) => mint(claims({ sub, email: `${sub}@example.com`, pad: 'x'.repeat(n) }));
	let token = sized(12000);
	token = sized(12000 + Math.ceil(((16 * 1024 + 200) - token.length) * 3 / 4));
	assert.ok(token.length > 16 * 1024 && token.length < 17 * 1024, String(token.length));
	await refused(token, 'token is larger than 16384 bytes', { what: 'oversized' });
	// Far larger: refused before it is read, still no user and no session.
	const before = counts();
	const r = await post(initializeBody(), { key: sized(64 * 1024) });
	assert.ok(r.status >= 400 && r.status < 500, `got ${r.status}`);
	assert.equal(r.headers.get('mcp-session-id'), null);
	assert.deepEqual(counts(), before);
});

test('attack: token in the query string', async () => {
	const sub = uniq('query');
	const token = mint(claims({ sub, email: `${sub}@example.com` }));
	const url = `${HOOP_URL}?access_token=${encodeURIComponent(token)}`;
	const description = 'tokens in the query string are refused; send Authorization: Bearer';
	await refused(undefined, description, { url, what: 'query string only' });
	await refused(token, description, { url, what: 'query string and header' });
	// The same token in the header is fine.
	const s = await rawSession(token);
	assert.equal((await s.rpc('ping')).status, 200);
});

test('no credentials: 401 naming the resource metadata, without an error attribute', async () => {
	const r = await post(initializeBody());
	assert.equal(r.status, 401);
	const www = r.headers.get('www-authenticate');
	assert.equal(www, `Bearer resource_metadata="${METADATA}"`);
});

// ---------------------------------------------------------------------------
// Logins that work
// ---------------------------------------------------------------------------

test('a valid token: initialize, tools/list, me_get from the claims, exec recorded for the subject', async () => {
	const sub = `idp|${uniq('ok')}`;
	const group = uniq('grp');
	const email = `${uniq('Oauth')}@Example.com`;
	const token = mint(claims({ sub, email, name: 'Olivia OAuth', email_verified: true, groups: ['eng', group] }));
	const client = await connectClient(token, { name: 'oauth-e2e' });
	try {
		const tools = await client.listTools();
		assert.ok(tools.tools.some((t) => t.name === 'exec'));
		const me = await callJson(client, 'me_get');
		assert.equal(me.user_email, email.toLowerCase());
		assert.equal(me.user_name, 'Olivia OAuth');
		assert.deepEqual(me.groups, ['eng', group].sort());
		assert.equal(me.is_admin, false);
		assert.equal(me.user_status, 'active');
		const user = sqlRows(`SELECT subject, email, name, status FROM hoop_mcp.users WHERE subject = ${lit(sub)}`);
		assert.deepEqual(user, [{ subject: sub, email: email.toLowerCase(), name: 'Olivia OAuth', status: 'active' }]);

		const marker = uniq('oauth-exec');
		const r = await callJson(client, 'exec', { connection_name: SHOP_CONN, input: `select '${marker}' as m;` });
		assert.equal(r.status, 'completed', JSON.stringify(r));
		assert.match(r.output, new RegExp(marker));
		const rows = sqlRows(`SELECT user_id, user_email, user_name, status FROM hoop_mcp.sessions WHERE id = ${lit(r.session_id)}`);
		assert.deepEqual(rows, [{ user_id: sub, user_email: email.toLowerCase(), user_name: 'Olivia OAuth', status: 'done' }]);
	} finally {
		await client.close();
	}
	// The next login follows the token's groups.
	const again = mint(claims({ sub, email, name: 'Olivia O.', groups: ['ops'] }));
	const s = await rawSession(again);
	const me = JSON.parse((await s.tool('me_get')).content[0].text);
	assert.deepEqual(me.groups, ['ops']);
	assert.equal(me.user_name, 'Olivia O.');
});

test('ES256, a string groups claim, preferred_username, and leeway on exp', async () => {
	const sub = `idp|${uniq('es')}`;
	const email = `${uniq('es')}@example.com`;
	const token = mint(claims({ sub, email, preferred_username: 'esther', groups: 'eng', exp: now() - 30 }), { alg: 'ES256', kid: 'e2e-ec' });
	const s = await rawSession(token);
	const me = JSON.parse((await s.tool('me_get')).content[0].text);
	assert.equal(me.user_email, email);
	assert.equal(me.user_name, 'esther');
	assert.deepEqual(me.groups, ['eng']);
});

test('first login needs an email that is not marked unverified', async () => {
	const sub = `idp|${uniq('noemail')}`;
	await refused(mint(claims({ sub })), "user sync failed: token is missing 'email' claim required for first-time MCP signup",
		{ what: 'no email' });
	await refused(mint(claims({ sub, email: `${uniq('unv')}@example.com`, email_verified: false })),
		"user sync failed: token 'email' claim is not verified; first-time MCP signup needs a verified email",
		{ what: 'unverified email' });
	// An existing account is not claimed through an unverified email.
	await refused(mint(claims({ sub, email: fx.bob.email, email_verified: false })),
		"user sync failed: token 'email' claim is not verified; first-time MCP signup needs a verified email",
		{ what: 'unverified email of an existing user' });
	assert.equal(psql(`SELECT subject FROM hoop_mcp.users WHERE email = ${lit(fx.bob.email)}`), fx.bob.subject);
});

test('a deactivated OAuth user is refused and stays inactive after another login', async () => {
	const sub = `idp|${uniq('inact')}`;
	const email = `${uniq('inact')}@example.com`;
	const token = mint(claims({ sub, email, groups: ['eng'] }));
	const s = await rawSession(token);
	assert.equal((await s.rpc('ping')).status, 200);
	psql(`SELECT hoop_mcp.set_user_status(${lit(email)}, 'inactive')`);
	const before = counts();
	for (const r of [await s.rpc('ping'), await post(initializeBody(), { key: token })]) {
		assert.equal(r.status, 401);
		const c = challenge(r.headers.get('www-authenticate'));
		assert.equal(c.error, 'invalid_token');
		assert.equal(c.error_description, 'user is not active, status=inactive');
	}
	assert.deepEqual(counts(), before);
	assert.equal(psql(`SELECT status FROM hoop_mcp.users WHERE subject = ${lit(sub)}`), 'inactive');
	psql(`SELECT hoop_mcp.set_user_status(${lit(email)}, 'active')`);
	assert.equal((await s.rpc('ping')).status, 200);
});

test('API keys keep working while OAuth is on', async () => {
	const s = await rawSession(fx.alice.key);
	const me = JSON.parse((await s.tool('me_get')).content[0].text);
	assert.equal(me.user_email, fx.alice.email);
	const r = await post(initializeBody(), { key: `hmk_${randomBytes(32).toString('base64url')}` });
	assert.equal(r.status, 401);
	assert.equal(challenge(r.headers.get('www-authenticate')).error_description, 'invalid token');
});

test('the audit log of OAuth requests never holds the token', async () => {
	const sub = `idp|${uniq('audit')}`;
	const email = `${uniq('audit')}@example.com`;
	const token = mint(claims({ sub, email, groups: ['eng'] }));
	const mark = auditMark();
	const s = await rawSession(token);
	await s.tool('me_get');
	// A tool argument named like a credential is redacted too.
	await s.tool('connections_get', { name: 'oauth-no-such-connection', token });
	await post(initializeBody(), { key: mint(claims({ sub, email, exp: now() - 3600 })) });
	await s.close();
	const rows = auditRowsSince(mark);
	assert.ok(rows.length >= 5, JSON.stringify(rows));
	const ok = rows.filter((r) => r.outcome && r.mcp_session_id === s.session);
	assert.ok(ok.length >= 3);
	for (const r of ok) {
		assert.equal(r.actor_subject, sub);
		assert.equal(r.actor_email, email);
	}
	const [, payload, signature] = token.split('.');
	for (const r of rows) {
		const text = JSON.stringify([r.request_payload_redacted, r.error_message]);
		assert.ok(!text.includes(signature), `token signature in audit row ${r.id}: ${text}`);
		assert.ok(!text.includes(payload), `token payload in audit row ${r.id}: ${text}`);
	}
	const all = psql(`SELECT count(*) FROM hoop_mcp.security_audit_log WHERE id > ${mark}
	                    AND (request_payload_redacted::text LIKE ${lit(`%${signature}%`)} OR error_message LIKE ${lit(`%${signature}%`)})`);
	assert.equal(all, '0');
});

test('an MCP session belongs to its user: another OAuth user or an API key cannot use it', async () => {
	const a = mint(claims({ sub: `idp|${uniq('sa')}`, email: `${uniq('sa')}@example.com` }));
	const b = mint(claims({ sub: `idp|${uniq('sb')}`, email: `${uniq('sb')}@example.com` }));
	const s = await rawSession(a);
	assert.equal((await s.rpc('ping')).status, 200);
	for (const key of [b, fx.alice.key]) {
		const r = await s.rpc('ping', undefined, { key });
		assert.equal(r.status, 404, r.text);
		const d = await post(undefined, { key, session: s.session, method: 'DELETE' });
		assert.equal(d.status, 404, d.text);
	}
	assert.equal((await s.rpc('ping')).status, 200);
});

test('configuration changes apply to the next request: groups claim and resource URI', async () => {
	const sub = `idp|${uniq('cfg')}`;
	const email = `${uniq('cfg')}@example.com`;
	try {
		psql(`SELECT hoop_mcp.mcp_auth_configure(groups_claim => 'roles', resource_uri => 'https://MCP.example.com:443/api/mcp/')`);
		// The audience is the configured resource URI, in canonical form.
		await refused(mint(claims({ sub, email })), /^audience mismatch/, { what: 'old default resource' });
		const token = mint(claims({ sub, email, aud: 'https://mcp.example.com/api/mcp', roles: ['from-roles'], groups: ['from-groups'] }));
		const s = await rawSession(token);
		const me = JSON.parse((await s.tool('me_get')).content[0].text);
		assert.deepEqual(me.groups, ['from-roles']);
		const r = await fetch(METADATA);
		assert.equal(r.status, 200);
		assert.equal((await r.json()).resource, 'https://MCP.example.com:443/api/mcp/');
	} finally {
		psql(`SELECT hoop_mcp.mcp_auth_configure(groups_claim => '', resource_uri => '')`);
	}
	const r = await fetch(METADATA);
	assert.equal((await r.json()).resource, RESOURCE);
	const s = await rawSession(mint(claims({ sub, email, groups: ['back'] })));
	assert.deepEqual(JSON.parse((await s.tool('me_get')).content[0].text).groups, ['back']);
});

test('discovery documents: protected resource metadata, no authorization-server mirror without a static client', async () => {
	for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/api/mcp']) {
		const r = await fetch(new URL(path, HOOP_URL));
		assert.equal(r.status, 200, path);
		assert.equal(r.headers.get('cache-control'), 'public, max-age=3600');
		assert.deepEqual(await r.json(), {
			resource: RESOURCE, authorization_servers: [ISSUER], bearer_methods_supported: ['header'],
			resource_name: 'Hoop MCP', resource_documentation: 'https://hoop.dev/docs',
		});
	}
	for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
		assert.equal((await fetch(new URL(path, HOOP_URL))).status, 404, path);
	}
	const reg = await fetch(new URL('/api/mcp/oauth/register', HOOP_URL), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
	assert.equal(reg.status, 404);
});
