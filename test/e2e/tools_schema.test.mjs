// Schema tools: connection_databases, connection_tables, connection_columns.
// Odd identifiers (quotes, semicolons) prove names travel as data, never as
// SQL or connection-string text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	setupFixtures, connectClient, callJson, callError, uniq, psql, lit, ensureConnection, SHOP_CONN,
} from './helpers.mjs';

const ODD_SCHEMA = 'we"ird;name';
const ODD_TABLE = 't;ab"le';
const ODD_COLUMN = 'co"l;x';
const ODD_VIEW = "v'iew; --";
const ODD_DB = 'we"ird;db';
const qi = (s) => `"${s.replace(/"/g, '""')}"`;

let fx;
const clients = {};
let P;

before(async () => {
	fx = setupFixtures();
	for (const role of ['admin', 'alice']) clients[role] = await connectClient(fx[role].key);
	P = uniq('sc');
	psql(`CREATE SCHEMA IF NOT EXISTS ${qi(ODD_SCHEMA)};
	      CREATE TABLE IF NOT EXISTS ${qi(ODD_SCHEMA)}.${qi(ODD_TABLE)} (id integer NOT NULL, ${qi(ODD_COLUMN)} text);
	      CREATE OR REPLACE VIEW ${qi(ODD_SCHEMA)}.${qi(ODD_VIEW)} AS SELECT 1 AS one;
	      CREATE MATERIALIZED VIEW IF NOT EXISTS public.e2e_mat AS SELECT 1 AS one;
	      CREATE TABLE IF NOT EXISTS public.e2e_items (id bigint NOT NULL, label varchar(20), price numeric(10,2));`, { db: 'shop' });
	if (psql(`SELECT count(*) FROM pg_database WHERE datname = ${lit(ODD_DB)}`) === '0') psql(`CREATE DATABASE ${qi(ODD_DB)}`);
	psql('CREATE TABLE IF NOT EXISTS inside (x int)', { db: ODD_DB });
});
after(async () => { for (const c of Object.values(clients)) await c.close(); });

/** Data lines of a psql-style output, checking the header and the row-count footer. */
function rows(output, header) {
	const lines = output.split('\n');
	assert.equal(lines[0], header);
	assert.equal(lines[lines.length - 1], '', 'ends with a newline');
	const footer = lines[lines.length - 2];
	const data = lines.slice(1, -2);
	assert.equal(footer, data.length === 1 ? '(1 row)' : `(${data.length} rows)`);
	return data;
}

test('connection_databases: non-template databases except postgres, sorted', async () => {
	const r = await callJson(clients.alice, 'connection_databases', { connection_name: SHOP_CONN });
	assert.deepEqual(Object.keys(r).sort(), ['connection_name', 'connection_subtype', 'output']);
	assert.equal(r.connection_name, SHOP_CONN);
	assert.equal(r.connection_subtype, 'postgres');
	const dbs = rows(r.output, 'database_name');
	assert.ok(dbs.includes('shop'));
	assert.ok(dbs.includes(ODD_DB));
	assert.ok(!dbs.includes('postgres') && !dbs.includes('template1') && !dbs.includes('template0'));
	assert.deepEqual(dbs, psql(`SELECT string_agg(datname, E'\\n' ORDER BY datname) FROM pg_database
	                            WHERE NOT datistemplate AND datname NOT IN ('postgres', 'rdsadmin')`).split('\n'));
});

test('connection_tables: tables, views and materialized views with odd names, system schemas excluded', async () => {
	const r = await callJson(clients.alice, 'connection_tables', { connection_name: SHOP_CONN, database: 'shop' });
	assert.deepEqual(Object.keys(r).sort(), ['connection_name', 'connection_subtype', 'database', 'output']);
	assert.equal(r.database, 'shop');
	const lines = rows(r.output, 'schema_name\tobject_type\tobject_name');
	assert.ok(lines.includes(`${ODD_SCHEMA}\ttable\t${ODD_TABLE}`), r.output);
	assert.ok(lines.includes(`${ODD_SCHEMA}\tview\t${ODD_VIEW}`), r.output);
	assert.ok(lines.includes('public\tmaterialized_view\te2e_mat'), r.output);
	assert.ok(lines.includes('public\ttable\te2e_items'), r.output);
	for (const l of lines) assert.doesNotMatch(l, /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+)\t/);
});

test('connection_tables: connects to the database asked for, even with an odd name', async () => {
	const r = await callJson(clients.alice, 'connection_tables', { connection_name: SHOP_CONN, database: ODD_DB });
	assert.equal(r.database, ODD_DB);
	assert.deepEqual(rows(r.output, 'schema_name\tobject_type\tobject_name'), ['public\ttable\tinside']);
});

