# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin msp.antivirus.nsight against the emulator: real ansible-inventory and ansible-playbook runs.

The emulator holds 16 devices (1001-1016) of 3 clients (101 Northwind Dental, 102 Contoso Logistics,
103 Fabrikam Legal) in 7 sites (201-207); 1011 and 1012 are both named RECEPTION-PC; 1012, 1013 and
1014 are offline; 1016 (FB-WS-SCANNER) has no Managed Antivirus. A whole walk is 1 list_clients + 3 list_sites
+ 7 list_servers + 7 list_workstations; a client walk 1 list_clients + 3 x 2 list_devices_at_client.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re

import pytest
import yaml

import harness
# From tests/emulator, which importing harness puts on sys.path.
import seed_data  # pylint: disable=import-error

PATCH_TASKS = os.path.join(harness.HERE, 'files', 'record_patch.yml')
SITES = {101: [201, 202], 102: [203, 204, 205], 103: [206, 207]}


# ---- helpers -------------------------------------------------------------------------------

def write_config(path, emulator, **options):
    """A *.nsight.yml source for the emulator; the API key comes from NSIGHT_API_KEY (set by the harness)."""
    config = {'plugin': 'msp.antivirus.nsight', 'server': emulator.url}
    config.update(options)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def verbose_listing(ansible_runner, config, tmp_path):
    """(--list of a -v run, written to a file as -v lines go to stdout, the run)."""
    output = tmp_path / 'listed.json'
    run = harness.run_inventory(ansible_runner, config, '--list', '-v', '--output', str(output))
    run.assert_rc(0)
    return harness.unsafe_free(json.loads(output.read_text())), run


def hostvars(data):
    return data['_meta']['hostvars']


def members(data, group):
    return set(data.get(group, {}).get('hosts', []))


def devices(emulator):
    return dict((device['id'], device) for device in emulator.control('GET', 'devices') if device['id'] < 50000)


def expected_hostname(device, all_devices):
    same = [other for other in all_devices.values() if other['name'] == device['name']]
    return device['name'] if len(same) == 1 else '%s_%d' % (device['name'], device['id'])


def walk_calls(emulator):
    """(service, id parameter) of every N-sight call, in order; list_devices_at_client's with its device type."""
    out = []
    for call in emulator.calls():
        params = call['params']
        kind = (params['devicetype'],) if 'devicetype' in params else ()
        out.append((call['service'], params.get('clientid') or params.get('siteid')) + kind)
    return out


def full_walk(clients=(101, 102, 103), types=('server', 'workstation')):
    """The multiset of calls a walk over these clients makes (sorted, as the walk is concurrent)."""
    calls = [('list_clients', None)] + [('list_sites', str(client)) for client in clients]
    for client in clients:
        for site in SITES[client]:
            calls += [('list_%ss' % kind, str(site)) for kind in types]
    return sorted(calls, key=str)


def client_walk(clients=(101, 102, 103), types=('server', 'workstation')):
    """The calls of a client walk (sorted): list_clients, then list_devices_at_client per client and device type."""
    return sorted([('list_clients', None)] + [('list_devices_at_client', str(client), kind)
                                              for client in clients for kind in types], key=str)


def clear_calls(emulator):
    emulator.control('DELETE', 'calls')


# ---- tests -------------------------------------------------------------------------------------

