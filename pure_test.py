"""Score ranked scene-change results against labels, as the original pure_test.py did.

    python pure_test.py                                 # the bundled sample's labels, results in output/
    python pure_test.py --labels L --directory R        # (--dictionary R works too)

For every scene_change_res<i>.npy: the original accuracy (labels found among the first
len(labels) ranked pairs, divided by len(labels)) and the top-100 accuracy (share of the 100
highest-ranked pairs that are true changes), then their means over the files.
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
from utils.labels import check_labels_in_range, load_labels
from utils.metrics import original_accuracy, top_n_accuracy

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


def _load_ranking(path: str) -> np.ndarray:
    try:
        ranked = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: unreadable result file ({err})".splitlines()[0])
    if ranked.ndim != 1 or ranked.dtype.kind not in "iu":
        raise UserError(f"{path}: not a ranking of frame-pair indices (dtype {ranked.dtype}, shape {ranked.shape})")
    return ranked.astype(np.int64)


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


def score_results(labels_path: str, location: str, convention: str = "pair") -> List[Dict]:
    """One row per result file: name, accuracy, top100 (and the labels' count)."""
    labels = load_labels(labels_path, convention)
    rows = []
    for path in result_files(location):
        ranked = _load_ranking(path)
        pairs = _pair_count(path, ranked)
        if pairs is not None:
            check_labels_in_range(labels, pairs, labels_path, path)
        rows.append({"file": os.path.basename(path), "accuracy": original_accuracy(ranked, labels),
                     "top100": top_n_accuracy(ranked, labels, 100), "labels": int(labels.size)})
    return rows


def format_table(rows: List[Dict]) -> str:
    """A small plain-text table of the rows and their means."""
    width = max(len("mean"), *(len(r["file"]) for r in rows))
    lines = [f"{'result file':<{width}}  accuracy  top-100", "-" * (width + 19)]
    lines += [f"{r['file']:<{width}}  {r['accuracy']:8.4f}  {r['top100']:7.4f}" for r in rows]
    lines.append("-" * (width + 19))
    lines.append(f"{'mean':<{width}}  {np.mean([r['accuracy'] for r in rows]):8.4f}  "
                 f"{np.mean([r['top100'] for r in rows]):7.4f}")
    lines.append(f"({rows[0]['labels']} labels; accuracy = labels among the first {rows[0]['labels']} "
                 "ranked pairs; top-100 = true changes among the first 100)")
    return "\n".join(lines)


def evaluate(opt) -> List[Dict]:
    labels = opt.labels or bundled_sample(opt.cache_dir)["val_labels"]
    location = opt.directory or opt.model_folder or opt.output_folder
    rows = score_results(labels, location)
    print(format_table(rows))
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    opt = parse_options(argv, prog="pure_test.py", description="Score ranked scene changes against labels.")
    return run_cli(lambda: evaluate(opt))


if __name__ == "__main__":
    sys.exit(main())
