# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interrupted maintenance windows (msp.antivirus.resume_interrupted), the role's entry points and its report.

Devices as in test_maintenance_window.py: 1001 Bitdefender running, 1002 VIPRE running, 1003 Bitdefender finished,
1004 VIPRE paused (before any window: it must stay paused), 1008 Bitdefender running.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import json
import os
import signal
import subprocess
import time

import yaml

import harness
from test_maintenance_window import (PATCH_TASKS, REPORT, local_hosts, mav_calls, recap, run_window, scan_states,
                                     window_report, without_facts)

WAIT_TASKS = os.path.join(harness.HERE, 'files', 'wait_patch.yml')
OWN_PATCH_PLAY = os.path.join(harness.HERE, 'files', 'own_patch_play.yml')
RECOVER = 'msp.antivirus.resume_interrupted'
RECOVERY_RESUME = 'Resume the scans that interrupted windows left paused'


def write_inventory(tmp_path, hosts, name='maintenance.yml'):
    group_vars = {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    inventory = {'all': {'children': {'patch_hosts': {'hosts': hosts, 'vars': group_vars}}}}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return str(path)


def recover(ansible_runner, inventory, extra_env):
    """ansible-playbook msp.antivirus.resume_interrupted -i INVENTORY, with nothing else set."""
    command = [harness.ansible_executable('ansible-playbook'), RECOVER]
    return ansible_runner.run_command(command, 'resume-interrupted', extra_env=extra_env, extra_args=['-i', inventory])


def record_files(budget_dir):
    return sorted(glob.glob(os.path.join(str(budget_dir), 'maintenance-window-*.json')))


def killed_window(ansible_runner, emulator, tmp_path, hosts, budget_dir, extra_env=None):
    """Start msp.antivirus.pause_patch_resume with patch work that waits, wait until every host whose scan was
    running is patching, then SIGKILL the whole run (its process group), as a lost controller would end it. Ansible's
    workers run in sessions of their own: the go file then lets the one still patching end."""
    ready = tmp_path / 'ready'
    ready.mkdir()
    inventory = write_inventory(tmp_path, hosts)
    budget_env = dict({'NSIGHT_BUDGET_DIR': str(budget_dir)}, **(extra_env or {}))
    workdir, env = ansible_runner.workdir_and_env('killed', budget_env)
    variables = {'maintenance_window_hosts': 'patch_hosts', 'maintenance_window_patch_tasks': WAIT_TASKS,
                 'patch_ready_dir': str(ready), 'patch_go_file': str(tmp_path / 'go')}
    command = [harness.ansible_executable('ansible-playbook'), 'msp.antivirus.pause_patch_resume', '-i', inventory,
               '-e', json.dumps(variables)]
    with open(os.path.join(workdir, 'stdout'), 'w') as output:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.time() + 240
            while len(os.listdir(str(ready))) < len(hosts) and time.time() < deadline and process.poll() is None:
                time.sleep(0.2)
            assert len(os.listdir(str(ready))) == len(hosts), open(os.path.join(workdir, 'stdout')).read()
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            (tmp_path / 'go').write_text('go')
    return inventory, open(os.path.join(workdir, 'stdout')).read()


def test_killed_window_is_recovered_exactly_once(emulator, ansible_runner, tmp_path, assert_no_secrets):
    budget = tmp_path / 'budget'
    hosts = local_hosts(d1001={}, d1002={}, d1003={}, d1004={})
    inventory, output = killed_window(ansible_runner, emulator, tmp_path, hosts, budget)
    states = scan_states(emulator)
    assert states[1001] == states[1002] == 'paused' and states[1004] == 'paused', states
    # The record was written when the pause succeeded, before the patch work, and names only what the run paused.
    files = record_files(budget)
    assert len(files) == 1, files
    with open(files[0]) as record_file:
        text = record_file.read()
    record = json.loads(text)
    assert sorted((entry['deviceid'], entry['host']) for entry in record['entries']) == [(1001, 'mw-1001'), (1002, 'mw-1002')]
    assert all(entry['run_id'] == record['run_id'] and entry['time'] for entry in record['entries'])
    assert oct(os.stat(files[0]).st_mode & 0o777) == '0o600'
    assert_no_secrets(text, output)

    before = len(emulator.calls())
    run = recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)}).assert_rc(0)
    calls = mav_calls(emulator)[before:]
    assert sorted((call[0], call[1]) for call in calls) == [('mav_scan_resume', 1001), ('mav_scan_resume', 1002)], calls
    states = scan_states(emulator)
    assert states[1001] == states[1002] == 'running', states
    assert states[1003] == 'finished' and states[1004] == 'paused', states  # paused before the window: untouched
    assert record_files(budget) == []
    assert_no_secrets(run.stdout, run.stderr, run.results)

    # A second recovery finds nothing and calls nothing.
    before = len(emulator.calls())
    again = recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)}).assert_rc(0)
    assert emulator.calls()[before:] == []
    recovery = again.result('msp.antivirus.maintenance_window : ' + RECOVERY_RESUME)
    assert recovery['changed'] is False and recovery['results'] == [], recovery
    assert 'No interrupted maintenance window left a scan paused on 127.0.0.1:' in recovery['msg'], recovery


