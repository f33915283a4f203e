#!/usr/bin/env bash
# Prints the path of a Python X.Y interpreter (the interpreter itself, not a pyenv shim) and
# exits 0, or prints nothing and exits 1. Looks at, in this order: pythonX.Y on PATH; pyenv, if
# pyenv is on PATH (its newest installed X.Y through `pyenv which`, else under `pyenv root` or
# the folder pyenv is installed in, for a HOME without PYENV_ROOT); python3 on PATH. No fixed folders: the Makefile's PY311/PY313 override this.
# Usage: .ci/find-python.sh 3.13
set -uo pipefail
want=${1:?usage: find-python X.Y}

# The interpreter behind command $1 if it runs and is Python $want.
check() {
    "$1" - "$want" 2>/dev/null <<'PY'
import sys
if "%d.%d" % sys.version_info[:2] != sys.argv[1]:
    sys.exit(1)
print(sys.executable)
PY
}

candidates() {
    echo "python$want"
    if command -v pyenv >/dev/null 2>&1; then
        local version root
        version=$(pyenv latest -q "$want" 2>/dev/null) && PYENV_VERSION=$version pyenv which "python$want" 2>/dev/null
        for root in "$(pyenv root 2>/dev/null)" "$(dirname "$(dirname "$(readlink -f "$(command -v pyenv)")")")"; do
            printf '%s\n' "$root/versions/$want"*/bin/"python$want" | sort -rV
        done
    fi
    echo python3
}

while IFS= read -r candidate; do
    [ -n "$candidate" ] && check "$candidate" && exit 0
done < <(candidates)
exit 1
