"""Drawing: a cut between two different drawings needs a smaller jump than a change of place.

Exists for cuts that keep the set: a cut to another angle of one room, or to another character
in front of the same background, moves the latents 0.0006-0.02 of the film's typical distance,
under the `magnitude` bar (0.03) that keeps subtitles and small moves out. Those keep the
drawing (the same lines, a little shifted or with a caption on top); a cut shows other lines.
So where the two pictures are different drawings (edge maps correlating under `same_drawing`,
both with lines) the bar is `drawing_magnitude` instead.
"""

from typing import Optional

import numpy as np

from selection.config import SelectionConfig
from selection.pictures import Pictures, edge_likeness


def _edge_steps(pictures: Pictures, distance: int):
    """The correlation of the edge maps of frames i and i + distance, and whether both have lines."""
    first = np.arange(max(len(pictures.edges) - distance, 0))
    return edge_likeness(pictures, first, first + distance)


def drawing_steps(pictures: Optional[Pictures], num_pairs: int, config: SelectionConfig):
    """(redrawn, shares), each (num_pairs,): whether frames i and i + 1 are two different
    drawings (all true without pictures or with the stage off: nothing is then held back as one
    drawing), and the share of the film's typical distance a cut at each pair needs: magnitude,
    drawing_magnitude between two drawings, same_drawing_magnitude within one drawing."""
    shares = np.full(num_pairs, config.magnitude)
    if pictures is None or not config.on("drawing"):
        return np.ones(num_pairs, dtype=bool), shares
    correlation, lined = _edge_steps(pictures, 1)
    redrawn = (correlation < config.same_drawing) & lined
    shares[redrawn] = config.drawing_magnitude
    shares[(correlation >= config.same_drawing) & lined] = config.same_drawing_magnitude
    return redrawn, shares


def one_drawing(pictures: Pictures, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(N-1,) bool: frames i and i + 1 show the same lines (edge maps correlating at least
    `same_drawing`, both with lines): a drawing moving, however fast, not a cut."""
    correlation, lined = _edge_steps(pictures, 1)
    return (correlation >= config.same_drawing) & lined


def other_drawing(pictures: Pictures, distance: int = 1, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(N-distance,) bool: frames i and i + distance are two different drawings (their edge maps
    correlate below `same_drawing`, and both have lines)."""
    correlation, lined = _edge_steps(pictures, distance)
    return (correlation < config.same_drawing) & lined
