// Guardrails and data masking over MCP with the official SDK: input rules
// refuse before anything reaches the target (checked on the target), output
// rules withhold, masking replaces values per cell (built-in detectors and
// column rules through aliases, joins, SELECT * and views), and the clear
// values are written nowhere.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, connectClient, callJson, callError, uniq, psql, lit, sqlRows, ensureUser, apiKey, PGPORT,
} from './helpers.mjs';

const DB = 'policy_target';
const CONNINFO = `host=127.0.0.1 port=${PGPORT} dbname=${DB} user=postgres password=postgres`;
const EMAIL = 'jane.doe@example.org';
const CARD = '4111 1111 1111 1111';			// Luhn-valid
const NOT_CARD = '4111111111111112';			// 16 digits, fails Luhn
const NOTE = 'likes tea, lives at 12 Elm Street';

let fx;
let admin;
let alice;
let P;
let CONN;
let connId;
const c = {};

const exec = (input, client = alice) => callJson(client, 'exec', { connection_name: CONN, input });
const session = (id) => sqlRows(`SELECT * FROM hoop_mcp.sessions WHERE id = ${lit(id)}`)[0];

before(async () => {
	fx = setupFixtures();
	admin = await connectClient(fx.admin.key);
	alice = await connectClient(fx.alice.key);
	P = uniq('pol');
	CONN = `${P}-pg`;
	if (psql(`SELECT count(*) FROM pg_database WHERE datname = ${lit(DB)}`) === '0') psql(`CREATE DATABASE ${DB}`);
	psql(`DROP TABLE IF EXISTS customers, orders, copied CASCADE;
	      CREATE TABLE customers (id int PRIMARY KEY, email text, phone text, card text, note text);
	      CREATE TABLE orders (id int, customer_id int, total numeric);
	      INSERT INTO customers VALUES (1, ${lit(EMAIL)}, '+1 415 555 0100', ${lit(CARD)}, ${lit(NOTE)}),
	                                   (2, 'not an email', 'order 1234567', ${lit(NOT_CARD)}, 'plain');
	      INSERT INTO orders VALUES (10, 1, 25.50), (11, 2, 7);
	      CREATE VIEW customer_notes AS SELECT id, note AS remark FROM customers;
	      CREATE VIEW customer_ids AS SELECT id FROM customers;`, { db: DB });
	psql(`SELECT hoop_mcp.create_connection(${lit(CONN)}, ${lit(CONNINFO)})`);
	connId = psql(`SELECT id FROM hoop_mcp.connections WHERE name = ${lit(CONN)}`);
});

after(async () => {
	await admin.close();
	await alice.close();
	for (const x of Object.values(c)) await x.close();
	psql(`DELETE FROM hoop_mcp.guardrail_rules WHERE name LIKE ${lit(`${P}%`)};
	      DELETE FROM hoop_mcp.datamasking_rules WHERE name LIKE ${lit(`${P}%`)}`);
});

test('an input guardrail refuses before anything reaches the target, with hoop\'s text and guardrails_info', async () => {
	const rule = await callJson(admin, 'guardrails_create', {
		name: `${P}-no-drop`, connection_ids: [connId],
		input: { rules: [{ type: 'deny_words_list', words: ['DROP TABLE', 'TRUNCATE'] }] },
	});
	assert.equal(rule.name, `${P}-no-drop`);
	const r = await exec('SELECT 1; DROP TABLE orders;');
	assert.equal(r.status, 'failed');
	assert.equal(r.exit_code, 1);
	assert.equal(r.output, 'validation error, match guard rails input rule, type=deny_words_list, words=[DROP TABLE TRUNCATE]');
	assert.equal(psql(`SELECT count(*) FROM orders`, { db: DB }), '2', 'the table is still there');
	const s = session(r.session_id);
	assert.equal(s.status, 'done');
	assert.deepEqual(s.guardrails_info, [{
		rule_name: `${P}-no-drop`, direction: 'input', matched_words: ['DROP TABLE'],
		message: r.output, rule: { type: 'deny_words_list', words: ['DROP TABLE', 'TRUNCATE'] },
	}]);
	const got = await callJson(alice, 'sessions_get', { id: r.session_id });
	assert.deepEqual(got.guardrails_info, [{ rule_name: `${P}-no-drop`, direction: 'input', matched_words: ['DROP TABLE'], message: r.output }]);
	assert.equal((await exec('SELECT 1 AS one')).output, 'one\n1\n(1 row)\n', 'other input runs');
});

