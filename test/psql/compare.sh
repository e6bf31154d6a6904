#!/bin/bash
# compare.sh - run every corpus case through real psql and through the
# harness (our psql_run module) and compare output bytes and exit codes.
#
# Needs PGHOST, PGPORT, PGUSER, PGDATABASE in the environment (a database
# the user may create temporary objects in).  Builds the harness into
# test/psql/build/ when it is missing or older than its sources.
# Usage: compare.sh [case-name-pattern]
# Prints one line per case and ends with "N passed, N failed"; exits 1 if
# any case failed.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$here/build"
harness="$build/harness"
pattern=${1:-}

for v in PGHOST PGPORT PGUSER PGDATABASE; do
	if [ -z "${!v:-}" ]; then
		echo "compare.sh: $v must be set" >&2
		exit 2
	fi
done

# Same client encoding and message language for psql and the harness.
export PGCLIENTENCODING=${PGCLIENTENCODING:-UTF8}
export LC_ALL=C
unset PSQLRC PGOPTIONS

PG_CONFIG=${PG_CONFIG:-pg_config}
PSQL=${PSQL:-$($PG_CONFIG --bindir)/psql}
[ -x "$PSQL" ] || PSQL=psql

srcs=("$here/harness.c" "$top"/src/target/psql_*.c)
need_build=0
[ -x "$harness" ] || need_build=1
if [ $need_build = 0 ]; then
	for f in "${srcs[@]}" "$top"/src/target/psql_*.h; do
		[ "$f" -nt "$harness" ] && need_build=1
	done
fi
if [ $need_build = 1 ]; then
	mkdir -p "$build"
	libdirs=()
	for d in "$($PG_CONFIG --libdir)" "$($PG_CONFIG --pkglibdir)"; do
		[ -e "$d/libpgcommon.a" ] && libdirs+=("$d/libpgcommon.a" "$d/libpgport.a") && break
	done
	if [ ${#libdirs[@]} = 0 ]; then
		echo "compare.sh: libpgcommon.a not found" >&2
		exit 2
	fi
	${CC:-gcc} -O2 -g -DFRONTEND \
		-Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
		-Wmissing-prototypes -Wdeclaration-after-statement \
		-I"$top/src/target" -I"$($PG_CONFIG --includedir)" \
		-I"$($PG_CONFIG --includedir-server)" \
		-o "$harness" "${srcs[@]}" "${libdirs[@]}" \
		-L"$($PG_CONFIG --libdir)" -lpq || { echo "compare.sh: build failed" >&2; exit 2; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
for f in "$here"/corpus/*.sql; do
	name=$(basename "$f" .sql)
	if [ -n "$pattern" ] && [[ "$name" != *$pattern* ]]; then
		continue
	fi
	timeout 120 "$PSQL" -X -A -F $'\t' -P pager=off -v ON_ERROR_STOP=1 \
		-h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$PGDATABASE" \
		< "$f" > "$tmp/psql.out" 2>&1
	prc=$?
	timeout 120 "$harness" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$PGDATABASE" \
		< "$f" > "$tmp/harness.out" 2> "$tmp/harness.err"
	hrc=$?
	if cmp -s "$tmp/psql.out" "$tmp/harness.out" && [ "$prc" = "$hrc" ] &&
		[ ! -s "$tmp/harness.err" ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name (exit: psql $prc, harness $hrc)"
		diff -u --label psql --label harness \
			<(cat -A "$tmp/psql.out") <(cat -A "$tmp/harness.out") | head -40 | sed 's/^/    /'
		[ -s "$tmp/harness.err" ] && sed 's/^/    stderr: /' "$tmp/harness.err" | head -5
		failed=$((failed + 1))
	fi
done

# output_limit: for each case the harness run with a byte limit must print
# exactly the first LIMIT bytes of its unlimited output, report truncation
# only when bytes were cut, and keep the exit code.
for f in "$here"/corpus/*.sql; do
	name=$(basename "$f" .sql)
	if [ -n "$pattern" ] && [[ "$name" != *$pattern* ]]; then
		continue
	fi
	timeout 120 "$harness" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$PGDATABASE" \
		< "$f" > "$tmp/full.out" 2>/dev/null
	frc=$?
	size=$(wc -c < "$tmp/full.out")
	bad=""
	for limit in 1 7 40 300 4000; do
		timeout 120 "$harness" -l $limit -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" \
			"$PGDATABASE" < "$f" > "$tmp/lim.out" 2> "$tmp/lim.err"
		lrc=$?
		head -c $limit "$tmp/full.out" > "$tmp/exp.out"
		flag=0
		grep -q '^\[truncated\]$' "$tmp/lim.err" && flag=1
		want=0
		[ "$size" -gt $limit ] && want=1
		if ! cmp -s "$tmp/exp.out" "$tmp/lim.out" || [ $lrc != $frc ] || [ $flag != $want ]; then
			bad="$bad $limit"
		fi
	done
	if [ -z "$bad" ]; then
		echo "ok   limit/$name"
		passed=$((passed + 1))
	else
		echo "FAIL limit/$name (limits:$bad)"
		failed=$((failed + 1))
	fi
done

# A connection that cannot be made (nothing listens on port 1).
if [ -z "$pattern" ] || [[ connect_failure == *$pattern* ]]; then
	"$PSQL" -X -A -F $'\t' -P pager=off -v ON_ERROR_STOP=1 -h "$PGHOST" -p 1 \
		-U "$PGUSER" "$PGDATABASE" < /dev/null > "$tmp/psql.out" 2>&1
	prc=$?
	"$harness" -h "$PGHOST" -p 1 -U "$PGUSER" "$PGDATABASE" < /dev/null \
		> "$tmp/harness.out" 2>&1
	hrc=$?
	if cmp -s "$tmp/psql.out" "$tmp/harness.out" && [ "$prc" = "$hrc" ]; then
		echo "ok   connect_failure"
		passed=$((passed + 1))
	else
		echo "FAIL connect_failure (exit: psql $prc, harness $hrc)"
		diff -u --label psql --label harness "$tmp/psql.out" "$tmp/harness.out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ $failed = 0 ]
