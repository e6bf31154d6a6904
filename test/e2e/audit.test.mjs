// The audit trail: one hoop_mcp.security_audit_log row per POST/DELETE
// (secrets redacted, failures included), one hoop_mcp.sessions row per
// exec, and both tables append-only even for a superuser.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, rawSession, post, initializeBody, auditMark, auditRowsSince, psql, psqlTry, lit, sqlRows,
	uniq, SHOP_CONN, nextId,
} from './helpers.mjs';

let fx;
before(() => { fx = setupFixtures(); });

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

test('every POST and DELETE of a session writes one row: actor, status, outcome, method, tool', async () => {
	const s = await rawSession(fx.alice.key);
	await s.tool('me_get');
	const failed = await s.tool('connections_get', { name: 'audit-no-such-connection' });
	assert.equal(failed.isError, true);
	await s.rpc('no/such/method');
	assert.equal((await s.close()).status, 204);

	const rows = auditRowsSince(0, `mcp_session_id = ${lit(s.session)}`);
	assert.deepEqual(rows.map((r) => [r.http_method, r.rpc_method, r.tool_name, r.http_status, r.outcome]), [
		['POST', 'initialize', null, 200, true],
		['POST', 'notifications/initialized', null, 202, true],
		['POST', 'tools/call', 'me_get', 200, true],
		['POST', 'tools/call', 'connections_get', 200, false],
		['POST', 'no/such/method', null, 200, false],
		['DELETE', null, null, 204, true],
	]);
	for (const r of rows) {
		assert.equal(r.actor_subject, fx.alice.subject);
		assert.equal(r.actor_email, fx.alice.email);
		assert.equal(r.actor_name, 'Alice');
		assert.equal(r.http_path, '/api/mcp');
		assert.equal(r.resource_type, 'mcp');
		assert.equal(r.client_ip, '127.0.0.1');
		assert.equal(r.action, r.http_method === 'DELETE' ? 'delete' : 'create');
	}
	assert.equal(rows[3].error_message, 'connection not found');
	assert.match(rows[4].error_message, /no\/such\/method/);
	assert.equal(rows[0].error_message, null);
	// The body is kept (parsed) for requests that have one.
	assert.equal(rows[2].request_payload_redacted.params.name, 'me_get');
	assert.equal(rows[5].request_payload_redacted, null);
});

test('secrets in a request body are stored as [REDACTED]', async () => {
	const s = await rawSession(fx.admin.key);
	const name = uniq('audit');
	const secret = 'sup3r-s3cret-pa55';
	const r = await s.tool('connections_create', {
		name, type: 'database', subtype: 'postgres',
		secrets: { 'envvar:PASS': b64(secret), 'envvar:HOST': b64('db.internal') },
		tags: { owner: 'audit-test' },
	});
	assert.equal(r.isError, undefined, JSON.stringify(r));
	const [row] = auditRowsSince(0, `mcp_session_id = ${lit(s.session)} AND tool_name = 'connections_create'`);
	assert.equal(row.outcome, true);
	const args = row.request_payload_redacted.params.arguments;
	assert.equal(args.secrets, '[REDACTED]');
	assert.equal(args.name, name, 'other arguments are kept');
	assert.deepEqual(args.tags, { owner: 'audit-test' });
	const raw = psql(`SELECT request_payload_redacted::text FROM hoop_mcp.security_audit_log WHERE id = ${row.id}`);
	assert.ok(!raw.includes(b64(secret)) && !raw.includes(secret), raw);
	assert.ok(!raw.includes(b64('db.internal')), raw);
});

test('secret-like keys are redacted at any depth (exec metadata, env_vars)', async () => {
	const s = await rawSession(fx.alice.key);
	await s.tool('exec', {
		connection_name: SHOP_CONN, input: 'select 1',
		env_vars: { PGOPTIONS: 'x' },
		metadata: {
			ticket: 'T-1', deep: { password: 'hunter2', api_key: 'k-123', token: 't-456' },
			list: [{ Password: 'p-789' }, { x: { ACCESS_TOKEN: 'a-000' } }], Authorization: 'Bearer b-111', keys: 'not-secret',
		},
	});
	const [row] = auditRowsSince(0, `mcp_session_id = ${lit(s.session)} AND tool_name = 'exec'`);
	const args = row.request_payload_redacted.params.arguments;
	assert.equal(args.env_vars, '[REDACTED]');
	assert.equal(args.metadata.ticket, 'T-1');
	assert.equal(args.metadata.deep.password, '[REDACTED]');
	assert.equal(args.metadata.deep.api_key, '[REDACTED]');
	assert.equal(args.metadata.deep.token, '[REDACTED]');
	assert.equal(args.metadata.list[0].Password, '[REDACTED]', 'keys match case-insensitively, inside arrays too');
	assert.equal(args.metadata.list[1].x.ACCESS_TOKEN, '[REDACTED]');
	assert.equal(args.metadata.Authorization, '[REDACTED]');
	assert.equal(args.metadata.keys, 'not-secret', 'only whole key names match');
	const raw = JSON.stringify(row.request_payload_redacted);
	for (const v of ['hunter2', 'k-123', 't-456', 'p-789', 'a-000', 'b-111']) assert.ok(!raw.includes(v), v);
});

test('a tools/call of exec is audited with its real answer status', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.tool('exec', { connection_name: SHOP_CONN, input: 'select 1' });
	assert.equal(JSON.parse(r.content[0].text).status, 'completed');
	const [row] = auditRowsSince(0, `mcp_session_id = ${lit(s.session)} AND tool_name = 'exec'`);
	assert.equal(row.http_status, 200);
	assert.equal(row.outcome, true);
});

