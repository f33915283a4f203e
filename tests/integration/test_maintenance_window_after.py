# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's after-steps (maintenance_window_after) through the collection playbook msp.antivirus.pause_patch_resume.

Local hosts mapped to emulator devices, as in test_maintenance_window.py: 1001 Bitdefender running, 1002 VIPRE
running, 1003 Bitdefender finished, 1008 Bitdefender running. The patch work is files/record_patch.yml.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from test_maintenance_window import (PAUSE, RESUME, bulk_results, by_device, local_hosts, mav_calls, recap, run_window,
                                     window_report, without_facts)

# The after-steps run inside the resume step, one bulk task each; their results are under after_results.
UPDATE = 'definitions_update'
SCAN = 'scan'
WINDOW_SERVICES = ('mav_scan_pause', 'mav_scan_resume')
AFTER_SERVICES = ('mav_definitions_update', 'mav_scan_start')


def bulk_runs(run, step):
    """The per-device results of each bulk run of the after-step ``step`` (the resume steps that ran it)."""
    return [bulk_results(record, step) for record in run.results
            if record['task'].split(' : ', 1)[-1] == RESUME and record['status'] != 'skipped'
            and bulk_results(record, step)]


def test_after_steps_run_for_the_clean_hosts_only(emulator, ansible_runner, tmp_path, assert_no_secrets):
    hosts = local_hosts(d1001={}, d1003={}, d1008={'fail_patch': True})
    run, records = run_window(ansible_runner, emulator, tmp_path, hosts,
                              extra_vars={'maintenance_window_after': ['scan', 'definitions_update']})
    # mw-1008's patch failed: it fails, the others do not.
    assert run.rc != 0, run.describe()
    counters = recap(run)
    assert counters['mw-1008']['failed'] == 1 and counters['mw-1001']['failed'] == 0, run.stdout
    assert counters['mw-1003']['failed'] == 0, run.stdout
    assert set(records) == set(hosts)

    # One bulk task per step for the batch, from the controller, with only the clean hosts' devices.
    for task in (UPDATE, SCAN):
        ran = bulk_runs(run, task)
        assert len(ran) == 1, (task, ran)
        assert sorted(result['deviceid'] for result in ran[0]) == [1001, 1003], ran
    updates, scans = by_device(run, RESUME, UPDATE), by_device(run, RESUME, SCAN)
    assert updates['mw-1001']['status'] == 'changed' and scans['mw-1003']['status'] == 'changed', (updates, scans)
    assert scans['mw-1001']['status'] == 'ok', scans
    assert updates['mw-1008']['status'] == 'skipped' and scans['mw-1008']['status'] == 'skipped'

    calls = [call for call in mav_calls(emulator) if call[0] in WINDOW_SERVICES + AFTER_SERVICES]
    for deviceid in (1001, 1003):
        mine = [call[0] for call in calls if call[1] == deviceid]
        # Exactly one call of each after-step, after the window's own calls, the definitions first.
        assert mine.count('mav_definitions_update') == 1 and mine.count('mav_scan_start') == 1, (deviceid, mine)
        assert mine[-2:] == ['mav_definitions_update', 'mav_scan_start'], (deviceid, mine)
        assert all(service in WINDOW_SERVICES for service in mine[:-2]), (deviceid, mine)
    # 1001 was paused and resumed before its after-steps.
    assert [call[0] for call in calls if call[1] == 1001] == [
        'mav_scan_pause', 'mav_scan_resume', 'mav_definitions_update', 'mav_scan_start']
    # Every after-step call comes after every resume of the batch (bulk per batch).
    last_resume = max(call[3] for call in calls if call[0] == 'mav_scan_resume')
    assert all(call[3] > last_resume for call in calls if call[0] in AFTER_SERVICES), calls
    # The host whose patch failed was resumed, and got no after-step.
    assert [call[0] for call in calls if call[1] == 1008] == ['mav_scan_pause', 'mav_scan_resume'], calls

    report = window_report(run)
    # 1001's resumed scan is running already, so starting one is not needed; 1003's had finished.
    assert report['mw-1001']['after'] == {'definitions_update': 'updated', 'scan': 'not_needed'}, report
    assert report['mw-1003']['after'] == {'definitions_update': 'updated', 'scan': 'started'}, report
    assert report['mw-1008']['after'] == {}, report
    assert report['mw-1008']['patch'] == 'failed' and report['mw-1008']['resume'] == 'resumed', report
    assert 'mw-1003 (device 1003): pause not_needed, patch ok, resume not_needed, definitions_update updated, ' \
        'scan started' in run.stdout, run.stdout
    assert_no_secrets(run.stdout, run.stderr, without_facts(run.results))


def test_a_failed_after_step_is_reported_without_failing_the_host(emulator, ansible_runner, tmp_path):
    # A VIPRE device takes no definitions update from N-sight: reported, the host still closed its window.
    hosts = local_hosts(d1001={}, d1002={})
    report_path = tmp_path / 'report.json'
    run, _records = run_window(ansible_runner, emulator, tmp_path, hosts,
                               extra_vars={'maintenance_window_after': ['definitions_update'],
                                           'maintenance_window_report_path': str(report_path)})
    run.assert_rc(0)
    report = window_report(run)
    assert report['mw-1001']['after'] == {'definitions_update': 'updated'}, report
    assert report['mw-1002']['after'] == {'definitions_update': 'failed'}, report
    assert 'The after-step definitions_update failed: ' in report['mw-1002']['msg'], report
    assert not bulk_runs(run, SCAN)
    table = (tmp_path / 'report.md').read_text().splitlines()
    assert table[0] == '| host | device | pause | patch | resume | after | message |', table
    row = '| mw-1002 | 1002 | paused | ok | resumed | definitions_update failed | '
    assert any(line.startswith(row) for line in table), table


def test_no_after_step_by_default(emulator, ansible_runner, tmp_path):
    hosts = local_hosts(d1001={}, d1003={})
    run, _records = run_window(ansible_runner, emulator, tmp_path, hosts)
    run.assert_rc(0)
    assert not bulk_runs(run, UPDATE) and not bulk_runs(run, SCAN)
    services = [call[0] for call in mav_calls(emulator)]
    assert not set(services) & set(AFTER_SERVICES), services
    window = [service for service in services if service in WINDOW_SERVICES]
    assert window == ['mav_scan_pause'] * 2 + ['mav_scan_resume'], window
    assert by_device(run, PAUSE)['mw-1001']['status'] == 'changed'
    assert by_device(run, RESUME)['mw-1001']['status'] == 'changed'
    # Without after-steps the report keeps its shape: no after key.
    assert all('after' not in entry for entry in window_report(run).values()), window_report(run)


def test_an_unknown_after_step_is_refused_before_any_call(emulator, ansible_runner, tmp_path):
    run, _records = run_window(ansible_runner, emulator, tmp_path, local_hosts(d1001={}),
                               extra_vars={'maintenance_window_after': ['reboot']})
    assert run.rc != 0
    assert 'maintenance_window_after' in run.stdout and 'reboot' in run.stdout, run.stdout
    assert emulator.calls() == []
