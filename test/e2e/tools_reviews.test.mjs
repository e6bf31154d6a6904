// Reviews end to end: an access request rule gates exec, reviewers decide
// over MCP and from psql, waiters wake at the deciding commit (with
// progress heartbeats when asked), reviews_execute runs the stored input
// once, and every transition is published with NOTIFY.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
	setupFixtures, connectClient, callJson, callError, uniq, psql, lit, sqlRows, ensureUser, apiKey,
	ensureConnection, rawSession, SHOP_CONN, SHOP_CONNINFO, parseSse, HOOP_URL, JSON_HEADERS,
} from './helpers.mjs';

let fx;
let P;
let CONN;
let JIT_CONN;
let MARK;
const c = {};
const keys = {};

before(async () => {
	fx = setupFixtures();
	P = uniq('rv');
	CONN = `${P}-pg`;
	JIT_CONN = `${P}-jit-pg`;
	MARK = `rv_${P.replace(/-/g, '_')}`;
	ensureConnection(CONN, { conninfo: SHOP_CONNINFO });
	ensureConnection(JIT_CONN, { conninfo: SHOP_CONNINFO });
	psql(`CREATE TABLE ${MARK} (n int)`, { db: 'shop' });
	const people = {
		req: [`${P}-req@example.com`, [`${P}-dev`]],
		dba: [`${P}-dba@example.com`, [`${P}-dba`]],
		sre: [`${P}-sre@example.com`, [`${P}-sre`]],
	};
	for (const [who, [email, groups]] of Object.entries(people)) {
		ensureUser(email, groups, who);
		keys[who] = apiKey(email);
		c[who] = await connectClient(keys[who]);
	}
	// The sre reviewer also decides from psql, as a mapped role.
	psql(`CREATE ROLE ${MARK}_sre`);
	psql(`UPDATE hoop_mcp.users SET pg_role = ${lit(`${MARK}_sre`)} WHERE email = ${lit(people.sre[0])}`);
	c.admin = await connectClient(fx.admin.key);
	c.bob = await connectClient(fx.bob.key);
	await callJson(c.admin, 'access_request_rules_create', {
		name: `${P}-cmd`, access_type: 'command', approval_required_groups: [],
		reviewers_groups: [`${P}-dba`, `${P}-sre`], all_groups_must_approve: false, min_approvals: 1,
		connection_names: [CONN],
	});
	await callJson(c.admin, 'access_request_rules_create', {
		name: `${P}-jit`, access_type: 'jit', approval_required_groups: [`${P}-dev`],
		reviewers_groups: [`${P}-dba`], all_groups_must_approve: true, connection_names: [JIT_CONN],
	});
});

after(async () => {
	for (const x of Object.values(c)) await x.close();
	psql(`DELETE FROM hoop_mcp.access_request_rules WHERE name LIKE ${lit(`${P}%`)}`);
});

const marks = () => Number(psql(`SELECT count(*) FROM ${MARK}`, { db: 'shop' }));
const review = (id) => sqlRows(`SELECT * FROM hoop_mcp.reviews WHERE id = ${lit(id)}`)[0];
const session = (id) => sqlRows(`SELECT * FROM hoop_mcp.sessions WHERE id = ${lit(id)}`)[0];
const gatedExec = (input = `INSERT INTO ${MARK} VALUES (1)`) =>
	callJson(c.req, 'exec', { connection_name: CONN, input });
const approve = (who, id) => callJson(c[who], 'reviews_update', { id, status: 'APPROVED' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a gated exec stores its session and a PENDING review and runs nothing', async () => {
	const r = await gatedExec();
	assert.deepEqual(Object.keys(r), ['message', 'next_step', 'review_id', 'review_url', 'session_id', 'status']);
	assert.equal(r.status, 'pending_approval');
	assert.equal(r.message, 'Approval required before this execution can run');
	assert.equal(r.next_step, 'call reviews_wait with review_id (long-polls until status changes); once status=APPROVED call reviews_execute');
	assert.equal(r.review_id, r.session_id);
	assert.match(r.review_url, new RegExp(`/sessions/${r.session_id}$`));
	assert.equal(marks(), 0);
	const s = session(r.session_id);
	assert.equal(s.status, 'open');
	assert.equal(s.executor, null);
	assert.equal(s.input, `INSERT INTO ${MARK} VALUES (1)`);
	const v = review(r.review_id);
	assert.equal(v.status, 'PENDING');
	assert.equal(v.type, 'onetime');
	assert.equal(v.access_request_rule_name, `${P}-cmd`);
	// Not the reviewers' group, not the owner, not admin: it does not exist for bob.
	assert.equal(await callError(c.bob, 'reviews_get', { id: r.review_id }), 'review not found');
	// Reviewers see it, and the session they review.
	assert.equal((await callJson(c.dba, 'reviews_get', { id: r.session_id })).status, 'PENDING');
	assert.equal((await callJson(c.dba, 'sessions_get_content', { id: r.session_id })).input, `INSERT INTO ${MARK} VALUES (1)`);
	assert.equal(await callError(c.req, 'reviews_update', { id: r.review_id, status: 'APPROVED' }), 'unable to self approve review');
	assert.equal(await callError(c.req, 'reviews_execute', { id: r.review_id }), 'review not approved or already executed');
});

