"""The one exception type that reaches the user as a one-line message.

Scripts catch `UserError` at the top level, print `error: <message>` on stderr and exit
with status 2. Anything that is the user's input's fault (a missing folder, an unreadable
image, a checkpoint of another architecture) is raised as a `UserError` whose message
names the file and the problem; anything else is a bug and keeps its traceback.
"""

from typing import Callable, TypeVar

T = TypeVar("T")


class UserError(Exception):
    """A problem with the user's input, reported as one line naming the file."""


class Interrupted(Exception):
    """The user stopped the run (Ctrl-C) and what can be continued was saved; the message says
    how to go on."""


def first_line(text: str) -> str:
    """The first line of a library's message (some run to a page, a traceback of their own), for
    the parenthesis of a one-line message; trimmed on its own, so that a path before it, which may
    hold a line break, is kept whole."""
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def first_few(names, shown: int = 3) -> str:
    """`names` for a one-line message: the first `shown`, and how many more ("a, b, c and 4 more")."""
    names = list(names)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def os_reason(err: OSError) -> str:
    """The system's words for a failed file operation ("Permission denied", "Not a directory"),
    for the parenthesis of a one-line message."""
    return err.strerror or err.__class__.__name__


def read_path(read: Callable[[str], T], path: str, what: str) -> T:
    """`read(path)` (os.stat, os.listdir, ...), its failures turned into one-line UserErrors that
    name the path and `what` it should be ("model folder", ...)."""
    try:
        return read(path)
    except FileNotFoundError:
        raise UserError(f"{path}: no such {what}")
    except NotADirectoryError:
        raise UserError(f"{path}: not a {what}")
    except OSError as err:
        raise UserError(f"{path}: the {what} cannot be read ({os_reason(err)})")


def read_npy(path: str, what: str):
    """The array in the .npy file `path`, its failures turned into one-line UserErrors that say it
    is not `what` ("a labels file", ...): a file of Python objects, which numpy would only read
    by running code from it, is refused as plainly as a damaged one."""
    import numpy as np
    try:
        loaded = np.load(path, allow_pickle=False)
    except OSError as err:
        raise UserError(f"{path}: {what} cannot be read ({os_reason(err)})")
    except EOFError:
        raise UserError(f"{path}: not {what} of this tool (an empty file)")
    except ValueError as err:
        # numpy names allow_pickle both for an array of objects and for a file with no .npy header
        objects = str(err).startswith("Object arrays")
        detail = "it holds Python objects, not numbers" if objects else "not a readable .npy file"
        raise UserError(f"{path}: not {what} of this tool ({detail})")
    if not isinstance(loaded, np.ndarray):  # a .npz archive under a .npy name
        loaded.close()
        raise UserError(f"{path}: not {what} of this tool (a .npz archive, not a .npy array)")
    return loaded
