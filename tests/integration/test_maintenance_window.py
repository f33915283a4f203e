# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
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
import sys

import pytest
import yaml
from ansible.release import __version__ as ansible_core_version

import harness

ANSIBLE_CORE = tuple(int(part) for part in ansible_core_version.split('.')[:2])

PLAYBOOK = 'msp.antivirus.pause_patch_resume'
PATCH_TASKS = os.path.join(harness.HERE, 'files', 'record_patch.yml')
LOSE_CONNECTION_TASKS = os.path.join(harness.HERE, 'files', 'lose_connection_patch.yml')
TEST_ACTION_PLUGINS = os.path.join(harness.HERE, 'files', 'action_plugins')
TEST_LIBRARY = os.path.join(harness.HERE, 'files', 'library')
CIDS = ['640FE47F-5118-4D79-8221-A35D0DE2EE2C', '549390C2-61B3-417E-B1F0-8955A63C08F3']

# One bulk task per batch for the pauses and one for the resumes; by_device maps their results to hosts.
PAUSE = 'Check the batch, pause its MAV scans in one bulk task and record them'
RESUME = 'Resume the MAV scans this run paused in the batch, run the after-steps and work out the report'
# One task fails every host whose window did not close cleanly, whatever the reason.
REPORT = REPORT_PAUSE = 'Fail the host whose window did not close cleanly'
# The resume step publishes the report (every host so far) as set_stats would.
PUBLISH = RESUME
# A refused host is left out of the pause, then failed with the others once the window has closed.
CHECK_PATCH = CHECK_WINDOWS = CHECK_ID = 'Fail the host whose window did not close cleanly'
LINUX_PACKAGES = 'Update every installed package'
# Become that cannot work: every task with become fails, and nothing runs with privileges. Ansible skips become
# when the connection's user is already the become user (root here), unless ANSIBLE_BECOME_ALLOW_SAME_USER is set.
FAILING_BECOME_VARS = {'ansible_become_method': 'sudo', 'ansible_become_exe': '/bin/false'}
FAILING_BECOME_ENV = {'ANSIBLE_BECOME_ALLOW_SAME_USER': '1'}
RESET = 'Reset WFBSS counters or live status'
VALIDATE = "Validating arguments against arg spec 'main'"


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
    # None drops a variable: {'maintenance_window_patch_tasks': None} runs the role's own default patch work.
    variables = dict((name, value) for name, value in variables.items() if value is not None)
    extra_args = ['-i', str(inventory_path), '-e', json.dumps(variables)]
    if fqcn:
        command = [harness.ansible_executable('ansible-playbook'), PLAYBOOK]
        run = ansible_runner.run_command(command, 'pause-patch-resume', check, verbosity, extra_env, extra_args)
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


def window_report(run):
    """The maintenance_window_report the run published last with set_stats (the harness's callback records it)."""
    records = [record for record in run.results
               if record['task'].endswith(' : ' + PUBLISH) and 'ansible_stats' in record['result']]
    assert records, run.describe()
    return records[-1]['result']['ansible_stats']['data']['maintenance_window_report']


def bulk_results(record, step=None):
    """The per-device results of the bulk task inside a window step's ``record``: its own (``results``), or those of
    the after-step ``step``."""
    if step is None:
        return record['result'].get('results', [])
    return record['result'].get('after_results', {}).get(step, [])


