#!/usr/bin/env bash
# What guardrails and data masking cost: exec of the 100-row query on
# bench-pg (no rule) and on bench-policy (the same target with one masking
# rule of every built-in detector and one guardrail on input and output),
# interleaved in the same run, at concurrency 1 and 16.  Prints req/s and
# server CPU per exec (all of PostgreSQL's processes, the worker included)
# for each, and the ratio; then the detectors alone, in cells/s.  Not a
# test: it prints a table.
#
#   sudo bench/policy.sh            REPS=3 DUR=10 by default
set -euo pipefail

. "$(dirname "$0")/../test/lib.sh"
PEERS=${BENCH_PEERS:-$HOOP_ROOT/../shared/bench-peers}
export BENCH_STATE=${BENCH_STATE:-/tmp/hoop-bench-policy}
[ -f "$PEERS/mcpload.mjs" ] || { echo "peer harness not found at $PEERS (set BENCH_PEERS)" >&2; exit 1; }

. "$(dirname "$0")/setup.sh"

PGPID=$(head -1 "$DIR/data/postmaster.pid")
TYPES='EMAIL_ADDRESS,PHONE_NUMBER,CREDIT_CARD,IBAN_CODE,IP_ADDRESS,MAC_ADDRESS,URL,US_SSN,UK_NHS,CRYPTO,DATE_TIME'
"${P[@]}" -d postgres -o /dev/null <<SQL
SELECT hoop_mcp.create_connection('bench-policy', 'host=127.0.0.1 port=$PGPORT dbname=bench user=postgres',
                                  allow_passwordless => true);
WITH g AS (INSERT INTO hoop_mcp.guardrail_rules (name, input, output)
           VALUES ('bench-guard', '{"rules": [{"type": "deny_words_list", "words": ["DROP TABLE"]}]}',
                   '{"rules": [{"type": "pattern_match", "pattern_regex": "secret-[0-9]{6}"}]}') RETURNING id)
INSERT INTO hoop_mcp.guardrail_rules_connections
SELECT g.id, c.id FROM g, hoop_mcp.connections c WHERE c.name = 'bench-policy';
WITH m AS (INSERT INTO hoop_mcp.datamasking_rules (name, supported_entity_types)
           VALUES ('bench-mask', jsonb_build_array(jsonb_build_object('name', 'CUSTOM_SELECTION',
                   'entity_types', string_to_array('$TYPES', ',')))) RETURNING id)
INSERT INTO hoop_mcp.datamasking_rules_connections
SELECT m.id, c.id FROM m, hoop_mcp.connections c WHERE c.name = 'bench-policy';
SQL

Q='SELECT * FROM items ORDER BY id LIMIT 100'
URL="http://127.0.0.1:$HTTP_PORT/api/mcp"
run() { # connection conc
	node "$PEERS/mcpload.mjs" --url "$URL" --tool exec --header "Authorization: Bearer $KEY" \
		--args "$(node -e 'console.log(JSON.stringify({connection_name: process.argv[1], input: process.argv[2]}))' "$1" "$Q")" \
		-c "$2" -d "${DUR:-10}" --warmup "${WARM:-2}" --cpu "pg=$PGPID" --json --quiet
}
for conn in bench-pg bench-policy; do run "$conn" 16 >/dev/null; done	# warm the pools

OUT=$BENCH_STATE/policy-$(date +%Y%m%d-%H%M%S).jsonl
for rep in $(seq 1 "${REPS:-3}"); do
	for c in 1 16; do
		for conn in bench-pg bench-policy; do
			printf '{"conn":"%s","conc":%s,"res":%s}\n' "$conn" "$c" "$(run "$conn" "$c")" >>"$OUT"
		done
	done
done

node - "$OUT" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map(JSON.parse);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
console.log('exec of the 100-row query (medians)      req/s   server CPU µs/exec   errors');
for (const c of [1, 16]) {
	const m = {};
	for (const conn of ['bench-pg', 'bench-policy']) {
		const rs = rows.filter((r) => r.conn === conn && r.conc === c).map((r) => r.res);
		m[conn] = { rps: median(rs.map((r) => r.rps)), cpu: median(rs.map((r) => r.cpu.groups.pg.cores / r.rps * 1e6)),
			err: rs.reduce((n, r) => n + r.errors, 0) };
		console.log(`  c=${String(c).padEnd(3)} ${conn.padEnd(32)} ${String(Math.round(m[conn].rps)).padStart(6)}   ${m[conn].cpu.toFixed(0).padStart(10)}   ${m[conn].err}`);
	}
	console.log(`  c=${String(c).padEnd(3)} policy / none: req/s x${(m['bench-policy'].rps / m['bench-pg'].rps).toFixed(2)}, CPU per exec x${(m['bench-policy'].cpu / m['bench-pg'].cpu).toFixed(2)}`);
}
JS
"${P[@]}" -d postgres -At -c "SELECT 'masked values in the policy run: ' || coalesce(sum(masked_values), 0) FROM hoop_mcp.session_policy WHERE connection = 'bench-policy'"

# The detectors alone: 500,000 cells like the items table's (ids, names,
# counts, prices, timestamps) through hoop_mcp.mask_text, against the same loop
# through a function that returns its input.
"${P[@]}" -d postgres -At <<SQL
CREATE TEMP TABLE cells AS
SELECT v FROM generate_series(1, 1000) g,
     LATERAL (VALUES (g::text), ('item-' || g), ((g % 97)::text), ((g * 1.37)::numeric(10,2)::text),
                     (('2024-01-01'::timestamptz + g * interval '1 minute')::text)) x(v),
     generate_series(1, 100);
\timing on
SELECT count(*) FROM cells WHERE v IS DISTINCT FROM textin(textout(v));
SELECT count(*) FROM cells WHERE hoop_mcp.mask_text(v, string_to_array('$TYPES', ',')) <> v;
SQL
echo "(cells/s of the detectors: 500000 / (second time - first time))"
