#!/usr/bin/env bash
# galaxy-importer on the tarball that `ansible-galaxy collection build` makes of SRC (a tree
# from .ci/export-tree.sh), in OUT. Its lint findings are WARNING lines that do not change its exit
# code, so they are counted here: any WARNING or ERROR line fails. Needs the tools virtualenv
# first on PATH; galaxy-importer reads its settings from tests/galaxy-importer.cfg.
# Usage: .ci/importer.sh SRC OUT
set -euo pipefail
src=$1 out=$2
repo=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$out" && mkdir -p "$out"
ansible-galaxy collection build --output-path "$out" "$src"
cd "$out"
# Its ansible-doc and ansible-lint runs get their temporary files in OUT, not in ~/.ansible/tmp.
GALAXY_IMPORTER_CONFIG="$repo/tests/galaxy-importer.cfg" GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$out/ansible-tmp" python -m galaxy_importer.main msp-antivirus-*.tar.gz 2>&1 | tee importer.log
test -s importer_result.json || { echo "error: galaxy-importer wrote no importer_result.json" >&2; exit 1; }
findings=$(grep -E '^(WARNING|ERROR)' importer.log || true)
if [ -n "$findings" ]; then
    echo "error: galaxy-importer reported $(wc -l <<<"$findings") warning/error line(s):" >&2
    echo "$findings" >&2
    exit 1
fi
echo "galaxy-importer: no warnings, no errors"
