"""One writer per folder: main.py's output folder and inference.py's results folder are locked
while a run writes into them.

Two runs writing into one folder at once would mix their checkpoints or result sets, and both
would exit 0. The lock is an advisory `flock` on `.repro-vae.lock` in the folder, whose text says
who holds it (pid, host, start time), so that the second run's one-line error can name it. The
kernel drops a flock when its process dies, however it dies (SIGKILL, a power cut on a local
disk), so a lock file left behind by a dead run is stale by construction: the next run takes it
over and says so in a warning.
"""

import contextlib
import datetime
import errno
import fcntl
import json
import os
import socket
import warnings
from typing import Dict, Iterator, Optional

from utils.errors import UserError, os_reason

LOCK_NAME = ".repro-vae.lock"


class StaleLockWarning(UserWarning):
    """A lock left by a run that no longer runs was taken over."""


def _holder_text(holder: Optional[Dict]) -> str:
    if not holder:
        return "a run whose details could not be read"
    return (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"
            + (f", {holder['command']}" if holder.get("command") else ""))


def _read_holder(handle) -> Optional[Dict]:
    try:
        handle.seek(0)
        text = handle.read(4096)
        holder = json.loads(text) if text.strip() else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return holder if isinstance(holder, dict) else None


def _open_locked(path: str, what: str):
    """The lock file at `path`, opened and flocked by this process; UserError naming the holder
    when another process holds it."""
    while True:
        try:
            handle = open(path, "a+", encoding="utf-8")
        except OSError as err:
            raise UserError(f"{os.path.dirname(path)}: the {what} cannot be locked ({os_reason(err)})")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = _read_holder(handle)
            handle.close()
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise UserError(f"{os.path.dirname(path)}: the {what} is in use by another run "
                                f"({_holder_text(holder)}); wait for it to end, or give another folder")
            raise UserError(f"{os.path.dirname(path)}: the {what} cannot be locked ({os_reason(err)})")
        # the file may have been removed by the holder that released it between open and flock
        try:
            same = os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
        except OSError:
            same = False
        if same:
            return handle
        handle.close()


@contextlib.contextmanager
def folder_lock(folder: str, what: str, command: str = "") -> Iterator[None]:
    """Hold the lock of `folder` (created if missing, and removed again if the run leaves it
    empty) for the block; `what` names the folder in messages ("output folder")."""
    created = not os.path.isdir(folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise UserError(f"{folder}: the {what} cannot be created ({os_reason(err)})")
    path = os.path.join(folder, LOCK_NAME)
    handle = _open_locked(path, what)
    try:
        stale = _read_holder(handle)
        if stale is not None:
            warnings.warn(f"{folder}: taking over the lock of a run that no longer runs ({_holder_text(stale)})",
                          StaleLockWarning, stacklevel=3)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": datetime.datetime.now().isoformat(timespec="seconds"),
                                 "command": command}))
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)  # still flocked: a run waiting on it retries on the new file
        handle.close()
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only if nothing else was written there