def test_list_and_graph_every_device(emulator, ansible_runner, tmp_path, assert_no_secrets):
    config = write_config(tmp_path / 'estate.nsight.yml', emulator)
    run = harness.run_inventory(ansible_runner, config, '--list')
    data = harness.inventory_listing(run)
    known = devices(emulator)
    assert len(known) == 16
    hosts = hostvars(data)
    assert len(hosts) == 16, sorted(hosts)
    # Devices that share a name get name_deviceid; the others keep their name.
    assert 'RECEPTION-PC_1011' in hosts and 'RECEPTION-PC_1012' in hosts and 'RECEPTION-PC' not in hosts
    assert 'NW-DC01' in hosts
    for deviceid, device in known.items():
        host = hosts[expected_hostname(device, known)]
        assert host == {
            'nsight_deviceid': deviceid,
            'nsight_client': device['client'],
            'nsight_clientid': device['clientid'],
            'nsight_site': device['site'],
            'nsight_siteid': device['siteid'],
            'nsight_device_type': device['type'],
            'nsight_name': device['name'],
            'nsight_os': device['os'],
            'nsight_ip': device['ip'],
            'nsight_online': bool(device['online']),
        }, (deviceid, host)
    assert hosts['RECEPTION-PC_1012']['nsight_online'] is False
    assert hosts['RECEPTION-PC_1011']['nsight_client'] == 'Northwind Dental'
    assert hosts['RECEPTION-PC_1012']['nsight_client'] == 'Contoso Logistics'

    # One group per client and per site.
    assert members(data, 'nsight_client_Northwind_Dental') == {'NW-DC01', 'NW-FS01', 'NW-APP01', 'NW-WS-LAB',
                                                               'RECEPTION-PC_1011'}
    assert members(data, 'nsight_site_Northwind_Dental_Main_Office') == {'NW-DC01', 'NW-FS01', 'RECEPTION-PC_1011'}
    assert members(data, 'nsight_site_Contoso_Logistics_Head_Office') == {'CL-SQL01', 'CL-WEB01', 'RECEPTION-PC_1012'}
    for device in known.values():
        name = expected_hostname(device, known)
        client = re.sub(r'[^A-Za-z0-9_]', '_', device['client'])
        site = re.sub(r'[^A-Za-z0-9_]', '_', device['site'])
        assert name in members(data, 'nsight_client_' + client), (name, client)
        assert name in members(data, 'nsight_site_%s_%s' % (client, site)), (name, site)

    # One walk: every listing once, all answered OK.
    assert sorted(walk_calls(emulator), key=str) == full_walk()
    assert all(call['api_status'] == 'OK' for call in emulator.calls())

    graph = harness.run_inventory(ansible_runner, config, '--graph')
    graph.assert_rc(0)
    assert '@nsight_client_Fabrikam_Legal:' in graph.stdout
    assert '@nsight_site_Fabrikam_Legal_Archive:' in graph.stdout
    for name in ('RECEPTION-PC_1011', 'RECEPTION-PC_1012', 'FB-WS-SCANNER', 'CL-WS-DRIVER'):
        assert '|--%s\n' % name in graph.stdout
    assert len(set(re.findall(r'\|--([^@\s][^\s]*)$', graph.stdout, re.MULTILINE))) == 16
    assert_no_secrets(run.stdout, run.stderr, graph.stdout, graph.stderr)


def test_filters_by_client_site_and_device_type(emulator, ansible_runner, tmp_path):
    # Clients by name (any letter case) and by id: only their sites are listed.
    by_client = write_config(tmp_path / 'clients.nsight.yml', emulator, clients=['northwind dental', '103'])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, by_client, '--list'))
    assert set(host['nsight_clientid'] for host in hostvars(data).values()) == {101, 103}
    assert len(hostvars(data)) == 10
    assert 'RECEPTION-PC' in hostvars(data)  # its namesake in client 102 is filtered out: no suffix needed
    assert sorted(walk_calls(emulator), key=str) == full_walk(clients=(101, 103))

    # Sites by name and by id, across clients.
    clear_calls(emulator)
    by_site = write_config(tmp_path / 'sites.nsight.yml', emulator, sites=['Head Office', '207'])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, by_site, '--list'))
    assert sorted(hostvars(data)) == ['CL-SQL01', 'CL-WEB01', 'FB-ARCHIVE01', 'FB-WS-SCANNER', 'RECEPTION-PC']
    assert set(host['nsight_siteid'] for host in hostvars(data).values()) == {203, 207}
    listed = [site for service, site in walk_calls(emulator) if service in ('list_servers', 'list_workstations')]
    assert sorted(listed) == ['203', '203', '207', '207']

    # Servers only: no workstation listing at all.
    clear_calls(emulator)
    servers = write_config(tmp_path / 'servers.nsight.yml', emulator, device_types=['server'])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, servers, '--list'))
    known = devices(emulator)
    assert sorted(host['nsight_deviceid'] for host in hostvars(data).values()) == sorted(
        deviceid for deviceid, device in known.items() if device['type'] == 'server')
    assert all(host['nsight_device_type'] == 'server' for host in hostvars(data).values())
    assert len(hostvars(data)) == 8
    assert sorted(walk_calls(emulator), key=str) == full_walk(types=('server',))


