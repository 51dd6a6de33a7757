"""One pick per event: a change seen at several scales, or from both sides, is one change.

Exists because every scale sees a cut or a transition: a cut is a peak at h = 0 and again at
every coarser span that holds it, and a dissolve peaks at two or three neighbouring scales. A
coarse candidate whose span holds a change found at a finer scale is that change (or a burst of
them) seen from further away, and the finer one is placed better (`unexplained`). Then, most
confident first, a candidate within the reach of one kept already (h + 1, at least the
minimum scene length) is that event again (`one_per_event`). The order of the events is the
ranking the K-free decision cuts: the first K are what the tool says if told the count.
"""

from typing import Callable, List, Optional

import numpy as np

from selection.candidate import Candidate


def unexplained(candidates: List[Candidate], num_pairs: int, camera: Optional[Callable] = None) -> List[Candidate]:
    """The candidates whose span holds no change found at a finer scale (the others are marked
    dropped). `camera`, when given, judges the gradual candidates left at each scale before
    they explain coarser ones: a pan seen at a fine scale is no change a coarser view repeats."""
    finer_change = np.zeros(num_pairs + 1, dtype=bool)
    kept = []
    for h in sorted({c.scale for c in candidates}):
        at_scale = [c for c in candidates if c.scale == h]
        if h > 0:
            for c in at_scale:
                inside = np.flatnonzero(finer_change[max(0, c.first):c.second])
                if inside.size:
                    c.drop("one_pick", f"a finer change at pair {max(0, c.first) + int(inside[0])} lies inside "
                                       "its span: the same event seen from further away")
            at_scale = [c for c in at_scale if not c.dropped_by]
            if camera is not None:
                camera(at_scale, finer_change)
        for c in at_scale:
            if c.confidence >= 0:
                finer_change[c.pair] = True
        kept.extend(at_scale)
    return kept


def one_per_event(candidates: List[Candidate], num_pairs: int, min_gap: int) -> List[Candidate]:
    """Most confident first (then the most evidence, the finest scale, the earliest pair); a
    candidate within the reach (h + 1, at least min_gap) of one kept already, or whose own
    reach holds one, is that event seen at another scale (marked dropped)."""
    candidates = sorted(candidates, key=lambda c: (-c.confidence, -c.evidence, c.scale, c.pair))
    kept, covered, taken = [], np.zeros(num_pairs, dtype=bool), np.full(num_pairs, -1)
    for c in candidates:
        reach = max(c.scale + 1, min_gap)
        near = taken[max(0, c.pair - reach):c.pair + reach + 1]
        if covered[c.pair] or (near >= 0).any():
            other = kept[int(near[near >= 0][0])] if (near >= 0).any() else _covering(kept, c.pair, min_gap)
            c.drop("one_pick", f"the same event as the candidate at pair {other.pair} (scale {other.scale}, "
                               f"confidence {other.confidence:+.2f}), ranked before it")
            continue
        taken[c.pair] = len(kept)
        kept.append(c)
        covered[max(0, c.pair - reach):c.pair + reach + 1] = True
    return kept


def _covering(kept: List[Candidate], pair: int, min_gap: int) -> Candidate:
    """The kept candidate whose reach covers `pair`."""
    for c in kept:
        if abs(c.pair - pair) <= max(c.scale + 1, min_gap):
            return c
    return kept[0]


def one_per_pair(candidates: List[Candidate]) -> List[Candidate]:
    """With the stage off: only the same pair twice is one event (the most confident kept)."""
    best = {}
    for c in sorted(candidates, key=lambda c: (-c.confidence, -c.evidence, c.scale)):
        if c.pair in best:
            c.drop("one_pick", f"the same pair as a more confident candidate (scale {best[c.pair].scale})")
        else:
            best[c.pair] = c
    return list(best.values())
