# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin msp.antivirus.wfbss against the emulator: real ansible-inventory and ansible-playbook runs.

The emulator holds 230 customers (3 pages of customers); Acme Corp has 3 computers, Acme Logistics 2, Globex none,
Initech 120 (so the first batch of 10 customers spans two pages of customers/computers). Acme Corp and Acme
Logistics both have a computer named RECEPTION; Acme Logistics has "Büro Laptop". Every customer has the groups
1 "Device (Default)" and 2 "Server (Default)". A whole walk is 3 customers pages + 24 customers/computers
(23 batches, the first two pages) + 23 customers/groups calls.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from collections import Counter

import yaml

import harness

ACME_CORP = '640FE47F-5118-4D79-8221-A35D0DE2EE2C'
ACME_LOGISTICS = '549390C2-61B3-417E-B1F0-8955A63C08F3'
GROUP_NAMES = {1: 'Device (Default)', 2: 'Server (Default)'}
WHOLE_WALK = {'customers': 3, 'customers/computers': 24, 'customers/groups': 23}
UNPARSED_FAILED = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'}


# ---- helpers -------------------------------------------------------------------------------

def write_config(path, **options):
    """A *.wfbss.yml source; url and the key pair come from WFBSS_URL, WFBSS_ACCESS_TOKEN and WFBSS_SECRET_KEY
    (set by the harness) unless given."""
    config = {'plugin': 'msp.antivirus.wfbss'}
    config.update(options)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def hostvars(data):
    return data['_meta']['hostvars']


def members(data, group):
    return set(data.get(group, {}).get('hosts', []))


def safe(name):
    return re.sub(r'[^A-Za-z0-9._-]', '_', name.strip())


def seeded_computers(emulator):
    """[(customer, computer)] of every seeded customer, in seed order."""
    state = emulator.server.state
    with state.lock:
        return [(dict(customer), dict(computer)) for customer in state.customers
                for computer in state.computers[customer['id']]]


def expected_hosts(pairs):
    """{host name: host variables} the plugin makes of these (customer, computer) pairs (no reserved names and
    no name_cid taken twice in the seed)."""
    counts = Counter(safe(computer['name']).lower() for _customer, computer in pairs)
    hosts = {}
    for customer, computer in pairs:
        name = safe(computer['name'])
        hostname = name if counts[name.lower()] == 1 else '%s_%s' % (name, computer['cid'])
        hosts[hostname] = {
            'wfbss_cid': computer['cid'], 'wfbss_customer': customer['name'], 'wfbss_customer_id': customer['id'],
            'wfbss_gid': computer['gid'], 'wfbss_group': GROUP_NAMES[computer['gid']], 'wfbss_name': computer['name'],
            'wfbss_ipaddr': computer['ipaddr'], 'wfbss_type': computer['type'],
        }
    return hosts


def of_customers(pairs, *names):
    return [(customer, computer) for customer, computer in pairs if customer['name'] in names]


def wfbss_calls(emulator):
    return [call for call in emulator.calls() if call['api'] == 'wfbss']


def call_counts(emulator):
    return dict(Counter(call['service'] for call in wfbss_calls(emulator)))


def cid_of(pairs, customer_name, computer_name):
    [cid] = [computer['cid'] for customer, computer in pairs
             if customer['name'] == customer_name and computer['name'] == computer_name]
    return cid


def assert_failed_without_hosts(run, *fragments):
    """ansible-inventory failed (unparsed sources fail), with the reason, no traceback and no host."""
    assert run.rc != 0, run.describe()
    message = harness.flat(run.stderr)
    assert 'The WFBSS inventory walk failed, so no host of this source was added' in message, run.stderr
    for fragment in fragments:
        assert fragment in message, (fragment, run.stderr)
    assert 'Traceback' not in run.output, run.output
    assert 'ACME-DC01' not in run.stdout and 'INITECH' not in run.stdout


# ---- tests -------------------------------------------------------------------------------------

