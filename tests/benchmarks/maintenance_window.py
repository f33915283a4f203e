#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the maintenance_window role against a hand-written play of bulk pause / patch / bulk resume.

Both run as real ansible-playbook processes over the same local hosts (one per emulated device, all with a
running scan), against the emulator with a fixed latency added to every N-sight request, with the same trivial
patch task and no fact gathering:

- role: ``roles: [msp.antivirus.maintenance_window]`` with that task as its patch work (checks, one bulk pause,
  the patch, a probe, one bulk resume, the record of paused scans, the report);
- hand: one bulk ``nsight_mav_scan`` pause (run_once, delegated to localhost), the patch task, one bulk resume.

The goal (issue 11) is the role within 2x of the hand-written play on 100 hosts with a trivial patch task. The
default patch task runs a module on each host, as any real patch work does; ``--patch debug`` (no module) shows
what the role's own per-host tasks cost beside the play's one.

With ``--repeat N`` both run N times, alternately, and each is reported by its median time.

Usage: python tests/benchmarks/maintenance_window.py [--devices 100] [--latency 0.02] [--patch command] [--repeat 1]
[--quick]
(run it with the python of a virtualenv that has ansible-core, requests and xmltodict; `make bench` does;
`make test` runs it with --quick so that it keeps working).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from emulator_credentials import NSIGHT_API_KEY  # noqa: E402  pylint: disable=wrong-import-position,import-error
from server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error
import harness  # noqa: E402  pylint: disable=wrong-import-position,import-error

FIRST_BENCH_DEVICE = 50001
QUICK = (4, 0.02)  # --quick: devices, latency
PATCH_TASKS = {
    # A module run on each host, as any real patch work is.
    "command": {"name": "Patch", "ansible.builtin.command": {"cmd": "true"}, "changed_when": False},
    # No module at all: what the role itself costs beside the patch shows most.
    "debug": {"name": "Patch", "ansible.builtin.debug": {"msg": "patched"}},
}


def plays(mode, patch_file, patch_task):
    head = {"name": "Benchmark", "hosts": "bench", "gather_facts": False}
    if mode == "role":
        return [dict(head, roles=[{"role": "msp.antivirus.maintenance_window",
                                   "vars": {"maintenance_window_patch_tasks": patch_file}}])]
    devices = "{{ ansible_play_batch | map('extract', hostvars, 'nsight_deviceid') | list }}"
    bulk = {"delegate_to": "localhost", "run_once": True}
    return [dict(head, tasks=[
        dict({"name": "Pause", "msp.antivirus.nsight_mav_scan": {"deviceids": devices, "state": "paused"}}, **bulk),
        patch_task,
        dict({"name": "Resume", "msp.antivirus.nsight_mav_scan": {"deviceids": devices, "state": "resumed"}}, **bulk),
    ])]


def measure(emulator, deviceids, mode, latency, patch_task, workdir):
    emulator.reset()
    emulator.add_fault(api="nsight", kind="latency", delay=latency, count=0)
    inventory = {"all": {"children": {"bench": {
        "hosts": dict(("bench-%d" % deviceid, {"nsight_deviceid": deviceid}) for deviceid in deviceids),
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}}
    rundir = tempfile.mkdtemp(prefix=mode + "-", dir=workdir)  # each run starts from nothing
    paths = dict((name, os.path.join(rundir, name)) for name in
                 ("inventory.json", "patch.yml", "playbook.yml", "budget", "home"))
    with open(paths["inventory.json"], "w") as handle:
        json.dump(inventory, handle)
    with open(paths["patch.yml"], "w") as handle:
        json.dump([patch_task], handle)
    with open(paths["playbook.yml"], "w") as handle:
        json.dump(plays(mode, paths["patch.yml"], patch_task), handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=harness.ensure_collection_link(),
               NSIGHT_SERVER=emulator.url, NSIGHT_API_KEY=NSIGHT_API_KEY, NSIGHT_RATE_LIMIT="0",
               NSIGHT_BUDGET_DIR=paths["budget"], ANSIBLE_HOME=paths["home"], ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    started = time.perf_counter()
    run = subprocess.run([harness.ansible_executable("ansible-playbook"), "-i", paths["inventory.json"],
                          paths["playbook.yml"]], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, check=False)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit("ansible-playbook (%s) failed:\n%s" % (mode, run.stdout[-3000:]))
    running = sum(1 for deviceid in deviceids if emulator.device(deviceid)["scans"][0]["state"] == "running")
    services = [call["service"] for call in emulator.calls() if call["api"] == "nsight"]
    return {"mode": mode, "hosts": len(deviceids), "running": running, "seconds": round(elapsed, 2),
            "pauses": services.count("mav_scan_pause"), "resumes": services.count("mav_scan_resume"),
            "api_calls": len(services)}


def median_run(runs):
    """The run of median time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100, help="hosts, one device each (default 100)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to each N-sight request (default 0.02)")
    parser.add_argument("--patch", choices=sorted(PATCH_TASKS), default="command",
                        help="the trivial patch task: command (a module run per host, default) or debug (none)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternately; the median counts (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="a short run that only shows the benchmark works: %d hosts, %.2f s latency" % QUICK)
    options = parser.parse_args(argv)
    if options.quick:
        options.devices, options.latency = QUICK
    deviceids = list(range(FIRST_BENCH_DEVICE, FIRST_BENCH_DEVICE + options.devices))
    workdir = tempfile.mkdtemp(prefix="msp-bench-window-")
    try:
        with Emulator(extra_devices=options.devices) as emulator:
            runs = [measure(emulator, deviceids, mode, options.latency, PATCH_TASKS[options.patch], workdir)
                    for dummy in range(max(options.repeat, 1)) for mode in ("hand", "role")]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = [median_run([run for run in runs if run["mode"] == mode]) for mode in ("hand", "role")]
    if options.repeat > 1:
        for row in rows:
            print("%s: %s s" % (row["mode"], ", ".join("%.2f" % run["seconds"] for run in runs if run["mode"] == row["mode"])))
    print("latency per request: %.3f s, patch task: %s" % (options.latency, options.patch))
    print("%-5s %6s %8s %9s %7s %8s %10s" % ("mode", "hosts", "running", "seconds", "pauses", "resumes", "api_calls"))
    for row in rows:
        values = (row["mode"], row["hosts"], row["running"], row["seconds"], row["pauses"], row["resumes"],
                  row["api_calls"])
        print("%-5s %6d %8d %9.2f %7d %8d %10d" % values)
    hand, role = rows
    print("ratio: the role took %.2fx the hand-written play's time (goal: at most 2x)"
          % (role["seconds"] / max(hand["seconds"], 0.01)))
    for row in rows:
        if row["running"] != row["hosts"] or row["pauses"] != row["hosts"] or row["resumes"] != row["hosts"]:
            raise SystemExit("unexpected result: %s" % row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
