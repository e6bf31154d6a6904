// What an attacker tried (issue "Hardening"): each test here failed on the
// code before its fix.  A hoop admin is not a superuser: a connection's
// options must not make the worker, which runs as the server's OS user,
// use that user's files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import {
	setupFixtures, connectClient, callJson, callError, uniq, psql, lit, PGPORT, waitFor, ensureConnection,
	rawSession, post, auditMark, sqlRows, ensureUser, apiKey, initializeBody, SHOP_CONN,
} from './helpers.mjs';

let fx;
let P;
let admin;
let passfile;

const b64 = (s) => Buffer.from(s).toString('base64');
const SUPER_QUERY = 'select usesuper from pg_user where usename = current_user';

before(async () => {
	fx = setupFixtures();
	P = uniq('hard');
	admin = await connectClient(fx.admin.key);
	// A password file the postgres OS user can read, holding the superuser's
	// password: what the attack pointed libpq at.
	passfile = `/tmp/${P}.pgpass`;
	fs.writeFileSync(passfile, '*:*:*:postgres:postgres\n', { mode: 0o600 });
	try { execFileSync('chown', ['postgres', passfile]); } catch { /* not root: the server user is us */ }
});

after(async () => {
	await admin.close();
	fs.rmSync(passfile, { force: true });
});

test('connections_create refuses libpq options that read the server\'s files (passfile, service, sslkey, ...)', async () => {
	const base = { 'envvar:HOST': b64('127.0.0.1'), 'envvar:PORT': b64(String(PGPORT)), 'envvar:USER': b64('postgres'), 'envvar:DB': b64('shop') };
	for (const [opt, value] of [['PASSFILE', passfile], ['SERVICE', 'x'], ['SSLKEY', '/tmp/k'], ['SSLROOTCERT', '/tmp/c'], ['KRBSRVNAME', 'x']]) {
		const e = await callError(admin, 'connections_create', {
			name: `${P}-${opt.toLowerCase()}`, type: 'database', subtype: 'postgres', secrets: { ...base, [`envvar:${opt}`]: b64(value) },
		});
		assert.equal(e, `connection option "${opt.toLowerCase()}" is not allowed`);
	}
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.connections WHERE name LIKE ${lit(`${P}-%`)}`), '0');
});

test('the worker refuses a stored passfile option, so the admin does not become the superuser', async () => {
	// A row written past the SQL checks (an older install, a direct write):
	// the worker is the last line.
	const name = `${P}-stored`;
	psql(`SELECT hoop_mcp.create_connection(${lit(name)}, ${lit(`host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres password=x`)})`);
	psql(`UPDATE hoop_mcp.connection_secrets SET envs = envs - 'envvar:PASS' || jsonb_build_object('envvar:PASSFILE', ${lit(b64(passfile))})
	      WHERE connection_id = (SELECT id FROM hoop_mcp.connections WHERE name = ${lit(name)})`);
	const e = await callError(admin, 'exec', { connection_name: name, input: SUPER_QUERY });
	assert.match(e, new RegExp(`^connection "${name}" uses libpq option "passfile", which only a superuser may allow`));
	// A superuser may allow it, knowingly.
	psql(`UPDATE hoop_mcp.connection_secrets SET allow_server_files = true
	      WHERE connection_id = (SELECT id FROM hoop_mcp.connections WHERE name = ${lit(name)})`);
	const ran = await callJson(admin, 'exec', { connection_name: name, input: SUPER_QUERY });
	assert.equal(ran.output, 'usesuper\nt\n(1 row)\n');
});

test('a connection without a password is refused: libpq would read the server user\'s ~/.pgpass', async () => {
	const name = `${P}-nopass`;
	psql(`SELECT hoop_mcp.create_connection(${lit(name)}, ${lit(`host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres`)})`);
	const e = await callError(admin, 'exec', { connection_name: name, input: 'select 1' });
	assert.equal(e, `connection "${name}" has no password`);
	const s = await callError(admin, 'connection_tables', { connection_name: name, database: 'shop' });
	assert.equal(s, `connection "${name}" has no password`);
});

test('a failing create_connection keeps its password out of the server log', async () => {
	const log = `${process.env.HOOP_PGDIR}/server.log`;
	const secret = `pw-${P}-not-in-the-log`;
	const before = fs.statSync(log).size;
	assert.throws(() => psql(`SELECT hoop_mcp.create_connection('bad name!', ${lit(`host=x password=${secret}`)})`));
	assert.throws(() => psql(`SELECT hoop_mcp.connections_create(name => 'bad name!', type => 'database',
		secrets => jsonb_build_object('envvar:PASS', ${lit(b64(secret))}, 'envvar:HOST', ${lit(b64(secret))}))`));
	await new Promise((r) => setTimeout(r, 300));
	const added = fs.readFileSync(log, 'utf8').slice(before);
	assert.match(added, /name: it must contain/, 'the error itself is logged');
	assert.ok(!added.includes(secret), `the secret leaked:\n${added}`);
	assert.ok(!added.includes(b64(secret)), `the base64 secret leaked:\n${added}`);
});

test('a client holding a row lock the worker needs fails that one call, not the worker', async () => {
	const name = `${P}-locked`;
	ensureConnection(name);
	// An open transaction holds the connection's row, as a mapped user's
	// unfinished reviews_update held a review's.
	const holder = spawn('psql', ['-X', '-q', '-c',
		`BEGIN; SELECT 1 FROM hoop_mcp.connections WHERE name = ${lit(name)} FOR UPDATE; SELECT pg_sleep(120);`],
	{ stdio: 'ignore' });
	try {
		await waitFor(() => psql(`SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND state = 'active' AND pid <> pg_backend_pid()`) === '1',
			{ what: 'the lock holder' });
		const e = await callError(admin, 'connections_update', { name, tags: { locked: 'yes' } });
		assert.match(e, /^another transaction holds a lock this call needs \(waited \d+ ms\); try again$/);
		// Everyone else is served meanwhile, the holder still holding.
		assert.equal((await callJson(admin, 'me_get')).user_email, fx.admin.email);
		assert.equal(psql(`SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()`), '1');
	} finally {
		psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()`);
		holder.kill();
	}
	await waitFor(() => psql(`SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()`) === '0',
		{ what: 'the holder to go' });
	const ok = await callJson(admin, 'connections_update', { name, tags: { locked: 'no' } });
	assert.deepEqual(ok.tags, { locked: 'no' });
});

