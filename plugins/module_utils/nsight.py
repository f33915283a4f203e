# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client for the N-sight RMM Data Extraction API.

Every call is ``GET https://SERVER/api/?apikey=KEY&service=NAME&...`` answering
an XML ``<result status="OK|FAIL">`` envelope. The key rides in the query
string, so the HTTP layer is given a redactor for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlunsplit
from xml.parsers.expat import ExpatError

from ansible_collections.msp.antivirus.plugins.module_utils.errors import (
    HttpStatusError,
    InvalidOptionError,
    MspAntivirusError,
    NsightApiError,
    ResponseParseError,
)
from ansible_collections.msp.antivirus.plugins.module_utils import http_client
from ansible_collections.msp.antivirus.plugins.module_utils.call_budget import (
    HAS_REDIS,
    CallBudget,
    budget_url_password,
)

try:
    import xmltodict
except ImportError:
    HAS_XMLTODICT = False
else:
    HAS_XMLTODICT = True

# N-able's own client: "N-sight enforces max 60 calls/minute" per API key.
DEFAULT_RATE_LIMIT = 60

# What to do next for each documented (or observed) error code.
ERROR_CODE_HINTS = {
    "3": "Check api_key, and that server is the regional N-sight server of the account that "
         "owns the key (for example www.systemmonitor.us for the US, wwweurope1.systemmonitor.eu.com for Europe).",
    "4": "Check that the device id is the serverid or workstationid of an existing device "
         "(list_servers / list_workstations show them).",
    "5": "The request lacked a parameter the service requires; this is a bug in "
         "msp.antivirus when the module sent the request, please report it.",
}


def missing_libraries(params=None):
    """The libraries this client needs and the controller lacks; redis only for a budget_url in ``params``."""
    missing = http_client.missing_libraries() + ([] if HAS_XMLTODICT else ["xmltodict"])
    if params and (params.get("budget_url") or "").strip() and not HAS_REDIS:
        missing.append("redis")
    return missing


def normalise_server(server):
    """The API base URL for ``server``: a host gets https://, a URL keeps its scheme, /api/ is added."""
    if not (server or "").strip():
        raise InvalidOptionError("server is empty: give the N-sight API host of your region, for example "
                                 "www.systemmonitor.us, or set NSIGHT_SERVER.")
    scheme, netloc, path = http_client.split_base_url(server, "server", "www.systemmonitor.us")
    if not path.endswith("/api"):
        path += "/api"
    return urlunsplit((scheme, netloc, path + "/", "", ""))