test('a pattern rule with its own message; a rule change applies to the next exec', async () => {
	const rule = await callJson(admin, 'guardrails_create', {
		name: `${P}-no-star`, connection_ids: [connId],
		input: { rules: [{ type: 'pattern_match', pattern_regex: 'select\\s+\\*', message: 'name the columns you need' }] },
	});
	let r = await exec('select * from orders');
	assert.equal(r.status, 'failed');
	assert.equal(r.output, 'name the columns you need');
	await callJson(admin, 'guardrails_update', {
		id: rule.id, name: rule.name, connection_ids: [connId],
		input: { rules: [{ type: 'pattern_match', pattern_regex: 'from\\s+secrets' }] },
	});
	r = await exec('select * from orders where id = 10');
	assert.equal(r.status, 'completed', r.output);
	r = await exec('select 1 from secrets');
	assert.equal(r.output, 'validation error, match guard rails input rule, type=pattern_match, pattern=from\\s+secrets');
	assert.deepEqual(session(r.session_id).guardrails_info[0].matched_words, ['from secrets']);
});

test('an output guardrail withholds the output; the session keeps only the message', async () => {
	await callJson(admin, 'guardrails_create', {
		name: `${P}-no-secret`, connection_ids: [connId],
		output: { rules: [{ type: 'pattern_match', pattern_regex: 'secret-[0-9]+' }] },
	});
	const r = await exec(`SELECT 'the code is secret-4242' AS leak`);
	assert.equal(r.status, 'failed');
	assert.equal(r.output, 'validation error, match guard rails output rule, type=pattern_match, pattern=secret-[0-9]+');
	const s = session(r.session_id);
	assert.equal(s.output, r.output);
	assert.equal(s.guardrails_info[0].direction, 'output');
	assert.deepEqual(s.guardrails_info[0].matched_words, [], 'what was withheld is not recorded');
	assert.equal(sqlRows(`SELECT count(*)::int AS n FROM hoop_mcp.sessions WHERE output LIKE '%secret-4242%'`)[0].n, 0);
});

test('a slow pattern on a large output is cut off by hoop_mcp.pattern_timeout and fails closed', async () => {
	// a[ab]{20}(c|d) on random a/b text thrashes the engine's automaton
	// cache (about 150 ms for 800 kB here); 10 ms makes it time out anywhere.
	psql(`ALTER SYSTEM SET hoop_mcp.pattern_timeout = '10ms'`);
	psql('SELECT pg_reload_conf()');
	try {
		await new Promise((r) => setTimeout(r, 500));
		await callJson(admin, 'guardrails_create', {
			name: `${P}-slow`, connection_ids: [connId],
			output: { rules: [{ type: 'pattern_match', pattern_regex: 'a[ab]{20}(c|d)' }] },
		});
		const t0 = Date.now();
		const r = await exec(`SELECT string_agg(CASE WHEN substr(md5(g::text), 1, 1) < '8' THEN 'a' ELSE 'b' END, '') AS big
			FROM generate_series(1, 800000) g`);
		assert.equal(r.status, 'failed');
		assert.match(r.output, /^validation error, guard rails output rule .*-slow: its pattern took longer than hoop_mcp.pattern_timeout \(10 ms\), so the output is withheld$/);
		assert.ok(Date.now() - t0 < 20000);
		assert.equal((await exec('SELECT 2 AS two')).output, 'two\n2\n(1 row)\n', 'the worker goes on');
	} finally {
		psql('ALTER SYSTEM RESET hoop_mcp.pattern_timeout');
		psql('SELECT pg_reload_conf()');
		psql(`DELETE FROM hoop_mcp.guardrail_rules WHERE name = ${lit(`${P}-slow`)}`);
	}
});