test('the audit row keeps a bounded prefix of a large body, with its full size and SHA-256', async () => {
	const s = await rawSession(fx.alice.key);
	const mark = auditMark();
	const big = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping', params: { pad: 'x'.repeat(300 * 1024) } });
	assert.equal((await post(big, { key: fx.alice.key, session: s.session })).status, 200);
	const small = JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'ping' });
	assert.equal((await post(small, { key: fx.alice.key, session: s.session })).status, 200);
	const rows = sqlRows(`SELECT request_bytes, request_sha256, pg_column_size(request_payload_redacted) AS stored,
	                             request_payload_redacted->>'truncated' AS truncated,
	                             request_payload_redacted->>'id' AS rpc_id
	                      FROM hoop_mcp.security_audit_log WHERE id > ${mark} AND rpc_method = 'ping' ORDER BY id`);
	assert.equal(rows.length, 2);
	const sha = (t) => crypto.createHash('sha256').update(t).digest('hex');
	assert.equal(Number(rows[0].request_bytes), Buffer.byteLength(big));
	assert.equal(rows[0].request_sha256, sha(big));
	assert.equal(rows[0].truncated, 'true');
	assert.ok(Number(rows[0].stored) < 70 * 1024, `stored ${rows[0].stored} bytes`);
	assert.equal(Number(rows[1].request_bytes), Buffer.byteLength(small));
	assert.equal(rows[1].request_sha256, sha(small));
	assert.equal(rows[1].truncated, null);
	assert.equal(rows[1].rpc_id, '8');
	await s.close();
});

