# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke tests of the integration harness itself (conftest.py, harness.py, the results callback)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
from urllib.parse import quote, quote_plus

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
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


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


def test_test_secrets_change_under_url_encoding(emulator):
    # Otherwise a leak in encoded form would look like no leak at all.
    secrets = (emulator.nsight_api_key, emulator.wfbss_access_token, emulator.wfbss_secret_key)
    for secret in secrets:
        assert quote(secret, safe='') != secret and quote(secret) != secret and quote_plus(secret) != secret
        assert set('+/=%') <= set(secret), secret
    # One secret holds a space, so that quote and quote_plus differ too.
    assert any(quote(secret, safe='') != quote_plus(secret) for secret in secrets)


@pytest.mark.parametrize('label', sorted(harness.SECRETS))
@pytest.mark.parametrize('encode', [
    lambda secret: secret,
    lambda secret: quote(secret, safe=''),
    quote,
    quote_plus,
    lambda secret: json.dumps({'key': secret}),
], ids=['literal', 'quote-nothing-safe', 'quote', 'quote_plus', 'inside-json'])
def test_assert_no_secrets_catches_every_encoded_form(label, encode):
    secret = harness.SECRETS[label]
    leaked = encode(secret)
    for text in ('GET /x?y=' + leaked + '&z=1', leaked.encode('utf-8'), {'msg': ['excerpt: ' + leaked]}):
        with pytest.raises(AssertionError) as caught:
            harness.assert_no_secrets('clean', text)
        assert 'the %s leaked' % label in str(caught.value) and 'text #1' in str(caught.value)
        assert leaked not in str(caught.value) and secret not in str(caught.value)


def test_every_run_writes_its_log_and_fact_cache_in_its_directory(run_playbook, run_adhoc):
    run = run_playbook([
        {'name': 'Cache a fact', 'ansible.builtin.set_fact': {'harness_probe': 'cached-4f1e', 'cacheable': True}},
    ]).assert_rc(0)
    assert run.log_path == os.path.join(run.workdir, 'ansible.log')
    assert run.fact_cache == os.path.join(run.workdir, 'fact-cache')
    assert 'TASK [Cache a fact]' in run.log_text()
    assert run.cached_facts()['harness_probe'] == 'cached-4f1e'
    written = set(os.path.relpath(path, run.workdir) for path in run.files())
    assert {'ansible.log', 'results.jsonl'} <= written
    assert any(name.startswith('fact-cache' + os.sep) and name.endswith('localhost') for name in written), written
    # The harness's own inputs are not what the run wrote.
    assert not written & set(harness.RUN_INPUTS)
    text = run.files_text()
    assert '=== ansible.log ===' in text and 'TASK [Cache a fact]' in text
    assert '=== fact-cache/' in text and 'cached-4f1e' in text
    assert 'cached-4f1e' not in run.files_text(without=['fact-cache', 'results.jsonl', 'ansible.log'])

    adhoc = run_adhoc('ansible.builtin.debug', {'msg': 'ad hoc logged'}).assert_rc(0)
    assert adhoc.workdir != run.workdir and 'ad hoc logged' in adhoc.log_text()
    # Gathering stays off unless a play asks for it: nothing was cached for localhost.
    assert not adhoc.cached_facts()


def test_secret_written_only_to_a_file_of_the_run_is_caught(emulator, run_playbook):
    # no_log keeps it out of the output and the results; the fact cache still holds it, URL-encoded.
    run = run_playbook([
        {'name': 'Cache an encoded key', 'no_log': True, 'ansible.builtin.set_fact': {
            'cacheable': True, 'leaky': "{{ lookup('ansible.builtin.env', 'TEST_ENCODED_KEY') }}"}},
    ], extra_env={'TEST_ENCODED_KEY': quote(emulator.nsight_api_key, safe='')}).assert_rc(0)
    harness.assert_no_secrets(run.stdout, run.stderr, run.results)
    with pytest.raises(AssertionError) as caught:
        harness.assert_no_secrets(run.files_text())
    assert 'the N-sight API key leaked (URL-encoded)' in str(caught.value)
    assert 'leaky' in str(caught.value)


