// Streamable HTTP transport rules (src/mcp/server.c, src/net/http.c), checked with raw
// requests: sessions, headers, status codes, JSON-RPC framing, tools/list.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
	post, httpRequest, initializeBody, rawSession, parseSse, psql, lit, setupFixtures, nextId, sqlRows, waitFor,
	HOOP_URL, PROTOCOL_VERSION, JSON_HEADERS,
} from './helpers.mjs';

let fx;
before(() => { fx = setupFixtures(); });

const req = (method, params) => ({ jsonrpc: '2.0', id: nextId(), method, ...(params ? { params } : {}) });
const port = new URL(HOOP_URL).port;

// ---------------------------------------------------------------------------
// Lifecycle and sessions
// ---------------------------------------------------------------------------

test('initialize: 200, Mcp-Session-Id, InitializeResult echoing the asked version', async () => {
	const body = initializeBody('2025-11-25');
	const r = await post(body, { key: fx.alice.key });
	assert.equal(r.status, 200, r.text);
	const sid = r.headers.get('mcp-session-id');
	assert.match(sid, /^[\x21-\x7e]{16,}$/, 'session id: visible ASCII, long enough to be unguessable');
	assert.equal(r.json.id, body.id);
	const res = r.json.result;
	assert.equal(res.protocolVersion, '2025-11-25');
	assert.equal(res.serverInfo.name, 'hoop_mcp');
	assert.equal(typeof res.serverInfo.version, 'string');
	assert.ok(res.capabilities.tools, 'tools capability');
	assert.ok(res.capabilities.logging, 'logging capability');
	// Two initializes make two different sessions.
	const r2 = await post(initializeBody(), { key: fx.alice.key });
	assert.notEqual(r2.headers.get('mcp-session-id'), sid);
});

test('initialize: other supported versions are echoed, unknown ones get the latest', async () => {
	for (const v of ['2025-06-18', '2025-03-26']) {
		const r = await post(initializeBody(v), { key: fx.alice.key });
		assert.equal(r.json.result.protocolVersion, v);
	}
	const r = await post(initializeBody('1999-01-01'), { key: fx.alice.key });
	assert.equal(r.status, 200);
	assert.equal(r.json.result.protocolVersion, PROTOCOL_VERSION);
});

test('initialize is not rejected because of an MCP-Protocol-Version header', async () => {
	const r = await post(initializeBody(), { key: fx.alice.key, protocolVersion: '1999-01-01' });
	assert.equal(r.status, 200, r.text);
});

test('notifications/initialized and client responses: 202 with an empty body', async () => {
	const s = await rawSession(fx.alice.key); // asserts the 202 itself
	const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { key: fx.alice.key, session: s.session });
	assert.equal(n.status, 202);
	assert.equal(n.text, '');
	const resp = await post({ jsonrpc: '2.0', id: 'srv-1', result: {} }, { key: fx.alice.key, session: s.session });
	assert.equal(resp.status, 202);
	assert.equal(resp.text, '');
});

test('a request other than initialize without Mcp-Session-Id: 400 (notifications too)', async () => {
	const r = await post(req('tools/list'), { key: fx.alice.key });
	assert.equal(r.status, 400);
	assert.ok(r.json.error);
	const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { key: fx.alice.key });
	assert.equal(n.status, 400);
	assert.match(n.json.error.message, /Mcp-Session-Id/);
});

test('an unknown Mcp-Session-Id: 404 (requests and notifications)', async () => {
	const bogus = '0123456789abcdef0123456789abcdef';
	const r = await post(req('ping'), { key: fx.alice.key, session: bogus });
	assert.equal(r.status, 404);
	const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { key: fx.alice.key, session: bogus });
	assert.equal(n.status, 404);
	const odd = await post(req('ping'), { key: fx.alice.key, session: 'not-even-the-right-length' });
	assert.equal(odd.status, 404);
});

test('DELETE ends a session: 204, then 404 for it', async () => {
	const s = await rawSession(fx.alice.key);
	assert.equal((await s.rpc('ping')).status, 200);
	const d = await s.close();
	assert.equal(d.status, 204);
	assert.equal(d.text, '');
	assert.equal((await s.rpc('ping')).status, 404);
	assert.equal((await s.close()).status, 404);
});

