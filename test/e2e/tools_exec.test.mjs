// The exec tool: envelopes (completed, failed, running), psql-style output,
// refusals, mandatory metadata, and the session row every exec leaves.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
	setupFixtures, connectClient, callJson, callError, uniq, psql, lit, sqlRows, ensureConnection, waitFor,
	rawSession, SHOP_CONN, PGPORT, HOOP_URL, JSON_HEADERS,
} from './helpers.mjs';

let fx;
const clients = {};
let P;
before(async () => {
	fx = setupFixtures();
	for (const role of ['admin', 'alice', 'bob']) clients[role] = await connectClient(fx[role].key);
	P = uniq('ex');
});
after(async () => { for (const c of Object.values(clients)) await c.close(); });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const exec = (role, input, extra = {}) => callJson(clients[role], 'exec', { connection_name: SHOP_CONN, input, ...extra });
const session = (id) => sqlRows(`SELECT * FROM hoop_mcp.sessions WHERE id = ${lit(id)}`)[0];

/** What real psql prints for input, run the way hoop's default postgres command runs it. */
function realPsql(input) {
	const r = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-A', '-F', '\t', '-P', 'pager=off', '-d', 'shop'],
		{ input, encoding: 'utf8' });
	return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('completed envelope: every field, psql-style unaligned tab-separated output', async () => {
	const r = await exec('alice', "select 1 as a, 'two' as b;");
	assert.deepEqual(Object.keys(r).sort(),
		['execution_time_ms', 'exit_code', 'has_review', 'output', 'output_status', 'session_id', 'status', 'truncated']);
	assert.equal(r.status, 'completed');
	assert.equal(r.exit_code, 0);
	assert.equal(r.output_status, 'success');
	assert.equal(r.has_review, false);
	assert.equal(r.truncated, false);
	assert.equal(r.output, 'a\tb\n1\ttwo\n(1 row)\n');
	assert.match(r.session_id, UUID);
	assert.ok(Number.isInteger(r.execution_time_ms) && r.execution_time_ms >= 0);
});

test('output is what psql prints for the same script', async () => {
	const t = `e2e_exec_${P.replace(/-/g, '_')}`;
	const script = [
		`CREATE TEMP TABLE ${t} (id int, name text, note text);`,
		`INSERT INTO ${t} VALUES (1, 'one', NULL), (2, 'tab\there', ''), (3, 'ünï', 'x');`,
		`SELECT * FROM ${t} ORDER BY id;`,
		`UPDATE ${t} SET note = 'y' WHERE id > 1;`,
		"SELECT chr(1) || chr(31) || '\"\\' || chr(127) || 'é😀' AS ctl, E'two\\nlines' AS nl;",
		`SELECT count(*) AS n FROM ${t} WHERE note = 'y'; SELECT 'a;b' AS semi`,
		'',
	].join('\n');
	const want = realPsql(script);
	assert.equal(want.status, 0, want.stderr);
	const r = await exec('alice', script);
	assert.equal(r.status, 'completed');
	assert.equal(r.output, want.stdout);
});

const BYTES_CUT = (kb) => `hoop_mcp: output truncated: the rest past hoop_mcp.max_output_bytes (${kb} kB) not shown\n`;

test('output over hoop_mcp.max_output_bytes is cut at a row boundary, flagged truncated and says so', async () => {
	const limit = Number(psql("SELECT setting FROM pg_settings WHERE name = 'hoop_mcp.max_output_bytes'"));
	const r = await exec('alice', `select repeat('x', ${limit + 1000}) as big`);
	assert.equal(r.truncated, true);
	assert.equal(r.output, 'big\n' + BYTES_CUT(limit / 1024), 'the row that did not fit is left out whole');
	const rows = await exec('alice', `select g, repeat('y', 100) as pad from generate_series(1, ${limit / 50}) g`);
	assert.equal(rows.truncated, true);
	const lines = rows.output.split('\n');
	assert.equal(lines.at(-1), '');
	assert.equal(lines.at(-2) + '\n', BYTES_CUT(limit / 1024));
	assert.match(lines.at(-3), /^\d+\ty{100}$/, 'the last row shown is whole');
	assert.ok(Buffer.byteLength(rows.output) <= limit + 200);
	const s = session(r.session_id);
	assert.equal(s.output_truncated, true);
	assert.equal(s.output, r.output);
	const small = await exec('alice', `select repeat('x', 10) as small`);
	assert.equal(small.truncated, false);
});

