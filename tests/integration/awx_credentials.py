# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's AWX credential types (playbooks/vars/awx_credential_types.yml) and their injectors
rendered as AWX renders them, for test_awx_credential_types.py and test_awx_runner.py.

AWX (awx/main/models/credential) renders each env injector with a Jinja2 ImmutableSandboxedEnvironment
and the credential's inputs as the context; an optional input left empty is not in that context and renders
as ''. Here every input is in the context ('' when left empty) and StrictUndefined is on, which gives the
same environment and also fails on an injector that names no input.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

import harness

TYPES_FILE = os.path.join(harness.REPO, 'playbooks', 'vars', 'awx_credential_types.yml')
NSIGHT = 'N-sight RMM API'
WFBSS = 'Trend Micro WFBSS SMPI'
# Every variable a credential may inject, and the harness's own pointers at the emulator: all unset, so
# that the run sees only what the rendered credential gives. NSIGHT_BUDGET_DIR stays (the run's own folder,
# not $HOME): it is no credential input, AWX sets it for every job (see the design's call budget).
CREDENTIAL_VARIABLES = ('NSIGHT_SERVER', 'NSIGHT_API_KEY', 'NSIGHT_RATE_LIMIT', 'NSIGHT_VALIDATE_CERTS',
                        'NSIGHT_USER_AGENT', 'WFBSS_URL', 'WFBSS_ACCESS_TOKEN', 'WFBSS_SECRET_KEY',
                        'WFBSS_API_VERSION', 'WFBSS_VALIDATE_CERTS', 'WFBSS_USER_AGENT')


class UnsafeLoader(yaml.SafeLoader):
    """YAML with Ansible's !unsafe read as the plain string it marks."""


UnsafeLoader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))


def credential_types():
    with open(TYPES_FILE) as types_file:
        return dict((item['name'], item) for item in yaml.load(types_file, Loader=UnsafeLoader)['awx_credential_types'])


def render_env(name, **inputs):
    """The environment AWX gives a job or inventory update that uses a credential of type ``name``."""
    credential_type = credential_types()[name]
    fields = [field['id'] for field in credential_type['inputs']['fields']]
    unknown = set(inputs) - set(fields)
    assert not unknown, 'not inputs of %s: %s' % (name, unknown)
    missing = [field for field in credential_type['inputs'].get('required', []) if not inputs.get(field)]
    assert not missing, 'AWX refuses a %s credential without %s' % (name, missing)
    namespace = dict((field, inputs.get(field, '')) for field in fields)
    sandbox = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    return dict((variable, sandbox.from_string(template).render(**namespace))
                for variable, template in credential_type['injectors']['env'].items())


def only(*envs):
    """extra_env for the harness: every credential variable unset, then the rendered credentials."""
    extra_env = dict((name, None) for name in CREDENTIAL_VARIABLES)
    for env in envs:
        extra_env.update(env)
    return extra_env


def nsight_env(emulator, rate_limit=''):
    return render_env(NSIGHT, server=emulator.url, api_key=emulator.nsight_api_key, rate_limit=rate_limit)


def wfbss_env(emulator, url=None):
    return render_env(WFBSS, url=emulator.url if url is None else url, access_token=emulator.wfbss_access_token,
                      secret_key=emulator.wfbss_secret_key)
