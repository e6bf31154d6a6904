// Access control tools (access_control_set/unset/get/list) and how a binding
// changes what non-admin users can see and use.
//
// The access_control plugin is global: once any binding exists, non-admin
// users see only connections bound to one of their groups.  This file starts
// from no plugin and removes it again at the end, so the other files (which
// rely on plain users seeing shop-pg) are unaffected.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, connectClient, callJson, callText, callError, uniq, psql, ensureConnection,
} from './helpers.mjs';

let fx;
const clients = {};
let X; let Y;

function resetPlugin() {
	psql('DELETE FROM hoop_mcp.access_control');
	psql('DELETE FROM hoop_mcp.plugins');
}

before(async () => {
	fx = setupFixtures();
	resetPlugin();
	for (const role of ['admin', 'auditor', 'alice', 'bob']) clients[role] = await connectClient(fx[role].key);
	const p = uniq('ac');
	X = `${p}-x`;
	Y = `${p}-y`;
	ensureConnection(X);
	ensureConnection(Y);
});
after(async () => {
	resetPlugin();
	for (const c of Object.values(clients)) await c.close();
});

const visible = async (role) => (await callJson(clients[role], 'connections_list', { name: `${X.slice(0, -2)}-%` })).map((c) => c.name);

test('without any binding every user sees every connection', async () => {
	for (const role of ['admin', 'auditor', 'alice', 'bob']) assert.deepEqual(await visible(role), [X, Y], role);
	assert.deepEqual(await callJson(clients.admin, 'access_control_list'), []);
	const g = await callJson(clients.admin, 'access_control_get', { connection_name: X });
	assert.deepEqual(g.allowed_groups, []);
	assert.equal(g.connection_name, X);
	assert.equal(g.note, 'no access_control binding — connection is visible to all users');
});

test('the four tools are admin only (auditors too are refused)', async () => {
	for (const role of ['alice', 'bob', 'auditor']) {
		const c = clients[role];
		assert.equal(await callError(c, 'access_control_set', { connection_name: X, groups: ['eng'] }), 'admin access required', role);
		assert.equal(await callError(c, 'access_control_get', { connection_name: X }), 'admin access required', role);
		assert.equal(await callError(c, 'access_control_list'), 'admin access required', role);
		assert.equal(await callError(c, 'access_control_unset', { connection_name: X }), 'admin access required', role);
	}
	assert.equal(psql("SELECT count(*) FROM hoop_mcp.plugins"), '0', 'refused calls created nothing');
});

test('a binding restricts plain users to bound connections; admins and auditors still see all', async () => {
	const id = psql(`SELECT id FROM hoop_mcp.connections WHERE name = '${X}'`);
	const set = await callJson(clients.admin, 'access_control_set', { connection_name: X, groups: ['eng'] });
	assert.deepEqual(set, { connection_name: X, connection_id: id, allowed_groups: ['eng'] });

	assert.deepEqual(await visible('alice'), [X]);   // eng: bound to X only
	assert.deepEqual(await visible('bob'), []);      // sales: nothing bound
	assert.deepEqual(await visible('admin'), [X, Y]);
	assert.deepEqual(await visible('auditor'), [X, Y]);

	// Hidden connections are "not found", not "forbidden".
	assert.equal(await callError(clients.alice, 'connections_get', { name: Y }), 'connection not found');
	assert.equal(await callError(clients.bob, 'connections_get', { name: X }), 'connection not found');

	// Unbound connections are now for admins and auditors only, and get says so.
	const g = await callJson(clients.admin, 'access_control_get', { connection_name: Y });
	assert.deepEqual(g.allowed_groups, []);
	assert.equal(g.note, 'no access_control binding — connection is visible to admins and auditors only');
	assert.deepEqual(await callJson(clients.admin, 'access_control_list'), [{ connection_id: id, connection_name: X, allowed_groups: ['eng'] }]);
});

