# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmarks of tests/benchmarks/ share: the API emulator (tests/emulator/) and the integration
harness (tests/integration/) on sys.path, the ids of the emulator's synthetic devices, the environment of an
ansible-playbook run against the emulator, and a timed ansible-playbook run.

A package rather than a module beside the benchmarks, because .ci/bench.sh runs every tests/benchmarks/*.py as a
benchmark. A benchmark run as ``python tests/benchmarks/<name>.py`` imports it with ``from bench_common import ...``.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys
import tempfile
import time

BENCHMARKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(BENCHMARKS))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from emulator_credentials import NSIGHT_API_KEY  # noqa: E402  pylint: disable=wrong-import-position,import-error
from server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error
import harness  # noqa: E402  pylint: disable=wrong-import-position,import-error

__all__ = ["BENCHMARKS", "Emulator", "bench_deviceids", "count_in_scan_state", "reset_with_latency", "playbook_env",
           "run_playbook", "run_plays"]

# The first of the synthetic running Bitdefender servers that Emulator(extra_devices=N) adds.
FIRST_BENCH_DEVICE = 50001


def bench_deviceids(count):
    """The ids of the first ``count`` synthetic devices (``Emulator(extra_devices=count)`` has them)."""
    return list(range(FIRST_BENCH_DEVICE, FIRST_BENCH_DEVICE + count))


def count_in_scan_state(emulator, deviceids, state):
    """How many of ``deviceids`` have their first scan in ``state`` ("paused", "running" ...) on the emulator."""
    return sum(1 for deviceid in deviceids if emulator.device(deviceid)["scans"][0]["state"] == state)


def reset_with_latency(emulator, latency):
    """The emulator back to its first state, with ``latency`` seconds added to every N-sight request."""
    emulator.reset()
    emulator.add_fault(api="nsight", kind="latency", delay=latency, count=0)


def playbook_env(emulator, rate_limit=0, **extra):
    """os.environ plus what an ansible-playbook run of the collection against ``emulator`` needs: the collection's
    link, the N-sight server and key, NSIGHT_RATE_LIMIT ``rate_limit`` (0: no pacing), no colours; and ``extra``."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=harness.ensure_collection_link(), NSIGHT_SERVER=emulator.url,
               NSIGHT_API_KEY=NSIGHT_API_KEY, NSIGHT_RATE_LIMIT=str(rate_limit), ANSIBLE_NOCOLOR="1")
    env.update(extra)
    return env


def run_playbook(arguments, env, failure="ansible-playbook failed"):
    """Seconds that ``ansible-playbook <arguments>`` took with ``env``; if it fails, SystemExit with ``failure``
    and the end of its output."""
    started = time.perf_counter()
    run = subprocess.run([harness.ansible_executable("ansible-playbook")] + list(arguments), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit("%s:\n%s" % (failure, run.stdout[-3000:]))
    return elapsed


def run_plays(plays, env):
    """run_playbook of ``plays`` (a list of plays), written to a temporary playbook for the run."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        json.dump(plays, handle)
    try:
        return run_playbook([handle.name], env)
    finally:
        os.unlink(handle.name)
