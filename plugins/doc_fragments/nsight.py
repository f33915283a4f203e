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
  rate_limit:
    description:
      - The most N-sight calls a minute, counted over any rolling 60 seconds for this O(server) and O(api_key)
        across every thread and process of the controller's user that uses them (the threads of a bulk task, the
        forks of a play, tasks running at once, the inventory plugin, two playbook runs). Retries and check-mode
        reads count.
      - N-sight enforces at most 60 calls a minute per API key (N-able's own client says so); how it answers a call
        over that is not documented, so the collection never relies on being throttled. Lower it when other tools
        use the same key.
      - V(0) turns pacing off, for a local emulator.
      - The shared state is kept in C(~/.ansible/msp.antivirus/), or the folder that E(NSIGHT_BUDGET_DIR) names,
        in files readable by that user only, named by a hash of server and key (never the key).
      - If not set, the value of the E(NSIGHT_RATE_LIMIT) environment variable is used; an empty value counts as
        not set.
    type: int
    default: 60
  budget_url:
    description:
      - A Redis that keeps the call budget of O(rate_limit) for every process on every machine that uses this
        O(server) and O(api_key), where no folder is shared (AWX container groups with a pod per job, execution nodes,
        sliced jobs, several controllers). C(redis://[:PASSWORD@]HOST[:PORT][/DB]), or C(rediss://) for TLS.
      - The Redis holds a sorted set of call times under C(msp.antivirus:nsight-budget:<hash of server and key>), never
        the key; the times are the Redis server's clock. Needs the Python library C(redis) (redis-py) on the
        controller, and a Redis 5 or newer.
      - When the Redis cannot be used (unreachable, slow past O(timeout), a wrong password, restarted mid-run), the
        task goes on with the local budget of this controller (E(NSIGHT_BUDGET_DIR)) and warns that the budget is no
        longer shared; it never waits longer than O(timeout) for Redis.
      - A password in it is a secret, never shown.
      - When not set or empty, the budget is kept in a folder of this controller, as O(rate_limit) says.
      - If not set, the value of the E(NSIGHT_BUDGET_URL) environment variable is used; an empty value counts as
        not set.
    type: str
  user_agent:
    description:
      - The C(User-Agent) header of every request. The N-sight dashboards sit behind a web application firewall that
        may block agents it does not know; set what your N-able contact recommends.
      - When not set or empty, C(msp.antivirus/<version> (Ansible collection)).
      - If not set, the value of the E(NSIGHT_USER_AGENT) environment variable is used.
    type: str
"""