def by_device(run, task, step=None):
    """host -> a record like by_host's for the bulk work of ``task`` (or of its after-step ``step``): the result of
    the host's device in it, status changed / ok / failed as that device's, skipped when the device was not in it
    (hosts from the report)."""
    results = {}
    for record in run.results:
        if record['task'].split(' : ', 1)[-1] == task and record['status'] != 'skipped':
            for result in bulk_results(record, step):
                results[result['deviceid']] = result
    found = {}
    for host, entry in window_report(run).items():
        result = results.get(entry['deviceid'])
        if result is None:
            found[host] = {'status': 'skipped', 'result': {}}
        else:
            status = 'failed' if result.get('failed') else 'changed' if result['changed'] else 'ok'
            found[host] = {'status': status, 'result': result}
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

    pauses, resumes = by_device(run, PAUSE), by_device(run, RESUME)
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
    resumes = by_device(run, RESUME)
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

    pauses, resumes = by_device(run, PAUSE), by_device(run, RESUME)
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
    reset = [record for record in run.results if record['task'].endswith(' : ' + RESET) and record['status'] != 'skipped']
    assert len(reset) == 1 and reset[0]['status'] == 'changed'
    assert reset[0]['host'] in ('mw-1003', 'mw-1004')  # run once, in the last batch
    # The last report holds both batches: the run's state carries the first batch's outcomes into the second.
    report = window_report(run)
    assert sorted(report) == sorted(hosts), report
    assert all(entry['patch'] == 'ok' and entry['resume'] == ('resumed' if entry['pause'] == 'paused' else 'not_needed')
               for entry in report.values()), report
    assert [report[host]['pause'] for host in sorted(hosts)] == ['paused', 'paused', 'not_needed', 'not_needed'], report
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
    # The refused host is in the report; the hosts that failed the argument check never reached their window.
    report = window_report(run)
    assert report['mw-zero']['pause'] == 'failed' and report['mw-zero']['patch'] == 'skipped', report
    assert report['mw-zero']['resume'] == 'not_needed' and report['mw-zero']['deviceid'] == 0, report
    assert report['mw-zero']['msg'].startswith('Refused before its pause: maintenance_window_deviceid'), report
    assert report['mw-1001']['pause'] == 'paused' and report['mw-1001']['resume'] == 'resumed', report
    assert report['mw-nodev']['msg'].startswith('Did not reach its window'), report


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
    pause = by_device(run, PAUSE)['mw-99999']
    assert pause['status'] == 'failed' and 'error 4' in pause['result']['msg']
    assert set(records) == {'mw-1001', 'mw-1002', 'mw-1003'}
    counters = recap(run)
    assert counters['mw-99999']['failed'] == 1
    assert all(counters[host]['failed'] == 0 for host in ('mw-1001', 'mw-1002', 'mw-1003')), run.stdout
    assert ('mav_scan_resume', 99999) not in [call[:2] for call in mav_calls(emulator)]
    report = by_host(run, REPORT_PAUSE)
    assert report['mw-99999']['status'] == 'failed', report
    msg = report['mw-99999']['result']['msg']
    assert msg.startswith('The MAV scan of mw-99999 (device 99999) could not be paused, so the host was not patched: ')
    assert 'error 4' in msg and 'resume' not in msg, msg
    assert all(report[host]['status'] == 'skipped' for host in ('mw-1001', 'mw-1002', 'mw-1003')), report
    # mw-1003 closed its window in the last batch: the reset is still due, once.
    assert emulator.services('wfbss') == ['commands/reset'], emulator.services()


@pytest.mark.parametrize('serial, lost', [
    (None, ['mw-1001']),  # one host of the batch lost, the other carries on
    # Alone in its batch; the last batch, since Ansible ends a play whose whole batch failed.
    (1, ['mw-1002']),
    (None, ['mw-1001', 'mw-1002']),  # every host of the batch lost
], ids=['one-of-two', 'serial-1', 'whole-batch'])
def test_scan_resumed_when_the_host_becomes_unreachable_during_the_patch(emulator, ansible_runner, tmp_path, serial, lost):
    hosts = local_hosts(d1001={}, d1002={})
    for host in lost:
        hosts[host]['lose_connection'] = True
    extra_vars = {'maintenance_window_patch_tasks': LOSE_CONNECTION_TASKS}
    if serial:
        extra_vars['maintenance_window_serial'] = serial
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, extra_vars=extra_vars)
    assert run.rc != 0, run.describe()
    assert set(records) == {'mw-1001', 'mw-1002'}
    report = window_report(run)
    counters = recap(run)
    for host in hosts:
        expected = 'unreachable' if host in lost else 'ok'
        assert report[host]['patch'] == expected and report[host]['resume'] == 'resumed', report
        assert counters[host]['failed'] == (1 if host in lost else 0), run.stdout
    failed = by_host(run, REPORT)
    for host in lost:
        assert failed[host]['result']['msg'].startswith('%s became unreachable during its patch work: ' % host)
        assert failed[host]['result']['msg'].endswith('Its MAV scan was resumed.')
    # The window closed for the lost hosts too: exactly one pause and one resume each, nothing left paused.
    calls = mav_calls(emulator)
    for deviceid in (1001, 1002):
        assert [call[0] for call in calls if call[1] == deviceid] == ['mav_scan_pause', 'mav_scan_resume'], calls
    assert scan_states(emulator)[1001] == scan_states(emulator)[1002] == 'running'


