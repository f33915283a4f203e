# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # WFBSS connection options (module_utils/arguments.py WFBSS_CONNECTION_ARGS).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - The SMPI URL that Trend Micro Remote Manager shows when it generates the key pair, as a host or a URL with
        scheme. A trailing C(/SMPI) is accepted (V(https://cspi-stg.trendmicro.com/SMPI)).
      - The path C(/SMPI/{api_version}/service/wfbss/api/) is added. Only C(https) is accepted, and plain C(http) to a
        loopback address (a local emulator). A user name or password in the URL is refused.
      - If not set, the value of the E(WFBSS_URL) environment variable is used.
    type: str
    default: https://cspi.trendmicro.com
  access_token:
    description:
      - The access token (a GUID) of the key pair, sent in the C(x-access-token) header.
      - Whitespace around it is dropped; one that still holds a control or non-ASCII character is refused without
        being shown. The same holds for O(secret_key).
      - If not set, the value of the E(WFBSS_ACCESS_TOKEN) environment variable is used.
    type: str
    required: true
  secret_key:
    description:
      - The secret key of the key pair. It signs every request (HMAC-SHA256) and is never sent.
      - If not set, the value of the E(WFBSS_SECRET_KEY) environment variable is used.
    type: str
    required: true
  api_version:
    description:
      - The API version in the request path, written with a dot.
      - If not set, the value of the E(WFBSS_API_VERSION) environment variable is used.
    type: str
    default: v2.8
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Set to V(false) only for a host you trust.
      - If not set, the value of the E(WFBSS_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  user_agent:
    description:
      - The C(User-Agent) header of every request; when not set or empty, C(msp.antivirus/<version> (Ansible
        collection)).
      - If not set, the value of the E(WFBSS_USER_AGENT) environment variable is used.
    type: str
notes:
  - Every request is signed with the controller's clock; WFBSS refuses a request more than 15 minutes from its own
    time, so keep the controller's clock synchronised (NTP).
"""