test('a schema tool that answers isError is audited as a failure', async () => {
	const s = await rawSession(fx.alice.key);
	const r = await s.tool('connection_tables', { connection_name: SHOP_CONN, database: 'no_such_database_e2e' });
	assert.equal(r.isError, true);
	const [row] = auditRowsSince(0, `mcp_session_id = ${lit(s.session)} AND tool_name = 'connection_tables'`);
	assert.equal(row.http_status, 200);
	assert.equal(row.outcome, false);
	assert.match(row.error_message ?? '', /schema query failed/);
});

test('401s are audited with no actor and the reason', async () => {
	const mark = auditMark();
	assert.equal((await post(initializeBody())).status, 401);
	assert.equal((await post(initializeBody(), { key: 'hmk_' + 'A'.repeat(43) })).status, 401);
	const rows = auditRowsSince(mark, 'http_status = 401');
	assert.equal(rows.length, 2);
	for (const r of rows) {
		assert.equal(r.actor_subject, null);
		assert.equal(r.actor_email, null);
		assert.equal(r.outcome, false);
		assert.equal(r.http_method, 'POST');
		assert.ok(r.error_message);
	}
	assert.equal(rows[0].error_message, 'missing or malformed Authorization header');
	assert.equal(rows[1].error_message, 'invalid token');
	// The presented key never lands in the log.
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.security_audit_log WHERE id > ${mark} AND row_to_json(security_audit_log)::text LIKE '%AAAAAAAAAAAA%'`), '0');
});

test('transport-level refusals are audited too (400, 403, 404, 413, 415)', async () => {
	const s = await rawSession(fx.bob.key);
	const mark = auditMark();
	await post('{bad json', { key: fx.bob.key, session: s.session });
	await post(initializeBody(), { key: fx.bob.key, headers: { Origin: 'http://evil.example.com' } });
	await post({ jsonrpc: '2.0', id: nextId(), method: 'ping' }, { key: fx.bob.key, session: 'ffffffffffffffffffffffffffffffff' });
	await post(initializeBody(), { key: fx.bob.key, headers: { 'Content-Type': 'text/plain' } });
	await post(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(4 * 1024 * 1024)}"}}`,
		{ key: fx.bob.key, session: s.session });
	const rows = auditRowsSince(mark);
	assert.deepEqual(rows.map((r) => [r.http_status, r.outcome]), [[400, false], [403, false], [404, false], [415, false], [413, false]]);
	assert.equal(rows[0].actor_email, fx.bob.email, 'authenticated before the body was judged');
	for (const r of rows) assert.ok(r.error_message, `status ${r.http_status} has a reason`);
});

test('every exec writes a sessions row with input, output, exit code and user', async () => {
	const s = await rawSession(fx.bob.key);
	const before = Number(psql(`SELECT count(*) FROM hoop_mcp.sessions WHERE user_email = ${lit(fx.bob.email)}`));
	const ok = JSON.parse((await s.tool('exec', { connection_name: SHOP_CONN, input: "select 'x' as y" })).content[0].text);
	const bad = JSON.parse((await s.tool('exec', { connection_name: SHOP_CONN, input: 'select nope' })).content[0].text);
	assert.equal(Number(psql(`SELECT count(*) FROM hoop_mcp.sessions WHERE user_email = ${lit(fx.bob.email)}`)), before + 2);
	const rows = sqlRows(`SELECT id, status, exit_code, input, output, user_email, user_id, connection
	                        FROM hoop_mcp.sessions WHERE id IN (${lit(ok.session_id)}, ${lit(bad.session_id)}) ORDER BY created_at`);
	assert.deepEqual(rows[0], {
		id: ok.session_id, status: 'done', exit_code: 0, input: "select 'x' as y", output: 'y\nx\n(1 row)\n',
		user_email: fx.bob.email, user_id: fx.bob.subject, connection: SHOP_CONN,
	});
	assert.equal(rows[1].status, 'done');
	assert.equal(rows[1].exit_code, 3);
	assert.match(rows[1].output, /column "nope" does not exist/);
});

test('hoop_mcp.sessions is append-only, even for a superuser', async () => {
	const id = psql('SELECT id FROM hoop_mcp.sessions ORDER BY created_at LIMIT 1');
	assert.ok(id, 'there is a session to tamper with');
	const before = psql(`SELECT row_to_json(s)::text FROM hoop_mcp.sessions s WHERE id = ${lit(id)}`);
	for (const sql of [
		`UPDATE hoop_mcp.sessions SET output = 'forged' WHERE id = ${lit(id)}`,
		`UPDATE hoop_mcp.sessions SET exit_code = 0`,
		`DELETE FROM hoop_mcp.sessions WHERE id = ${lit(id)}`,
		'TRUNCATE hoop_mcp.sessions CASCADE',
	]) {
		const r = psqlTry(sql);
		assert.equal(r.ok, false, sql);
		assert.match(r.stderr, /hoop_mcp\.sessions is append-only/, sql);
	}
	assert.equal(psql(`SELECT row_to_json(s)::text FROM hoop_mcp.sessions s WHERE id = ${lit(id)}`), before);
});

test('hoop_mcp.security_audit_log is append-only, even for a superuser', async () => {
	const id = psql('SELECT min(id) FROM hoop_mcp.security_audit_log');
	for (const sql of [
		`UPDATE hoop_mcp.security_audit_log SET outcome = NOT outcome WHERE id = ${id}`,
		`DELETE FROM hoop_mcp.security_audit_log WHERE id = ${id}`,
		'TRUNCATE hoop_mcp.security_audit_log',
	]) {
		const r = psqlTry(sql);
		assert.equal(r.ok, false, sql);
		assert.match(r.stderr, /hoop_mcp\.security_audit_log is append-only/, sql);
	}
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.security_audit_log WHERE id = ${id}`), '1');
});
