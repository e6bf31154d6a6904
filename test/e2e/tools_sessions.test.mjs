// Session tools: sessions_list (paging, filters, visibility, errors),
// sessions_get and sessions_get_content (owner, admin, auditor only).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, connectClient, callJson, callText, callError, uniq, ensureConnection, psql, lit,
} from './helpers.mjs';

const DENIED = 'access denied: you can only view your own sessions or must be admin/auditor';

let fx;
const clients = {};
let CONN;          // a connection only this file uses, so its sessions are ours alone
const alices = []; // alice's session ids, oldest first
let bobs;

before(async () => {
	fx = setupFixtures();
	for (const role of ['admin', 'auditor', 'alice', 'bob']) clients[role] = await connectClient(fx[role].key);
	CONN = uniq('ss');
	ensureConnection(CONN);
	for (let i = 0; i < 5; i++) {
		const r = await callJson(clients.alice, 'exec', { connection_name: CONN, input: `select ${i} as i` });
		alices.push(r.session_id);
	}
	bobs = (await callJson(clients.bob, 'exec', { connection_name: CONN, input: 'select 1/0' })).session_id;
});
after(async () => { for (const c of Object.values(clients)) await c.close(); });

const list = (role, args = {}) => callJson(clients[role], 'sessions_list', { connection: CONN, ...args });
const ids = (page) => page.items.map((s) => s.id);

test('sessions_list: newest first, hoop session map, total and has_next_page', async () => {
	const page = await list('alice');
	assert.deepEqual(Object.keys(page).sort(), ['has_next_page', 'items', 'total', 'total_is_capped']);
	assert.equal(page.total, 5);
	assert.equal(page.total_is_capped, false);
	assert.equal(page.has_next_page, false);
	assert.deepEqual(ids(page), [...alices].reverse());
	const s = page.items[0];
	assert.equal(s.connection, CONN);
	assert.equal(s.user_email, fx.alice.email);
	assert.equal(s.user_id, fx.alice.subject);
	assert.equal(s.user_name, 'Alice');
	assert.equal(s.status, 'done');
	assert.equal(s.verb, 'exec');
	assert.equal(s.exit_code, 0);
	assert.equal(s.connection_type, 'database');
	assert.equal(s.connection_subtype, 'postgres');
	assert.ok(!Number.isNaN(Date.parse(s.created_at)));
	assert.ok(!Number.isNaN(Date.parse(s.ended_at)));
	assert.equal(s.input, undefined, 'list items carry no content');
	assert.equal(s.output, undefined, 'list items carry no content');
});

test('sessions_list: paging with limit and offset', async () => {
	const newestFirst = [...alices].reverse();
	const p1 = await list('alice', { limit: 2 });
	assert.deepEqual(ids(p1), newestFirst.slice(0, 2));
	assert.equal(p1.has_next_page, true);
	assert.equal(p1.total, 5);
	const p2 = await list('alice', { limit: 2, offset: 2 });
	assert.deepEqual(ids(p2), newestFirst.slice(2, 4));
	assert.equal(p2.has_next_page, true);
	const p3 = await list('alice', { limit: 2, offset: 4 });
	assert.deepEqual(ids(p3), newestFirst.slice(4));
	assert.equal(p3.has_next_page, false);
	const past = await list('alice', { limit: 2, offset: 10 });
	assert.deepEqual(past.items, []);
	assert.equal(past.total, 5);
	// limit 0 means the default (20); above 100 is capped, not an error.
	assert.equal((await list('alice', { limit: 0 })).items.length, 5);
	assert.equal((await list('alice', { limit: 1000 })).items.length, 5);
	assert.equal((await list('alice', { offset: 10000 })).items.length, 0);
});

test('sessions_list: limit and offset errors', async () => {
	assert.equal(await callError(clients.alice, 'sessions_list', { limit: -1 }), 'invalid limit, must be at least 1');
	assert.equal(await callError(clients.alice, 'sessions_list', { offset: -1 }), 'invalid offset, must not be negative');
	assert.equal(await callError(clients.alice, 'sessions_list', { offset: 10001 }),
		'invalid offset, must not be greater than 10000; narrow the filters instead of paginating deeper');
});

test('sessions_list: a plain user sees only their own sessions; admin and auditor see everyone', async () => {
	assert.deepEqual(ids(await list('bob')), [bobs]);
	assert.ok(!ids(await list('alice')).includes(bobs));
	for (const role of ['admin', 'auditor']) {
		const all = await list(role);
		assert.equal(all.total, 6, role);
		assert.deepEqual(ids(all), [bobs, ...[...alices].reverse()], role);
	}
	// Filtering by another user does not widen a plain user's view.
	assert.deepEqual((await list('bob', { user: fx.alice.email })).items, []);
});

