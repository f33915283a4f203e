# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance window run as AWX job slicing runs it, then closed once by the workflow node after it.

AWX job slicing starts one job per slice, together: each an ansible-runner run of a private data directory of its
own (see test_awx_runner.py) holding a disjoint share of the inventory's hosts, in a pod of its own (so each with
its own NSIGHT_BUDGET_DIR), with the same credentials: here the "N-sight RMM API" credential with a Call budget
Redis URL, so that the slices share one call budget. AWX gives each job its own awx_job_id and no slice number. The
workflow node after the sliced job runs once every slice has finished, with the slices' set_stats artifacts as
extra variables, merged as AWX merges them: a shallow dict update in finished order, the last slice winning.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import sys
import time

import pytest
import yaml

import harness
from awx_credentials import NSIGHT, render_env, wfbss_env

ansible_runner = pytest.importorskip('ansible_runner')  # pinned in .ci/requirements/core-*.txt

RATE_LIMIT = 10
REPORT = 'maintenance_window_report'
PATCH_WORK = """\
- name: Fail the patch where the inventory asks for it
  ansible.builtin.fail:
    msg: Patch failed on purpose
  when: fail_patch | default(false) | bool
"""

# ansible-runner starts ansible-playbook with pexpect's forkpty while the emulator's and the jobs' threads run in
# this process: the child execs at once, so the deadlock Python warns of cannot happen.
pytestmark = pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')


@pytest.fixture(autouse=True)
def awx_job_environment(monkeypatch):
    """Nothing of the test process's own ansible settings or credentials reaches the jobs; the execution
    environment's ansible-playbook is this virtualenv's."""
    for name in list(os.environ):
        if name.startswith(('ANSIBLE_', 'NSIGHT_', 'WFBSS_')):
            monkeypatch.delenv(name)
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def seed_cids(emulator, count):
    with emulator.server.state.lock:
        return [customer['id'] for customer in emulator.server.state.customers[:count]]


def host_name(deviceid):
    return 'mw-{0}'.format(deviceid)


