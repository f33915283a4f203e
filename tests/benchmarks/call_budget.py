#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a bulk pause under the N-sight call budget, against the fastest the budget allows.

The emulator refuses (HTTP 429) any call over B per rolling minute for the key; the task runs
with rate_limit B. Under B calls a minute, N calls cannot end sooner than
``max(0, N - B) x 60 / B`` seconds after the first; a run adds its start-up (the same task
with pacing off and no limit, measured first). Prints wall time against that limit, and the
refused calls, which must be 0.

Then the same N devices in two ansible-playbook runs started together, N/2 each, with budget
folders of their own (two AWX pods) and one budget_url: a real Redis (tests/integration/
redis_server.py; MSP_TEST_REDIS_SERVER, which make bench sets). Goal: at most 1.05x the limit
plus start-up, 0 refused.

Usage: python tests/benchmarks/call_budget.py [--devices 40] [--budget 20] [--quick]
(N = --devices, B = --budget; with N a multiple of B the rolling window meets the limit exactly;
`make bench` runs it, `make test` runs it with --quick).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from bench_common import Emulator, bench_deviceids, count_in_scan_state, playbook_env, run_plays
from redis_server import RedisServer  # pylint: disable=import-error

QUICK = (6, 6)  # --quick: devices, budget (one window: no wait, only the pacing's own cost)


def pause_plays(deviceids):
    return [{"name": "Benchmark", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Pause", "msp.antivirus.nsight_mav_scan": {"deviceids": deviceids, "state": "paused"}}]}]


def reset_limited(emulator, rate_limit):
    emulator.reset()
    emulator.set_nsight_rate_limit(rate_limit or None, window=60)


def run_pause(emulator, deviceids, rate_limit, budget_dir):
    """Seconds that one bulk pause of ``deviceids`` took in a real ansible-playbook run, the
    emulator limiting the key to ``rate_limit`` calls a minute (none for 0)."""
    reset_limited(emulator, rate_limit)
    env = playbook_env(emulator, rate_limit, NSIGHT_BUDGET_DIR=budget_dir, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    return run_plays(pause_plays(deviceids), env)


def run_pods(emulator, deviceids, rate_limit, budget_url):
    """Seconds from the start of two ansible-playbook runs, each pausing half of ``deviceids`` with a budget folder
    of its own and ``budget_url``, to the end of the later one."""
    reset_limited(emulator, rate_limit)
    halves = (deviceids[:len(deviceids) // 2], deviceids[len(deviceids) // 2:])

    def pod(half):
        env = playbook_env(emulator, rate_limit, NSIGHT_BUDGET_DIR=tempfile.mkdtemp(prefix="msp-antivirus-bench-pod-"),
                           NSIGHT_BUDGET_URL=budget_url, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        return run_plays(pause_plays(half), env)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return max(pool.map(pod, halves))


def report(name, elapsed, limit, startup, stats):
    print("%-31s %.2f s  (accepted %d, refused %d, at most %d in a minute)"
          % (name + ":", elapsed, stats["accepted"], stats["refused"], stats["max_in_window"]))
    print("ratio: %s took %.3fx the limit plus start-up (%.2f s)" % (name, elapsed / (limit + startup), limit + startup))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=40, help="N, the devices to pause (default 40)")
    parser.add_argument("--budget", type=int, default=20, help="B, the calls a minute (default 20)")
    parser.add_argument("--latency", type=float, default=0.0, help="accepted for make bench's BENCH_ARGS; unused")
    parser.add_argument("--quick", action="store_true", help="a short run: %d devices, budget %d" % QUICK)
    options = parser.parse_args(argv)
    if options.quick:
        options.devices, options.budget = QUICK
    deviceids = bench_deviceids(options.devices)
    budget_dir = tempfile.mkdtemp(prefix="msp-antivirus-bench-budget-")
    limit = max(0, options.devices - options.budget) * 60.0 / options.budget
    print("devices N=%d, budget B=%d calls a minute" % (options.devices, options.budget))
    with Emulator(extra_devices=options.devices) as emulator, RedisServer(tempfile.mkdtemp()) as redis:
        startup = run_pause(emulator, deviceids, 0, budget_dir)
        print("start-up (no pacing, no limit): %.2f s" % startup)
        print("limit max(0, N - B) x 60 / B:   %.2f s" % limit)
        for name, run in (("the paced run", lambda: run_pause(emulator, deviceids, options.budget, budget_dir)),
                          ("two pods sharing Redis", lambda: run_pods(emulator, deviceids, options.budget, redis.url))):
            elapsed = run()
            stats = emulator.rate_limit_stats()
            report(name, elapsed, limit, startup, stats)
            paused = count_in_scan_state(emulator, deviceids, "paused")
            if stats["refused"] or paused != options.devices or stats["accepted"] != options.devices:
                raise SystemExit("unexpected result of %s: %d paused, %s" % (name, paused, stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
