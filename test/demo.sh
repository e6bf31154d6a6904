#!/usr/bin/env bash
# Starts a local PostgreSQL 15 with hoop_mcp and a demo database, and prints
# the MCP endpoint, an API key and a client configuration.
#
#   sudo test/demo.sh          start (or show) the demo
#   sudo test/demo.sh stop     stop it
#   sudo test/demo.sh clean    stop it and delete its data
#
# Re-running is safe: an existing demo is started if needed and shown again.
# Data lives in $HOOP_DEMO_DIR (default /var/lib/hoop_mcp-demo).
set -euo pipefail

. "$(dirname "$0")/lib.sh"

DEMO=${HOOP_DEMO_DIR:-/var/lib/hoop_mcp-demo}
HTTP_PORT=${HOOP_DEMO_HTTP_PORT:-8009}

case "${1:-start}" in
	stop)
		cluster_stop "$DEMO"
		echo "hoop_mcp demo stopped (data kept in $DEMO)"
		exit 0
		;;
	clean)
		cluster_stop "$DEMO"
		rm -rf "$DEMO"
		echo "hoop_mcp demo removed"
		exit 0
		;;
	start) ;;
	*)
		echo "usage: $0 [start|stop|clean]" >&2
		exit 2
		;;
esac

install_deps
build_install

if [ ! -f "$DEMO/data/PG_VERSION" ]; then
	PGPORT=$(free_port 5433 5533)
	cluster_init "$DEMO" "$PGPORT" "$HTTP_PORT"
	echo "$PGPORT" >"$DEMO/pgport"
fi
PGPORT=$(cat "$DEMO/pgport")
export PGHOST=$DEMO PGPORT PGUSER=postgres PGDATABASE=postgres

if [ ! -f "$DEMO/data/postmaster.pid" ]; then
	cluster_start "$DEMO"
fi

if [ ! -f "$DEMO/api_key" ]; then
	agent_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
	psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -v pw="$agent_password" -v port="$PGPORT" <<'SQL'
CREATE DATABASE shop;
CREATE ROLE agent LOGIN PASSWORD :'pw';
\c shop
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, country text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2), placed_at timestamptz);
INSERT INTO customers
SELECT i, 'Customer ' || i, 'customer' || i || '@example.com', (ARRAY['US','DE','BR','JP'])[1 + i % 4]
FROM generate_series(1, 100) i;
INSERT INTO orders
SELECT i, 1 + i % 100, round((random() * 500)::numeric, 2), now() - i * interval '1 hour'
FROM generate_series(1, 1000) i;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO agent;
\c postgres
CREATE EXTENSION IF NOT EXISTS hoop_mcp;
SELECT hoop_mcp.create_user('admin@example.com', '{admin}', 'Demo Admin');
SELECT hoop_mcp.create_connection('shop-pg',
	format('host=127.0.0.1 port=%s dbname=shop user=agent password=%s', :'port', :'pw'),
	tags => '{"env": "demo"}');
-- Every exec on shop-pg-reviewed waits for a reviewer of group admin.
SELECT hoop_mcp.create_connection('shop-pg-reviewed',
	format('host=127.0.0.1 port=%s dbname=shop user=agent password=%s', :'port', :'pw'),
	tags => '{"env": "demo"}');
SELECT hoop_mcp.access_request_rules_create('demo-review', 'command', '{}', '{admin}', true,
	description => 'every exec on shop-pg-reviewed is reviewed', connection_names => '{shop-pg-reviewed}');
SQL
	psql -X -At -c "SELECT hoop_mcp.create_api_key('admin@example.com', 'demo key')" >"$DEMO/api_key"
	chmod 600 "$DEMO/api_key"
fi
KEY=$(cat "$DEMO/api_key")
URL=http://localhost:$HTTP_PORT/api/mcp
wait_http "http://127.0.0.1:$HTTP_PORT/api/mcp"

cat <<EOF

hoop_mcp demo is running.

  MCP endpoint : $URL
  API key      : $KEY   (user admin@example.com, group admin)
  PostgreSQL   : psql -h $DEMO -p $PGPORT -U postgres   (hoop_mcp is in database postgres)
  Connections  : shop-pg -> database shop (tables customers, orders)
                 shop-pg-reviewed -> the same, but every exec waits for a review
                 (approve with reviews_update, or from psql:
                  SELECT hoop_mcp.reviews_update('<review_id>', 'APPROVED');)

Client configuration (Claude Code .mcp.json, Cursor mcp.json):

{
  "mcpServers": {
    "hoop": {
      "type": "http",
      "url": "$URL",
      "headers": { "Authorization": "Bearer $KEY" }
    }
  }
}

Claude Code, in one line:
  claude mcp add --transport http hoop $URL --header "Authorization: Bearer $KEY"

Try it:
  curl -s $URL -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\
       -H "Authorization: Bearer $KEY" \\
       -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'

Audit trail:  psql -h $DEMO -p $PGPORT -U postgres -c 'TABLE hoop_mcp.sessions'
Stop:         sudo test/demo.sh stop
EOF
