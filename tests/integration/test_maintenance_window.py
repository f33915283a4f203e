# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role msp.antivirus.maintenance_window through the collection playbook msp.antivirus.pause_patch_resume.

Real ansible-playbook runs over several local hosts, each mapped to an emulator device:
1001 Bitdefender running, 1002 VIPRE running, 1003 Bitdefender finished, 1004 VIPRE paused,
1008 Bitdefender running. The patch work is files/record_patch.yml: it records, per host, when
it ran and what the device's scan looked like at that moment, and fails where ``fail_patch`` is set.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re

import yaml
from ansible.release import __version__ as ansible_core_version

import harness

ANSIBLE_CORE = tuple(int(part) for part in ansible_core_version.split('.')[:2])

PLAYBOOK = 'msp.antivirus.pause_patch_resume'
PATCH_TASKS = os.path.join(harness.HERE, 'files', 'record_patch.yml')
LOSE_CONNECTION_TASKS = os.path.join(harness.HERE, 'files', 'lose_connection_patch.yml')
TEST_ACTION_PLUGINS = os.path.join(harness.HERE, 'files', 'action_plugins')
CIDS = ['640FE47F-5118-4D79-8221-A35D0DE2EE2C', '549390C2-61B3-417E-B1F0-8955A63C08F3']

PAUSE = "Pause the device's MAV scan"
RESUME = 'Resume the MAV scan that this run paused'
REPORT = 'Report the failed patch work'
RESET = 'Reset WFBSS counters or live status'
VALIDATE = "Validating arguments against arg spec 'main'"
CHECK_ID = 'Check that the device id is a real one'


# ---- helpers -------------------------------------------------------------------------------

def run_window(ansible_runner, emulator, tmp_path, hosts, fqcn=False, check=False, verbosity=0, extra_env=None,
               extra_vars=None, inventory_vars=None):
    """Run msp.antivirus.pause_patch_resume over local hosts (name -> host vars) in the group patch_hosts.

    ``fqcn``: run it as ``ansible-playbook msp.antivirus.pause_patch_resume -i inventory.yml`` (the harness
    only writes playbook files, so this builds the command itself on the runner's _workdir/_run); otherwise
    through a one-line playbook ``- import_playbook: msp.antivirus.pause_patch_resume``.
    Returns (run, records): records maps host -> what files/record_patch.yml wrote for it.
    """
    record_dir = tmp_path / 'patch-records'
    record_dir.mkdir()
    group_vars = {
        'ansible_connection': 'local',
        'ansible_python_interpreter': '{{ ansible_playbook_python }}',
    }
    group_vars.update(inventory_vars or {})
    inventory = {'all': {'children': {'patch_hosts': {'hosts': hosts, 'vars': group_vars}}}}
    inventory_path = tmp_path / 'maintenance.yml'
    inventory_path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    variables = {
        'maintenance_window_hosts': 'patch_hosts',  # not the harness's own localhost
        'maintenance_window_patch_tasks': PATCH_TASKS,
        'patch_record_dir': str(record_dir),
        'patch_emulator_url': emulator.url,
    }
    variables.update(extra_vars or {})
    extra_args = ['-i', str(inventory_path), '-e', json.dumps(variables)]
    if fqcn:
        workdir = ansible_runner._workdir('pause-patch-resume')  # pylint: disable=protected-access
        command = [harness.ansible_executable('ansible-playbook'), PLAYBOOK]
        run = ansible_runner._run(workdir, command, check, verbosity, extra_env, extra_args)  # pylint: disable=protected-access
    else:
        run = ansible_runner.playbook('- import_playbook: %s\n' % PLAYBOOK, check=check, verbosity=verbosity,
                                      extra_env=extra_env, extra_args=extra_args)
    records = {}
    for name in os.listdir(str(record_dir)):
        with open(str(record_dir / name)) as record_file:
            records[name[:-len('.json')]] = json.load(record_file)
    return run, records


def by_host(run, task):
    """host -> result record of the (role) task whose name ends with ``task``."""
    found = {}
    for record in run.results:
        name = record['task'].split(' : ', 1)[-1]  # "msp.antivirus.maintenance_window : <task>"
        if name == task or name.startswith(task + ' - '):
            found[record['host']] = record
    return found


def without_facts(results):
    """The task results but Gathering Facts: with a local connection ansible_env holds the controller's
    environment, where the harness put the credentials for the modules (ansible's doing, not the role's)."""
    facts = ('gather_facts', 'ansible.builtin.gather_facts', 'setup', 'ansible.builtin.setup')
    return [record for record in results if record['action'] not in facts]


