#!/bin/bash
# compare-exec.sh - the psql corpus end to end: every case in corpus/*.sql
# goes through the real exec tool, once over MCP HTTP (tools/call exec)
# and once through SQL (hoop_mcp.exec(), which hands the call to the
# worker), and is compared with real psql run on the same input against
# the same database as the same user:
#   - the envelope's "output" byte for byte with psql's stdout+stderr (2>&1),
#   - the envelope's "exit_code" with psql's exit status, "status"
#     "completed" exactly when it is 0, and "truncated" false.
#
# Needs PGHOST PGPORT PGUSER PGDATABASE (a superuser on the database where
# hoop_mcp is created), HOOP_URL (the MCP endpoint), a database "shop" and
# the password "postgres" for role postgres (test/run-tests.sh start_cluster
# makes all of them).  Creates, unless they exist, the connection
# "psql-cmp" (TCP, password) to shop and the hoop_mcp user cmp@example.com
# (admin, mapped to role postgres); makes an API key and revokes it at the
# end.  Safe to run again on the same cluster.
#
# Inputs travel as JSON strings (MCP) and as text (SQL), which cannot carry
# bytes that are not UTF-8: such a case is sent as JSON decoding turns it
# into (invalid bytes become U+FFFD), and psql gets exactly those bytes
# too; its line says so.  Empty input is refused by the exec tool ("input
# is required", as hoop does), so the empty case expects that refusal.
#
# Usage: compare-exec.sh [case-name-pattern]
# Prints one line per case and path (ok / FAIL with a diff) and ends with
# "N passed, N failed"; exits 1 if anything failed, 2 if it could not start.

set -u
here=$(cd "$(dirname "$0")" && pwd)
pattern=${1:-}
conn=psql-cmp
email=cmp@example.com
# The exec tool answers within 50 s (hoop_mcp.exec_wait_timeout), with
# "running" if the execution goes on; no answer by this many seconds is a hang.
wait_secs=70

for v in PGHOST PGPORT PGUSER PGDATABASE HOOP_URL; do
	if [ -z "${!v:-}" ]; then
		echo "compare-exec.sh: $v must be set" >&2
		exit 2
	fi
done

# Same client encoding and message language as compare.sh.
export PGCLIENTENCODING=${PGCLIENTENCODING:-UTF8}
export LC_ALL=C
unset PSQLRC PGOPTIONS PGPASSWORD PGSERVICE PGTZ PGDATESTYLE PGAPPNAME

PG_CONFIG=${PG_CONFIG:-pg_config}
PSQL=${PSQL:-$($PG_CONFIG --bindir)/psql}
[ -x "$PSQL" ] || PSQL=psql

if ! command -v jq >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null 2>&1 ||
			{ DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null 2>&1; }
	fi
	command -v jq >/dev/null || { echo "compare-exec.sh: jq is needed" >&2; exit 2; }
fi
command -v curl >/dev/null || { echo "compare-exec.sh: curl is needed" >&2; exit 2; }

tmp=$(mktemp -d)
key=""
session=""
cleanup() {
	if [ -n "$session" ]; then
		curl -s -o /dev/null --max-time 10 -X DELETE -H "Authorization: Bearer $key" \
			-H "Mcp-Session-Id: $session" -H "MCP-Protocol-Version: $proto" "$HOOP_URL"
	fi
	if [ -n "$key" ]; then
		"$PSQL" -X -q -v ON_ERROR_STOP=1 -v key="$key" >/dev/null 2>&1 <<'SQL'
SELECT hoop_mcp.revoke_api_key(:'key');
SQL
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

admin_psql() {	# SQL on stdin, as the superuser in the hoop_mcp database
	"$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# ---------------------------------------------------------------------------
# Setup: connection, user mapped to role postgres, API key.
# ---------------------------------------------------------------------------
conninfo="host=127.0.0.1 port=$PGPORT dbname=shop user=postgres password=postgres"
key=$(admin_psql -v conn="$conn" -v conninfo="$conninfo" -v email="$email" <<'SQL' 2>"$tmp/setup.err"
SELECT hoop_mcp.create_connection(:'conn', :'conninfo')
 WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.connections WHERE name = :'conn') \g /dev/null
SELECT hoop_mcp.create_user(:'email', '{admin}', 'cmp',
		CASE WHEN EXISTS (SELECT 1 FROM hoop_mcp.users WHERE pg_role = 'postgres') THEN NULL ELSE 'postgres' END)
 WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE email = :'email') \g /dev/null
SELECT hoop_mcp.set_user_groups(:'email', '{admin}') \g /dev/null
SELECT hoop_mcp.set_user_status(:'email', 'active') \g /dev/null
SELECT hoop_mcp.create_api_key(:'email', 'test/psql/compare-exec.sh');
SQL
)
if [ $? != 0 ] || [[ "$key" != hmk_* ]]; then
	echo "compare-exec.sh: setup failed" >&2
	cat "$tmp/setup.err" >&2
	key=""
	exit 2
