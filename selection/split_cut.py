"""Split cut: one cut spread over two pairs by a frame that shows both shots.

Exists for telecined and frame-rate-converted rips: an interlaced frame (its lines alternate
between the two shots) or a blended one sits between the shots, each half of the cut stands
beside the other within `cut_side_pairs`, and the cut is lost. So each two pairs are also read
as one step (frame i to frame i + 2), against `split_side_pairs` pairs on either side of both,
when both halves move and the frame between is one mixed frame standing alone (one_mixed_frame):
every frame of a dissolve mixes its neighbours, and a blurred quick move can look like a blend
(a false alarm on the clip rick). Measured by benchmarks/interlaced.py: tuning films combed at
every cut scored 0.710 without this reading and 0.973 with it.
"""

import numpy as np

from selection.config import SelectionConfig


def mixed_between(thumbnails: np.ndarray) -> np.ndarray:
    """(N-2,) how far each frame i + 1 is from the mean of frames i and i + 2, as a share of their
    own difference (squared thumbnails): near 0 for a frame that mixes its neighbours (an
    interlaced or blended frame), a quarter or more for a thing caught moving between them."""
    t = np.asarray(thumbnails, dtype=np.float32).reshape(len(thumbnails), -1)
    if len(t) < 3:
        return np.zeros(0)
    residual = ((t[1:-1] - (t[:-2] + t[2:]) / 2) ** 2).sum(axis=1)
    apart = ((t[:-2] - t[2:]) ** 2).sum(axis=1)
    return residual / np.maximum(apart, 1e-9)


def one_mixed_frame(thumbnails: np.ndarray, config: SelectionConfig = SelectionConfig()) -> np.ndarray:
    """(N-2,) bool: frame i + 1 mixes frames i and i + 2 (mixed_between under `mixed_frame`) and
    its neighbours are far from mixing theirs (above `mixed_neighbour`): one interlaced or
    blended frame between two shots, not a frame of a dissolve nor of a blurred move."""
    between = mixed_between(thumbnails)
    alone = between <= config.mixed_frame
    apart = between > config.mixed_neighbour
    alone[1:] &= apart[:-1]
    alone[:-1] &= apart[1:]
    return alone


def two_steps(span2: np.ndarray, num_pairs: int) -> np.ndarray:
    """(num_pairs,) a distance-2 curve (frame i to frame i + 2) indexed by pair i; NaN for the last pair."""
    out = np.full(num_pairs, np.nan)
    out[:span2.size] = span2[:num_pairs]
    return out
