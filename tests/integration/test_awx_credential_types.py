# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX / Automation Controller credential types of playbooks/vars/awx_credential_types.yml.

1. Their injectors rendered as AWX renders them (awx/main/models/credential: a Jinja2
   ImmutableSandboxedEnvironment, the credential's inputs as the context, an optional input left empty
   as ''; here with StrictUndefined, so that an injector naming no input fails) give an environment
   that alone, without the harness's NSIGHT_* / WFBSS_* variables, drives an ad-hoc module, the shipped
   playbook msp.antivirus.pause_patch_resume and ``ansible-inventory --list --export`` with an nsight.yml.
   An empty NSIGHT_RATE_LIMIT means the default of 60 (the call budget is on: its state file appears),
   an empty NSIGHT_BUDGET_URL no shared budget (the state file is the job's own), an empty WFBSS_URL the
   default https://cspi.trendmicro.com.
   (awx_credentials.py renders them.)
2. ``ansible-playbook msp.antivirus.awx_credential_types`` against the awx.awx stand-in of
   files/awx/collections: the injector templates reach the module literally, and a second run
   changes nothing.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest
import yaml

import harness
from awx_credentials import NSIGHT, TYPES_FILE, WFBSS, credential_types, nsight_env, only, render_env, wfbss_env

STUB_COLLECTIONS = os.path.join(harness.HERE, 'files', 'awx', 'collections')
PATCH_TASKS = os.path.join(harness.HERE, 'files', 'record_patch.yml')
CREATE = 'Create or update the credential type with awx.awx'


def budget_files(run):
    """The call budget's state files the run left in its NSIGHT_BUDGET_DIR (none when pacing is off)."""
    folder = os.path.join(run.workdir, 'nsight-budget')
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


# ---- the data ---------------------------------------------------------------------------------

def test_credential_types_have_the_shape_awx_takes():
    types = credential_types()
    assert sorted(types) == [NSIGHT, WFBSS]
    expected = {
        NSIGHT: ({'server': False, 'api_key': True, 'rate_limit': False, 'budget_url': True}, ['server', 'api_key'],
                 {'NSIGHT_SERVER': 'server', 'NSIGHT_API_KEY': 'api_key', 'NSIGHT_RATE_LIMIT': 'rate_limit',
                  'NSIGHT_BUDGET_URL': 'budget_url'}),
        WFBSS: ({'url': False, 'access_token': True, 'secret_key': True}, ['access_token', 'secret_key'],
                {'WFBSS_URL': 'url', 'WFBSS_ACCESS_TOKEN': 'access_token', 'WFBSS_SECRET_KEY': 'secret_key'}),
    }
    for name, (secrets, required, env) in expected.items():
        item = types[name]
        assert set(item) == {'name', 'description', 'kind', 'inputs', 'injectors'}
        assert item['kind'] == 'cloud' and item['description']
        fields = item['inputs']['fields']
        assert dict((field['id'], field.get('secret', False)) for field in fields) == secrets
        assert all(field['type'] == 'string' and field['label'] for field in fields)
        assert item['inputs']['required'] == required
        # Env injectors only: AWX drops extra_vars injectors for inventory updates.
        assert list(item['injectors']) == ['env']
        assert item['injectors']['env'] == dict((variable, '{{ %s }}' % field) for variable, field in env.items())


def test_the_budget_url_input_is_an_optional_secret():
    """"Call budget Redis URL": a password in it must never show in AWX, and left empty it means no shared budget."""
    fields = dict((field['id'], field) for field in credential_types()[NSIGHT]['inputs']['fields'])
    budget_url = fields['budget_url']
    assert budget_url['label'] == 'Call budget Redis URL'
    assert budget_url['secret'] is True
    assert 'budget_url' not in credential_types()[NSIGHT]['inputs']['required']
    assert 'redis://' in budget_url['help_text'] and 'rediss://' in budget_url['help_text']
    assert 'NSIGHT_BUDGET_URL' in credential_types()[NSIGHT]['description']


def test_injectors_render_as_awx_renders_them():
    assert render_env(NSIGHT, server='www.systemmonitor.us', api_key='k{e}y') == {
        'NSIGHT_SERVER': 'www.systemmonitor.us', 'NSIGHT_API_KEY': 'k{e}y', 'NSIGHT_RATE_LIMIT': '',
        'NSIGHT_BUDGET_URL': ''}
    url = 'rediss://:p{a}ss@redis.example.com:6380/2'
    assert render_env(NSIGHT, server='www.systemmonitor.us', api_key='k', rate_limit='50', budget_url=url) == {
        'NSIGHT_SERVER': 'www.systemmonitor.us', 'NSIGHT_API_KEY': 'k', 'NSIGHT_RATE_LIMIT': '50',
        'NSIGHT_BUDGET_URL': url}
    assert render_env(WFBSS, access_token='t', secret_key='s', url='') == {
        'WFBSS_URL': '', 'WFBSS_ACCESS_TOKEN': 't', 'WFBSS_SECRET_KEY': 's'}


def test_the_playbook_keeps_the_injectors_unsafe():
    """Without !unsafe, Ansible would template '{{ api_key }}' (undefined for it) before the controller sees it."""
    with open(TYPES_FILE) as types_file:
        text = types_file.read()
    for variable in ('NSIGHT_SERVER', 'NSIGHT_API_KEY', 'NSIGHT_RATE_LIMIT', 'NSIGHT_BUDGET_URL', 'WFBSS_URL',
                     'WFBSS_ACCESS_TOKEN', 'WFBSS_SECRET_KEY'):
        assert [line for line in text.splitlines() if line.strip().startswith(variable + ': !unsafe "{{ ')], variable


# ---- the rendered environment alone drives modules, the playbook and the inventory --------------

def test_adhoc_module_with_only_the_credential_environment(emulator, run_adhoc, assert_no_secrets):
    run = run_adhoc('msp.antivirus.nsight_mav_scan', 'deviceid=1001 state=paused', extra_env=only(nsight_env(emulator)))
    run.assert_rc(0)
    assert run.results[-1]['status'] == 'changed', run.describe()
    assert emulator.services('nsight')[-1] == 'mav_scan_pause'
    # rate_limit left empty: the default budget of 60 a minute paced the call (0 would leave no state file);
    # budget_url left empty (NSIGHT_BUDGET_URL=''): no Redis, the budget is the job's own file, and no warning.
    assert len(budget_files(run)) == 1, run.describe()
    assert not run.results[-1]['result'].get('warnings'), run.describe()
    assert_no_secrets(run.output, run.results, run.files_text())

    run = run_adhoc('msp.antivirus.nsight_mav_scan', 'deviceid=1001 state=resumed',
                    extra_env=only(nsight_env(emulator, rate_limit='0')))
    run.assert_rc(0)
    assert budget_files(run) == []


def test_wfbss_module_with_only_the_credential_environment(emulator, run_adhoc, assert_no_secrets):
    run = run_adhoc('msp.antivirus.wfbss_customer_info', 'name=Northwind', extra_env=only(wfbss_env(emulator)))
    run.assert_rc(0)
    assert run.results[-1]['result']['customers'], run.describe()
    assert_no_secrets(run.output, run.results, run.files_text())


def test_empty_wfbss_url_means_the_default_url(emulator, run_adhoc, assert_no_secrets):
    """No network here: the default host cannot be reached, and the error names it."""
    run = run_adhoc('msp.antivirus.wfbss_customer_info', 'name=Northwind timeout=2 retries=0',
                    extra_env=only(wfbss_env(emulator, url='')))
    assert run.rc != 0
    assert 'cspi.trendmicro.com' in run.results[-1]['result']['msg'], run.describe()
    assert not emulator.calls()
    assert_no_secrets(run.output, run.results, run.files_text())


def test_shipped_playbook_with_only_the_credential_environment(emulator, ansible_runner, tmp_path):
    """The job template's view: msp.antivirus.pause_patch_resume with both credentials attached."""
    records = tmp_path / 'patch-records'
    records.mkdir()
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'children': {'patch_hosts': {
        'hosts': {'mw-1001': {'nsight_deviceid': 1001}, 'mw-1003': {'nsight_deviceid': 1003}},
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}}}))
    extra_vars = {'maintenance_window_hosts': 'patch_hosts', 'maintenance_window_patch_tasks': PATCH_TASKS,
                  'patch_record_dir': str(records), 'patch_emulator_url': emulator.url,
                  'maintenance_window_wfbss_reset': [{'type': 'counter',
                                                      'cids': ['640FE47F-5118-4D79-8221-A35D0DE2EE2C']}]}
    command = [harness.ansible_executable('ansible-playbook'), 'msp.antivirus.pause_patch_resume']
    run = ansible_runner.run_command(command, 'pause-patch-resume',
                                     extra_env=only(nsight_env(emulator), wfbss_env(emulator)),
                                     extra_args=['-i', str(inventory), '-e', json.dumps(extra_vars)])
    run.assert_rc(0)
    services = [(call['service'], call['params'].get('deviceid')) for call in emulator.calls() if call['api'] == 'nsight']
    assert ('mav_scan_pause', '1001') in services and ('mav_scan_resume', '1001') in services, (services, run.describe())
    assert sorted(os.listdir(str(records))) == ['mw-1001.json', 'mw-1003.json']
    assert [call for call in emulator.calls() if call['api'] == 'wfbss'], 'no WFBSS reset reached the emulator'
    assert len(budget_files(run)) == 1
    harness.assert_no_secrets(run.output, run.results)


