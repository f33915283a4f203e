# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client for the Trend Micro WFBSS service-management API (SMPI).

Every request carries an access token and an HMAC-SHA256 signature over the
posix time, the method and the exact request URI, so each attempt (retries
included) is signed afresh from the request as it is about to be sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from urllib.parse import urlunsplit

from ansible_collections.msp.antivirus.plugins.module_utils import http_client
from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    InvalidOptionError,
    ResponseParseError,
    WfbssApiError,
)

DEFAULT_URL = "https://cspi.trendmicro.com"
RESET_TYPES = ("counter", "livestatus")
SCAN_TYPES = ("start", "stop")
# The nine events a livestatus reset knows, as documented for commands/reset.
RESET_EVENTS = (
    "virus_incidents", "spyware_incidents", "wtp_incidents", "urlfilter_incidents", "behavior_monitoring_incidents",
    "network_virus_incidents", "virus_unsuccessful", "spyware_unsuccessful", "device_control_incidents",
)
# A command takes at least one and at most this many customer ids.
MAX_CIDS_PER_COMMAND = 10
# The largest page every listing serves (customers, customers/computers, customers/livestatus, components).
PAGE_LIMIT = 100
# components takes one customer, and "The number of ccids must less than 100. ccids beyond that will be ignored."
MAX_CCIDS_PER_CALL = 99
# The documented values of the fields and extra_fields of components.
COMPONENT_FIELDS = (
    "aa", "ip_addr", "platform", "arch", "components", "version", "scan_mode", "ss_service", "pop3_scan",
    "virus_detected", "spyware_detected", "spam_detected", "urlfilter_violated", "type", "status", "phone_number",
    "mac_addr", "last_connect_time", "sched_start_time", "sched_complete_time", "manual_start_time",
    "manual_complete_time",
)
COMPONENT_EXTRA_FIELDS = ("group_name", "label", "out_of_date")
API_VERSION_PATTERN = re.compile(r"v[0-9]+\.[0-9]+")
# A listing longer than this many pages (100 rows each) is taken as a server that ignores paging.
MAX_PAGES = 1000
# The service refuses a request whose x-posix-time is further than this from its clock.
CLOCK_SKEW_LIMIT = "15 minutes"

# What a 401 means, by error subject: which credential to check.
AUTH_HINTS = {
    "AuthenticationFailureAccessToken": "check access_token (the access token of the key pair from Trend Micro Remote Manager)",
    "InvalidHeaderAccessToken": "check access_token (the access token of the key pair from Trend Micro Remote Manager)",
    "AuthenticationFailureSignature": "check secret_key (the secret key that belongs to access_token)",
    "AuthenticationFailurePosixTime": "check the controller's clock: WFBSS refuses a request more than {0} "
                                      "from its own time (run NTP)".format(CLOCK_SKEW_LIMIT),
}
AUTH_DEFAULT_HINT = ("check access_token, secret_key, and the controller's clock (WFBSS refuses a request more than "
                     "{0} from its own time)".format(CLOCK_SKEW_LIMIT))


def normalise_url(url, api_version):
    """The API base, ``https://HOST[/prefix]/SMPI/{version}/service/wfbss/api/``, from a host or URL."""
    if not API_VERSION_PATTERN.fullmatch(api_version or ""):
        raise InvalidOptionError("api_version {0!r} is not a version such as v2.8 (a 'v', then major.minor)."
                                 .format(api_version))
    scheme, netloc, path = http_client.split_base_url(url or DEFAULT_URL, "url", DEFAULT_URL)
    # The SMPI URL shown in Remote Manager may end in /SMPI already; accept both forms.
    if path.upper().endswith("/SMPI"):
        path = path[:-len("/SMPI")]
    path = "{0}/SMPI/{1}/service/wfbss/api/".format(path, api_version)
    return urlunsplit((scheme, netloc, path, "", ""))


