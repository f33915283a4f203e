# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Smoke tests of the integration harness itself (conftest.py, harness.py, the results callback)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

import harness


def test_playbook_results_and_emulator_reachable(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([
        {'name': 'Say hello', 'ansible.builtin.debug': {'msg': 'hello from the harness'}},
        {'name': 'Read the emulator call log', 'ansible.builtin.uri': {
            'url': '{{ lookup("ansible.builtin.env", "NSIGHT_SERVER") }}/_emulator/calls', 'return_content': True},
         'register': 'calls'},
        {'name': 'Skip me', 'ansible.builtin.debug': {'msg': 'never'}, 'when': False},
        {'name': 'Fail on purpose', 'ansible.builtin.fail': {'msg': 'expected failure'}, 'ignore_errors': True},
    ])
    run.assert_rc(0)
    assert [(record['task'], record['status']) for record in run.results] == [
        ('Say hello', 'ok'), ('Read the emulator call log', 'ok'), ('Skip me', 'skipped'), ('Fail on purpose', 'failed')]
    assert run.result('Say hello')['msg'] == 'hello from the harness'
    assert run.result('Read the emulator call log')['status'] == 200
    assert run.result('Read the emulator call log')['json'] == []
    assert run.task('Fail on purpose')['ignore_errors'] is True
    assert run.results[0]['host'] == 'localhost'
    assert 'PLAY RECAP' in run.stdout
    assert_no_secrets(run.stdout, run.stderr, run.results)


def test_environment_points_at_emulator(emulator, run_playbook):
    run = run_playbook([{'name': 'Show environment', 'ansible.builtin.debug': {'msg': {
        'server': '{{ lookup("ansible.builtin.env", "NSIGHT_SERVER") }}',
        'wfbss': '{{ lookup("ansible.builtin.env", "WFBSS_URL") }}',
        'collections': '{{ lookup("ansible.builtin.env", "ANSIBLE_COLLECTIONS_PATH") }}'}}}])
    run.assert_rc(0)
    shown = run.result('Show environment')['msg']
    assert shown['server'] == emulator.url and shown['wfbss'] == emulator.url
    assert shown['collections'] == harness.COLLECTIONS_PATH


def test_check_mode_failure_and_full_playbook_text(run_playbook):
    run = run_playbook('- hosts: localhost\n  gather_facts: false\n  tasks:\n'
                       '    - name: Boom\n      ansible.builtin.fail:\n        msg: boom\n', check=True)
    assert run.rc == 2
    assert run.task('Boom')['status'] == 'failed'
    assert run.result('Boom')['msg'] == 'boom'


def test_adhoc(run_adhoc):
    run = run_adhoc('ansible.builtin.debug', {'msg': 'ad hoc'})
    run.assert_rc(0)
    assert run.results[0]['result']['msg'] == 'ad hoc'
    assert run.results[0]['status'] == 'ok'


def test_emulator_state_is_fresh_per_test(emulator):
    assert emulator.calls() == []
    emulator.control('POST', 'reset')
    with pytest.raises(harness.EmulatorControlError):
        emulator.control('GET', 'no-such-endpoint')


def test_assert_no_secrets_catches_each_credential(emulator):
    harness.assert_no_secrets('nothing to see', b'bytes too', {'a': ['b']})
    for secret in (emulator.nsight_api_key, emulator.wfbss_access_token, emulator.wfbss_secret_key):
        with pytest.raises(AssertionError) as caught:
            harness.assert_no_secrets('ok', {'url': 'http://x/api/?apikey=%s&service=x' % secret})
        assert secret not in str(caught.value)


def test_gathered_environment_is_not_recorded(emulator, run_playbook, assert_no_secrets):
    run = run_playbook('- hosts: localhost\n  gather_facts: true\n  gather_subset: [min]\n  tasks: []\n')
    run.assert_rc(0)
    facts = run.result('Gathering Facts')['ansible_facts']
    assert 'ansible_env' in facts and 'NSIGHT_API_KEY' not in facts['ansible_env']
    assert_no_secrets(run.stdout, run.stderr, run.results)
