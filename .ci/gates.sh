#!/usr/bin/env bash
# Runs each gate named on the command line as `make GATE`, all of them even when one
# fails, then prints one line per gate and a closing "gates: N passed, N failed" line.
# Exits non-zero when any gate failed. Called by `make test`.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
summary=()
total_start=$SECONDS

for gate in "$@"; do
    printf '\n===== %s =====\n' "$gate"
    start=$SECONDS
    if make --no-print-directory "$gate"; then
        result=ok
        passed=$((passed + 1))
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    summary+=("$(printf '%-18s %-6s %4ss' "$gate" "$result" $((SECONDS - start)))")
done

printf '\n===== summary (%ss) =====\n' $((SECONDS - total_start))
printf '%s\n' "${summary[@]}"
printf 'gates: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
