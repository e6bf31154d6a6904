// Guardrails and data masking over MCP with the official SDK: input rules
// refuse before anything reaches the target (checked on the target), output
// rules withhold, masking replaces values per cell (built-in detectors and
// column rules through aliases, joins, SELECT * and views), and the clear
// values are written nowhere.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
		WHERE connection = ${lit(CONN)} AND (output LIKE ${lit(`%${EMAIL}%`)} OR output LIKE ${lit(`%${CARD}%`)})`)[0].n;
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
	assert.equal(sqlRows(`SELECT count(*)::int AS n FROM hoop_mcp.sessions
		WHERE connection = ${lit(CONN)} AND output LIKE ${lit(`%${NOTE}%`)}`)[0].n, 0);
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

test('risk analysis: every exec gets ai_analysis; an analyzer rule blocks high risk and sends medium to review', async () => {
	const conn = `${P}-ana-pg`;
	psql(`SELECT hoop_mcp.create_connection(${lit(conn)}, ${lit(CONNINFO)})`);
	const run = (input) => callJson(alice, 'exec', { connection_name: conn, input });
	// Without a rule the analysis is stored and the exec runs.
	let r = await run('SELECT id FROM orders WHERE id = 10');
	assert.equal(r.status, 'completed');
	let a = await callJson(alice, 'sessions_get_analysis', { id: r.session_id });
	assert.equal(a.status, 'ready');
	assert.equal(a.risk_level, 'low');
	assert.equal(a.action, 'allow_execution');

	psql(`SELECT hoop_mcp.create_connection(${lit(`${P}-unused-pg`)}, ${lit(CONNINFO)})`);
	await callJson(admin, 'access_request_rules_create', {
		name: `${P}-ana-review`, access_type: 'command', approval_required_groups: [],
		reviewers_groups: [`${P}-dba`], all_groups_must_approve: false, min_approvals: 1, connection_names: [`${P}-unused-pg`],
	});
	const rule = await callJson(admin, 'analyzer_rules_create', {
		name: `${P}-ana`, connection_names: [conn], low_risk_action: 'allow_execution',
		medium_risk_action: 'require_access_request', high_risk_action: 'block_execution',
		access_request_rule_name: `${P}-ana-review`,
	});
	assert.deepEqual(rule.risk_evaluation, {
		low_risk_action: 'allow_execution', medium_risk_action: 'require_access_request', high_risk_action: 'block_execution',
	});

	r = await run('DELETE FROM orders');
	assert.deepEqual(Object.keys(r).sort(), ['ai_analysis', 'execution_time_ms', 'exit_code', 'has_review', 'output',
		'output_status', 'session_id', 'status', 'truncated']);
	assert.equal(r.status, 'failed');
	assert.equal(r.output, 'Session blocked by AI risk analyzer');
	assert.equal(r.output_status, 'blocked');
	assert.equal(r.exit_code, 254);
	assert.equal(r.ai_analysis.risk_level, 'high');
	assert.equal(r.ai_analysis.action, 'block_execution');
	assert.match(r.ai_analysis.explanation, /orders/);
	assert.equal(psql('SELECT count(*) FROM orders', { db: DB }), '2', 'nothing ran');
	const s = session(r.session_id);
	assert.equal(s.status, 'done');
	assert.equal(s.exit_code, 254);
	assert.deepEqual(s.ai_analysis, r.ai_analysis);
	const view = sqlRows(`SELECT risk_level, action, guardrail_rule FROM hoop_mcp.session_policy WHERE session_id = ${lit(r.session_id)}`)[0];
	assert.deepEqual(view, { risk_level: 'high', action: 'block_execution', guardrail_rule: null });

	r = await run('INSERT INTO orders VALUES (12, 1, 1)');
	assert.equal(r.status, 'pending_approval');
	assert.equal(psql('SELECT count(*) FROM orders', { db: DB }), '2', 'nothing ran');
	const review = await callJson(alice, 'reviews_get', { id: r.review_id });
	assert.equal(review.status, 'PENDING');
	assert.equal(review.access_request_rule_name, `${P}-ana-review`);
	a = await callJson(alice, 'sessions_wait_analysis', { id: r.session_id });
	assert.equal(a.status, 'ready');
	assert.equal(a.risk_level, 'medium');
	assert.equal(a.action, 'require_access_request');
	assert.equal(a.timed_out, false);

	r = await run('SELECT count(*) AS n FROM orders');
	assert.equal(r.status, 'completed', 'low risk runs');
	assert.equal(r.output, 'n\n2\n(1 row)\n');
	psql(`DELETE FROM hoop_mcp.analyzer_rules WHERE name = ${lit(`${P}-ana`)}`);
});

test('each built-in detector over MCP: true positives masked, near misses kept', async () => {
	const conn = `${P}-det-pg`;
	psql(`SELECT hoop_mcp.create_connection(${lit(conn)}, ${lit(CONNINFO)})`);
	const connDet = psql(`SELECT id FROM hoop_mcp.connections WHERE name = ${lit(conn)}`);
	await callJson(admin, 'datamasking_rules_create', {
		name: `${P}-all`, connection_ids: [connDet],
		supported_entity_types: [{ name: 'CUSTOM_SELECTION', entity_types: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD',
			'IBAN_CODE', 'IP_ADDRESS', 'MAC_ADDRESS', 'URL', 'US_SSN', 'UK_NHS', 'CRYPTO', 'DATE_TIME'] }],
	});
	const cases = [
		['jane@example.org', '<EMAIL_ADDRESS>'], ['user@localhost', 'user@localhost'],
		['+44 20 7946 0958', '<PHONE_NUMBER>'], ['count 1234567', 'count 1234567'],
		['4111 1111 1111 1111', '<CREDIT_CARD>'], ['4111111111111112', '4111111111111112'],
		['GB82 WEST 1234 5698 7654 32', '<IBAN_CODE>'], ['GB82 WEST 1234 5698 7654 33', 'GB82 WEST 1234 5698 7654 33'],
		['10.1.2.3', '<IP_ADDRESS>'], ['256.1.1.1', '256.1.1.1'], ['2001:db8::1', '<IP_ADDRESS>'], ['12:30:45', '12:30:45'],
		['00:1A:2B:3C:4D:5E', '<MAC_ADDRESS>'], ['00:1A:2B:3C:4D', '00:1A:2B:3C:4D'],
		['see https://example.com/a?b=1.', 'see <URL>.'], ['example dot com', 'example dot com'],
		['123-45-6789', '<US_SSN>'], ['000-12-3456', '000-12-3456'],
		['943 476 5919', '<UK_NHS>'], ['943 476 5918', '<PHONE_NUMBER>'],
		['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', '<CRYPTO>'], ['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3'],
		['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', '<CRYPTO>'],
		['2024-01-31', '<DATE_TIME>'], ['2024-02-30', '2024-02-30'],
	];
	const values = cases.map(([v], i) => `(${i}, ${lit(v)})`).join(', ');
	const r = await callJson(alice, 'exec', { connection_name: conn, input: `SELECT v FROM (VALUES ${values}) t(n, v) ORDER BY n` });
	assert.equal(r.status, 'completed', r.output);
	assert.deepEqual(r.output.split('\n').slice(1, -2), cases.map(([, want]) => want));
	const masked = session(r.session_id).masked;
	assert.equal(masked.CRYPTO, 2);
	assert.equal(masked.IP_ADDRESS, 2);
});

test('reviews_execute checks the guardrails of when it runs, not of when it was approved', async () => {
	const conn = `${P}-rv-pg`;
	psql(`SELECT hoop_mcp.create_connection(${lit(conn)}, ${lit(CONNINFO)})`);
	const connRv = psql(`SELECT id FROM hoop_mcp.connections WHERE name = ${lit(conn)}`);
	const dba = `${P}-dba@example.com`;
	ensureUser(dba, [`${P}-dba`], 'dba');
	c.dba = await connectClient(apiKey(dba));
	await callJson(admin, 'access_request_rules_create', {
		name: `${P}-rv-rule`, access_type: 'command', approval_required_groups: [],
		reviewers_groups: [`${P}-dba`], all_groups_must_approve: false, min_approvals: 1, connection_names: [conn],
	});
	const r = await callJson(alice, 'exec', { connection_name: conn, input: 'UPDATE orders SET total = 0 WHERE id = 10' });
	assert.equal(r.status, 'pending_approval');
	await callJson(c.dba, 'reviews_update', { id: r.review_id, status: 'APPROVED' });
	await callJson(admin, 'guardrails_create', {
		name: `${P}-rv-guard`, connection_ids: [connRv],
		input: { rules: [{ type: 'deny_words_list', words: ['SET total = 0'], message: 'no zeroing totals' }] },
	});
	const ran = await callJson(alice, 'reviews_execute', { id: r.review_id });
	assert.equal(ran.status, 'failed');
	assert.equal(ran.output, 'no zeroing totals');
	assert.equal(psql('SELECT total FROM orders WHERE id = 10', { db: DB }), '25.50', 'nothing ran');
	const s = session(r.session_id);
	assert.equal(s.status, 'done');
	assert.equal(s.guardrails_info[0].rule_name, `${P}-rv-guard`);
	assert.equal((await callJson(alice, 'reviews_get', { id: r.review_id })).status, 'EXECUTED');
});

test('the session\'s NOTIFY carries its risk level and action, the guardrail that stopped it, what was masked', async () => {
	const listener = spawn('psql', ['-X', '-q', '-c', 'LISTEN hoop_mcp_sessions', '-c', 'SELECT pg_sleep(3)'], { encoding: 'utf8' });
	let out = '';
	listener.stdout.on('data', (d) => { out += d; });
	const done = new Promise((resolve) => listener.on('close', resolve));
	await new Promise((r) => setTimeout(r, 700));
	const masked = await exec('SELECT email FROM customers WHERE id = 1');
	const refused = await exec('TRUNCATE orders');
	await done;
	const payloads = [...out.matchAll(/with payload "(.*)" received/g)].map((m) => JSON.parse(m[1]));
	const of = (id, status) => payloads.find((p) => p.session_id === id && p.status === status);
	assert.deepEqual(of(masked.session_id, 'open'), { id: masked.session_id, session_id: masked.session_id, status: 'open',
		previous_status: null, risk_level: 'low', action: 'allow_execution' });
	assert.equal(of(masked.session_id, 'done').masked, 1);
	assert.equal(of(refused.session_id, 'done').guardrail, `${P}-no-drop`);
});