def test_killed_window_is_recovered_from_the_fact_cache_alone(emulator, ansible_runner, tmp_path):
    """AWX: the job's files are gone with its container, the facts it stored stay (Enable Fact Storage, here a
    jsonfile cache shared by both runs)."""
    budget, cache = tmp_path / 'budget', tmp_path / 'facts'
    env = {'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(cache)}
    hosts = local_hosts(d1001={}, d1004={})
    inventory, _output = killed_window(ansible_runner, emulator, tmp_path, hosts, budget, extra_env=env)
    assert scan_states(emulator)[1001] == 'paused'
    for path in record_files(budget):
        os.unlink(path)
    before = len(emulator.calls())
    recover(ansible_runner, inventory, dict(env, NSIGHT_BUDGET_DIR=str(tmp_path / 'other-budget'))).assert_rc(0)
    assert [(call[0], call[1]) for call in mav_calls(emulator)[before:]] == [('mav_scan_resume', 1001)]
    assert scan_states(emulator)[1001] == 'running' and scan_states(emulator)[1004] == 'paused'
    before = len(emulator.calls())
    recover(ansible_runner, inventory, dict(env, NSIGHT_BUDGET_DIR=str(tmp_path / 'other-budget'))).assert_rc(0)
    assert emulator.calls()[before:] == []


def test_clean_window_leaves_nothing_to_recover_and_reports(emulator, ansible_runner, tmp_path, assert_no_secrets):
    budget = tmp_path / 'budget'
    report_path = tmp_path / 'reports' / 'window.json'
    report_path.parent.mkdir()
    hosts = local_hosts(d1001={}, d1003={}, d1004={}, d1008={'fail_patch': True})
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts,
                              extra_env={'NSIGHT_BUDGET_DIR': str(budget), 'ANSIBLE_SHOW_CUSTOM_STATS': '1'},
                              extra_vars={'maintenance_window_report_path': str(report_path),
                                          'maintenance_window_serial': 2})
    assert run.rc == 2, run.describe()
    assert record_files(budget) == []
    expected = {
        'mw-1001': {'deviceid': 1001, 'pause': 'paused', 'patch': 'ok', 'resume': 'resumed'},
        'mw-1003': {'deviceid': 1003, 'pause': 'not_needed', 'patch': 'ok', 'resume': 'not_needed'},
        'mw-1004': {'deviceid': 1004, 'pause': 'not_needed', 'patch': 'ok', 'resume': 'not_needed'},
        'mw-1008': {'deviceid': 1008, 'pause': 'paused', 'patch': 'failed', 'resume': 'resumed'},
    }
    report = window_report(run)
    assert dict((host, dict((key, value) for key, value in entry.items() if key != 'msg'))
                for host, entry in report.items()) == expected, report
    assert 'Patch failed on purpose on mw-1008' in report['mw-1008']['msg'], report
    with open(str(report_path)) as report_file:
        assert json.load(report_file) == report
    table = (tmp_path / 'reports' / 'window.md').read_text()
    assert table.splitlines()[0] == '| host | device | pause | patch | resume | message |'
    assert '| mw-1008 | 1008 | paused | failed | resumed |' in table, table
    # The custom stats at the end of the run (AWX's artifacts) and the per-host summary.
    assert 'CUSTOM STATS' in run.stdout and 'maintenance_window_report' in run.stdout, run.stdout
    assert 'mw-1008 (device 1008): pause paused, patch failed, resume resumed' in run.stdout
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results), table, json.dumps(report))

    before = len(emulator.calls())
    recover(ansible_runner, str(tmp_path / 'maintenance.yml'), {'NSIGHT_BUDGET_DIR': str(budget)}).assert_rc(0)
    assert emulator.calls()[before:] == []


