"""Layout spread: a gradual change must change the whole picture, not a few cells of it.

Exists for pop-up panels, subtitles growing line by line and views of a wipe too short to hold
both its shots: each changes a few cells of the layout over a span, and the span rule reads a
transition there. A transition between two shots changes the whole picture (a participation
ratio of 0.45-0.98 for most of the tuning films' transitions). A gradual candidate's confidence
is capped at log(spread / `layout_spread`). Cuts are exempt: a cut to another character in
front of one set is a local change.
"""

import numpy as np

from selection.config import SelectionConfig
from selection.pictures import LAYOUT_ROWS, THUMBNAIL_CELLS


def layout_spread(layout: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """How evenly the layout changes from frame `first` to frame `second`, per pair of index
    arrays: the participation ratio of the cells' absolute change (summed over the colours), 1
    when every cell changes alike, 1/cells when one cell holds all of it (and 1 when nothing
    changes, which the layout's confirmation rejects on its own)."""
    layout = np.asarray(layout, dtype=np.float64)
    cells = LAYOUT_ROWS * THUMBNAIL_CELLS
    change = np.abs(layout[second] - layout[first]).reshape(len(first), -1, cells).sum(axis=1)
    total, squares = change.sum(axis=1), (change ** 2).sum(axis=1)
    return np.where(squares > 0, total ** 2 / (cells * np.maximum(squares, 1e-30)), 1.0)


def cap_by_spread(candidates: list, layout: np.ndarray, config: SelectionConfig) -> None:
    """Caps each gradual candidate at log(spread / layout_spread)."""
    gradual = [c for c in candidates if c.scale > 0]
    if not gradual or not config.layout_spread:
        return
    # a gradual candidate is a peak of a finite span curve: its span lies inside the film
    spread = layout_spread(layout, np.array([c.first for c in gradual]), np.array([c.second for c in gradual]))
    for c, share in zip(gradual, spread):
        c.cap("layout_spread", float(np.log(share / config.layout_spread)),
              f"the picture changes over {share:.2f} of its cells (a transition changes at least "
              f"{config.layout_spread:.2f})", spread=share)