test('a key revoked under load is refused by every request sent after the revoke commits', async () => {
	const email = `${P}-revoke@example.com`;
	ensureUser(email, ['eng'], 'Revoked');
	let late = 0;
	let refused = 0;
	for (let round = 0; round < 5; round++) {
		const key = apiKey(email);
		const sessions = await Promise.all(Array.from({ length: 8 }, () => rawSession(key)));
		let revokedAt = Infinity;
		let stop = false;
		const loops = sessions.map(async (s) => {
			while (!stop) {
				const sent = performance.now();
				const r = await s.rpc('ping');
				if (sent > revokedAt) {
					if (r.status === 200) late++;
					else refused++;
				}
			}
		});
		await new Promise((r) => setTimeout(r, 300));
		psql(`SELECT hoop_mcp.revoke_api_key(${lit(key.slice(0, 12))})`);
		revokedAt = performance.now();
		await new Promise((r) => setTimeout(r, 500));
		stop = true;
		await Promise.all(loops);
		assert.equal((await post(initializeBody(), { key })).status, 401, 'a new initialize with the revoked key');
	}
	assert.ok(refused > 0, 'requests were sent after the revokes');
	assert.equal(late, 0, `${late} requests sent after a revoke were answered 200 (${refused} refused)`);
});

test('extension state on a pooled target connection (a dblink connection) never reaches another user', async () => {
	psql('CREATE EXTENSION IF NOT EXISTS dblink', { db: 'shop' });
	const alice = await connectClient(fx.alice.key);
	const bob = await connectClient(fx.bob.key);
	try {
		const open = await callJson(alice, 'exec', {
			connection_name: SHOP_CONN,
			input: `select dblink_connect('mine', 'host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres password=postgres')`,
		});
		assert.equal(open.status, 'completed', open.output);
		// alice's next exec reuses her pooled connection: the state is hers to keep.
		const again = await callJson(alice, 'exec', { connection_name: SHOP_CONN, input: "select dblink_get_connections() as c" });
		assert.equal(again.output, 'c\n{mine}\n(1 row)\n');
		for (let i = 0; i < 3; i++) {
			const r = await callJson(bob, 'exec', { connection_name: SHOP_CONN, input: "select dblink_get_connections() as c" });
			assert.equal(r.output, 'c\n\n(1 row)\n', "bob must not see alice's dblink connection");
		}
	} finally {
		await alice.close();
		await bob.close();
	}
});

