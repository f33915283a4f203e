#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the N-sight inventory's site walk against its client walk, on an emulated estate.

For each walk (sites; clients; clients with mav_only) one real ``ansible-inventory --list`` run with pacing off
(rate_limit 0) against the emulator's synthetic estate (``Emulator(estate=(C, S, D))``, plus its 16 seed devices).
Reported: the N-sight calls the emulator logged, the time those calls take under the default budget of 60 calls a
minute (calls / 60 minutes: what a real walk waits, whatever its own speed), the run's wall time and the peak RSS
of the ansible-inventory process (its rusage, from os.wait4), and the hosts listed. The site walk costs
1 + C + S x T calls, the client walk 1 + C x T.

Usage: python tests/benchmarks/inventory_walk.py [--estate 300,900,10000] [--quick]
(`make bench` runs it, `make test` runs it with --quick).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from bench_common import Emulator, playbook_env
import harness  # pylint: disable=import-error

DEFAULT_ESTATE = (300, 900, 10000)
QUICK_ESTATE = (10, 30, 300)
DEFAULT_RATE_LIMIT = 60
# (label, options of the source file)
WALKS = [
    ("sites", {"walk": "sites"}),
    ("clients", {"walk": "clients"}),
    ("clients mav_only", {"walk": "clients", "mav_only": True}),
]


def estate_argument(text):
    clients, sites, devices = (int(part) for part in text.split(","))
    return clients, sites, devices


def run_inventory(emulator, options, workdir):
    """One ansible-inventory --list run of a source with ``options``: (calls, wall seconds, peak RSS in MiB, hosts)."""
    config = os.path.join(workdir, "bench.nsight.yml")
    with open(config, "w") as handle:
        json.dump(dict({"plugin": "msp.antivirus.nsight", "server": emulator.url}, **options), handle)
    listed = os.path.join(workdir, "listed.json")
    log = os.path.join(workdir, "ansible-inventory.log")
    env = playbook_env(emulator, 0, ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
                       NSIGHT_BUDGET_DIR=os.path.join(workdir, "budget"))
    calls_before = len(emulator.calls())
    started = time.perf_counter()
    with open(log, "w") as output:
        child = subprocess.Popen([harness.ansible_executable("ansible-inventory"), "-i", config, "--list",
                                  "--output", listed], env=env, stdout=output, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # waited here, not by Popen
    if child.returncode != 0:
        with open(log) as output:
            raise SystemExit("ansible-inventory failed (%s):\n%s" % (options, output.read()[-3000:]))
    with open(listed) as handle:
        hosts = len(json.load(handle)["_meta"]["hostvars"])
    # ru_maxrss is in KiB on Linux.
    return len(emulator.calls()) - calls_before, elapsed, usage.ru_maxrss / 1024.0, hosts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate", type=estate_argument, default=DEFAULT_ESTATE,
                        help="CLIENTS,SITES,DEVICES of the synthetic estate (default %d,%d,%d)" % DEFAULT_ESTATE)
    parser.add_argument("--latency", type=float, default=0.0, help="accepted for make bench's BENCH_ARGS; unused")
    parser.add_argument("--quick", action="store_true", help="a short run: an estate of %d,%d,%d" % QUICK_ESTATE)
    options = parser.parse_args(argv)
    estate = QUICK_ESTATE if options.quick else options.estate
    print("estate: %d clients, %d sites, %d devices (and the emulator's 16 seed devices); pacing off; budget time "
          "= calls / %d a minute" % (estate + (DEFAULT_RATE_LIMIT,)))
    results = {}
    with Emulator(estate=estate) as emulator:
        for label, walk_options in WALKS:
            results[label] = run_inventory(emulator, walk_options, tempfile.mkdtemp(prefix="msp-antivirus-bench-"))
    print("%-18s %8s %14s %9s %14s %7s" % ("walk", "calls", "budget time", "wall", "peak RSS", "hosts"))
    for label, _options in WALKS:
        calls, elapsed, rss, hosts = results[label]
        print("%-18s %8d %10.1f min %7.2f s %10.1f MiB %7d" % (
            label, calls, calls / float(DEFAULT_RATE_LIMIT), elapsed, rss, hosts))
    sites, clients = results["sites"], results["clients"]
    if sites[3] != clients[3]:
        raise SystemExit("the walks listed different hosts: %d against %d" % (sites[3], clients[3]))
    print("ratio: sites/clients calls %.2fx, budget time %.2fx, wall time %.2fx" % (
        sites[0] / float(clients[0]), sites[0] / float(clients[0]), sites[1] / clients[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
