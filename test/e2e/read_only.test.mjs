// Read-only connections: the bypass corpus (test/read_only/bypasses.json),
// each attempt run over MCP and from SQL and judged by looking at the target
// afterwards (test/read_only/fingerprint.sql), not at the answer; the reads
// that must still work; the checks right before each statement is sent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { setupFixtures, connectClient, callJson, callError, psql, lit, sqlRows, PGPORT } from './helpers.mjs';

const DIR = new URL('../read_only/', import.meta.url);
const CORPUS = JSON.parse(readFileSync(new URL('bypasses.json', DIR), 'utf8'));
const FINGERPRINT = readFileSync(new URL('fingerprint.sql', DIR), 'utf8');
const DB = 'ro_target';
const CONN = 'ro-target';
const CONNINFO = `host=127.0.0.1 port=${PGPORT} dbname=${DB} user=postgres password=postgres`;
const SQL_ROLE = 'e2e_ro_sql';
const REFUSED = /^hoop_mcp: refused on a read-only connection: statement \d+ \(.*\): .+\n$/;

let fx;
let admin;
before(async () => {
	fx = setupFixtures();
	admin = await connectClient(fx.admin.key);
	if (psql(`SELECT count(*) FROM pg_database WHERE datname = ${lit(DB)}`) === '0') psql(`CREATE DATABASE ${DB}`);
	psql(readFileSync(new URL('target.sql', DIR), 'utf8'), { db: DB });
	psql(`SELECT hoop_mcp.create_connection(${lit(CONN)}, ${lit(CONNINFO)}, read_only => true)
	      WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.connections WHERE name = ${lit(CONN)})`);
	psql(`DO $$ BEGIN CREATE ROLE ${SQL_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
	psql(`SELECT hoop_mcp.create_user('e2e-ro-sql@example.com', ARRAY['admin'], NULL, ${lit(SQL_ROLE)})
	      WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE email = 'e2e-ro-sql@example.com')`);
});
after(async () => { await admin.close(); });

const fingerprint = () => psql(FINGERPRINT, { db: DB });
const inputOf = (c) => c.input.replaceAll('{{CONNINFO}}', CONNINFO);
const exec = (input, connection_name = CONN) => callJson(admin, 'exec', { connection_name, input });

/** hoop_mcp.exec() from SQL, as a role mapped to an admin user. */
function sqlExec(input) {
	const r = spawnSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-U', SQL_ROLE, '-c',
		`SELECT hoop_mcp.exec(${lit(CONN)}, ${lit(input)})`], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return JSON.parse(r.stdout);
}

function judge(c, r, before) {
	assert.equal(fingerprint(), before, `${c.name}: the target changed`);
	assert.equal(r.status, 'failed', `${c.name}: ${r.output}`);
	assert.notEqual(r.exit_code, 0);
	if (c.by === 'analyser') {
		assert.match(r.output, REFUSED, `${c.name}: not refused before it ran: ${r.output}`);
		// Nothing ran: the answer is the refusal alone, and so is the session.
		const s = sqlRows(`SELECT exit_code, output, status FROM hoop_mcp.sessions WHERE id = ${lit(r.session_id)}`)[0];
		assert.deepEqual(s, { exit_code: 1, output: r.output, status: 'done' });
	} else {
		assert.match(r.output, /read-only transaction|read-write mode/, `${c.name}: ${r.output}`);
	}
}

test(`the corpus holds at least 40 bypass attempts, each with its source`, () => {
	assert.ok(CORPUS.length >= 40, `${CORPUS.length} cases`);
	for (const c of CORPUS) assert.ok(c.name && c.source && c.input && ['analyser', 'engine'].includes(c.by), JSON.stringify(c));
});

test('no attempt of the corpus changes the target, over MCP', async () => {
	const start = fingerprint();
	for (const c of CORPUS) judge(c, await exec(inputOf(c)), start);
});

test('no attempt of the corpus changes the target, from SQL', async () => {
	const start = fingerprint();
	for (const c of CORPUS) judge(c, sqlExec(inputOf(c)), start);
});

test('the same attempts do change a target that is not read-only (the corpus can fail)', async () => {
	const rw = 'ro-target-rw';
	psql(`SELECT hoop_mcp.create_connection(${lit(rw)}, ${lit(CONNINFO)})
	      WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.connections WHERE name = ${lit(rw)})`);
	const start = fingerprint();
	const r = await exec('SELECT 1; COMMIT; INSERT INTO canary VALUES (666);', rw);
	assert.equal(r.status, 'completed', r.output);
	assert.notEqual(fingerprint(), start);
	psql('DELETE FROM canary WHERE v = 666', { db: DB });
	assert.equal(fingerprint(), start);
});

test('reads run as psql runs them, inside a read-only transaction', async () => {
	const cases = [
		['SELECT count(*) AS n FROM canary;', 'n\n3\n(1 row)\n'],
		['WITH c AS (SELECT v FROM canary) SELECT max(v) AS m FROM c;', 'm\n3\n(1 row)\n'],
		['SHOW transaction_read_only; SHOW default_transaction_read_only;',
			'transaction_read_only\non\n(1 row)\ndefault_transaction_read_only\non\n(1 row)\n'],
		['SET search_path = public; SELECT 1 AS a;', 'SET\na\n1\n(1 row)\n'],
		['DECLARE c CURSOR FOR SELECT v FROM canary ORDER BY v; FETCH 2 FROM c; CLOSE c;', 'DECLARE CURSOR\nv\n1\n2\n(2 rows)\nCLOSE CURSOR\n'],
		['PREPARE p AS SELECT v FROM canary WHERE v = $1; EXECUTE p(2); DEALLOCATE p;', 'PREPARE\nv\n2\n(1 row)\nDEALLOCATE\n'],
		['SAVEPOINT s; SELECT 1 AS a; ROLLBACK TO SAVEPOINT s; RELEASE s;', 'SAVEPOINT\na\n1\n(1 row)\nROLLBACK\nRELEASE\n'],
		['EXPLAIN (COSTS OFF) DELETE FROM canary;', 'QUERY PLAN\nDelete on canary\n  ->  Seq Scan on canary\n(2 rows)\n'],
		['SELECT current_setting(\'application_name\') ~ \'^hoop_mcp/[0-9a-f-]{36}/e2e-admin@\' AS tagged;', 'tagged\nt\n(1 row)\n'],
	];
	for (const [input, want] of cases) {
		const r = await exec(input);
		assert.equal(r.output, want, input);
		assert.equal(r.status, 'completed', input);
	}
});

test('a pooled session comes back from a read-only exec with nothing left of it', async () => {
	await exec('SET search_path = pg_catalog; SELECT 1;');
	for (let i = 0; i < 3; i++) {
		const r = await exec('SHOW search_path; SELECT count(*) AS open FROM pg_prepared_xacts;');
		assert.equal(r.output, 'search_path\n"$user", public\n(1 row)\nopen\n0\n(1 row)\n');
	}
	assert.equal(psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = ${lit(DB)} AND state = 'idle in transaction'`), '0');
});

