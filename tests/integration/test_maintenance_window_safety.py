# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance window against careless users, second operators and lost runs (issue 17): patch work that does
not load is refused before any pause; resume_interrupted leaves a live window alone and takes a killed one's scans;
damaged records are named and kept; records are found however the connection was given.

Devices as in test_maintenance_window.py: 1001 Bitdefender running, 1002 VIPRE running, 1003 Bitdefender finished,
1004 VIPRE paused, 1008 Bitdefender running.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil
import signal
import subprocess
import time

import pytest
import yaml

import harness
from test_maintenance_window import (PATCH_TASKS, REPORT, by_host, local_hosts, mav_calls, recap, run_window,
                                     scan_states, without_facts)
from test_maintenance_window_recovery import RECOVER, record_files, recover, write_inventory

WAIT_TASKS = os.path.join(harness.HERE, 'files', 'wait_patch.yml')
RECOVERY = 'msp.antivirus.maintenance_window : Resume the scans that interrupted windows left paused'

# Patch work that does not load, written by the test (a YAML error would break the collection's own lint).
MISSPELT = '- name: Update every installed package\n  ansible.builtin.pakage:\n    name: "*"\n    state: latest\n'
BROKEN_PATCH = {
    'misspelt_module': (MISSPELT, "couldn't resolve module/action 'ansible.builtin.pakage'"),
    'yaml_error': ('- name: Update\n  ansible.builtin.package:\n    name: "*"\n   state: latest\n', 'YAML'),
    'missing_import': ('- name: Two steps\n  ansible.builtin.import_tasks: no_such_step.yml\n', 'no_such_step.yml'),
    'missing_include': ('- name: Two steps\n  ansible.builtin.include_tasks: no_such_step.yml\n',
                        'it includes no_such_step.yml, which is not a file'),
    'nested_misspelt': ('- name: Through a file of its own\n  ansible.builtin.include_tasks: typo.yml\n',
                        "couldn't resolve module/action 'ansible.builtin.pakage'"),
}


def broken_patch(tmp_path, kind):
    folder = tmp_path / ('patch-' + kind)
    folder.mkdir()
    (folder / 'typo.yml').write_text(MISSPELT)
    path = folder / 'patch.yml'
    path.write_text(BROKEN_PATCH[kind][0])
    return str(path)


def start_window(ansible_runner, tmp_path, hosts, budget, patch_tasks=WAIT_TASKS, extra_env=None, extra_vars=None):
    """Start msp.antivirus.pause_patch_resume in the background, wait until every host whose scan was running is
    patching. Returns (process, inventory, go_file, output path)."""
    ready = tmp_path / 'ready'
    ready.mkdir()
    go_file = tmp_path / 'go'
    inventory = write_inventory(tmp_path, hosts)
    workdir, env = ansible_runner.workdir_and_env('window', dict({'NSIGHT_BUDGET_DIR': str(budget)},
                                                                 **(extra_env or {})))
    variables = dict({'maintenance_window_hosts': 'patch_hosts', 'maintenance_window_patch_tasks': patch_tasks,
                      'patch_ready_dir': str(ready), 'patch_go_file': str(go_file)}, **(extra_vars or {}))
    command = [harness.ansible_executable('ansible-playbook'), 'msp.antivirus.pause_patch_resume', '-i', inventory,
               '-e', json.dumps(variables)]
    output = os.path.join(workdir, 'stdout')
    with open(output, 'w') as stream:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=stream,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 240
    while len(os.listdir(str(ready))) < len(hosts) and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    if len(os.listdir(str(ready))) < len(hosts):
        stop(process)
        raise AssertionError(open(output).read())
    return process, inventory, go_file, output


def stop(process, sig=signal.SIGKILL, group=True):
    """Send ``sig`` to the run (its process group, as a terminal's Ctrl-C or a lost controller would, or the
    ansible-playbook process alone, as ansible-runner's cancel does), then make sure nothing of it is left."""
    if process.poll() is None:
        if group:
            os.killpg(process.pid, sig)
        else:
            os.kill(process.pid, sig)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    process.wait()


def resumes(emulator, since=0):
    return sorted(call[1] for call in mav_calls(emulator)[since:] if call[0] == 'mav_scan_resume')


# ---- checked before any pause ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(BROKEN_PATCH))
def test_patch_work_that_does_not_load_is_refused_before_any_pause(emulator, ansible_runner, tmp_path, kind):
    patch = broken_patch(tmp_path, kind)
    hosts = local_hosts(d1001={'maintenance_window_patch_tasks': patch}, d1002={'maintenance_window_patch_tasks': patch},
                        d1008={'maintenance_window_patch_tasks': PATCH_TASKS})
    before = scan_states(emulator)
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, fqcn=True,
                              extra_vars={'maintenance_window_patch_tasks': None})
    # The play goes on (rc 2, not Ansible's parse error rc 4); the refused hosts fail, the good one is patched.
    assert run.rc == 2, run.describe()
    assert list(records) == ['mw-1008'], records
    failures = by_host(run, REPORT)
    for host in ('mw-1001', 'mw-1002'):
        msg = failures[host]['result']['msg']
        assert failures[host]['status'] == 'failed', failures[host]
        assert msg.startswith(host + ': The patch work would not load, so its window was not opened: ' + patch), msg
        assert BROKEN_PATCH[kind][1] in msg and msg.endswith('Its MAV scan was not paused.'), msg
        harness.assert_no_traceback(run, failures[host]['result'])
    assert failures['mw-1008']['status'] == 'skipped'
    # No call at all for the refused hosts' devices; their scans still run.
    assert sorted(set(call[1] for call in mav_calls(emulator))) == [1008], mav_calls(emulator)
    assert scan_states(emulator) == before
    assert recap(run)['mw-1008']['failed'] == 0, run.stdout


