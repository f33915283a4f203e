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
      - Seconds that each HTTP request may take in all, from sending it to the last byte of its answer, before it
        counts as failed (and is retried, see O(retries)). A server that sends its answer slowly cannot stretch it.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after a connection error, a timeout, HTTP 429 or an HTTP 5xx answer.
      - Retries wait with exponential backoff and jitter (about 1, 2, 4... seconds), never less than the
        service's C(Retry-After) header and never more than 60 seconds.
      - V(0) sends each request once; at most V(10).
      - A request that may have been carried out although its answer was lost (a timeout, or a connection lost after
        sending) is sent again only when it is a read or an N-sight action (the modules then read the device's scan
        to tell what happened); a WFBSS command (a C(POST)) is never sent twice.
    type: int
    default: 3
notes:
  - Redirects are never followed, so that no credential goes to another host; a redirect fails the task and names
    the redirect's (redacted) target.
  - Answers larger than 16 MiB (after decompression) are refused; no real answer of either API comes near that.
"""