def test_every_computer_is_one_host(emulator, ansible_runner, tmp_path, assert_no_secrets):
    config = write_config(tmp_path / 'estate.wfbss.yml', url=emulator.url)
    run = harness.run_inventory(ansible_runner, config, '--list', '-v')
    data = harness.inventory_listing(run)
    pairs = seeded_computers(emulator)
    assert len(pairs) == 125 + sum(number % 3 for number in range(1, 227))
    assert hostvars(data) == expected_hosts(pairs)

    # The two RECEPTIONs get their cid; the laptop's name is made safe; Initech spans two pages, all there.
    corp, logistics = cid_of(pairs, 'Acme Corp', 'RECEPTION'), cid_of(pairs, 'Acme Logistics', 'RECEPTION')
    hosts = hostvars(data)
    assert hosts['RECEPTION_' + corp]['wfbss_customer_id'] == ACME_CORP
    assert hosts['RECEPTION_' + logistics]['wfbss_customer'] == 'Acme Logistics'
    assert 'RECEPTION' not in hosts
    assert hosts['B_ro_Laptop']['wfbss_name'] == u'B\u00fcro Laptop'
    # ipaddr as the service gives it (the published example's byte order).
    assert hosts['ACME-WS-01']['wfbss_ipaddr'] == '97.0.168.192'
    assert len(members(data, 'wfbss_customer_Initech')) == 120

    # One group per customer and per WFBSS group.
    assert members(data, 'wfbss_customer_Acme_Corp') == {'ACME-WS-01', 'RECEPTION_' + corp, 'ACME-DC01'}
    assert members(data, 'wfbss_group_Acme_Corp_Device__Default_') == {'ACME-WS-01', 'RECEPTION_' + corp}
    assert members(data, 'wfbss_group_Acme_Corp_Server__Default_') == {'ACME-DC01'}
    assert members(data, 'wfbss_group_Acme_Logistics_Device__Default_') == {'RECEPTION_' + logistics, 'B_ro_Laptop'}
    assert len(members(data, 'wfbss_group_Initech_Server__Default_')) == 12
    assert 'wfbss_customer_Globex' not in data

    # One walk: customers page by page, then every batch of 10 customers; -v says what it cost.
    assert call_counts(emulator) == WHOLE_WALK
    calls = wfbss_calls(emulator)
    assert [call['params'].get('page') for call in calls[:3]] == ['1', '2', '3']
    assert all(call['status'] == 200 for call in calls)
    assert all(len(call['params']['cids'].split(',')) <= 10 for call in calls[3:])
    assert 'msp.antivirus.wfbss: the walk cost 50 WFBSS call(s)' in harness.flat(run.stderr + run.stdout)
    assert_no_secrets(run.stdout, run.stderr)


def test_filters_by_customer_and_group(emulator, ansible_runner, tmp_path):
    pairs = seeded_computers(emulator)
    # By name in any letter case and by id in lower case: both RECEPTIONs are in, so both keep their cid.
    both = write_config(tmp_path / 'acme.wfbss.yml', url=emulator.url,
                        customers=['acme corp', ACME_LOGISTICS.lower()])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, both, '--list'))
    assert hostvars(data) == expected_hosts(of_customers(pairs, 'Acme Corp', 'Acme Logistics'))
    assert len(hostvars(data)) == 5
    assert call_counts(emulator) == {'customers': 3, 'customers/computers': 1, 'customers/groups': 1}
    [computers] = [call for call in wfbss_calls(emulator) if call['service'] == 'customers/computers']
    assert computers['params']['cids'].split(',') == [ACME_CORP, ACME_LOGISTICS]

    # Acme Corp alone: its RECEPTION has no namesake left.
    emulator.control('DELETE', 'calls')
    corp = write_config(tmp_path / 'corp.wfbss.yml', url=emulator.url, customers=[ACME_CORP])
    assert sorted(hostvars(harness.inventory_listing(harness.run_inventory(ansible_runner, corp, '--list')))) == [
        'ACME-DC01', 'ACME-WS-01', 'RECEPTION']

    # Servers of Initech by group name, and Acme's devices by gid.
    servers = write_config(tmp_path / 'servers.wfbss.yml', url=emulator.url, customers=['Initech'],
                           wfbss_groups=['server (DEFAULT)'])
    hosts = hostvars(harness.inventory_listing(harness.run_inventory(ansible_runner, servers, '--list')))
    assert sorted(hosts) == ['INITECH-SRV-%03d' % number for number in range(10, 121, 10)]
    devices = write_config(tmp_path / 'devices.wfbss.yml', url=emulator.url, customers=['Acme Corp'],
                           wfbss_groups=['1'])
    assert sorted(hostvars(harness.inventory_listing(harness.run_inventory(ansible_runner, devices, '--list')))) == ['ACME-WS-01', 'RECEPTION']