test('each statement is checked again as the target gets it, right before it is sent', async () => {
	// The split before the run reads :foo as a placeholder; the run sends it as
	// psql does (an unknown variable stays as written), which does not parse.
	const r = await exec('SELECT 1 AS a; SELECT :foo; SELECT 2;');
	assert.equal(r.status, 'failed');
	assert.equal(r.output, 'a\n1\n(1 row)\nhoop_mcp: refused on a read-only connection: statement 2 (SELECT :foo): it does not parse: syntax error at or near ":"\n');
	assert.equal(r.exit_code, 1);
});

test('read_only is a connection setting: set, shown, changed, validated', async () => {
	const name = 'ro-setting-e2e';
	psql(`DELETE FROM hoop_mcp.connections WHERE name = ${lit(name)}`);
	const secrets = { 'envvar:HOST': Buffer.from('127.0.0.1').toString('base64'), 'envvar:PORT': Buffer.from(PGPORT).toString('base64'),
		'envvar:USER': Buffer.from('postgres').toString('base64'), 'envvar:PASS': Buffer.from('postgres').toString('base64'),
		'envvar:DB': Buffer.from(DB).toString('base64') };
	const c = await callJson(admin, 'connections_create', { name, type: 'database', subtype: 'postgres', secrets, read_only: true, statement_timeout: '5s', max_rows: 10 });
	assert.equal(c.read_only, true);
	assert.equal(c.statement_timeout, '5s');
	assert.equal(c.max_rows, 10);
	const g = await callJson(admin, 'connections_get', { name });
	assert.deepEqual([g.read_only, g.statement_timeout, g.connect_timeout, g.max_rows], [true, '5s', null, 10]);
	assert.match((await exec('DELETE FROM canary;', name)).output, REFUSED);
	await callJson(admin, 'connections_update', { name, read_only: false, statement_timeout: '' });
	const u = await callJson(admin, 'connections_get', { name });
	assert.deepEqual([u.read_only, u.statement_timeout, u.max_rows], [false, null, 10]);
	assert.match(await callError(admin, 'connections_update', { name, statement_timeout: 'soon' }), /invalid value for statement_timeout: "soon"/);
	assert.match(await callError(admin, 'connections_update', { name, max_rows: -1 }), /max_rows must not be negative/);
	assert.match(await callError(admin, 'connections_update', { name, read_only: 'yes' }), /read_only/);
	psql(`DELETE FROM hoop_mcp.connections WHERE name = ${lit(name)}`);
});
