# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration-test harness: the API emulator, real ansible-playbook / ansible runs, secret checks.

conftest.py turns these into fixtures (emulator, run_playbook, run_adhoc, assert_no_secrets);
tests may also import from here directly (``from harness import assert_no_secrets``).

Every run writes, inside its own directory, an ansible log (ANSIBLE_LOG_PATH) and a jsonfile fact
cache beside the results file; ``run.files_text()`` gives all of it to ``assert_no_secrets``.

Beside ``playbook()`` and ``adhoc()``, the AnsibleRunner (fixture ``ansible_runner``) runs any other command the
same way with ``run_command()`` (a playbook of the collection, ``ansible-inventory`` ...), and ``workdir_and_env()``
gives a fresh run directory and its environment to a test that starts a command itself (e.g. to kill it midway).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import itertools
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import quote, quote_plus

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EMULATOR_DIR = os.path.join(REPO, 'tests', 'emulator')
CALLBACK_DIR = os.path.join(HERE, 'callback_plugins')
CALLBACK_NAME = 'msp_test_results'
# ansible finds the checkout as msp.antivirus through this link (the Makefile makes the same one).
COLLECTIONS_PATH = os.path.join(REPO, '.venv', 'collections')
COLLECTION_LINK = os.path.join(COLLECTIONS_PATH, 'ansible_collections', 'msp', 'antivirus')

if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

from emulator_credentials import NSIGHT_API_KEY, WFBSS_ACCESS_TOKEN, WFBSS_SECRET_KEY  # noqa: E402  pylint: disable=wrong-import-position

SECRETS = {
    'N-sight API key': NSIGHT_API_KEY,
    'WFBSS access token': WFBSS_ACCESS_TOKEN,
    'WFBSS secret key': WFBSS_SECRET_KEY,
}


# ---- secrets ------------------------------------------------------------------------

def secret_forms(secret):
    """(name, text) of every form a secret may leak in: literal, and URL-encoded as a query value
    (``quote`` with nothing safe, as requests sends it), as a path (``quote``, "/" kept) and as a form
    (``quote_plus``, a space as "+"). The emulator's secrets differ in each form (emulator_credentials.py)."""
    forms = [('literal', secret)]
    for name, encoded in (('URL-encoded', quote(secret, safe='')), ('path-encoded', quote(secret)),
                          ('form-encoded', quote_plus(secret))):
        if encoded not in [text for _form, text in forms]:
            forms.append((name, encoded))
    return forms


def assert_no_secrets(*texts):
    """Fail if any emulator credential appears, in any form of ``secret_forms``, in the given texts
    (str, bytes, or anything JSON can dump: results, ``run.files_text()``...)."""
    for number, text in enumerate(texts):
        if isinstance(text, bytes):
            text = text.decode('utf-8', 'replace')
        elif not isinstance(text, str):
            text = json.dumps(text, default=str)
        for label, secret in SECRETS.items():
            for form, leaked in secret_forms(secret):
                where = text.find(leaked)
                if where >= 0:
                    excerpt = text[max(0, where - 80):where + len(leaked) + 40].replace(
                        leaked, '<%s, %s>' % (label.upper(), form))
                    raise AssertionError('the %s leaked (%s) into text #%d, near: ...%s...'
                                         % (label, form, number, excerpt))


# ---- task results ---------------------------------------------------------------------

def assert_no_traceback(run, *results):
    assert "Traceback" not in run.output, run.describe()
    for result in results:
        assert "Traceback" not in str(result.get("msg", ""))
        assert "module_stderr" not in result, result
        assert "Traceback" not in str(result.get("exception", "")), result


def failed_result(run, name, *fragments):
    """The result of a task that must have failed with a message holding every fragment, without a traceback."""
    record = run.task(name)
    result = record["result"]
    assert record["status"] == "failed", record
    for fragment in fragments:
        assert fragment in result["msg"], "%r not in %r" % (fragment, result["msg"])
    assert_no_traceback(run, result)
    return result


# ---- emulator -------------------------------------------------------------------------

