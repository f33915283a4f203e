# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's main() in-process with given arguments, on ansible-core 2.17 to 2.21.

ansible-core 2.19+ offers ``ansible.module_utils.testing.patch_module_args``;
older cores read ``ansible.module_utils.basic._ANSIBLE_ARGS``. The module's real
exit_json / fail_json run, so the JSON it prints (no_log filtering included) is
what the test sees.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.msp.antivirus.plugins.module_utils.arguments import nsight_client_args
from ansible_collections.msp.antivirus.plugins.module_utils.nsight import NsightClient

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        args = dict(args or {})
        args.setdefault("_ansible_remote_tmp", "/tmp")
        args.setdefault("_ansible_keep_remote_files", False)
        with mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))):
            yield


class ModuleResult:
    def __init__(self, rc, result, stdout):
        self.rc = rc
        self.result = result
        self.stdout = stdout

    @property
    def failed(self):
        return bool(self.result.get("failed"))

    def __getitem__(self, key):
        return self.result[key]

    def get(self, key, default=None):
        return self.result.get(key, default)

    def __repr__(self):
        return "ModuleResult(rc={0}, {1})".format(self.rc, self.result)


def run_module(main, args, capsys, check_mode=False):
    """Run ``main()`` with ``args``; return the parsed result and the raw stdout."""
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    capsys.readouterr()
    rc = None
    with patch_module_args(args):
        try:
            main()
        except SystemExit as exc:
            rc = exc.code
        else:
            raise AssertionError("the module returned without exit_json or fail_json")
    stdout = capsys.readouterr().out
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines, "the module printed nothing"
    return ModuleResult(rc, json.loads(lines[-1]), stdout)


def ansible_module(build_module, args, check_mode=False):
    """The AnsibleModule that a module's ``build_module()`` makes of ``args``, to call its ``run(module, client)``.

    ``args`` must pass the argument spec: a spec error would end in fail_json (SystemExit).
    """
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args):
        return build_module()


def module_runner(main, defaults, secrets, capsys):
    """A ``runner(check_mode=False, **args)`` of ``main()`` with ``defaults``; no secret may reach stdout."""
    def runner(check_mode=False, **args):
        for name, value in defaults.items():
            args.setdefault(name, value)
        result = run_module(main, args, capsys, check_mode=check_mode)
        for secret in secrets:
            assert secret not in result.stdout
        return result
    return runner


def nsight_module_runner(main, server, api_key, capsys):
    """A ``runner(check_mode=False, **args)`` for an N-sight module against ``server``; the key must never leave."""
    return module_runner(main, dict(server=server, api_key=api_key, retries=0), [api_key], capsys)


def nsight_run_runner(module, server, api_key):
    """A ``runner(check_mode=False, **args)`` that calls an N-sight module's ``run(module, client)`` itself, with
    a real NsightClient against ``server`` built from the options and closed after; the key must never be in the
    result. Typed errors that ``run`` raises reach the caller."""
    def runner(check_mode=False, **args):
        args.setdefault("server", server)
        args.setdefault("api_key", api_key)
        args.setdefault("retries", 0)
        ansible = ansible_module(module.build_module, args, check_mode=check_mode)
        client = NsightClient(**nsight_client_args(ansible.params))
        try:
            result = module.run(ansible, client)
        finally:
            client.close()
        assert api_key not in json.dumps(result)
        return result
    return runner
