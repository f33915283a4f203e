# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.nsight_mav_scan_info against the emulator: real ansible-playbook runs, real HTTP.

Fixed devices (tests/emulator/README.md): 1001 Bitdefender running, 1002 VIPRE running,
1003 Bitdefender finished, 1004 VIPRE paused, 1005 Bitdefender without scans,
1007 Bitdefender paused (reads "Scan Stopped").
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

MODULE = 'msp.antivirus.nsight_mav_scan_info'

# deviceid -> (engine, normalised state, raw status of the newest row)
EXPECTED = {
    1001: ('bitdefender', 'running', 'Scan In Progress'),
    1002: ('vipre', 'running', 'RUNNING'),
    1003: ('bitdefender', 'finished', 'Scan Finished Normally'),
    1004: ('vipre', 'paused', 'PAUSED'),
    1005: (None, 'none', None),
    1007: ('bitdefender', 'paused', 'Scan Stopped'),
}
# engine auto: Bitdefender (no v) first, then VIPRE (v=1) when the first answer is empty.
AUTO_CALLS = {'bitdefender': [None], 'vipre': [None, '1'], None: [None, '1']}


def scan_calls(calls):
    """(deviceid, details, v) of every list_mav_scans call, in order."""
    return [(int(call['params']['deviceid']), call['params'].get('details'), call['params'].get('v'))
            for call in calls if call['service'] == 'list_mav_scans']


def info_task(name, **args):
    return {'name': name, MODULE: args, 'register': 'info'}


def assert_device(entry, deviceid, emulator):
    engine, state, status = EXPECTED[deviceid]
    assert entry['deviceid'] == deviceid
    assert entry['engine'] == engine, entry
    assert entry['state'] == state, entry
    scans = emulator.server.device(deviceid)['scans']
    assert len(entry['rows']) == len(scans)
    if status is None:
        assert entry['newest'] is None and entry['rows'] == []
        return
    assert entry['newest'] == entry['rows'][0]
    assert entry['newest']['status'] == status
    # The raw rows are the API's, newest first: same start times as the emulator's scans.
    assert [row['start'] for row in entry['rows']] == [scan['start'] for scan in scans]


def test_single_and_many_devices_normalised_states(emulator, run_playbook):
    many = [1001, 1002, 1004, 1007, 1003, 1005, 1001]
    run = run_playbook([
        info_task('Read one Bitdefender device', deviceid=1001),
        info_task('Read one VIPRE device', deviceid=1002),
        info_task('Read many devices', deviceids=many),
    ])
    run.assert_rc(0)

    one = run.result('Read one Bitdefender device')
    assert one['changed'] is False and run.task('Read one Bitdefender device')['status'] == 'ok'
    assert len(one['devices']) == 1
    assert_device(one['devices'][0], 1001, emulator)
    assert 'threat_count' in one['devices'][0]['newest']  # details=NO adds the counters

    vipre = run.result('Read one VIPRE device')
    assert len(vipre['devices']) == 1
    assert_device(vipre['devices'][0], 1002, emulator)

    bulk = run.result('Read many devices')
    assert bulk['changed'] is False
    # In the order given, duplicates dropped.
    assert [entry['deviceid'] for entry in bulk['devices']] == [1001, 1002, 1004, 1007, 1003, 1005]
    for entry in bulk['devices']:
        assert_device(entry, entry['deviceid'], emulator)

    calls = emulator.calls()
    assert all(call['api'] == 'nsight' and call['status'] == 200 and call['api_status'] == 'OK' for call in calls)
    scans = scan_calls(calls)
    assert len(scans) == len(calls), 'only list_mav_scans was called: %s' % [call['service'] for call in calls]
    # Task 1: one call, the default engine (no v). Task 2: Bitdefender first, then VIPRE.
    assert scans[0] == (1001, 'NO', None)
    assert scans[1:3] == [(1002, 'NO', None), (1002, 'NO', '1')]
    # Task 3: devices are read concurrently, but each device's own calls keep their order.
    bulk_calls = scans[3:]
    for deviceid in (1001, 1002, 1004, 1007, 1003, 1005):
        mine = [(details, v) for dev, details, v in bulk_calls if dev == deviceid]
        assert mine == [('NO', v) for v in AUTO_CALLS[EXPECTED[deviceid][0]]], (deviceid, mine)
    assert len(bulk_calls) == sum(len(AUTO_CALLS[EXPECTED[d][0]]) for d in (1001, 1002, 1004, 1007, 1003, 1005))
    # Reading changes nothing.
    assert emulator.server.device(1001)['scans'][0]['state'] == 'running'
    assert emulator.server.device(1004)['scans'][0]['state'] == 'paused'