test('max_rows shows that many rows of each result, counts the rest and says so', async () => {
	const name = `${P}-rows`;
	psql(`SELECT hoop_mcp.create_connection(${lit(name)}, ${lit(`host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres password=postgres`)}, max_rows => 2)`);
	const r = await callJson(clients.admin, 'exec', { connection_name: name,
		input: 'select g from generate_series(1, 5) g; select 1 as one; select g from generate_series(1, 3) g;' });
	assert.equal(r.status, 'completed');
	assert.equal(r.truncated, true);
	assert.equal(r.output, 'g\n1\n2\n(5 rows)\none\n1\n(1 row)\ng\n1\n2\n(3 rows)\n' +
		'hoop_mcp: output truncated: 4 rows past max_rows (2) not shown, but counted in the row counts\n');
	const s = session(r.session_id);
	assert.equal(s.output, r.output);
	assert.equal(s.output_truncated, true);
	const few = await callJson(clients.admin, 'exec', { connection_name: name, input: 'select 1 as a' });
	assert.equal(few.truncated, false);
	assert.equal(few.output, 'a\n1\n(1 row)\n');
	psql(`DELETE FROM hoop_mcp.connections WHERE name = ${lit(name)}`);
});

test('failed envelope: SQL error → status failed, exit_code 3, stops at the error', async () => {
	const r = await exec('alice', 'select 1 as a; select 1/0; select 2 as b;');
	assert.equal(r.status, 'failed');
	assert.equal(r.exit_code, 3);
	assert.equal(r.output_status, 'failed');
	assert.match(r.output, /^a\n1\n\(1 row\)\n/);
	assert.match(r.output, /ERROR: {2}division by zero/);
	assert.doesNotMatch(r.output, /\bb\n2\n/, 'ON_ERROR_STOP: nothing runs after the error');
	assert.match(r.session_id, UUID);
	const s = session(r.session_id);
	assert.equal(s.status, 'done');
	assert.equal(s.exit_code, 3);
});

test('unknown connection → isError `connection "x" not found or not accessible`, no session', async () => {
	const name = `${P}-nope`;
	assert.equal(await callError(clients.alice, 'exec', { connection_name: name, input: 'select 1' }),
		`connection "${name}" not found or not accessible`);
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.sessions WHERE connection = ${lit(name)}`), '0');
});

test('the connection can be named by its id', async () => {
	const id = psql(`SELECT id FROM hoop_mcp.connections WHERE name = ${lit(SHOP_CONN)}`);
	const r = await callJson(clients.alice, 'exec', { connection_name: id, input: 'select 5 as five' });
	assert.equal(r.status, 'completed');
	assert.equal(session(r.session_id).connection, SHOP_CONN);
});

test('input checks', async () => {
	assert.equal(await callError(clients.alice, 'exec', { connection_name: SHOP_CONN, input: '' }), 'input is required');
	assert.equal(await callError(clients.alice, 'exec', { connection_name: '', input: 'select 1' }), 'connection_name is required');
	assert.match(await callError(clients.alice, 'exec', { connection_name: SHOP_CONN }), /^validating "arguments": .*\["input"\]/);
	assert.match(await callError(clients.alice, 'exec', { connection_name: SHOP_CONN, input: 'select 1', metadata: 'x' }),
		/^validating "arguments": .*\/properties\/metadata/);
});

test('access_mode_exec disabled → failed envelope "exec is disabled for this connection", session recorded', async () => {
	const name = `${P}-noexec`;
	ensureConnection(name, { accessModeExec: 'disabled' });
	const r = await callJson(clients.alice, 'exec', { connection_name: name, input: 'select 1' });
	assert.equal(r.status, 'failed');
	assert.equal(r.output, 'exec is disabled for this connection');
	assert.notEqual(r.exit_code, 0);
	assert.equal(r.output_status, 'failed');
	const s = session(r.session_id);
	assert.equal(s.status, 'done');
	assert.equal(s.input, 'select 1');
	assert.equal(s.output, 'exec is disabled for this connection');
	// Enabling it through connections_update makes it run.
	await callJson(clients.admin, 'connections_update', { name, access_mode_exec: 'enabled' });
	const ok = await callJson(clients.alice, 'exec', { connection_name: name, input: 'select 1 as one' });
	assert.equal(ok.status, 'completed');
});

test('a connection hoop_mcp cannot run (not database/postgres) → failed envelope', async () => {
	const name = `${P}-custom`;
	await callJson(clients.admin, 'connections_create', { name, type: 'custom', subtype: 'ssh' });
	const r = await callJson(clients.alice, 'exec', { connection_name: name, input: 'ls' });
	assert.equal(r.status, 'failed');
	assert.match(r.output, /cannot run connections of type "custom\/ssh"/);
});

test('mandatory metadata: missing field → isError and no session; given → stored on the session', async () => {
	const name = `${P}-meta`;
	ensureConnection(name);
	await callJson(clients.admin, 'connections_update', { name, mandatory_metadata_fields: ['ticket', 'reason'] });
	assert.equal(await callError(clients.alice, 'exec', { connection_name: name, input: 'select 1' }),
		'missing metadata: missing required metadata field: ticket');
	assert.equal(await callError(clients.alice, 'exec', { connection_name: name, input: 'select 1', metadata: { ticket: 'T-9' } }),
		'missing metadata: missing required metadata field: reason');
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.sessions WHERE connection = ${lit(name)}`), '0');
	const metadata = { ticket: 'T-9', reason: 'e2e', nested: { n: 1 } };
	const r = await callJson(clients.alice, 'exec', { connection_name: name, input: 'select 1 as x', metadata });
	assert.equal(r.status, 'completed');
	assert.deepEqual(session(r.session_id).metadata, metadata);
	const viaTool = await callJson(clients.alice, 'sessions_get', { id: r.session_id });
	assert.deepEqual(viaTool.metadata, metadata);
});

