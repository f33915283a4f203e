#!/usr/bin/env bash
# `make help`: one line per target that has a `## text` comment on its rule line in the
# Makefile; a per-core target list, $(addprefix units-,$(CORES)) or $(UNIT_CORES), is shown as units-<core>.
# Usage: .ci/make-help.sh MAKEFILE
set -euo pipefail
echo "usage: make TARGET [VAR=value ...]"
sed -nE 's/^([^#[:space:]][^:=]*):([^=][^#]*)?## (.*)$/\1\t\3/p' "$1" \
    | sed -E 's/\$\(addprefix ([^,]+),\$\((UNIT_)?CORES\)\)/\1<core>/' \
    | awk -F'\t' '{ printf "  %-19s %s\n", $1, $2 }'
