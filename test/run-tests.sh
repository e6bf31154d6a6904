#!/usr/bin/env bash
# Runs every hoop_mcp test and ends with one line "N passed, N failed".
#
#   sudo test/run-tests.sh            all suites
#   sudo test/run-tests.sh regress e2e    only those suites
#
# Suites: layers (src/ calls only downward, test/check-layers.pl), regress
# (pg_regress, SQL API), tap (worker: restarts, crashes, shutdown), psql
# (exec output against real psql), e2e (MCP over HTTP with the official
# TypeScript SDK client), conformance (the official MCP conformance suite).  Installs what it needs (Debian packages, npm
# packages under test/e2e/node_modules), builds and installs hoop_mcp, and
# runs each suite against throwaway clusters it removes afterwards.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
cd "$HOOP_ROOT"

SUITES=${*:-layers regress tap psql e2e conformance}
PASSED=0
FAILED=0
WORK=$(mktemp -d /tmp/hoop-test.XXXXXX)
chmod 755 "$WORK"
chown postgres: "$WORK" 2>/dev/null || true
CLUSTERS=()

cleanup() {
	for c in "${CLUSTERS[@]}"; do cluster_stop "$c"; done
	rm -rf "$WORK"
}
trap cleanup EXIT

count() {	# count PASSED FAILED SUITE
	PASSED=$((PASSED + $1))
	FAILED=$((FAILED + $2))
	echo "== $3: $1 passed, $2 failed"
}

# A cluster with hoop_mcp preloaded and created in "postgres", a target
# database "shop", and the postgres role's password (the worker refuses
# passwordless target connections).  Sets PGHOST PGPORT HTTP_PORT.
start_cluster() {	# start_cluster NAME [extra conf]
	local dir=$WORK/$1
	export PGPORT HTTP_PORT
	PGPORT=$(free_port 55432 55632)
	HTTP_PORT=$(free_port 18700 18899)
	cluster_init "$dir" "$PGPORT" "$HTTP_PORT" "${2:-}" || return 1
	cluster_start "$dir" || return 1
	CLUSTERS+=("$dir")
	export PGHOST=$dir PGUSER=postgres PGDATABASE=postgres
	export HOOP_URL=http://127.0.0.1:$HTTP_PORT/api/mcp HOOP_PGDIR=$dir
	psql -X -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
ALTER ROLE postgres PASSWORD 'postgres';
CREATE DATABASE shop;
CREATE EXTENSION hoop_mcp;
SQL
	wait_http "$HOOP_URL"
}

# src/ is layered; and the checker catches an upward call, an upward
# include and a circle in a small tree made for the purpose.
run_layers() {
	local bad=$WORK/layers pass=0 fail=0
	expect() {	# expect PASS|FAIL DIR WHAT
		local out rc
		out=$(perl test/check-layers.pl "$2" 2>&1)
		rc=$?
		echo "$out"
		if { [ "$1" = PASS ] && [ $rc = 0 ]; } || { [ "$1" = FAIL ] && [ $rc = 1 ]; }; then
			echo "ok - $3"
			pass=$((pass + 1))
		else
			echo "not ok - $3"
			fail=$((fail + 1))
		fi
	}
	expect PASS src "src/ calls only downward, without circles"
	mkdir -p "$bad/up/lib" "$bad/up/store" "$bad/inc/lib" "$bad/inc/store" "$bad/circle/store"
	printf 'void\nstore_write(void)\n{\n}\n' >"$bad/up/store/rows.c"
	printf 'void\nlib_helper(void)\n{\n\tstore_write();\n}\n' >"$bad/up/lib/util.c"
	expect FAIL "$bad/up" "a call from lib/ up into store/ is refused"
	printf 'int store_x;\n' >"$bad/inc/store/rows.h"
	printf '#include "store/rows.h"\n' >"$bad/inc/lib/util.c"
	expect FAIL "$bad/inc" "an include of a store/ header from lib/ is refused"
	printf 'void b(void);\nvoid\na(void)\n{\n\tb();\n}\n' >"$bad/circle/store/a.c"
	printf 'void a(void);\nvoid\nb(void)\n{\n\ta();\n}\n' >"$bad/circle/store/b.c"
	expect FAIL "$bad/circle" "two files calling each other are refused"
	count $pass $fail layers
}

