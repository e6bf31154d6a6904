// Connection tools: connections_list (every filter), connections_get,
// connections_create, connections_update, connections_delete.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, connectClient, callJson, callText, callError, uniq, psql, lit, PGPORT,
} from './helpers.mjs';

let fx;
const clients = {};
let P; // unique prefix for this run's connections
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const NAME_RULE = 'name: it must contain between 3 and 254 alphanumeric characters, it may include (-), (_) or (.) characters';

before(async () => {
	fx = setupFixtures();
	for (const role of ['admin', 'auditor', 'alice', 'bob']) clients[role] = await connectClient(fx[role].key);
	P = uniq('cl');
	// Three connections with distinct type, subtype, agent and tags.
	await callJson(clients.admin, 'connections_create', {
		name: `${P}-alpha`, type: 'database', subtype: 'postgres', agent_id: 'agent-one',
		tags: { env: 'prod', team: 'core' },
	});
	await callJson(clients.admin, 'connections_create', {
		name: `${P}-beta`, type: 'application', subtype: 'tcp', agent_id: 'agent-two', tags: { env: 'dev', team: 'core' },
	});
	await callJson(clients.admin, 'connections_create', { name: `${P}-gamma`, type: 'custom', subtype: 'ssh' });
});
after(async () => { for (const c of Object.values(clients)) await c.close(); });

const names = (list) => list.map((c) => c.name);
const mine = (extra = {}) => ({ name: `${P}-%`, ...extra });

// ---------------------------------------------------------------------------
// connections_list
// ---------------------------------------------------------------------------

test('connections_list: every connection, ordered by name, without secrets', async () => {
	const all = await callJson(clients.alice, 'connections_list');
	assert.ok(names(all).includes('shop-pg'));
	assert.deepEqual(names(all), [...names(all)].sort());
	for (const c of all) {
		assert.equal(c.secrets, undefined, `${c.name}: no secrets in lists`);
		for (const k of ['id', 'name', 'type', 'subtype', 'agent_id', 'status', 'command']) assert.ok(k in c, `${c.name}.${k}`);
	}
	// Even an admin never gets secrets from the list.
	for (const c of await callJson(clients.admin, 'connections_list')) assert.equal(c.secrets, undefined);
});

test('connections_list: name is a raw LIKE pattern', async () => {
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine())), [`${P}-alpha`, `${P}-beta`, `${P}-gamma`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', { name: `${P}-alpha` })), [`${P}-alpha`]);
	// Without % it is an exact match: the prefix alone matches nothing.
	assert.deepEqual(await callJson(clients.alice, 'connections_list', { name: P }), []);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', { name: `${P}-_eta` })), [`${P}-beta`]);
});

test('connections_list: type, subtype and agent_id filters', async () => {
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ type: 'application' }))), [`${P}-beta`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ type: 'data%' }))), [`${P}-alpha`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ subtype: 'ssh' }))), [`${P}-gamma`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ agent_id: 'agent-two' }))), [`${P}-beta`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ agent_id: 'agent-%' }))), [`${P}-alpha`, `${P}-beta`]);
	assert.deepEqual(await callJson(clients.alice, 'connections_list', mine({ type: 'database', subtype: 'tcp' })), []);
});

test('connections_list: search is a case-insensitive substring over name, type, subtype, status', async () => {
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ search: 'GAMM' }))), [`${P}-gamma`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ search: 'Applic' }))), [`${P}-beta`]);
	assert.deepEqual(names(await callJson(clients.alice, 'connections_list', mine({ search: 'postgres' }))), [`${P}-alpha`]);
	assert.deepEqual(await callJson(clients.alice, 'connections_list', mine({ search: 'zzz-nothing' })), []);
});

test('connections_list: tag_selector key=value, key!=value, ANDed, blank segments skipped', async () => {
	const sel = async (tag_selector) => names(await callJson(clients.alice, 'connections_list', mine({ tag_selector })));
	assert.deepEqual(await sel('env=prod'), [`${P}-alpha`]);
	assert.deepEqual(await sel('team=core'), [`${P}-alpha`, `${P}-beta`]);
	assert.deepEqual(await sel('team=core,env!=prod'), [`${P}-beta`]);
	// != also matches connections that lack the key.
	assert.deepEqual(await sel('env!=prod'), [`${P}-beta`, `${P}-gamma`]);
	assert.deepEqual(await sel(' env = dev , , '), [`${P}-beta`]);
	assert.deepEqual(await sel('env=staging'), []);
	assert.deepEqual(await sel(''), [`${P}-alpha`, `${P}-beta`, `${P}-gamma`]);
});

