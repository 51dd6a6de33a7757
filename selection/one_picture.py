"""One picture: a span whose two ends show the same lines in the same colours is a move inside a shot.

Exists for the clip rick (live action): a singer's or a dancer's quick move, blurred over three
to five frames, moved the latents across a span of half-width 1 or 2 as far as a short dissolve
does, and stood out against the calmer frames on either side. These were most of rick's false
alarms (9 of 14 in training seed 0); no stage that reads the camera or the layout took them,
as the camera stays and the mover covers a fair part of the frame.

A gradual transition ends on another picture: other lines (edge maps correlating under
`same_drawing`, the drawing stage's test of one drawing) or other colours (colour histograms
at a total variation distance of `same_palette` or more, the scene level's bar for two shots
that share a palette). A span whose two end frames keep both the lines and the colours is
dropped. Cuts are left to the drawing stage, which asks a cut within one drawing to move the
latents further rather than dropping it: a cut to another angle of one set keeps the colours
and may keep much of the lines.
"""

from typing import List

import numpy as np

from selection.candidate import Candidate
from selection.config import SelectionConfig
from selection.pictures import Pictures, edge_likeness


def end_likeness(pictures: Pictures, first: np.ndarray, second: np.ndarray):
    """(lines, colours, lined) per pair of frames: the correlation of their edge maps, the total
    variation distance of their colour histograms (1 without them), and whether both have lines."""
    lines, lined = edge_likeness(pictures, first, second)
    if pictures.colours is None:
        return lines, np.ones(first.size), lined
    colours = 0.5 * np.abs(pictures.colours[first].astype(np.float32)
                           - pictures.colours[second].astype(np.float32)).sum(axis=1)
    return lines, colours, lined


def drop_moves_in_one_picture(candidates: List[Candidate], pictures: Pictures,
                              config: SelectionConfig) -> List[Candidate]:
    """The candidates left once every span (scale > 0) whose end frames are one picture (the same
    lines and the same colours) is marked dropped."""
    spans = [c for c in candidates if c.source == "span" and c.scale > 0]
    if not spans:
        return candidates
    first = np.array([c.first for c in spans])
    second = np.array([c.second for c in spans])
    lines, colours, lined = end_likeness(pictures, first, second)
    for c, line, colour, both in zip(spans, lines, colours, lined):
        if both and line >= config.same_drawing and colour < config.same_palette:
            c.drop("one_picture", f"its end frames {c.first} and {c.second} show the same lines (edge maps "
                                  f"correlating {line:.2f}) in the same colours (palette distance {colour:.2f}): "
                                  "a move inside one shot", end_lines=line, end_colours=colour)
    return [c for c in candidates if not c.dropped_by]
