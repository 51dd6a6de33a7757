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
"""

import os
import re
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

from data.sample import bundled_sample
from opts import parse_options
from utils.cli import run_cli
from utils.errors import UserError
from utils.labels import check_labels_in_range, load_label_spans
from utils.metrics import match_with_tolerance, original_accuracy, top_k_events, top_n_accuracy

RESULT_PATTERN = re.compile(r"^scene_change_res(\d+)\.npy$")


def result_files(location: str) -> List[str]:
    """The result file `location`, or those in the folder `location` in epoch order."""
    if os.path.isfile(location):
        return [location]
    if not os.path.isdir(location):
        raise UserError(f"{location}: no such results folder or file")
    found = sorted((int(m.group(1)), name) for name in os.listdir(location)
                   if (m := RESULT_PATTERN.match(name)))
    if not found:
        raise UserError(f"{location}: no scene_change_res<i>.npy files; run inference.py first")
    return [os.path.join(location, name) for _, name in found]


def _load_array(path: str, kinds: str, what: str) -> np.ndarray:
    """A 1-D array of one of the dtype `kinds` from a .npy result file, or a one-line UserError."""
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: unreadable result file ({err})".splitlines()[0])
    if values.ndim != 1 or values.dtype.kind not in kinds:
        raise UserError(f"{path}: not {what} (dtype {values.dtype}, shape {values.shape})")
    return values


def _load_ranking(path: str) -> np.ndarray:
    return _load_array(path, "iu", "a ranking of frame-pair indices").astype(np.int64)


def _pair_count(result_path: str, ranked: np.ndarray) -> Optional[int]:
    """How many frame pairs the result was computed on, from its kld_scores file when present."""
    match = RESULT_PATTERN.match(os.path.basename(result_path))
    if match:
        scores_path = os.path.join(os.path.dirname(result_path), f"kld_scores_{match.group(1)}.npy")
        if os.path.isfile(scores_path):
            return int(np.load(scores_path, mmap_mode="r").shape[0])
    if ranked.size and ranked.max() + 1 == ranked.size:  # a full ranking names every pair once
        return int(ranked.size)
    return None


def _beside(result_path: str, stem: str) -> Optional[str]:
    """The file `<stem>_<i>.npy` written beside scene_change_res<i>.npy, if it is there."""
    match = RESULT_PATTERN.match(os.path.basename(result_path))
    if not match:
        return None
    for name in (f"{stem}_{match.group(1)}.npy", f"{stem}{match.group(1)}.npy"):  # the second: earlier releases
        path = os.path.join(os.path.dirname(result_path), name)
        if os.path.isfile(path):
            return path
    return None


def score_results(labels_path: str, location: str, convention: str = "pair", tolerance: int = 2) -> List[Dict]:
    """One row per result file: the original accuracy, top-100 and, where the K-free
    selection is beside it, precision / recall / F1 of the selected changes at `tolerance`
    (spans of gradual transitions counted) and the F1 of the K most confident events."""
    labels, spans = load_label_spans(labels_path, convention)
    rows = []
    for path in result_files(location):
        ranked = _load_ranking(path)
        pairs = _pair_count(path, ranked)
        if pairs is not None:
            check_labels_in_range(labels, pairs, labels_path, path)
        row = {"file": os.path.basename(path), "accuracy": original_accuracy(ranked, labels),
               "top100": top_n_accuracy(ranked, labels, 100), "labels": int(labels.size)}
        flags_path = _beside(path, "scene_change_flags")
        if flags_path is not None:
            flags = _load_array(flags_path, "b", "a flag file (a 1-D boolean array)")
            row.update(match_with_tolerance(np.flatnonzero(flags), labels, tolerance, spans))
            events_path = _beside(path, "change_events")
            events = (_load_array(events_path, "iu", "a ranking of change events") if events_path
                      else ranked)
            row["topk_f1"] = match_with_tolerance(top_k_events(events, labels.size), labels, tolerance, spans)["f1"]
            row["tolerance"] = tolerance
        rows.append(row)
    return rows


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
    lines.append(f"({n} labels; accuracy = labels among the first {n} ranked pairs; top-100 = true changes "
                 "among the first 100" + ("; found = changes selected with no count given, scored with "
                                          f"a tolerance of {rows[0]['tolerance']} frames; top-K F1 = the {n} "
                                          "most confident change events)" if with_flags else ")"))
    return "\n".join(lines)


def evaluate(opt) -> List[Dict]:
    labels = opt.labels or bundled_sample(opt.cache_dir)["truth"]
    location = opt.directory or opt.model_folder or opt.output_folder
    rows = score_results(labels, location, opt.label_convention, opt.tolerance)
    print(format_table(rows))
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    opt = parse_options(argv, prog="pure_test.py", description="Score ranked scene changes against labels.")
    return run_cli(lambda: evaluate(opt))


if __name__ == "__main__":
    sys.exit(main())
