"""Scores of predicted scene changes against labels. Pure functions on index arrays.

A label is a frame pair (index i = a change between frames i and i+1) and, for a gradual
transition, the span of pairs it covers: as in the shot-boundary literature (TRECVID, the
TransNet papers), a detection anywhere inside a transition's span, widened by the tolerance,
finds it. Each label is found at most once and each detection finds at most one label, and
the matching is a maximum one (see match_events), so no order of walking can cost a hit.
"""

import heapq
from typing import Dict, List, Optional, Tuple

import numpy as np


def original_accuracy(ranked: np.ndarray, labels: np.ndarray) -> float:
    """The paper's accuracy: share of labels found among the first len(labels) ranked pairs.

    With K = the number of labels this is the R-precision of the ranking. Exact pairs, no span.
    """
    labels = np.unique(np.asarray(labels, dtype=np.int64))
    if labels.size == 0:
        raise ValueError("no labels to score against")
    top = np.asarray(ranked, dtype=np.int64)[:labels.size]
    return float(np.isin(labels, top).sum()) / labels.size


def top_n_accuracy(ranked: np.ndarray, labels: np.ndarray, n: int = 100) -> float:
    """Share of the n highest-ranked pairs that are true changes (fewer if fewer were ranked)."""
    top = np.asarray(ranked, dtype=np.int64)[:n]
    if top.size == 0:
        return 0.0
    return float(np.isin(top, np.asarray(labels, dtype=np.int64)).sum()) / top.size


def label_spans(labels: np.ndarray, spans: Optional[np.ndarray] = None) -> np.ndarray:
    """(K, 2) int64 [first, last] pair of each label, sorted by label; a cut's span is itself.

    `spans`, when given, holds one [first, last] row per label (in the order of `labels`);
    every span is widened to contain its label.
    """
    labels = np.asarray(labels, dtype=np.int64).ravel()
    if spans is None:
        out = np.stack([labels, labels], axis=1)
    else:
        out = np.asarray(spans, dtype=np.int64).reshape(-1, 2).copy()
        if len(out) != len(labels):
            raise ValueError(f"{len(labels)} labels but {len(out)} spans")
        out[:, 0] = np.minimum(out[:, 0], labels)
        out[:, 1] = np.maximum(out[:, 1], labels)
    return out[np.argsort(labels, kind="stable")]


def matched_pairs(predicted: np.ndarray, spans: np.ndarray, tolerance: int = 2) -> List[Tuple[int, int]]:
    """(detection, row of `spans`) of a largest set of pairs, each detection and label used
    once, where the detection lies within [first - tolerance, last + tolerance] of the span.

    Detections are points and labels intervals, so taking detections from the left and
    giving each the open interval that closes first is a maximum matching (the exchange
    argument of interval scheduling); tests check it against brute force.
    """
    predicted = np.unique(np.asarray(predicted, dtype=np.int64))
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    lo, hi = spans[:, 0] - tolerance, spans[:, 1] + tolerance
    order = np.argsort(lo, kind="stable")
    open_ends: list = []
    next_label, pairs = 0, []
    for p in predicted:
        while next_label < len(order) and lo[order[next_label]] <= p:
            row = int(order[next_label])
            heapq.heappush(open_ends, (int(hi[row]), row))
            next_label += 1
        while open_ends and open_ends[0][0] < p:
            heapq.heappop(open_ends)  # closed before this detection: nothing later can take it
        if open_ends:
            pairs.append((int(p), heapq.heappop(open_ends)[1]))
    return pairs


def match_events(predicted: np.ndarray, spans: np.ndarray, tolerance: int = 2) -> int:
    """The largest number of (detection, label) pairs, each used once, where the detection
    lies within [first - tolerance, last + tolerance] of the label's span (matched_pairs)."""
    return len(matched_pairs(predicted, spans, tolerance))


def match_with_tolerance(predicted: np.ndarray, labels: np.ndarray, tolerance: int = 2,
                         spans: Optional[np.ndarray] = None) -> Dict[str, float]:
    """Precision, recall and F1 of predicted change indices against labels (and their spans).

    A detection within `tolerance` pairs of a label, or of its span when `spans` is given,
    can find it; the matching is one-to-one and maximum (match_events).
    """
    predicted = np.unique(np.asarray(predicted, dtype=np.int64))
    labels = np.asarray(labels, dtype=np.int64).ravel()
    if spans is None:
        labels = np.unique(labels)
    hits = match_events(predicted, label_spans(labels, spans), tolerance)
    precision = hits / predicted.size if predicted.size else 0.0
    recall = hits / labels.size if labels.size else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_positives": hits,
            "predicted": int(predicted.size), "labels": int(labels.size)}


def top_k_events(event_ranking: np.ndarray, k: int) -> np.ndarray:
    """The first k entries of a ranking of events (one pair per event): the changes a method
    would report if it were told the true count."""
    return np.asarray(event_ranking, dtype=np.int64)[:max(0, int(k))]
