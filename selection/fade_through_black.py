"""Fade through black: a dip into a blank picture and out again is one change, read at its own scale.

Exists for fades through black or white, flashes and blurs between two shots: the finest
scales see the fade-out and the fade-in as two changes, and no power-of-two scale fits a dip
of, say, 38 frames (the span after the fade-out holds the fade-in). So where the pictures' detail
dips into a blank picture and rises again (blank_valleys), the rule is also read at the
half-width of the dip; and two changes around a blank picture (under `detail_share` of the
detail on either side) are joined into one: up to `flash_seconds` apart always, up to
`transition_seconds` when both are gradual and the detail between them is one valley.
"""

from typing import List

import numpy as np

from selection.candidate import Candidate
from selection.config import SelectionConfig


def _valley(detail: np.ndarray, noise_share: float) -> bool:
    """The detail falls to its least and rises again, never rising on the way down (nor falling
    on the way up) by more than `noise_share` of its largest value."""
    low = int(np.argmin(detail))
    down, up = detail[:low + 1], detail[low:]
    noise = noise_share * float(detail.max())
    return bool((np.diff(down) <= noise).all() and (np.diff(up) >= -noise).all())


def blank_valleys(detail: np.ndarray, longest: int, config: SelectionConfig = SelectionConfig()) -> List[tuple]:
    """(first, last) frames of each dip of the detail into a blank picture, at most `longest`
    frames long: a blank hold (within valley_noise of the local largest detail of its least),
    with the detail rising steadily from it to `first` before and to `last` after, both of
    which hold more than 1 / detail_share times its least."""
    detail = np.asarray(detail, dtype=np.float64)
    n = detail.size
    if n < 3 or longest < 2:
        return []
    half = max(1, longest // 2)
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(detail, half, mode="edge"), 2 * half + 1)
    local_max = windows.max(axis=1)
    lowest = (detail <= windows.min(axis=1)) & (detail < config.detail_share * local_max)
    valleys = set()
    for m in np.flatnonzero(lowest):
        noise = config.valley_noise * local_max[m]
        first, last = int(m), int(m)
        # the blank hold, walked no further than a dip could reach
        while first > 0 and detail[first - 1] <= detail[m] + noise and last - first <= longest:
            first -= 1
        while last < n - 1 and detail[last + 1] <= detail[m] + noise and last - first <= longest:
            last += 1
        rise = noise / 5
        while first > 0 and detail[first - 1] > detail[first] + rise:  # the fall into it
            first -= 1
        while last < n - 1 and detail[last + 1] > detail[last] + rise:  # the rise out of it
            last += 1
        if last - first <= longest and detail[m] < config.detail_share * min(detail[first], detail[last]):
            valleys.add((first, last))
    return sorted(valleys)


def dip_candidates(film, curve_at, config: SelectionConfig) -> List[Candidate]:
    """A candidate at the half-width of each dip of detail, read with the span rule there."""
    found = []
    for first, last in blank_valleys(film.pictures.detail, int(round(config.transition_seconds * film.frame_rate)),
                                     config):
        h = max(1, (last - first) // 2)
        pair = min(first + h, film.num_pairs - 1)
        confidence = float(curve_at(h)[pair])
        if np.isfinite(confidence):
            found.append(Candidate(pair, h, pair - h, pair + 1 + h, "dip", confidence, confidence))
    return found


def join_through_blank(kept: List[Candidate], detail, reach: int, fade_reach: int,
                       config: SelectionConfig) -> List[Candidate]:
    """Joins two consecutive changes at most `reach` pairs apart into one, placed between them,
    when the frames between have under detail_share of the detail on either side; up to
    `fade_reach` apart when both are gradual and the detail between is a valley. The joined
    change reaches from the first one's span to the second one's (its scale)."""
    if detail is None or len(kept) < 2:
        return kept
    kept = sorted(kept, key=lambda c: c.pair)
    n = detail.size
    joined, i = [], 0
    while i < len(kept):
        if i + 1 < len(kept) and kept[i + 1].pair - kept[i].pair <= max(reach, fade_reach):
            one, two = kept[i], kept[i + 1]
            a, b = one.pair, two.pair
            between = detail[a + 1:b + 1].min()
            sides = min(np.median(detail[max(0, a - 2):a + 1]), np.median(detail[b + 1:min(n, b + 4)]))
            fade = min(one.scale, two.scale) > 0 and _valley(detail[a:b + 2], config.valley_noise)
            if between < config.detail_share * sides and (b - a <= reach or fade):
                joined.append(_joined(one, two, between / max(sides, 1e-12)))
                i += 2
                continue
        joined.append(kept[i])
        i += 1
    return joined


def _joined(one: Candidate, two: Candidate, share: float) -> Candidate:
    """One change from the start of `one`'s transition to the end of `two`'s."""
    a, b = one.pair, two.pair
    reach_both = (b + two.scale - (a - one.scale) + 1) // 2
    scale = max(one.scale, two.scale, reach_both)
    both = Candidate((a + b) // 2, scale, (a + b) // 2 - scale, (a + b) // 2 + 1 + scale, "joined",
                     max(one.confidence, two.confidence), max(one.evidence, two.evidence))
    both.reasons["fade_through_black"] = (f"pairs {a} and {b} around a blank picture ({share:.2f} of the detail "
                                          "on either side) joined into one change")
    both.caps["fade_through_black"] = both.confidence
    both.decided_by = "fade_through_black"
    both.kept = True
    for part in (one, two):
        part.drop("fade_through_black", f"joined with the change at pair {b if part is one else a} into one "
                  f"at pair {both.pair}: the pictures between are blank ({share:.2f} of the detail)")
    return both
