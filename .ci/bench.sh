#!/usr/bin/env bash
# Runs every benchmark in tests/benchmarks/ with PYTHON (a core virtualenv's), passing ARGS on;
# each benchmark starts the API emulator itself. Every benchmark accepts --quick (a short run)
# and prints a line that starts with "ratio:"; with --quick (`make test`'s bench-quick gate)
# a benchmark that fails or prints no ratio fails this script, so that the benchmarks cannot rot.
# Usage: .ci/bench.sh PYTHON [--quick] [ARGS...]
set -euo pipefail
python=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)

failed=0
for bench in "$repo"/tests/benchmarks/*.py; do
    echo "==> ${bench#"$repo"/} $*"
    if ! out=$(cd "$repo" && "$python" "$bench" "$@"); then
        printf '%s\n' "$out"
        echo "error: ${bench#"$repo"/} failed" >&2
        failed=1
        continue
    fi
    printf '%s\n' "$out"
    if [ "${1:-}" = --quick ] && ! grep -q '^ratio:' <<<"$out"; then
        echo "error: ${bench#"$repo"/} printed no 'ratio:' line" >&2
        failed=1
    fi
done
exit "$failed"