def test_constructed_compose_groups_keyed_groups_and_strict(emulator, ansible_runner, tmp_path):
    constructed = write_config(
        tmp_path / 'constructed.nsight.yml', emulator, strict=False,
        compose={'ansible_host': 'nsight_ip', 'broken': 'nsight_nope.bar'},
        groups={'offline': 'not nsight_online', 'lab': "'LAB' in nsight_name"},
        keyed_groups=[{'key': 'nsight_device_type', 'prefix': 'type'}, {'key': 'nsight_clientid | string', 'prefix': 'client'}])
    run = harness.run_inventory(ansible_runner, constructed, '--list')
    data = harness.inventory_listing(run)
    hosts = hostvars(data)
    assert len(hosts) == 16, run.describe()
    assert all(host['ansible_host'] == host['nsight_ip'] for host in hosts.values())
    assert hosts['NW-DC01']['ansible_host'] == '10.10.1.10'
    assert not any('broken' in host for host in hosts.values())  # not strict: a bad expression is skipped
    assert members(data, 'offline') == {'RECEPTION-PC_1012', 'NW-WS-LAB', 'CL-WS-DRIVER'}
    assert members(data, 'lab') == {'NW-WS-LAB'}
    known = devices(emulator)
    for kind in ('server', 'workstation'):
        assert members(data, 'type_' + kind) == set(
            expected_hostname(device, known) for device in known.values() if device['type'] == kind)
    assert members(data, 'client_102') == members(data, 'nsight_client_Contoso_Logistics')
    assert len(members(data, 'client_102')) == 6

    # strict: true makes the same bad expression fail the source, and no host of it is added.
    strict = write_config(tmp_path / 'strict.nsight.yml', emulator, strict=True, compose={'broken': 'nsight_nope.bar'})
    failed = harness.run_inventory(ansible_runner, strict, '--list', extra_env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'})
    assert failed.rc != 0, failed.describe()
    assert "'nsight_nope' is undefined" in harness.flat(failed.stderr), failed.stderr
    assert 'NW-DC01' not in failed.stdout


def test_cache_jsonfile_second_run_makes_no_call(emulator, ansible_runner, tmp_path, assert_no_secrets):
    cache_dir = tmp_path / 'inventory-cache'
    config = write_config(tmp_path / 'cached.nsight.yml', emulator, cache=True, cache_plugin='ansible.builtin.jsonfile',
                          cache_connection=str(cache_dir), cache_timeout=3600, cache_prefix='msp_nsight')
    first = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    walked = len(emulator.calls())
    assert walked == 18
    second = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert len(emulator.calls()) == walked, 'the second run called the API: %s' % walk_calls(emulator)[walked:]
    assert hostvars(second) == hostvars(first)
    assert len(hostvars(second)) == 16
    assert members(second, 'nsight_client_Fabrikam_Legal') == members(first, 'nsight_client_Fabrikam_Legal')

    # The cache holds the device list, never the key.
    contents = harness.files_text(cache_dir)
    assert any('NW-DC01' in text for text in contents)
    assert_no_secrets(*contents)


def test_api_error_fails_the_whole_source(emulator, ansible_runner, tmp_path):
    config = write_config(tmp_path / 'estate.nsight.yml', emulator, retries=1)
    # Error 3 on list_sites: with unparsed sources failing, the command fails with the reason and lists no host.
    emulator.server.add_fault(api='nsight', service='list_sites', kind='error', code=3, count=0,
                              message='Login failed: invalid API key (or wrong regional server)')
    failed = harness.run_inventory(ansible_runner, config, '--list', extra_env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'})
    assert failed.rc != 0, failed.describe()
    message = harness.flat(failed.stderr)
    assert 'The N-sight inventory walk failed, so no host of this source was added' in message, failed.stderr
    assert 'refused list_sites with error 3' in message and 'Check api_key' in message, failed.stderr
    assert 'NW-DC01' not in failed.output
    services = [call['service'] for call in emulator.calls()]
    assert services[0] == 'list_clients' and 'list_sites' in services
    assert not set(services) - {'list_clients', 'list_sites'}  # nothing listed past the failure
    assert all(call['api_status'] == 'FAIL' for call in emulator.calls() if call['service'] == 'list_sites')
    assert services.count('list_sites') <= 3  # an <error> is not retried

    # HTTP 500 on list_sites until the retries run out: without that setting a warning carries the reason.
    emulator.reset()
    emulator.server.add_fault(api='nsight', service='list_sites', kind='status', status=500, count=0)
    warned = harness.run_inventory(ansible_runner, config, '--list')
    data = harness.inventory_listing(warned)
    assert hostvars(data) == {}
    message = harness.flat(warned.stderr)
    assert '[WARNING]' in warned.stderr
    assert 'The N-sight inventory walk failed, so no host of this source was added' in message, warned.stderr
    assert 'HTTP 500 to list_sites' in message, warned.stderr
    sites = [call for call in emulator.calls() if call['service'] == 'list_sites']
    assert all(call['status'] == 500 and call['fault'] == 'status' for call in sites)
    per_client = {}
    for call in sites:
        per_client[call['params']['clientid']] = per_client.get(call['params']['clientid'], 0) + 1
    assert max(per_client.values()) == 2, per_client  # the first attempt and one retry
    assert not [call for call in emulator.calls() if call['service'] in ('list_servers', 'list_workstations')]


def test_no_secret_at_vvvv(emulator, ansible_runner, tmp_path, assert_no_secrets):
    # The key in the source file (no NSIGHT_API_KEY), the server from NSIGHT_SERVER (no server option).
    keyed = tmp_path / 'keyed.nsight.yml'
    keyed.write_text(yaml.safe_dump({'plugin': 'msp.antivirus.nsight', 'api_key': emulator.nsight_api_key}))
    ok = harness.run_inventory(ansible_runner, keyed, '--list', '-vvvv', extra_env={'NSIGHT_API_KEY': None})
    ok.assert_rc(0)
    assert 'RECEPTION-PC_1011' in ok.stdout
    assert len(emulator.calls()) == 18 and all(call['api_status'] == 'OK' for call in emulator.calls())
    config = write_config(tmp_path / 'estate.nsight.yml', emulator, retries=0)
    # A walk that fails in the transport (the emulator hangs up): the message names the URL, redacted.
    emulator.server.add_fault(api='nsight', service='list_servers', kind='drop', count=0)
    dropped = harness.run_inventory(ansible_runner, config, '--list', '-vvvv')
    assert 'Connection closed without an answer' in harness.flat(dropped.output), dropped.describe()
    assert 'apikey=********' in harness.flat(dropped.output)
    assert_no_secrets(ok.stdout, ok.stderr, dropped.stdout, dropped.stderr)


def test_playbook_driven_by_the_inventory(emulator, ansible_runner, tmp_path, assert_no_secrets):
    """The maintenance_window role straight from the inventory: no device id kept by hand."""
    playbook = harness.ansible_executable('ansible-playbook')
    python = harness.controller_python()
    config = write_config(tmp_path / 'estate.nsight.yml', emulator, clients=['Northwind Dental'],
                          device_types=['server'],
                          compose={'ansible_host': 'nsight_ip', 'ansible_connection': "'local'",
                                   'ansible_python_interpreter': repr(str(python))})
    record_dir = tmp_path / 'patch-records'
    record_dir.mkdir()
    variables = {
        'maintenance_window_hosts': 'nsight_site_Northwind_Dental_Main_Office',
        'maintenance_window_patch_tasks': PATCH_TASKS,
        'patch_record_dir': str(record_dir),
        'patch_emulator_url': emulator.url,
    }
    run = ansible_runner.run_command([playbook, 'msp.antivirus.pause_patch_resume'], 'pause-patch-resume',
                                     extra_args=['-i', str(config), '-e', json.dumps(variables)])
    run.assert_rc(0)

    records = {}
    for name in os.listdir(str(record_dir)):
        with open(str(record_dir / name)) as record_file:
            records[name[:-len('.json')]] = json.load(record_file)
    # The site's servers, with the ids the inventory gave them.
    assert set(records) == {'NW-DC01', 'NW-FS01'}
    assert records['NW-DC01']['deviceid'] == 1001 and records['NW-FS01']['deviceid'] == 1002
    assert records['NW-DC01']['scan_state'] == 'paused' and records['NW-FS01']['scan_state'] == 'paused'

    calls = emulator.calls()
    services = [call['service'] for call in calls]
    walk = services[:services.index('mav_scan_pause')]
    assert sorted(walk) == sorted(service for service, _parameter in full_walk(clients=(101,), types=("server",)))
    actions = [(call['service'], call['params']['deviceid'], call['api_status']) for call in calls[len(walk):]]
    assert sorted(actions[:2]) == [('mav_scan_pause', '1001', 'OK'), ('mav_scan_pause', '1002', 'OK')]
    assert sorted(actions[2:]) == [('mav_scan_resume', '1001', 'OK'), ('mav_scan_resume', '1002', 'OK')]
    states = devices(emulator)
    assert states[1001]['scans'][0]['state'] == 'running' and states[1002]['scans'][0]['state'] == 'running'
    # One bulk pause for the batch, holding both hosts' devices.
    pause_step = "Check the batch, pause its MAV scans in one bulk task and record them"
    [pause] = [record for record in run.results if record['task'].endswith(pause_step)]
    assert sorted(item['deviceid'] for item in pause['result']['results']) == [1001, 1002]
    assert_no_secrets(run.stdout, run.stderr)


# ---- host names that collide, and server values that cannot work ------------------------------------------

# Devices added to the seed for the host name test: (id, name, type, siteid). 8001/8002 share "PC"; 8003 is
# named as 8001's first choice; 8005 differs from them only in case; 8007 becomes 8002's first choice once made
# safe; 8004 has no name; 8006 is named like the controller.
COLLIDING_DEVICES = [
    (8001, 'PC', 'workstation', 201),
    (8002, 'PC', 'server', 203),
    (8003, 'PC_8001', 'workstation', 206),
    (8004, '', 'workstation', 202),
    (8005, 'pc', 'workstation', 204),
    (8006, 'localhost', 'server', 207),
    (8007, 'PC 8002', 'workstation', 205),
]
COLLIDING_HOSTNAMES = {
    8001: 'PC_8001_2', 8002: 'PC_8002_2', 8003: 'PC_8001', 8004: 'device_8004', 8005: 'pc_8005',
    8006: 'localhost_8006', 8007: 'PC_8002', 1011: 'RECEPTION-PC_1011', 1012: 'RECEPTION-PC_1012',
}


def add_devices(emulator, rows):
    """Put devices into the in-process emulator's state, built as the seed builds its own."""
    state = emulator.server.state
    with state.lock:
        for deviceid, name, kind, siteid in rows:
            row = (deviceid, name, kind, siteid, 'Windows 11 Pro', '10.80.0.%d' % (deviceid % 250), 1, None, 'none')
            state.devices[deviceid] = seed_data.build_device(row, state.sites, seed_data.utc_now())


def test_colliding_names_make_one_host_per_device(emulator, ansible_runner, tmp_path):
    add_devices(emulator, COLLIDING_DEVICES)
    config = write_config(tmp_path / 'estate.nsight.yml', emulator)
    hosts = hostvars(harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list')))
    known = devices(emulator)
    assert len(known) == 23
    # Every device exactly once: as many hosts as devices, each device id on one host.
    assert len(hosts) == 23, sorted(hosts)
    assert sorted(host['nsight_deviceid'] for host in hosts.values()) == sorted(known)
    names = dict((host['nsight_deviceid'], name) for name, host in hosts.items())
    for deviceid, name in COLLIDING_HOSTNAMES.items():
        assert names[deviceid] == name, (deviceid, names[deviceid])
    for deviceid, device in known.items():
        if deviceid not in COLLIDING_HOSTNAMES:
            assert names[deviceid] == device['name']  # unique names are kept
    assert hosts['PC_8001_2']['nsight_name'] == 'PC' and hosts['PC_8001_2']['nsight_site'] == 'Main Office'
    assert hosts['PC_8002']['nsight_name'] == 'PC 8002'
    assert hosts['device_8004']['nsight_name'] is None
    assert len(set(name.lower() for name in hosts)) == 23

    # Beside a source that has the real localhost, the device named localhost stays a host of its own.
    local = tmp_path / 'local.ini'
    local.write_text('localhost ansible_connection=local marker=controller\n')
    both = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list', '-i', str(local)))
    assert hostvars(both)['localhost'] == {'ansible_connection': 'local', 'marker': 'controller'}
    assert hostvars(both)['localhost_8006']['nsight_deviceid'] == 8006
    assert len(hostvars(both)) == 24


@pytest.mark.parametrize('server, problem', [
    ('127.0.0.1:99999', 'Port out of range'),
    ('http://127.0.0.1:99999', 'Port out of range'),
    ('127.0.0.1:abc', "'abc'"),
    ('[::1', 'IPv6'),
    ('a..b', "'a..b' is not a host name"),
    ('my host', 'space'),
])
def test_malformed_server_fails_with_what_to_fix(emulator, ansible_runner, tmp_path, server, problem):
    config = write_config(tmp_path / 'bad.nsight.yml', emulator, server=server)
    failed = harness.run_inventory(ansible_runner, config, '--list', extra_env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'})
    assert failed.rc != 0, failed.describe()
    message = harness.flat(failed.stderr)
    assert 'The N-sight inventory source cannot be used, so no host of it was added: server' in message, failed.stderr
    assert server in message and problem in message, failed.stderr
    assert 'give a value such as www.systemmonitor.us' in message, failed.stderr
    assert 'listing row' not in message and 'Traceback' not in failed.output, failed.stderr
    assert emulator.calls() == []  # refused before any request


def test_key_in_the_server_value_is_not_shown(emulator, ansible_runner, tmp_path, assert_no_secrets):
    server = '%s/api/?apikey=%s' % (emulator.url, emulator.nsight_api_key)
    config = write_config(tmp_path / 'keyed-url.nsight.yml', emulator, server=server)
    failed = harness.run_inventory(ansible_runner, config, '--list', '-vvvv',
                                   extra_env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'})
    assert failed.rc != 0, failed.describe()
    message = harness.flat(failed.stderr)
    assert 'The N-sight inventory source cannot be used' in message and 'apikey=********' in message, failed.stderr
    assert emulator.calls() == []
    assert_no_secrets(failed.stdout, failed.stderr)


# ---- the client walk and mav_only ------------------------------------------------------------

def test_client_walk_hosts_and_calls(emulator, ansible_runner, tmp_path, assert_no_secrets):
    config = write_config(tmp_path / 'clients.nsight.yml', emulator, walk='clients')
    data, run = verbose_listing(ansible_runner, config, tmp_path)
    hosts = hostvars(data)
    known = devices(emulator)
    assert len(hosts) == 16, sorted(hosts)
    for deviceid, device in known.items():
        facts = seed_data.client_listing_facts(device)
        host = hosts[expected_hostname(device, known)]
        assert host == {
            'nsight_deviceid': deviceid,
            'nsight_name': device['name'],
            'nsight_device_type': device['type'],
            'nsight_client': device['client'],
            'nsight_clientid': device['clientid'],
            'nsight_site': device['site'],
            'nsight_siteid': device['siteid'],
            'nsight_username': facts['username'],
            'nsight_description': facts['description'],
            'nsight_status': facts['status'],
            'nsight_checkcount': facts['checkcount'],
            'nsight_mav': facts['mav'] == 1,
            'nsight_patch': facts['patch'] == 1,
            'nsight_takecontrol': facts['takecontrol'] == 1,
            'nsight_mob': facts['mob'] == 1,
            'nsight_systray': facts['systray'] == 1,
            'nsight_mavbreck': facts['mavbreck'] == 1,
        }, (deviceid, host)
    assert hosts['FB-WS-SCANNER']['nsight_mav'] is False
    # The same groups as the site walk.
    assert members(data, 'nsight_site_Northwind_Dental_Main_Office') == {'NW-DC01', 'NW-FS01', 'RECEPTION-PC_1011'}
    assert len(members(data, 'nsight_client_Contoso_Logistics')) == 6
    # 1 + C x T calls, all answered OK.
    assert sorted(walk_calls(emulator), key=str) == client_walk()
    assert all(call['api_status'] == 'OK' for call in emulator.calls())
    assert 'the clients walk cost 7 N-sight call(s)' in harness.flat(run.stdout + run.stderr)
    assert_no_secrets(run.stdout, run.stderr)


def test_client_walk_filters_sites_and_device_types(emulator, ansible_runner, tmp_path):
    config = write_config(tmp_path / 'clients.nsight.yml', emulator, walk='clients', sites=['Head Office', '207'])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert sorted(hostvars(data)) == ['CL-SQL01', 'CL-WEB01', 'FB-ARCHIVE01', 'FB-WS-SCANNER', 'RECEPTION-PC']
    assert set(host['nsight_siteid'] for host in hostvars(data).values()) == {203, 207}
    # The site filter costs no call: every client's listing is asked, its other sites skipped.
    assert sorted(walk_calls(emulator), key=str) == client_walk()

    clear_calls(emulator)
    servers = write_config(tmp_path / 'servers.nsight.yml', emulator, walk='clients', clients=['northwind dental'],
                           device_types=['server'])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, servers, '--list'))
    assert sorted(hostvars(data)) == ['NW-APP01', 'NW-DC01', 'NW-FS01']
    assert sorted(walk_calls(emulator), key=str) == client_walk(clients=(101,), types=('server',))


def test_mav_only_in_the_client_walk(emulator, ansible_runner, tmp_path):
    config = write_config(tmp_path / 'mav.nsight.yml', emulator, walk='clients', mav_only=True)
    data, run = verbose_listing(ansible_runner, config, tmp_path)
    hosts = hostvars(data)
    assert len(hosts) == 15 and 'FB-WS-SCANNER' not in hosts
    assert all(host['nsight_mav'] is True for host in hosts.values())
    assert sorted(walk_calls(emulator), key=str) == client_walk()  # no extra call
    assert 'the clients mav_only walk cost 7 N-sight call(s)' in harness.flat(run.stdout + run.stderr)


def test_mav_only_in_the_site_walk(emulator, ansible_runner, tmp_path):
    config = write_config(tmp_path / 'mav.nsight.yml', emulator, mav_only=True)
    run = harness.run_inventory(ansible_runner, config, '--list')
    hosts = hostvars(harness.inventory_listing(run))
    assert len(hosts) == 15 and 'FB-WS-SCANNER' not in hosts
    assert all(host['nsight_mav'] is True for host in hosts.values())
    assert hosts['NW-DC01']['nsight_ip'] == '10.10.1.10'  # the site walk's variables stay
    # The site walk, then list_devices_at_client per client and device type for the flags.
    assert sorted(walk_calls(emulator), key=str) == sorted(full_walk() + client_walk()[1:], key=str)
    assert '[WARNING]' not in run.stderr

    # Fabrikam Legal's workstations alone: one site listing and one flag listing, and no host.
    clear_calls(emulator)
    scanner = write_config(tmp_path / 'scanner.nsight.yml', emulator, mav_only=True, sites=['207'],
                           device_types=['workstation'])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, scanner, '--list'))
    assert hostvars(data) == {}
    assert sorted(walk_calls(emulator), key=str) == sorted([
        ('list_clients', None), ('list_sites', '101'), ('list_sites', '102'), ('list_sites', '103'),
        ('list_workstations', '207'), ('list_devices_at_client', '103', 'workstation')], key=str)


def test_groups_on_nsight_mav_in_the_client_walk(emulator, ansible_runner, tmp_path):
    config = write_config(tmp_path / 'groups.nsight.yml', emulator, walk='clients',
                          groups={'no_mav': 'not nsight_mav'},
                          keyed_groups=[{'key': 'nsight_mav | string', 'prefix': 'mav'}])
    data = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert members(data, 'no_mav') == members(data, 'mav_False') == {'FB-WS-SCANNER'}
    assert len(members(data, 'mav_True')) == 15


def test_client_walk_cache(emulator, ansible_runner, tmp_path, assert_no_secrets):
    cache_dir = tmp_path / 'inventory-cache'
    cache = {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(cache_dir),
             'cache_timeout': 3600}
    config = write_config(tmp_path / 'cached.nsight.yml', emulator, walk='clients', **cache)
    first = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert len(emulator.calls()) == 7
    second = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert len(emulator.calls()) == 7, 'the second run called the API: %s' % walk_calls(emulator)[7:]
    assert hostvars(second) == hostvars(first)
    assert hostvars(second)['NW-DC01']['nsight_checkcount'] == seed_data.client_listing_facts(
        devices(emulator)[1001])['checkcount']

    # The same file switched to the site walk is not answered from the client walk's cache.
    write_config(config, emulator, **cache)
    sites = harness.inventory_listing(harness.run_inventory(ansible_runner, config, '--list'))
    assert len(emulator.calls()) == 7 + 18
    assert hostvars(sites)['NW-DC01']['nsight_ip'] == '10.10.1.10'
    contents = harness.files_text(cache_dir)
    assert len(contents) == 2
    assert_no_secrets(*contents)


def test_progress_on_stderr_while_the_walk_waits_for_the_budget(emulator, ansible_runner, tmp_path):
    """rate_limit 6: the client walk's seventh call waits about a minute, so the 30 s line comes, on stderr only.
    No line for a walk that does not wait: every other test of this file."""
    config = write_config(tmp_path / 'paced.nsight.yml', emulator, walk='clients')
    run = harness.run_inventory(ansible_runner, config, '--list', extra_env={'NSIGHT_RATE_LIMIT': '6'})
    data = harness.inventory_listing(run)  # stdout is the JSON alone
    assert len(hostvars(data)) == 16
    lines = [line for line in run.stderr.splitlines() if 'waiting for the N-sight call budget' in line]
    assert 1 <= len(lines) <= 2, run.stderr  # at 30 s, and at 60 s if the wait lasts that long
    for line in lines:
        assert re.match(r'^msp\.antivirus\.nsight: waiting for the N-sight call budget \(6 calls a minute\): '
                        r'clients [0-3]/3 done, \d+ devices so far, about \d+ s of calls left\.$', line), line
    assert len(emulator.calls()) == 7