test('connections_list: tag_selector errors', async () => {
	assert.equal(await callError(clients.alice, 'connections_list', { tag_selector: 'env' }),
		'invalid tag_selector segment "env": expected key=value or key!=value');
	assert.equal(await callError(clients.alice, 'connections_list', { tag_selector: 'team=core,=prod' }),
		'invalid tag_selector segment "=prod": empty key');
});

test('connections_list: deprecated tags (key or key=value, all must be present)', async () => {
	const t = async (tags) => names(await callJson(clients.alice, 'connections_list', mine({ tags })));
	assert.deepEqual(await t(['env']), [`${P}-alpha`, `${P}-beta`]);
	// key=value must not match connections that lack the key (gamma has no tags).
	assert.deepEqual(await t(['env=dev']), [`${P}-beta`]);
	assert.deepEqual(await t(['env', 'team=core']), [`${P}-alpha`, `${P}-beta`]);
	assert.deepEqual(await t(['missing']), []);
});

// ---------------------------------------------------------------------------
// connections_get
// ---------------------------------------------------------------------------

test('connections_get: admins get secrets, others do not; by name or id', async () => {
	const asAdmin = await callJson(clients.admin, 'connections_get', { name: 'shop-pg' });
	assert.deepEqual(asAdmin.secrets, {
		'envvar:HOST': b64('127.0.0.1'), 'envvar:PORT': b64(PGPORT), 'envvar:DB': b64('shop'),
		'envvar:USER': b64('postgres'), 'envvar:PASS': b64('postgres'),
	});
	assert.equal(asAdmin.type, 'database');
	assert.equal(asAdmin.subtype, 'postgres');
	for (const role of ['auditor', 'alice', 'bob']) {
		const c = await callJson(clients[role], 'connections_get', { name: 'shop-pg' });
		assert.equal(c.secrets, undefined, `${role} must not see secrets`);
		assert.equal(c.id, asAdmin.id);
	}
	const byId = await callJson(clients.alice, 'connections_get', { name: asAdmin.id });
	assert.equal(byId.name, 'shop-pg');
});

test('connections_get: unknown → "connection not found"; empty name → "name is required"', async () => {
	assert.equal(await callError(clients.alice, 'connections_get', { name: `${P}-nope` }), 'connection not found');
	assert.equal(await callError(clients.admin, 'connections_get', { name: '00000000-0000-0000-0000-000000000000' }), 'connection not found');
	assert.equal(await callError(clients.alice, 'connections_get', { name: '' }), 'name is required');
});

// ---------------------------------------------------------------------------
// connections_create
// ---------------------------------------------------------------------------

