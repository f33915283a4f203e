#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: pause the MAV scans of many devices with one bulk task versus a task loop.

Runs real ansible-playbook processes against the emulator, which adds a fixed
latency to every N-sight request (a stand-in for the internet round trip), and
prints wall time, API calls and TCP connections for:

- bulk: one ``nsight_mav_scan`` task with ``deviceids`` (one connection pool,
  at most 8 requests at a time);
- loop: the same task with ``deviceid`` and ``loop:``, one module run per device,
  which is what a playbook without bulk support does.

Usage: python tests/benchmarks/bulk_scan.py [--devices 100] [--latency 0.1] [--quick]
(run it with the python of a virtualenv that has ansible-core, requests and xmltodict;
`make bench` does; `make test` runs it with --quick so that it keeps working).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import sys

from bench_common import Emulator, bench_deviceids, count_in_scan_state, playbook_env, reset_with_latency, run_plays

QUICK = (4, 0.02)  # --quick: devices, latency


def playbook(deviceids, bulk):
    if bulk:
        task = {"name": "Pause", "msp.antivirus.nsight_mav_scan": {"deviceids": deviceids, "state": "paused"}}
    else:
        task = {"name": "Pause", "msp.antivirus.nsight_mav_scan": {"deviceid": "{{ item }}", "state": "paused"},
                "loop": deviceids}
    return [{"name": "Benchmark", "hosts": "localhost", "gather_facts": False, "tasks": [task]}]


def measure(emulator, deviceids, bulk, latency):
    reset_with_latency(emulator, latency)
    connections_before = emulator.connections_accepted
    env = playbook_env(emulator, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    elapsed = run_plays(playbook(deviceids, bulk), env)
    paused = count_in_scan_state(emulator, deviceids, "paused")
    return {"mode": "bulk" if bulk else "loop", "devices": len(deviceids), "paused": paused, "seconds": round(elapsed, 2),
            "api_calls": len(emulator.calls()), "tcp_connections": emulator.connections_accepted - connections_before}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100, help="devices to pause (default 100)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to each N-sight request (default 0.1)")
    parser.add_argument("--skip-loop", action="store_true", help="measure only the bulk task")
    parser.add_argument("--quick", action="store_true",
                        help="a short run that only shows the benchmark works: %d devices, %.2f s latency" % QUICK)
    options = parser.parse_args(argv)
    if options.quick:
        options.devices, options.latency = QUICK
    deviceids = bench_deviceids(options.devices)
    with Emulator(extra_devices=options.devices) as emulator:
        rows = [measure(emulator, deviceids, True, options.latency)]
        if not options.skip_loop:
            rows.append(measure(emulator, deviceids, False, options.latency))
    print("latency per request: %.3f s" % options.latency)
    print("%-5s %8s %7s %9s %10s %16s" % ("mode", "devices", "paused", "seconds", "api_calls", "tcp_connections"))
    for row in rows:
        print("%-5s %8d %7d %9.2f %10d %16d" % (row["mode"], row["devices"], row["paused"], row["seconds"],
                                                row["api_calls"], row["tcp_connections"]))
    if len(rows) == 2:
        bulk, loop = rows
        print("ratio: the loop took %.1fx the bulk task's time and %.1fx its TCP connections"
              % (loop["seconds"] / max(bulk["seconds"], 0.01), loop["tcp_connections"] / max(bulk["tcp_connections"], 1)))
    for row in rows:
        if row["paused"] != row["devices"] or row["api_calls"] != row["devices"]:
            raise SystemExit("unexpected result: %s" % row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
