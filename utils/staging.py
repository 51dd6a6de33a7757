"""A detection run's files are written into a staging folder beside the results folder and
swapped in at the end, so that the results folder holds the earlier result set or the new one,
never none and never a mix, whatever stops the run (an error, a full disk, Ctrl-C, SIGKILL).

The staging folder is `.<results name>.staging-<pid>-<random>` in the results folder's parent
(inside the results folder when the parent cannot be written). Once every file is there,
`.ready.json` is written into it: the journal of the swap, naming the results folder, the new
files, the earlier files the swap deletes and which of them are records (result_source_<i>.json,
named by utils/result_sets.py). The swap then (1) deletes the earlier sets' records, which make a
set whole, (2) deletes the earlier files the new set does not replace, (3) renames each new file
over its earlier one, records last, (4) deletes
the staging folder. Every step can be done again, so a swap cut short is finished by whoever
next opens the folder (`settle`): the next inference.py, or a reader. A staging folder without
a journal is a run that never got to its swap, and is deleted.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile
from typing import Callable, Iterator, List, Optional, Sequence

from utils.atomic import _process_is_gone, save_text
from utils.errors import UserError, os_reason

JOURNAL = ".ready.json"


def _prefix(results_folder: str) -> str:
    return f".{os.path.basename(os.path.abspath(results_folder))}.staging-"


def _places(results_folder: str) -> List[str]:
    """Where staging folders of `results_folder` may be: beside it, and inside it."""
    results = os.path.abspath(results_folder)
    return [os.path.dirname(results), results]


def staging_folders(results_folder: str) -> List[str]:
    """The staging folders of `results_folder` that are there now."""
    found = []
    prefix = _prefix(results_folder)
    for place in _places(results_folder):
        with contextlib.suppress(OSError):
            found += [os.path.join(place, name) for name in sorted(os.listdir(place))
                      if name.startswith(prefix) and os.path.isdir(os.path.join(place, name))]
    return found


def _owner(staging: str) -> Optional[int]:
    match = re.search(r"\.staging-(\d+)-[^/]*$", staging)
    return int(match.group(1)) if match else None


def _journal(staging: str) -> Optional[dict]:
    try:
        with open(os.path.join(staging, JOURNAL)) as handle:
            journal = json.load(handle)
    except (OSError, ValueError):
        return None
    return journal if isinstance(journal, dict) else None


def unfinished_swaps(results_folder: str) -> List[str]:
    """Staging folders of `results_folder` whose run stopped in the middle of its swap."""
    return [staging for staging in staging_folders(results_folder)
            if _journal(staging) is not None and _process_is_gone(_owner(staging) or 0)]


def settle(results_folder: str) -> List[str]:
    """Finish the swaps of `results_folder` that dead runs left half done and delete the staging
    folders of dead runs that never got to theirs; returns the staging folders dealt with. The
    caller holds the folder's lock, or knows that no live run writes there."""
    done = []
    for staging in staging_folders(results_folder):
        owner = _owner(staging)
        if owner is None or not _process_is_gone(owner):
            continue
        journal = _journal(staging)
        if journal is not None and os.path.abspath(journal.get("results", "")) == os.path.abspath(results_folder):
            _swap(staging, journal)
        shutil.rmtree(staging, ignore_errors=True)
        done.append(staging)
    return done


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def _swap(staging: str, journal: dict) -> None:
    """Steps 1-3 of the module's swap; each may have been done before by a run cut short."""
    results = journal["results"]
    new, earlier, records = list(journal["new"]), list(journal["remove"]), set(journal.get("records", ()))
    waiting = {rel for rel in new if os.path.lexists(os.path.join(staging, rel))}
    for rel in [r for r in earlier if r in records] + [r for r in earlier if r not in records]:
        if rel not in new or rel in waiting:  # an earlier file not yet replaced by its new one
            if rel not in new or rel in records:
                _remove(os.path.join(results, rel))
    for rel in sorted(new, key=lambda r: r in records):
        if rel in waiting:
            target = os.path.join(results, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(target) and not os.path.islink(target):  # a folder the new set replaces whole
                shutil.rmtree(target)
            os.replace(os.path.join(staging, rel), target)
    for rel in earlier:  # folders the earlier set's files leave empty
        parent = os.path.dirname(rel)
        if parent:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(results, parent))


def _entries(staging: str, whole: Sequence[str]) -> List[str]:
    """The files of `staging` as paths relative to it; the folders named in `whole` as one entry."""
    found = []
    for root, folders, files in os.walk(staging):
        rel_root = os.path.relpath(root, staging)
        for name in list(folders):
            if rel_root == "." and name in whole:
                found.append(name)
                folders.remove(name)
        found += [os.path.normpath(os.path.join(rel_root, name)) for name in files
                  if not (rel_root == "." and name == JOURNAL)]
    return sorted(found)


class Staging:
    """The staging folder of one run into `results_folder`: write into `.folder`, then `commit`."""

    def __init__(self, results_folder: str):
        self.results = os.path.abspath(results_folder)
        last_error = None
        for place in _places(results_folder):
            try:
                os.makedirs(place, exist_ok=True)
                self.folder = tempfile.mkdtemp(prefix=f"{_prefix(results_folder)}{os.getpid()}-", dir=place)
                break
            except OSError as err:
                last_error = err
        else:
            raise UserError(f"{results_folder}: the results cannot be staged beside it or in it "
                            f"({os_reason(last_error)})")

    def commit(self, remove: Sequence[str], whole: Sequence[str] = (),
               is_record: Callable[[str], bool] = lambda rel: False) -> List[str]:
        """Swap the staged files in, deleting the earlier files `remove` (relative paths in the
        results folder); folders named in `whole` (report_files) are swapped as one; the files
        `is_record` names are deleted first and put in place last. Returns the new files'
        relative paths."""
        new = _entries(self.folder, whole)
        remove = sorted(set(remove))
        journal = {"results": self.results, "new": new, "remove": remove,
                   "records": sorted(rel for rel in set(new) | set(remove) if is_record(rel))}
        save_text(os.path.join(self.folder, JOURNAL), json.dumps(journal, indent=1))
        try:
            _swap(self.folder, journal)
        except OSError as err:  # the folder made read-only meanwhile: the journal finishes it later
            raise UserError(f"{self.results}: the new results cannot be put in place ({os_reason(err)}); they "
                            f"wait in {self.folder}, and the next run of inference.py or pure_test.py on this "
                            "folder puts them in place once it can be written") from err
        shutil.rmtree(self.folder, ignore_errors=True)
        return new

    def discard(self) -> None:
        """Delete the staging folder, unless its swap has begun (its journal is there): then only
        finishing the swap leaves the results folder whole."""
        if not os.path.exists(os.path.join(self.folder, JOURNAL)):
            shutil.rmtree(self.folder, ignore_errors=True)

    def named_as_results(self, message: str) -> str:
        """`message` with the staging folder's paths shown as the results folder's."""
        return message.replace(self.folder, self.results)


@contextlib.contextmanager
def staged(results_folder: str) -> Iterator[Staging]:
    """A Staging for the block; deleted (the results folder untouched) if the block fails,
    with the paths of a UserError's message shown as the results folder's."""
    staging = Staging(results_folder)
    try:
        yield staging
    except UserError as err:
        staging.discard()
        if os.path.exists(os.path.join(staging.folder, JOURNAL)):
            raise
        raise UserError(staging.named_as_results(str(err))) from err
    except BaseException:
        staging.discard()
        raise