test('sessions_list: user, type and date filters', async () => {
	assert.deepEqual(ids(await list('admin', { user: fx.bob.email })), [bobs]);
	assert.deepEqual(ids(await list('admin', { user: fx.bob.subject })), [bobs]);
	assert.deepEqual(ids(await list('admin', { user: 'E2E-BOB@%' })), [bobs], 'email pattern is case-insensitive');
	assert.equal((await list('admin', { type: 'database' })).total, 6);
	assert.equal((await list('admin', { type: 'application' })).total, 0);
	assert.equal((await list('admin', { start_date: '2000-01-01T00:00:00Z' })).total, 6);
	assert.equal((await list('admin', { start_date: '2000-01-01T00:00:00+02:00', end_date: '2001-01-01T00:00:00Z' })).total, 0);
	assert.equal((await list('admin', { start_date: '2999-01-01T00:00:00.5Z' })).total, 0);
	// Between the third and fourth of alice's sessions.
	const cut = psql(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM hoop_mcp.sessions WHERE id = ${lit(alices[3])}`);
	const since = await list('admin', { start_date: cut });
	assert.deepEqual(ids(since), [bobs, alices[4], alices[3]]);
	const until = await list('admin', { start_date: '2000-01-01T00:00:00Z', end_date: cut });
	assert.deepEqual(ids(until), [alices[3], alices[2], alices[1], alices[0]]);
});

test('sessions_list: date errors', async () => {
	for (const bad of ['yesterday', '2024-01-01', '2024-01-01 00:00:00', '2024-13-01T00:00:00Z', '2024-01-01T00:00:00']) {
		assert.equal(await callError(clients.alice, 'sessions_list', { start_date: bad }),
			'invalid start_date format, expected RFC3339 (e.g. 2024-01-01T00:00:00Z)', bad);
	}
	assert.equal(await callError(clients.alice, 'sessions_list', { start_date: '2024-01-01T00:00:00Z', end_date: 'tomorrow' }),
		'invalid end_date format, expected RFC3339 (e.g. 2024-01-01T00:00:00Z)');
});

test('sessions_get: owner, admin and auditor allowed; another user denied', async () => {
	const id = alices[2];
	for (const role of ['alice', 'admin', 'auditor']) {
		const s = await callJson(clients[role], 'sessions_get', { id });
		assert.equal(s.id, id, role);
		assert.equal(s.user_email, fx.alice.email);
		assert.equal(s.exit_code, 0);
		assert.equal(s.status, 'done');
		assert.equal(s.input, undefined, 'metadata only');
	}
	assert.equal(await callError(clients.bob, 'sessions_get', { id }), DENIED);
	assert.equal(await callError(clients.alice, 'sessions_get', { id: bobs }), DENIED);
	// Ids are case-insensitive UUIDs.
	assert.equal((await callJson(clients.alice, 'sessions_get', { id: id.toUpperCase() })).id, id);
});

test('sessions_get: unknown or empty id', async () => {
	assert.equal(await callError(clients.alice, 'sessions_get', { id: '00000000-0000-0000-0000-000000000000' }), 'session not found');
	assert.equal(await callError(clients.alice, 'sessions_get', { id: 'not-a-uuid' }), 'session not found');
	assert.equal(await callError(clients.alice, 'sessions_get', { id: '' }), 'id is required');
});

test('sessions_get_content: input and output, each optional; same access rule', async () => {
	const id = alices[1];
	for (const role of ['alice', 'admin', 'auditor']) {
		const c = await callJson(clients[role], 'sessions_get_content', { id });
		assert.equal(c.id, id);
		assert.equal(c.input, 'select 1 as i');
		assert.equal(c.output, 'i\n1\n(1 row)\n');
		assert.equal(c.exit_code, 0);
		assert.equal(c.connection, CONN);
	}
	const noInput = await callJson(clients.alice, 'sessions_get_content', { id, include_input: false });
	assert.equal(noInput.input, undefined);
	assert.equal(noInput.output, 'i\n1\n(1 row)\n');
	const noOutput = await callJson(clients.alice, 'sessions_get_content', { id, include_output: false, include_input: null });
	assert.equal(noOutput.output, undefined);
	assert.equal(noOutput.input, 'select 1 as i');
	assert.equal(await callError(clients.bob, 'sessions_get_content', { id }), DENIED);
	const failed = await callJson(clients.bob, 'sessions_get_content', { id: bobs });
	assert.equal(failed.exit_code, 3);
	assert.match(failed.output, /division by zero/);
	assert.equal(await callError(clients.alice, 'sessions_get_content', { id: '00000000-0000-0000-0000-000000000000' }), 'session not found');
});

test('sessions outlive their connection', async () => {
	const name = `${CONN}-gone`;
	ensureConnection(name);
	const r = await callJson(clients.alice, 'exec', { connection_name: name, input: 'select 1 as kept' });
	assert.equal(await callText(clients.admin, 'connections_delete', { name }), `connection "${name}" deleted successfully`);
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.connections WHERE name = ${lit(name)}`), '0');
	const s = await callJson(clients.alice, 'sessions_get', { id: r.session_id });
	assert.equal(s.connection, name);
	const c = await callJson(clients.alice, 'sessions_get_content', { id: r.session_id });
	assert.equal(c.output, 'kept\n1\n(1 row)\n');
	assert.deepEqual((await list('alice', { connection: name })).items.map((x) => x.id), [r.session_id]);
});