test('masking: built-in detectors per cell, near misses kept, counts on the session, clear values nowhere', async () => {
	await callJson(admin, 'datamasking_rules_create', {
		name: `${P}-pii`, connection_ids: [connId],
		supported_entity_types: [{ name: 'CONTACT_INFORMATION', entity_types: ['EMAIL_ADDRESS', 'PHONE_NUMBER'] },
			{ name: 'FINANCIAL_DATA', entity_types: ['CREDIT_CARD'] }],
	});
	const r = await exec('SELECT email AS e, phone, card FROM customers ORDER BY id');
	assert.equal(r.status, 'completed', r.output);
	assert.equal(r.output, [
		'e\tphone\tcard',
		'<EMAIL_ADDRESS>\t<PHONE_NUMBER>\t<CREDIT_CARD>',
		`not an email\torder 1234567\t${NOT_CARD}`,
		'(2 rows)', ''].join('\n'));
	const s = session(r.session_id);
	assert.equal(s.output, r.output);
	assert.deepEqual(s.masked, { EMAIL_ADDRESS: 1, PHONE_NUMBER: 1, CREDIT_CARD: 1 });
	const leaks = sqlRows(`SELECT count(*)::int AS n FROM hoop_mcp.sessions
		WHERE output LIKE ${lit(`%${EMAIL}%`)} OR output LIKE ${lit(`%${CARD}%`)}`)[0].n;
	assert.equal(leaks, 0);
	// Errors and notices are masked too.
	const e = await exec(`SELECT email::int FROM customers WHERE id = 1`);
	assert.equal(e.status, 'failed');
	assert.match(e.output, /invalid input syntax for type integer: "<EMAIL_ADDRESS>"/);
});

test('column rules mask by origin: aliases, SELECT *, joins, views, computed values; copies are refused', async () => {
	await callJson(admin, 'datamasking_rules_create', {
		name: `${P}-cols`, connection_ids: [connId],
		custom_entity_types: [{ name: 'NOTE', columns: ['public.customers.note'] }],
	});
	let r = await exec('SELECT note AS n FROM customers WHERE id = 1');
	assert.equal(r.output, 'n\n<NOTE>\n(1 row)\n');
	r = await exec('SELECT * FROM customers WHERE id = 2');
	assert.equal(r.output, `id\temail\tphone\tcard\tnote\n2\tnot an email\torder 1234567\t${NOT_CARD}\t<NOTE>\n(1 row)\n`);
	r = await exec('SELECT o.total, c.note FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id');
	assert.equal(r.output, 'total\tnote\n25.50\t<NOTE>\n7\t<NOTE>\n(2 rows)\n');
	r = await exec('SELECT remark FROM customer_notes WHERE id = 1');
	assert.equal(r.output, 'remark\n<NOTE>\n(1 row)\n', 'a view over the column');
	r = await exec('SELECT upper(note) AS loud FROM customers WHERE id = 2');
	assert.equal(r.output, 'loud\n<NOTE>\n(1 row)\n', 'computed from a masked table: masked');
	r = await exec('SELECT id FROM customers WHERE id = 2');
	assert.equal(r.output, 'id\n2\n(1 row)\n', 'other columns of the table stay');
	r = await exec('SELECT total FROM orders WHERE id = 11');
	assert.equal(r.output, 'total\n7\n(1 row)\n', 'other tables stay');
	r = await exec('CREATE TABLE copied AS SELECT * FROM customers');
	assert.equal(r.status, 'failed');
	assert.match(r.output, /^hoop_mcp: refused where data masking hides columns: statement 1 \(CREATE TABLE copied AS SELECT \* FROM customers\): /);
	assert.equal(psql(`SELECT count(*) FROM pg_class WHERE relname = 'copied'`, { db: DB }), '0');
	r = await exec(`DO $$ BEGIN RAISE NOTICE '%', (SELECT note FROM customers LIMIT 1); END $$`);
	assert.equal(r.status, 'failed');
	assert.match(r.output, /DO runs code hoop_mcp cannot see into/);
	assert.equal(sqlRows(`SELECT count(*)::int AS n FROM hoop_mcp.sessions WHERE output LIKE ${lit(`%${NOTE}%`)}`)[0].n, 0);
});

test('redact_types on the connection turn detectors on; no rule, no change', async () => {
	const other = `${P}-plain-pg`;
	psql(`SELECT hoop_mcp.create_connection(${lit(other)}, ${lit(CONNINFO)})`);
	const plain = await callJson(alice, 'exec', { connection_name: other, input: 'SELECT email FROM customers WHERE id = 1' });
	assert.equal(plain.output, `email\n${EMAIL}\n(1 row)\n`);
	await callJson(admin, 'connections_update', { name: other, type: 'database', subtype: 'postgres', redact_types: ['EMAIL_ADDRESS'] });
	const masked = await callJson(alice, 'exec', { connection_name: other, input: 'SELECT email FROM customers WHERE id = 1' });
	assert.equal(masked.output, 'email\n<EMAIL_ADDRESS>\n(1 row)\n');
});
