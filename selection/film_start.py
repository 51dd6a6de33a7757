"""Film start: no change is judged against nothing before the film's first frame.

Exists for the clip ds_edit: it opens with a fade-in from black, and in one training seed of
three the span over frames 2-5 (pair 3, scale 1) passed as a change (confidence +0.06), a false
alarm in every other respect like TransNetV2's at pair 7 of the same fade-in. A change stands out
against the motion inside the shots on either side; there the shot "before" would start before
frame 0, so the score read the motion after it alone, and a picture still brightening out of
black looked like a change. A candidate whose first frame lies closer to the film's start than
its own length (second - first frames: the span before it is not in the film) is dropped, at
every scale: a cut at pair 0 leaves a first shot of one frame. A change at the film's end keeps
its rule: a film that ends by fading or cutting to black ends on a labelled change (rick, ds_edit).
"""

from typing import List

from selection.candidate import Candidate


def judged_after_start(candidates: List[Candidate]) -> List[Candidate]:
    """The candidates whose span before lies inside the film; the others are marked dropped."""
    for c in candidates:
        length = c.second - c.first
        if c.first < length:
            c.drop("film_start", f"its span starts at frame {c.first}, closer to the film's start than its own "
                                 f"length ({length} frame{'s' * (length != 1)}): no shot before it to stand out against",
                   film_start=c.first)
    return [c for c in candidates if not c.dropped_by]
