# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lease keeper of a maintenance window's record, run as a process of its own by window_records.start_keeper:
``python window_keeper.py RECORD PID HEARTBEAT``.

While process PID (the window's ansible-playbook) runs, it renews the record's modification time every HEARTBEAT
seconds, so that a recovery on another controller sees the window live however long its patch work takes. The
moment PID ends (finished, Ctrl-C, SIGTERM, SIGKILL) it gives the lease up (modification time 0), so that a
recovery need not wait for the lease to run out. It ends when the record is removed (every scan resumed). Standard
library only: it runs outside Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import sys
import time

POLL = 1.0


def process_started(pid):
    """The start time of process ``pid`` (clock ticks since boot, from /proc), '' when unknown, None when no such
    process runs (a zombie has ended too). Together with the pid it names one process: a pid alone may be reused."""
    try:
        os.kill(pid, 0)
    except OSError as error:
        if error.errno == errno.ESRCH:
            return None
    try:
        with open("/proc/{0}/stat".format(pid)) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (IOError, OSError, IndexError):
        return ""
    if len(fields) < 20:
        return ""
    return None if fields[0] in ("Z", "X") else fields[19]


def keep(path, pid, heartbeat, sleep=time.sleep, clock=time.monotonic):
    started = process_started(pid)
    renewed = clock()
    while True:
        now_started = process_started(pid)
        if now_started is None or (started and now_started and now_started != started):
            try:
                os.utime(path, (0, 0))
            except OSError:
                pass
            return "ended"
        if not os.path.exists(path):
            return "removed"
        if clock() - renewed >= heartbeat:
            try:
                os.utime(path, None)
            except OSError:
                return "removed"
            renewed = clock()
        sleep(POLL)


def main(argv):
    path, pid, heartbeat = argv[1], int(argv[2]), float(argv[3])
    keep(path, pid, heartbeat)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
