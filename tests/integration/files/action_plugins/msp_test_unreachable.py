# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only action: the host becomes unreachable, as when the connection drops during patching.

Used by tests/integration/files/lose_connection_patch.yml, loaded through ANSIBLE_ACTION_PLUGINS.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        super(ActionModule, self).run(tmp, task_vars)
        return {'unreachable': True, 'changed': False,
                'msg': 'Emulated lost connection: the host stopped answering during the patch work'}
