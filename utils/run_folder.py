"""What one training run leaves in its folder, so that two runs are never mixed there.

A run is named by an id drawn when main.py starts it and kept by `--resume`; every
checkpoint holds it, and inference.py writes it beside each result set
(`result_source_<i>.json`). main.py refuses to start a fresh run in a folder that holds
another run's checkpoints unless `--overwrite` is given, which deletes that run's files
(checkpoints, loss history, pictures, the results inference.py wrote there) first; so does
inference.py for a results folder holding another run's results, and pure_test.py refuses to
average results of several runs.
"""

import os
import re
import uuid
from typing import Dict, List, Optional, Sequence, Tuple

from utils.checkpoints import CHECKPOINT_PATTERN, INTERRUPTED_NAME
from utils.errors import UserError
from utils.result_sets import (REPORT_PICTURE, RESULT_FOLDERS, RESULT_NAMES, RESULT_PATTERN, damaged_records,
                               read_source, recorded_sources, result_name)

TRAINING_FILES = ("loss_history.json", "loss_history.png", "reconstructions.png", INTERRUPTED_NAME)


def new_run_id() -> str:
    """A fresh id for a training run."""
    return uuid.uuid4().hex[:12]


def run_files(folder: str, also: Sequence[str] = ()) -> List[str]:
    """Paths of what a run (training or detection) wrote in `folder`, and of the names `also`."""
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if CHECKPOINT_PATTERN.match(name) or name in TRAINING_FILES or RESULT_PATTERN.match(name)
                  or name in also)


def start_fresh_run(folder: str, overwrite: bool, also: Sequence[str] = ()) -> None:
    """Make `folder` ready for a new run at once: check_fresh_run, then clear_earlier_run."""
    if check_fresh_run(folder, overwrite):
        clear_earlier_run(folder, also)


def check_fresh_run(folder: str, overwrite: bool) -> bool:
    """Whether `folder` holds an earlier run's files that a new run must delete before writing
    its own: a UserError when it holds another run's checkpoints or detection results (those
    that say where they came from) and `overwrite` is not given. Deletes nothing, so that every
    other check can run before the earlier run is lost."""
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    earlier = [name for name in names if CHECKPOINT_PATTERN.match(name) or name == INTERRUPTED_NAME]
    if earlier and not overwrite:
        raise UserError(f"{folder}: holds the checkpoints of an earlier run ({len(earlier)}, e.g. {earlier[-1]}); "
                        "pass --resume to continue it, --overwrite to replace it, or another --output_folder")
    detected = sorted(recorded_sources(folder))
    if detected and not overwrite:  # another model's: scored later, they would pass for this one's
        raise UserError(f"{folder}: holds the results of an earlier detection (of the checkpoint of epoch "
                        f"{detected[-1]}); pass --overwrite to replace them, or another --output_folder")
    return bool(overwrite and names)


def clear_earlier_run(folder: str, also: Sequence[str] = ()) -> None:
    """Delete the files an earlier run wrote in `folder`, by their exact names (and those named
    `also`: what other tools made of its results); nothing else."""
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    files = [name for name in names if os.path.isfile(os.path.join(folder, name))]
    epochs = {int(m.group(1)) for name in files if (m := CHECKPOINT_PATTERN.match(name))}
    for name in files:
        if CHECKPOINT_PATTERN.match(name) or name in TRAINING_FILES:
            os.remove(os.path.join(folder, name))
    remove_results(folder, epochs | set(recorded_sources(folder)))
    for name in also:  # the report's page (a file) and its pictures' folder
        path = os.path.join(folder, name)
        remove_written(path, REPORT_PICTURE if os.path.isdir(path) else None)


def remove_written(path: str, inside: Optional["re.Pattern"] = None) -> None:
    """Delete what this tool wrote at `path`: the file, or (given `inside`) in the folder `path`
    the files whose names match `inside` and then the folder if nothing else is left in it.
    Another file, or a folder where a file was written, stays."""
    if inside is None:
        if os.path.isfile(path):
            os.remove(path)
        return
    if os.path.isdir(path) and not os.path.islink(path):
        for name in os.listdir(path):
            if inside.match(name) and os.path.isfile(os.path.join(path, name)):
                os.remove(os.path.join(path, name))
        if not os.listdir(path):
            os.rmdir(path)


def remove_results(folder: str, epochs) -> None:
    """Delete the files inference.py wrote in `folder` for the checkpoints of `epochs`, by their
    exact names (a user's own files there, even ones named alike, stay)."""
    for epoch in epochs:
        for name in RESULT_NAMES:
            remove_written(os.path.join(folder, name.format(i=epoch)))
        for inner, names in RESULT_FOLDERS.items():
            remove_written(os.path.join(folder, inner.format(i=epoch)), names)


def check_not_a_frame_folder(folder: str, sources: Sequence[str], what: str, option: str) -> None:
    """UserError when `folder`, where a script writes (`what`, set by `option`), is one of the
    frame folders among `sources`: its pictures would be read as frames by the next run."""
    target = os.path.realpath(folder)
    for source in sources:
        if os.path.isdir(source) and os.path.realpath(source) == target:
            raise UserError(f"{folder}: the {what} is the folder of frames {source}, whose next run would "
                            f"read the files written there as frames; give another {option}")