class EmulatorControlError(Exception):
    """A /_emulator/ control call answered an HTTP error."""


def start_emulator():
    """Start the emulator in this process on a free loopback port; the caller stops it."""
    from server import Emulator  # pylint: disable=import-error,import-outside-toplevel
    return Emulator(port=0).start()


class EmulatorHandle:
    """What a test sees of the emulator: its URL, its control API, its credentials.

    ``server`` is the in-process Emulator object itself (``server.set_scan(...)``,
    ``server.add_fault(...)``, ``server.device(id)`` ...) for what HTTP control does not cover.
    """

    nsight_api_key = NSIGHT_API_KEY
    wfbss_access_token = WFBSS_ACCESS_TOKEN
    wfbss_secret_key = WFBSS_SECRET_KEY

    def __init__(self, server):
        self.server = server

    @property
    def url(self):
        return self.server.url

    def env(self):
        """The environment variables that point every module at this emulator."""
        return {
            'NSIGHT_SERVER': self.url,
            'NSIGHT_API_KEY': self.nsight_api_key,
            'WFBSS_URL': self.url,
            'WFBSS_ACCESS_TOKEN': self.wfbss_access_token,
            'WFBSS_SECRET_KEY': self.wfbss_secret_key,
        }

    def control(self, method, path, body=None):
        """Call /_emulator/<path> with an optional JSON body; return the decoded JSON answer."""
        path = path.lstrip('/')
        if not path.startswith('_emulator'):
            path = '_emulator/' + path
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = urllib.request.Request('%s/%s' % (self.url, path), data=data, method=method.upper(),
                                         headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                payload = answer.read()
        except urllib.error.HTTPError as failure:
            raise EmulatorControlError('%s /%s answered HTTP %d: %s'
                                       % (method.upper(), path, failure.code, failure.read().decode('utf-8', 'replace')))
        return json.loads(payload.decode('utf-8')) if payload else None

    def calls(self):
        """The emulator's call log (GET /_emulator/calls): one dict per API request, never a credential."""
        return self.control('GET', 'calls')

    def services(self, api=None):
        """The services called so far, in order, optionally only those of one API ('nsight' or 'wfbss')."""
        return [call['service'] for call in self.calls() if api is None or call['api'] == api]

    def reset(self):
        """Fresh state: seed devices and customers, no calls, no faults."""
        return self.control('POST', 'reset')


# ---- ansible runs ------------------------------------------------------------------------

def ensure_collection_link():
    """Make .venv/collections/ansible_collections/msp/antivirus point at the checkout."""
    if os.path.islink(COLLECTION_LINK) or os.path.isdir(COLLECTION_LINK):
        return COLLECTIONS_PATH
    os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
    try:
        os.symlink(os.path.join('..', '..', '..', '..'), COLLECTION_LINK)
    except FileExistsError:  # made meanwhile by another test process
        pass
    return COLLECTIONS_PATH


def ansible_executable(name):
    """ansible-playbook / ansible of the virtualenv running the tests, else the first on PATH."""
    found = shutil.which(name, path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get('PATH', '')]))
    if not found:
        raise RuntimeError('%s is not installed next to %s nor on PATH' % (name, sys.executable))
    return found