def test_gathered_environment_is_not_recorded(emulator, run_playbook, assert_no_secrets):
    run = run_playbook('- hosts: localhost\n  gather_facts: true\n  gather_subset: [min]\n  tasks: []\n')
    run.assert_rc(0)
    facts = run.result('Gathering Facts')['ansible_facts']
    assert 'ansible_env' in facts and 'NSIGHT_API_KEY' not in facts['ansible_env']
    assert facts['ansible_env'].startswith('(omitted by msp_test_results')
    # The environment was gathered, credentials and all (ansible's fact cache keeps it as gathered):
    # only the callback's omission keeps it out of the results.
    cached = run.cached_facts()
    assert cached['ansible_env']['NSIGHT_API_KEY'] == emulator.nsight_api_key
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text(without=[harness.FACT_CACHE_DIR]))


def test_run_command_runs_any_command_as_playbook_and_adhoc_run_theirs(ansible_runner, tmp_path):
    playbook = tmp_path / 'probe.yml'
    playbook.write_text('- hosts: all\n  gather_facts: false\n  tasks:\n'
                        '    - name: Probe\n      ansible.builtin.debug:\n'
                        '        msg: "{{ lookup(\'ansible.builtin.env\', \'HARNESS_PROBE\') }} {{ probe_var }}"\n')
    run = ansible_runner.run_command([harness.ansible_executable('ansible-playbook'), str(playbook)], 'probe',
                                     extra_env={'HARNESS_PROBE': 'from-env'}, extra_args=['-e', 'probe_var=from-args'])
    run.assert_rc(0)
    assert os.path.basename(run.workdir).startswith('probe-') and os.path.dirname(run.workdir) == str(tmp_path)
    # The harness's localhost inventory came first, then the extra arguments; the results callback saw the task.
    assert run.command[-4:] == ['-i', os.path.join(run.workdir, 'inventory.ini'), '-e', 'probe_var=from-args']
    assert [(record['task'], record['host']) for record in run.results] == [('Probe', 'localhost')]
    assert run.result('Probe')['msg'] == 'from-env from-args'
    assert 'TASK [Probe]' in run.log_text()

    # Without the harness's inventory, a command sees only the inventory it names.
    hosts = tmp_path / 'hosts.yml'
    hosts.write_text('all:\n  hosts:\n    probe-host:\n      probe_var: 1\n')
    listing = [harness.ansible_executable('ansible-inventory'), '-i', str(hosts), '--list']
    alone = ansible_runner.run_command(listing, 'inventory', inventory=False).assert_rc(0)
    assert alone.command == listing and alone.workdir != run.workdir
    assert sorted(json.loads(alone.stdout)['_meta']['hostvars']) == ['probe-host']
    with_harness_inventory = ansible_runner.run_command(listing, 'inventory').assert_rc(0)
    assert sorted(json.loads(with_harness_inventory.stdout)['_meta']['hostvars']) == ['localhost', 'probe-host']


def test_workdir_and_env_for_a_command_the_test_starts_itself(emulator, ansible_runner, tmp_path, monkeypatch):
    monkeypatch.setenv('HARNESS_DROPPED', 'set')
    workdir, env = ansible_runner.workdir_and_env('own', {'HARNESS_PROBE': 3, 'HARNESS_DROPPED': None})
    assert os.path.isdir(workdir) and os.path.basename(workdir).startswith('own-')
    assert env['NSIGHT_SERVER'] == emulator.url and env['HARNESS_PROBE'] == '3' and 'HARNESS_DROPPED' not in env
    assert env['ANSIBLE_LOG_PATH'] == os.path.join(workdir, harness.LOG_FILE)
    assert env['ANSIBLE_CONFIG'] == os.path.join(workdir, 'ansible.cfg') and os.path.isfile(env['ANSIBLE_CONFIG'])
    assert ansible_runner.workdir_and_env('own')[0] != workdir
