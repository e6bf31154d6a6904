#!/usr/bin/env bash
# Approval -> wake latency of reviews_wait: an MCP waiter and a psql waiter,
# N samples each (default 200), interleaved, against hoop's way (polling
# every 2 s, BASE_N samples, default 10) in the same run.  Prints p50, p99,
# max and mean in ms.  Not a test.
#
#   sudo bench/review_wait.sh
#   N=50 BASE_N=5 sudo bench/review_wait.sh
#
# The cluster keeps PostgreSQL's default durability (fsync and
# synchronous_commit on) and turns on track_commit_timestamp, the clock the
# latency is measured from.
set -euo pipefail

. "$(dirname "$0")/../test/lib.sh"
install_deps
build_install

DIR=$(mktemp -d /tmp/hoop-review-bench.XXXXXX)
export PGPORT HTTP_PORT
PGPORT=$(free_port 56600 56700)
HTTP_PORT=$(free_port 19700 19800)
cluster_init "$DIR" "$PGPORT" "$HTTP_PORT" "track_commit_timestamp = on"
cluster_start "$DIR"
trap 'cluster_stop "$DIR"; rm -rf "$DIR"' EXIT

export PGHOST=$DIR PGUSER=postgres PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -o /dev/null <<'SQL'
ALTER ROLE postgres PASSWORD 'bench';
CREATE EXTENSION hoop_mcp;
CREATE ROLE bench_req;
CREATE ROLE bench_dba;
SELECT hoop_mcp.create_user('req@example.com', '{dev}', 'Req', 'bench_req');
SELECT hoop_mcp.create_user('dba@example.com', '{dba}', 'Dba', 'bench_dba');
SELECT hoop_mcp.access_request_rules_create('bench', 'command', '{}', '{dba}', true,
	connection_names => '{bench-pg}');
SQL
psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -c \
	"SELECT hoop_mcp.create_connection('bench-pg', 'host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres password=bench')"
export REQ_KEY CONN=bench-pg HOOP_URL=http://127.0.0.1:$HTTP_PORT/api/mcp
REQ_KEY=$(psql -X -At -c "SELECT hoop_mcp.create_api_key('req@example.com')")
wait_http "$HOOP_URL"
node "$HOOP_ROOT/bench/review_wait.mjs"