test('initialize carrying a stale Mcp-Session-Id starts a new session', async () => {
	const s = await rawSession(fx.alice.key);
	await s.close();
	const r = await post(initializeBody(), { key: fx.alice.key, session: s.session });
	assert.equal(r.status, 200);
	const fresh = r.headers.get('mcp-session-id');
	assert.ok(fresh && fresh !== s.session);
	assert.equal((await post(req('ping'), { key: fx.alice.key, session: fresh })).status, 200);
});

test('sessions expire after hoop_mcp.session_idle_timeout without use: 404', async () => {
	const s = await rawSession(fx.alice.key);
	psql("ALTER SYSTEM SET hoop_mcp.session_idle_timeout = '1s'");
	psql('SELECT pg_reload_conf()');
	try {
		await waitFor(() => psql('SHOW hoop_mcp.session_idle_timeout') === '1s', { what: 'reload' });
		await new Promise((r) => setTimeout(r, 1500));
		assert.equal((await s.rpc('ping')).status, 404);
	} finally {
		psql('ALTER SYSTEM RESET hoop_mcp.session_idle_timeout');
		psql('SELECT pg_reload_conf()');
		await waitFor(() => psql('SHOW hoop_mcp.session_idle_timeout') === '30min', { what: 'reset' });
	}
	// A session in use does not expire under the default.
	const t = await rawSession(fx.alice.key);
	assert.equal((await t.rpc('ping')).status, 200);
});

test('DELETE without Mcp-Session-Id: 400', async () => {
	const r = await post(undefined, { key: fx.alice.key, method: 'DELETE' });
	assert.equal(r.status, 400);
});

test("another user's key on someone's session: 404, and the session survives", async () => {
	const s = await rawSession(fx.alice.key);
	const asBob = await post(req('ping'), { key: fx.bob.key, session: s.session });
	assert.equal(asBob.status, 404);
	const delAsBob = await post(undefined, { key: fx.bob.key, session: s.session, method: 'DELETE' });
	assert.equal(delAsBob.status, 404);
	// Even an admin cannot borrow it.
	assert.equal((await post(req('ping'), { key: fx.admin.key, session: s.session })).status, 404);
	assert.equal((await s.rpc('ping')).status, 200);
	// The session belongs to the user, not to the key: alice's other key may use it.
	const otherKey = psql(`SELECT hoop_mcp.create_api_key(${lit(fx.alice.email)})`);
	assert.equal((await post(req('ping'), { key: otherKey, session: s.session })).status, 200);
});

test('MCP-Protocol-Version: unsupported → 400; 2025-03-26 accepted on a 2025-11-25 session; absent accepted', async () => {
	const s = await rawSession(fx.alice.key, { version: '2025-11-25' });
	const bad = await s.rpc('ping', undefined, { protocolVersion: '2099-12-31' });
	assert.equal(bad.status, 400);
	for (const v of ['2025-03-26', '2025-06-18', '2025-11-25']) {
		const ok = await s.rpc('ping', undefined, { protocolVersion: v });
		assert.equal(ok.status, 200, `version ${v}`);
	}
	const none = await post(req('ping'), { key: fx.alice.key, session: s.session });
	assert.equal(none.status, 200);
});

// ---------------------------------------------------------------------------
// DNS rebinding: Host and Origin
// ---------------------------------------------------------------------------

function rawInit(headers) {
	return httpRequest({
		headers: { ...JSON_HEADERS, Authorization: `Bearer ${fx.alice.key}`, ...headers },
		body: initializeBody(),
	});
}

test('Origin not loopback: 403; loopback origins allowed', async () => {
	for (const origin of ['http://evil.example.com', `http://evil.example.com:${port}`, 'https://attacker.test']) {
		const r = await post(initializeBody(), { key: fx.alice.key, headers: { Origin: origin } });
		assert.equal(r.status, 403, `Origin ${origin}`);
	}
	for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
		const r = await post(initializeBody(), { key: fx.alice.key, headers: { Origin: origin } });
		assert.equal(r.status, 200, `Origin ${origin}`);
	}
});

