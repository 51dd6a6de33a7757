"""Write files and folders under a temporary name and rename them into place: the one place
the project does so.

A crash or Ctrl-C mid-write then leaves the previous file (or none), never a truncated
one that a later run would trust.
"""

import contextlib
import os
import shutil
import tempfile
from typing import Callable, Iterator, Optional

import numpy as np


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path beside `path`; rename it to `path` if the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=suffix + ".tmp",
                                         dir=folder)
    os.close(handle)
    try:
        yield temporary
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
    def write(temporary: str) -> None:
        with open(temporary, "w") as handle:
            handle.write(text)
    return write_with(path, write)


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
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=f".{name}.partial-", dir=parent)
    try:
        writer(temporary)
        if already_done is not None and already_done():
            return path
        old = None
        if os.path.lexists(path):
            old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=parent)
            os.replace(path, os.path.join(old, name))
        os.replace(temporary, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if os.path.exists(temporary):
            shutil.rmtree(temporary, ignore_errors=True)
    return path