def as_list(value):
    """xmltodict gives one child as a dict and several as a list; an empty element as None."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


class NsightReply:
    """An OK or FAIL envelope. ``msg`` is the action message (redacted, shortened), ``result`` the whole
    parsed element; ``after_lost_answer``: an earlier attempt may have acted without its answer arriving."""

    def __init__(self, service, status, msg, result, after_lost_answer=False):
        self.service = service
        self.status = status
        self.msg = msg
        self.result = result
        self.after_lost_answer = after_lost_answer

    @property
    def ok(self):
        return self.status == "OK"


class NsightClient:
    def __init__(self, server, api_key, timeout=30, retries=3, validate_certs=True, rate_limit=DEFAULT_RATE_LIMIT,
                 user_agent=http_client.USER_AGENT, budget_url=None):
        api_key = http_client.clean_secret(api_key, "api_key", "the N-sight API key (Settings > General Settings > "
                                                               "API Key in the dashboard), or set NSIGHT_API_KEY")
        self.base_url = normalise_server(server)
        self._api_key = api_key
        # rate_limit=0 turns pacing off (a local emulator).
        # budget_url: the budget kept in a Redis that other controllers share (call_budget.RedisWindow).
        self.budget = CallBudget(rate_limit, self.base_url, api_key, budget_url, timeout) if rate_limit else None
        self.transport = http_client.HttpClient(
            "N-sight", "server", timeout=timeout, retries=retries, validate_certs=validate_certs,
            redactor=http_client.Redactor(secrets=[api_key, budget_url_password(budget_url)], query_keys=["apikey"]),
            user_agent=user_agent,
            pace=self.budget.call if self.budget else None)
        self.redact = self.transport.redact

    @property
    def call_count(self):
        """The N-sight calls sent so far, retries included."""
        return self.transport.attempts

    @property
    def warnings(self):
        """Every retry, and the waits for the call budget that were long enough to notice."""
        return self.transport.warnings + (self.budget.warnings() if self.budget else [])

    def call(self, service, **params):
        """Call ``service``; return an NsightReply for OK and FAIL, raise for ``<error>`` and transport failures."""
        query = {"apikey": self._api_key, "service": service}
        query.update((key, value) for key, value in params.items() if value is not None)
        response = self.transport.request("GET", self.base_url, params=query, label=service)
        url = self.redact(response.url)
        try:
            if response.status_code != 200:
                raise self._status_error(service, response, url)
            return self._parse(service, response, url)
        except MspAntivirusError as error:
            # An earlier attempt's answer was lost, and this one says nothing of it: that attempt may have acted.
            error.outcome_unknown = response.after_lost_answer
            raise

    def _status_error(self, service, response, url):
        status = response.status_code
        if status == 403:
            hint = ("check that server is the API host of your N-sight region (the path /api/ is added for you), "
                    "and that no web application firewall blocks this controller")
        elif status == 429 or status >= 500:
            hint = http_client.RETRIES_EXHAUSTED_HINT
        else:
            hint = "check the server option"
        return HttpStatusError(
            "N-sight answered HTTP {0} to {1} ({2}): {3}. Body: {4}".format(
                status, service, url, hint, http_client.excerpt(response.text, self.redact)),
            http_status=status, url=url)

    def _parse(self, service, response, url):
        # The bytes, not response.text: the XML prolog, not a charset-less header, names the encoding.
        body = response.content
        text = body.decode("utf-8", "replace")
        problem = None
        if b"<!ENTITY" in body:
            # Refused whatever the xmltodict version (older ones drop entities silently): no billion laughs, no XXE.
            problem = "entity declarations are refused"
        else:
            try:
                document = xmltodict.parse(body, disable_entities=True)
            except (ExpatError, ValueError) as exc:
                problem = http_client.excerpt(exc, self.redact)
        if problem is not None:
            raise ResponseParseError(
                "N-sight answered {0} with a body that is not acceptable XML ({1}). Check that server is the "
                "N-sight API host. Body: {2}".format(service, problem, http_client.excerpt(text, self.redact)),
                url=url)
        result = document.get("result") if isinstance(document, dict) else None
        if not isinstance(result, dict) or result.get("@status") not in ("OK", "FAIL"):
            raise ResponseParseError(
                "N-sight answered {0} without the documented <result status=\"OK|FAIL\"> envelope. Check that "
                "server is the N-sight API host. Body: {1}".format(service, http_client.excerpt(text, self.redact)),
                url=url)
        if result.get("error") is not None:
            raise self._api_error(service, result["error"], url)
        msg = http_client.excerpt(result.get("msg") if isinstance(result.get("msg"), str) else "", self.redact)
        return NsightReply(service, result["@status"], msg, result, response.after_lost_answer)

    def _api_error(self, service, error, url):
        error = error if isinstance(error, dict) else {"message": error}
        code = str(error.get("errorcode") or "").strip()
        message = str(error.get("message") or "").strip()
        hint = ERROR_CODE_HINTS.get(code, "check the options of this task")
        return NsightApiError(
            "N-sight refused {0} with error {1} ({2}). {3}".format(
                service, code or "?", http_client.excerpt(message, self.redact), hint),
            api_code=int(code) if code.isdigit() else None, api_status="FAIL", url=url)

    def require_ok(self, reply):
        """For reading services a FAIL is always an error."""
        if not reply.ok:
            raise NsightApiError(
                "N-sight answered FAIL to {0}: {1}".format(reply.service, reply.msg or "(no message)"),
                api_status="FAIL")
        return reply

    def rows(self, service, container, row, **params):
        """Call a listing service and return its rows as a list of dicts."""
        reply = self.require_ok(self.call(service, **params))
        holder = reply.result.get(container)
        if holder is None:
            return []
        if not isinstance(holder, dict):
            raise ResponseParseError("N-sight answered {0} with an unexpected <{1}> element: {2}".format(
                service, container, http_client.excerpt(str(holder), self.redact)))
        return [item for item in as_list(holder.get(row)) if isinstance(item, dict)]

    def describe(self, service):
        """The service's own description (``describe=true``), which performs no action."""
        reply = self.require_ok(self.call(service, describe="true"))
        description = reply.result.get("service")
        if not isinstance(description, dict):
            raise ResponseParseError("N-sight answered {0} describe=true without a <service> element.".format(service))
        parameters = description.get("parameters")
        parameters = as_list(parameters.get("parameter")) if isinstance(parameters, dict) else []
        return dict(description, parameters=parameters)

    def list_mav_scans(self, deviceid, details="NO", engine_version=None):
        return self.rows("list_mav_scans", "items", "scan", deviceid=deviceid, details=details, v=engine_version)

    def any_rows(self, service, container="items", **params):
        """Call a listing service whose row element is not documented and return every child element of
        ``<container>``, whatever its name, as the service gave it: a dict for a row with fields, and
        ``{name: text}`` for a row that holds only text. Rows of one name keep their order."""
        reply = self.require_ok(self.call(service, **params))
        holder = reply.result.get(container)
        if holder is None or (isinstance(holder, str) and not holder.strip()):
            return []
        if not isinstance(holder, dict):
            raise ResponseParseError("N-sight answered {0} with an unexpected <{1}> element: {2}".format(
                service, container, http_client.excerpt(str(holder), self.redact)))
        found = []
        for name, value in holder.items():
            if name.startswith(("@", "#")):
                continue  # attributes and stray text of the container, not rows
            for item in as_list(value):
                found.append(item if isinstance(item, dict) else {name: item})
        return found

    def list_mav_threats(self, deviceid, engine_version=None):
        """list_mav_threats rows (fields undocumented), raw."""
        return self.any_rows("list_mav_threats", deviceid=deviceid, v=engine_version)

    def list_mav_quarantine(self, deviceid, items="CURRENT", engine_version=None):
        """list_mav_quarantine rows (fields undocumented), raw; ``items`` is CURRENT, PREVIOUS or ALL."""
        return self.any_rows("list_mav_quarantine", deviceid=deviceid, items=items, v=engine_version)

    def close(self):
        self.transport.close()
