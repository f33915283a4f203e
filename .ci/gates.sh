#!/usr/bin/env bash
# Runs each gate named on the command line as `make GATE`, all of them even when one
# fails, then prints one line per gate, the pytest counts summed over every pytest run
# ("tests: N passed, N failed") and a closing "gates: N passed, N failed" line.
# Exits non-zero when any gate failed. Called by `make test`.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
tests_passed=0
tests_failed=0
summary=()
total_start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds up "N passed" and "N failed"/"N error(s)" of pytest's closing lines ("==== 3 failed, 82 passed in 9.1s ====").
count_tests() {
    local line n word
    while IFS= read -r line; do
        for word in passed failed error errors; do
            n=$(grep -oE "[0-9]+ $word\b" <<<"$line" | head -n 1 | cut -d' ' -f1)
            [ -n "$n" ] || continue
            if [ "$word" = passed ]; then tests_passed=$((tests_passed + n)); else tests_failed=$((tests_failed + n)); fi
        done
    done < <(grep -E '^=+ .*[0-9]+ (passed|failed|errors?)\b.* in [0-9.]+s' "$1")
}

for gate in "$@"; do
    printf '\n===== %s =====\n' "$gate"
    start=$SECONDS
    if make --no-print-directory "$gate" 2>&1 | tee "$log"; then
        result=ok
        passed=$((passed + 1))
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    summary+=("$(printf '%-18s %-6s %4ss' "$gate" "$result" $((SECONDS - start)))")
    count_tests "$log"
done

printf '\n===== summary (%ss) =====\n' $((SECONDS - total_start))
printf '%s\n' "${summary[@]}"
printf 'tests: %d passed, %d failed\n' "$tests_passed" "$tests_failed"
printf 'gates: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
