# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report the unit tests' coverage of plugins/ and fail under a floor (``make coverage``).

Reads what ``ansible-test coverage combine`` wrote to COLLECTION/tests/output/coverage/coverage
after ``ansible-test units --coverage``, adds every Python file of COLLECTION/plugins/ that no
unit test imported, at 0% (ansible-test's ``coverage report --all`` means to, but coverage 7
drops files without data), prints coverage's report of plugins/ (statements and branches) and
exits 1 when the total is under FLOOR percent. Run it with the python of the virtualenv that ran
the tests: its coverage is the version that ansible-test pins.

Usage: python .ci/coverage_floor.py COLLECTION FLOOR
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import os
import sys

import coverage


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    collection, floor = os.path.abspath(argv[0]), float(argv[1])
    data_file = os.path.join(collection, 'tests', 'output', 'coverage', 'coverage')
    if not os.path.isfile(data_file):
        raise SystemExit('error: no coverage data in %s: run ansible-test units --coverage, then ansible-test coverage combine'
                         % data_file)
    plugins = os.path.join(collection, 'plugins')
    sources = sorted(glob.glob(os.path.join(plugins, '**', '*.py'), recursive=True))

    os.chdir(collection)  # the report names the files relative to the directory that Coverage() starts in
    cov = coverage.Coverage(data_file=data_file, config_file=False)
    cov.load()
    cov.get_data().touch_files(sources)
    total = cov.report(include=[os.path.join(plugins, '*')], precision=1)

    print('coverage: the unit tests cover %.1f%% of plugins/ (%d files, statements and branches); the floor is %g%%'
          % (total, len(sources), floor))
    if total < floor:
        print('error: coverage under the floor (COVERAGE_FLOOR in the Makefile)', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