def test_a_filter_typo_is_named_in_a_warning(emulator, ansible_runner, tmp_path):
    """A careless user's typo: the hosts it leaves out do not go missing without a word."""
    typo = write_config(tmp_path / 'typo.wfbss.yml', url=emulator.url, customers=['Acme Corp', 'Acme Crop'],
                        wfbss_groups=['Servr (Default)', '2'])
    run = harness.run_inventory(ansible_runner, typo, '--list')
    assert sorted(hostvars(harness.inventory_listing(run))) == ['ACME-DC01']
    assert ("msp.antivirus.wfbss: customers 'Acme Crop' matched no customer; check the spelling"
            in harness.flat(run.stderr))
    assert "wfbss_groups 'Servr (Default)' matched no group of the customers' computers" in harness.flat(run.stderr)


def test_constructed_keyed_groups_and_strict(emulator, ansible_runner, tmp_path):
    constructed = write_config(
        tmp_path / 'constructed.wfbss.yml', url=emulator.url, customers=['Acme Corp', 'Acme Logistics'], strict=False,
        compose={'label': "wfbss_customer ~ '/' ~ wfbss_name", 'broken': 'wfbss_nope.bar'},
        groups={'servers': "wfbss_group == 'Server (Default)'"},
        keyed_groups=[{'key': 'wfbss_group', 'prefix': 'group'}, {'key': 'wfbss_customer_id', 'prefix': 'cid'}])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, constructed, '--list'))
    hosts = hostvars(data)
    assert hosts['B_ro_Laptop']['label'] == u'Acme Logistics/B\u00fcro Laptop'
    assert not any('broken' in host for host in hosts.values())  # not strict: a bad expression is skipped
    assert members(data, 'servers') == members(data, 'group_Server__Default_') == {'ACME-DC01'}
    assert len(members(data, 'group_Device__Default_')) == 4
    assert members(data, 'cid_' + ACME_CORP.replace('-', '_')) == members(data, 'wfbss_customer_Acme_Corp')

    # strict: true makes the same bad expression fail the source, and no host of it is added.
    strict = write_config(tmp_path / 'strict.wfbss.yml', url=emulator.url, customers=['Acme Corp'], strict=True,
                          compose={'broken': 'wfbss_nope.bar'})
    failed = harness.run_inventory(ansible_runner, strict, '--list', extra_env=UNPARSED_FAILED)
    assert failed.rc != 0, failed.describe()
    assert "'wfbss_nope' is undefined" in harness.flat(failed.stderr), failed.stderr
    assert 'ACME-DC01' not in failed.stdout


def test_cache_second_run_makes_no_call(emulator, ansible_runner, tmp_path, assert_no_secrets):
    cache_dir = tmp_path / 'inventory-cache'
    config = write_config(tmp_path / 'cached.wfbss.yml', url=emulator.url, cache=True,
                          cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache_dir), cache_timeout=3600,
                          cache_prefix='msp_wfbss')
    first = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert call_counts(emulator) == WHOLE_WALK
    walked = len(emulator.calls())
    second = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert len(emulator.calls()) == walked, 'the second run called the API: %s' % emulator.calls()[walked:]
    assert hostvars(second) == hostvars(first)
    assert members(second, 'wfbss_group_Acme_Corp_Server__Default_') == {'ACME-DC01'}

    # The cache holds the computer list, never the key pair.
    contents = harness.files_text(cache_dir)
    assert any('ACME-DC01' in text for text in contents)
    assert_no_secrets(*contents)


def test_wrong_secret_fails_with_a_clear_message(emulator, ansible_runner, tmp_path, assert_no_secrets):
    wrong = 'wrong-wfbss-secret-5d1e+/='
    config = write_config(tmp_path / 'estate.wfbss.yml', url=emulator.url)
    failed = harness.run_inventory(ansible_runner, config, '--list', '-vvvv',
                                   extra_env=dict(UNPARSED_FAILED, WFBSS_SECRET_KEY=wrong))
    assert_failed_without_hosts(failed, 'HTTP 401 AuthenticationFailureSignature to GET customers',
                                'check secret_key')
    assert call_counts(emulator) == {'customers': 1}  # a 401 is not retried, and nothing is listed past it
    assert wrong not in failed.output
    assert_no_secrets(failed.stdout, failed.stderr)

    # Without unparsed_is_failed, Ansible warns with the same reason and goes on without these hosts.
    warned = harness.run_inventory(ansible_runner, config, '--list', extra_env={'WFBSS_SECRET_KEY': wrong})
    assert hostvars(harness.inventory_listing(warned)) == {}
    assert '[WARNING]' in warned.stderr and 'check secret_key' in harness.flat(warned.stderr), warned.stderr


