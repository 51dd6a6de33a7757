"""Write files and folders under a temporary name and rename them into place: the one place
the project does so.

A crash or Ctrl-C mid-write then leaves the previous file (or none), never a truncated
one that a later run would trust. Temporaries are hidden files named
`.<name>.tmp-<pid>-...` (a folder: `.<name>.partial-<pid>-...`), so that a process killed
outright (SIGKILL, a power cut) leaves something `remove_leftovers` can recognise and delete
once that process is gone. What is renamed into place has the permissions any file the user
creates would have (the umask's), not the private ones of a temporary.
"""

import contextlib
import errno
import os
import re
import shutil
import tempfile
from typing import Callable, Iterator, List, Optional

import numpy as np

from utils.errors import UserError, os_reason

LEFTOVER_PATTERN = re.compile(r"^\..+\.(?:tmp|partial|old)-(\d+)-")
# Failures that say the disk or the folder refused what was being written.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


@contextlib.contextmanager
def _write_failures_named(path: str, temporary: str) -> Iterator[None]:
    """Turns an OSError of writing `temporary` (or into it) into a UserError naming `path`; one of
    reading some other file along the way (a frame the report copies, a video the benchmark
    decodes) goes on as it is. A file written into a temporary folder names its own place in it:
    the message names that file where the folder will be, not the staging folder a user never sees."""
    try:
        yield
    except UserError as err:
        named = _named_at(err, temporary, path)
        if named is err:
            raise
        raise named from err
    except OSError as err:  # a full disk, a folder gone or made read-only meanwhile
        name = err.filename if isinstance(err.filename, str) else None
        if err.errno not in WRITE_ERRNOS and not (
                name is not None and os.path.abspath(name).startswith(os.path.abspath(temporary))):
            raise
        raise UserError(f"{path}: cannot be written ({os_reason(err)})") from err


def _named_at(err: UserError, temporary: str, path: str, inside: bool = True) -> UserError:
    """`err` with the temporary `temporary` it names named `path`: a file inside it at its place
    inside `path` (`inside`), or `path` alone; `err` itself where it does not name `temporary`."""
    if temporary not in str(err):
        return err
    return UserError(re.sub(re.escape(temporary) + ("" if inside else r"[^:]*"), lambda _: path, str(err)))


@contextlib.contextmanager
def _creation_failures_named(path: str) -> Iterator[None]:
    """An OSError creating the folder or the temporary of `path` (a folder made read-only, a
    disk out of space or inodes midway) as a UserError naming `path`."""
    try:
        yield
    except OSError as err:
        raise UserError(f"{path}: cannot be written ({os_reason(err)})") from err


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (setting it to read it
    back would briefly change it for every thread)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def follow_umask(path: str) -> None:
    """Give `path` the mode a new file (0666) or folder (0777) gets under the current umask."""
    base = 0o777 if os.path.isdir(path) else 0o666
    os.chmod(path, base & ~_umask())


def _process_is_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


