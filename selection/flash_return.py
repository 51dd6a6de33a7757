"""Flash return: a jump undone within a third of a second is a flash inside a shot, not a change.

Exists for flashes, explosions and one-frame glitches inside a shot: the latents jump as at a
cut and jump back. A candidate whose change from its first frame to its second is undone within
`flash_seconds` (a frame after it back near the first, or one before it already near the
second: a KL under `return_fraction` of the jump) is dropped. For a cut, the pictures away from
the returning one must also be that picture washed out (the same drawing, or blank): a short
shot of another drawing inside a burst of cuts (A, B, A again) is two changes, not a flash.
"""

import numpy as np

from selection.config import SelectionConfig
from selection.pictures import Pictures, same_drawing
from selection.score import frame_kl


def returns_within(mu, log_var, first: np.ndarray, second: np.ndarray, reach: int,
                   pictures: Pictures = None, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(len(first),) int: for each change from frame `first` to frame `second`, how many frames
    until it is undone (0: it is not undone within `reach`). With `pictures`, for a jump between
    neighbouring frames, the frames away must also be the returning picture washed out."""
    n = len(mu)
    jump = frame_kl(mu, log_var, first, second)
    limit = config.return_fraction * jump
    back = np.zeros(first.size, dtype=np.int64)
    for m in range(1, reach):
        for start, end, ok in ((first, second + m, second + m <= n - 1), (first - m, second, first - m >= 0)):
            idx = np.flatnonzero(ok & (back == 0))
            if idx.size == 0:
                continue
            idx = idx[frame_kl(mu, log_var, start[idx], end[idx]) <= limit[idx]]
            if pictures is not None and idx.size:
                idx = idx[_washed_out(pictures, first[idx], second[idx], start[idx], end[idx], config)]
            back[idx] = m
    return back


def _washed_out(pictures: Pictures, first, second, start, end, config: SelectionConfig) -> np.ndarray:
    """The frames away from the returning picture (second..second+m-1, or first-m+1..first) are
    blank (under detail_share of its detail) or the same drawing."""
    exit_case = end == second
    lo = np.where(exit_case, start + 1, second)
    hi = np.where(exit_case, first, end - 1)
    home = np.where(exit_case, end, start)
    detail = pictures.detail
    away = np.array([np.median(detail[a:b + 1]) for a, b in zip(lo, hi)])
    blank = away < config.detail_share * detail[home]
    drawing = np.array([same_drawing(pictures, np.arange(a, b + 1), h, config.same_drawing)
                        for a, b, h in zip(lo, hi, home)])
    return blank | drawing


def drop_flashes(candidates: list, film, config: SelectionConfig) -> list:
    """The candidates whose change is not undone at once; the others are marked dropped."""
    if not candidates:
        return candidates
    first = np.array([c.first for c in candidates], dtype=np.int64)
    second = np.array([c.second for c in candidates], dtype=np.int64)
    # a cut's two sides are single frames, whose pictures say whether a return is a flash;
    # a coarse candidate's ends lie outside the flash it may hold
    cut = np.array([c.scale == 0 for c in candidates])
    back = np.zeros(len(candidates), dtype=np.int64)
    back[cut] = returns_within(film.mu, film.log_var, first[cut], second[cut], film.flash_reach, film.pictures,
                               config)
    back[~cut] = returns_within(film.mu, film.log_var, first[~cut], second[~cut], film.flash_reach, None, config)
    for c, frames in zip(candidates, back):
        if frames:
            c.drop("flash_return", f"the picture comes back {frames} frames later: a flash inside a shot",
                   returns_at=frames)
    return [c for c in candidates if not c.dropped_by]