def assert_become_fails(ansible_runner, tmp_path):
    """Go no further unless become really fails with FAILING_BECOME_*: the role's default patch work updates
    every package of the host it runs on, and here that host is the test machine."""
    probe = tmp_path / 'become-probe'
    run = ansible_runner.playbook([{
        'name': 'Become must fail', 'hosts': 'localhost', 'gather_facts': False, 'vars': FAILING_BECOME_VARS,
        'tasks': [{'name': 'Try to become', 'become': True, 'ansible.builtin.command': {'cmd': 'touch %s' % probe}}],
    }], extra_env=FAILING_BECOME_ENV)
    assert run.task('Try to become')['status'] == 'failed' and not probe.exists(), run.describe()


def ansible_windows_installed():
    """Whether an ansible.windows collection is where the test runs look for collections (it is not, in the
    pinned virtualenvs; ansible-core does not bring it)."""
    roots = [harness.COLLECTIONS_PATH, '/usr/share/ansible/collections'] + [entry for entry in sys.path if entry]
    return any(os.path.isdir(os.path.join(root, 'ansible_collections', 'ansible', 'windows')) for root in roots)


def test_default_patch_work_without_become_fails_every_host_and_resumes_every_scan(
        emulator, ansible_runner, tmp_path, assert_no_secrets):
    """The shipped playbook with the role's own patch work (issue 8): it loads, runs, and where it fails the scans
    it paused are resumed. Become is made to fail, so the package update fails on every host and changes nothing."""
    assert_become_fails(ansible_runner, tmp_path)
    hosts = local_hosts(d1001={}, d1002={}, d1003={}, d1008={})
    running = {'mw-1001': 1001, 'mw-1002': 1002, 'mw-1008': 1008}
    before = scan_states(emulator)
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, fqcn=True, extra_env=FAILING_BECOME_ENV,
                              inventory_vars=FAILING_BECOME_VARS, extra_vars={'maintenance_window_patch_tasks': None})
    assert run.rc == 2, run.describe()
    assert run.command[1] == PLAYBOOK
    assert 'Invalid options' not in run.output, run.describe()
    assert records == {}

    # The default patch work loaded and chose the Linux tasks; their package update failed, changing nothing.
    packages = by_host(run, LINUX_PACKAGES)
    assert set(packages) == set(hosts), run.describe()
    for host, record in packages.items():
        assert record['status'] == 'failed' and not record['result'].get('changed'), record
        assert record['action'] in ('ansible.builtin.package', 'package'), record

    counters = recap(run)
    assert all(counters[host]['failed'] == 1 for host in hosts), run.stdout
    report = by_host(run, REPORT)
    for host in hosts:
        assert report[host]['status'] == 'failed', report[host]
        msg = report[host]['result']['msg']
        assert msg.startswith('Patching %s failed: task "%s": ' % (host, LINUX_PACKAGES)), msg
        assert '..' not in msg, msg
        assert msg.endswith('Its MAV scan was resumed.' if host in running else 'Its MAV scan was not paused by this run.'), msg
    resumes = by_device(run, RESUME)
    assert all(resumes[host]['status'] == 'changed' for host in running), resumes
    assert resumes['mw-1003']['status'] == 'skipped'

    # Exactly one pause and one resume per running device, the pause first; the finished scan got only its pause.
    calls = mav_calls(emulator)
    for deviceid in running.values():
        assert [(call[0], call[2]) for call in calls if call[1] == deviceid] == [
            ('mav_scan_pause', 'OK'), ('mav_scan_resume', 'OK')], (deviceid, calls)
    assert [(call[0], call[2]) for call in calls if call[1] == 1003] == [('mav_scan_pause', 'FAIL')]
    assert scan_states(emulator) == before
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))


