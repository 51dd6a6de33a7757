"""Run a script's main function so that user errors end as one line and a non-zero exit, and
let a long job stop cleanly at Ctrl-C."""

import contextlib
import signal
import sys
import warnings
from typing import Callable, Iterator

USER_ERROR_EXIT = 2


def one_line(message: str) -> str:
    """`message` on one line: a line break in it (a file's name may hold one) is written as \\n."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def error_line(message: str) -> str:
    """The one line a refused input ends with (on stderr, with exit status USER_ERROR_EXIT)."""
    return f"error: {one_line(message)}"


def _stop_quietly(signum, frame) -> None:
    print("interrupted", file=sys.stderr)
    sys.exit(130)


def quiet_interrupt_while_loading() -> None:
    """Ctrl-C while a script's libraries load (torch takes a second or two) ends as it does later,
    with one line and exit 130, not a traceback from inside an import; run_cli hands Ctrl-C back."""
    signal.signal(signal.SIGINT, _stop_quietly)


def run_cli(job: Callable[[], object]) -> int:
    """Call `job`; a UserError prints `error: <message>` on stderr and returns 2, Ctrl-C returns 130
    (with one line on what was saved and how to go on, when the job says so by `Interrupted`).

    Warnings (a truncated video, say) print as one `warning: <message>` line.
    """
    from utils.errors import Interrupted, UserError
    with contextlib.suppress(ValueError):  # not the main thread: Ctrl-C is not ours to handle
        signal.signal(signal.SIGINT, signal.default_int_handler)
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {one_line(str(message))}\n"
    try:
        job()
    except UserError as err:
        print(error_line(str(err)), file=sys.stderr)
        return USER_ERROR_EXIT
    except Interrupted as stop:
        print(f"interrupted: {stop}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


class StopRequest:
    """Set by the first Ctrl-C during training, so that the batch under way finishes and its
    state is saved; a second Ctrl-C stops at once."""

    def __init__(self):
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nstopping after this batch (Ctrl-C again to stop at once)", file=sys.stderr)

    @contextlib.contextmanager
    def installed(self) -> Iterator["StopRequest"]:
        try:
            previous = signal.signal(signal.SIGINT, self.handle)
        except ValueError:  # not the main thread: Ctrl-C is not ours to handle
            yield self
            return
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)
