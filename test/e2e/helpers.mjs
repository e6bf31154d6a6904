// Shared helpers for the hoop_mcp end-to-end tests.
//
// Environment (set by test/run-tests.sh start_cluster): HOOP_URL for MCP,
// PGHOST PGPORT PGUSER PGDATABASE for psql as superuser.  Fixtures are made
// through psql and are idempotent, so test files can run in any order.
// Test files share one cluster and run one at a time (--test-concurrency=1).

import { execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const HOOP_URL = process.env.HOOP_URL;
if (!HOOP_URL) throw new Error('HOOP_URL is not set (run through test/run-tests.sh e2e)');
for (const v of ['PGHOST', 'PGPORT']) {
	if (!process.env[v]) throw new Error(`${v} is not set`);
}
export const PGPORT = process.env.PGPORT;
export const PROTOCOL_VERSION = '2025-11-25';

// ---------------------------------------------------------------------------
// psql
// ---------------------------------------------------------------------------

/** Runs SQL as the superuser; returns trimmed unaligned output.  Throws on error. */
export function psql(sql, { db } = {}) {
	const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql];
	if (db) args.unshift('-d', db);
	return execFileSync('psql', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 }).trim();
}

/** Runs SQL and reports success or the error text instead of throwing. */
export function psqlTry(sql, { db } = {}) {
	const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql];
	if (db) args.unshift('-d', db);
	const r = spawnSync('psql', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
	return { ok: r.status === 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** The rows of a query, as parsed JSON objects. */
export function sqlRows(query) {
	const out = psql(`SELECT coalesce(json_agg(t), '[]') FROM (${query}) t`);
	return JSON.parse(out);
}

/** SQL string literal. */
export function lit(s) {
	return `'${String(s).replace(/'/g, "''")}'`;
}

export function uniq(prefix = 'e2e') {
	return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/** Creates a hoop_mcp user unless it exists; returns its subject. */
export function ensureUser(email, groups = [], name = null) {
	const arr = `ARRAY[${groups.map(lit).join(',')}]::text[]`;
	psql(`SELECT hoop_mcp.create_user(${lit(email)}, ${arr}, ${name ? lit(name) : 'NULL'})
	      WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE email = ${lit(email)})`);
	psql(`SELECT hoop_mcp.set_user_groups(${lit(email)}, ${arr})`);
	psql(`SELECT hoop_mcp.set_user_status(${lit(email)}, 'active')`);
	return psql(`SELECT subject FROM hoop_mcp.users WHERE email = ${lit(email)}`);
}

/** A fresh API key for a user (keys are cheap; each file makes its own). */
export function apiKey(email, { expiresAt } = {}) {
	return psql(`SELECT hoop_mcp.create_api_key(${lit(email)}, 'e2e', ${expiresAt ? lit(expiresAt) : 'NULL'})`);
}

export const SHOP_CONN = 'shop-pg';
export const SHOP_CONNINFO = `host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres password=postgres`;

/** Creates a postgres connection to the shop database unless it exists. */
export function ensureConnection(name = SHOP_CONN, { conninfo = SHOP_CONNINFO, tags = {}, accessModeExec = 'enabled' } = {}) {
	psql(`SELECT hoop_mcp.create_connection(${lit(name)}, ${lit(conninfo)}, ${lit(JSON.stringify(tags))}::jsonb,
	        access_mode_exec => ${lit(accessModeExec)})
	      WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.connections WHERE name = ${lit(name)})`);
}

export const USERS = {
	admin: { email: 'e2e-admin@example.com', groups: ['admin'], name: 'E2E Admin' },
	auditor: { email: 'e2e-auditor@example.com', groups: ['auditor'], name: 'E2E Auditor' },
	alice: { email: 'e2e-alice@example.com', groups: ['eng'], name: 'Alice' },
	bob: { email: 'e2e-bob@example.com', groups: ['sales'], name: 'Bob' },
};

/**
 * The shared fixture: four users (admin, auditor, two plain users) with a
 * fresh key each, and the shop-pg connection.  Returns
 * { admin: {email, subject, key}, auditor: ..., alice: ..., bob: ... }.
 */
export function setupFixtures() {
	// The auth tests need unauthenticated requests to be refused.
	const loopback = psql('SHOW hoop_mcp.dev_loopback_user');
	if (loopback !== '') throw new Error(`hoop_mcp.dev_loopback_user is set (${loopback}): the e2e suite needs a cluster without it`);
	const out = {};
	for (const [role, u] of Object.entries(USERS)) {
		const subject = ensureUser(u.email, u.groups, u.name);
		out[role] = { ...u, subject, key: apiKey(u.email) };
	}
	ensureConnection();
	return out;
}

// ---------------------------------------------------------------------------
// Raw HTTP (fetch)
// ---------------------------------------------------------------------------

export const JSON_HEADERS = {
	'Content-Type': 'application/json',
	Accept: 'application/json, text/event-stream',
};

/** Parses an SSE body into the JSON of its data events. */
export function parseSse(text) {
	const events = [];
	for (const block of text.split(/\r?\n\r?\n/)) {
		const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
		if (data.length) events.push(JSON.parse(data.join('\n')));
	}
	return events;
}

/**
 * POSTs to the endpoint.  body: object (JSON-encoded) or string (sent as is).
 * Returns { status, headers, text, json } where json is the parsed body (the
 * last SSE data event for text/event-stream answers), or undefined.
 */
export async function post(body, { key, session, protocolVersion, headers = {}, url = HOOP_URL, method = 'POST' } = {}) {
	const h = { ...JSON_HEADERS };
	if (key) h.Authorization = `Bearer ${key}`;
	if (session) h['Mcp-Session-Id'] = session;
	if (protocolVersion) h['MCP-Protocol-Version'] = protocolVersion;
	for (const [k, v] of Object.entries(headers)) {
		// undefined removes a default header
		const existing = Object.keys(h).find((x) => x.toLowerCase() === k.toLowerCase());
		if (existing) delete h[existing];
		if (v !== undefined) h[k] = v;
	}
	const res = await fetch(url, {
		method,
		headers: h,
		body: method === 'POST' ? (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)) : undefined,
	});
	const text = await res.text();
	let json;
	const ct = res.headers.get('content-type') || '';
	if (ct.includes('text/event-stream')) {
		const ev = parseSse(text);
		json = ev[ev.length - 1];
	} else if (text.length) {
		try { json = JSON.parse(text); } catch { json = undefined; }
	}
	return { status: res.status, headers: res.headers, text, json };
}

let rpcId = 1;
export const nextId = () => rpcId++;

export function initializeBody(version = PROTOCOL_VERSION) {
	return {
		jsonrpc: '2.0', id: nextId(), method: 'initialize',
		params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'hoop-e2e-raw', version: '1.0.0' } },
	};
}

