# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The records of paused scans that maintenance windows leave on the controller, and whether the window that
wrote one is still running.

A record is a JSON file ``maintenance-window-<server digest>-<run id>.json`` in the record folder:
``{server, run_id, entries: [{deviceid, host, run_id, time, server}], window, patching}``. ``server`` is host and
port only, never a credential. 1.0.0 wrote ``server``, ``run_id`` and ``entries``; ``window`` and ``patching`` came
with 1.1.0:

- ``window``: ``{controller, pid, pid_started, stale_after}``: the controller (host name and boot id) and the
  ansible-playbook process that runs the window, and after how many seconds without renewal the window counts as
  gone for a controller that cannot see that process. A lease keeper (window_keeper.py) renews the file's
  modification time while the process lives and gives the lease up (time 0) the moment it ends;
- ``patching``: the devices of the batches being patched now, paused by this run or not: a recovery leaves them
  alone while the window lives, even when an older record names them.

A window is live while its process runs (same controller) or while its lease is fresh (another controller, or a
container whose processes cannot be seen). A record without ``window`` (1.0.0) belongs to no live window.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

from ansible_collections.msp.antivirus.plugins.plugin_utils.window_keeper import process_started

RECORD_PREFIX = "maintenance-window-"
# The lease keeper renews every HEARTBEAT seconds; a window whose lease was not renewed for STALE_AFTER seconds is
# taken for gone by a controller that cannot see its process: the longest a killed window's scans wait.
HEARTBEAT = 20
STALE_AFTER = 300
KEEPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "window_keeper.py")


class DamagedRecord(Exception):
    """A record file that cannot be read or is not a record; its text says why."""


def server_name(server):
    """The server as host[:port] only: no scheme, path, query or user info (as 1.0.0 named it), or ''."""
    name = str(server or "").strip().lower()
    name = re.sub(r"^[a-z][a-z0-9+.-]*://", "", name)
    name = re.sub(r"[/?#].*$", "", name)
    name = re.sub(r"^.*@", "", name)
    return name


def record_prefix(record_dir, server):
    digest = hashlib.sha256(server_name(server).encode("utf-8")).hexdigest()[:16]
    return os.path.join(os.path.expanduser(record_dir), RECORD_PREFIX + digest + "-")


def record_path(record_dir, server, run_id):
    return record_prefix(record_dir, server) + run_id + ".json"


def record_files(record_dir, server):
    """The record files of ``server`` in ``record_dir``, oldest name first."""
    prefix = record_prefix(record_dir, server)
    folder = os.path.dirname(prefix)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    base = os.path.basename(prefix)
    return sorted(os.path.join(folder, name) for name in names if name.startswith(base) and name.endswith(".json"))


def _shape_problem(data):
    if not isinstance(data, dict):
        return "it holds {0}, not a record (a JSON object)".format(type(data).__name__)
    entries = data.get("entries")
    if not isinstance(entries, list):
        return "its 'entries' is not a list"
    for entry in entries:
        if not isinstance(entry, dict) or isinstance(entry.get("deviceid"), bool) \
                or not isinstance(entry.get("deviceid"), int):
            return "an entry has no integer deviceid: {0}".format(json.dumps(entry)[:80])
    if "window" in data and not isinstance(data["window"], dict):
        return "its 'window' is not an object"
    if not isinstance(data.get("patching", []), list):
        return "its 'patching' is not a list"
    return ""


def read_record(path):
    """The record at ``path`` and its modification time; DamagedRecord when it cannot be read or is no record."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
        mtime = os.stat(path).st_mtime
    except (IOError, OSError) as error:
        raise DamagedRecord("cannot be read: {0}".format(error.strerror or error))
    try:
        data = json.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise DamagedRecord("is not JSON ({0})".format(error))
    problem = _shape_problem(data)
    if problem:
        raise DamagedRecord("is not a record of paused scans: " + problem)
    return data, mtime


def write_record(path, record):
    """Write ``record`` whole with an atomic rename (folder 0700, file 0600). True when the file is new."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.makedirs(folder, 0o700)
    existed = os.path.exists(path)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(record, stream, indent=4, sort_keys=True)
            stream.write("\n")
        os.chmod(temporary, 0o600)
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return not existed