run_regress() {
	local out=$WORK/regress-out rc
	start_cluster regress || { count 0 1 regress; return; }
	mkdir -p "$out"
	make -s with_llvm=no installcheck REGRESS_OPTS="--dbname=contrib_regression --outputdir=$out" \
		ISOLATION_OPTS="--outputdir=$out/iso" \
		>"$WORK/regress.log" 2>&1
	rc=$?
	cat "$WORK/regress.log"
	[ $rc = 0 ] || cat "$out/regression.diffs" "$out/iso/regression.diffs" 2>/dev/null
	# HOOP_REGRESS_RESULTS=dir keeps the results (to update expected/).
	[ -z "${HOOP_REGRESS_RESULTS:-}" ] || cp "$out"/results/*.out "$out"/iso/results/*.out "$HOOP_REGRESS_RESULTS"/
	local total failed
	total=$(grep -cE '^(ok|not ok) ' "$WORK/regress.log")
	failed=$(grep -cE '^not ok ' "$WORK/regress.log")
	if [ "$total" = 0 ]; then
		total=$(grep -cE '^test .* \.\.\. ' "$WORK/regress.log")
		failed=$(grep -cE '^test .* \.\.\. FAILED' "$WORK/regress.log")
	fi
	[ "$total" -gt 0 ] || { count 0 1 regress; return; }
	count $((total - failed)) "$failed" regress
}

run_tap() {
	local dir=$WORK/tap rc
	mkdir -p "$dir"
	cp -r test/t Makefile sql src hoop_mcp.control "$dir"/ 2>/dev/null
	chown -R postgres: "$dir"
	as_postgres make -C "$dir" -s with_llvm=no installcheck REGRESS= ISOLATION= TAP_TESTS=1 \
		PROVE_TESTS='t/*.pl' PROVE_FLAGS='--timer' >"$WORK/tap.log" 2>&1
	rc=$?
	cat "$WORK/tap.log"
	[ $rc = 0 ] || tail -n 80 "$dir"/tmp_check/log/*.log 2>/dev/null
	local tests failed
	tests=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$WORK/tap.log" | tail -1)
	failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$WORK/tap.log" | awk '{s+=$1} END {print s+0}')
	[ -n "$tests" ] || { count 0 1 tap; return; }
	[ $rc = 0 ] || [ "$failed" -gt 0 ] || failed=1
	count $((tests - failed)) "$failed" tap
}

e2e_install() {
	(cd test/e2e && { [ -d node_modules/@modelcontextprotocol/sdk ] || npm ci --silent --no-audit --no-fund; }) >"$WORK/npm.log" 2>&1 ||
		{ cat "$WORK/npm.log"; return 1; }
}

run_psql() {
	start_cluster psql || { count 0 1 psql; return; }
	local log=$WORK/psql.log
	test/psql/compare-exec.sh >"$log" 2>&1
	cat "$log"
	summarize_plain "$log" psql
}

run_e2e() {
	e2e_install || { count 0 1 e2e; return; }
	start_cluster e2e || { count 0 1 e2e; return; }
	local log=$WORK/e2e.log
	(cd test/e2e && node --test --test-concurrency=1 ./*.test.mjs) >"$log" 2>&1
	cat "$log"
	local pass fail
	pass=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$log" | tail -1)
	[ -n "$pass" ] || { count 0 1 e2e; return; }
	count "$pass" "${fail:-0}" e2e
}

run_conformance() {
	e2e_install || { count 0 1 conformance; return; }
	start_cluster conformance "hoop_mcp.dev_loopback_user = 'conformance@example.com'" ||
		{ count 0 1 conformance; return; }
	local log=$WORK/conformance.log
	test/conformance/run.sh >"$log" 2>&1
	cat "$log"
	summarize_plain "$log" conformance
}

# Reads the last "N passed, N failed" line a suite printed.
summarize_plain() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	[ -n "$line" ] || { count 0 1 "$2"; return; }
	count "$(echo "$line" | cut -d' ' -f1)" "$(echo "$line" | cut -d' ' -f3)" "$2"
}

install_deps || exit 1
build_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

for s in $SUITES; do
	echo "== suite $s"
	case $s in
		layers) run_layers ;;
		regress) run_regress ;;
		tap) run_tap ;;
		psql) run_psql ;;
		e2e) run_e2e ;;
		conformance) run_conformance ;;
		*) echo "unknown suite $s"; count 0 1 "$s" ;;
	esac
	for c in "${CLUSTERS[@]}"; do cluster_stop "$c"; done
	CLUSTERS=()
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
