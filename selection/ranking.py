"""Rankings of the pairs: by the KL alone (the paper's), or the change events first (ours)."""

import numpy as np


def rank_changes(scores: np.ndarray, top_k: int = 0) -> np.ndarray:
    """Pair indices by descending score (ties: earlier pair first); the first `top_k` if > 0."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable").astype(np.int64)
    return order[:top_k] if top_k > 0 else order


def rank_events_first(scores: np.ndarray, events: np.ndarray, top_k: int = 0) -> np.ndarray:
    """Pair indices: the events in their order (one pair per event), then every other pair by score.

    The events come first so that the neighbours of a cut, which share its high score, do not
    crowd the top of the ranking; the first K entries are the K most confident changes.
    """
    scores = np.asarray(scores, dtype=np.float64)
    events = np.asarray(events, dtype=np.int64)
    rest = np.ones(scores.size, dtype=bool)
    rest[events] = False
    order = np.concatenate([events, rank_changes(np.where(rest, scores, -np.inf))[:int(rest.sum())]])
    return order[:top_k] if top_k > 0 else order
