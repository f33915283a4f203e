# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for pip's get-pip.py, installed by the Makefile for ansible-test.

``ansible-test sanity --venv`` bootstraps pip in each of its virtualenvs by
running ``$HOME/.ansible/test/cache/get_pip_<version>.py`` with pip-install
arguments (``pip==X setuptools==Y ...``). It downloads that script from a host
that may be unreachable; this one does the same job with the interpreter's
bundled ensurepip, then installs what was asked from the package index.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import subprocess
import sys

# ensurepip already lays down a pip; these two options only exist in the real get-pip.py.
UNSUPPORTED = ('--no-setuptools', '--no-wheel')


def main(argv):
    args = [arg for arg in argv if arg not in UNSUPPORTED]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'], stdout=subprocess.DEVNULL)
    return subprocess.call([sys.executable, '-m', 'pip', 'install', '-q'] + args)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
