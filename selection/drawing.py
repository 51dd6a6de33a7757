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


def other_drawing(pictures: Pictures, distance: int = 1, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(N-distance,) bool: frames i and i + distance are two different drawings (their edge maps
    correlate below `same_drawing`, and both have lines)."""
    edges = pictures.edges.astype(np.float32)
    correlation = (edges[:-distance] * edges[distance:]).sum(axis=1)
    lined = np.abs(edges).sum(axis=1) > 0
    return (correlation < config.same_drawing) & lined[:-distance] & lined[distance:]