test('reviews_wait on a pending review times out without an error', async () => {
	const { review_id: id } = await gatedExec();
	const t0 = Date.now();
	const w = await callJson(c.req, 'reviews_wait', { id, timeout_seconds: 1 });
	assert.equal(w.status, 'PENDING');
	assert.equal(w.timed_out, true);
	assert.ok(w.waited_seconds >= 2, `timeout clamped to 2 s, waited ${w.waited_seconds}`);
	assert.ok(Date.now() - t0 >= 2000);
});

test('an MCP waiter wakes when a reviewer approves over MCP; reviews_execute runs the stored input once', async () => {
	const { review_id: id } = await gatedExec();
	const waiting = callJson(c.req, 'reviews_wait', { id, timeout_seconds: 60 });
	await sleep(300);
	const t0 = Date.now();
	const decided = await approve('dba', id);
	assert.equal(decided.status, 'APPROVED');
	const w = await waiting;
	assert.ok(Date.now() - t0 < 2000, 'the waiter answered at the approval, not at a poll');
	assert.equal(w.status, 'APPROVED');
	assert.equal(w.timed_out, false);
	assert.equal(session(id).status, 'ready');

	const out = await callJson(c.req, 'reviews_execute', { id });
	assert.deepEqual(Object.keys(out), ['exit_code', 'execution_time_ms', 'output', 'output_status', 'session_id', 'status', 'truncated']);
	assert.equal(out.status, 'completed');
	assert.equal(out.output, 'INSERT 0 1\n');
	assert.equal(out.session_id, id);
	assert.equal(marks(), 1);
	assert.equal(review(id).status, 'EXECUTED');
	const s = session(id);
	assert.equal(s.status, 'done');
	assert.equal(s.exit_code, 0);
	assert.equal(await callError(c.req, 'reviews_execute', { id }), 'review not approved or already executed');
	assert.equal(marks(), 1);
	const again = await callJson(c.req, 'reviews_wait', { id });
	assert.equal(again.status, 'EXECUTED');
	assert.equal(again.waited_seconds, 0);
});

test('a waiter wakes when a DBA approves from psql', async () => {
	const { review_id: id } = await gatedExec('SELECT 1');
	const waiting = callJson(c.req, 'reviews_wait', { id, timeout_seconds: 60 });
	await sleep(300);
	const t0 = Date.now();
	psql(`SET ROLE ${MARK}_sre; SELECT hoop_mcp.reviews_update(${lit(id)}, 'APPROVED')`);
	const w = await waiting;
	assert.ok(Date.now() - t0 < 2000);
	assert.equal(w.status, 'APPROVED');
	assert.equal(w.review_groups_data.find((g) => g.group === `${P}-sre`).reviewed_by.email, `${P}-sre@example.com`);
});

test('two reviews_execute at once: exactly one execution', async () => {
	const { review_id: id } = await gatedExec();
	await approve('dba', id);
	const before = marks();
	const other = await connectClient(keys.req);
	const results = await Promise.all([c.req, other].map((x) => x.callTool({ name: 'reviews_execute', arguments: { id } })));
	await other.close();
	const ok = results.filter((r) => !r.isError);
	const refused = results.filter((r) => r.isError).map((r) => r.content[0].text);
	assert.equal(ok.length, 1, JSON.stringify(results));
	assert.equal(refused.length, 1);
	assert.match(refused[0], /^(review not approved or already executed|the session .* is already being processed)$/);
	assert.equal(marks(), before + 1);
	assert.equal(review(id).status, 'EXECUTED');
});