class AwxJob:
    """One AWX job: its private data directory, started with ansible-runner in the background."""

    def __init__(self, tmp_path, job_id, project_playbook, hosts, envvars, extravars):
        self.job_id = job_id
        self.data = tmp_path / 'job-{0}'.format(job_id)
        write(self.data / 'project' / 'job.yml', '- import_playbook: {0}\n'.format(project_playbook))
        write(self.data / 'inventory' / 'hosts', yaml.safe_dump({'all': {'hosts': hosts, 'vars': {
            'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}))
        envvars = dict(envvars, **{
            # What AWX itself sets: where the collections are, ansible's own folders, all inside the job's pod.
            'ANSIBLE_COLLECTIONS_PATH': harness.ensure_collection_link(),
            'ANSIBLE_HOME': str(self.data / 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': str(self.data / 'ansible-tmp'),
            'ANSIBLE_REMOTE_TEMP': str(self.data / 'ansible-remote-tmp'),
            'ANSIBLE_FORCE_COLOR': '0',
        })
        write(self.data / 'env' / 'envvars', yaml.safe_dump(envvars))
        write(self.data / 'env' / 'extravars', json.dumps(dict(extravars, awx_job_id=job_id)))
        write(self.data / 'env' / 'settings', yaml.safe_dump({'suppress_ansible_output': True}))
        self.thread = self.runner = None

    def start(self):
        self.thread, self.runner = ansible_runner.run_async(private_data_dir=str(self.data), playbook='job.yml',
                                                            ident=str(self.job_id), quiet=True, timeout=600)
        return self

    def wait(self):
        self.thread.join()
        return self

    @property
    def stdout(self):
        return (self.data / 'artifacts' / str(self.job_id) / 'stdout').read_text()

    def artifacts(self):
        """The job's artifacts as AWX shows them: the set_stats data of its stats event."""
        stats = [event for event in self.runner.events if event.get('event') == 'playbook_on_stats']
        assert len(stats) == 1, self.stdout
        return stats[0]['event_data'].get('artifact_data', {})

    def written_text(self):
        """Everything the job wrote: its output, events and artifacts, and the files it left in its pod (records,
        ansible's folders). Not what holds the environment AWX gave the job, credentials included: the env/ folder
        AWX wrote, ansible-runner's copy of it (artifacts/<ident>/command), and the fact cache, where the gathered
        facts of these test hosts (local connection: ansible_env) hold it, as those of a real managed host do not."""
        texts = []
        for folder, _dirs, files in os.walk(str(self.data)):
            for name in files:
                path = os.path.join(folder, name)
                where = os.path.relpath(path, str(self.data)).split(os.sep)
                if where[0] == 'env' or where[-1] == 'command' or 'fact_cache' in where:
                    continue
                with open(path, 'rb') as handle:
                    texts.append(handle.read().decode('utf-8', 'replace'))
        return '\n'.join(texts)


def run_slices(tmp_path, emulator, redis_server, slices, failing=()):
    """Starts one job per slice (job id -> device ids) together, as AWX job slicing does, and waits for them all."""
    credentials = dict(render_env(NSIGHT, server=emulator.url, api_key=emulator.nsight_api_key,
                                  rate_limit=str(RATE_LIMIT), budget_url=redis_server.url), **wfbss_env(emulator))
    patch_work = tmp_path / 'patch.yml'
    write(patch_work, PATCH_WORK)
    jobs = []
    for job_id, deviceids in slices.items():
        hosts = dict((host_name(deviceid), {'nsight_deviceid': deviceid, 'fail_patch': deviceid in failing})
                     for deviceid in deviceids)
        # The budget folder of the slice's own pod (here inside its private data directory).
        envvars = dict(credentials, NSIGHT_BUDGET_DIR=str(tmp_path / 'job-{0}'.format(job_id) / 'nsight-budget'))
        jobs.append(AwxJob(tmp_path, job_id, 'msp.antivirus.pause_patch_resume', hosts, envvars,
                           {'maintenance_window_patch_tasks': str(patch_work)}))
    for job in jobs:
        job.start()
    return [job.wait() for job in jobs]


def run_reset_node(tmp_path, emulator, slice_jobs, job_id, resets):
    """The workflow node after the sliced job: the reset playbook, with the slices' artifacts merged as AWX merges
    them (here in the order the slices were started) as extra variables, and the WFBSS credential only."""
    artifacts = {}
    for job in slice_jobs:
        artifacts.update(job.artifacts())
    extravars = dict(artifacts, maintenance_window_wfbss_reset=resets)
    return AwxJob(tmp_path, job_id, 'msp.antivirus.maintenance_window_wfbss_reset', {}, wfbss_env(emulator),
                  extravars).start().wait(), artifacts


def assert_nothing_secret(redis_server, *jobs):
    texts = [job.written_text() for job in jobs] + [job.artifacts() for job in jobs]
    harness.assert_no_secrets(*texts)
    for text in texts:
        assert redis_server.password not in json.dumps(text)
    # The budget was kept in the Redis, under a digest: neither the N-sight key nor the Redis password is there.
    contents = redis_server.contents()
    assert contents
    harness.assert_no_secrets(contents)
    assert redis_server.password not in contents


def test_slices_share_one_budget_and_the_workflow_node_resets_once_for_every_slice(emulator, redis_server,
                                                                                   tmp_path):
    slices = {101: list(range(1001, 1007)), 102: list(range(1007, 1013))}
    for deviceids in slices.values():
        for deviceid in deviceids:
            emulator.server.set_scan(deviceid, 'running')
    emulator.server.set_nsight_rate_limit(RATE_LIMIT, window=60)

    started = time.monotonic()
    jobs = run_slices(tmp_path, emulator, redis_server, slices)
    elapsed = time.monotonic() - started
    for job in jobs:
        assert (job.runner.status, job.runner.rc) == ('successful', 0), job.stdout

    # One budget for both slices: 12 pauses and 12 resumes, 10 a minute, none refused, so over two minutes.
    stats = emulator.server.rate_limit_stats()
    assert (stats['accepted'], stats['refused']) == (24, 0), stats
    assert stats['max_in_window'] <= RATE_LIMIT, stats
    assert elapsed > 110, elapsed
    assert all(emulator.server.device(deviceid)['scans'][0]['state'] == 'running'
               for deviceids in slices.values() for deviceid in deviceids)
    # No slice reset WFBSS.
    assert emulator.server.tasks() == []

    # Each slice published its report under its own job's key too, with its own hosts.
    for job, deviceids in zip(jobs, slices.values()):
        artifacts = job.artifacts()
        assert sorted(artifacts) == [REPORT, '{0}_{1}'.format(REPORT, job.job_id)], artifacts
        assert sorted(artifacts[REPORT]) == sorted(host_name(deviceid) for deviceid in deviceids)
        assert artifacts[REPORT] == artifacts['{0}_{1}'.format(REPORT, job.job_id)]

    cids = seed_cids(emulator, 12)
    node, merged = run_reset_node(tmp_path, emulator, jobs, 103, [{'type': 'counter', 'cids': cids}])
    # AWX's merge kept one slice's maintenance_window_report; the per-job keys kept both.
    assert sorted(merged[REPORT]) == sorted(host_name(deviceid) for deviceid in slices[102])
    assert (node.runner.status, node.runner.rc) == ('successful', 0), node.stdout

    # One reset command per batch of at most 10 customers, once for the whole window.
    tasks = emulator.server.tasks()
    assert [len(task['cids']) for task in tasks] == [10, 2], tasks
    assert sorted(cid for task in tasks for cid in task['cids']) == sorted(cids)
    # The node's report holds every host of both slices.
    report = node.artifacts()[REPORT]
    assert sorted(report) == sorted(host_name(deviceid) for deviceids in slices.values() for deviceid in deviceids)
    assert all((entry['pause'], entry['patch'], entry['resume']) == ('paused', 'ok', 'resumed')
               for entry in report.values()), report
    assert '12 host(s) in 3 report(s) ({0}, {0}_101, {0}_102): 12 closed their window cleanly, 0 failed.'.format(
        REPORT) in node.stdout
    assert_nothing_secret(redis_server, *(jobs + [node]))


def test_a_host_that_failed_in_one_slice_fails_the_workflow_node_after_the_reset(emulator, redis_server, tmp_path):
    slices = {201: [1001, 1002], 202: [1008, 1009]}
    jobs = run_slices(tmp_path, emulator, redis_server, slices, failing=(1008,))
    assert (jobs[0].runner.status, jobs[1].runner.status) == ('successful', 'failed')
    assert emulator.server.rate_limit_stats()['refused'] == 0

    cid = seed_cids(emulator, 1)
    node, _merged = run_reset_node(tmp_path, emulator, jobs, 203, [{'type': 'livestatus', 'cids': cid}])
    assert node.runner.status == 'failed', node.stdout
    # The reset was sent all the same, once.
    assert [task['cids'] for task in emulator.server.tasks()] == [cid]
    assert 'The maintenance window failed for 1 host(s): mw-1008 (see maintenance_window_report).' in node.stdout
    assert 'Failed: mw-1008 (device 1008): pause paused, patch failed, resume resumed.' in node.stdout
    report = node.artifacts()[REPORT]
    assert sorted(report) == ['mw-1001', 'mw-1002', 'mw-1008', 'mw-1009']
    assert report['mw-1008']['patch'] == 'failed' and report['mw-1008']['resume'] == 'resumed', report
    assert_nothing_secret(redis_server, *(jobs + [node]))
