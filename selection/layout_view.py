"""Layout view: cuts read again on the thumbnails above the subtitle band, and every candidate
confirmed there.

Exists for two failures of the latents alone. A cut that only swaps the character in front of
an unchanged set moves the latents by a thousandth of the film's typical distance but moves
the thumbnail as much as a change of place, so each cut's confidence is the larger of the two
views (the layout against its own typical distance). And a subtitle that appears in a still or
slowly moving shot moves the latents, not the picture above it, so every candidate's confidence
is capped by the layout's (`layout_contrast` times the change inside the shots on either side,
`layout_share` of the layout's typical distance): a weaker test that the picture moved.
"""

import numpy as np

from selection.config import SelectionConfig
from selection.score import cut_confidence, ordinary_motion, span_confidence, unrelated_pairs


def layout_spans(layout: np.ndarray, length: int) -> np.ndarray:
    """Mean squared change of the layout (Pictures.layout) from every frame s to frame s + length."""
    layout = np.asarray(layout, dtype=np.float64)
    if len(layout) <= length:
        return np.zeros(0)
    return ((layout[length:] - layout[:-length]) ** 2).mean(axis=1)


def layout_steps(layout: np.ndarray, frame_rate: float, config: SelectionConfig = SelectionConfig()):
    """The layout read as the latents are: the mean squared change of every pair of neighbouring
    frames, (N-1,) float64, and the median of the same between unrelated moments (its typical
    distance). Squared differences of fixed-spread Gaussians are their KL up to one factor,
    which the rule's ratios do not see."""
    layout = np.asarray(layout, dtype=np.float64)
    steps = layout_spans(layout, 1)
    first, second = unrelated_pairs(len(layout), frame_rate, config)
    typical = float(np.median(((layout[first] - layout[second]) ** 2).mean(axis=1)))
    return steps, max(typical, 1e-12)


def cut_curves(film, config: SelectionConfig, hold=None):
    """The layout's own (cut, split cut) confidence curves, the same rule as the latents', on a
    film held `hold` frames (one number, or one per pair; the film's hold when not given)."""
    lt = film.layout_typical
    hold = film.hold if hold is None else hold
    floor = max(config.magnitude * lt, config.motion * ordinary_motion(film.steps))
    cut = cut_confidence(film.steps, floor, config, hold=hold, large=film.held_share * lt)
    floor2 = max(config.magnitude * lt, config.motion * ordinary_motion(film.steps2[:-1]))
    split = cut_confidence(film.steps, floor2, config, hold=hold, large=film.split_share * lt,
                           across=film.steps2)
    return cut, split


def confirm(candidates: list, film, config: SelectionConfig) -> None:
    """Caps each candidate's confidence by the layout's over the same span: its change across
    against the larger of layout_contrast x its change inside the shots on either side and
    layout_share of its typical distance. The evidence (the confidence before) stays."""
    floor = config.layout_share * film.layout_typical
    curves = {}
    for c in candidates:
        key = (c.scale, c.second - c.first - 2 * c.scale)  # a cut over one step, or split over two
        if key not in curves:
            curves[key] = _curve(key, film, floor, config)
        value = float(curves[key][c.first + c.scale])
        verb = "changes more" if value >= 0 else "does not change enough more"
        c.cap("layout_confirm", value, f"the picture above the subtitle band {verb} across it than inside the "
              f"shots on either side (log ratio {value:+.2f}; 0 is the bar)", layout_across=_layout_across(film, c))


def _curve(key: tuple, film, floor: float, config: SelectionConfig) -> np.ndarray:
    h, extra = key
    lt, contrast = film.layout_typical, config.layout_contrast
    if key == (0, 1):
        return cut_confidence(film.steps, floor, config, contrast, film.hold, film.held_share * lt)
    if h == 0:
        return cut_confidence(film.steps, floor, config, contrast, film.hold, film.split_share * lt,
                              across=film.steps2)
    return span_confidence(layout_spans(film.layout, 2 * h + 1), film.num_pairs, h, floor, config.threshold,
                           contrast, config.side_spans)


def _layout_across(film, c) -> float:
    """The layout's mean squared change from the candidate's first frame to its second."""
    return float(((film.layout[c.second] - film.layout[c.first]) ** 2).mean())
