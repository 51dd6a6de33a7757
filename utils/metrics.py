"""Scores of predicted scene changes against labels. Pure functions on index arrays."""

from typing import Dict

import numpy as np


def original_accuracy(ranked: np.ndarray, labels: np.ndarray) -> float:
    """The paper's accuracy: share of labels found among the first len(labels) ranked pairs.

    With K = the number of labels this is the R-precision of the ranking.
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


def match_with_tolerance(predicted: np.ndarray, labels: np.ndarray, tolerance: int = 2) -> Dict[str, float]:
    """Precision, recall and F1 of predicted change indices, each label matched at most once.

    A prediction is a hit when an unmatched label lies within `tolerance` of it; predictions
    and labels are walked in order and each prediction takes the nearest free label.
    """
    predicted = np.unique(np.asarray(predicted, dtype=np.int64))
    labels = np.unique(np.asarray(labels, dtype=np.int64))
    free = np.ones(labels.size, dtype=bool)
    hits = 0
    for p in predicted:
        lo, hi = np.searchsorted(labels, [p - tolerance, p + tolerance + 1])
        candidates = [j for j in range(lo, hi) if free[j]]
        if candidates:
            best = min(candidates, key=lambda j: abs(labels[j] - p))
            free[best] = False
            hits += 1
    precision = hits / predicted.size if predicted.size else 0.0
    recall = hits / labels.size if labels.size else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_positives": hits,
            "predicted": int(predicted.size), "labels": int(labels.size)}
