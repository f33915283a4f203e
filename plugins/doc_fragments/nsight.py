# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # N-sight connection options (module_utils/arguments.py NSIGHT_CONNECTION_ARGS).
    DOCUMENTATION = r"""
options:
  server:
    description:
      - The N-sight API server of the account's region, as a host (V(www.systemmonitor.us)) or a base URL with
        scheme (V(https://www.systemmonitor.us), or V(http://127.0.0.1:8080) for a local emulator).
      - The path C(/api/) is added. Only C(https) is accepted, and plain C(http) to a loopback address (a local
        emulator), since the API key travels in the URL. A user name or password in the URL is refused.
      - "Regional hosts: Americas V(www.am.remote.management), Asia V(wwwasia.system-monitor.com), Australia
        V(www.system-monitor.com), Europe V(wwweurope1.systemmonitor.eu.com), France V(wwwfrance.systemmonitor.eu.com),
        France1 V(wwwfrance1.systemmonitor.eu.com), Germany V(wwwgermany1.systemmonitor.eu.com), Ireland
        V(wwwireland.systemmonitor.eu.com), Poland V(wwwpoland1.systemmonitor.eu.com), UK V(www.systemmonitor.co.uk),
        US V(www.systemmonitor.us)."
      - If not set, the value of the E(NSIGHT_SERVER) environment variable is used.
    type: str
    required: true
  api_key:
    description:
      - The N-sight Data Extraction API key. Whitespace around it (a line break from a YAML block scalar) is dropped;
        a key that still holds a control or non-ASCII character is refused without being shown.
      - The key travels in the query string of every request; the collection redacts it from every URL,
        message and result.
      - If not set, the value of the E(NSIGHT_API_KEY) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Set to V(false) only for a host you trust.
      - If not set, the value of the E(NSIGHT_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
"""
