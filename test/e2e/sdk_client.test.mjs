// The official TypeScript SDK client (Client + StreamableHTTPClientTransport)
// against hoop_mcp: connect, list tools, call them, errors, session end.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, ErrorCode, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import {
	setupFixtures, connectClient, callJson, sqlRows, post, HOOP_URL, SHOP_CONN, nextId,
} from './helpers.mjs';

let fx;
before(() => { fx = setupFixtures(); });

test('connects: server info, capabilities, a session id, the latest protocol version', async () => {
	const transport = new StreamableHTTPClientTransport(new URL(HOOP_URL), {
		requestInit: { headers: { Authorization: `Bearer ${fx.alice.key}` } },
	});
	const client = new Client({ name: 'hoop-e2e-sdk', version: '1.0.0' });
	await client.connect(transport);
	try {
		assert.equal(client.getServerVersion().name, 'hoop_mcp');
		const caps = client.getServerCapabilities();
		assert.ok(caps.tools);
		assert.ok(caps.logging);
		assert.match(transport.sessionId, /^[\x21-\x7e]+$/);
		assert.equal(transport.protocolVersion, LATEST_PROTOCOL_VERSION);
		assert.equal(typeof client.getInstructions(), 'string');
	} finally {
		await client.close();
	}
});

test('lists the whole tool catalogue', async () => {
	const client = await connectClient(fx.alice.key);
	try {
		const { tools } = await client.listTools();
		const catalogue = sqlRows('SELECT name, description FROM hoop_mcp.tools ORDER BY name');
		assert.deepEqual(tools.map((t) => t.name).sort(), catalogue.map((t) => t.name));
		for (const t of tools) {
			assert.equal(t.description, catalogue.find((c) => c.name === t.name).description);
		}
	} finally {
		await client.close();
	}
});

test('calls tools: me_get, connections_list, exec', async () => {
	const client = await connectClient(fx.bob.key);
	try {
		const me = await callJson(client, 'me_get');
		assert.equal(me.user_email, fx.bob.email);
		const conns = await callJson(client, 'connections_list', { name: SHOP_CONN });
		assert.deepEqual(conns.map((c) => c.name), [SHOP_CONN]);
		const r = await callJson(client, 'exec', { connection_name: SHOP_CONN, input: "select 'sdk' as via" });
		assert.equal(r.status, 'completed');
		assert.equal(r.output, 'via\nsdk\n(1 row)\n');
	} finally {
		await client.close();
	}
});

test('concurrent calls on one session all complete, each with its own exec session', async () => {
	const client = await connectClient(fx.alice.key);
	try {
		const results = await Promise.all([0, 1, 2, 3, 4].map((i) =>
			callJson(client, 'exec', { connection_name: SHOP_CONN, input: `select ${i} as n, pg_sleep(0.2)` })));
		results.forEach((r, i) => {
			assert.equal(r.status, 'completed');
			assert.match(r.output, new RegExp(`^n\\tpg_sleep\\n${i}\\t\\n`));
		});
		assert.equal(new Set(results.map((r) => r.session_id)).size, 5);
	} finally {
		await client.close();
	}
});

test('a call with a progress callback (progressToken) still answers', async () => {
	const client = await connectClient(fx.alice.key);
	try {
		const r = await client.callTool({ name: 'exec', arguments: { connection_name: SHOP_CONN, input: 'select 1 as one' } },
			undefined, { onprogress: () => {} });
		assert.equal(r.isError, undefined);
		assert.equal(JSON.parse(r.content[0].text).status, 'completed');
	} finally {
		await client.close();
	}
});

test('tool errors: isError results for business errors, McpError -32602 for an unknown tool', async () => {
	const client = await connectClient(fx.alice.key);
	try {
		const r = await client.callTool({ name: 'connections_create', arguments: { name: 'sdk-denied', type: 'custom' } });
		assert.equal(r.isError, true);
		assert.equal(r.content[0].text, 'admin access required');
		await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }),
			(e) => e instanceof McpError && e.code === ErrorCode.InvalidParams);
	} finally {
		await client.close();
	}
});

test('ping and logging/setLevel', async () => {
	const client = await connectClient(fx.alice.key);
	try {
		assert.deepEqual(await client.ping(), {});
		assert.deepEqual(await client.setLoggingLevel('warning'), {});
		await assert.rejects(client.setLoggingLevel('chatty'), (e) => e instanceof McpError && e.code === ErrorCode.InvalidParams);
	} finally {
		await client.close();
	}
});

test('terminateSession sends DELETE; the old session id is then unknown (404)', async () => {
	const transport = new StreamableHTTPClientTransport(new URL(HOOP_URL), {
		requestInit: { headers: { Authorization: `Bearer ${fx.alice.key}` } },
	});
	const client = new Client({ name: 'hoop-e2e-sdk', version: '1.0.0' });
	await client.connect(transport);
	const sid = transport.sessionId;
	await transport.terminateSession();
	assert.equal(transport.sessionId, undefined);
	await client.close();
	const r = await post({ jsonrpc: '2.0', id: nextId(), method: 'ping' }, { key: fx.alice.key, session: sid });
	assert.equal(r.status, 404);
});

test('connecting with a bad key fails', async () => {
	const transport = new StreamableHTTPClientTransport(new URL(HOOP_URL), {
		requestInit: { headers: { Authorization: 'Bearer hmk_not_a_real_key_0000000000000000000000000000' } },
	});
	const client = new Client({ name: 'hoop-e2e-sdk', version: '1.0.0' });
	await assert.rejects(client.connect(transport), /401|nauthorized/);
	await client.close();
});
