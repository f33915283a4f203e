# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's `make demo`: tests/demo/run.sh as the Makefile runs it, with this virtualenv's ansible-core first
on PATH. It starts its own emulator (with the emulator's real credentials, which hold spaces and + / = %)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess
import sys

import harness
from emulator_credentials import NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY  # pylint: disable=import-error

DEMO = os.path.join(harness.REPO, 'tests', 'demo', 'run.sh')


def test_make_demo_runs_the_window_and_the_wfbss_reset():
    bindir = os.path.dirname(harness.ansible_executable('ansible-playbook'))
    env = dict(os.environ, PATH=os.pathsep.join([bindir, os.environ.get('PATH', '')]), PYTHON=sys.executable,
               ANSIBLE_COLLECTIONS_PATH=harness.ensure_collection_link())
    run = subprocess.run(['bash', DEMO], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-4000:]
    lines = run.stdout.splitlines()
    summary = [line.split()[:3] + line.split()[-1:] for line in lines if '-> newest scan now' in line]
    assert summary == [['nw-dc01', 'device', '1001:', 'running'], ['nw-fs01', 'device', '1002:', 'running'],
                       ['nw-app01', 'device', '1003:', 'finished'], ['cl-sql01', 'device', '1004:', 'paused']], run.stdout
    assert any('POST   wfbss  commands/reset' in line and line.rstrip().endswith('HTTP 200') for line in lines), run.stdout
    assert 'failed=1' not in run.stdout and '(no API key, access token or secret key in the log)' in run.stdout
    for secret in (NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY):
        assert secret not in run.stdout