test('a rejection ends the session; the review cannot run', async () => {
	const { review_id: id } = await gatedExec();
	const r = await callJson(c.sre, 'reviews_update', { id, status: 'rejected', rejection_reason: 'not today' });
	assert.equal(r.status, 'REJECTED');
	const s = session(id);
	assert.equal(s.status, 'done');
	assert.equal(s.exit_code, 1);
	assert.equal(s.output, 'review rejected: not today');
	assert.equal(await callError(c.req, 'reviews_execute', { id }), 'review not approved or already executed');
	assert.equal(await callError(c.dba, 'reviews_update', { id, status: 'APPROVED' }), 'review is in wrong state');
	const w = await callJson(c.req, 'reviews_wait', { id });
	assert.equal(w.status, 'REJECTED');
	assert.equal(w.timed_out, false);
});

test('reviews_wait with a progressToken streams heartbeats until the decision', async () => {
	const { review_id: id } = await gatedExec('SELECT 2');
	const s = await rawSession(keys.req);
	const waiting = s.rpc('tools/call', { name: 'reviews_wait', arguments: { id, timeout_seconds: 30 }, _meta: { progressToken: 'tok-1' } });
	await sleep(4500);
	await approve('dba', id);
	const r = await waiting;
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^text\/event-stream/);
	const events = parseSse(r.text);
	const progress = events.filter((e) => e.method === 'notifications/progress');
	assert.ok(progress.length >= 2, r.text);
	for (const p of progress) {
		assert.equal(p.params.progressToken, 'tok-1');
		assert.equal(p.params.total, 30);
		assert.equal(p.params.message, 'waiting for completion');
	}
	assert.ok(progress[1].params.progress > progress[0].params.progress);
	const last = events[events.length - 1];
	assert.equal(last.id, r.json.id);
	const result = JSON.parse(last.result.content[0].text);
	assert.equal(result.status, 'APPROVED');
	assert.equal(result.timed_out, false);
	await s.close();
});

test('the SDK client receives the heartbeats through onprogress', async () => {
	const { review_id: id } = await gatedExec('SELECT 3');
	const seen = [];
	const waiting = c.req.callTool({ name: 'reviews_wait', arguments: { id, timeout_seconds: 3 } }, undefined,
		{ onprogress: (p) => seen.push(p) });
	const r = await waiting;
	assert.ok(!r.isError);
	const w = JSON.parse(r.content[0].text);
	assert.equal(w.timed_out, true);
	assert.ok(seen.length >= 1, 'at least one heartbeat in 3 s');
	assert.equal(seen[0].total, 3);
	assert.equal(seen[0].message, 'waiting for completion');
});

test('JIT: an approved grant lets its owner exec directly until revoked', async () => {
	const pending = await callJson(c.req, 'exec', { connection_name: JIT_CONN, input: 'SELECT 41' });
	assert.equal(pending.status, 'pending_approval');
	assert.equal(review(pending.review_id).type, 'jit');
	assert.equal(await callError(c.req, 'reviews_execute', { id: pending.review_id }), 'review is not a one-time review');
	const r = await approve('dba', pending.review_id);
	assert.equal(r.status, 'APPROVED');
	assert.equal(r.access_duration, 900 * 1e9);
	const ran = await callJson(c.req, 'exec', { connection_name: JIT_CONN, input: 'SELECT 42 AS answer' });
	assert.equal(ran.status, 'completed');
	assert.equal(ran.output, 'answer\n42\n(1 row)\n');
	assert.equal((await callJson(c.dba, 'reviews_update', { id: pending.review_id, status: 'REVOKED' })).status, 'REVOKED');
	const again = await callJson(c.req, 'exec', { connection_name: JIT_CONN, input: 'SELECT 43' });
	assert.equal(again.status, 'pending_approval');
});