def recap(run):
    """host -> counters of the PLAY RECAP."""
    counters = {}
    for host, values in re.findall(r'^(\S+)\s+:\s+(ok=.*)$', run.stdout, re.MULTILINE):
        counters[host] = dict((key, int(value)) for key, value in re.findall(r'(\w+)=(\d+)', values))
    return counters


def mav_calls(emulator):
    """(service, deviceid, api_status, time) of every N-sight call, in order."""
    return [(call['service'], int(call['params']['deviceid']), call['api_status'], call['time'])
            for call in emulator.calls() if call['api'] == 'nsight']


def scan_states(emulator):
    return dict((device['id'], device['scans'][0]['state'] if device['scans'] else 'none')
                for device in emulator.control('GET', 'devices'))


def local_hosts(**hosts):
    """mw-<id> hosts for device ids, with optional extra host vars: local_hosts(d1001={}, ...)."""
    return dict(('mw-%s' % name[1:], dict({'nsight_deviceid': int(name[1:])}, **extra)) for name, extra in hosts.items())


# ---- tests -------------------------------------------------------------------------------------

def test_happy_path_pause_patch_resume(emulator, ansible_runner, tmp_path, assert_no_secrets):
    hosts = local_hosts(d1001={}, d1003={}, d1004={})
    # The device id may also come from maintenance_window_deviceid instead of nsight_deviceid.
    hosts['mw-1002'] = {'maintenance_window_deviceid': 1002}
    before = scan_states(emulator)
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, fqcn=True)
    run.assert_rc(0)
    assert run.command[1] == PLAYBOOK

    pauses, resumes = by_host(run, PAUSE), by_host(run, RESUME)
    assert set(pauses) == {'mw-1001', 'mw-1002', 'mw-1003', 'mw-1004'}
    assert pauses['mw-1001']['status'] == 'changed' and pauses['mw-1002']['status'] == 'changed'
    assert pauses['mw-1003']['status'] == 'ok' and pauses['mw-1004']['status'] == 'ok'
    assert 'scan is not running' in pauses['mw-1003']['result']['msg']
    assert resumes['mw-1001']['status'] == 'changed' and resumes['mw-1002']['status'] == 'changed'
    assert resumes['mw-1003']['status'] == 'skipped' and resumes['mw-1004']['status'] == 'skipped'
    assert resumes['mw-1001']['result']['msg'] == 'Resumed the MAV scan on device 1001.'
    assert all(counters['failed'] == 0 for counters in recap(run).values()), run.stdout

    # Every host was patched; the scans that were running were paused at that moment.
    assert set(records) == set(hosts)
    assert dict((host, record['scan_state']) for host, record in records.items()) == {
        'mw-1001': 'paused', 'mw-1002': 'paused', 'mw-1003': 'finished', 'mw-1004': 'paused'}
    assert records['mw-1002']['deviceid'] == 1002

    calls = mav_calls(emulator)
    # All pauses, then (after the patch work) the resumes of the scans this run paused; nothing for the rest.
    assert [call[0] for call in calls] == ['mav_scan_pause'] * 4 + ['mav_scan_resume'] * 2
    assert sorted((call[1], call[2]) for call in calls[:4]) == [(1001, 'OK'), (1002, 'OK'), (1003, 'FAIL'), (1004, 'FAIL')]
    assert sorted((call[1], call[2]) for call in calls[4:]) == [(1001, 'OK'), (1002, 'OK')]
    for host, deviceid in (('mw-1001', 1001), ('mw-1002', 1002)):
        paused = [call[3] for call in calls if call[:2] == ('mav_scan_pause', deviceid)]
        resumed = [call[3] for call in calls if call[:2] == ('mav_scan_resume', deviceid)]
        assert len(paused) == 1 and len(resumed) == 1
        assert paused[0] < records[host]['time'] < resumed[0], (host, paused, records[host], resumed)
    # 1003 (finished) got a pause attempt but no resume.
    assert ('mav_scan_resume', 1003) not in [call[:2] for call in calls]

    after = scan_states(emulator)
    assert after[1001] == 'running' and after[1002] == 'running'
    assert after[1003] == 'finished' and after[1004] == 'paused'
    assert after == before
    assert emulator.services('wfbss') == []
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))


