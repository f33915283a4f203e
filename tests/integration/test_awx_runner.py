# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msp.antivirus.pause_patch_resume run as AWX runs a job: through ansible-runner and a private data directory.

AWX writes, for each job, a private data directory and hands it to ansible-runner:
``project/`` (the project checkout, with the job template's playbook), ``inventory/hosts``, ``env/envvars``
(the credentials' env injectors, rendered) and ``env/extravars`` (the survey answers and extra variables);
ansible-runner writes ``artifacts/<ident>/`` (status, rc, stdout, job_events/), and AWX shows the
``set_stats`` data of the stats event as the job's artifacts. The run's environment has no NSIGHT_* or
WFBSS_* variable but the rendered credentials' (awx_credentials.py).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import sys

import pytest
import yaml

import harness
from awx_credentials import nsight_env, wfbss_env

ansible_runner = pytest.importorskip('ansible_runner')  # pinned in .ci/requirements/core-*.txt

PATCH_TASKS = os.path.join(harness.HERE, 'files', 'record_patch.yml')
CID = '640FE47F-5118-4D79-8221-A35D0DE2EE2C'


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def private_data_dir(tmp_path, emulator):
    """A private data directory as AWX writes it for a job of the template "Pause, patch, resume"."""
    data = tmp_path / 'private_data_dir'
    # The project: a playbook of the user's repository that runs the collection's playbook.
    write(data / 'project' / 'pause_patch_resume.yml', '- import_playbook: msp.antivirus.pause_patch_resume\n')
    write(data / 'inventory' / 'hosts', yaml.safe_dump({'all': {'children': {'patch_hosts': {
        'hosts': {'mw-1001': {'nsight_deviceid': 1001}, 'mw-1003': {'nsight_deviceid': 1003}},
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}}}))
    envvars = dict(nsight_env(emulator), **wfbss_env(emulator))  # the two credentials of the job template
    envvars.update({
        # What AWX itself sets: where the project's and the image's collections are, ansible's own folders.
        'ANSIBLE_COLLECTIONS_PATH': harness.ensure_collection_link(),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_REMOTE_TEMP': str(tmp_path / 'ansible-remote-tmp'),
        'ANSIBLE_FORCE_COLOR': '0',
        # "Paths to expose to isolated jobs" with a shared budget folder (docs/execution-environment.md).
        'NSIGHT_BUDGET_DIR': str(tmp_path / 'nsight-budget'),
    })
    write(data / 'env' / 'envvars', yaml.safe_dump(envvars))
    # Survey answers and the job template's extra variables.
    records = tmp_path / 'patch-records'
    records.mkdir()
    write(data / 'env' / 'extravars', json.dumps({
        'maintenance_window_hosts': 'patch_hosts',
        'maintenance_window_serial': 1,
        'maintenance_window_patch_tasks': PATCH_TASKS,
        'maintenance_window_wfbss_reset': [{'type': 'counter', 'cids': [CID]}],
        'patch_record_dir': str(records),
        'patch_emulator_url': emulator.url,
    }))
    write(data / 'env' / 'settings', yaml.safe_dump({'suppress_ansible_output': True}))
    return data, records


def scan_states(emulator):
    return dict((device['id'], device['scans'][0]['state'] if device['scans'] else 'none')
                for device in emulator.control('GET', 'devices'))


# ansible-runner starts ansible-playbook with pexpect's forkpty while the emulator's threads run in this process:
# the child execs at once, so the deadlock Python warns of cannot happen.
@pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')
def test_pause_patch_resume_through_ansible_runner(emulator, tmp_path, monkeypatch):
    # Nothing of the test process's own ansible settings or credentials reaches the job.
    for name in list(os.environ):
        if name.startswith(('ANSIBLE_', 'NSIGHT_', 'WFBSS_')):
            monkeypatch.delenv(name)
    # The execution environment's ansible-playbook: this virtualenv's.
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    before = scan_states(emulator)
    assert (before[1001], before[1003]) == ('running', 'finished')
    data, records = private_data_dir(tmp_path, emulator)

    runner = ansible_runner.run(private_data_dir=str(data), playbook='pause_patch_resume.yml', ident='1',
                                quiet=True, timeout=600)
    artifacts = data / 'artifacts' / '1'
    stdout = (artifacts / 'stdout').read_text()
    assert (runner.status, runner.rc) == ('successful', 0), stdout
    assert (artifacts / 'status').read_text() == 'successful'

    # The devices: 1001's scan was paused for the patch and is running again; 1003's had finished: not resumed.
    nsight = [(call['service'], int(call['params']['deviceid'])) for call in emulator.calls()
              if call['api'] == 'nsight' and 'deviceid' in call['params']]
    assert ('mav_scan_pause', 1001) in nsight and ('mav_scan_resume', 1001) in nsight, nsight
    assert ('mav_scan_resume', 1003) not in nsight, nsight
    after = scan_states(emulator)
    assert (after[1001], after[1003]) == ('running', 'finished'), after
    assert sorted(os.listdir(str(records))) == ['mw-1001.json', 'mw-1003.json']
    assert [call for call in emulator.calls() if call['api'] == 'wfbss'], 'no WFBSS reset'
    # Two batches (serial 1), each host once, nothing failed.
    assert runner.stats['failures'] == {} and runner.stats['dark'] == {}, runner.stats
    harness.assert_no_secrets(stdout)

    # The report, as AWX shows it among the job's artifacts: the stats event's artifact_data.
    stats_events = [event for event in runner.events if event.get('event') == 'playbook_on_stats']
    assert len(stats_events) == 1
    artifact_data = stats_events[0]['event_data'].get('artifact_data', {})
    assert 'maintenance_window_report' in artifact_data, stats_events[0]['event_data']
    report = artifact_data['maintenance_window_report']
    assert sorted(report) == ['mw-1001', 'mw-1003'], report
    for host in report.values():
        assert set(host) >= {'deviceid', 'pause', 'patch', 'resume', 'msg'}, host
    assert (report['mw-1001']['deviceid'], report['mw-1001']['pause'], report['mw-1001']['patch'],
            report['mw-1001']['resume']) == (1001, 'paused', 'ok', 'resumed'), report
    assert (report['mw-1003']['pause'], report['mw-1003']['patch'], report['mw-1003']['resume']) == \
        ('not_needed', 'ok', 'not_needed'), report
    harness.assert_no_secrets(artifact_data)
