"""Score ranked scene-change results against labels, as the original pure_test.py did.

    python pure_test.py                                 # the bundled sample's labels, results in output/
    python pure_test.py --labels L --directory R        # (--dictionary R works too)

For every scene_change_res<i>.npy: the original accuracy (labels found among the first
len(labels) ranked pairs, divided by len(labels)) and the top-100 accuracy (share of the 100
highest-ranked pairs that are true changes), then their means over the files. Where
inference.py wrote its K-free selection beside a ranking (scene_change_flags_<i>.npy), also
the precision, recall and F1 of those changes, and the F1 of the K most confident change
events (change_events_<i>.npy, K = the number of labels): what the tool would say if it were
told the count. The gap between the two F1s is what the K-free decision loses. A detection
within --tolerance frames of a label, or anywhere inside a labelled gradual transition
(widened by the tolerance), finds it; each label is found once, by a maximum matching.

`--level scene` scores the scene level instead: the setting changes inference.py wrote
(setting_change_flags_<i>.npy) against the labels' changes of setting (a JSON
{"boundaries": [...]} leaves out those marked "same_setting": true; the generator's truth
gives its setting changes). The default, `--level shot`, scores the shot boundaries
(scene_change_flags_<i>.npy) against every boundary the labels give, the generator's cuts
that keep the setting included. The rankings are the same at both levels.

Results of frames sampled with --fps carry the source frame of each row
(frame_index_<i>.npy); the labels, in source frames, are moved onto the sampled pairs, and the
tolerance counts sampled frames. Results computed from scores that are not finite are refused.
"""

DESCRIPTION = ("Score the scene changes inference.py found against a film's labels: the paper's accuracy and "
               "top-100, and the precision, recall and F1 of the changes found.")

if __name__ == "__main__":  # before the libraries load: Ctrl-C then is one line too, and --help or a
    # mistyped option answers at once (torch takes seconds to import)
    from utils.cli import quiet_interrupt_while_loading
    quiet_interrupt_while_loading()
    from opts import parse_options
    SHELL_OPTIONS = parse_options(prog="pure_test.py", description=DESCRIPTION)

import os
import sys
import warnings
from typing import Dict, List, Optional, Sequence

import numpy as np

from data.sample import SAMPLE_FOLDER, bundled_sample
from evaluation.labels import (check_labels_in_range, check_same_film, follows_convention, labels_on_sampled_pairs,
                               load_label_spans, other_convention_hint, reads_first_frames)
from evaluation.metrics import match_with_tolerance, original_accuracy, top_k_events, top_n_accuracy
from opts import parse_options
from utils.cli import run_cli
from utils.errors import UserError, read_npy
from utils.result_sets import RESULT_FILES, beside, check_result_set, epoch_of, epochs_with, missing_results, \
    read_source, result_name, settle_for_reading
from utils.run_folder import check_one_run


def result_files(location: str) -> List[str]:
    """The result file `location`, or those in the folder `location` in epoch order."""
    if os.path.isfile(location):
        check_not_another_result(location)
        return [location]
    if not os.path.isdir(location):
        raise UserError(f"{location}: no such results folder or file")
    epochs = epochs_with(location, "ranking")
    if not epochs:
        raise missing_results(location, "ranking", one_film="score one film at a time, with --directory")
    return [os.path.join(location, result_name("ranking", epoch)) for epoch in epochs]


def check_not_another_result(path: str) -> None:
    """UserError when the file `path` is named as a result file of another kind than a ranking:
    frame_index_<i>.npy and change_events_<i>.npy hold whole numbers too, and were scored as a
    ranking, exit 0. A ranking under a name of the user's is read as one."""
    name = os.path.basename(path)
    for kind in RESULT_FILES:
        epoch = epoch_of(name, kind)
        if kind != "ranking" and epoch is not None:
            raise UserError(f"{path}: the {kind} file of a result set, not a ranking; give its "
                            f"{result_name('ranking', epoch)}, or its folder, to --directory")


def _load_array(path: str, kinds: str, what: str) -> np.ndarray:
    """A 1-D array of one of the dtype `kinds` from a .npy result file, or a one-line UserError."""
    values = read_npy(path, "a result file")
    if values.ndim != 1 or values.dtype.kind not in kinds:
        raise UserError(f"{path}: not {what} (dtype {values.dtype}, shape {values.shape})")
    return values


def _load_ranking(path: str, what: str = "a ranking of frame-pair indices") -> np.ndarray:
    """A ranking: frame-pair indices, none negative, none twice."""
    ranked = _load_array(path, "iu", what).astype(np.int64)
    if ranked.size and ranked.min() < 0:
        raise UserError(f"{path}: not {what} (holds the negative index {int(ranked.min())})")
    values, counts = np.unique(ranked, return_counts=True)
    if np.any(counts > 1):
        raise UserError(f"{path}: not {what} (names pair {int(values[counts > 1][0])} twice)")
    return ranked