class AnsibleRun:
    """One finished ansible-playbook or ansible run.

    ``results`` holds one dict per task result, in order: ``task`` (name), ``action``,
    ``host``, ``status`` (ok, changed, failed, skipped, unreachable), ``ignore_errors``
    and ``result`` (the module's result dict, as callbacks see it).

    ``log_path`` is the ansible log, ``fact_cache`` the jsonfile fact cache directory; ``files()``
    and ``files_text()`` hold what the run wrote (the inputs the harness wrote are left out).
    """

    def __init__(self, command, rc, stdout, stderr, results, workdir, log_path=None, fact_cache=None):
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.results = results
        self.workdir = workdir
        self.log_path = log_path
        self.fact_cache = fact_cache

    def files(self, without=()):
        """{path: text} of every file the run wrote: everything in its directory but the harness's inputs
        (RUN_INPUTS), and the log and fact cache wherever extra_env put them. ``without`` leaves out paths
        that start with one of its entries (relative to the run directory, such as FACT_CACHE_DIR)."""
        skipped = [os.path.join(self.workdir, name) for name in RUN_INPUTS]
        skipped += [os.path.join(self.workdir, name) for name in without]
        places = [self.workdir] + [place for place in (self.log_path, self.fact_cache)
                                   if place and not is_inside(place, self.workdir)]
        found = {}
        for place in places:
            paths = [place] if os.path.isfile(place) else [
                os.path.join(root, name) for root, _dirs, names in os.walk(place) for name in names]
            for path in sorted(paths):
                if any(path == skip or is_inside(path, skip) for skip in skipped):
                    continue
                with open(path, 'rb') as written:
                    found[path] = written.read().decode('utf-8', 'replace')
        return found

    def files_text(self, without=()):
        """The text of ``files()``, each file under a header line naming it: pass it to assert_no_secrets."""
        return ''.join('=== %s ===\n%s\n' % (os.path.relpath(path, self.workdir), text)
                       for path, text in self.files(without).items())

    def log_text(self):
        with open(self.log_path) as log_file:
            return log_file.read()

    def cached_facts(self, host='localhost'):
        """The facts the jsonfile fact cache holds for a host (plain values), or None."""
        # ansible-core 2.17 writes plain JSON to <host>; 2.19+ writes s1_<host>, a JSON payload of tagged values.
        for name in (host, 's1_' + host):
            path = os.path.join(self.fact_cache, name)
            if os.path.exists(path):
                with open(path) as cache_file:
                    facts = json.load(cache_file)
                if isinstance(facts, dict) and '__payload__' in facts:
                    facts = json.loads(facts['__payload__'])
                return untagged(facts)
        return None

    @property
    def output(self):
        return self.stdout + self.stderr

    def results_for(self, task):
        return [record for record in self.results if record['task'] == task]

    def task(self, task):
        """The last result of the task with that name (a task may run for several hosts or times)."""
        found = self.results_for(task)
        if not found:
            raise AssertionError('no result for task %r; tasks seen: %s\n%s'
                                 % (task, [record['task'] for record in self.results], self.describe()))
        return found[-1]

    def result(self, task):
        """The module result dict of the task with that name."""
        return self.task(task)['result']

    def assert_rc(self, expected=0):
        if self.rc != expected:
            raise AssertionError('expected exit code %d, got %d\n%s' % (expected, self.rc, self.describe()))
        return self

    def describe(self):
        return '$ %s\n--- stdout ---\n%s\n--- stderr ---\n%s' % (' '.join(self.command), self.stdout, self.stderr)

    def __repr__(self):
        return '<AnsibleRun rc=%d, %d task results>' % (self.rc, len(self.results))


def untagged(value):
    """A value of ansible-core 2.19+'s serialized form without its tags ({"value": ..., "__ansible_type": ...})."""
    if isinstance(value, dict):
        if '__ansible_type' in value and 'value' in value:
            return untagged(value['value'])
        return dict((key, untagged(item)) for key, item in value.items())
    if isinstance(value, list):
        return [untagged(item) for item in value]
    return value


def run_inventory(ansible_runner, config, *args, **kwargs):
    """``ansible-inventory -i CONFIG ARGS`` with the environment the harness gives every ansible run, and no
    other inventory (not the harness's localhost one). kwargs: extra_env."""
    command = [ansible_executable('ansible-inventory'), '-i', str(config)] + list(args)
    return ansible_runner.run_command(command, 'inventory', extra_env=kwargs.get('extra_env'), inventory=False)


def unsafe_free(value):
    """--list output without the {"__ansible_unsafe": ...} wrappers that ansible-core 2.19+ puts on API strings."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((key, unsafe_free(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unsafe_free(item) for item in value]
    return value


def inventory_listing(run):
    """The --list answer of a run that passed; at -v and above, Ansible's own lines come before it on stdout."""
    run.assert_rc(0)
    start = run.stdout.find('\n{\n') + 1 if not run.stdout.startswith('{') else 0
    return unsafe_free(json.loads(run.stdout[start:]))