def check_not_a_run_folder(folder: str) -> None:
    """UserError when `folder`, given as a film's frames, is a folder main.py or inference.py wrote
    (it holds checkpoints or a result set): its plots would be taken for the film's frames, and the
    run would end on "needs at least two frames", or train on the plots."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return  # said by the listing of the frames, naming the folder
    checkpoints = [name for name in names if CHECKPOINT_PATTERN.match(name) or name == INTERRUPTED_NAME]
    results = [name for name in names if name.startswith("result_source_") and RESULT_PATTERN.match(name)]
    if checkpoints or results:
        use = "this folder as inference.py's --model_folder" if checkpoints else \
            "this folder to pure_test.py as --directory"
        raise UserError(f"{folder}: a folder this tool wrote (it holds {(checkpoints or results)[-1]}), not a film's "
                        f"frames; give the film's folder of frames or its video, and {use}")


def _same_source(record: Dict, epoch: int, checkpoints: Dict[int, Tuple[str, Optional[str]]]) -> bool:
    """Whether results recorded as `record` (for `epoch`) come from the run of `checkpoints`
    ({epoch: (path, run)}): the same run id, or, without ids (the original code's bare state
    dicts), the same checkpoint file for the same epoch."""
    runs = {run for _, run in checkpoints.values() if run}
    if record.get("run") and runs:
        return record["run"] in runs
    if epoch in checkpoints:
        return os.path.abspath(record.get("checkpoint", "")) == os.path.abspath(checkpoints[epoch][0])
    return True  # another epoch, and nothing to tell runs apart by


def _same_film(record: Dict, source: Optional[str]) -> bool:
    """Whether results recorded as `record` are of the film `source` (a video or folder of frames;
    None: not known, taken as the same): the results of another film of the same run would be
    replaced by this film's, or mixed with them, without a word."""
    recorded = record.get("source")
    if source is None or not isinstance(recorded, str):
        return True
    return os.path.realpath(recorded) == os.path.realpath(source)


def make_room_for_results(folder: str, checkpoints: Dict[int, Tuple[str, Optional[str]]],
                          overwrite: bool, source: Optional[str] = None) -> List[int]:
    """Before inference.py writes the results of `checkpoints` ({epoch: (path, run)}) for the
    film `source` into `folder`: a UserError when it holds results of another run or checkpoint,
    or of another film, which would mix with them (pure_test.py scores every result set of a
    folder) or be replaced by them, unless `overwrite`. Returns the epochs of those results, which
    the new run's swap deletes (utils/staging.py): nothing is deleted here, so that a run that
    fails leaves them."""
    records = recorded_sources(folder)
    other_film = sorted(epoch for epoch, record in records.items() if not _same_film(record, source))
    if other_film and not overwrite:
        film = records[other_film[0]]["source"]
        raise UserError(f"{folder}: holds the results of another film ({film}: epochs "
                        f"{', '.join(map(str, other_film))}); pass --overwrite to replace them, or another "
                        "--results_folder")
    foreign = sorted(epoch for epoch, record in records.items()
                     if not _same_source(record, epoch, checkpoints) or epoch in other_film)
    damaged = damaged_records(folder)  # of a run that cannot be told: kept as another run's
    if damaged and not overwrite:
        raise UserError(f"{folder}: holds results whose record is damaged ({result_name('result_source', damaged[0])}), of a run "
                        "that cannot be told; pass --overwrite to replace them, or another --results_folder")
    foreign = sorted(foreign + damaged)
    if foreign and not overwrite:
        record = read_source(folder, foreign[0])
        raise UserError(f"{folder}: holds results of another run (epochs {', '.join(map(str, foreign))}, from "
                        f"{record.get('checkpoint')}); pass --overwrite to replace them, or another --results_folder")
    return foreign


def check_one_run(folder: str, epochs: List[int]) -> None:
    """UserError when the result sets of `epochs` in `folder` say they came from different runs,
    or from different films: one run's checkpoints may be run on several films, and a mean over
    them would score neither."""
    runs, films = {}, {}
    for epoch in epochs:
        record = read_source(folder, epoch)
        if record is not None and record.get("run"):
            runs.setdefault(record["run"], []).append(epoch)
        if record is not None and isinstance(record.get("source"), str):
            films.setdefault((record["source"], record.get("source_frames")), []).append(epoch)
    if len(runs) > 1:
        described = "; ".join(f"run {run}: epochs {', '.join(map(str, found))}" for run, found in runs.items())
        raise UserError(f"{folder}: holds results of {len(runs)} training runs ({described}); score one run at a time")
    if len(films) > 1:
        described = "; ".join(f"{os.path.basename(source.rstrip(os.sep)) or source}: epochs {', '.join(map(str, found))}"
                              for (source, _), found in films.items())
        raise UserError(f"{folder}: holds results of {len(films)} films ({described}); score one film at a time "
                        "(give one scene_change_res<i>.npy file)")