def test_a_misspelt_module_is_refused_through_the_role_in_a_play(emulator, ansible_runner, tmp_path):
    patch = broken_patch(tmp_path, 'misspelt_module')
    inventory = write_inventory(tmp_path, local_hosts(d1001={}, d1002={}))
    playbook = [{'name': 'Patch', 'hosts': 'patch_hosts', 'gather_facts': False,
                 'roles': [{'role': 'msp.antivirus.maintenance_window',
                            'vars': {'maintenance_window_patch_tasks': patch}}]}]
    run = ansible_runner.playbook(yaml.safe_dump(playbook), extra_args=['-i', inventory])
    assert run.rc == 2, run.describe()
    assert emulator.calls() == []
    for host in ('mw-1001', 'mw-1002'):
        assert "couldn't resolve module/action 'ansible.builtin.pakage'" in by_host(run, REPORT)[host]['result']['msg']
    assert scan_states(emulator)[1001] == scan_states(emulator)[1002] == 'running'


def test_without_a_server_the_window_refuses_to_start(emulator, ansible_runner, tmp_path):
    inventory = write_inventory(tmp_path, local_hosts(d1001={}))
    playbook = [{'name': 'Patch', 'hosts': 'patch_hosts', 'gather_facts': False,
                 'roles': [{'role': 'msp.antivirus.maintenance_window',
                            'vars': {'maintenance_window_patch_tasks': PATCH_TASKS}}]}]
    run = ansible_runner.playbook(yaml.safe_dump(playbook), extra_args=['-i', inventory],
                                  extra_env={'NSIGHT_SERVER': None})
    assert run.rc == 2, run.describe()
    assert emulator.calls() == []
    assert 'cannot tell which N-sight server it talks to' in run.stdout and 'NSIGHT_SERVER' in run.stdout, run.stdout
    assert 'Traceback' not in run.stdout + run.stderr


# ---- a recovery that cannot hurt a live window ------------------------------------------------------------------------

def test_recovery_mid_window_leaves_it_alone_and_the_window_ends_clean(
        emulator, ansible_runner, tmp_path, assert_no_secrets):
    budget = tmp_path / 'budget'
    process, inventory, go_file, output = start_window(ansible_runner, tmp_path, local_hosts(d1001={}, d1002={}, d1003={}),
                                                       budget)
    try:
        assert scan_states(emulator)[1001] == scan_states(emulator)[1002] == 'paused'
        [live] = record_files(budget)
        # A second operator on another controller who sees the same folder: the lease, renewed by the window's
        # keeper, tells it the window is live.
        elsewhere = live.replace('.json', '-elsewhere.json')
        with open(live) as handle:
            record = json.load(handle)
        record['window']['controller'] = 'another-controller/another-boot'
        with open(elsewhere, 'w') as handle:
            json.dump(record, handle)
        before = len(emulator.calls())
        run = recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)})
        run.assert_rc(0)
        assert emulator.calls()[before:] == [], emulator.calls()[before:]
        assert scan_states(emulator)[1001] == scan_states(emulator)[1002] == 'paused'
        lines = run.result(RECOVERY)['lines']
        assert any('Left alone: ' + live in line and 'is still running' in line for line in lines), lines
        assert any('Left alone: ' + elsewhere in line and 'renewed its lease' in line for line in lines), lines
        go_file.write_text('go')
        assert process.wait(timeout=240) == 0, open(output).read()
    finally:
        stop(process)
    states = scan_states(emulator)
    assert states[1001] == states[1002] == 'running' and states[1003] == 'finished', states
    assert record_files(budget) == [elsewhere]
    # The copy's lease is fresh for a while yet: an operator forces its recovery (its scans run already).
    forced = recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)})
    assert 'Left alone: ' + elsewhere in ' '.join(forced.result(RECOVERY)['lines'])
    command = [harness.ansible_executable('ansible-playbook'), RECOVER]
    forced = ansible_runner.run_command(command, 'forced', extra_env={'NSIGHT_BUDGET_DIR': str(budget)},
                                        extra_args=['-i', inventory, '-e', 'maintenance_window_force_recovery=true'])
    forced.assert_rc(0)
    assert record_files(budget) == []
    assert_no_secrets(open(output).read(), run.stdout, forced.stdout)