def test_engine_forced_and_details(emulator, run_playbook):
    run = run_playbook([
        info_task('Force VIPRE on a VIPRE device', deviceid=1004, engine='vipre'),
        info_task('Force Bitdefender on a Bitdefender device', deviceid=1007, engine='bitdefender'),
        info_task('Force Bitdefender on a VIPRE device', deviceid=1002, engine='bitdefender'),
        info_task('Read with details', deviceid=1001, details=True),
    ])
    run.assert_rc(0)

    vipre = run.result('Force VIPRE on a VIPRE device')['devices'][0]
    assert_device(vipre, 1004, emulator)
    bitdefender = run.result('Force Bitdefender on a Bitdefender device')['devices'][0]
    assert_device(bitdefender, 1007, emulator)
    # A forced engine is not second-guessed: the VIPRE device shows no Bitdefender scan.
    wrong = run.result('Force Bitdefender on a VIPRE device')['devices'][0]
    assert wrong['deviceid'] == 1002 and wrong['state'] == 'none' and wrong['rows'] == [] and wrong['newest'] is None
    assert wrong['engine'] == 'bitdefender'
    detailed = run.result('Read with details')['devices'][0]
    assert detailed['state'] == 'running' and detailed['engine'] == 'bitdefender'
    assert 'threat_count' not in detailed['newest']  # the detailed form carries other counters

    # One call per task: the forced engine is named with v, details=YES is sent as asked.
    assert scan_calls(emulator.calls()) == [
        (1004, 'NO', '1'),
        (1007, 'NO', '2'),
        (1002, 'NO', '2'),
        (1001, 'YES', None),
    ]