def batches(items, size=MAX_CIDS_PER_COMMAND):
    """Consecutive slices of at most ``size`` items."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def signature(secret_key, posix_time, method, request_uri, body=b""):
    """base64(HMAC-SHA256(secret_key, posix_time + METHOD + request_uri [+ base64(md5(body))]))."""
    message = "{0}{1}{2}".format(posix_time, method.upper(), request_uri)
    if body:
        message += base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
    digest = hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class WfbssClient:
    def __init__(self, url, access_token, secret_key, api_version="v2.8", timeout=30, retries=3,
                 validate_certs=True, user_agent=http_client.USER_AGENT):
        access_token, secret_key = (
            http_client.clean_secret(value, name, "the {0} of the key pair that Trend Micro Remote Manager generated, "
                                                  "or set WFBSS_{1}".format(name, name.upper()))
            for name, value in (("access_token", access_token), ("secret_key", secret_key)))
        self.base_url = normalise_url(url, api_version)
        self._access_token = access_token
        self._secret_key = secret_key
        self.transport = http_client.HttpClient(
            "WFBSS", "url", timeout=timeout, retries=retries, validate_certs=validate_certs,
            redactor=http_client.Redactor(secrets=[access_token, secret_key]), user_agent=user_agent)
        self.redact = self.transport.redact
        self.warnings = self.transport.warnings

    def _sign(self, prepared):
        """Headers for this very attempt: a fresh time, trace id and signature over the URI as sent."""
        posix_time = str(int(time.time()))
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        prepared.headers.update({
            "x-access-token": self._access_token,
            "x-posix-time": posix_time,
            "x-signature": signature(self._secret_key, posix_time, prepared.method, prepared.path_url, body),
            "x-traceid": str(uuid.uuid4()),
            "content-type": "application/json; charset=utf-8",
        })

    def request(self, method, path, params=None):
        """Send a signed request to ``path`` (relative to the API base) and return its JSON answer."""
        response = self.transport.request(method, self.base_url + path, params=params, sign=self._sign,
                                          label="{0} {1}".format(method, path))
        url = self.redact(response.url)
        if response.status_code != 200:
            raise self._api_error(method, path, response, url)
        try:
            return response.json()
        except ValueError:
            raise ResponseParseError(
                "WFBSS answered {0} {1} with a body that is not JSON. Check that url is the SMPI URL that Trend Micro "
                "Remote Manager shows. Body: {2}".format(method, path, http_client.excerpt(response.text, self.redact)), url=url)

    def _api_error(self, method, path, response, url):
        status = response.status_code
        # Error bodies are JSON even when labelled text/html; some clients see ``message`` instead.
        try:
            body = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        subject = http_client.excerpt(body.get("error_subject"), self.redact)
        detail = http_client.excerpt(body.get("error_message") or body.get("message") or response.text, self.redact)
        if status == 401:
            hint = AUTH_HINTS.get(subject, AUTH_DEFAULT_HINT)
        elif status == 404:
            hint = "check url and api_version (the path is /SMPI/{version}/service/wfbss/api/)"
        elif status == 400:
            hint = "check the values of the task's options"
        elif status == 415:
            hint = "the request's content type was refused; this is a bug in msp.antivirus, please report it"
        elif status == 429 or status >= 500:
            hint = http_client.RETRIES_EXHAUSTED_HINT
        else:
            hint = "check url, access_token and secret_key"
        return WfbssApiError(
            "WFBSS answered HTTP {0}{1} to {2} {3}: {4}. Next: {5}.".format(
                status, " " + subject if subject else "", method, path, detail, hint),
            http_status=status, error_subject=subject or None, url=url)

    def reset(self, reset_type, cids, events=None):
        """POST commands/reset for at most 10 cids; returns the task ``{"id", "status"}`` it answers."""
        params = {"type": reset_type, "cids": ",".join(cids)}
        if events:
            params["events"] = ",".join(events)
        return self._task("commands/reset", self.request("POST", "commands/reset", params=params))

    def scan(self, scan_type, cids, gids=None):
        """POST commands/scan (type start or stop) for at most 10 cids, optionally only groups ``gids``;
        returns the task ``{"id", "status"}`` it answers."""
        params = {"type": scan_type, "cids": ",".join(cids)}
        if gids:
            params["gids"] = ",".join(gids)
        return self._task("commands/scan", self.request("POST", "commands/scan", params=params))

    def update(self, cids, gids=None):
        """POST commands/update for at most 10 cids, optionally only groups ``gids``; returns its task."""
        params = {"cids": ",".join(cids)}
        if gids:
            params["gids"] = ",".join(gids)
        return self._task("commands/update", self.request("POST", "commands/update", params=params))

    def customer_groups(self, cids):
        """GET customers/groups for at most 10 cids: the documented ``customers[]`` entries, each with its
        ``groups[]`` ``{id, name, type}``, as the service gave them (shape checked, values not)."""
        answer = self.request("GET", "customers/groups", params={"cids": ",".join(cids)})
        customers = answer.get("customers") if isinstance(answer, dict) else None
        if not isinstance(customers, list) or not all(
                isinstance(customer, dict) and isinstance(customer.get("groups", []), list) for customer in customers):
            raise ResponseParseError("WFBSS answered customers/groups without the documented customers[].groups[] "
                                     "list: {0}".format(http_client.excerpt(json.dumps(answer), self.redact)))
        return customers

    def _task(self, path, answer):
        """The documented ``{"task": {"id", "status"}}`` answer of a command, its shape checked."""
        task = answer.get("task") if isinstance(answer, dict) else None
        task_id = task.get("id") if isinstance(task, dict) else None
        status = task.get("status") if isinstance(task, dict) else None
        if not isinstance(task_id, str) or not task_id.strip() or not isinstance(status, (str, type(None))):
            raise ResponseParseError("WFBSS answered {0} without the documented task {{id, status}} (a string id): "
                                     "{1}. The command may have been accepted; check the customers in the console "
                                     "before sending it again.".format(
                                         path, http_client.excerpt(json.dumps(answer), self.redact)))
        return {"id": http_client.excerpt(task["id"], self.redact), "status": task.get("status")}

    def customers(self, keyword=None):
        """Every customer whose name holds ``keyword`` (all when None), every page followed."""
        params = {"q": keyword} if keyword else {}
        return [row for answer in self._pages("customers", params, "customers", len) for row in answer["customers"]]

    def computers(self, cids):
        """GET customers/computers for at most 10 cids, every page followed: the documented ``customers[]``
        entries (``id``, ``eid``, ``total``, ``computers[]``), one per customer, as the service gave them.

        The pages count devices, so one customer's computers may span two pages: its entries are merged."""
        return self._computer_pages("customers/computers", {"cids": ",".join(cids)})

    def livestatus(self, cids, begin_time=None):
        """GET customers/livestatus for at most 10 cids (only the live status updated after ``begin_time``, Unix
        seconds, when given), every page followed: the documented ``customers[]`` entries (``id``,
        ``livestatus``) as the service gave them."""
        params = {"cids": ",".join(cids)}
        if begin_time is not None:
            params["begin_time"] = begin_time
        answers = self._pages("customers/livestatus", params, "customers", len)
        return [customer for answer in answers for customer in answer["customers"]]

    def components(self, cid, ccids=None, fields=None, extra_fields=None):
        """GET components for one customer (only the devices ``ccids``, at most 99, when given), every page
        followed: the device rows as the service gave them.

        The published page stops before its answer: this reads it as its sibling customers/computers is
        documented, ``customers[]`` entries holding ``computers[]`` rows (docs/api/wfbss.md, "Assumptions"), and
        refuses any other shape rather than guess."""
        params = {"cids": cid}
        for name, values in (("ccids", ccids), ("fields", fields), ("extra_fields", extra_fields)):
            if values:
                params[name] = ",".join(values)
        return [row for customer in self._computer_pages("components", params) for row in customer["computers"]]

    def _computer_pages(self, path, params):
        """The ``customers[]`` entries of every page of a listing of devices (``customers[].computers[]``, paged
        by device), one per customer, its computers joined across pages."""
        answers = self._pages(path, params, "devices",
                              lambda customers: sum(len(customer["computers"]) for customer in customers),
                              rows_key="computers")
        return merged_customers(answers, "computers")

    def _pages(self, path, params, row_name, count_rows, rows_key=None):
        """The answers of GET ``path`` for pages 1, 2... until the listing ends, each checked for the documented
        ``paging`` and ``customers[]`` (whose entries hold a ``rows_key`` list, when given).

        A listing ends at the documented paging.total, or at a short or empty page (in case total is missing or
        wrong). A server that ignores ``page`` would be followed for ever: a page that repeats the one before, or
        more than MAX_PAGES pages, stops the listing with an error.
        """
        answers, counted, previous = [], 0, None
        for page in range(1, MAX_PAGES + 1):
            answer = self.request("GET", path, params=dict(params, page=page, limit=PAGE_LIMIT))
            customers = self._checked_page(path, answer, rows_key)
            if customers and customers == previous:
                raise ResponseParseError(
                    "WFBSS answered page {0} of {1} with the same {2} as page {3}: the server ignores paging, so the "
                    "listing cannot be completed. Check that url is the SMPI URL that Trend Micro Remote Manager "
                    "shows, or narrow the listing.".format(page, path, row_name, page - 1))
            answers.append(answer)
            rows = count_rows(customers)
            counted += rows
            total = answer["paging"].get("total")
            page_size = answer["paging"].get("limit") if isinstance(answer["paging"].get("limit"), int) else PAGE_LIMIT
            if not rows or rows < page_size or (isinstance(total, int) and counted >= total):
                return answers
            previous = customers
        raise ResponseParseError(
            "WFBSS listed more than {0} pages of {1} without reaching the end, so the listing was stopped. Narrow "
            "it, or check that url is the SMPI URL that Trend Micro Remote Manager shows.".format(MAX_PAGES, path))

    def _checked_page(self, path, answer, rows_key):
        """The ``customers`` list of one page, or a ResponseParseError naming the shape that was expected."""
        customers = answer.get("customers") if isinstance(answer, dict) else None
        paging = answer.get("paging") if isinstance(answer, dict) else None
        shaped = isinstance(customers, list) and isinstance(paging, dict) and all(isinstance(entry, dict) for entry in customers)
        if shaped and rows_key:
            shaped = all(isinstance(entry.get(rows_key), list) and all(isinstance(row, dict) for row in entry[rows_key])
                         for entry in customers)
        if not shaped:
            expected = "paging and customers[]" + ("." + rows_key + "[]" if rows_key else "")
            raise ResponseParseError("WFBSS answered {0} without the expected {1}: {2}".format(
                path, expected, http_client.excerpt(json.dumps(answer), self.redact)))
        return customers

    def close(self):
        self.transport.close()


def merged_customers(answers, rows_key):
    """The ``customers[]`` entries of every page, one per customer id (in order of first appearance), the
    ``rows_key`` lists of a customer that spans pages joined."""
    merged = {}
    for answer in answers:
        for entry in answer["customers"]:
            key = str(entry.get("id", "")).upper()
            if key in merged:
                merged[key][rows_key] = merged[key][rows_key] + entry[rows_key]
            else:
                merged[key] = dict(entry)
    return list(merged.values())
