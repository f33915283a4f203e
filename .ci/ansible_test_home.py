# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prepare the home folder that the Makefile gives ansible-test (HOME=.venv/ansible-test-home).

ansible-test keeps its state under ``$HOME/.ansible/test`` and runs its tools with
only PATH, HOME and LC_ALL; pointing HOME into the checkout keeps all of that out
of the user's home. This script, run with the python of a core virtualenv:

- puts .ci/get_pip_shim.py where ``ansible-test --venv`` looks for pip's
  get-pip.py (``~/.ansible/test/cache/get_pip_<pip version>.py``), because it
  cannot download it here. The pip version is asked from ansible-test itself
  (``collect_bootstrap``, the function that builds its bootstrap request) for the
  Python version it will test; ansible-test has no public interface for this, so
  both that and the cache path are checked and any change stops with a clear error;
- copies the user's own pip configuration files (``~/.config/pip/pip.conf``,
  ``~/.pip/pip.conf``), so that the pip that ansible-test runs uses the same
  indexes as with the real HOME.

Usage: python .ci/ansible_test_home.py HOME_DIR PYTHON_VERSION...
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, 'get_pip_shim.py')
# Where ansible_test/_util/target/setup/requirements.py looks for get-pip.py (ansible-core 2.16 to 2.21).
CACHE_TEMPLATE = "~/.ansible/test/cache/get_pip_%s.py"
CACHE_DIR = os.path.join('.ansible', 'test', 'cache')


def user_pip_configs():
    """(path in the user's home, path in ansible-test's home) of the user's pip configuration files."""
    config_home = os.environ.get('XDG_CONFIG_HOME') or os.path.expanduser(os.path.join('~', '.config'))
    return [(os.path.join(config_home, 'pip', 'pip.conf'), os.path.join('.config', 'pip', 'pip.conf')),
            (os.path.expanduser(os.path.join('~', '.pip', 'pip.conf')), os.path.join('.pip', 'pip.conf'))]


def fail(message):
    import ansible_test  # pylint: disable=import-outside-toplevel
    raise SystemExit('error: %s\n(ansible-test in %s; update .ci/ansible_test_home.py to match)'
                     % (message, os.path.dirname(ansible_test.__file__)))


def pip_version(python_version):
    """The pip version that ``ansible-test --venv`` bootstraps into a Python X.Y virtualenv."""
    try:
        from ansible_test._internal.python_requirements import collect_bootstrap  # pylint: disable=import-outside-toplevel
        return collect_bootstrap(types.SimpleNamespace(version=python_version))[0].pip_version
    except Exception as ex:  # pylint: disable=broad-except
        fail('cannot ask ansible-test which pip it bootstraps: %s: %s' % (type(ex).__name__, ex))


def check_cache_path():
    import ansible_test  # pylint: disable=import-outside-toplevel
    path = os.path.join(os.path.dirname(ansible_test.__file__), '_util', 'target', 'setup', 'requirements.py')
    with open(path) as handle:
        if CACHE_TEMPLATE not in handle.read():
            fail('%s no longer looks for get-pip.py at %s' % (path, CACHE_TEMPLATE))


def copy_atomically(source, dest):
    partial = '%s.%d.tmp' % (dest, os.getpid())
    shutil.copyfile(source, partial)
    os.replace(partial, dest)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    home, python_versions = argv[0], argv[1:]
    check_cache_path()
    placed = []
    for python_version in python_versions:
        name = 'get_pip_%s.py' % pip_version(python_version).replace('.', '_')
        os.makedirs(os.path.join(home, CACHE_DIR), exist_ok=True)
        copy_atomically(SHIM, os.path.join(home, CACHE_DIR, name))
        placed.append(name)
    for source, config in user_pip_configs():
        dest = os.path.join(home, config)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            copy_atomically(source, dest)
        elif os.path.exists(dest):
            os.unlink(dest)
    print('ansible-test home: %s (%s)' % (os.path.relpath(home), ', '.join(placed)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