def test_check_mode_gives_the_same_answer(emulator, run_playbook):
    devices = [1001, 1002, 1003, 1004, 1005, 1007]
    run = run_playbook([
        {'name': 'Read in check mode', MODULE: {'deviceids': devices}, 'register': 'in_check'},
        {'name': 'Read for real', MODULE: {'deviceids': devices}, 'register': 'for_real', 'check_mode': False},
    ], check=True)
    run.assert_rc(0)
    in_check = run.result('Read in check mode')
    assert in_check['changed'] is False
    assert in_check['devices'] == run.result('Read for real')['devices']
    for entry in in_check['devices']:
        assert_device(entry, entry['deviceid'], emulator)
    # Check mode reads as the real run does: the same list_mav_scans calls, twice over.
    calls = scan_calls(emulator.calls())
    assert sorted(calls[:len(calls) // 2], key=str) == sorted(calls[len(calls) // 2:], key=str)
    assert len(calls) == 2 * sum(len(AUTO_CALLS[EXPECTED[d][0]]) for d in devices)
    assert set(emulator.services()) == {'list_mav_scans'}


def test_errors_and_bad_input(emulator, run_playbook):
    run = run_playbook([
        dict(info_task('Unknown device', deviceid=99999), ignore_errors=True),
        dict(info_task('Device id zero', deviceid=0), ignore_errors=True),
        dict(info_task('Negative id in a list', deviceids=[1001, -5]), ignore_errors=True),
        dict(info_task('Both deviceid and deviceids', deviceid=1001, deviceids=[1002]), ignore_errors=True),
        dict(info_task('No device at all'), ignore_errors=True),
        dict(info_task('Empty list', deviceids=[]), ignore_errors=True),
        dict(info_task('Unknown engine', deviceid=1001, engine='norton'), ignore_errors=True),
    ])
    run.assert_rc(0)
    for task in ('Unknown device', 'Device id zero', 'Negative id in a list', 'Both deviceid and deviceids',
                 'No device at all', 'Empty list', 'Unknown engine'):
        assert run.task(task)['status'] == 'failed', task

    unknown = run.result('Unknown device')['msg']
    assert 'error 4' in unknown and 'Invalid value for parameter: deviceid' in unknown, unknown
    assert 'serverid or workstationid' in unknown  # says what to check
    assert run.result('Unknown device').get('api_code') == 4
    assert 'deviceid must be a positive integer' in run.result('Device id zero')['msg']
    assert 'got 0' in run.result('Device id zero')['msg']
    assert 'positive integers' in run.result('Negative id in a list')['msg']
    assert 'deviceids must hold positive integers' in run.result('Negative id in a list')['msg']
    assert '-5' in run.result('Negative id in a list')['msg']
    assert 'mutually exclusive' in run.result('Both deviceid and deviceids')['msg']
    assert 'mutually exclusive: deviceid|deviceids' in run.result('Both deviceid and deviceids')['msg']
    assert 'Give deviceid' in run.result('No device at all')['msg']
    assert 'Give deviceid (one device) or deviceids (several)' in run.result('No device at all')['msg']
    assert 'deviceids is empty' in run.result('Empty list')['msg']
    assert 'engine' in run.result('Unknown engine')['msg'] and 'norton' in run.result('Unknown engine')['msg']
    assert 'value of engine must be one of: auto, bitdefender, vipre, got: norton' in run.result('Unknown engine')['msg']

    # Only the unknown device reached the API; every bad input was refused before any request.
    calls = emulator.calls()
    assert [(call['service'], call['params'].get('deviceid'), call['api_status']) for call in calls] == [
        ('list_mav_scans', '99999', 'FAIL')]


def test_wrong_key_says_what_to_check(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([dict(info_task('Wrong key', deviceid=1001, api_key='not-the-key'), ignore_errors=True)])
    run.assert_rc(0)
    result = run.result('Wrong key')
    assert run.task('Wrong key')['status'] == 'failed'
    assert 'error 3' in result['msg'] and 'api_key' in result['msg'] and 'regional' in result['msg'], result['msg']
    # One call: an error is not retried, and Bitdefender's empty answer is not mistaken for "try VIPRE".
    assert [(call['service'], call['api_status']) for call in emulator.calls()] == [('list_mav_scans', 'FAIL')]
    assert 'not-the-key' not in run.output and 'not-the-key' not in str(run.results)
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())


def test_no_secret_at_vvvv(emulator, run_playbook, assert_no_secrets):
    run = run_playbook([
        info_task('Read with the key from the environment', deviceids=[1001, 1002]),
        info_task('Read with the key as an option', deviceid=1004, api_key='{{ lookup("ansible.builtin.env", "NSIGHT_API_KEY") }}',
                  server='{{ lookup("ansible.builtin.env", "NSIGHT_SERVER") }}'),
        dict(info_task('Fail on an unknown device', deviceid=99999), ignore_errors=True),
    ], verbosity=4)
    run.assert_rc(0)
    assert run.result('Read with the key as an option')['devices'][0]['state'] == 'paused'
    assert run.task('Fail on an unknown device')['status'] == 'failed'
    assert 'Invalid value for parameter: deviceid' in run.result('Fail on an unknown device')['msg']
    assert 'ESTABLISH LOCAL CONNECTION' in run.stdout  # it really ran at -vvvv
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())
    assert len(scan_calls(emulator.calls())) == 1 + 2 + 2 + 1
