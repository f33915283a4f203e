# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the emulator sends back, independent of the HTTP server that sends it."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


class Reply:
    """An HTTP answer; `drop` means close the socket without answering at all."""

    def __init__(self, status, body=b"", content_type=JSON_TYPE, headers=None, api_status=None, drop=False):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.api_status = api_status  # N-sight's OK/FAIL, kept for the call log
        self.drop = drop


def json_reply(status, payload, headers=None):
    return Reply(status, json.dumps(payload, indent=1), JSON_TYPE, headers)


def xml_reply(body, api_status):
    """N-sight answers everything, failures included, with HTTP 200."""
    return Reply(200, body, XML_TYPE, api_status=api_status)


def html_reply(status, title):
    body = "<html><head><title>%d %s</title></head><body><h1>%s</h1></body></html>\n" % (status, title, title)
    return Reply(status, body, HTML_TYPE)


def forbidden_reply():
    """What the N-sight dashboard's firewall was observed to answer for a wrong path."""
    return html_reply(403, "Forbidden")


def dropped_reply():
    return Reply(None, drop=True)