def test_inventory_export_with_only_the_credential_environment(emulator, ansible_runner, tmp_path):
    """The inventory source's view: an nsight.yml from the project that names no server and no key."""
    source = tmp_path / 'estate.nsight.yml'
    source.write_text('plugin: msp.antivirus.nsight\n')
    run = ansible_runner.run_command(
        [harness.ansible_executable('ansible-inventory'), '-i', str(source), '--list', '--export'], 'inventory',
        extra_env=only(nsight_env(emulator)), inventory=False)
    run.assert_rc(0)
    data = json.loads(run.stdout)
    hostvars = data['_meta']['hostvars']
    assert len(hostvars) == 16, sorted(hostvars)
    assert sorted(int(str(vars_['nsight_deviceid'])) for vars_ in hostvars.values()) == list(range(1001, 1017))
    assert len(budget_files(run)) == 1
    harness.assert_no_secrets(run.output)


# ---- ansible-playbook msp.antivirus.awx_credential_types against the awx.awx stand-in -----------

def run_credential_types(ansible_runner, tmp_path, extra_args=(), collections=STUB_COLLECTIONS):
    """``ansible-playbook msp.antivirus.awx_credential_types``; returns (run, the stand-in's calls of this run)."""
    calls = tmp_path / 'awx-calls.jsonl'
    before = calls.read_text().splitlines() if calls.exists() else []
    search = [collections] if collections else []
    extra_env = {
        'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join(search + [harness.ensure_collection_link()]),
        'MSP_TEST_AWX_CALLS': str(calls),
        'MSP_TEST_AWX_STATE': str(tmp_path / 'awx-state.json'),
        'CONTROLLER_HOST': 'https://controller.example.com',
        'CONTROLLER_OAUTH_TOKEN': 'controller-token',
    }
    command = [harness.ansible_executable('ansible-playbook'), 'msp.antivirus.awx_credential_types']
    run = ansible_runner.run_command(command, 'awx-credential-types', extra_env=extra_env, extra_args=extra_args)
    lines = calls.read_text().splitlines() if calls.exists() else []
    return run, [json.loads(line) for line in lines[len(before):]]