test('with a binding: exec and schema tools on a hidden connection answer "not found or not accessible"', async () => {
	// (The binding from the previous test: X for eng; Y unbound.)
	for (const [role, name] of [['bob', X], ['bob', Y], ['alice', Y]]) {
		assert.equal(await callError(clients[role], 'exec', { connection_name: name, input: 'select 1' }),
			`connection "${name}" not found or not accessible`, `${role} exec ${name}`);
		assert.equal(await callError(clients[role], 'connection_databases', { connection_name: name }),
			`connection "${name}" not found or not accessible`, `${role} connection_databases ${name}`);
	}
});

test('with a binding: a user of a bound group can exec and list schema; admins and auditors any connection', async () => {
	const run = await callJson(clients.alice, 'exec', { connection_name: X, input: 'select 7 as n' });
	assert.equal(run.output, 'n\n7\n(1 row)\n');
	const dbs = await callJson(clients.alice, 'connection_databases', { connection_name: X });
	assert.match(dbs.output, /\nshop\n/);
	for (const role of ['admin', 'auditor']) {
		const r = await callJson(clients[role], 'exec', { connection_name: Y, input: 'select 8 as n' });
		assert.equal(r.output, 'n\n8\n(1 row)\n', role);
	}
});

test('access_control_set replaces the list (deduplicated, blanks dropped) and creates new groups', async () => {
	const set = await callJson(clients.admin, 'access_control_set', { connection_name: X, groups: ['sales', 'sales', '', 'e2e-new-group'] });
	assert.deepEqual(set.allowed_groups, ['e2e-new-group', 'sales']);
	assert.deepEqual(await visible('bob'), [X]);
	assert.deepEqual(await visible('alice'), []);
	assert.ok((await callJson(clients.alice, 'usergroups_list')).includes('e2e-new-group'));
	const got = await callJson(clients.admin, 'access_control_get', { connection_name: X });
	assert.deepEqual(got.allowed_groups, ['e2e-new-group', 'sales']);
	assert.equal(got.note, undefined);
});

test('access_control_set errors', async () => {
	assert.equal(await callError(clients.admin, 'access_control_set', { connection_name: X, groups: [] }),
		'groups must contain at least one user group; use access_control_unset to remove the binding');
	assert.equal(await callError(clients.admin, 'access_control_set', { connection_name: X, groups: ['', ''] }),
		'groups must contain at least one user group; use access_control_unset to remove the binding');
	assert.equal(await callError(clients.admin, 'access_control_set', { connection_name: 'ac-none-such', groups: ['eng'] }),
		'connection "ac-none-such" not found');
	assert.equal(await callError(clients.admin, 'access_control_set', { connection_name: '', groups: ['eng'] }),
		'connection_name is required');
	assert.match(await callError(clients.admin, 'access_control_set', { connection_name: X }), /^validating "arguments": .*\["groups"\]/);
	// The binding from the previous test is intact.
	assert.deepEqual((await callJson(clients.admin, 'access_control_get', { connection_name: X })).allowed_groups, ['e2e-new-group', 'sales']);
});

test('access_control_unset removes the binding; unsetting again is an error', async () => {
	assert.equal(await callText(clients.admin, 'access_control_unset', { connection_name: X }),
		`access_control binding removed from connection "${X}"`);
	assert.equal(await callError(clients.admin, 'access_control_unset', { connection_name: X }),
		`connection "${X}" has no access_control binding`);
	assert.equal(await callError(clients.admin, 'access_control_unset', { connection_name: 'ac-none-such' }),
		'connection "ac-none-such" not found');
	assert.deepEqual(await callJson(clients.admin, 'access_control_list'), []);
	// The plugin stays on: with no bindings left, plain users see nothing.
	assert.deepEqual(await visible('bob'), []);
	assert.deepEqual(await visible('admin'), [X, Y]);
});

test('a deleted connection takes its binding with it', async () => {
	const z = `${X.slice(0, -2)}-z`;
	ensureConnection(z);
	await callJson(clients.admin, 'access_control_set', { connection_name: z, groups: ['eng'] });
	assert.equal((await callJson(clients.admin, 'access_control_list')).length, 1);
	await callText(clients.admin, 'connections_delete', { name: z });
	assert.deepEqual(await callJson(clients.admin, 'access_control_list'), []);
});