test('a target connection that read a wide row is closed after the exec, not pooled with its grown buffers', async () => {
	const app = `wide_${P.replace(/-/g, '_')}`;
	const name = `${P}-wide`;
	ensureConnection(name, { conninfo: `host=127.0.0.1 port=${PGPORT} dbname=shop user=postgres password=postgres application_name=${app}` });
	const pooled = () => psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = ${lit(app)} AND pid <> pg_backend_pid()`);
	const wide = await callJson(admin, 'exec', { connection_name: name, input: "select repeat('x', 8 * 1024 * 1024) as big" });
	assert.equal(wide.status, 'completed');
	assert.equal(wide.truncated, true, 'the output is cut at max_output_bytes');
	await waitFor(() => pooled() === '0', { what: 'the wide connection to be closed' });
	const narrow = await callJson(admin, 'exec', { connection_name: name, input: 'select 1 as one' });
	assert.equal(narrow.output, 'one\n1\n(1 row)\n');
	await new Promise((r) => setTimeout(r, 500));
	assert.equal(pooled(), '1', 'a narrow exec leaves its connection pooled');
});

test('a target that accepts TCP and never answers fails the exec after hoop_mcp.connect_timeout', async () => {
	const held = [];
	const server = net.createServer((sock) => { held.push(sock); });
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address();
	const name = `${P}-mute`;
	ensureConnection(name, { conninfo: `host=127.0.0.1 port=${port} dbname=x user=x password=x` });
	psql("ALTER SYSTEM SET hoop_mcp.connect_timeout = '2s'");
	psql('SELECT pg_reload_conf()');
	try {
		await new Promise((r) => setTimeout(r, 500));
		const r = await callJson(admin, 'exec', { connection_name: name, input: 'select 1' });
		assert.equal(r.status, 'failed');
		assert.equal(r.exit_code, 2);
		assert.equal(r.output, `psql: error: connection to server at "127.0.0.1", port ${port} failed: timeout expired\n`);
		assert.equal(psql(`SELECT status || ' ' || exit_code FROM hoop_mcp.sessions WHERE id = ${lit(r.session_id)}`), 'done 2');
	} finally {
		psql('ALTER SYSTEM RESET hoop_mcp.connect_timeout');
		psql('SELECT pg_reload_conf()');
		for (const s of held) s.destroy();
		server.close();
	}
});

// The worker's peak resident memory in kB since the last reset_peak().
function workerPid() {
	return psql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'hoop_mcp worker' ORDER BY pid LIMIT 1");
}
const peakKb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const resetPeak = (pid) => fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');

async function withSettings(settings, fn) {
	for (const [k, v] of Object.entries(settings)) psql(`ALTER SYSTEM SET hoop_mcp.${k} = ${lit(v)}`);
	psql('SELECT pg_reload_conf()');
	try {
		await new Promise((r) => setTimeout(r, 500));
		return await fn();
	} finally {
		for (const k of Object.keys(settings)) psql(`ALTER SYSTEM RESET hoop_mcp.${k}`);
		psql('SELECT pg_reload_conf()');
		await new Promise((r) => setTimeout(r, 300));
	}
}

test('a row wider than hoop_mcp.max_row_bytes stops its exec before the worker holds it', async () => {
	const pid = workerPid();
	await withSettings({ max_row_bytes: '8MB' }, async () => {
		resetPeak(pid);
		const before = peakKb(pid);
		const r = await callJson(admin, 'exec', { connection_name: SHOP_CONN, input: "select repeat('x', 100 * 1024 * 1024) as big" });
		const grew = peakKb(pid) - before;
		assert.equal(r.status, 'failed');
		assert.equal(r.exit_code, 1);
		assert.match(r.output, /hoop_mcp: stopped: a row \(or COPY line\) larger than hoop_mcp\.max_row_bytes \(8192 kB\) was arriving\n$/);
		assert.equal(psql(`SELECT status || ' ' || exit_code FROM hoop_mcp.sessions WHERE id = ${lit(r.session_id)}`), 'done 1');
		// libpq alone would have held the 100 MB row twice (buffer and result).
		assert.ok(grew < 48 * 1024, `the worker's peak grew by ${grew} kB for a 100 MB row`);
	});
	const after = await callJson(admin, 'exec', { connection_name: SHOP_CONN, input: "select length(repeat('x', 9 * 1024 * 1024)) as n" });
	assert.equal(after.output, 'n\n9437184\n(1 row)\n', 'the next exec is served');
});

test('rows arriving for all execs together are bounded by hoop_mcp.max_rows_in_flight', async () => {
	await withSettings({ max_rows_in_flight: '4MB' }, async () => {
		const r = await callJson(admin, 'exec', { connection_name: SHOP_CONN, input: "select repeat('x', 6 * 1024 * 1024) as big" });
		assert.equal(r.exit_code, 1);
		assert.match(r.output, /passed hoop_mcp\.max_rows_in_flight \(4096 kB\); try again\n$/);
		// What a stopped exec counted is given back: rows under the bound still pass.
		for (let i = 0; i < 3; i++) {
			const ok = await callJson(admin, 'exec', { connection_name: SHOP_CONN, input: "select length(repeat('x', 3 * 1024 * 1024)) as n, repeat('y', 3 * 1024 * 1024) as pad" });
			assert.equal(ok.exit_code, 0, `exec ${i} after the stopped one`);
		}
	});
});