def test_patch_failure_still_resumes_and_fails_only_that_host(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={'fail_patch': True}, d1002={}, d1008={})
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts)
    assert run.rc == 2, run.describe()

    counters = recap(run)
    assert counters['mw-1001']['failed'] == 1 and counters['mw-1001']['rescued'] == 1, run.stdout
    assert counters['mw-1002']['failed'] == 0 and counters['mw-1008']['failed'] == 0, run.stdout
    report = by_host(run, REPORT)
    assert report['mw-1001']['status'] == 'failed'
    msg = report['mw-1001']['result']['msg']
    assert 'Patching mw-1001 failed' in msg and 'Patch failed on purpose on mw-1001' in msg, msg
    assert 'Its MAV scan was resumed.' in msg
    assert report['mw-1002']['status'] == 'skipped' and report['mw-1008']['status'] == 'skipped'
    resumes = by_host(run, RESUME)
    assert all(resumes[host]['status'] == 'changed' for host in hosts), resumes

    assert set(records) == set(hosts)
    assert all(record['scan_state'] == 'paused' for record in records.values()), records
    calls = mav_calls(emulator)
    for deviceid in (1001, 1002, 1008):
        mine = [(call[0], call[2]) for call in calls if call[1] == deviceid]
        assert mine == [('mav_scan_pause', 'OK'), ('mav_scan_resume', 'OK')], (deviceid, mine)
    resumed_1001 = [call[3] for call in calls if call[:2] == ('mav_scan_resume', 1001)][0]
    assert records['mw-1001']['time'] < resumed_1001
    states = scan_states(emulator)
    assert states[1001] == states[1002] == states[1008] == 'running'


def test_check_mode_changes_nothing(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={}, d1002={}, d1003={}, d1004={})
    before = emulator.control('GET', 'devices')
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, check=True)
    run.assert_rc(0)

    pauses, resumes = by_host(run, PAUSE), by_host(run, RESUME)
    assert pauses['mw-1001']['status'] == 'changed' and pauses['mw-1002']['status'] == 'changed'
    assert pauses['mw-1001']['result']['msg'].startswith('Would call mav_scan_pause')
    assert pauses['mw-1003']['status'] == 'ok' and pauses['mw-1004']['status'] == 'ok'
    assert resumes['mw-1003']['status'] == 'skipped' and resumes['mw-1004']['status'] == 'skipped'
    assert resumes['mw-1001']['status'] != 'failed' and resumes['mw-1002']['status'] != 'failed'

    # Nothing acted: the devices are exactly as before, only list_mav_scans was read, no record was written.
    assert emulator.control('GET', 'devices') == before
    calls = emulator.calls()
    assert calls and set(call['service'] for call in calls) == {'list_mav_scans'}, [call['service'] for call in calls]
    assert set(int(call['params']['deviceid']) for call in calls) == {1001, 1002, 1003, 1004}
    assert records == {}


def test_wfbss_reset_once_after_every_batch(emulator, ansible_runner, tmp_path, assert_no_secrets):
    hosts = local_hosts(d1001={}, d1002={}, d1003={}, d1004={})
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, extra_vars={
        'maintenance_window_serial': 2,
        'maintenance_window_wfbss_reset': [{'type': 'counter', 'cids': CIDS}],
    })
    run.assert_rc(0)
    assert set(records) == set(hosts)

    calls = emulator.calls()
    assert [call['service'] for call in calls if call['api'] == 'wfbss'] == ['commands/reset']
    # The reset comes last, after every pause and resume of both batches.
    assert calls[-1]['service'] == 'commands/reset' and calls[-1]['status'] == 200
    assert calls[-1]['params']['type'] == 'counter'
    nsight = [(call['service'], int(call['params']['deviceid'])) for call in calls if call['api'] == 'nsight']
    assert len(nsight) == len(calls) - 1
    # Batch 1 (1001, 1002) paused and resumed before batch 2 (1003, 1004) started.
    assert sorted(nsight[:2]) == [('mav_scan_pause', 1001), ('mav_scan_pause', 1002)]
    assert sorted(nsight[2:4]) == [('mav_scan_resume', 1001), ('mav_scan_resume', 1002)]
    assert sorted(nsight[4:]) == [('mav_scan_pause', 1003), ('mav_scan_pause', 1004)]

    tasks = emulator.control('GET', 'wfbss/tasks')
    assert len(tasks) == 1
    assert tasks[0]['command'] == 'reset' and tasks[0]['type'] == 'counter' and sorted(tasks[0]['cids']) == sorted(CIDS)
    reset = [record for record in run.results if record['task'].endswith(' : ' + RESET)]
    assert len(reset) == 1 and reset[0]['status'] == 'changed'
    assert reset[0]['host'] in ('mw-1003', 'mw-1004')  # run once, in the last batch
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))