def remove_leftovers(folder: str) -> List[str]:
    """Delete the temporaries in `folder` left by processes that no longer run; returns them.

    Those of a process still running (another run writing the same cache) are kept.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = LEFTOVER_PATTERN.match(name)
        if match and _process_is_gone(int(match.group(1))):
            path = os.path.join(folder, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(path)
            removed.append(path)
    return removed


def _dead_link(path: str) -> str:
    """What the link `path`, which leads to nothing, is: "a broken link", or "a link in a loop"
    (links that lead back to themselves: a broken link they are not)."""
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a link in a loop"
    return "a broken link"


def writable_folder(path: str, what: str) -> str:
    """Check that the folder `path` can be written, or created where it is missing, by writing a
    probe file in it (or in its nearest existing parent); returns `path`, or raises a UserError
    naming it (`what`: "output folder", ...). Nothing is created.

    Run before the expensive work, so a folder that cannot take the results fails at once.
    Leftovers of killed runs in it are removed on the way.
    """
    existing = os.path.abspath(path)
    while not os.path.lexists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        kind = "a file"
        if os.path.islink(existing) and not os.path.exists(existing):  # not a file: a link to nothing
            with contextlib.suppress(OSError):
                kind = f"{_dead_link(existing)} (to {os.readlink(existing)})"
        if existing == os.path.abspath(path):
            raise UserError(f"{path}: the {what} is {kind}, not a folder")
        raise UserError(f"{path}: the {what} cannot be created, {existing} is {kind}")
    try:
        handle, probe = tempfile.mkstemp(prefix=f".probe.tmp-{os.getpid()}-", dir=existing)
        os.close(handle)
        os.remove(probe)
    except OSError as err:
        # a folder that exists yet refuses new files with "no such file" is a system one (/proc)
        reason = f"{existing} takes no new files" if err.errno == errno.ENOENT else os_reason(err)
        raise UserError(f"{path}: the {what} cannot be written ({reason})")
    remove_leftovers(path)
    return path


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path beside `path`; rename it to `path` if the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    with _creation_failures_named(path):
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.tmp-{os.getpid()}-",
                                             suffix=suffix, dir=folder)
    os.close(handle)
    try:
        with _write_failures_named(path, temporary):
            yield temporary
            follow_umask(temporary)
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_with(path: str, writer: Callable[[str], None]) -> str:
    """Call `writer(temporary_path)`, then rename the result to `path`; returns `path`."""
    with atomic_path(path) as temporary:
        writer(temporary)
    return path


def save_npy(path: str, array: np.ndarray) -> str:
    """np.save to `path` atomically (without np.save appending a second .npy)."""
    def write(temporary: str) -> None:
        with open(temporary, "wb") as handle:
            np.save(handle, array)
    return write_with(path, write)


def save_text(path: str, text: str) -> str:
    """Write `text` to `path` atomically."""
    def write(temporary: str) -> None:  # a path of undecodable bytes is kept as an escape, not an error
        with open(temporary, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    return write_with(path, write)


@contextlib.contextmanager
def scratch_folder(path: str) -> Iterator[str]:
    """A temporary folder beside `path`, for files that end up inside it (the pictures
    `python -m report --embed` puts into its page), deleted when the block ends. Named as the
    atomic writer names its temporaries, so that one left by a run killed outright is deleted by
    the next, and a file that cannot be written in it is named as `path`, not as the folder."""
    parent = os.path.dirname(os.path.abspath(path))
    with _creation_failures_named(path):
        remove_leftovers(parent)
        temporary = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-{os.getpid()}-", dir=parent)
    try:
        yield temporary
    except UserError as err:
        named = _named_at(err, temporary, path, inside=False)
        if named is err:
            raise
        raise named from err
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def write_folder_with(path: str, writer: Callable[[str], None],
                      already_done: Optional[Callable[[], bool]] = None) -> str:
    """Call `writer(temporary_folder)`, then put that folder in place of `path`; returns `path`.

    The temporary folder is a sibling of `path`, so the final rename stays on one file system.
    An existing `path` is moved aside first and deleted after the rename. If `writer` fails
    (or is interrupted), the temporary folder is deleted and `path` is left as it was. If
    `already_done()` is true once `writer` has finished (another process wrote the same
    folder meanwhile), the new folder is discarded and `path` kept.
    """
    parent = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(os.path.abspath(path))
    with _creation_failures_named(path):
        os.makedirs(parent, exist_ok=True)
        remove_leftovers(parent)
        temporary = tempfile.mkdtemp(prefix=f".{name}.partial-{os.getpid()}-", dir=parent)
    try:
        with _write_failures_named(path, temporary):
            writer(temporary)
        if already_done is not None and already_done():
            return path
        follow_umask(temporary)
        old = None
        if os.path.lexists(path):
            old = tempfile.mkdtemp(prefix=f".{name}.old-{os.getpid()}-", dir=parent)
            os.replace(path, os.path.join(old, name))
        os.replace(temporary, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if os.path.exists(temporary):
            shutil.rmtree(temporary, ignore_errors=True)
    return path
