"""The results folder: what inference.py leaves there, named, written and read in this one module.

A result set is the files inference.py writes for the checkpoint of epoch i (RESULT_FILES and
RESULT_FOLDERS name every one of them, here alone); the report adds report.html and
report_files/. Every writer goes through `new_result_sets`: the files are written with the
atomic writer (utils/atomic.py) into a staging folder that is swapped in at the end
(utils/staging.py), so that a run that fails or is killed leaves the earlier sets whole.

The record of each set, `result_source_<i>.json`, written last, holds the id of the detection
run and every file of the set (`files`: name -> bytes and sha256); the swap puts it in place
after the files. A reader (pure_test.py, `python -m scenes`, the report, the benchmark)
first finishes a swap a killed run left half done, then checks the set against its record: a
file changed, missing, or not listed is a set mixed from two runs, refused in one line. Records
of earlier releases list no files and are read as before.
"""

import contextlib
import hashlib
import json
import os
import re
from typing import Dict, Iterable, Iterator, List, Optional

import numpy as np

from utils.atomic import save_npy, save_text
from utils.errors import UserError, first_few, first_line, read_npy
from utils.staging import Staging, settle, staged, unfinished_swaps

# The files inference.py writes for the checkpoint of epoch i, by what they hold.
RESULT_FILES = {
    "latent_mu": "latent_mu_{i}.npy", "latent_logvar": "latent_logvar_{i}.npy", "kld_scores": "kld_scores_{i}.npy",
    "change_scores": "change_scores_{i}.npy", "change_scores_plot": "change_scores_{i}.png",
    "scene_change_flags": "scene_change_flags_{i}.npy", "setting_change_flags": "setting_change_flags_{i}.npy",
    "change_events": "change_events_{i}.npy", "change_confidence": "change_confidence_{i}.npy",
    "change_candidates": "change_candidates_{i}.csv", "frame_index": "frame_index_{i}.npy",
    "scenes_csv": "scenes_{i}.csv", "scenes_json": "scenes_{i}.json", "settings_csv": "settings_{i}.csv",
    "settings_json": "settings_{i}.json", "result_source": "result_source_{i}.json",
    "ranking": "scene_change_res{i}.npy", "scenes_edl": "scenes_{i}.edl", "scenes_otio": "scenes_{i}.otio",
    "settings_edl": "settings_{i}.edl", "settings_otio": "settings_{i}.otio",
}
# What --overwrite may delete: the exact names of the files of a set.
RESULT_NAMES = tuple(RESULT_FILES.values())
# The folders of a set: scenes_<i>/ the first frame of each scene (--save_images), clips_<i>/
# the film cut into its shots (--export clips); each with the names of the files written in it.
SCENE_THUMBNAIL = re.compile(r"^scene_\d{3,}\.jpg$")
CLIP_FILE = re.compile(r"^shot_\d{3,}\.mp4$")
RESULT_FOLDER_NAMES = {"thumbnails": "scenes_{i}", "clips": "clips_{i}"}
RESULT_FOLDERS = {RESULT_FOLDER_NAMES["thumbnails"]: SCENE_THUMBNAIL, RESULT_FOLDER_NAMES["clips"]: CLIP_FILE}
# Every file or folder of a set: one of the names' beginnings, an epoch, one of their endings.
_PARTS = [name.split("{i}") for name in RESULT_NAMES + tuple(RESULT_FOLDERS)]
RESULT_PATTERN = re.compile("^(?:" + "|".join(sorted({re.escape(a) for a, _ in _PARTS})) + r")(\d+)(?:"
                            + "|".join(sorted({re.escape(b) for _, b in _PARTS})) + ")$")
# A result file of a newer release than RESULT_PATTERN knows: a name, the epoch, an extension.
ANY_RESULT = re.compile(r"^[a-z_]+?_?(\d+)\.(?:npy|csv|json|png|edl|otio)$")
# The report's page, its pictures' folder (swapped in as one) and the one-file page (--embed).
REPORT_PAGE = "report.html"
REPORT_FILES = "report_files"
REPORT_EMBEDDED = "report_embedded.html"
# The pictures the report writes into REPORT_FILES.
REPORT_PICTURE = re.compile(r"^[a-z_]+(?:_\d{3,})?\.png$")


