# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only stand-in for awx.awx.credential_type: no controller, a JSON file instead.

Takes the options of the real module (name, description, kind, inputs, injectors, state, and the
controller connection from CONTROLLER_HOST / CONTROLLER_OAUTH_TOKEN as awx.awx reads them), appends
each call's arguments to the JSON-lines file MSP_TEST_AWX_CALLS, and keeps the credential types in the
JSON file MSP_TEST_AWX_STATE: a type is changed when it is new or any of its fields differ, as the real
module compares them with the controller's record.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

FIELDS = ('description', 'kind', 'inputs', 'injectors')


def load(path):
    if not os.path.exists(path):
        return {}
    with open(path) as state_file:
        return json.load(state_file)


def main():
    module = AnsibleModule(argument_spec=dict(
        name=dict(required=True),
        description=dict(),
        kind=dict(choices=['ssh', 'vault', 'net', 'scm', 'cloud', 'insights']),
        inputs=dict(type='dict'),
        injectors=dict(type='dict'),
        state=dict(choices=['present', 'absent'], default='present'),
        controller_host=dict(fallback=(env_fallback, ['CONTROLLER_HOST', 'TOWER_HOST'])),
        controller_oauthtoken=dict(no_log=True, fallback=(env_fallback, ['CONTROLLER_OAUTH_TOKEN', 'TOWER_OAUTH_TOKEN'])),
    ), supports_check_mode=True)
    params = module.params
    with open(os.environ['MSP_TEST_AWX_CALLS'], 'a') as calls:
        calls.write(json.dumps(dict(params, controller_oauthtoken=bool(params['controller_oauthtoken']))) + '\n')
    if not params['controller_host']:
        module.fail_json(msg='No controller: set CONTROLLER_HOST (the stand-in asks for it as awx.awx does).')
    state_path = os.environ['MSP_TEST_AWX_STATE']
    types = load(state_path)
    old = types.get(params['name'])
    if params['state'] == 'absent':
        changed = types.pop(params['name'], None) is not None
    else:
        new = dict(old or {}, **dict((field, params[field]) for field in FIELDS if params[field]))
        changed = new != old
        types[params['name']] = new
    if changed and not module.check_mode:
        with open(state_path, 'w') as state_file:
            json.dump(types, state_file, indent=2, sort_keys=True)
    module.exit_json(changed=changed, name=params['name'])


if __name__ == '__main__':
    main()