fi
sql_user=$(echo "SELECT email FROM hoop_mcp.users WHERE pg_role = 'postgres'" | admin_psql)
[ "$sql_user" = "$email" ] ||
	echo "note: role postgres is mapped to hoop_mcp user \"$sql_user\", the SQL path acts as it"

# ---------------------------------------------------------------------------
# MCP over HTTP: one session for the whole run.
# ---------------------------------------------------------------------------
proto=2025-11-25
rpc_id=0

# mcp_post BODYFILE: POSTs a JSON-RPC message; the answer's JSON (the last
# event of an SSE answer) goes to $tmp/resp.json, its HTTP status to $http.
mcp_post() {
	local hdrs=(-H "Authorization: Bearer $key" -H 'Content-Type: application/json'
		-H 'Accept: application/json, text/event-stream')
	[ -n "$session" ] && hdrs+=(-H "Mcp-Session-Id: $session" -H "MCP-Protocol-Version: $proto")
	rm -f "$tmp/resp.hdr" "$tmp/resp.body"
	http=$(curl -sS --max-time $wait_secs -D "$tmp/resp.hdr" -o "$tmp/resp.body" -w '%{http_code}' \
		"${hdrs[@]}" --data-binary @"$1" "$HOOP_URL" 2>"$tmp/curl.err") || http="none ($(tr -d '\n' < "$tmp/curl.err"))"
	if grep -qi '^content-type: *text/event-stream' "$tmp/resp.hdr" 2>/dev/null; then
		awk '/^data:/ { sub(/^data: ?/, ""); cur = cur $0 "\n"; next }
			/^\r?$/ { if (cur != "") last = cur; cur = "" }
			END { if (cur != "") last = cur; printf "%s", last }' "$tmp/resp.body" > "$tmp/resp.json"
	else
		cp "$tmp/resp.body" "$tmp/resp.json" 2>/dev/null || : > "$tmp/resp.json"
	fi
}

jq -n --arg v "$proto" '{jsonrpc: "2.0", id: 0, method: "initialize",
	params: {protocolVersion: $v, capabilities: {}, clientInfo: {name: "compare-exec.sh", version: "1"}}}' \
	> "$tmp/init.json"
mcp_post "$tmp/init.json"
session=$(sed -n 's/^mcp-session-id: *\([^[:space:]]*\).*/\1/Ip' "$tmp/resp.hdr" 2>/dev/null | tail -1)
if [ "$http" != 200 ] || [ -z "$session" ]; then
	echo "compare-exec.sh: MCP initialize failed (HTTP $http)" >&2
	head -c 2000 "$tmp/resp.body" >&2 2>/dev/null
	echo >&2
	session=""
	exit 2
fi
echo '{"jsonrpc":"2.0","method":"notifications/initialized"}' > "$tmp/note.json"
mcp_post "$tmp/note.json"
if [ "$http" != 202 ]; then
	echo "compare-exec.sh: notifications/initialized answered HTTP $http" >&2
	exit 2
fi

# Each exec_* INPUTFILE sets: got_err (tool error text, empty if none),
# got_rc, got_status, got_trunc, and writes the output to $tmp/got.out.
reset_got() {
	got_err="" got_rc="" got_status="" got_trunc=""
	: > "$tmp/got.out"
}

# Reads an envelope (JSON text in $1).
read_envelope() {
	if ! jq -e 'type == "object" and (.output | type) == "string"' "$1" >/dev/null 2>&1; then
		got_err="not an exec envelope: $(head -c 1000 "$1")"
		return
	fi
	jq -j '.output' "$1" > "$tmp/got.out"
	got_rc=$(jq -r '.exit_code' "$1")
	got_status=$(jq -r '.status' "$1")
	got_trunc=$(jq -r '.truncated' "$1")
}

exec_mcp() {
	reset_got
	rpc_id=$((rpc_id + 1))
	jq -Rs --arg c "$conn" --argjson id $rpc_id '{jsonrpc: "2.0", id: $id, method: "tools/call",
		params: {name: "exec", arguments: {connection_name: $c, input: .}}}' < "$1" > "$tmp/req.json"
	mcp_post "$tmp/req.json"
	if [ "$http" != 200 ]; then
		got_err="HTTP $http"
		[ -s "$tmp/resp.body" ] && got_err="$got_err: $(head -c 1000 "$tmp/resp.body")"
		return
	fi
	if ! iconv -f UTF-8 -t UTF-8 "$tmp/resp.json" >/dev/null 2>&1; then
		got_err="the HTTP answer is not valid UTF-8: $(head -c 1000 "$tmp/resp.json" | cat -A)"
		return
	fi
	if ! jq -e '.result.content[0].text | type == "string"' "$tmp/resp.json" >/dev/null 2>&1; then
		got_err="no tool result: $(head -c 1000 "$tmp/resp.json")"
		return
	fi
	jq -j '.result.content[0].text' "$tmp/resp.json" > "$tmp/envelope.json"
	if [ "$(jq -r '.result.isError // false' "$tmp/resp.json")" = true ]; then
		got_err="tool error: $(cat "$tmp/envelope.json")"
		return
	fi
	read_envelope "$tmp/envelope.json"
}