@pytest.mark.parametrize('sig, group', [(signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGKILL, False)],
                         ids=['sigint-ctrl-c', 'sigterm-awx-cancel', 'sigkill-ansible-playbook'])
def test_recovery_takes_a_killed_windows_scans_at_once(emulator, ansible_runner, tmp_path, sig, group):
    budget = tmp_path / 'budget'
    process, inventory, go_file, output = start_window(ansible_runner, tmp_path,
                                                       local_hosts(d1001={}, d1002={}, d1004={}), budget)
    stop(process, sig, group)
    go_file.write_text('go')  # the run's orphaned workers (sessions of their own) finish their wait and end
    assert scan_states(emulator)[1001] == scan_states(emulator)[1002] == 'paused'
    # Also from a controller that cannot see the run's process: the keeper gave the lease up when the run ended.
    [path] = record_files(budget)
    with open(path) as handle:
        record = json.load(handle)
    assert record['window']['pid'] == process.pid, record
    deadline = time.time() + 10
    while os.stat(path).st_mtime != 0 and time.time() < deadline:
        time.sleep(0.2)
    assert os.stat(path).st_mtime == 0
    before = len(emulator.calls())
    recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)}).assert_rc(0)
    assert resumes(emulator, before) == [1001, 1002]
    states = scan_states(emulator)
    assert states[1001] == states[1002] == 'running' and states[1004] == 'paused', states
    assert record_files(budget) == []


# ---- records that survive real disks and real users -----------------------------------------------------------------

def test_damaged_records_are_named_and_kept_and_the_intact_ones_recovered(emulator, ansible_runner, tmp_path):
    budget = tmp_path / 'budget'
    process, inventory, go_file, output = start_window(ansible_runner, tmp_path, local_hosts(d1001={}, d1008={}), budget)
    stop(process)
    go_file.write_text('go')
    [intact] = record_files(budget)
    text = open(intact).read()
    damaged = {
        intact.replace('.json', '-truncated.json'): text[:len(text) // 2],
        intact.replace('.json', '-not-json.json'): 'this is not JSON\n',
        intact.replace('.json', '-shape.json'): json.dumps({'entries': [{'host': 'x'}]}),
    }
    for path, content in damaged.items():
        with open(path, 'w') as handle:
            handle.write(content)
    run = recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)})
    assert run.rc == 2, run.describe()
    assert resumes(emulator) == [1001, 1008]
    assert scan_states(emulator)[1001] == scan_states(emulator)[1008] == 'running'
    assert sorted(record_files(budget)) == sorted(damaged)  # the intact one is cleared, the damaged ones kept
    failed = run.task('msp.antivirus.maintenance_window : Fail when a scan could not be resumed or a record could not '
                      'be read')
    for path in damaged:
        assert path in failed['result']['msg'], failed
    assert 'is not JSON' in failed['result']['msg'] and 'no integer deviceid' in failed['result']['msg']
    assert 'Traceback' not in run.stdout + run.stderr and 'Error rendering template' not in run.stdout


def test_records_of_a_window_given_its_connection_by_module_defaults_are_found(
        emulator, ansible_runner, tmp_path, assert_no_secrets):
    """The play gives the connection only through module_defaults (the playbook's nsight_server / nsight_api_key),
    none in the environment; resume_interrupted then runs with NSIGHT_SERVER and NSIGHT_API_KEY, as the README
    says."""
    budget = tmp_path / 'budget'
    env = emulator.env()
    process, inventory, go_file, output = start_window(
        ansible_runner, tmp_path, local_hosts(d1001={}, d1002={}), budget,
        extra_env={'NSIGHT_SERVER': None, 'NSIGHT_API_KEY': None},
        extra_vars={'nsight_server': env['NSIGHT_SERVER'], 'nsight_api_key': env['NSIGHT_API_KEY']})
    stop(process, signal.SIGTERM, group=False)
    go_file.write_text('go')
    [path] = record_files(budget)
    with open(path) as handle:
        record = json.load(handle)
    assert record['server'] == env['NSIGHT_SERVER'].split('://', 1)[1].rstrip('/'), record
    run = recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)})
    run.assert_rc(0)
    assert resumes(emulator) == [1001, 1002]
    assert record_files(budget) == []
    assert_no_secrets(open(output).read(), json.dumps(record), run.stdout, without_facts(run.results))


def test_a_1_0_0_record_is_still_recovered(emulator, ansible_runner, tmp_path):
    budget = tmp_path / 'budget'
    process, inventory, go_file, output = start_window(ansible_runner, tmp_path, local_hosts(d1001={}), budget)
    stop(process)
    go_file.write_text('go')
    [path] = record_files(budget)
    with open(path) as handle:
        record = json.load(handle)
    # What 1.0.0 wrote: server, run_id, entries; no lease.
    with open(path, 'w') as handle:
        json.dump(dict((key, record[key]) for key in ('server', 'run_id', 'entries')), handle)
    shutil.copy(path, str(tmp_path / 'kept.json'))
    recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)}).assert_rc(0)
    assert resumes(emulator) == [1001] and record_files(budget) == []