def test_patch_work_that_cannot_run_is_refused_before_the_pause(emulator, ansible_runner, tmp_path, assert_no_secrets):
    if ansible_windows_installed():
        pytest.skip('the ansible.windows collection is installed, so the Windows patch work can run')
    # These hosts gather their facts with files/library/msp_test_windows_facts.py: os_family is Windows.
    windows = {'ansible_facts_modules': ['msp_test_windows_facts']}
    hosts = local_hosts(
        d1001={'maintenance_window_patch_tasks': PATCH_TASKS},  # Linux, its own patch work: patched
        d1002=windows,  # Windows, the default patch work, no ansible.windows: refused
        d1009=dict(windows, maintenance_window_patch_tasks=PATCH_TASKS),  # Windows, its own patch work: patched
        d1015={'maintenance_window_patch_tasks': 'patch_windows.yml'},  # the role's Windows tasks by name: refused
        d1008={'maintenance_window_patch_tasks': '/nonexistent/msp-patch.yml'},  # no such file: refused
        d1010={'maintenance_window_patch_tasks': 'no_such_patch.yml'},  # no such file in the role: refused
    )
    refused = {'mw-1002': CHECK_WINDOWS, 'mw-1015': CHECK_WINDOWS, 'mw-1008': CHECK_PATCH, 'mw-1010': CHECK_PATCH}
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts, fqcn=True,
                              extra_env={'ANSIBLE_LIBRARY': TEST_LIBRARY},
                              extra_vars={'maintenance_window_patch_tasks': None})
    assert run.rc == 2, run.describe()

    for host, check in refused.items():
        record = by_host(run, check)[host]
        assert record['status'] == 'failed', record
        msg = record['result']['msg']
        assert msg.startswith(host) and msg.endswith('Its MAV scan was not paused.'), msg
        harness.assert_no_traceback(run, record['result'])
    for host in ('mw-1002', 'mw-1015'):
        msg = by_host(run, CHECK_WINDOWS)[host]['result']['msg']
        assert 'ansible.windows.win_updates' in msg and '`ansible-galaxy collection install ansible.windows`' in msg, msg
    assert "Windows patch work (the default patch work of a Windows host)" in by_host(run, CHECK_WINDOWS)['mw-1002']['result']['msg']
    assert "Windows patch work (patch_windows.yml)" in by_host(run, CHECK_WINDOWS)['mw-1015']['result']['msg']
    assert 'maintenance_window_patch_tasks=/nonexistent/msp-patch.yml is not a file' in \
        by_host(run, CHECK_PATCH)['mw-1008']['result']['msg']
    assert 'maintenance_window_patch_tasks=no_such_patch.yml is not a file' in \
        by_host(run, CHECK_PATCH)['mw-1010']['result']['msg']
    # The Windows check is for the role's own Windows tasks only, and it found the Windows host as Windows.
    checks = by_host(run, CHECK_WINDOWS)
    assert checks['mw-1001']['status'] == 'skipped' and checks['mw-1009']['status'] == 'skipped', checks

    counters = recap(run)
    assert all(counters[host]['failed'] == 1 for host in refused), run.stdout
    assert counters['mw-1001']['failed'] == 0 and counters['mw-1009']['failed'] == 0, run.stdout
    assert set(records) == {'mw-1001', 'mw-1009'}
    assert all(record['scan_state'] == 'paused' for record in records.values()), records
    # The refused hosts' devices were never called; the others were paused and resumed.
    calls = [(call[0], call[1]) for call in mav_calls(emulator)]
    assert sorted(calls) == [('mav_scan_pause', 1001), ('mav_scan_pause', 1009),
                             ('mav_scan_resume', 1001), ('mav_scan_resume', 1009)], calls
    states = scan_states(emulator)
    assert all(states[deviceid] == 'running' for deviceid in (1001, 1002, 1008, 1009, 1010, 1015)), states
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))