# --- names ----------------------------------------------------------------------------------------

def result_name(kind: str, epoch: int) -> str:
    """The name of the file (or folder) of `kind` (a key of RESULT_FILES or RESULT_FOLDER_NAMES)
    in the set of `epoch`."""
    return (RESULT_FILES[kind] if kind in RESULT_FILES else RESULT_FOLDER_NAMES[kind]).format(i=epoch)


def result_path(folder: str, kind: str, epoch: int) -> str:
    return os.path.join(folder, result_name(kind, epoch))


def _kind_pattern(kind: str) -> "re.Pattern":
    before, after = RESULT_FILES[kind].split("{i}")
    return re.compile(f"^{re.escape(before)}(\\d+){re.escape(after)}$")


def epoch_of(name: str, kind: str) -> Optional[int]:
    """The epoch of the file `name` when it is named as a file of `kind`, else None."""
    match = _kind_pattern(kind).match(os.path.basename(name))
    return int(match.group(1)) if match else None


def epochs_with(folder: str, kind: str) -> List[int]:
    """The epochs that have a file of `kind` in `folder`, in order ([] when there is no folder)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(epoch for name in names if (epoch := epoch_of(name, kind)) is not None)


def beside(path: str, kind: str, of: str = "ranking") -> Optional[str]:
    """The file of `kind` written beside `path`, a file of kind `of`, in the same set, if it is
    there (under its name, or the name of earlier releases: no `_` before the epoch)."""
    epoch = epoch_of(path, of)
    if epoch is None:
        return None
    for name in (result_name(kind, epoch), RESULT_FILES[kind].replace("_{i}", "{i}").format(i=epoch)):
        found = os.path.join(os.path.dirname(path), name)
        if os.path.isfile(found):
            return found
    return None


# --- the record of a set ------------------------------------------------------------------------

def source_path(folder: str, epoch: int) -> str:
    """Where inference.py records which checkpoint the results of `epoch` came from."""
    return result_path(folder, "result_source", epoch)


def is_record(rel: str) -> bool:
    """Whether the relative path `rel` is a set's record (what makes a set whole)."""
    return epoch_of(rel, "result_source") is not None and os.path.basename(rel) == rel


def read_source(folder: str, epoch: int) -> Optional[Dict]:
    """The record written beside the results of `epoch`, or None (none, or unreadable)."""
    try:
        with open(source_path(folder, epoch)) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def damaged_records(folder: str) -> List[int]:
    """The epochs of `folder` whose record is there but cannot be read as one (cut short, emptied,
    not a JSON object): their set's run, and whether its files are the run's, cannot be told."""
    return [epoch for epoch in epochs_with(folder, "result_source") if read_source(folder, epoch) is None]


def recorded_sources(folder: str) -> Dict[int, Dict]:
    """{epoch: record} of every result set in `folder` that says where it came from."""
    found = {}
    for epoch in epochs_with(folder, "result_source"):
        record = read_source(folder, epoch)
        if record is not None:
            found[epoch] = record
    return found


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
        if not match or int(match.group(1)) != epoch or name == result_name("result_source", epoch):
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
    return sorted(named | {result_name("result_source", epoch)})


# --- writing --------------------------------------------------------------------------------------

class ResultSetWriter:
    """The files of the set of `epoch`, written into `folder` (a staging folder of new_result_sets)
    through the atomic writer, by kind; `record` last."""

    def __init__(self, folder: str, epoch: int):
        self.folder, self.epoch = folder, epoch

    def path(self, kind: str) -> str:
        """Where the file of `kind` goes, for the writers that write it themselves (pictures, clips)."""
        return result_path(self.folder, kind, self.epoch)

    def array(self, kind: str, values: np.ndarray) -> str:
        return save_npy(self.path(kind), values)

    def text(self, kind: str, text: str) -> str:
        return save_text(self.path(kind), text)

    def record(self, fields: Dict) -> str:
        """The set's record: `fields` (checkpoint, run, film, detection id...) and every file
        written so far with its size and checksum."""
        return write_source(self.folder, self.epoch, {**fields, "files": file_list(self.folder, self.epoch)})


