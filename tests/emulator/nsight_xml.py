# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building blocks of N-sight XML answers, shaped like the vendor pages' examples."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
from xml.sax.saxutils import escape, quoteattr

XML_DECLARATION = '<?xml version="1.0" ?>\n'
ENVELOPE_TAIL = "</result>\n"


def created_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def cdata(text):
    # "]]>" cannot appear inside one CDATA section: split it across two.
    return "<![CDATA[%s]]>" % str(text).replace("]]>", "]]]]><![CDATA[>")


def element(name, value):
    if value is None or value == "":
        return "<%s />" % name
    return "<%s>%s</%s>" % (name, escape(str(value)), name)


def cdata_element(name, value):
    return "<%s>%s</%s>" % (name, cdata(value), name)


def container(name, children):
    inner = "".join(children)
    return "<%s>%s</%s>" % (name, inner, name) if inner else "<%s />" % name


def envelope_head(host, status, doctype=""):
    """The start of an answer, up to and including the opening <result> tag."""
    opening = "<result created=%s host=%s status=%s>" % (quoteattr(created_now()), quoteattr(host), quoteattr(status))
    return XML_DECLARATION + doctype + opening


def envelope(host, status, inner, doctype=""):
    return envelope_head(host, status, doctype) + inner + ENVELOPE_TAIL


def action_ok():
    return "<msg />"


def action_failure(reason):
    return element("msg", reason)


def error(code, message):
    return "<error>%s%s</error>" % (element("errorcode", code), element("message", message))
