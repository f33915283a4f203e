# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Request behaviour shared by both APIs (module_utils/arguments.py COMMON_CONNECTION_ARGS).
    DOCUMENTATION = r"""
options:
  timeout:
    description:
      - Seconds to wait for each HTTP request before it counts as failed.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after a connection error, a timeout, HTTP 429 or an HTTP 5xx answer.
      - Retries wait with exponential backoff and jitter (about 1, 2, 4... seconds), never less than the
        service's C(Retry-After) header and never more than 60 seconds.
      - V(0) sends each request once.
    type: int
    default: 3
"""