def _pair_count(result_path: str, ranked: np.ndarray) -> Optional[int]:
    """How many frame pairs the result was computed on, from its kld_scores or flag file when
    present. Scores that are not finite (a diverged model) are a UserError."""
    scores_path = beside(result_path, "kld_scores")
    if scores_path is not None:
        scores = _load_array(scores_path, "f", "a file of pair scores")
        if not np.isfinite(scores).all():
            raise UserError(f"{scores_path}: the scores are not finite (NaN or infinity): the results come "
                            "from a diverged model")
        return int(scores.size)
    flags_path = beside(result_path, "scene_change_flags")
    if flags_path is not None:
        return int(_load_array(flags_path, "b", "a flag file (a 1-D boolean array)").size)
    if ranked.size and ranked.max() + 1 == ranked.size:  # a full ranking names every pair once
        return int(ranked.size)
    return None


def labels_in_result_frames(labels: np.ndarray, spans: np.ndarray, result_path: str, labels_path: str) -> tuple:
    """(labels, spans) in the pair numbering of the result: as they are, or moved onto the pairs
    of the sampled frames where frame_index_<i>.npy says the result's frames were sampled."""
    index_path = beside(result_path, "frame_index")
    if index_path is None:
        return labels, spans
    index = _load_array(index_path, "iu", "a list of source frame numbers")
    if index.size and np.array_equal(index, np.arange(index.size)):
        return labels, spans
    if index.size < 2 or np.any(np.diff(index) <= 0):
        raise UserError(f"{index_path}: not increasing source frame numbers of at least two frames")
    return labels_on_sampled_pairs(labels, spans, index, labels_path, result_path)


FLAG_FILES = {"shot": "scene_change_flags", "scene": "setting_change_flags"}  # the kinds of result file


def _record_of(path: str) -> Optional[Dict]:
    """The record inference.py wrote beside result file `path` (read_source), or None."""
    epoch = epoch_of(path, "ranking")
    return read_source(os.path.dirname(path), epoch) if epoch is not None else None


def score_results(labels_path: str, location: str, convention: str = "pair", tolerance: int = 2,
                  level: str = "shot") -> List[Dict]:
    """One row per result file: the original accuracy, top-100 and, where the K-free
    selection is beside it, precision / recall / F1 of the selected changes at `tolerance`
    (spans of gradual transitions counted) and the F1 of the K most confident events; all
    against the labels of `level` ("shot" or "scene"), the selection of that level."""
    source_labels, source_spans = load_label_spans(labels_path, convention, level)
    settle_for_reading(location if os.path.isdir(location) else os.path.dirname(location) or ".")
    paths = result_files(location)
    epochs = [epoch for p in paths if (epoch := epoch_of(p, "ranking")) is not None]
    check_one_run(os.path.dirname(paths[0]), epochs)
    for epoch in epochs:  # each set written by one run, none mixed by a run cut short
        check_result_set(os.path.dirname(paths[0]) or ".", epoch)
    rows = []
    said, convention_applies = False, follows_convention(labels_path)
    first_frames = reads_first_frames(labels_path, convention)
    for path in paths:
        ranked = _load_ranking(path)
        flags = None
        pairs = _pair_count(path, ranked)
        if pairs is None:
            warnings.warn(f"{path}: the number of frame pairs it was computed on is unknown (no kld_scores or "
                          "flags beside it), so the labels' range is not checked")
        record = _record_of(path)
        if record is not None and isinstance(record.get("source_frames"), int):
            check_same_film(labels_path, record["source_frames"], f"{path} (from {record.get('source', 'its film')})")
        labels, spans = labels_in_result_frames(source_labels, source_spans, path, labels_path)
        if pairs is not None:
            spans = check_labels_in_range(labels, pairs, labels_path, path, spans, first_frames=first_frames)
            if ranked.size and ranked.max() >= pairs:
                raise UserError(f"{path}: ranks pair {int(ranked.max())}, but its scores have only {pairs} pairs")
        row = {"file": os.path.basename(path), "accuracy": original_accuracy(ranked, labels),
               "top100": top_n_accuracy(ranked, labels, 100), "labels": int(labels.size)}
        flags_path = beside(path, FLAG_FILES[level])
        if level == "scene" and flags_path is None and beside(path, FLAG_FILES["shot"]) is not None:
            raise UserError(f"{os.path.dirname(path) or '.'}: no {FLAG_FILES['scene']} files beside the shot "
                            "level's: results of an earlier release; run inference.py again to score scenes")
        if flags_path is not None:
            flags = _load_array(flags_path, "b", "a flag file (a 1-D boolean array)")
            if pairs is not None and flags.size != pairs:
                raise UserError(f"{flags_path}: {flags.size} flags, but the results have {pairs} frame pairs; "
                                "run inference.py again")
            row.update(match_with_tolerance(np.flatnonzero(flags), labels, tolerance, spans))
            events_path = beside(path, "change_events")
            events = (_load_ranking(events_path, "a ranking of change events") if events_path
                      else ranked)
            row["topk_f1"] = match_with_tolerance(top_k_events(events, labels.size), labels, tolerance, spans)["f1"]
            row["tolerance"] = tolerance
        row["level"] = level
        rows.append(row)
        if not said and convention_applies:
            said = warn_other_convention(row, labels, ranked, flags, convention, labels_path)
    return rows