test('target connection failure (bad password) → failed envelope with psql-like error, exit_code 2', async () => {
	const name = `${P}-badpw`;
	ensureConnection(name, { conninfo: `host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres password=wrong` });
	const r = await callJson(clients.alice, 'exec', { connection_name: name, input: 'select 1' });
	assert.equal(r.status, 'failed');
	assert.equal(r.exit_code, 2);
	assert.match(r.output, /password authentication failed for user "postgres"/);
	assert.equal(session(r.session_id).exit_code, 2);
});

test('each exec starts with a fresh session state (no leaks through the pool)', async () => {
	await exec('alice', "SET application_name = 'leaky'; SET search_path = nowhere;");
	const r = await exec('bob', 'SHOW application_name; SHOW search_path;');
	assert.doesNotMatch(r.output, /leaky|nowhere/);
	const tx = await exec('alice', 'BEGIN; SELECT 1 AS x;');
	assert.equal(tx.status, 'completed');
	const after = await exec('bob', 'SELECT 2 AS y;');
	assert.equal(after.output, 'y\n2\n(1 row)\n', 'an open transaction is not inherited');
});

test('the session row: done, exit_code, input, output, user, connection', async () => {
	const input = "select 'audited' as what;";
	const r = await exec('bob', input, { metadata: { source: 'e2e' } });
	const s = session(r.session_id);
	assert.equal(s.status, 'done');
	assert.equal(s.exit_code, 0);
	assert.equal(s.input, input);
	assert.equal(s.output, r.output);
	assert.equal(s.user_email, fx.bob.email);
	assert.equal(s.user_id, fx.bob.subject);
	assert.equal(s.user_name, 'Bob');
	assert.equal(s.connection, SHOP_CONN);
	assert.equal(s.connection_type, 'database');
	assert.equal(s.connection_subtype, 'postgres');
	assert.equal(s.verb, 'exec');
	assert.equal(s.origin, 'mcp');
	assert.ok(s.ended_at);
	assert.equal(s.executor, null);
});

test('many execs at once, on separate MCP sessions, all complete with their own output', async () => {
	const n = 20;
	const sessions = await Promise.all(Array.from({ length: n }, () => rawSession(fx.bob.key)));
	const results = await Promise.all(sessions.map((s, i) =>
		s.tool('exec', { connection_name: SHOP_CONN, input: `select ${i} as i, pg_sleep(0.1)` })));
	results.forEach((r, i) => {
		const e = JSON.parse(r.content[0].text);
		assert.equal(e.status, 'completed', e.output);
		assert.equal(e.output, `i\tpg_sleep\n${i}\t\n(1 row)\n`);
	});
});

test('a client that hangs up mid-exec does not lose the session: it is finished anyway', async () => {
	const s = await rawSession(fx.bob.key);
	const tag = `gone_${P.replace(/-/g, '_')}`;
	const ac = new AbortController();
	const call = fetch(HOOP_URL, {
		method: 'POST', signal: ac.signal,
		headers: { ...JSON_HEADERS, Authorization: `Bearer ${fx.bob.key}`, 'Mcp-Session-Id': s.session },
		body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call',
			params: { name: 'exec', arguments: { connection_name: SHOP_CONN, input: `select '${tag}' as t, pg_sleep(1)` } } }),
	}).then(() => 'answered', () => 'aborted');
	// Abort once the session row exists, i.e. the query is running.
	await waitFor(() => psql(`SELECT count(*) FROM hoop_mcp.sessions WHERE input LIKE '%${tag}%'`) === '1', { intervalMs: 50, what: 'the session row' });
	ac.abort();
	assert.equal(await call, 'aborted');
	const row = await waitFor(() => {
		const r = sqlRows(`SELECT status, exit_code, output, user_email FROM hoop_mcp.sessions WHERE input LIKE '%${tag}%'`)[0];
		return r?.status === 'done' ? r : null;
	}, { what: 'the session to finish' });
	assert.equal(row.exit_code, 0);
	assert.equal(row.output, `t\tpg_sleep\n${tag}\t\n(1 row)\n`);
	assert.equal(row.user_email, fx.bob.email);
	// The worker still serves the session.
	assert.equal((await s.rpc('ping')).status, 200);
});

