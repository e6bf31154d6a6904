// A bounded fuzzer: a fixed seed, a few thousand malformed, hostile or odd
// requests (bodies, ids, methods, tool names and arguments, headers), sent
// as a user in no group.  Every answer must be a well-formed HTTP answer
// with no 5xx but 503 for load, JSON where JSON is promised; and the worker
// must neither crash nor restart.  FUZZ_CASES and FUZZ_SEED change the run
// (test/fuzz-long.sh runs a long one; CI runs this short one).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, rawSession, post, psql, ensureUser, apiKey, uniq, PROTOCOL_VERSION,
} from './helpers.mjs';

const CASES = Number(process.env.FUZZ_CASES || 2500);
const SEED = Number(process.env.FUZZ_SEED || 20261202);

// mulberry32: small, seeded, reproducible.
function rng(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6D2B79F5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const rand = rng(SEED);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (n) => Math.floor(rand() * n);

const ODD_STRINGS = ['', ' ', '\u0000', 'é😀', '\\', '"', "'; DROP TABLE x; --", '../../etc/passwd', '%00', 'null',
	'\ud800', 'a'.repeat(5000), '{"a":1}', '-1', '1e309', 'NaN', '<script>', '${x}', ':var', '\\\\copy'];
const METHODS = ['initialize', 'ping', 'tools/list', 'tools/call', 'logging/setLevel', 'resources/list',
	'resources/read', 'prompts/get', 'completion/complete', 'notifications/initialized', 'nope', '', 'TOOLS/LIST'];

function value(depth = 0) {
	switch (int(depth > 3 ? 5 : 8)) {
		case 0: return null;
		case 1: return rand() < 0.5;
		case 2: return pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 0.1]);
		case 3: return pick(ODD_STRINGS);
		case 4: return String(int(1e9));
		case 5: return Array.from({ length: int(4) }, () => value(depth + 1));
		case 6: {
			const o = {};
			for (let i = 0; i < int(4); i++) o[pick(['name', 'arguments', 'id', 'input', 'connection_name', pick(ODD_STRINGS)])] = value(depth + 1);
			return o;
		}
		default: return { nested: value(depth + 1) };
	}
}

function body(tools) {
	switch (int(10)) {
		case 0: return pick(['', '{', '[]', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', 'null', '1', '"x"', '{"jsonrpc":"2.0"',
			'\xff\xfe', '{"jsonrpc":"2.0","id":1,"method":"ping"}garbage']);
		case 1: return new Uint8Array(Array.from({ length: 1 + int(64) }, () => int(256)));
		case 2: return JSON.stringify({ jsonrpc: pick(['2.0', '1.0', 2, null]), id: value(), method: pick(METHODS), params: value() });
		case 3: return JSON.stringify({ jsonrpc: '2.0', id: pick([1, 'x', 1.5, null, {}, [], true]), method: 'ping' });
		case 4: return JSON.stringify({ jsonrpc: '2.0', id: int(1000), result: value() });
		default: return JSON.stringify({
			jsonrpc: '2.0', id: int(1e6), method: 'tools/call',
			params: { name: rand() < 0.9 ? pick(tools) : pick(ODD_STRINGS), arguments: rand() < 0.8 ? value() : pick([null, [], 'x', 1]), _meta: rand() < 0.2 ? value() : undefined },
		});
	}
}

function headers() {
	const h = {};
	if (rand() < 0.2) h['Content-Type'] = pick(['text/plain', 'application/json; charset=latin1', '', 'application/jsonx', undefined]);
	if (rand() < 0.2) h.Accept = pick(['text/html', '*/*', 'text/event-stream', '', undefined]);
	if (rand() < 0.2) h['MCP-Protocol-Version'] = pick(['2099-01-01', '', '2025-03-26', 'x'.repeat(300)]);
	if (rand() < 0.05) h.Origin = pick(['http://evil.example', 'null', 'http://127.0.0.1@evil']);
	return h;
}

const workerPid = () => psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'hoop_mcp worker'");
let key;
let tools;

before(async () => {
	setupFixtures();
	const email = `${uniq('fuzz')}@example.com`;
	ensureUser(email, [], 'Fuzz');
	key = apiKey(email);
	const s = await rawSession(key);
	tools = (await s.rpc('tools/list')).json.result.tools.map((t) => t.name)
		// No SQL of the fuzzer's making runs on a target.
		.filter((n) => n !== 'exec' && n !== 'reviews_execute');
});

test(`${CASES} fuzzed requests (seed ${SEED}): no 5xx, well-formed answers, the worker keeps running`, async () => {
	const pid = workerPid();
	const s = await rawSession(key);
	const seen = {};
	const allowed = new Set([200, 202, 204, 400, 401, 403, 404, 405, 406, 413, 415, 503]);
	for (let i = 0; i < CASES; i++) {
		const b = body(tools);
		const opts = { key: rand() < 0.95 ? key : pick(['', 'hmk_x', 'Bearer', 'x'.repeat(600)]), session: rand() < 0.9 ? s.session : pick([undefined, 'x', '0'.repeat(32)]), headers: headers() };
		if (rand() < 0.1) opts.protocolVersion = PROTOCOL_VERSION;
		const r = await post(b, opts);
		seen[r.status] = (seen[r.status] ?? 0) + 1;
		assert.ok(allowed.has(r.status), `case ${i}: status ${r.status} for ${String(b).slice(0, 200)}: ${r.text.slice(0, 300)}`);
		const ct = r.headers.get('content-type') || '';
		if (ct.includes('application/json')) assert.ok(r.json !== undefined, `case ${i}: JSON promised, got ${r.text.slice(0, 200)}`);
	}
	assert.equal(workerPid(), pid, `the worker did not restart (statuses seen: ${JSON.stringify(seen)})`);
	assert.equal((await s.rpc('ping')).status, 200);
});