exec_sql() {
	reset_got
	{
		printf "SELECT hoop_mcp.exec(connection_name => '%s', input => pg_catalog.convert_from(pg_catalog.decode('" "$conn"
		base64 -w0 < "$1"
		printf "', 'base64'), 'UTF8'));\n"
	} > "$tmp/call.sql"
	timeout $wait_secs "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 < "$tmp/call.sql" > "$tmp/envelope.json" 2> "$tmp/sql.err"
	local rc=$?
	if [ $rc = 124 ]; then
		got_err="hoop_mcp.exec did not return within ${wait_secs}s"
		return
	fi
	if [ $rc != 0 ]; then
		got_err="hoop_mcp.exec failed (psql exit $rc): $(head -c 1000 "$tmp/sql.err")"
		return
	fi
	read_envelope "$tmp/envelope.json"
}

passed=0
failed=0

ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}

# check LABEL: compares what exec_* got with $tmp/psql.out and $prc.
check() {
	local label=$1 why="" want_status=completed
	[ "$prc" = 0 ] || want_status=failed
	if [ -n "$got_err" ]; then
		why="$got_err"
	else
		cmp -s "$tmp/psql.out" "$tmp/got.out" || why="output differs"
		[ "$got_rc" = "$prc" ] || why="${why:+$why; }exit_code $got_rc, psql $prc"
		[ "$got_status" = "$want_status" ] || why="${why:+$why; }status \"$got_status\", want \"$want_status\""
		[ "$got_trunc" = false ] || why="${why:+$why; }truncated $got_trunc"
	fi
	if [ -z "$why" ]; then
		ok "$label${note:+ ($note)}"
		return
	fi
	echo "FAIL $label (exit: psql $prc, exec ${got_rc:-none}): $why"
	if [ -z "$got_err" ] && ! cmp -s "$tmp/psql.out" "$tmp/got.out"; then
		diff -u --label psql --label exec \
			<(cat -A "$tmp/psql.out") <(cat -A "$tmp/got.out") | head -40 | sed 's/^/    /'
	fi
	failed=$((failed + 1))
}

# check_refused LABEL: the empty input, which the tool refuses.
check_refused() {
	local label=$1 want="input is required"
	if [[ "$got_err" == "tool error: $want" ]] ||
		[[ "$got_err" == "hoop_mcp.exec failed (psql exit 3): ERROR:  $want"* ]]; then
		ok "$label (empty input refused: $want)"
	else
		echo "FAIL $label: want the refusal \"$want\", got: ${got_err:-an envelope, exit_code $got_rc}"
		failed=$((failed + 1))
	fi
}

# Objects in shop outside the system schemas, temporary ones included
# (the corpus makes temp objects only: nothing may remain after a case).
shop_objects() {
	"$PSQL" -X -q -A -t -d shop <<'SQL'
SELECT n.nspname || '.' || c.relname || ' (' || c.relkind::text || ')'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
UNION ALL
SELECT n.nspname || '.' || p.proname || '()'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'schema ' || nspname FROM pg_namespace
 WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public')
   AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY 1;
SQL
}
shop_objects > "$tmp/shop.before"

# ---------------------------------------------------------------------------
# The corpus.
# ---------------------------------------------------------------------------
for f in "$here"/corpus/*.sql; do
	name=$(basename "$f" .sql)
	if [ -n "$pattern" ] && [[ "$name" != *$pattern* ]]; then
		continue
	fi
	# The input as the tool receives it: the file through a JSON string.
	jq -Rsj . < "$f" > "$tmp/input"
	note=""
	cmp -s "$f" "$tmp/input" ||
		note="input is not valid UTF-8: sent, and given to psql, as JSON decodes it"

	timeout 120 env PGPASSWORD=postgres "$PSQL" -X -A -F $'\t' -P pager=off -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$PGPORT" -U postgres shop < "$tmp/input" > "$tmp/psql.out" 2>&1
	prc=$?

	exec_mcp "$tmp/input"
	if [ -s "$tmp/input" ]; then check "mcp/$name"; else check_refused "mcp/$name"; fi
	exec_sql "$tmp/input"
	if [ -s "$tmp/input" ]; then check "sql/$name"; else check_refused "sql/$name"; fi
done

# Nothing left behind in shop (backends of finished psql runs drop their
# temp objects as they exit, which may take a moment).
for i in $(seq 1 50); do
	shop_objects > "$tmp/shop.after"
	cmp -s "$tmp/shop.before" "$tmp/shop.after" && break
	sleep 0.2
done
if cmp -s "$tmp/shop.before" "$tmp/shop.after"; then
	ok "clean/shop"
else
	echo "FAIL clean/shop: objects left in database shop"
	diff -u --label before --label after "$tmp/shop.before" "$tmp/shop.after" | sed 's/^/    /'
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ $failed = 0 ]
