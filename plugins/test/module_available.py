# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: module_available
short_description: Whether the controller can find a module
version_added: 1.0.0
description:
  - Tells whether a task naming the module would find it, looking where Ansible itself looks when it runs the
    task (the installed collections, the collections next to the playbook, ansible-core's own modules, the
    configured module paths, and the redirects of C(meta/runtime.yml)).
  - Runs on the controller, like every test; it asks nothing of the managed host.
  - Lets a play refuse a host, with a message that says what to install, before it starts work that a missing
    module would break half way, for example the C(msp.antivirus.maintenance_window) role checks that
    C(ansible.windows.win_updates) is there before it pauses a Windows host's antivirus scan.
author:
  - msp.antivirus contributors (@msp)
options:
  _input:
    description:
      - The module's name, best fully qualified (C(ansible.windows.win_updates)); a short name (C(ping)) is
        looked for as Ansible would for a task outside any C(collections) keyword.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse to go on without ansible.windows
  ansible.builtin.assert:
    that: "'ansible.windows.win_updates' is msp.antivirus.module_available"
    fail_msg: "Install the ansible.windows collection: ansible-galaxy collection install ansible.windows"

- name: The modules of a list that this controller lacks
  ansible.builtin.debug:
    msg: "{{ ['ansible.builtin.ping', 'community.general.ufw'] | reject('msp.antivirus.module_available') | list }}"
"""

RETURN = r"""
_value:
  description: V(true) when the module is found, V(false) when it is not (or when the name cannot be a module's).
  type: bool
"""

from ansible.errors import AnsibleError
from ansible.plugins.loader import module_loader


def module_available(name):
    """True when a task could run the module ``name`` (a fully qualified or a short name)."""
    if not isinstance(name, str) or not name.strip():
        return False
    try:
        return bool(module_loader.find_plugin_with_context(name.strip()).resolved)
    except AnsibleError:
        # A name that a collection routes to a removed module, or that is not a valid plugin name.
        return False


class TestModule(object):
    """Jinja tests: module_available."""

    def tests(self):
        return {"module_available": module_available}