test('connection_tables: a database name is never parsed as a connection string', async () => {
	for (const db of ['dbname=postgres', "shop' dbname='postgres", 'postgresql://postgres@127.0.0.1/postgres']) {
		const err = await callError(clients.alice, 'connection_tables', { connection_name: SHOP_CONN, database: db });
		assert.match(err, /^schema query failed: /, db);
		assert.match(err, /does not exist/, db);
	}
});

test('connection_columns: odd schema, table and column names', async () => {
	const r = await callJson(clients.alice, 'connection_columns', {
		connection_name: SHOP_CONN, database: 'shop', schema: ODD_SCHEMA, table: ODD_TABLE,
	});
	assert.deepEqual(Object.keys(r).sort(), ['connection_name', 'connection_subtype', 'database', 'output', 'schema', 'table']);
	assert.equal(r.schema, ODD_SCHEMA);
	assert.equal(r.table, ODD_TABLE);
	assert.equal(r.output, `column_name\tcolumn_type\tnullable\nid\tinteger\tf\n${ODD_COLUMN}\ttext\tt\n(2 rows)\n`);
});

test('connection_columns: schema defaults to public; format_type types', async () => {
	const r = await callJson(clients.alice, 'connection_columns', { connection_name: SHOP_CONN, database: 'shop', table: 'e2e_items' });
	assert.equal(r.schema, 'public');
	assert.equal(r.output, 'column_name\tcolumn_type\tnullable\n'
		+ 'id\tbigint\tf\nlabel\tcharacter varying(20)\tt\nprice\tnumeric(10,2)\tt\n(3 rows)\n');
});

test('connection_columns: injection attempts are just names that match nothing', async () => {
	const attempts = [
		{ table: "e2e_items'; DROP TABLE public.e2e_items; --" },
		{ table: 'e2e_items" ; DROP TABLE public.e2e_items; --' },
		{ table: 'e2e_items', schema: "public' OR '1'='1" },
		{ table: "x' UNION SELECT usename, passwd, 't' FROM pg_shadow --" },
	];
	for (const a of attempts) {
		const r = await callJson(clients.alice, 'connection_columns', { connection_name: SHOP_CONN, database: 'shop', ...a });
		assert.equal(r.output, 'column_name\tcolumn_type\tnullable\n(0 rows)\n', JSON.stringify(a));
	}
	assert.equal(psql("SELECT count(*) FROM pg_class WHERE relname = 'e2e_items'", { db: 'shop' }), '1', 'table still there');
});

test('schema tools: required arguments and connection checks', async () => {
	assert.equal(await callError(clients.alice, 'connection_tables', { connection_name: SHOP_CONN, database: '' }), 'database is required');
	assert.equal(await callError(clients.alice, 'connection_columns', { connection_name: SHOP_CONN, database: 'shop', table: '' }), 'table is required');
	assert.equal(await callError(clients.alice, 'connection_databases', { connection_name: '' }), 'connection_name is required');
	const missing = `${P}-nope`;
	for (const [tool, args] of [['connection_databases', {}], ['connection_tables', { database: 'shop' }],
		['connection_columns', { database: 'shop', table: 't' }]]) {
		assert.equal(await callError(clients.alice, tool, { connection_name: missing, ...args }),
			`connection "${missing}" not found or not accessible`, tool);
	}
});

test('schema tools: non-database and non-postgres connections are refused', async () => {
	const app = `${P}-app`;
	const my = `${P}-mysql`;
	await callJson(clients.admin, 'connections_create', { name: app, type: 'application', subtype: 'tcp' });
	await callJson(clients.admin, 'connections_create', { name: my, type: 'database', subtype: 'mysql' });
	assert.equal(await callError(clients.alice, 'connection_databases', { connection_name: app }),
		`connection "${app}" is not a database type`);
	assert.equal(await callError(clients.alice, 'connection_databases', { connection_name: my }),
		'listing databases is not supported for connection type "mysql"');
	assert.equal(await callError(clients.alice, 'connection_tables', { connection_name: my, database: 'x' }),
		'listing tables is not supported for connection type "mysql"');
	assert.equal(await callError(clients.alice, 'connection_columns', { connection_name: my, database: 'x', table: 'y' }),
		'listing columns is not supported for connection type "mysql"');
});

test('schema tools write no session rows (plain-exec)', async () => {
	const name = `${P}-plain`;
	ensureConnection(name);
	await callJson(clients.alice, 'connection_databases', { connection_name: name });
	await callJson(clients.alice, 'connection_tables', { connection_name: name, database: 'shop' });
	await callJson(clients.alice, 'connection_columns', { connection_name: name, database: 'shop', table: 'e2e_items' });
	assert.equal(psql(`SELECT count(*) FROM hoop_mcp.sessions WHERE connection = ${lit(name)}`), '0');
});
