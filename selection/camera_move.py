"""Camera move: a fast pan or zoom across one drawing is no transition.

Exists for pans and zooms inside a shot: they change the whole picture as quickly as a
transition does, and pass every test of the latents and the layout. But the last picture of
the span is the first one moved along the camera's path (selection/camera.py), while a transition
leaves the difference of two pictures. A gradual candidate is capped at the log of the larger
of (residual share / `camera_share`) and (residual / `camera_residual` x the film's typical grey
distance). The test is read over the candidate's span and over that span grown by
`camera_reach` x h frames on either side (never across a finer change): a camera move
explains the frames around it too, while a slide longer than the span, or off its centre,
shows its end there (the slide of the clip cartoon_space between two night scenes).
"""

import numpy as np

from selection.camera import CameraPath
from selection.config import SelectionConfig
from selection.score import unrelated_pairs


def grown(first: int, second: int, reach: int, finer_change: np.ndarray) -> tuple:
    """The frame span (first, second) grown by up to `reach` frames on either side, up to the
    film's ends and never across a pair flagged in `finer_change` (one per frame: pair p joins
    frames p and p + 1)."""
    lo, hi = first, second
    while lo > max(0, first - reach) and not finer_change[lo - 1]:
        lo -= 1
    while hi < min(finer_change.size - 1, second + reach) and not finer_change[hi]:
        hi += 1
    return lo, hi


class CameraTest:
    """Caps the gradual candidates that would be changes; holds the film's camera path, followed
    only where a candidate asks and kept for the next."""

    def __init__(self, grey: np.ndarray, frame_rate: float, config: SelectionConfig = SelectionConfig()):
        first, second = unrelated_pairs(len(grey), frame_rate, config)
        difference = np.abs(grey[first].astype(np.float32) - grey[second].astype(np.float32)).mean(axis=(1, 2))
        self.typical = max(float(np.median(difference)), 1e-6)
        self.path = CameraPath(grey)
        self.config = config

    def __call__(self, candidates: list, finer_change: np.ndarray = None) -> None:
        """Caps every gradual candidate of `candidates` with confidence >= 0; `finer_change`
        (one per frame) marks the changes found at finer scales, which a grown span never crosses."""
        config = self.config
        checked = [c for c in candidates if c.scale > 0 and c.confidence >= 0]
        spans = {id(c): [(c.first, c.second)] for c in checked}
        if config.camera_reach and finer_change is not None:
            for c in checked:
                wider = grown(c.first, c.second, int(round(config.camera_reach * c.scale)), finer_change)
                if wider != (c.first, c.second):  # grown by nothing, it would be judged twice
                    spans[id(c)].append(wider)
        self.path.follow([span for c in checked for span in spans[id(c)]])
        for c in checked:
            ratio, seen = 0.0, (np.inf, np.inf)
            for was_grown, (first, second) in enumerate(spans[id(c)]):
                share, residual = self.path.explained(first, second)
                if was_grown and not np.isfinite(residual):  # the path lost around the span: no say
                    continue
                found = max(share / config.camera_share, residual / (config.camera_residual * self.typical))
                if found > ratio:
                    ratio, seen = found, (share, residual / self.typical)
            value = float(np.log(max(ratio, 1e-12)))
            c.cap("camera_move", value, f"once the camera's move is undone, {seen[0]:.2f} of its change is left "
                  f"and {seen[1]:.2f} of the film's typical difference (a camera move leaves under "
                  f"{config.camera_share} and under {config.camera_residual})",
                  camera_share=seen[0], camera_residual=seen[1])
