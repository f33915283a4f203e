# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""N-sight envelopes as the vendor documents them, and a tiny N-sight router
for the local test server (just enough for the MAV services)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.msp.antivirus.tests.unit.helpers.local_http import Reply

# Holds "+", "/", "=" and "%", which URL encoding changes: a leak in encoded form cannot pass for no leak.
API_KEY = "unit-Key+7d41/c0ffee=9a2b%"
HEAD = '<?xml version="1.0" ?>\n'
CREATED = 'created="2024-08-25T15:54:05" host="SERVER"'


def ok_xml(msg=None):
    inner = "<msg />" if msg is None else "<msg>{0}</msg>".format(msg)
    return HEAD + '<result {0} status="OK">\n  {1}\n</result>'.format(CREATED, inner)


def fail_xml(msg):
    return HEAD + '<result {0} status="FAIL">\n  <msg>{1}</msg>\n</result>'.format(CREATED, msg)


def error_xml(code, message):
    return HEAD + ('<result {0} status="FAIL"><error><errorcode>{1}</errorcode><message>{2}</message></error>'
                   '</result>').format(CREATED, code, message)


def scans_xml(statuses, cdata=False):
    rows = []
    for index, status in enumerate(statuses):
        value = "<![CDATA[{0}]]>".format(status) if cdata else status
        rows.append("<scan><type>quick</type><status>{0}</status><start>2024-08-25 1{1}:00:00</start></scan>"
                    .format(value, index))
    return HEAD + '<result {0} status="OK"><items>{1}</items></result>'.format(CREATED, "".join(rows))


def describe_xml(service, parameters=("deviceid", "describe")):
    params = "".join(
        "<parameter><name>{0}</name><type>integer</type><default>0</default><values/>"
        "<description>The {0}.</description><required>yes</required></parameter>".format(name)
        for name in parameters)
    return HEAD + ('<result {0} status="OK"><service><name>{1}</name>'
                   '<url>https://SERVER/api/?apikey=yourAPIkey&amp;service={1}</url>'
                   '<description><![CDATA[Pause a Managed Antivirus scan on the specified device]]></description>'
                   '<parameters>{2}</parameters><example>x</example></service></result>').format(CREATED, service, params)


class FakeNsight:
    """Devices: ``{deviceid: (engine, [newest status first...])}``; engine is "bitdefender" or "vipre".

    ``actions[(service, deviceid)]`` is the body an action service answers (default: OK).
    """

    def __init__(self, api_key=API_KEY, devices=None, actions=None):
        self.api_key = api_key
        self.devices = dict(devices or {})
        self.actions = dict(actions or {})

    def __call__(self, request):
        if request.path != "/api/":
            return Reply(403, "<html><body>403 Forbidden</body></html>", content_type="text/html")
        if request.param("apikey") != self.api_key:
            return Reply(body=error_xml(3, "Login failed"))
        service = request.param("service")
        if request.param("describe") == "true":
            return Reply(body=describe_xml(service))
        deviceid = request.param("deviceid")
        if deviceid is None:
            return Reply(body=error_xml(5, "Missing parameter: deviceid"))
        if not deviceid.isdigit() or int(deviceid) not in self.devices:
            return Reply(body=error_xml(4, "Invalid value for parameter: deviceid"))
        deviceid = int(deviceid)
        if service == "list_mav_scans":
            engine, statuses = self.devices[deviceid]
            wanted = "vipre" if request.param("v") == "1" else "bitdefender"
            return Reply(body=scans_xml(statuses if engine == wanted else []))
        return Reply(body=self.actions.get((service, deviceid), ok_xml()))
