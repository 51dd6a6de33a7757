"""One method's output on one data set, scored with the project's own metrics."""

from typing import Dict, Iterable, List

import numpy as np

from utils.changes import rank_selected_first
from utils.metrics import match_with_tolerance, original_accuracy, top_n_accuracy

TOLERANCE = 2
TOP_N = 100


def ranking_of(result: Dict) -> np.ndarray:
    """Pairs ranked the way inference.py ranks them: the method's own changes first, then by score."""
    if "ranking" in result:
        return np.asarray(result["ranking"], dtype=np.int64)
    scores = np.asarray(result["scores"], dtype=np.float64)
    flags = np.zeros(len(scores), dtype=bool)
    flags[np.asarray(result["changes"], dtype=np.int64)] = True
    return rank_selected_first(scores, flags)


def score(result: Dict, dataset) -> Dict:
    """accuracy (K = number of labels), top-100 (100+ labels only), found/P/R/F1 at TOLERANCE,
    and, where the data set knows them, recall per kind and false alarms on each kind of trap."""
    labels = dataset.labels[dataset.labels < result["frames"] - 1]
    changes = np.asarray(result["changes"], dtype=np.int64)
    ranked = ranking_of(result)
    match = match_with_tolerance(changes, labels, TOLERANCE)
    row = {"accuracy": original_accuracy(ranked, labels),
           "top100": top_n_accuracy(ranked, labels, TOP_N) if len(labels) >= TOP_N else None,
           "found": int(changes.size), "precision": match["precision"], "recall": match["recall"],
           "f1": match["f1"]}
    for kind, pairs in dataset.kinds.items():
        row[f"recall_{kind}"] = match_with_tolerance(changes, pairs, TOLERANCE)["recall"] if len(pairs) else None
    if dataset.traps:
        unmatched = _false_alarms(changes, labels)
        for kind in sorted({t[0] for t in dataset.traps}):
            spans = [(a, b) for k, a, b in dataset.traps if k == kind]
            row[f"alarms_{kind}"] = int(sum(any(a <= p <= b for a, b in spans) for p in unmatched))
    return row


def _false_alarms(changes: np.ndarray, labels: np.ndarray) -> List[int]:
    """Detections no label within TOLERANCE explains."""
    labels = np.sort(labels)
    return [int(p) for p in changes
            if not np.any(np.abs(labels[max(0, np.searchsorted(labels, p) - 1):np.searchsorted(labels, p) + 1] - p)
                          <= TOLERANCE)]


def mean_and_spread(rows: Iterable[Dict]) -> Dict:
    """Per metric: {"mean", "sd" (sample standard deviation, 0 for one row), "n", "values"}."""
    rows = list(rows)
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows if r.get(key) is not None]
        if not values:
            out[key] = None
            continue
        arr = np.asarray(values, dtype=np.float64)
        out[key] = {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                    "n": len(arr), "values": [float(v) for v in arr]}
    return out
