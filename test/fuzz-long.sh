#!/usr/bin/env bash
# A long fuzz run, not part of CI: FUZZ_CASES requests (default 50000) with
# FUZZ_SEED (default: the time) against a throwaway cluster.
#
#   sudo test/fuzz-long.sh [CASES] [SEED]
set -euo pipefail
export FUZZ_CASES=${1:-50000} FUZZ_SEED=${2:-$(date +%s)}
echo "fuzzing: $FUZZ_CASES cases, seed $FUZZ_SEED"
cd "$(dirname "$0")/e2e"
exec bash ../run-tests.sh e2e 2>&1 | grep -E "fuzz|^# (pass|fail)|passed, "
