#!/usr/bin/env bash
# DEST becomes a fresh copy of the files git would commit (tracked and untracked, minus what
# .gitignore ignores), as they are on disk; outside a git work tree, of everything but .venv/,
# .git/ and test output. With --git, DEST also gets an empty git repository of its own:
# ansible-test lists the files to test with `git ls-files` and would otherwise ask the
# checkout's repository, where DEST (under .venv/) is ignored.
# Usage: .ci/export-tree.sh DEST [--git]
set -euo pipefail
dest=$1
repo=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$dest" && mkdir -p "$dest"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # (files deleted but not yet `git rm`ed are left out)
    git -C "$repo" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do if [ -e "$repo/$f" ]; then printf '%s\0' "$f"; fi; done \
        | tar -C "$repo" --null -T - -cf - | tar -C "$dest" -xf -
else
    tar -C "$repo" --exclude=./.venv --exclude=./.git --exclude=./tests/output --exclude=__pycache__ \
        --exclude=.pytest_cache -cf - . | tar -C "$dest" -xf -
fi
if [ "${2:-}" = --git ]; then
    git init -q "$dest"
fi