def test_module_available_test_plugin(ansible_runner, tmp_path):
    """msp.antivirus.module_available, the test behind the Windows check, finds modules as a task would."""
    names = ['ansible.builtin.ping', 'ping', 'msp.antivirus.nsight_mav_scan', 'ansible.windows.win_updates',
             'win_updates', 'community.general.no_such_module', 'no_such_module', '', 'not a module name!', 42]
    tasks = [{'name': 'Ask which modules are available', 'vars': {'names': names},
              'ansible.builtin.set_fact': {'found': "{{ names | select('msp.antivirus.module_available') | list }}",
                                           'windows': "{{ 'ansible.windows.win_updates' is msp.antivirus.module_available }}"}}]
    run = ansible_runner.playbook(tasks).assert_rc(0)
    facts = run.result('Ask which modules are available')['ansible_facts']
    if not ansible_windows_installed():
        assert facts['found'] == ['ansible.builtin.ping', 'ping', 'msp.antivirus.nsight_mav_scan'], facts
        assert facts['windows'] in (False, 'False'), facts

    # A collection that holds the module (a PowerShell one, as win_updates is): found, by its full and short name.
    fake = tmp_path / 'fake-collections'
    modules = fake / 'ansible_collections' / 'ansible' / 'windows' / 'plugins' / 'modules'
    modules.mkdir(parents=True)
    (modules / 'win_updates.ps1').write_text('#!powershell\n')
    run = ansible_runner.playbook(tasks, extra_env={
        'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([str(fake), harness.ensure_collection_link()])}).assert_rc(0)
    facts = run.result('Ask which modules are available')['ansible_facts']
    assert facts['found'] == ['ansible.builtin.ping', 'ping', 'msp.antivirus.nsight_mav_scan',
                              'ansible.windows.win_updates', 'win_updates'], facts
    assert facts['windows'] in (True, 'True'), facts


def test_pause_whose_every_answer_was_lost_and_whose_scan_cannot_be_read_is_resumed_and_not_patched(
        emulator, ansible_runner, tmp_path, assert_no_secrets):
    """Issues 8 and 18: when no answer to any attempt of a pause arrived, the module reads the device's scan once after
    the others; when that read fails too (here every list_mav_scans answers HTTP 503), the pause may have acted (here
    it did: the emulator carries out each request, then drops its answer). The host is not patched, its scan is
    resumed all the same, and it is reported failed."""
    emulator.server.add_fault(kind='lost', api='nsight', service='mav_scan_pause', count=0)
    emulator.server.add_fault(kind='status', status=503, api='nsight', service='list_mav_scans', count=0)
    hosts = local_hosts(d1001={}, d1003={})  # running, finished
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts)
    assert run.rc == 2, run.describe()
    assert records == {}

    pauses = by_device(run, PAUSE)
    for host in hosts:
        assert pauses[host]['status'] == 'failed' and pauses[host]['result'].get('uncertain') is True, pauses[host]
        assert 'Reading the scan afterwards failed too: ' in pauses[host]['result']['msg'], pauses[host]
        harness.assert_no_traceback(run, pauses[host]['result'])
    resumes = by_device(run, RESUME)
    assert resumes['mw-1001']['status'] == 'changed', resumes
    assert resumes['mw-1003']['status'] == 'ok', resumes  # the lost pause found no running scan: nothing to resume
    report = by_host(run, REPORT_PAUSE)
    for host, deviceid in (('mw-1001', 1001), ('mw-1003', 1003)):
        msg = report[host]['result']['msg']
        assert report[host]['status'] == 'failed', report[host]
        assert msg.startswith('The MAV scan of %s (device %d) could not be paused, so the host was not patched: '
                              % (host, deviceid)), msg
        assert 'may be paused by this task' in msg, msg  # the module's own words
    assert report['mw-1001']['result']['msg'].endswith(
        'A resume was sent in case the pause took effect: Resumed the MAV scan on device 1001.')
    assert "A resume was sent in case the pause took effect: No change for device 1003" in report['mw-1003']['result']['msg']
    counters = recap(run)
    assert all(counters[host]['failed'] == 1 for host in hosts), run.stdout

    # Every pause call was lost, every read refused; then exactly one resume per device.
    calls = [call for call in emulator.calls() if call['api'] == 'nsight']
    for deviceid in (1001, 1003):
        mine = [call for call in calls if int(call['params']['deviceid']) == deviceid]
        pause_calls = [call for call in mine if call['service'] == 'mav_scan_pause']
        assert pause_calls and all(call['fault'] == 'lost' for call in pause_calls), mine
        reads = [call for call in mine if call['service'] == 'list_mav_scans']
        assert reads and all(call['fault'] == 'status' for call in reads), mine
        assert [call['service'] for call in mine if call['service'] not in ('mav_scan_pause', 'list_mav_scans')] == [
            'mav_scan_resume'], mine
        assert mine[-1]['service'] == 'mav_scan_resume' and mine[-1].get('fault') is None, mine
    states = scan_states(emulator)
    assert states[1001] == 'running' and states[1003] == 'finished', states
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))


