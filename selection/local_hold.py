"""Local hold: one stretch of a film drawn in holds, where the film as a whole is not.

Exists for the clip dragonball_edit: its first shot (frames 0-113) is a head turn animated in
3-4-frame holds inside a flickering aura. The film-wide hold (selection/hold.py) reads 1 there,
as the aura's flicker moves the latents a little on every frame (1e-4 of the typical distance)
and the rest of the clip moves on every frame; so each step of the head turn (0.003-0.07 of
the typical distance, 0.01-0.11 in the layout) was read against three still neighbours on
either side, and three of them (pairs 73, 83, 95) passed as cuts in every training seed.

Here the hold is also read around each pair: over the pairs the held comparison reaches
(`cut_side_pairs` x `max_hold` on either side), the pairs that move above `local_hold_floor` of
the typical distance (a noise floor above such flicker) and under `held_magnitude` (a change of
place) are a drawing's steps; where at least `local_hold_steps` gaps between them, each of up
to `max_hold` pairs, have a median above one, the stretch is held that many frames. A cut there
is then also read against the steps within `cut_side_pairs` drawings, as on a held film: its
confidence is capped by that reading (the cap shows as the stage `local_hold`). A jump between
two different drawings as large as a change of place (`held_magnitude`) is read as before.
Within `cut_side_pairs` x `max_hold` pairs of a stretch's end the gaps of the moving shot beside
it count too, so the last steps of a held stretch may still be read as in a film not held.
"""

import numpy as np

from selection.config import SelectionConfig


def local_hold(near: np.ndarray, typical: float, held_share, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(len(near),) int: how many frames a drawing is held around each pair (1: not held there).
    `held_share` is one share of the typical distance, or one per pair (infinite where the two
    pictures are one drawing), as for drawing_hold."""
    near = np.asarray(near, dtype=np.float64)
    holds = np.ones(near.size, dtype=np.int64)
    upper = np.broadcast_to(np.asarray(held_share, dtype=np.float64), near.shape) * typical
    steps = np.flatnonzero((near > config.local_hold_floor * typical) & (near < upper))
    if steps.size < 2:
        return holds
    reach = config.cut_side_pairs * config.max_hold
    gaps = np.diff(steps)
    for j in range(near.size):
        lo, hi = np.searchsorted(steps, [j - reach, j + reach + 1])
        inside = gaps[lo:max(lo, hi - 1)]  # gaps whose two steps both lie within reach
        inside = inside[inside <= config.max_hold]
        if inside.size >= config.local_hold_steps:
            holds[j] = max(1, int(np.median(inside)))
    return holds


def cap_held_steps(candidates: list, film, curves) -> None:
    """Caps each cut and split cut where the stretch is held (film.local_hold above the film's
    hold) by `curves`, the (cut, split cut) confidence curves read with the local hold."""
    cut_curve, split_curve = curves
    for c in candidates:
        if c.scale != 0 or film.local_hold[c.first] <= film.hold:
            continue
        curve = cut_curve if c.source == "cut" else split_curve
        value = float(curve[c.first])
        held = int(film.local_hold[c.first])
        verb = "stands out" if value >= 0 else "does not stand out"
        c.cap("local_hold", value, f"the film is held on {held}s around it: the jump {verb} against the drawings' "
              f"steps within {held} x cut_side_pairs pairs (log ratio {value:+.2f}; 0 is the bar)", local_hold=held)