def flat(text):
    """Warnings are wrapped at the terminal width by some ansible-core versions: compare on single spaces."""
    return ' '.join(text.split())


def files_text(directory):
    """The text of every file below ``directory`` (a cache folder), one string per file; fails when none."""
    paths = [os.path.join(root, name) for root, _dirs, names in os.walk(str(directory)) for name in names]
    assert paths, 'no file under %s' % directory
    texts = []
    for path in paths:
        with open(path) as opened:
            texts.append(opened.read())
    return texts


def controller_python():
    """The Python of the ansible-core under test, for hosts that run locally (ansible_python_interpreter)."""
    python = os.path.join(os.path.dirname(ansible_executable('ansible-playbook')), 'python')
    return python if os.path.exists(python) else sys.executable


def is_inside(path, directory):
    return os.path.abspath(path).startswith(os.path.abspath(directory) + os.sep)


# What the harness itself writes into a run directory before the run; the rest is the run's doing.
RUN_INPUTS = ('ansible.cfg', 'inventory.ini', 'playbook.yml')
LOG_FILE = 'ansible.log'
FACT_CACHE_DIR = 'fact-cache'


class AnsibleRunner:
    """Runs real ansible-playbook / ansible processes against the emulator, each in its own directory.

    Each run logs to ``ansible.log`` and caches facts (jsonfile) in ``fact-cache/`` of its directory,
    so that tests can look for secrets there too; facts are gathered only where a play asks for it.
    """

    def __init__(self, tmp_path, emulator=None, timeout=300):
        self.tmp_path = str(tmp_path)
        self.emulator = emulator
        self.timeout = timeout
        self._numbers = itertools.count(1)

    def playbook(self, tasks_or_playbook, check=False, verbosity=0, extra_env=None, extra_args=()):
        """Run a playbook: a list of tasks (run on localhost, no facts), a list of plays, or playbook YAML text."""
        workdir = self._workdir('playbook')
        if isinstance(tasks_or_playbook, str):
            text = tasks_or_playbook
        else:
            plays = list(tasks_or_playbook)
            if not plays or not all(isinstance(play, dict) and 'hosts' in play for play in plays):
                plays = [{'name': 'Integration test', 'hosts': 'localhost', 'gather_facts': False, 'tasks': plays}]
            text = yaml.safe_dump(plays, sort_keys=False, default_flow_style=False)
        path = os.path.join(workdir, 'playbook.yml')
        with open(path, 'w') as playbook_file:
            playbook_file.write(text)
        command = [ansible_executable('ansible-playbook'), path]
        return self._run(workdir, command, check, verbosity, extra_env, extra_args)

    def adhoc(self, module, args=None, check=False, verbosity=0, extra_env=None, extra_args=(), pattern='localhost'):
        """Run ``ansible PATTERN -m MODULE -a ARGS``; a dict of args is passed as JSON."""
        command = [ansible_executable('ansible'), pattern, '-m', module]
        if args is not None:
            command += ['-a', args if isinstance(args, str) else json.dumps(args)]
        return self.run_command(command, 'adhoc', check, verbosity, extra_env, extra_args)

    def run_command(self, command, kind='command', check=False, verbosity=0, extra_env=None, extra_args=(),
                    inventory=True):
        """Run any command as playbook() and adhoc() run theirs, and return its AnsibleRun.

        ``command`` is the argument list, e.g. ``[ansible_executable('ansible-playbook'), 'msp.antivirus.<name>']``
        or ``[ansible_executable('ansible-inventory'), '-i', source, '--list']``. It runs in a run directory of its
        own named ``<kind>-<n>``, with the harness's environment and ``extra_env`` on top of it (a None value
        removes a variable); after ``command`` come ``-i inventory.ini`` (the harness's localhost inventory) unless
        ``inventory`` is false, ``--check``, ``-v``... and ``extra_args`` (where a ``-i`` of the test's own adds to
        the harness's inventory). ``inventory=False`` for a command that must see only the inventory it names.
        """
        return self._run(self._workdir(kind), command, check, verbosity, extra_env, extra_args, inventory=inventory)

    def workdir_and_env(self, kind, extra_env=None):
        """A new run directory ``<kind>-<n>`` and the environment a run in it gets (``extra_env`` on top, as in
        run_command), for a command that the test starts itself, e.g. with subprocess.Popen to kill it midway."""
        workdir = self._workdir(kind)
        return workdir, self._environment(workdir, extra_env)

    def _workdir(self, kind):
        workdir = os.path.join(self.tmp_path, '%s-%d' % (kind, next(self._numbers)))
        os.makedirs(workdir)
        return workdir

    def _environment(self, workdir, extra_env):
        env = dict((name, value) for name, value in os.environ.items()
                   if not name.startswith(('ANSIBLE_', 'NSIGHT_', 'WFBSS_')))
        if self.emulator is not None:
            env.update(self.emulator.env())
        config = os.path.join(workdir, 'ansible.cfg')
        with open(config, 'w') as config_file:
            config_file.write('[defaults]\n')
        env.update({
            'ANSIBLE_CONFIG': config,  # no ansible.cfg from the checkout, $HOME or /etc
            'ANSIBLE_COLLECTIONS_PATH': ensure_collection_link(),
            'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
            'ANSIBLE_CALLBACKS_ENABLED': CALLBACK_NAME,
            'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',  # ad-hoc runs load non-stdout callbacks only with this
            'MSP_TEST_RESULTS_FILE': os.path.join(workdir, 'results.jsonl'),
            'ANSIBLE_STDOUT_CALLBACK': 'default',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_HOME': os.path.join(workdir, 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, 'ansible-local-tmp'),
            'ANSIBLE_REMOTE_TEMP': os.path.join(workdir, 'ansible-remote-tmp'),
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_LOG_PATH': os.path.join(workdir, LOG_FILE),
            'ANSIBLE_CACHE_PLUGIN': 'jsonfile',
            'ANSIBLE_CACHE_PLUGIN_CONNECTION': os.path.join(workdir, FACT_CACHE_DIR),
            'ANSIBLE_HOST_KEY_CHECKING': '0',
            # Pacing off for tests that are not about the call budget (they set NSIGHT_RATE_LIMIT
            # themselves); its state, when on, stays in the run's own folder, never in $HOME.
            'NSIGHT_RATE_LIMIT': '0',
            'NSIGHT_BUDGET_DIR': os.path.join(workdir, 'nsight-budget'),
            'PYTHONUNBUFFERED': '1',
        })
        for name, value in (extra_env or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        return env

    def _run(self, workdir, command, check, verbosity, extra_env, extra_args, inventory=True):
        command = list(command)
        if inventory:
            path = os.path.join(workdir, 'inventory.ini')
            python = os.path.join(os.path.dirname(command[0]), 'python')
            with open(path, 'w') as inventory_file:
                inventory_file.write('localhost ansible_connection=local ansible_python_interpreter=%s\n'
                                     % (python if os.path.exists(python) else sys.executable))
            command += ['-i', path]
        if check:
            command.append('--check')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        command += list(extra_args)
        env = self._environment(workdir, extra_env)
        try:
            finished = subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, universal_newlines=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as expired:
            raise AssertionError('%s did not finish in %ds\n--- stdout ---\n%s\n--- stderr ---\n%s'
                                 % (' '.join(command), self.timeout, expired.stdout, expired.stderr))
        return AnsibleRun(command, finished.returncode, finished.stdout, finished.stderr,
                          read_results(env['MSP_TEST_RESULTS_FILE']), workdir,
                          log_path=env.get('ANSIBLE_LOG_PATH'), fact_cache=env.get('ANSIBLE_CACHE_PLUGIN_CONNECTION'))


def read_results(path):
    if not os.path.exists(path):
        return []
    with open(path) as results_file:
        return [json.loads(line) for line in results_file if line.strip()]
