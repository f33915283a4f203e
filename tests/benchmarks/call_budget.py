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

Usage: python tests/benchmarks/call_budget.py [--devices 40] [--budget 20] [--quick]
(N = --devices, B = --budget; with N a multiple of B the rolling window meets the limit exactly;
`make bench` runs it, `make test` runs it with --quick).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import sys
import tempfile

from bench_common import Emulator, bench_deviceids, count_in_scan_state, playbook_env, run_plays

QUICK = (6, 6)  # --quick: devices, budget (one window: no wait, only the pacing's own cost)


def run_pause(emulator, deviceids, rate_limit, budget_dir):
    """Seconds that one bulk pause of ``deviceids`` took in a real ansible-playbook run, the
    emulator limiting the key to ``rate_limit`` calls a minute (none for 0)."""
    emulator.reset()
    emulator.set_nsight_rate_limit(rate_limit or None, window=60)
    env = playbook_env(emulator, rate_limit, NSIGHT_BUDGET_DIR=budget_dir, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    play = [{"name": "Benchmark", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Pause", "msp.antivirus.nsight_mav_scan": {"deviceids": deviceids, "state": "paused"}}]}]
    return run_plays(play, env)


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
    with Emulator(extra_devices=options.devices) as emulator:
        startup = run_pause(emulator, deviceids, 0, budget_dir)
        paced = run_pause(emulator, deviceids, options.budget, budget_dir)
        stats = emulator.rate_limit_stats()
        paused = count_in_scan_state(emulator, deviceids, "paused")
    limit = max(0, options.devices - options.budget) * 60.0 / options.budget
    print("devices N=%d, budget B=%d calls a minute" % (options.devices, options.budget))
    print("start-up (no pacing, no limit): %.2f s" % startup)
    print("limit max(0, N - B) x 60 / B:   %.2f s" % limit)
    print("paced run:                      %.2f s  (accepted %d, refused %d, at most %d in a minute)"
          % (paced, stats["accepted"], stats["refused"], stats["max_in_window"]))
    print("ratio: the paced run took %.3fx the limit plus start-up (%.2f s)" % (paced / (limit + startup), limit + startup))
    if stats["refused"] or paused != options.devices or stats["accepted"] != options.devices:
        raise SystemExit("unexpected result: %d paused, %s" % (paused, stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
