"""One result set, one run: the record of each set lists its files with their sizes and
checksums, and readers refuse a set whose files do not match it.

inference.py writes `result_source_<i>.json` last into its staging folder, with the id of the
detection run and every file of epoch i (`files`: name -> bytes and sha256). The swap of
utils/staging.py puts the record in place after the files. A reader (pure_test.py,
`python -m utils.scenes`, the report) first finishes a swap a killed run left half done, then
checks the set against its record: a file changed, missing, or not listed is a set mixed from
two runs, refused in one line. Records of earlier releases list no files and are read as before.
"""

import contextlib
import hashlib
import os
import re
from typing import Dict, List

from utils.errors import UserError
from utils.run_folder import RESULT_FOLDERS, RESULT_PATTERN, read_source, source_path
from utils.staging import settle, unfinished_swaps

# A result file of a newer release than RESULT_PATTERN knows: a name, the epoch, an extension.
ANY_RESULT = re.compile(r"^[a-z_]+?_?(\d+)\.(?:npy|csv|json|png|edl|otio)$")


def epoch_files(folder: str, epoch: int, any_result: bool = False) -> List[str]:
    """The files of the result set of `epoch` in `folder` (relative paths), its record aside:
    those named as inference.py names them, and with `any_result` (a staging folder, which holds
    nothing else) any file named <name>_<epoch>.<npy|csv|json|png|edl|otio>."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = RESULT_PATTERN.match(name) or (ANY_RESULT.match(name) if any_result else None)
        if not match or int(match.group(1)) != epoch or name == os.path.basename(source_path(folder, epoch)):
            continue
        path = os.path.join(folder, name)
        inside = next((names for folder_name, names in RESULT_FOLDERS.items()
                       if name == folder_name.format(i=epoch)), None)
        if inside is not None and os.path.isdir(path):  # thumbnails, clips
            found += [os.path.join(name, inner) for inner in sorted(os.listdir(path))
                      if inside.match(inner) and os.path.isfile(os.path.join(path, inner))]
        elif os.path.isfile(path):
            found.append(name)
    return sorted(found)


def checksum(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_list(folder: str, epoch: int) -> Dict[str, Dict]:
    """{relative path: {"bytes", "sha256"}} of the set of `epoch` in `folder`, for its record."""
    return {rel: {"bytes": os.path.getsize(os.path.join(folder, rel)), "sha256": checksum(os.path.join(folder, rel))}
            for rel in epoch_files(folder, epoch, any_result=True)}


def earlier_set(folder: str, epoch: int) -> List[str]:
    """The files a new set of `epoch` replaces in `folder`: those named as results of that epoch,
    those its record lists, and the record."""
    record = read_source(folder, epoch)
    listed = record.get("files") if record is not None else None
    named = set(epoch_files(folder, epoch))
    if isinstance(listed, dict):
        named |= {rel for rel in map(str, listed) if os.path.normpath(rel) == rel and not rel.startswith("..")
                  and not os.path.isabs(rel)}
    return sorted(named | {os.path.basename(source_path(folder, epoch))})


def settle_for_reading(folder: str) -> None:
    """Finish a swap that a killed run left half done in `folder`, under the folder's lock, before
    its results are read; a UserError when that cannot be done (a live run holds the folder, or
    it cannot be written)."""
    if not unfinished_swaps(folder):
        return
    from utils.folder_lock import folder_lock
    try:
        with folder_lock(folder, "results folder", "finishing a stopped run's swap"):
            settle(folder)
    except UserError as err:
        raise UserError(f"{folder}: a detection run stopped while putting its results in place, and its swap "
                        f"cannot be finished now ({err}); run inference.py again") from None


def check_result_set(folder: str, epoch: int) -> None:
    """UserError when the files of the set of `epoch` in `folder` are not those its record lists."""
    record = read_source(folder, epoch)
    listed = record.get("files") if record is not None else None
    if listed is None:
        return  # an earlier release's results, or no record at all: nothing to check against
    problem = None
    if not isinstance(listed, dict):
        problem = "its record's file list is damaged"
    else:
        present = epoch_files(folder, epoch)
        extra = sorted(set(present) - set(listed))
        if extra:
            problem = f"{extra[0]} is not in its record"
        for rel, entry in listed.items():
            if problem:
                break
            path = os.path.join(folder, str(rel))
            if not os.path.isfile(path):
                problem = f"{rel} is missing"
            elif not isinstance(entry, dict) or entry.get("bytes") != os.path.getsize(path):
                problem = f"{rel} is not the file the run wrote"
            else:
                with contextlib.suppress(OSError):
                    if entry.get("sha256") != checksum(path):
                        problem = f"{rel} is not the file the run wrote"
    if problem:
        raise UserError(f"{folder}: the result files of epoch {epoch} do not all come from one run ({problem}); "
                        "run inference.py again to write a whole set")