test('Host not loopback: 403; loopback hosts allowed', async () => {
	for (const host of ['evil.example.com', `evil.example.com:${port}`]) {
		const r = await rawInit({ Host: host });
		assert.equal(r.status, 403, `Host ${host}`);
	}
	for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
		const r = await rawInit({ Host: host });
		assert.equal(r.status, 200, `Host ${host}`);
	}
});

test('Host and Origin that only start like a loopback address: 403', async () => {
	// A rebinding domain such as 127.0.0.1.evil.example is not loopback.
	const host = `127.0.0.1.evil.example:${port}`;
	assert.equal((await rawInit({ Host: host })).status, 403, `Host ${host}`);
	const origin = `http://127.0.0.1.evil.example:${port}`;
	assert.equal((await rawInit({ Origin: origin })).status, 403, `Origin ${origin}`);
});

/** Sends raw bytes (what node:http refuses to send) and returns the status code. */
function rawStatus(head, body) {
	return new Promise((resolve, reject) => {
		const sock = net.connect(Number(port), '127.0.0.1');
		let got = '';
		sock.on('data', (d) => { got += d.toString('latin1'); });
		sock.on('end', () => resolve(Number((got.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] ?? 0)));
		sock.on('error', reject);
		sock.write(`POST /api/mcp HTTP/1.1\r\n${head}Content-Type: application/json\r\n`
			+ `Accept: application/json, text/event-stream\r\nAuthorization: Bearer ${fx.alice.key}\r\n`
			+ `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, 'latin1');
	});
}

test('Host and Origin are read strictly: a header sent twice, user information, a path or junk after the port are refused', async () => {
	const body = JSON.stringify(initializeBody());
	assert.equal(await rawStatus(`Host: 127.0.0.1:${port}\r\n`, body), 200, 'the raw request itself is fine');
	const two = await rawStatus(`Host: 127.0.0.1:${port}\r\nHost: evil.example\r\n`, body);
	assert.ok(two === 400 || two === 403, `two Host headers: ${two}`);
	// (A NUL in a header is not here: libmicrohttpd 0.9.75 cuts the value at
	// the NUL before we see it, so "127.0.0.1\0.evil" reads as 127.0.0.1.)
	const origins = await rawStatus(`Host: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nOrigin: http://evil.example\r\n`, body);
	assert.ok(origins === 400 || origins === 403, `two Origin headers: ${origins}`);
	for (const origin of ['http://127.0.0.1:80@evil.com', `http://localhost:${port}@evil.example`, `http://127.0.0.1:${port}/path`,
		'ftp://127.0.0.1', `http://127.0.0.1:${port} evil`]) {
		assert.equal((await rawInit({ Origin: origin })).status, 403, `Origin ${origin}`);
	}
	for (const host of [`127.0.0.1:${port}@evil.example`, `localhost:${port}/x`, `127.0.0.1:99999999`]) {
		assert.equal((await rawInit({ Host: host })).status, 403, `Host ${host}`);
	}
});

// ---------------------------------------------------------------------------
// Methods, media types, bodies
// ---------------------------------------------------------------------------

test('GET: 405 with Allow', async () => {
	const r = await httpRequest({ method: 'GET', headers: { Accept: 'text/event-stream', Authorization: `Bearer ${fx.alice.key}` } });
	assert.equal(r.status, 405);
	assert.match(r.headers.allow, /POST/);
});

test('other paths: 404', async () => {
	const r = await post(initializeBody(), { key: fx.alice.key, url: HOOP_URL.replace(/\/api\/mcp$/, '/api/other') });
	assert.equal(r.status, 404);
});

test('wrong or missing Content-Type: 415; a charset parameter is fine', async () => {
	for (const ct of ['text/plain', 'application/x-www-form-urlencoded']) {
		const r = await post(initializeBody(), { key: fx.alice.key, headers: { 'Content-Type': ct } });
		assert.equal(r.status, 415, ct);
	}
	const none = await httpRequest({
		headers: { Authorization: `Bearer ${fx.alice.key}`, Accept: 'application/json' }, body: initializeBody(),
	});
	assert.equal(none.status, 415);
	const ok = await post(initializeBody(), { key: fx.alice.key, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
	assert.equal(ok.status, 200);
});

test('Accept: text/event-stream only → SSE-framed answer', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('tools/list', undefined, { headers: { Accept: 'text/event-stream' } });
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^text\/event-stream/);
	assert.match(r.text, /^(event: message\n)?data: /);
	const events = parseSse(r.text);
	assert.equal(events.length, 1);
	assert.ok(Array.isArray(events[0].result.tools));
	// Errors on an SSE request are SSE too, still HTTP 200.
	const e = await s.rpc('no/such/method', undefined, { headers: { Accept: 'text/event-stream' } });
	assert.equal(e.status, 200);
	assert.equal(e.json.error.code, -32601);
});

test('Accept: application/json (or none) → plain JSON; an Accept with neither → 406', async () => {
	const s = await rawSession(fx.alice.key);
	const j = await s.rpc('ping', undefined, { headers: { Accept: 'application/json' } });
	assert.match(j.headers.get('content-type'), /^application\/json/);
	assert.deepEqual(JSON.parse(j.text).result, {});
	const none = await s.rpc('ping', undefined, { headers: { Accept: undefined } });
	assert.equal(none.status, 200);
	const html = await s.rpc('ping', undefined, { headers: { Accept: 'text/html' } });
	assert.equal(html.status, 406);
});

test('invalid JSON: 400 with -32700', async () => {
	const s = await rawSession(fx.alice.key);
	for (const body of ['{"jsonrpc":"2.0",', 'not json', '']) {
		const r = await post(body, { key: fx.alice.key, session: s.session });
		assert.equal(r.status, 400, `body ${JSON.stringify(body)}`);
		assert.equal(r.json.error.code, -32700);
		assert.equal(r.json.id, null);
	}
});

test('a body that is not valid UTF-8: 400 with -32700, nothing stored', async () => {
	const s = await rawSession(fx.alice.key);
	const mark = Number(psql('SELECT coalesce(max(id), 0) FROM hoop_mcp.security_audit_log'));
	const body = Buffer.concat([
		Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}'),
	]);
	const r = await post(body, { key: fx.alice.key, session: s.session });
	assert.equal(r.status, 400, r.text);
	assert.equal(r.json?.error?.code, -32700);
	// The audit row must not carry the invalid bytes (they would break a dump's restore).
	const stored = psql(`SELECT coalesce(string_agg(request_payload_redacted::text, ''), '') FROM hoop_mcp.security_audit_log WHERE id > ${mark}`);
	assert.ok(!stored.includes('\ufffd'), 'no invalid UTF-8 in the audit log');
});

test('not a JSON-RPC message, or a batch: 400 with -32600', async () => {
	const s = await rawSession(fx.alice.key);
	const bodies = [
		{ foo: 1 },
		[{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }],
		[],
		'"just a string"',
		'42',
		{ jsonrpc: '1.0', id: 1, method: 'ping' },
		{ id: 1, method: 'ping' },
		{ jsonrpc: '2.0', id: 1, method: 5 },
		{ jsonrpc: '2.0', id: null, method: 'ping' },
		{ jsonrpc: '2.0', id: { a: 1 }, method: 'ping' },
	];
	for (const b of bodies) {
		const r = await post(b, { key: fx.alice.key, session: s.session });
		assert.equal(r.status, 400, `body ${JSON.stringify(b)}: ${r.text}`);
		assert.equal(r.json.error.code, -32600, `body ${JSON.stringify(b)}`);
	}
});

test('a request id that is a non-integer number: 400 with -32600', async () => {
	// JSON-RPC in MCP: "Request ID MUST be a string or integer".
	const s = await rawSession(fx.alice.key);
	const r = await post('{"jsonrpc":"2.0","id":1.5,"method":"ping"}', { key: fx.alice.key, session: s.session });
	assert.equal(r.status, 400, r.text);
	assert.equal(r.json.error.code, -32600);
});

test('body over hoop_mcp.max_request_bytes: 413; a large body under it is fine', async () => {
	const limit = Number(psql("SELECT setting FROM pg_settings WHERE name = 'hoop_mcp.max_request_bytes'"));
	assert.equal(limit, 4 * 1024 * 1024, 'default is 4MB');
	const s = await rawSession(fx.alice.key);
	const make = (size) => {
		const head = JSON.stringify(req('ping', { pad: '' }));
		return head.replace('"pad":""', `"pad":"${'x'.repeat(size - head.length)}"`);
	};
	const over = make(limit + 1);
	assert.equal(over.length, limit + 1);
	const r = await post(over, { key: fx.alice.key, session: s.session });
	assert.equal(r.status, 413);
	const under = await post(make(limit - 16), { key: fx.alice.key, session: s.session });
	assert.equal(under.status, 200, under.text.slice(0, 200));
	assert.deepEqual(under.json.result, {});
});

// ---------------------------------------------------------------------------
// JSON-RPC methods
// ---------------------------------------------------------------------------

test('ids are echoed with their JSON type', async () => {
	const s = await rawSession(fx.alice.key);
	const a = await post({ jsonrpc: '2.0', id: 'abc-1', method: 'ping' }, { key: fx.alice.key, session: s.session });
	assert.equal(a.json.id, 'abc-1');
	const b = await post({ jsonrpc: '2.0', id: 77, method: 'ping' }, { key: fx.alice.key, session: s.session });
	assert.equal(b.json.id, 77);
});

test('ping → {}', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('ping');
	assert.equal(r.status, 200);
	assert.deepEqual(r.json.result, {});
});

