# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local emulator of the N-sight and WFBSS APIs (see README.md).

The modules import each other by plain name: put this directory on sys.path
(server.py does that itself) and ``from server import Emulator``.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type
