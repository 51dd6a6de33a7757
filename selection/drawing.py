"""Drawing: a cut between two different drawings needs a smaller jump than a change of place.

Exists for cuts that keep the set: a cut to another angle of one room, or to another character
in front of the same background, moves the latents 0.0006-0.02 of the film's typical distance,
under the `magnitude` bar (0.03) that keeps subtitles and small moves out. Those keep the
drawing (the same lines, a little shifted or with a caption on top); a cut shows other lines.
So where the two pictures are different drawings (edge maps correlating under `same_drawing`,
both with lines) the bar is `drawing_magnitude` instead.
"""

import numpy as np

from selection.config import SelectionConfig
from utils.pictures import Pictures


def one_drawing(pictures: Pictures, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(N-1,) bool: frames i and i + 1 are one drawing (edge maps correlating at least
    `same_drawing`, both with lines): a step inside a shot, however far the latents move."""
    edges = pictures.edges.astype(np.float32)
    correlation = (edges[:-1] * edges[1:]).sum(axis=1)
    lined = np.abs(edges).sum(axis=1) > 0
    return (correlation >= config.same_drawing) & lined[:-1] & lined[1:]


def cut_shares(pictures, num_pairs: int, config: SelectionConfig) -> np.ndarray:
    """(num_pairs,) the share of the film's typical distance a cut at each pair needs: magnitude,
    drawing_magnitude between two drawings, same_drawing_magnitude within one drawing."""
    shares = np.full(num_pairs, config.magnitude)
    if pictures is not None and config.on("drawing"):
        shares[other_drawing(pictures, 1, config)] = config.drawing_magnitude
        shares[one_drawing(pictures, config)] = config.same_drawing_magnitude
    return shares


def other_drawing(pictures: Pictures, distance: int = 1, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(N-distance,) bool: frames i and i + distance are two different drawings (their edge maps
    correlate below `same_drawing`, and both have lines)."""
    edges = pictures.edges.astype(np.float32)
    correlation = (edges[:-distance] * edges[distance:]).sum(axis=1)
    lined = np.abs(edges).sum(axis=1) > 0
    return (correlation < config.same_drawing) & lined[:-distance] & lined[distance:]
