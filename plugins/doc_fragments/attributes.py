# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Attributes every module of the collection shares; each module adds check_mode.
    DOCUMENTATION = r"""
attributes:
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

    NSIGHT = r"""
attributes:
  action_group:
    description: Use C(group/msp.antivirus.nsight) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - msp.antivirus.nsight
"""

    WFBSS = r"""
attributes:
  action_group:
    description: Use C(group/msp.antivirus.wfbss) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - msp.antivirus.wfbss
"""
