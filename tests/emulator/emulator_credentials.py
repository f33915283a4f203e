# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's credentials: the one place they are defined."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import collections

# Each holds characters that URL encoding changes ("+", "/", "=", "%"; the secret key a space too, which
# quote and quote_plus encode differently): a leak in encoded form then looks different from no leak.
# N-sight reads apikey from the decoded query string ("+" arrives as %2B, since requests encodes it);
# WFBSS reads the token from a header and never receives the secret key, only signatures made with it.
NSIGHT_API_KEY = "emu+nsight/key=5f2c%9a7e"
WFBSS_ACCESS_TOKEN = "0c8d7e2a-3b1f+4a6e/9d55=7f0e%4b2c1a90"
WFBSS_SECRET_KEY = "emu wfbss+secret/8b3d=1e6f%"

Credentials = collections.namedtuple("Credentials", ["nsight_api_key", "wfbss_access_token", "wfbss_secret_key"])

DEFAULT_CREDENTIALS = Credentials(NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY)