def test_awx_credential_types_playbook_creates_then_changes_nothing(emulator, ansible_runner, tmp_path):
    expected = credential_types()
    run, calls = run_credential_types(ansible_runner, tmp_path)
    run.assert_rc(0)
    assert [call['name'] for call in calls] == [NSIGHT, WFBSS]
    for call in calls:
        item = expected[call['name']]
        # Literal: the controller, not Ansible, renders "{{ api_key }}".
        assert call['injectors'] == item['injectors']
        assert call['inputs'] == item['inputs']
        assert (call['kind'], call['description'], call['state']) == ('cloud', item['description'], 'present')
        # The controller connection came from the collection's own environment variables.
        assert call['controller_host'] == 'https://controller.example.com' and call['controller_oauthtoken'] is True
    assert [item['changed'] for item in run.result(CREATE)['results']] == [True, True]

    again, calls_again = run_credential_types(ansible_runner, tmp_path)
    again.assert_rc(0)
    assert calls_again == calls
    assert [item['changed'] for item in again.result(CREATE)['results']] == [False, False]
    assert 'changed=0' in again.stdout, again.describe()

    state = json.loads((tmp_path / 'awx-state.json').read_text())
    assert state[NSIGHT]['injectors']['env']['NSIGHT_API_KEY'] == '{{ api_key }}'

    gone, _calls = run_credential_types(ansible_runner, tmp_path, ['-e', 'awx_credential_types_state=absent'])
    gone.assert_rc(0)
    assert [item['changed'] for item in gone.result(CREATE)['results']] == [True, True]
    assert json.loads((tmp_path / 'awx-state.json').read_text()) == {}


@pytest.mark.parametrize('extra_args, collections', [
    ((), None),  # neither awx.awx nor ansible.controller installed
    (('-e', 'awx_credential_types_collection=ansible.controller'), STUB_COLLECTIONS),  # named, not installed
    (('-e', 'awx_credential_types_collection=community.general'), STUB_COLLECTIONS),  # not a controller collection
], ids=['none-installed', 'named-missing', 'not-a-controller-collection'])
def test_awx_credential_types_playbook_says_what_to_install(emulator, ansible_runner, tmp_path, extra_args, collections):
    run, calls = run_credential_types(ansible_runner, tmp_path, extra_args, collections=collections)
    assert run.rc != 0
    assert calls == []
    message = harness.failed_result(run, 'Check that a controller collection is installed')['msg']
    assert 'Install awx.awx' in message and 'ansible.controller' in message, message