def test_pause_whose_every_answer_was_lost_is_settled_by_one_read_of_the_scan(
        emulator, ansible_runner, tmp_path, assert_no_secrets):
    """Issue 18: when no answer to any attempt of a pause arrived (the emulator carries out each request, then drops
    its answer), the module reads the device's scan once after the others. A scan that reads paused counts as paused
    by this run: the host is patched and its scan resumed. A scan that was not running needed no pause: the host is
    patched, and nothing is resumed. Nothing is uncertain, and no host fails."""
    emulator.server.add_fault(kind='lost', api='nsight', service='mav_scan_pause', count=0)
    hosts = local_hosts(d1001={}, d1003={})  # running, finished
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts)
    run.assert_rc(0)

    pauses, resumes = by_device(run, PAUSE), by_device(run, RESUME)
    assert pauses['mw-1001']['status'] == 'changed' and pauses['mw-1003']['status'] == 'ok', pauses
    assert pauses['mw-1001']['result']['msg'].startswith(
        'Paused the MAV scan on device 1001: every answer to mav_scan_pause was lost ('), pauses
    assert pauses['mw-1001']['result']['msg'].endswith('and a read afterwards shows the newest scan paused.'), pauses
    assert pauses['mw-1003']['result']['msg'].startswith(
        'No change for device 1003: every answer to mav_scan_pause was lost ('), pauses
    assert not any('uncertain' in pause['result'] for pause in pauses.values()), pauses
    assert resumes['mw-1001']['status'] == 'changed' and resumes['mw-1003']['status'] == 'skipped', resumes
    assert all(counters['failed'] == 0 for counters in recap(run).values()), run.stdout

    # Both hosts were patched, 1001 with its scan paused.
    assert set(records) == set(hosts)
    assert records['mw-1001']['scan_state'] == 'paused' and records['mw-1003']['scan_state'] == 'finished'
    calls = [call for call in emulator.calls() if call['api'] == 'nsight']
    for deviceid, after in ((1001, ['mav_scan_resume']), (1003, [])):
        mine = [call for call in calls if int(call['params']['deviceid']) == deviceid]
        assert all(call['fault'] == 'lost' for call in mine if call['service'] == 'mav_scan_pause'), mine
        others = [call['service'] for call in mine if call['service'] not in ('mav_scan_pause', 'list_mav_scans')]
        assert others == after, mine
        assert any(call['service'] == 'list_mav_scans' for call in mine), mine
    states = scan_states(emulator)
    assert states[1001] == 'running' and states[1003] == 'finished', states
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))
