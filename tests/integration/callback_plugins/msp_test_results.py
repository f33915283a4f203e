# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: every task result as one JSON line in $MSP_TEST_RESULTS_FILE.

The integration harness (tests/integration/harness.py) enables it beside the default
stdout callback and reads the lines back, so tests assert on real result dicts. It works
with ansible-core 2.17 (TaskResult) and 2.19+ (CallbackTaskResult).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
name: msp_test_results
type: aggregate
short_description: Write each task result as a JSON line, for the integration tests
description:
  - Appends one JSON object per task result (task, action, host, status, result) to the file that the
    E(MSP_TEST_RESULTS_FILE) environment variable names. Does nothing when it is not set.
requirements:
  - enabled in callbacks_enabled
"""

import json
import os

from ansible.plugins.callback import CallbackBase


OMITTED_ENV = '(omitted by msp_test_results: the environment of the test run)'


def _public_or_legacy(result, name):
    """ansible-core 2.19+ has result.task/.host/.result; 2.17 only the underscored names."""
    value = getattr(result, name, None)
    return value if value is not None else getattr(result, '_' + name)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'msp_test_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._results_path = os.environ.get('MSP_TEST_RESULTS_FILE')

    def _record(self, result, status, ignore_errors=False):
        if not self._results_path:
            return
        task = _public_or_legacy(result, 'task')
        host = _public_or_legacy(result, 'host')
        module_result = dict(_public_or_legacy(result, 'result'))
        facts = module_result.get('ansible_facts')
        if isinstance(facts, dict) and 'ansible_env' in facts:
            # Gathered facts hold the environment of the test run itself, which carries the
            # emulator credentials (NSIGHT_API_KEY...); no callback ever prints them.
            module_result['ansible_facts'] = dict(facts, ansible_env=OMITTED_ENV)
        record = {
            'task': task.get_name(),
            'action': task.action,
            'host': host.get_name(),
            'status': status,
            'ignore_errors': bool(ignore_errors),
            'result': module_result,
        }
        with open(self._results_path, 'a') as results_file:
            results_file.write(json.dumps(record, default=str, sort_keys=True) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, 'changed' if result.is_changed() else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed', ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')