/**
 * A raw MCP session over fetch: initialize + notifications/initialized.
 * rpc(method, params) returns the whole HTTP answer; tool(name, args)
 * returns the CallToolResult (asserting HTTP 200 and no JSON-RPC error).
 */
export async function rawSession(key, { version = PROTOCOL_VERSION } = {}) {
	const init = await post(initializeBody(version), { key });
	assert.equal(init.status, 200, `initialize failed: ${init.status} ${init.text}`);
	const session = init.headers.get('mcp-session-id');
	assert.ok(session, 'initialize answered no Mcp-Session-Id');
	const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { key, session, protocolVersion: version });
	assert.equal(note.status, 202);
	const s = {
		key, session, version, init,
		rpc: (method, params, opts = {}) => post({ jsonrpc: '2.0', id: nextId(), method, ...(params !== undefined ? { params } : {}) },
			{ key, session, protocolVersion: version, ...opts }),
		async tool(name, args) {
			const r = await s.rpc('tools/call', { name, arguments: args ?? {} });
			assert.equal(r.status, 200, r.text);
			assert.ok(r.json && r.json.result, `tools/call ${name}: no result: ${r.text}`);
			return r.json.result;
		},
		close: () => post(undefined, { key, session, method: 'DELETE' }),
	};
	return s;
}

// ---------------------------------------------------------------------------
// The official SDK client
// ---------------------------------------------------------------------------

/** A connected SDK Client acting with the given API key. */
export async function connectClient(key, { name = 'hoop-e2e' } = {}) {
	const transport = new StreamableHTTPClientTransport(new URL(HOOP_URL), {
		requestInit: { headers: { Authorization: `Bearer ${key}` } },
	});
	const client = new Client({ name, version: '1.0.0' }, { capabilities: {} });
	await client.connect(transport);
	return client;
}

/** Calls a tool and returns the parsed JSON of its text content; asserts success. */
export async function callJson(client, name, args = {}) {
	const r = await client.callTool({ name, arguments: args });
	assert.ok(!r.isError, `${name} failed: ${r.content?.[0]?.text}`);
	assert.equal(r.content.length, 1);
	assert.equal(r.content[0].type, 'text');
	return JSON.parse(r.content[0].text);
}

/** Calls a tool and returns its plain text; asserts success. */
export async function callText(client, name, args = {}) {
	const r = await client.callTool({ name, arguments: args });
	assert.ok(!r.isError, `${name} failed: ${r.content?.[0]?.text}`);
	assert.equal(r.content[0].type, 'text');
	return r.content[0].text;
}

/** Calls a tool that must fail; returns the error text of the isError result. */
export async function callError(client, name, args = {}) {
	const r = await client.callTool({ name, arguments: args });
	assert.equal(r.isError, true, `${name} should have failed, got: ${r.content?.[0]?.text}`);
	assert.equal(r.content[0].type, 'text');
	return r.content[0].text;
}

/** Polls fn until it returns a truthy value (short sleeps, bounded). */
export async function waitFor(fn, { timeoutMs = 20000, intervalMs = 200, what = 'condition' } = {}) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/** The highest security_audit_log id now (to find rows written after it). */
export function auditMark() {
	return Number(psql('SELECT coalesce(max(id), 0) FROM hoop_mcp.security_audit_log'));
}

/** Audit rows written after mark, optionally filtered by a SQL condition. */
export function auditRowsSince(mark, where = 'true') {
	return sqlRows(`SELECT id, actor_subject, actor_email, actor_name, resource_type, action, http_method,
	                       http_path, http_status, host(client_ip) AS client_ip, mcp_session_id, rpc_method,
	                       tool_name, request_payload_redacted, outcome, error_message
	                  FROM hoop_mcp.security_audit_log WHERE id > ${Number(mark)} AND (${where}) ORDER BY id`);
}

/**
 * A request through node:http, for what fetch will not send (a foreign
 * Host header).  Returns { status, headers, text, json }.
 */
export function httpRequest({ method = 'POST', headers = {}, body, url = HOOP_URL } = {}) {
	return new Promise((resolve, reject) => {
		const u = new URL(url);
		const req = http.request({
			host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers,
			setHost: !Object.keys(headers).some((k) => k.toLowerCase() === 'host'),
		}, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => {
				let json;
				try { json = JSON.parse(text); } catch { json = undefined; }
				resolve({ status: res.statusCode, headers: res.headers, text, json });
			});
		});
		req.on('error', reject);
		if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
		req.end();
	});
}
