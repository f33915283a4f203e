#!/usr/bin/env bash
# make demo: start the API emulator, run pause_resume.yml against it with
# msp.antivirus.nsight_mav_scan, print the emulator's call log, stop the emulator
# (on failure too). The Makefile puts a virtualenv with ansible-core first on PATH and
# points ANSIBLE_COLLECTIONS_PATH at the checkout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
workdir=$(mktemp -d)
emulator_pid=

cleanup() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

"$python" "$repo/tests/emulator/server.py" --port 0 >"$workdir/emulator.url" 2>"$workdir/emulator.log" &
emulator_pid=$!

url=
for _ in $(seq 100); do
    url=$(head -n 1 "$workdir/emulator.url")
    [ -n "$url" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$workdir/emulator.log" >&2; echo "demo: the emulator did not start" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "demo: the emulator printed no URL within 10 s" >&2; exit 1; }
echo "==> API emulator listening at $url"

# The emulator's own key (one place: tests/emulator/emulator_credentials.py) and the core version.
read -r NSIGHT_API_KEY core_version < <("$python" -c '
import sys
sys.path.insert(0, sys.argv[1])
from ansible.release import __version__
from emulator_credentials import NSIGHT_API_KEY
print(NSIGHT_API_KEY, __version__)' "$repo/tests/emulator")
export NSIGHT_SERVER="$url" NSIGHT_API_KEY
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_LOCAL_TEMP="$workdir/tmp"

echo "==> ansible-playbook tests/demo/pause_resume.yml (ansible-core $core_version)"
ansible-playbook "$here/pause_resume.yml"

echo "==> the emulator's call log (GET $url/_emulator/calls):"
"$python" - "$url" "$NSIGHT_API_KEY" <<'PY'
import json
import sys
import urllib.request

url, key = sys.argv[1:3]
with urllib.request.urlopen(url + "/_emulator/calls", timeout=10) as answer:
    body = answer.read().decode("utf-8")
for call in json.loads(body):
    params = " ".join("%s=%s" % item for item in sorted(call["params"].items()) if item[0] != "service")
    print("    %-6s %-6s %-16s %-14s -> HTTP %s %s" % (call["method"], call["api"], call["service"], params,
                                                   call["status"], call["api_status"] or ""))
print("    (%s)" % ("no API key in the log" if key not in body else "THE API KEY IS IN THE LOG"))
sys.exit(key in body)
PY
