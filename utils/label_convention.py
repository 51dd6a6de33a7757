"""The label convention, written once: pair i is the change between frames i and i+1.

Most shot-boundary data sets and tools name a change by the first frame of the new shot (the
"first_frame" convention): the change into frame f is pair f - 1, the change out of frame f is
pair f, and the frame after pair i is frame i + 1. A gradual transition whose frames run from
start to end covers the pairs from the change into its first frame to the change out of its
last. Every conversion between frames and pairs goes through here; each works on an int or
on a numpy array of them.
"""

import numpy as np

CONVENTIONS = ("pair", "first_frame")


def pair_into(frame):
    """The pair of the change into `frame` (the first frame of a new shot): frame - 1."""
    return frame - 1


def pair_after(frame):
    """The pair of the change out of `frame` (the last frame of a shot): frame itself."""
    return frame


def frame_after(pair):
    """The first frame after the change of `pair`: pair + 1."""
    return pair + 1


def transition_pairs(start, end) -> tuple:
    """(first, last) pair of a transition whose frames run from `start` to `end`."""
    return pair_into(start), pair_after(end)


def pairs_of_first_frames(frames: np.ndarray) -> np.ndarray:
    """The pairs of the changes into these first frames of new shots; frame 0, where the film
    starts, is no change and is left out."""
    frames = np.asarray(frames)
    return pair_into(frames[frames > 0])


def shot_starts(flags: np.ndarray) -> list:
    """The first frame of each shot of a film whose changes are the pairs flagged in `flags`:
    0, then the frame after each flagged pair."""
    return [0] + [frame_after(int(pair)) for pair in np.flatnonzero(np.asarray(flags, dtype=bool))]