def test_server_errors_fail_the_whole_source(emulator, ansible_runner, tmp_path, assert_no_secrets):
    config = write_config(tmp_path / 'estate.wfbss.yml', url=emulator.url, retries=1)
    emulator.control('POST', 'faults', {'api': 'wfbss', 'service': 'customers/groups', 'kind': 'status',
                                        'status': 503, 'count': 0})
    failed = harness.run_inventory(ansible_runner, config, '--list', extra_env=UNPARSED_FAILED)
    assert_failed_without_hosts(failed, 'HTTP 503', 'GET customers/groups')
    groups = [call for call in wfbss_calls(emulator) if call['service'] == 'customers/groups']
    assert groups and all(call['status'] == 503 and call['fault'] == 'status' for call in groups)
    per_batch = Counter(call['params']['cids'] for call in groups)
    assert max(per_batch.values()) == 2, per_batch  # the first attempt and one retry
    assert 'retrying in' in harness.flat(failed.stderr)  # the retries are shown as warnings

    # A 500 on the second page of customers/computers: the first batch spans two pages.
    emulator.reset()
    emulator.control('POST', 'faults', {'api': 'wfbss', 'service': 'customers/computers', 'kind': 'status',
                                        'status': 500, 'count': 0})
    failed = harness.run_inventory(ansible_runner, config, '--list', extra_env=UNPARSED_FAILED)
    assert_failed_without_hosts(failed, 'HTTP 500', 'GET customers/computers')
    assert 'customers/groups' not in call_counts(emulator)
    assert_no_secrets(failed.stdout, failed.stderr)


def test_environment_variables_alone(emulator, ansible_runner, tmp_path, assert_no_secrets):
    """A file with nothing but the plugin's name: url and the key pair from WFBSS_URL, WFBSS_ACCESS_TOKEN and
    WFBSS_SECRET_KEY; an empty WFBSS_API_VERSION or WFBSS_VALIDATE_CERTS counts as not set (as AWX renders them)."""
    config = write_config(tmp_path / 'wfbss.yaml')
    run = harness.run_inventory(ansible_runner, config, '--list', '-vvvv',
                                extra_env={'WFBSS_API_VERSION': '', 'WFBSS_VALIDATE_CERTS': '', 'WFBSS_USER_AGENT': ''})
    assert hostvars(harness.inventory_listing(run)) == expected_hosts(seeded_computers(emulator))
    assert call_counts(emulator) == WHOLE_WALK
    assert_no_secrets(run.stdout, run.stderr)


def test_playbook_driven_by_the_inventory(emulator, ansible_runner, tmp_path, assert_no_secrets):
    """wfbss_scan from the host variables: each Acme Corp server's customer id and group id, with no id kept by
    hand."""
    playbook_path = harness.ansible_executable('ansible-playbook')
    python = harness.controller_python()
    config = write_config(tmp_path / 'estate.wfbss.yml', url=emulator.url, customers=['Acme Corp'],
                          compose={'ansible_connection': "'local'", 'ansible_python_interpreter': repr(str(python))})
    playbook = tmp_path / 'scan_servers.yml'
    playbook.write_text(yaml.safe_dump([{
        'hosts': 'wfbss_group_Acme_Corp_Server__Default_',
        'gather_facts': False,
        'tasks': [
            {'name': 'Start a scan of the host group', 'msp.antivirus.wfbss_scan': {
                'type': 'start', 'cids': ['{{ wfbss_customer_id }}'], 'gids': ['{{ wfbss_gid | string }}']}},
            {'name': 'Show the host', 'ansible.builtin.debug': {'msg': '{{ inventory_hostname }} {{ wfbss_cid }}'}},
        ],
    }]))
    run = ansible_runner.run_command([playbook_path, str(playbook)], 'scan-servers',
                                     extra_args=['-i', str(config)])
    run.assert_rc(0)
    assert 'ACME-DC01' in run.stdout
    scans = [call for call in wfbss_calls(emulator) if call['service'] == 'commands/scan']
    assert [(call['params']['cids'], call['params']['gids'], call['status']) for call in scans] == [
        (ACME_CORP, '2', 200)]
    assert_no_secrets(run.stdout, run.stderr, run.results, run.files_text())