def remove_record(path):
    try:
        os.unlink(path)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise


def controller_id():
    """This machine as a recovery can recognise it: host name and boot id (a pid means nothing after a reboot)."""
    boot = ""
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            boot = handle.read().strip()
    except (IOError, OSError):
        pass
    return "{0}/{1}".format(socket.gethostname(), boot)


def window_info(pid):
    return {"controller": controller_id(), "pid": pid, "pid_started": process_started(pid) or "",
            "stale_after": STALE_AFTER}


def window_liveness(record, mtime, now, here, started_of=process_started):
    """(live, why) for the window that wrote ``record``. ``here``: this controller's id; ``started_of(pid)``: the
    start time of that process here (None: not running)."""
    window = record.get("window")
    if not window:
        return False, "written by a run without a lease (msp.antivirus 1.0.0)"
    if window.get("controller") == here and isinstance(window.get("pid"), int):
        started = started_of(window["pid"])
        if started is None or (started and window.get("pid_started") and started != window["pid_started"]):
            return False, "its run (process {0} on this controller) has ended".format(window["pid"])
        return True, "its run (process {0} on this controller) is still running".format(window["pid"])
    stale_after = window.get("stale_after") if isinstance(window.get("stale_after"), int) else STALE_AFTER
    age = now - mtime
    if age < stale_after:
        return True, ("its run on {0} renewed its lease {1} s ago; it counts as ended {2} s after the last "
                      "renewal".format(str(window.get("controller", "")).split("/", maxsplit=1)[0] or "another controller",
                                       int(max(age, 0)), stale_after))
    return False, "its lease ran out {0} s ago".format(int(age - stale_after))


def start_keeper(path, pid):
    """Start the lease keeper of the record at ``path`` for process ``pid``: a small process of its own session
    (an AWX cancel or a Ctrl-C of the run does not reach it) that renews the lease and gives it up when ``pid``
    ends."""
    with open(os.devnull, "r+b") as null:
        subprocess.Popen([sys.executable, KEEPER, path, str(pid), str(HEARTBEAT)], stdin=null, stdout=null,
                         stderr=null, close_fds=True, start_new_session=True)


def recovery_plan(records, facts, force=False, now=None, here=None, started_of=process_started):
    """What a recovery resumes.

    ``records``: (path, record, mtime) of the intact record files; ``facts``: the record entries that a persistent
    fact cache kept (host facts ``maintenance_window_paused``). Returns ``{devices, live, taken}``: the device ids
    to resume, each once; the live records (path -> why) that are left alone; the paths whose entries are taken.
    A device that a live window named (paused, or in a batch being patched) is not resumed, whatever older
    record also names it. ``force`` takes every record, live or not."""
    live, taken, protected = {}, [], set()
    for path, record, mtime in records:
        is_live, why = window_liveness(record, mtime, now, here, started_of)
        if is_live and not force:
            live[path] = why
            protected.update(entry["deviceid"] for entry in record["entries"])
            protected.update(device for device in record.get("patching") or [] if isinstance(device, int))
        else:
            taken.append(path)
    devices = []
    for path, record, mtime in records:
        if path in taken:
            devices.extend(entry["deviceid"] for entry in record["entries"])
    devices.extend(entry["deviceid"] for entry in facts)
    return {"devices": [device for device in dict.fromkeys(devices) if device not in protected],
            "live": live, "taken": taken, "protected": sorted(protected)}


def left_entries(record, settled):
    """A taken record's entries whose scan is not settled yet (kept for the next recovery)."""
    return [entry for entry in record["entries"] if entry["deviceid"] not in settled]
