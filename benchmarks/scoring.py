"""One method's output on one data set, scored with the project's own metrics.

Detections are matched to labels one-to-one by a maximum matching; a detection anywhere
inside a gradual transition's span (widened by TOLERANCE) finds it, as in the shot-boundary
literature. Beside the F1 of what each method reports with no count given, the F1 of its K
most confident events (K = the number of labels) shows what it would say if told the count.
"""

from typing import Dict, Iterable, List

import numpy as np

from evaluation.metrics import label_spans, match_events, match_with_tolerance, original_accuracy, top_n_accuracy
from selection import rank_changes, rank_events_first

TOLERANCE = 2
TOP_N = 100


def ranking_of(result: Dict) -> np.ndarray:
    """Pairs ranked the way inference.py ranks them: the method's own events (or changes)
    first, then every other pair by its score."""
    if "ranking" in result:
        return np.asarray(result["ranking"], dtype=np.int64)
    scores = np.asarray(result["scores"], dtype=np.float64)
    if "events" in result:
        return rank_events_first(scores, result["events"])
    changes = np.asarray(result["changes"], dtype=np.int64)
    first = changes[np.argsort(-scores[changes], kind="stable")] if changes.size else changes
    return rank_events_first(scores, first)


def events_of(result: Dict) -> np.ndarray:
    """The method's events, most confident first (one pair per event); for a method that only
    has a per-pair score, its selected changes and then its other pairs by score."""
    if "events" in result:
        return np.asarray(result["events"], dtype=np.int64)
    return ranking_of(result)


def score(result: Dict, dataset) -> Dict:
    """accuracy (K = number of labels; own ranking, and the paper's KL ranking where the method
    has one), top-100 (100+ labels only), found/P/R/F1 at TOLERANCE with spans, F1 of the top-K
    events, and where the data set knows them, recall per kind and false alarms on each trap."""
    keep = dataset.labels < result["frames"] - 1
    labels, spans = dataset.labels[keep], dataset.spans[keep]
    changes = np.asarray(result["changes"], dtype=np.int64)
    ranked = ranking_of(result)
    match = match_with_tolerance(changes, labels, TOLERANCE, spans)
    top_k = match_with_tolerance(events_of(result)[:labels.size], labels, TOLERANCE, spans)
    paper_ranking = rank_changes(result["kl_scores"]) if "kl_scores" in result else ranked
    row = {"accuracy": original_accuracy(ranked, labels), "paper_accuracy": original_accuracy(paper_ranking, labels),
           "top100": top_n_accuracy(ranked, labels, TOP_N) if len(labels) >= TOP_N else None,
           "found": int(changes.size), "precision": match["precision"], "recall": match["recall"],
           "f1": match["f1"], "topk_f1": top_k["f1"]}
    for kind, pairs in dataset.kinds.items():
        chosen = np.isin(labels, pairs)
        row[f"recall_{kind}"] = (match_with_tolerance(changes, labels[chosen], TOLERANCE, spans[chosen])["recall"]
                                 if chosen.any() else None)
    if dataset.traps:
        unmatched = false_alarms(changes, labels, spans)
        for kind in sorted({t[0] for t in dataset.traps}):
            trap_spans = [(a, b) for k, a, b in dataset.traps if k == kind]
            row[f"alarms_{kind}"] = int(sum(any(a <= p <= b for a, b in trap_spans) for p in unmatched))
    return row


def score_scenes(result: Dict, dataset) -> Dict:
    """The scene level against the data set's changes of setting: precision, recall and F1 at
    TOLERANCE of the method's setting changes ("scene_*", where it reports them) and of every
    shot boundary it reports taken as a change of setting ("shots_*", what a shot detector says)."""
    row = {}
    keep = dataset.scene_labels < result["frames"] - 1
    labels, spans = dataset.scene_labels[keep], dataset.scene_spans[keep]
    answers = {"shots": result["changes"]}
    if "setting_changes" in result:
        answers["scene"] = result["setting_changes"]
    for name, found in answers.items():
        found = np.asarray(found, dtype=np.int64)
        match = match_with_tolerance(found, labels, TOLERANCE, spans)
        row.update({f"{name}_found": int(found.size), f"{name}_precision": match["precision"],
                    f"{name}_recall": match["recall"], f"{name}_f1": match["f1"]})
    return row


def false_alarms(changes: np.ndarray, labels: np.ndarray, spans: np.ndarray) -> List[int]:
    """Detections that no label's span (widened by TOLERANCE) could explain."""
    widened = label_spans(labels, spans)
    return [int(p) for p in np.unique(changes)
            if not match_events(np.array([p]), widened, TOLERANCE)]


def mean_and_spread(rows: Iterable[Dict]) -> Dict:
    """Per metric: {"mean", "sd" (sample standard deviation, 0 for one row), "n", "values"};
    entries that are not numbers (e.g. the commit a model was trained at) are left out."""
    rows = list(rows)
    out = {}
    for key in rows[0]:
        if isinstance(rows[0][key], str):
            continue
        values = [r[key] for r in rows if r.get(key) is not None]
        if not values:
            out[key] = None
            continue
        arr = np.asarray(values, dtype=np.float64)
        out[key] = {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                    "n": len(arr), "values": [float(v) for v in arr]}
    return out
