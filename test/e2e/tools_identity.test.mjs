// Identity and directory tools: me_get, serverinfo_get, users_list,
// users_get, usergroups_list.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupFixtures, connectClient, callJson, callError, psql } from './helpers.mjs';

let fx;
const clients = {};
before(async () => {
	fx = setupFixtures();
	for (const role of ['admin', 'auditor', 'alice', 'bob']) clients[role] = await connectClient(fx[role].key);
});
after(async () => { for (const c of Object.values(clients)) await c.close(); });


test('me_get: the calling user, their groups and roles', async () => {
	const me = await callJson(clients.alice, 'me_get');
	const org = psql('SELECT id FROM hoop_mcp.org');
	assert.deepEqual(me, {
		user_id: fx.alice.subject,
		user_email: fx.alice.email,
		user_name: 'Alice',
		org_id: org,
		org_name: 'default',
		groups: ['eng'],
		is_admin: false,
		is_auditor: false,
		user_status: 'active',
	});
	const admin = await callJson(clients.admin, 'me_get');
	assert.equal(admin.user_email, fx.admin.email);
	assert.equal(admin.is_admin, true);
	assert.equal(admin.is_auditor, false);
	const auditor = await callJson(clients.auditor, 'me_get');
	assert.equal(auditor.is_admin, false);
	assert.equal(auditor.is_auditor, true);
	assert.deepEqual(auditor.groups, ['auditor']);
});

test('me_get: groups is [] (never null) for a user without groups', async () => {
	const email = 'e2e-nogroups@example.com';
	psql(`SELECT hoop_mcp.create_user('${email}') WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE email = '${email}')`);
	const key = psql(`SELECT hoop_mcp.create_api_key('${email}')`);
	const c = await connectClient(key);
	try {
		const me = await callJson(c, 'me_get');
		assert.deepEqual(me.groups, []);
		assert.equal(me.user_name, 'e2e-nogroups', 'name defaults to the local part of the email');
	} finally { await c.close(); }
});

test('serverinfo_get: version, auth method and OSS licence defaults', async () => {
	const info = await callJson(clients.alice, 'serverinfo_get');
	assert.equal(info.version, psql("SELECT extversion FROM pg_extension WHERE extname = 'hoop_mcp'"));
	assert.equal(info.auth_method, 'local');
	assert.equal(info.tenancy_type, 'selfhosted');
	assert.equal(typeof info.api_url, 'string');
	assert.equal(info.license_info.type, 'oss');
	assert.equal(info.license_info.is_valid, true);
	assert.deepEqual(info.license_info.allowed_hosts, ['*']);
	// expire_at is about ten years from now (epoch seconds).
	const years = (info.license_info.expire_at - Date.now() / 1000) / (365.25 * 86400);
	assert.ok(years > 9.9 && years < 10.1, `expire_at ${info.license_info.expire_at}`);
});

test('users_list: admin and auditor see every user with hoop fields; a plain user is denied', async () => {
	for (const role of ['admin', 'auditor']) {
		const users = await callJson(clients[role], 'users_list');
		assert.ok(Array.isArray(users));
		const emails = users.map((u) => u.email);
		assert.deepEqual(emails, [...emails].sort(), 'ordered by email');
		for (const r of ['admin', 'auditor', 'alice', 'bob']) assert.ok(emails.includes(fx[r].email), `${role} sees ${r}`);
		const bob = users.find((u) => u.email === fx.bob.email);
		assert.deepEqual(bob, {
			id: fx.bob.subject, email: fx.bob.email, name: 'Bob', status: 'active', verified: true, groups: ['sales'],
		});
		for (const u of users) {
			assert.equal(u.key_hash, undefined);
			assert.equal(u.pg_role, undefined);
		}
	}
	assert.equal(await callError(clients.alice, 'users_list'), 'admin or auditor access required');
});

test('users_get: admin and auditor allowed (email case-insensitive); unknown → "user not found"; plain user denied', async () => {
	for (const role of ['admin', 'auditor']) {
		const u = await callJson(clients[role], 'users_get', { email: fx.alice.email.toUpperCase() });
		assert.equal(u.email, fx.alice.email);
		assert.equal(u.id, fx.alice.subject);
		assert.deepEqual(u.groups, ['eng']);
	}
	assert.equal(await callError(clients.admin, 'users_get', { email: 'nobody@example.com' }), 'user not found');
	assert.equal(await callError(clients.admin, 'users_get', { email: '' }), 'email is required');
	assert.equal(await callError(clients.alice, 'users_get', { email: fx.bob.email }), 'admin or auditor access required');
	assert.equal(await callError(clients.bob, 'users_get', { email: fx.bob.email }), 'admin or auditor access required');
});

test('usergroups_list: any user; sorted distinct names, including groups without members', async () => {
	psql("INSERT INTO hoop_mcp.groups (name) VALUES ('e2e-empty-group') ON CONFLICT DO NOTHING");
	const groups = await callJson(clients.bob, 'usergroups_list');
	assert.ok(Array.isArray(groups));
	for (const g of ['admin', 'auditor', 'eng', 'sales', 'e2e-empty-group']) assert.ok(groups.includes(g), g);
	assert.deepEqual(groups, [...new Set(groups)].sort());
	assert.deepEqual(groups, JSON.parse(psql("SELECT json_agg(name ORDER BY name) FROM hoop_mcp.groups")));
});