test('unknown method: HTTP 200 with -32601', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('does/not/exist', {});
	assert.equal(r.status, 200);
	assert.equal(r.json.error.code, -32601);
	assert.equal(r.json.result, undefined);
});

test('logging/setLevel: each valid level → {}, invalid or missing level → -32602', async () => {
	const s = await rawSession(fx.alice.key);
	for (const level of ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']) {
		const r = await s.rpc('logging/setLevel', { level });
		assert.equal(r.status, 200);
		assert.deepEqual(r.json.result, {}, level);
	}
	for (const params of [{ level: 'verbose' }, { level: 'INFO' }, {}, { level: 3 }]) {
		const r = await s.rpc('logging/setLevel', params);
		assert.equal(r.status, 200);
		assert.equal(r.json.error?.code, -32602, JSON.stringify(params));
	}
});

test('tools/call: unknown tool → -32602; missing name → -32602', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('tools/call', { name: 'no_such_tool', arguments: {} });
	assert.equal(r.status, 200);
	assert.equal(r.json.error.code, -32602);
	const n = await s.rpc('tools/call', { arguments: {} });
	assert.equal(n.json.error.code, -32602);
});

test('tools/call: bad arguments → isError result "validating \\"arguments\\": ..."', async () => {
	const s = await rawSession(fx.alice.key);
	const cases = [
		['connections_get', {}, /required: missing properties: \["name"\]/],
		['connections_get', { name: 'x', extra: 1 }, /unexpected additional properties \["extra"\]/],
		['connections_get', { name: 42 }, /\/properties\/name: type: 42 has type "number", want "string"/],
		['sessions_list', { limit: 1.5 }, /\/properties\/limit/],
		['sessions_list', { limit: '10' }, /\/properties\/limit/],
		['access_control_set', { connection_name: 'x', groups: [1] }, /\/properties\/groups/],
		['connections_create', { name: 'abc', type: 'database', secrets: { 'envvar:X': 5 } }, /\/properties\/secrets/],
		['me_get', { anything: true }, /unexpected additional properties/],
	];
	for (const [name, args, re] of cases) {
		const r = await s.rpc('tools/call', { name, arguments: args });
		assert.equal(r.status, 200);
		assert.equal(r.json.error, undefined, `${name}: must be a result, not a JSON-RPC error`);
		assert.equal(r.json.result.isError, true, `${name} ${JSON.stringify(args)}`);
		const text = r.json.result.content[0].text;
		assert.match(text, /^validating "arguments": /, text);
		assert.match(text, re, text);
	}
	const notObj = await s.rpc('tools/call', { name: 'me_get', arguments: [1, 2] });
	assert.equal(notObj.json.result.isError, true);
	assert.match(notObj.json.result.content[0].text, /^validating "arguments": /);
});

