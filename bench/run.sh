#!/usr/bin/env bash
# hoop_mcp throughput benchmark: exec of SELECT 1 and of a 100-row SELECT
# through MCP tools/call, at concurrency 1 and 16, against a pgbench floor
# running the same queries in the same run, and (when installed) Google's
# MCP Toolbox and DBHub, interleaved.  Not a test: it prints a table.
#
#   sudo bench/run.sh                     hoop + floor (+ peers if installed)
#   REPS=5 DUR=10 sudo bench/run.sh
#   TARGETS="floor extra" sudo bench/run.sh   skip the peers
#   BENCH_CONNECTION=bench-ro sudo bench/run.sh   exec on a read-only connection
#
# The cluster keeps PostgreSQL's default durability (fsync and
# synchronous_commit on): every session row is flushed before its query
# runs.  It uses the shared peer harness (../shared/bench-peers, or
# $BENCH_PEERS): mcpload.mjs, pgfloor.mjs, bench.sh, summarize.mjs.
set -euo pipefail

. "$(dirname "$0")/../test/lib.sh"
PEERS=${BENCH_PEERS:-$HOOP_ROOT/../shared/bench-peers}
export BENCH_STATE=${BENCH_STATE:-/tmp/hoop-bench}
[ -f "$PEERS/mcpload.mjs" ] || { echo "peer harness not found at $PEERS (set BENCH_PEERS)" >&2; exit 1; }

. "$(dirname "$0")/setup.sh"

# The peers run against this same cluster (cluster.env above); a peer that
# is not installed (peers.sh install) is left out.
WANT=${TARGETS:-floor extra toolbox dbhub}
TARGETS=""
for t in $WANT; do
	case $t in
		toolbox | dbhub)
			if "$PEERS/peers.sh" start "$t" >/dev/null 2>&1; then TARGETS="$TARGETS $t"
			else echo "note: $t not started (install the peers with $PEERS/peers.sh install)"; fi ;;
		*) TARGETS="$TARGETS $t" ;;
	esac
done

echo "hoop_mcp at http://127.0.0.1:$HTTP_PORT/api/mcp, PostgreSQL on $PGPORT, targets: $TARGETS"
EXTRA_NAME=hoop EXTRA_URL=http://127.0.0.1:$HTTP_PORT/api/mcp EXTRA_TOOL=exec EXTRA_ARGKEY=input \
	EXTRA_BASE_ARGS="{\"connection_name\":\"${BENCH_CONNECTION:-bench-pg}\"}" EXTRA_HEADER="Authorization: Bearer $KEY" \
	TARGETS="$TARGETS" REPS=${REPS:-3} DUR=${DUR:-10} WARM=${WARM:-2} \
	OUT=${OUT:-$BENCH_STATE/results-$(date +%Y%m%d-%H%M%S).jsonl} "$PEERS/bench.sh"

# The harness ceiling in the same run: the same load generator against the
# peers' do-nothing MCP server (mockmcp.mjs, sessions on).  No server that
# does any work can pass it on this machine; it bounds every ratio above.
if [ -f "$PEERS/mockmcp.mjs" ]; then
	MOCK_PORT=$(free_port 19700 19800)
	node "$PEERS/mockmcp.mjs" --port "$MOCK_PORT" --sessions --ttl $(( (${DUR:-10} + ${WARM:-2} + 5) * 2 + 10 )) 2>/dev/null &
	MOCK_PID=$!
	sleep 1
	for c in 1 16; do
		node "$PEERS/mcpload.mjs" --url "http://127.0.0.1:$MOCK_PORT/mcp" --tool echo --args '{"sql":"SELECT 1"}' \
			-c "$c" -d "${DUR:-10}" --warmup "${WARM:-2}" --json --quiet >"$BENCH_STATE/ceiling-c$c.json" || true
		node -e 'const r=require(process.argv[1]); console.log(`harness ceiling (mockmcp, does nothing) c=${process.argv[2]}: ${Math.round(r.rps)} req/s p50=${r.latency_ms.p50} ms`)' \
			"$BENCH_STATE/ceiling-c$c.json" "$c" || true
	done
	kill "$MOCK_PID" 2>/dev/null || true
fi

# Durability check: every session this run wrote is finished.
"${P[@]}" -d postgres -At -c "SELECT 'sessions written: ' || count(*) || ', still open: ' || count(*) FILTER (WHERE status <> 'done') FROM hoop_mcp.sessions"