test('connections_create: admin only', async () => {
	for (const role of ['alice', 'auditor']) {
		assert.equal(await callError(clients[role], 'connections_create', { name: `${P}-denied`, type: 'database' }), 'admin access required');
	}
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.connections WHERE name = ${lit(`${P}-denied`)}`), '0');
});

test("connections_create: hoop's name rule", async () => {
	for (const bad of ['ab', 'bad name', 'semi;colon', '-leading', 'trailing-', 'double--dash', 'a/b/c', 'ünïcode', 'dot.-dash']) {
		assert.equal(await callError(clients.admin, 'connections_create', { name: bad, type: 'database' }), NAME_RULE, `name ${bad}`);
	}
	for (const good of [`${P}.dotted`, `${P}_under`]) {
		const c = await callJson(clients.admin, 'connections_create', { name: good, type: 'custom' });
		assert.equal(c.name, good);
	}
});

test('connections_create: field checks', async () => {
	assert.equal(await callError(clients.admin, 'connections_create', { name: `${P}-t1`, type: 'mainframe' }),
		'type must be one of database, application or custom');
	assert.equal(await callError(clients.admin, 'connections_create', { name: `${P}-t2`, type: 'database', access_mode_exec: 'sometimes' }),
		'access_mode_exec must be "enabled" or "disabled"');
	assert.equal(await callError(clients.admin, 'connections_create', { name: `${P}-t3`, type: 'database', secrets: { 'envvar:PASS': 'not base64!!' } }),
		'secrets: value of "envvar:PASS" is not valid base64');
	assert.match(await callError(clients.admin, 'connections_create', { name: `${P}-t4` }), /^validating "arguments": .*missing properties: \["type"\]/);
});

test('connections_create: full record, default postgres command, secrets stored but not echoed', async () => {
	const name = `${P}-full`;
	const guard = await callJson(clients.admin, 'guardrails_create', {
		name: `${P}-g1`, input: { rules: [{ type: 'deny_words_list', words: ['never-typed-here'] }] },
	});
	const secrets = {
		'envvar:HOST': b64('127.0.0.1'), 'envvar:PORT': b64(PGPORT), 'envvar:USER': b64('postgres'),
		'envvar:PASS': b64('postgres'), 'envvar:DB': b64('shop'),
	};
	const created = await callJson(clients.admin, 'connections_create', {
		name, type: 'database', subtype: 'postgres', secrets, tags: { env: 'qa' },
		access_mode_runbooks: 'disabled', reviewers: ['dba'], redact_types: ['EMAIL_ADDRESS'],
		guardrail_rules: [`${P}-g1`], mandatory_metadata_fields: ['ticket'],
	});
	assert.match(created.id, /^[0-9a-f-]{36}$/);
	assert.equal(created.secrets, undefined, 'create does not echo secrets');
	assert.deepEqual(created.command, ['psql', '-v', 'ON_ERROR_STOP=1', '-A', '-F\t', '-P', 'pager=off',
		'-h', '$HOST', '-U', '$USER', '--port=$PORT', '$DB']);
	assert.deepEqual(created.tags, { env: 'qa' });
	assert.equal(created.access_mode_runbooks, 'disabled');
	assert.equal(created.access_mode_exec, 'enabled');
	assert.deepEqual(created.reviewers, ['dba']);
	assert.equal(created.redact_enabled, true);
	assert.deepEqual(created.redact_types, ['EMAIL_ADDRESS']);
	assert.deepEqual(created.guardrail_rules, [guard.id], 'named by name, shown by id');
	const got = await callJson(clients.admin, 'connections_get', { name });
	assert.deepEqual(got.secrets, secrets);
	// The secrets are what exec connects with.
	const run = await callJson(clients.admin, 'exec', { connection_name: name, input: 'SELECT current_database();', metadata: { ticket: 'T-1' } });
	assert.equal(run.status, 'completed', run.output);
	assert.equal(run.output, 'current_database\nshop\n(1 row)\n');
});

test('connections_create: duplicate → "connection already exists"', async () => {
	assert.equal(await callError(clients.admin, 'connections_create', { name: `${P}-alpha`, type: 'database' }), 'connection already exists');
	assert.equal(await callError(clients.admin, 'connections_create', { name: 'shop-pg', type: 'custom' }), 'connection already exists');
});

test('connections_create: an explicit command is kept', async () => {
	const c = await callJson(clients.admin, 'connections_create', {
		name: `${P}-cmd`, type: 'custom', command: ['bash', '-c', 'echo hi'],
	});
	assert.deepEqual(c.command, ['bash', '-c', 'echo hi']);
});

// ---------------------------------------------------------------------------
// connections_update
// ---------------------------------------------------------------------------

test('connections_update: partial update keeps what is not given', async () => {
	const name = `${P}-upd`;
	const before = await callJson(clients.admin, 'connections_create', {
		name, type: 'database', subtype: 'postgres', agent_id: 'agent-x', tags: { a: '1', b: '2' },
		secrets: { 'envvar:HOST': b64('h1'), 'envvar:PASS': b64('p1') }, reviewers: ['r1', 'r2'],
	});
	// Only tags given: everything else stays; tags are replaced whole.
	const u1 = await callJson(clients.admin, 'connections_update', { name, tags: { c: '3' } });
	assert.deepEqual(u1.tags, { c: '3' });
	for (const k of ['id', 'type', 'subtype', 'agent_id', 'command', 'access_mode_exec', 'reviewers']) {
		assert.deepEqual(u1[k], before[k], `${k} unchanged`);
	}
	// Empty strings keep the value (hoop's partial update) ...
	const u2 = await callJson(clients.admin, 'connections_update', { name, type: '', subtype: '', access_mode_exec: '' });
	assert.equal(u2.type, 'database');
	assert.equal(u2.subtype, 'postgres');
	assert.equal(u2.access_mode_exec, 'enabled');
	// ... except agent_id, which an empty string clears.
	const u3 = await callJson(clients.admin, 'connections_update', { name, agent_id: '' });
	assert.equal(u3.agent_id, '');
	// Lists replace the stored list whole.
	const u4 = await callJson(clients.admin, 'connections_update', { name, reviewers: ['r9'], access_mode_exec: 'disabled', subtype: 'mysql' });
	assert.deepEqual(u4.reviewers, ['r9']);
	assert.equal(u4.access_mode_exec, 'disabled');
	assert.equal(u4.subtype, 'mysql');
	assert.deepEqual(u4.tags, { c: '3' });
	// Secrets: unchanged when absent, replaced whole when given.
	assert.deepEqual((await callJson(clients.admin, 'connections_get', { name })).secrets,
		{ 'envvar:HOST': b64('h1'), 'envvar:PASS': b64('p1') });
	const u5 = await callJson(clients.admin, 'connections_update', { name, secrets: { 'envvar:DB': b64('d2') } });
	assert.equal(u5.secrets, undefined, 'update does not echo secrets');
	assert.deepEqual((await callJson(clients.admin, 'connections_get', { name })).secrets, { 'envvar:DB': b64('d2') });
	// An empty tags map clears the tags.
	const u6 = await callJson(clients.admin, 'connections_update', { name, tags: {} });
	assert.equal(u6.tags, undefined);
});

test('connections_update: errors', async () => {
	assert.equal(await callError(clients.admin, 'connections_update', { name: `${P}-missing`, tags: {} }), 'connection not found');
	assert.equal(await callError(clients.alice, 'connections_update', { name: `${P}-alpha`, tags: {} }), 'admin access required');
	assert.equal(await callError(clients.auditor, 'connections_update', { name: `${P}-alpha`, tags: {} }), 'admin access required');
	assert.equal(await callError(clients.admin, 'connections_update', { name: `${P}-alpha`, type: 'nope' }),
		'type must be one of database, application or custom');
	assert.equal(await callError(clients.admin, 'connections_update', { name: `${P}-alpha`, access_mode_connect: 'off' }),
		'access_mode_connect must be "enabled" or "disabled"');
	// Nothing changed by the refused calls.
	const c = await callJson(clients.admin, 'connections_get', { name: `${P}-alpha` });
	assert.deepEqual(c.tags, { env: 'prod', team: 'core' });
	assert.equal(c.type, 'database');
});

test('connections_update: a connection managed elsewhere cannot be updated', async () => {
	const name = `${P}-managed`;
	await callJson(clients.admin, 'connections_create', { name, type: 'custom' });
	psql(`UPDATE hoop_mcp.connections SET managed_by = 'terraform' WHERE name = ${lit(name)}`);
	assert.equal(await callError(clients.admin, 'connections_update', { name, tags: { a: 'b' } }),
		'connection is managed by "terraform" and cannot be updated via MCP');
});

// ---------------------------------------------------------------------------
// connections_delete
// ---------------------------------------------------------------------------

test('connections_delete: admin only, plain-text confirmation, then gone', async () => {
	const name = `${P}-del`;
	await callJson(clients.admin, 'connections_create', { name, type: 'custom', secrets: { 'envvar:X': b64('y') } });
	assert.equal(await callError(clients.alice, 'connections_delete', { name }), 'admin access required');
	assert.equal(await callError(clients.auditor, 'connections_delete', { name }), 'admin access required');
	assert.equal(await callText(clients.admin, 'connections_delete', { name }), `connection "${name}" deleted successfully`);
	assert.equal(await callError(clients.admin, 'connections_get', { name }), 'connection not found');
	assert.equal(await callError(clients.admin, 'connections_delete', { name }), 'connection not found');
	// Its secrets went with it.
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.connection_secrets s
	                    WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.connections c WHERE c.id = s.connection_id)`), '0');
});