test('tools/call: only catalogue tools are callable, not other SQL functions', async () => {
	const s = await rawSession(fx.alice.key);
	for (const name of ['create_user', 'create_api_key', 'set_user_groups', '_worker_call', '_actor',
		'hoop_mcp.me_get', 'ME_GET', 'me_get; select 1', 'pg_sleep']) {
		const r = await s.rpc('tools/call', { name, arguments: {} });
		assert.equal(r.status, 200);
		assert.equal(r.json.error?.code, -32602, `${name}: ${r.text}`);
	}
});

test('tools/call without an arguments key works for a tool without required arguments', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('tools/call', { name: 'me_get' });
	assert.equal(r.json.result.isError, undefined, r.text);
	assert.equal(JSON.parse(r.json.result.content[0].text).user_email, fx.alice.email);
});

test('tools/list: every catalogue tool, each with description, strict object schema, annotations', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('tools/list', {});
	assert.equal(r.status, 200);
	const tools = r.json.result.tools;
	const catalogue = sqlRows('SELECT name FROM hoop_mcp.tools ORDER BY name').map((t) => t.name);
	assert.deepEqual(tools.map((t) => t.name).sort(), catalogue);
	assert.equal(r.json.result.nextCursor, undefined);
	for (const t of tools) {
		assert.match(t.name, /^[A-Za-z0-9_.-]{1,128}$/);
		assert.equal(typeof t.description, 'string');
		assert.ok(t.description.trim().length > 0, `${t.name}: description`);
		assert.equal(t.inputSchema?.type, 'object', `${t.name}: inputSchema.type`);
		assert.equal(t.inputSchema.additionalProperties, false, `${t.name}: additionalProperties`);
		assert.equal(typeof t.inputSchema.properties, 'object', `${t.name}: properties`);
		for (const req of t.inputSchema.required ?? []) {
			assert.ok(req in t.inputSchema.properties, `${t.name}: required ${req} is a property`);
		}
		assert.equal(typeof t.annotations, 'object', `${t.name}: annotations`);
		assert.equal(t.annotations.openWorldHint, false, `${t.name}: openWorldHint`);
		if (/_(list|get)$/.test(t.name) || t.name.startsWith('connection_')) {
			assert.equal(t.annotations.readOnlyHint, true, `${t.name}: readOnlyHint`);
		}
		if (/_(update|delete|unset)$/.test(t.name) || t.name === 'exec') {
			assert.equal(t.annotations.destructiveHint, true, `${t.name}: destructiveHint`);
		}
	}
	// The tools this suite exercises are all there.
	for (const name of ['me_get', 'serverinfo_get', 'connections_list', 'connections_get', 'connections_create',
		'connections_update', 'connections_delete', 'exec', 'sessions_list', 'sessions_get', 'sessions_get_content',
		'connection_databases', 'connection_tables', 'connection_columns', 'access_control_set',
		'access_control_unset', 'access_control_get', 'access_control_list', 'users_list', 'users_get',
		'usergroups_list']) {
		assert.ok(catalogue.includes(name), `catalogue has ${name}`);
	}
});

test('tools/list with a cursor we never issued → -32602', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.rpc('tools/list', { cursor: 'bogus' });
	assert.equal(r.json.error?.code, -32602);
});

test('empty resources, prompts and completions answer generically', async () => {
	const s = await rawSession(fx.alice.key);
	assert.deepEqual((await s.rpc('resources/list', {})).json.result.resources, []);
	assert.deepEqual((await s.rpc('prompts/list', {})).json.result.prompts, []);
	assert.deepEqual((await s.rpc('resources/subscribe', { uri: 'test://x' })).json.result, {});
	const c = await s.rpc('completion/complete', { ref: { type: 'ref/prompt', name: 'x' }, argument: { name: 'a', value: 'b' } });
	assert.deepEqual(c.json.result.completion.values, []);
});
