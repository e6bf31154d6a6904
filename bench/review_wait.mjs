// Approval -> wake latency of reviews_wait, measured from the approving
// COMMIT (its commit timestamp, track_commit_timestamp = on) to the
// waiter's answer:
//   - MCP waiter: a tools/call reviews_wait, timed when its HTTP answer
//     arrives here (same host clock as the server);
//   - psql waiter: hoop_mcp.reviews_wait() in a SQL session, timed by
//     clock_timestamp() right after the function returns;
//   - baseline, in the same run: hoop's way, polling reviews_get every 2 s.
// Run by bench/review_wait.sh, which sets up the cluster and the users.
import { execFileSync, spawn } from 'node:child_process';

const URL = process.env.HOOP_URL;
const N = Number(process.env.N || 200);
const BASE_N = Number(process.env.BASE_N || 10);
const REQ_KEY = process.env.REQ_KEY;
const CONN = process.env.CONN;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const psql = (sql) => execFileSync('psql', ['-X', '-At', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();

let rpcId = 1;
async function session(key) {
	const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${key}` };
	const init = await fetch(URL, { method: 'POST', headers: h, body: JSON.stringify({
		jsonrpc: '2.0', id: rpcId++, method: 'initialize',
		params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
	await init.text();
	const sh = { ...h, 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-06-18' };
	return async (name, args) => {
		const r = await fetch(URL, { method: 'POST', headers: sh, body: JSON.stringify({
			jsonrpc: '2.0', id: rpcId++, method: 'tools/call', params: { name, arguments: args } }) });
		const j = await r.json();
		if (j.result?.isError) throw new Error(`${name}: ${j.result.content[0].text}`);
		return JSON.parse(j.result.content[0].text);
	};
}

const approve = (id) => psql(`SET ROLE bench_dba; SELECT hoop_mcp.reviews_update('${id}', 'APPROVED')`);
const commitUs = (id) => Number(psql(
	`SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1e6)::bigint FROM hoop_mcp.reviews WHERE id = '${id}'`));

async function mcpSample(tool) {
	const { review_id: id } = await tool('exec', { connection_name: CONN, input: 'SELECT 1' });
	let answeredUs;
	const waiting = tool('reviews_wait', { id, timeout_seconds: 60 }).then((w) => { answeredUs = nowUs(); return w; });
	await sleep(30);
	approve(id);
	const w = await waiting;
	if (w.status !== 'APPROVED' || w.timed_out) throw new Error(`unexpected wait result ${JSON.stringify(w)}`);
	return (answeredUs - commitUs(id)) / 1000;
}

async function psqlSample(tool) {
	const { review_id: id } = await tool('exec', { connection_name: CONN, input: 'SELECT 1' });
	const child = spawn('psql', ['-X', '-At', '-q', '-v', 'ON_ERROR_STOP=1', '-c',
		`SET ROLE bench_req; SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint FROM hoop_mcp.reviews_wait('${id}', 60)`]);
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	const done = new Promise((r) => child.on('close', r));
	for (let i = 0; i < 500; i++) {
		if (psql(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Extension' AND query LIKE '%${id}%'`) === '1') break;
		await sleep(5);
	}
	approve(id);
	await done;
	return (Number(out.trim()) - commitUs(id)) / 1000;
}

// hoop's waitUntil: check, then poll every 2 s.
async function pollingSample(tool) {
	const { review_id: id } = await tool('exec', { connection_name: CONN, input: 'SELECT 1' });
	let seenUs;
	const polling = (async () => {
		for (;;) {
			const r = await tool('reviews_get', { id });
			if (r.status === 'APPROVED') { seenUs = nowUs(); return; }
			await sleep(2000);
		}
	})();
	await sleep(100 + Math.random() * 2000);
	approve(id);
	await polling;
	return (seenUs - commitUs(id)) / 1000;
}

function stats(xs) {
	const s = [...xs].sort((a, b) => a - b);
	const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
	return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const tool = await session(REQ_KEY);
const runs = { mcp: [], psql: [], polling: [] };
// Interleaved, so both waiters see the same machine state.
for (let i = 0; i < N; i++) {
	runs.mcp.push(await mcpSample(tool));
	runs.psql.push(await psqlSample(tool));
	if (i < BASE_N) runs.polling.push(await pollingSample(tool));
}
const rows = [
	['MCP reviews_wait (hoop_mcp)', stats(runs.mcp)],
	['psql reviews_wait (hoop_mcp)', stats(runs.psql)],
	['poll reviews_get every 2 s (hoop)', stats(runs.polling)],
];
console.log('approval COMMIT -> waiter answer, ms');
console.log('waiter                               samples      p50      p99      max     mean');
for (const [name, s] of rows) {
	console.log(`${name.padEnd(36)} ${String(s.n).padStart(7)} ${s.p50.toFixed(2).padStart(8)} ${s.p99.toFixed(2).padStart(8)} ${s.max.toFixed(2).padStart(8)} ${s.mean.toFixed(2).padStart(8)}`);
}
const base = stats(runs.polling).mean;
console.log(`polling mean / MCP mean: ${(base / stats(runs.mcp).mean).toFixed(0)}x; polling mean / psql mean: ${(base / stats(runs.psql).mean).toFixed(0)}x`);