def test_entry_points_around_the_plays_own_patch_tasks(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={}, d1002={'fail_patch': True}, d1004={}, d99999={})
    inventory = write_inventory(tmp_path, hosts)
    record_dir = tmp_path / 'patch-records'
    record_dir.mkdir()
    variables = {'patch_tasks': PATCH_TASKS, 'patch_record_dir': str(record_dir), 'patch_emulator_url': emulator.url}
    command = [harness.ansible_executable('ansible-playbook'), OWN_PATCH_PLAY]
    run = ansible_runner.run_command(command, 'own-patch', extra_args=['-i', inventory, '-e', json.dumps(variables)])
    assert run.rc == 2, run.describe()
    # The unknown device's pause failed: that host was failed by the pause, before the play's own patch tasks.
    assert sorted(os.listdir(str(record_dir))) == ['mw-1001.json', 'mw-1002.json', 'mw-1004.json']
    failed = [record for record in run.results if record['task'].endswith(REPORT) and record['status'] == 'failed']
    assert [record['host'] for record in failed] == ['mw-99999'], failed
    counters = recap(run)
    assert counters['mw-1002']['failed'] == 1 and counters['mw-1001']['failed'] == 0, run.stdout
    # The resume entry point resumed what the pause entry point paused, also for the host whose patch failed.
    calls = [(call[0], call[1]) for call in mav_calls(emulator)]
    assert sorted(call for call in calls if call[0] == 'mav_scan_resume') == [
        ('mav_scan_resume', 1001), ('mav_scan_resume', 1002)], calls
    states = scan_states(emulator)
    assert states[1001] == states[1002] == 'running' and states[1004] == 'paused', states
    report = window_report(run)
    assert report['mw-1002']['patch'] == 'failed' and report['mw-1002']['resume'] == 'resumed', report
    assert report['mw-1001']['patch'] == 'ok' and report['mw-1004']['resume'] == 'not_needed', report
    assert report['mw-99999']['pause'] == 'failed' and report['mw-99999']['patch'] == 'skipped', report