// ---------------------------------------------------------------------------
// The "running" envelope: a short hoop_mcp.exec_wait_timeout
// ---------------------------------------------------------------------------

function setWaitTimeout(value) {
	psql(value ? `ALTER SYSTEM SET hoop_mcp.exec_wait_timeout = ${lit(value)}` : 'ALTER SYSTEM RESET hoop_mcp.exec_wait_timeout');
	psql('SELECT pg_reload_conf()');
}

test('exec still running after hoop_mcp.exec_wait_timeout → running envelope; sessions_get shows it done later', async () => {
	setWaitTimeout('1s');
	try {
		// New backends see the reloaded value once the postmaster has re-read the file (and signalled the worker).
		await waitFor(() => psql('SHOW hoop_mcp.exec_wait_timeout') === '1s', { what: 'reload' });
		const r = await exec('alice', 'select pg_sleep(3) as slept, 42 as answer;');
		assert.deepEqual(Object.keys(r).sort(), ['message', 'next_step', 'session_id', 'status']);
		assert.equal(r.status, 'running');
		assert.match(r.session_id, UUID);
		assert.equal(r.message, 'execution still running after 1s; poll sessions_get with session_id');
		assert.equal(r.next_step, 'poll sessions_get with session_id');

		const done = await waitFor(async () => {
			const s = await callJson(clients.alice, 'sessions_get', { id: r.session_id });
			return s.status === 'done' ? s : null;
		}, { timeoutMs: 30000, intervalMs: 250, what: 'the session to finish' });
		assert.equal(done.exit_code, 0);
		assert.ok(done.ended_at);
		const content = await callJson(clients.alice, 'sessions_get_content', { id: r.session_id });
		assert.equal(content.output, 'slept\tanswer\n\t42\n(1 row)\n');
	} finally {
		setWaitTimeout(null);
		await waitFor(() => psql('SHOW hoop_mcp.exec_wait_timeout') === '50s', { what: 'reset' });
	}
});

test('target connections keep TCP keepalives of about a minute, not the kernel\'s two hours', async (t) => {
	const established = () => spawnSync('ss', ['-tnop', 'state', 'established', `( dport = :${PGPORT} )`], { encoding: 'utf8' });
	if (established().error) { t.skip('ss (iproute2) is not installed'); return; }
	await exec('alice', 'select 1');
	// Only the workers' own sockets: the tests' psql holds libpq's default (the kernel's timer).
	const pids = sqlRows("SELECT pid FROM pg_stat_activity WHERE backend_type = 'hoop_mcp worker'").map((r) => r.pid);
	assert.ok(pids.length > 0, 'a worker runs');
	const out = established().stdout;
	if (!out.includes('users:((')) { t.skip('ss cannot see which process holds a socket (run as root)'); return; }
	const lines = out.split('\n').filter((l) => pids.some((pid) => l.includes(`pid=${pid},`)));
	assert.ok(lines.length > 0, 'the worker holds a pooled target connection');
	for (const line of lines) {
		const m = line.match(/timer:\(keepalive,(?:(\d+)min)?(?:(\d+)(?:\.\d+)?sec)?/);
		assert.ok(m, `${line}: no keepalive timer`);
		const secs = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
		assert.ok(secs <= 60, `${line}: keepalive idle above 60 s`);
	}
});

test('the SDK cancelling a call (AbortSignal → notifications/cancelled) cancels the statement on the target', async () => {
	const marker = `cancel_${P.replace(/-/g, '_')}`;
	const running = () => psql(`SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%${marker}%' AND state = 'active' AND pid <> pg_backend_pid()`);
	const ac = new AbortController();
	const call = clients.alice.callTool(
		{ name: 'exec', arguments: { connection_name: SHOP_CONN, input: `select pg_sleep(60) /* ${marker} */; select 'after' as never;` } },
		undefined, { signal: ac.signal });
	await waitFor(() => running() === '1', { what: 'the exec to run on the target' });
	ac.abort('the user pressed stop');
	await assert.rejects(call, /the user pressed stop/);
	await waitFor(() => running() === '0', { timeoutMs: 10000, what: 'the statement to be cancelled on the target' });
	const s = await waitFor(() => sqlRows(`SELECT status, exit_code, output FROM hoop_mcp.sessions WHERE input LIKE '%${marker}%' AND status = 'done'`)[0],
		{ what: 'the session to end' });
	assert.equal(s.exit_code, 3);
	assert.match(s.output, /ERROR: {2}canceling statement due to user request\n/);
	assert.doesNotMatch(s.output, /never/);
	assert.ok(s.output.endsWith(`hoop_mcp: cancelled by ${fx.alice.email} (notifications/cancelled: the user pressed stop)\n`), s.output);
});
