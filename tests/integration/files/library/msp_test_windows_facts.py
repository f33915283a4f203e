# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only facts module: the host says it is Windows, though it is reached over a local connection.

A host with the variable ``ansible_facts_modules: [msp_test_windows_facts]`` gathers these facts instead of
setup's, so the playbook's own fact gathering makes ``ansible_facts['os_family']`` read ``Windows``.
Loaded through ANSIBLE_LIBRARY=tests/integration/files/library.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts={'ansible_os_family': 'Windows', 'ansible_system': 'Win32NT'})


if __name__ == '__main__':
    main()
