"""Which detected changes were right: hits, false alarms and misses against labels, and the
scene each frame belongs to. Pure functions on index arrays."""

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from evaluation.metrics import label_spans, matched_pairs


@dataclass
class Change:
    """One change shown in the report: where it is, the pictures around it, how sure the tool was."""
    pair: int                    # the detection's pair (a miss: the label's pair)
    first: int                   # the picture before is cached frame `first`
    last: int                    # the picture after is cached frame `last + 1`
    score: float                 # confidence (>= 0: reported as a change)
    label: Optional[int] = None  # the true change it found (hits) or is (misses)


@dataclass
class Outcomes:
    """Detected changes split by the labels; without labels every detection is in `detected`."""
    detected: List[Change]
    hits: List[Change] = field(default_factory=list)
    false_alarms: List[Change] = field(default_factory=list)
    misses: List[Change] = field(default_factory=list)


def detected_changes(flags: np.ndarray, change_scores: np.ndarray, events: np.ndarray,
                     confidence: np.ndarray) -> List[Change]:
    """The flagged pairs, most confident first; a pair's confidence is its event's, else its
    change score (a change that --min_scene_len merged keeps the score of its pair)."""
    by_pair = {int(pair): float(value) for pair, value in zip(events[::-1], confidence[::-1])}
    pairs = np.flatnonzero(flags)
    changes = [Change(int(p), int(p), int(p), by_pair.get(int(p), float(change_scores[p]))) for p in pairs]
    return sorted(changes, key=lambda change: -change.score)


def split_by_labels(detected: List[Change], change_scores: np.ndarray, labels: np.ndarray,
                    spans: Optional[np.ndarray], tolerance: int) -> Outcomes:
    """Hits and false alarms (most confident first) and misses (highest score first: the
    nearest misses lead), matched one-to-one as pure_test.py scores them. A hit or miss of a
    gradual transition shows the pictures just outside the transition's span."""
    spans = label_spans(labels, spans)             # rows in the order of the sorted labels
    sorted_labels = np.sort(np.asarray(labels, dtype=np.int64).ravel(), kind="stable")
    last_pair = len(change_scores) - 1
    spans = np.minimum(spans, last_pair)
    label_of_detection = dict(matched_pairs([change.pair for change in detected], spans, tolerance))
    outcomes = Outcomes(detected=detected)
    for change in detected:
        row = label_of_detection.get(change.pair)
        if row is None:
            outcomes.false_alarms.append(change)
            continue
        first, last = int(spans[row, 0]), int(spans[row, 1])
        if first < last:
            change = Change(change.pair, first, last, change.score)
        change.label = int(sorted_labels[row])
        outcomes.hits.append(change)
    found = set(label_of_detection.values())
    for row, (first, last) in enumerate(spans):
        if row not in found:
            outcomes.misses.append(Change(int(sorted_labels[row]), int(first), int(last),
                                          float(np.max(change_scores[first:last + 1])),
                                          label=int(sorted_labels[row])))
    outcomes.misses.sort(key=lambda change: -change.score)
    return outcomes


def scene_of_each_frame(change_pairs: np.ndarray, frame_count: int) -> np.ndarray:
    """(frame_count,) int: the 0-based scene of every frame, a new scene after each change pair."""
    starts = np.zeros(frame_count, dtype=np.int64)
    pairs = np.asarray(change_pairs, dtype=np.int64)
    pairs = pairs[(pairs >= 0) & (pairs < frame_count - 1)]
    np.add.at(starts, pairs + 1, 1)
    return np.cumsum(starts)


def decision_line(candidates: List[dict], change: Change, missed: bool, reach: int = 2) -> Optional[str]:
    """Which stage of the selection decided a change shown, from change_candidates_<i>.csv rows:
    for a detection, the stage that came closest to dropping it; for a miss, the fate of the most
    confident candidate within `reach` pairs of the label's span (or that there was none)."""
    if not candidates:
        return None
    if not missed:
        at = [row for row in candidates if int(row["pair"]) == change.pair and row["kept"] == "1"]
        if not at:
            return None
        return f"kept; closest to dropping it: {at[0]['stage']} ({at[0]['reason']})"
    near = [row for row in candidates if change.first - reach <= int(row["pair"]) <= change.last + reach]
    if not near:
        return "no candidate here: the latents never stood out against the motion on either side"
    best = max(near, key=lambda row: float(row["confidence"]))
    return f"candidate at pair {best['pair']} dropped by {best['stage']}: {best['reason']}"
