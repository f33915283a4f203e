# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's credentials: the one place they are defined."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections

NSIGHT_API_KEY = "emu-nsight-key-5f2c9a7e"
WFBSS_ACCESS_TOKEN = "0c8d7e2a-3b1f-4a6e-9d55-7f0e4b2c1a90"
WFBSS_SECRET_KEY = "emu-wfbss-secret-8b3d1e6f"

Credentials = collections.namedtuple("Credentials", ["nsight_api_key", "wfbss_access_token", "wfbss_secret_key"])

DEFAULT_CREDENTIALS = Credentials(NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY)