test('LISTEN receives every review and session transition at commit', async () => {
	const listener = spawn('psql', ['-X', '-At', '-c', 'LISTEN hoop_mcp_reviews', '-c', 'LISTEN hoop_mcp_sessions',
		'-c', 'SELECT pg_sleep(4)'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	listener.stdout.on('data', (d) => { out += d; });
	const done = new Promise((r) => listener.on('close', r));
	await sleep(700);
	const { review_id: id } = await gatedExec('SELECT 4');
	await approve('dba', id);
	await callJson(c.req, 'reviews_execute', { id });
	const plain = await callJson(c.req, 'exec', { connection_name: SHOP_CONN, input: 'SELECT 5' });
	await done;
	const notes = [...out.matchAll(/Asynchronous notification "(hoop_mcp_\w+)" with payload "(.*)" received from server process/g)]
		.map((m) => ({ channel: m[1], ...JSON.parse(m[2]) }))
		.filter((n) => n.session_id === id);
	const seq = notes.map((n) => `${n.channel.replace('hoop_mcp_', '')}:${n.previous_status ?? '-'}>${n.status}`);
	assert.deepEqual(seq, [
		'sessions:->open', 'reviews:->PENDING',
		'reviews:PENDING>APPROVED', 'sessions:open>ready',
		'reviews:APPROVED>PROCESSING', 'sessions:ready>open',
		'sessions:open>done', 'reviews:PROCESSING>EXECUTED',
	], out);
	const plainSeq = [...out.matchAll(/Asynchronous notification "hoop_mcp_sessions" with payload "(.*)" received from server process/g)]
		.map((m) => JSON.parse(m[1])).filter((n) => n.id === plain.session_id)
		.map((n) => `${n.previous_status ?? '-'}>${n.status}`);
	assert.deepEqual(plainSeq, ['->open', 'open>done'], 'an ungated exec publishes its session too');
	// A session's payload may add what the policy said (policy.test.mjs).
	const policyKeys = ['action', 'guardrail', 'masked', 'risk_level'];
	for (const n of notes) {
		const keys = Object.keys(n).filter((k) => n.channel === 'hoop_mcp_reviews' || !policyKeys.includes(k));
		assert.deepEqual(keys.sort(), ['channel', 'id', 'previous_status', 'session_id', 'status']);
	}
	assert.deepEqual(notes.filter((n) => n.risk_level).map((n) => [n.status, n.risk_level, n.action]),
		[['open', 'low', 'allow_execution']], 'the gated exec\'s session carries its risk analysis');
});

test('every reviews_wait is audited once, when it answers', async () => {
	const { review_id: id } = await gatedExec('SELECT 5');
	const from = Number(psql('SELECT coalesce(max(id), 0) FROM hoop_mcp.security_audit_log'));
	const waiting = callJson(c.req, 'reviews_wait', { id, timeout_seconds: 30 });
	await sleep(300);
	assert.equal(Number(psql(`SELECT count(*) FROM hoop_mcp.security_audit_log WHERE id > ${from} AND tool_name = 'reviews_wait'`)), 0);
	await approve('dba', id);
	await waiting;
	const rows = sqlRows(`SELECT outcome FROM hoop_mcp.security_audit_log WHERE id > ${from} AND tool_name = 'reviews_wait'`);
	assert.equal(rows.length, 1);
	assert.equal(rows[0].outcome, true);
});

test('a client that hangs up while its reviews_wait streams heartbeats is dropped; the worker serves on', async () => {
	const workerPid = () => psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'hoop_mcp worker'");
	const pid = workerPid();
	const { review_id: id } = await gatedExec('SELECT 6');
	const s = await rawSession(keys.req);
	const ac = new AbortController();
	const r = await fetch(HOOP_URL, {
		method: 'POST', signal: ac.signal,
		headers: { ...JSON_HEADERS, Authorization: `Bearer ${keys.req}`, 'Mcp-Session-Id': s.session },
		body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call',
			params: { name: 'reviews_wait', arguments: { id, timeout_seconds: 30 }, _meta: { progressToken: 'gone' } } }),
	});
	assert.equal(r.headers.get('content-type'), 'text/event-stream');
	const reader = r.body.getReader();
	const first = new TextDecoder().decode((await reader.read()).value);
	assert.match(first, /notifications\/progress/, 'a heartbeat came first');
	ac.abort();
	await reader.read().catch(() => null);
	// The next heartbeat finds the connection closed, and the request ends
	// while it waits; then the decision wakes the waits that are left.
	await sleep(2500);
	await approve('dba', id);
	assert.equal((await s.rpc('ping')).status, 200);
	const ran = await callJson(c.req, 'reviews_execute', { id });
	assert.equal(ran.status, 'completed');
	assert.equal(workerPid(), pid, 'the worker did not restart');
	await s.close();
});