def write_source(folder: str, epoch: int, record: Dict) -> str:
    """Record which checkpoint and run the results of `epoch` came from."""
    return save_text(source_path(folder, epoch), json.dumps(record, indent=1))


@contextlib.contextmanager
def new_result_sets(results_folder: str, epochs: Iterable[int]) -> Iterator[Staging]:
    """A staging folder for the new sets of `epochs` (and the report) in `results_folder`; when
    the block ends, one swap puts them in place of the earlier sets of those epochs (their every
    file, by name and by record), the report's folder whole and each record last. A block that
    fails leaves the results folder as it was. The caller holds the folder's lock."""
    with staged(results_folder) as staging:
        yield staging
        replaced = [rel for epoch in sorted(set(epochs)) for rel in earlier_set(results_folder, epoch)]
        staging.commit(replaced, whole=(REPORT_FILES,), is_record=is_record)


# --- reading --------------------------------------------------------------------------------------

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
    problem = None
    if record is None and os.path.lexists(source_path(folder, epoch)):
        problem = f"its record {result_name('result_source', epoch)} is damaged"
    elif listed is None:
        return  # an earlier release's results, or no record at all: nothing to check against
    elif not isinstance(listed, dict):
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


def missing_results(folder: str, kind: str, one_film: str = "give one film's folder, such as") -> UserError:
    """The UserError for a folder with no file of `kind`: where its folders hold results (inference.py
    on several films writes each one's into a folder of its name), it names them, and `one_film`
    says how to give the first of them."""
    pattern = RESULT_FILES[kind].replace("{i}", "<i>")
    try:
        films = sorted(entry.name for entry in os.scandir(folder) if entry.is_dir() and epochs_with(entry.path, kind))
    except OSError:
        films = []
    if films:
        return UserError(f"{folder}: no {pattern} files here, but the results of {len(films)} "
                         f"film{'s' if len(films) > 1 else ''} in its folders ({first_few(films)}); {one_film} "
                         f"{os.path.join(folder, films[0])}")
    return UserError(f"{folder}: no {pattern} files; run inference.py first")


def open_result_set(folder: str, epoch: Optional[int] = None, newest_of: str = "change_scores") -> int:
    """Make the set of `epoch` (default: the newest with a file of kind `newest_of`) in `folder`
    ready to read: a stopped swap finished, the set checked against its record; returns its epoch."""
    settle_for_reading(folder)
    if epoch is None:
        if not os.path.isdir(folder):
            raise UserError(f"{folder}: no such results folder")
        epochs = epochs_with(folder, newest_of)
        if not epochs:
            raise missing_results(folder, newest_of)
        epoch = epochs[-1]
    check_result_set(folder, int(epoch))
    return int(epoch)


def load_result(folder: str, kind: str, epoch: int, ndim: Optional[int] = None) -> np.ndarray:
    """The array of `kind` in the set of `epoch`; a UserError when it is missing, unreadable or
    has not `ndim` dimensions."""
    path = result_path(folder, kind, epoch)
    if not os.path.isfile(path):
        raise UserError(f"{path}: missing; run inference.py again to write it")
    values = read_npy(path, "a result file")
    if ndim is not None and values.ndim != ndim:
        raise UserError(f"{path}: expected {ndim} dimension(s), found shape {values.shape}")
    return values


def load_json(folder: str, kind: str, epoch: int) -> Dict:
    """The JSON file of `kind` in the set of `epoch`; a UserError when it is unreadable."""
    path = result_path(folder, kind, epoch)
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: unreadable ({err.__class__.__name__}: {first_line(str(err))})")
