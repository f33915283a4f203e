# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the emulator sends back, independent of the HTTP server that sends it."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


class Reply:
    """An HTTP answer, its body whole in memory.

    `drop` means close the socket without answering at all, after `drop_delay` seconds.
    A `content_type` of None sends no Content-Type header (an empty redirect).
    """

    def __init__(self, status, body=b"", content_type=JSON_TYPE, headers=None, api_status=None, drop=False, drop_delay=0):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.api_status = api_status  # N-sight's OK/FAIL, kept for the call log
        self.drop = drop
        self.drop_delay = drop_delay

    def content_length(self):
        """The Content-Length to announce; None sends the body with Transfer-Encoding: chunked."""
        return len(self.body)

    def body_chunks(self):
        """The body as the pieces to write, in order."""
        return (self.body,)


class StreamedReply(Reply):
    """An answer whose body is made piece by piece while it is sent, never whole in memory.

    `chunks` is an iterable of bytes (it may sleep between pieces, or never end); `length` is the
    Content-Length to announce, or None to send the body chunked.
    """

    def __init__(self, status, chunks, length, content_type, headers=None, api_status=None):
        super(StreamedReply, self).__init__(status, b"", content_type, headers, api_status)
        self.chunks = chunks
        self.length = length

    def content_length(self):
        return self.length

    def body_chunks(self):
        return self.chunks


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


def too_many_requests_reply(retry_after):
    """The emulator's answer to an N-sight call over the limit (a guess: the real answer is not documented)."""
    reply = html_reply(429, "Too Many Requests")
    reply.headers["Retry-After"] = str(retry_after)
    return reply


def dropped_reply(delay=0, api_status=None):
    """No answer at all: the connection is closed after `delay` seconds."""
    return Reply(None, api_status=api_status, drop=True, drop_delay=delay)