def warn_other_convention(row: Dict, labels: np.ndarray, ranked: np.ndarray, flags: Optional[np.ndarray],
                          convention: str, labels_path: str) -> bool:
    """Warn, and return True, when the labels look like the other --label_convention against the
    changes found (the flags) or the top of the ranking, which the accuracy counts exactly: such
    labels give an accuracy near 0 while F1, which forgives a frame or two, looks fine."""
    hint = other_convention_hint(labels, ranked[:labels.size], convention)
    if not hint and flags is not None:
        hint = other_convention_hint(labels, np.flatnonzero(flags), convention)
    if hint and "f1" in row and row["f1"] >= 0.5 and row["accuracy"] < 0.25 * row["f1"]:
        hint += f" (accuracy {row['accuracy']:.4f}, far below F1@{row['tolerance']} {row['f1']:.4f})"
    if hint:
        warnings.warn(f"{labels_path}: {hint}")
    return bool(hint)


def format_table(rows: List[Dict]) -> str:
    """A small plain-text table of the rows and their means."""
    with_flags = all("f1" in r for r in rows)
    width = max(len("mean"), *(len(r["file"]) for r in rows))
    header = f"{'result file':<{width}}  accuracy  top-100"
    if with_flags:
        header += f"  found  precision  recall  F1@{rows[0]['tolerance']}  top-K F1"

    def line(name, values):
        text = f"{name:<{width}}  {values['accuracy']:8.4f}  {values['top100']:7.4f}"
        if with_flags:
            text += (f"  {values['predicted']:5.0f}  {values['precision']:9.4f}  {values['recall']:6.4f}"
                     f"  {values['f1']:6.4f}  {values['topk_f1']:8.4f}")
        return text

    rule = "-" * len(header)
    lines = [header, rule] + [line(r["file"], r) for r in rows] + [rule]
    keys = ["accuracy", "top100"] + (["predicted", "precision", "recall", "f1", "topk_f1"] if with_flags else [])
    lines.append(line("mean", {k: float(np.mean([r[k] for r in rows])) for k in keys}))
    n = rows[0]["labels"]
    scene = rows[0].get("level") == "scene"
    what = "changes of setting (--level scene; found = setting_change_flags)" if scene else "labels"
    notes = [f"{n} {what}", f"accuracy = labels among the first {n} ranked pairs",
             "top-100 = true changes among the first 100"]
    if with_flags:
        notes += [f"found = changes selected with no count given, scored with a tolerance of {rows[0]['tolerance']} "
                  "frames", f"top-K F1 = the {n} most confident change events"
                  + (" of the shot level, whose ranking both levels share" if scene else "")]
    lines.append("(" + "; ".join(notes) + ")")
    return "\n".join(lines)


def check_sample_results(location: str) -> None:
    """With no --labels, the results must be of the bundled sample (a frame folder inside a
    SAMPLE_FOLDER, of whichever cache): a film of the user's is told so at once, before the
    sample is written to find its labels."""
    for path in result_files(location):
        record = _record_of(path)
        source = record.get("source") if record else None
        if isinstance(source, str) and SAMPLE_FOLDER not in os.path.normpath(source).split(os.sep):
            raise UserError(f"{path}: results of {source}, not of the bundled sample; give that film's "
                            "labels with --labels")


def evaluate(opt) -> List[Dict]:
    location = opt.directory or opt.model_folder or opt.output_folder
    if not opt.labels:
        check_sample_results(location)
    labels = opt.labels or bundled_sample(opt.cache_dir)["truth"]
    try:
        rows = score_results(labels, location, opt.label_convention, opt.tolerance, opt.level)
    except UserError as err:
        if opt.labels:
            raise
        raise UserError(f"{err} (with no --labels, the bundled sample's labels are used: "
                        f"give your film's labels with --labels)") from None
    print(format_table(rows))
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    if argv is None and "SHELL_OPTIONS" in globals():  # run from the shell: parsed before the imports
        opt = SHELL_OPTIONS
    else:
        opt = parse_options(argv, prog="pure_test.py", description=DESCRIPTION)
    return run_cli(lambda: evaluate(opt))


if __name__ == "__main__":
    sys.exit(main())
