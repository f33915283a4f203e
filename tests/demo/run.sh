#!/usr/bin/env bash
# make demo: start the API emulator, run the collection's pause -> patch -> resume
# playbook (msp.antivirus.pause_patch_resume) on four local hosts mapped to emulated
# devices, print what happened to each device and the emulator's call log, stop the
# emulator (on failure too). The Makefile puts a virtualenv with ansible-core first on PATH and
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

# The emulator's own credentials (one place: tests/emulator/emulator_credentials.py) and the core version, one
# per line: the secrets hold spaces and other characters that a split on words would break.
{ read -r NSIGHT_API_KEY; read -r WFBSS_ACCESS_TOKEN; read -r WFBSS_SECRET_KEY; read -r core_version; } < <("$python" -c '
import sys
sys.path.insert(0, sys.argv[1])
from ansible.release import __version__
from emulator_credentials import NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY
print("\n".join([NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY, __version__]))' "$repo/tests/emulator")
export NSIGHT_SERVER="$url" NSIGHT_API_KEY WFBSS_URL="$url" WFBSS_ACCESS_TOKEN WFBSS_SECRET_KEY
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_LOCAL_TEMP="$workdir/tmp"
# The N-sight call budget (60 calls a minute by default) keeps its state in the demo's own folder.
export NSIGHT_BUDGET_DIR="$workdir/nsight-budget"

echo "==> ansible-playbook msp.antivirus.pause_patch_resume -i tests/demo/inventory.yml (ansible-core $core_version)"
ansible-playbook msp.antivirus.pause_patch_resume -i "$here/inventory.yml" -e "@$here/vars.yml" \
    -e "maintenance_window_patch_tasks=$here/patch.yml"

echo "==> what happened to each device, and the emulator's call log (GET $url/_emulator/calls):"
"$python" - "$url" "$here/inventory.yml" "$NSIGHT_API_KEY" "$WFBSS_ACCESS_TOKEN" "$WFBSS_SECRET_KEY" <<'PY'
import json
import sys
import urllib.request

import yaml

url, inventory, secrets = sys.argv[1], sys.argv[2], sys.argv[3:]


def get(path):
    with urllib.request.urlopen(url + path, timeout=10) as answer:
        return answer.read().decode("utf-8")


hosts = yaml.safe_load(open(inventory))["all"]["hosts"]
body = get("/_emulator/calls")
calls = json.loads(body)
for host, host_vars in hosts.items():
    deviceid = str(host_vars["nsight_deviceid"])
    # FAIL on pause or resume means "scan is not running": the module reports no change.
    actions = ["%s %s" % (call["service"].replace("mav_scan_", ""), "done" if call["api_status"] == "OK" else "not needed")
               for call in calls if call["api"] == "nsight" and call["params"].get("deviceid") == deviceid]
    scans = json.loads(get("/_emulator/devices/" + deviceid))["scans"]
    print("    %-9s device %s: %-28s -> newest scan now %s" % (host, deviceid, ", ".join(actions),
                                                                 scans[0]["state"] if scans else "none"))
for call in calls:
    params = " ".join("%s=%s" % item for item in sorted(call["params"].items()) if item[0] != "service")
    print("    %-6s %-6s %-16s %-60s -> HTTP %s %s" % (call["method"], call["api"], call["service"], params[:60],
                                                   call["status"], call["api_status"] or ""))
leaked = any(secret in body for secret in secrets)
print("    (%s)" % ("A SECRET IS IN THE LOG" if leaked else "no API key, access token or secret key in the log"))
sys.exit(leaked)
PY
