#!/usr/bin/env bash
# Builds the virtualenv DIR from scratch with PYTHON and installs the pinned REQUIREMENTS file
# into it (pip's output goes to DIR.log); DIR/.stamp marks a complete install. Called by the
# Makefile when the stamp is missing or older than the requirements file.
# Usage: .ci/build-venv.sh DIR PYTHON REQUIREMENTS
set -euo pipefail
dir=$1 python=$2 requirements=$3
name=.venv/${dir##*/}

[ -n "$python" ] || { echo "error: no Python interpreter for $name; set PY311, PY312 or PY313 (make PY312=/path/to/python3.12 ...)" >&2; exit 1; }
echo "==> $name: $("$python" -V 2>&1) + ${requirements##*/}"
rm -rf "$dir" && mkdir -p "$(dirname "$dir")"
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements" >"$dir.log" 2>&1 \
    || { tail -n 40 "$dir.log" >&2; echo "error: pip install into $name failed, log: $name.log" >&2; exit 1; }
touch "$dir/.stamp"