def test_resume_entry_point_runs_the_after_steps_for_the_clean_hosts(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={}, d1002={'fail_patch': True}, d1003={})
    inventory = write_inventory(tmp_path, hosts)
    record_dir = tmp_path / 'patch-records'
    record_dir.mkdir()
    variables = {'patch_tasks': PATCH_TASKS, 'patch_record_dir': str(record_dir), 'patch_emulator_url': emulator.url,
                 'maintenance_window_after': ['scan', 'definitions_update']}
    command = [harness.ansible_executable('ansible-playbook'), OWN_PATCH_PLAY]
    run = ansible_runner.run_command(command, 'own-patch-after',
                                     extra_args=['-i', inventory, '-e', json.dumps(variables)])
    assert run.rc == 2, run.describe()
    acting = ('mav_scan_pause', 'mav_scan_resume', 'mav_definitions_update', 'mav_scan_start')
    calls = [(call[0], call[1]) for call in mav_calls(emulator) if call[0] in acting]
    # The clean hosts got each step once, after their resume; the host whose own patch task failed got none.
    assert [service for service, deviceid in calls if deviceid == 1001] == [
        'mav_scan_pause', 'mav_scan_resume', 'mav_definitions_update', 'mav_scan_start'], calls
    assert [service for service, deviceid in calls if deviceid == 1003] == [
        'mav_scan_pause', 'mav_definitions_update', 'mav_scan_start'], calls
    assert [service for service, deviceid in calls if deviceid == 1002] == ['mav_scan_pause', 'mav_scan_resume'], calls
    report = window_report(run)
    assert report['mw-1001']['after'] == {'definitions_update': 'updated', 'scan': 'not_needed'}, report
    assert report['mw-1003']['after'] == {'definitions_update': 'updated', 'scan': 'started'}, report
    assert report['mw-1002']['after'] == {} and report['mw-1002']['patch'] == 'failed', report
    counters = recap(run)
    assert counters['mw-1002']['failed'] == 1 and counters['mw-1001']['failed'] == 0, run.stdout
    assert counters['mw-1003']['failed'] == 0, run.stdout


def test_a_scan_left_paused_by_an_earlier_play_of_the_run_keeps_its_record(emulator, ansible_runner, tmp_path):
    """Play 1 pauses 1001 and its resume fails; play 2 of the same run finds the scan paused (not paused by it):
    play 1's record entry must survive play 2, and resume_interrupted must resume the scan."""
    budget = tmp_path / 'budget'
    inventory = write_inventory(tmp_path, local_hosts(d1001={}))
    play = {'hosts': 'patch_hosts', 'gather_facts': False,
            'roles': [{'role': 'msp.antivirus.maintenance_window', 'vars': {'maintenance_window_patch_tasks': PATCH_TASKS}}]}
    playbook = tmp_path / 'two_windows.yml'
    # ignore_errors on the first window, or its failed host would not take part in the second.
    first = dict(play, name='First window', roles=[dict(play['roles'][0], ignore_errors=True)])
    playbook.write_text(yaml.safe_dump([first, dict(play, name='Second window')]))
    emulator.server.add_fault(kind='error', api='nsight', service='mav_scan_resume', code=4, count=1)
    record_dir = tmp_path / 'patch-records'
    record_dir.mkdir()
    variables = {'patch_record_dir': str(record_dir), 'patch_emulator_url': emulator.url}
    run = ansible_runner.run_command([harness.ansible_executable('ansible-playbook'), str(playbook)], 'two-windows',
                                     extra_env={'NSIGHT_BUDGET_DIR': str(budget)},
                                     extra_args=['-i', inventory, '-e', json.dumps(variables)])
    run.assert_rc(0)
    calls = [(call[0], call[1]) for call in mav_calls(emulator) if call[0] in ('mav_scan_pause', 'mav_scan_resume')]
    # Play 1: pause, failed resume. Play 2: its pause finds the scan not running (not_needed), so no resume.
    assert calls == [('mav_scan_pause', 1001), ('mav_scan_resume', 1001), ('mav_scan_pause', 1001)], calls
    assert scan_states(emulator)[1001] == 'paused'
    files = record_files(budget)
    assert len(files) == 1, files
    with open(files[0]) as handle:
        assert [entry['deviceid'] for entry in json.load(handle)['entries']] == [1001]

    recover(ansible_runner, inventory, {'NSIGHT_BUDGET_DIR': str(budget)}).assert_rc(0)
    assert scan_states(emulator)[1001] == 'running'
    assert record_files(budget) == []
