#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the maintenance_window role against a hand-written play of bulk pause / patch / bulk resume.

Both run as real ansible-playbook processes over the same local hosts (one per emulated device, all with a
running scan), against the emulator with a fixed latency added to every N-sight request, with the same trivial
patch task and no fact gathering:

- role: ``roles: [msp.antivirus.maintenance_window]`` with that task as its patch work (its argument check, the
  pause step, the patch, a probe, the resume step, the final check of each host);
- hand: one bulk ``nsight_mav_scan`` pause (run_once, delegated to localhost), the patch task, one bulk resume.

The cases of issue 17, each the median of ``--repeat`` alternating runs, each run from a fresh state:

- ``100-debug``: 100 hosts, a ``debug`` patch task (no module: what the role's own per-host tasks cost shows most);
- ``100-command``: 100 hosts, a ``command`` patch task (a module run per host, as any real patch work);
- ``1000-debug``: 1,000 hosts in batches of 100 (``serial: 100``), a ``debug`` patch task; also the controller
  time of each batch, first and last, which must not grow with the hosts of earlier batches.

Goal: the role within 2x of the hand-written play in every case.

Usage: python tests/benchmarks/maintenance_window.py [--case 100-debug --case ...] [--latency 0.02] [--repeat 1]
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
import sys
import tempfile
import time

from bench_common import (BENCHMARKS, Emulator, bench_deviceids, count_in_scan_state, playbook_env, reset_with_latency,
                          run_playbook)

CALLBACKS = os.path.join(BENCHMARKS, "callback_plugins")
PATCH_TASKS = {
    # A module run on each host, as any real patch work is.
    "command": {"name": "Patch", "ansible.builtin.command": {"cmd": "true"}, "changed_when": False},
    # No module at all: what the role itself costs beside the patch shows most.
    "debug": {"name": "Patch", "ansible.builtin.debug": {"msg": "patched"}},
}
# case -> (hosts, serial, patch task)
CASES = {
    "100-debug": (100, None, "debug"),
    "100-command": (100, None, "command"),
    "1000-debug": (1000, 100, "debug"),
}
QUICK_CASES = {"4-debug": (4, None, "debug"), "6-debug-serial-3": (6, 3, "debug")}
QUICK_LATENCY = 0.02
# The task that starts each batch, for its clock.
FIRST_TASK = {"role": "Check the batch, pause its MAV scans in one bulk task and record them", "hand": "Pause"}


def plays(mode, patch_file, patch_task, serial):
    head = {"name": "Benchmark", "hosts": "bench", "gather_facts": False}
    if serial:
        head["serial"] = serial
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


def measure(emulator, deviceids, mode, latency, patch_task, serial, workdir):
    reset_with_latency(emulator, latency)
    inventory = {"all": {"children": {"bench": {
        "hosts": dict(("bench-%d" % deviceid, {"nsight_deviceid": deviceid}) for deviceid in deviceids),
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}}
    rundir = tempfile.mkdtemp(prefix=mode + "-", dir=workdir)  # each run starts from nothing
    paths = dict((name, os.path.join(rundir, name)) for name in
                 ("inventory.json", "patch.yml", "playbook.yml", "budget", "home", "batches"))
    with open(paths["inventory.json"], "w") as handle:
        json.dump(inventory, handle)
    with open(paths["patch.yml"], "w") as handle:
        json.dump([patch_task], handle)
    with open(paths["playbook.yml"], "w") as handle:
        json.dump(plays(mode, paths["patch.yml"], patch_task, serial), handle)
    env = playbook_env(emulator, NSIGHT_BUDGET_DIR=paths["budget"], ANSIBLE_HOME=paths["home"],
                       ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
                       ANSIBLE_CALLBACKS_ENABLED="batch_clock", BATCH_CLOCK_FILE=paths["batches"],
                       BATCH_CLOCK_TASK=FIRST_TASK[mode])
    begun = time.time()
    elapsed = run_playbook(["-i", paths["inventory.json"], paths["playbook.yml"]], env,
                           failure="ansible-playbook (%s) failed" % mode)
    ended = time.time()
    with open(paths["batches"]) as handle:
        starts = [float(line) for line in handle if line.strip()]
    batches = [later - earlier for earlier, later in zip(starts, starts[1:] + [ended])]
    running = count_in_scan_state(emulator, deviceids, "running")
    services = [call["service"] for call in emulator.calls() if call["api"] == "nsight"]
    return {"mode": mode, "hosts": len(deviceids), "running": running, "seconds": round(elapsed, 2),
            "startup": round(starts[0] - begun, 2) if starts else 0.0, "batches": batches,
            "pauses": services.count("mav_scan_pause"), "resumes": services.count("mav_scan_resume"),
            "api_calls": len(services)}


def median_run(runs):
    """The run of median time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]


def run_case(name, case, options, workdir):
    hosts, serial, patch = case
    deviceids = bench_deviceids(hosts)
    with Emulator(extra_devices=hosts) as emulator:
        runs = [measure(emulator, deviceids, mode, options.latency, PATCH_TASKS[patch], serial, workdir)
                for dummy in range(max(options.repeat, 1)) for mode in ("hand", "role")]
    rows = [median_run([run for run in runs if run["mode"] == mode]) for mode in ("hand", "role")]
    print("\n== %s: %d hosts%s, patch task %s, %.3f s a request ==" % (
        name, hosts, ", serial %d" % serial if serial else "", patch, options.latency))
    if options.repeat > 1:
        for row in rows:
            print("%s: %s s" % (row["mode"], ", ".join("%.2f" % run["seconds"] for run in runs if run["mode"] == row["mode"])))
    print("%-5s %6s %8s %9s %7s %8s %10s" % ("mode", "hosts", "running", "seconds", "pauses", "resumes", "api_calls"))
    for row in rows:
        values = (row["mode"], row["hosts"], row["running"], row["seconds"], row["pauses"], row["resumes"],
                  row["api_calls"])
        print("%-5s %6d %8d %9.2f %7d %8d %10d" % values)
        if len(row["batches"]) > 1:
            print("      %s: startup %.2f s, batches %d, first %.2f s, last %.2f s, slowest %.2f s" % (
                row["mode"], row["startup"], len(row["batches"]), row["batches"][0], row["batches"][-1],
                max(row["batches"])))
    hand, role = rows
    ratio = role["seconds"] / max(hand["seconds"], 0.01)
    print("ratio: the role took %.2fx the hand-written play's time (%s; goal: at most 2x)" % (ratio, name))
    for row in rows:
        if row["running"] != row["hosts"] or row["pauses"] != row["hosts"] or row["resumes"] != row["hosts"]:
            raise SystemExit("unexpected result: %s" % row)
    return ratio


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES),
                        help="a case to run (several: repeat the option); default: every case")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to each N-sight request (default 0.02)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternately; the median counts (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="a short run that only shows the benchmark works: %s" % ", ".join(sorted(QUICK_CASES)))
    options = parser.parse_args(argv)
    cases = QUICK_CASES if options.quick else dict((name, CASES[name]) for name in options.case or sorted(CASES))
    workdir = tempfile.mkdtemp(prefix="msp-bench-window-")
    try:
        ratios = dict((name, run_case(name, case, options, workdir)) for name, case in sorted(cases.items()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nratios: " + ", ".join("%s %.2fx" % item for item in sorted(ratios.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
