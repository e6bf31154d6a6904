// Authentication on /api/mcp: API keys in "Authorization: Bearer", and
// every way a request can fail to authenticate (401 + WWW-Authenticate).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
	post, initializeBody, rawSession, psql, lit, uniq, ensureUser, apiKey, setupFixtures, nextId, HOOP_URL,
} from './helpers.mjs';

let fx;
before(() => { fx = setupFixtures(); });

const ping = () => ({ jsonrpc: '2.0', id: nextId(), method: 'ping' });

/** Asserts the shape of a 401 answer; returns the WWW-Authenticate value. */
function assert401(r) {
	assert.equal(r.status, 401, r.text);
	const www = r.headers.get('www-authenticate');
	assert.ok(www, 'a 401 must carry WWW-Authenticate');
	assert.match(www, /^Bearer\b/);
	assert.match(r.headers.get('content-type') || '', /application\/json/);
	assert.ok(r.json, `401 body must be JSON: ${r.text}`);
	assert.equal(r.json.jsonrpc, '2.0');
	assert.equal(typeof r.json.error.code, 'number');
	assert.ok(r.json.error.message.length > 0);
	assert.equal(r.headers.get('mcp-session-id'), null, 'no session for an unauthenticated request');
	return www;
}

test('a valid key authenticates initialize and later requests', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('ping');
	assert.equal(r.status, 200);
	assert.deepEqual(r.json.result, {});
});

test('no Authorization header: 401, WWW-Authenticate Bearer without error=, JSON body', async () => {
	const r = await post(initializeBody());
	const www = assert401(r);
	// RFC 6750 3.1: no credentials at all, so no error attribute.
	assert.doesNotMatch(www, /error=/);
});

test('malformed Authorization headers: 401 invalid_token', async () => {
	for (const value of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Token ' + fx.alice.key, fx.alice.key]) {
		const r = await post(initializeBody(), { headers: { Authorization: value } });
		const www = assert401(r);
		assert.match(www, /error="invalid_token"/, `header ${JSON.stringify(value)}`);
	}
});

test('unknown and mangled keys: 401 invalid_token', async () => {
	const unknown = 'hmk_' + randomBytes(32).toString('base64url');
	const flipped = fx.alice.key.slice(0, -1) + (fx.alice.key.endsWith('A') ? 'B' : 'A'); // right prefix, wrong hash
	for (const k of [unknown, flipped, 'hmk_short', 'not-a-hoop-key-at-all-0123456789']) {
		const www = assert401(await post(initializeBody(), { key: k }));
		assert.match(www, /error="invalid_token"/);
		assert.match(www, /error_description="invalid token"/);
	}
});

test('expired key: works before expiry, 401 "token expired" after', async () => {
	const key = apiKey(fx.bob.email, { expiresAt: '2999-01-01T00:00:00Z' });
	assert.equal((await post(initializeBody(), { key })).status, 200);
	// Move the expiry into the past as superuser (no need to sleep).
	psql(`UPDATE hoop_mcp.api_keys SET expires_at = now() - interval '1 second' WHERE prefix = ${lit(key.slice(0, 12))}`);
	const www = assert401(await post(initializeBody(), { key }));
	assert.match(www, /error="invalid_token"/);
	assert.match(www, /token expired/);
});

test('create_api_key refuses an expiry in the past', () => {
	assert.throws(() => apiKey(fx.bob.email, { expiresAt: '2000-01-01T00:00:00Z' }), /expires_at must be in the future/);
});

test('revoked key: 401 "token revoked", also on a session opened before', async () => {
	const key = apiKey(fx.bob.email);
	const s = await rawSession(key);
	assert.equal((await s.rpc('ping')).status, 200);
	assert.equal(psql(`SELECT hoop_mcp.revoke_api_key(${lit(key.slice(0, 12))})`), 't');
	// Credentials are checked on every request, not only at initialize.
	const www = assert401(await s.rpc('ping'));
	assert.match(www, /token revoked/);
	assert401(await post(initializeBody(), { key }));
	// Revoking twice reports nothing left to revoke.
	assert.equal(psql(`SELECT hoop_mcp.revoke_api_key(${lit(key.slice(0, 12))})`), 'f');
});

test('inactive user: 401 "user is not active", reactivated user works again', async () => {
	const email = `${uniq('inactive')}@example.com`;
	ensureUser(email, ['eng']);
	const key = apiKey(email);
	const s = await rawSession(key);
	psql(`SELECT hoop_mcp.set_user_status(${lit(email)}, 'inactive')`);
	const www = assert401(await s.rpc('ping'));
	assert.match(www, /user is not active, status=inactive/);
	assert401(await post(initializeBody(), { key }));
	psql(`SELECT hoop_mcp.set_user_status(${lit(email)}, 'active')`);
	assert.equal((await s.rpc('ping')).status, 200);
});

test('a token in the query string is refused, even a valid one', async () => {
	const url = `${HOOP_URL}?access_token=${encodeURIComponent(fx.alice.key)}`;
	const r = await post(initializeBody(), { url });
	assert.ok(r.status >= 400 && r.status < 500, `expected 4xx, got ${r.status}`);
	assert.equal(r.headers.get('mcp-session-id'), null);
	assert.ok(r.json?.error, 'the answer must be an error');
	assert.equal(r.json.result, undefined);
	// Also when a valid header is present: the URL token must not be accepted silently.
	const both = await post(initializeBody(), { url, key: fx.alice.key });
	assert.ok(both.status >= 400 && both.status < 500, `expected 4xx, got ${both.status}`);
});

test('the key is not accepted in other headers', async () => {
	const r = await post(initializeBody(), { headers: { 'Api-Key': fx.alice.key, 'X-Api-Key': fx.alice.key } });
	assert401(r);
});

test('successful use records last_used_at on the key', async () => {
	const key = apiKey(fx.alice.email);
	const prefix = lit(key.slice(0, 12));
	assert.equal(psql(`SELECT last_used_at IS NULL FROM hoop_mcp.api_keys WHERE prefix = ${prefix}`), 't');
	assert.equal((await post(ping(), { key })).status, 400); // no session, but authenticated
	assert.equal(psql(`SELECT last_used_at IS NOT NULL FROM hoop_mcp.api_keys WHERE prefix = ${prefix}`), 't');
});