def test_missing_or_bad_device_id_is_refused_before_any_call(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={})
    hosts.update({
        'mw-nodev': {},
        'mw-zero': {'nsight_deviceid': 0},
        'mw-name': {'maintenance_window_deviceid': 'NW-DC01'},
    })
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts)
    assert run.rc == 2, run.describe()

    validation = by_host(run, VALIDATE)
    for host in ('mw-nodev', 'mw-name'):
        assert validation[host]['status'] == 'failed', validation[host]
        msg = validation[host]['result']['msg']
        assert 'maintenance_window_deviceid' in msg, msg
    # No id at all: from ansible-core 2.19 on, the message quotes the default, which says what to set.
    if ANSIBLE_CORE >= (2, 19):
        assert 'set the host variable nsight_deviceid or maintenance_window_deviceid' in validation['mw-nodev']['result']['msg']
    assert validation['mw-1001']['status'] == 'ok' and validation['mw-zero']['status'] == 'ok'
    zero = by_host(run, CHECK_ID)['mw-zero']
    assert zero['status'] == 'failed'
    msg = zero['result']['msg']
    assert 'maintenance_window_deviceid' in msg and 'positive integer' in msg and 'got 0' in msg, msg

    counters = recap(run)
    assert counters['mw-1001']['failed'] == 0
    assert all(counters[host]['failed'] == 1 for host in ('mw-nodev', 'mw-zero', 'mw-name')), run.stdout
    # Only the good host reached the API, and only it was patched.
    assert [(call[0], call[1]) for call in mav_calls(emulator)] == [('mav_scan_pause', 1001), ('mav_scan_resume', 1001)]
    assert set(records) == {'mw-1001'}


def test_no_secret_at_vvvv_with_credentials_in_variables(emulator, ansible_runner, tmp_path, assert_no_secrets):
    hosts = local_hosts(d1001={}, d1002={'fail_patch': True})
    # The credentials come from inventory variables only: the environment holds none.
    credentials = {
        'nsight_server': emulator.url,
        'nsight_api_key': emulator.nsight_api_key,
        'wfbss_url': emulator.url,
        'wfbss_access_token': emulator.wfbss_access_token,
        'wfbss_secret_key': emulator.wfbss_secret_key,
    }
    no_env = dict((name, None) for name in emulator.env())
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, verbosity=4, extra_env=no_env,
                              inventory_vars=credentials, extra_vars={
                                  'maintenance_window_wfbss_reset': [{'type': 'livestatus', 'cids': CIDS[:1],
                                                                      'events': ['virus_incidents', 'spyware_incidents']}]})
    assert run.rc == 2, run.describe()
    assert set(records) == {'mw-1001', 'mw-1002'}
    assert sorted((call[0], call[1]) for call in mav_calls(emulator)) == [
        ('mav_scan_pause', 1001), ('mav_scan_pause', 1002), ('mav_scan_resume', 1001), ('mav_scan_resume', 1002)]
    assert emulator.services('wfbss') == ['commands/reset']
    assert 'ESTABLISH LOCAL CONNECTION' in run.stdout  # it really ran at -vvvv
    assert_no_secrets(run.stdout, run.stderr, run.results)


def test_wfbss_reset_sent_when_the_last_host_fails_before_it(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={}, d1002={}, d1003={}, d99999={})
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, extra_vars={
        'maintenance_window_serial': 2,
        'maintenance_window_wfbss_reset': [{'type': 'counter', 'cids': CIDS}],
    })
    assert run.rc == 2, run.describe()
    # The unknown device's pause is refused (error 4): that host fails before it is patched, and only it.
    pause = by_host(run, PAUSE)['mw-99999']
    assert pause['status'] == 'failed' and 'error 4' in pause['result']['msg']
    assert set(records) == {'mw-1001', 'mw-1002', 'mw-1003'}
    counters = recap(run)
    assert counters['mw-99999']['failed'] == 1
    assert all(counters[host]['failed'] == 0 for host in ('mw-1001', 'mw-1002', 'mw-1003')), run.stdout
    assert ('mav_scan_resume', 99999) not in [call[:2] for call in mav_calls(emulator)]
    # mw-1003 closed its window in the last batch: the reset is still due, once.
    assert emulator.services('wfbss') == ['commands/reset'], emulator.services()


def test_scan_resumed_when_the_host_becomes_unreachable_during_the_patch(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={'lose_connection': True}, d1002={})
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts,
                              extra_env={'ANSIBLE_ACTION_PLUGINS': TEST_ACTION_PLUGINS},
                              extra_vars={'maintenance_window_patch_tasks': LOSE_CONNECTION_TASKS})
    assert run.rc != 0, run.describe()
    assert set(records) == {'mw-1001', 'mw-1002'}
    assert recap(run)['mw-1001']['unreachable'] == 1 and recap(run)['mw-1002']['failed'] == 0, run.stdout
    calls = [call[:2] for call in mav_calls(emulator)]
    assert ('mav_scan_pause', 1001) in calls and ('mav_scan_resume', 1002) in calls
    # The window closed for mw-1001 too: its scan must not stay paused.
    assert ('mav_scan_resume', 1001) in calls, calls
    assert scan_states(emulator)[1001] == 'running'
