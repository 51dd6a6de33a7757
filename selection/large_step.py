"""Large step: a cut whose picture jumps far in one step needs a smaller contrast.

Exists for cuts between busy shots on the real clips. The rule asks a cut to move `contrast` (4)
times more than the shots on either side; a cut out of a shot in fast motion misses that bar
although its picture jumps as far as any cut. On the clip rick: a woman tossing her hair cut to
a wide shot (pair 1012), a dancer cut to a wider angle as he spins (4337), and four more in one
training seed. On dragonball_edit a whip blur through white ends in a jump to
the next close-up (170); on ds_edit a cut lands on a dimmed shot that then brightens (110). The
latents, trained on the whole film, see some of these jumps as small; the picture above the
subtitle band (the layout, selection/layout_view.py) does not.

So a step of the layout that reaches `large_step` of the layout's typical distance between
unrelated moments (nine steps in ten of the real clips stay under a tenth of that, those of the
generated films under a fiftieth) is a cut when it exceeds `large_step_contrast` (3) times the
motion on either side, unless the two pictures show the same lines (`same_drawing`: a drawing
moving fast, as in a fight inside one shot). And the layout's own peaks between two drawings
become cut candidates, as the latents may not peak on that pair.
"""

import numpy as np

from selection.config import SelectionConfig
from selection.score import cut_confidence, local_peaks, ordinary_motion


def curve(film, config: SelectionConfig, hold) -> np.ndarray:
    """The confidence of a large step at each pair (the layout's), on a film held `hold` frames:
    log(step / (threshold x max(large_step_contrast x the motion on either side, large_step x
    the layout's typical distance))); -inf between two pictures of one drawing."""
    lt = film.layout_typical
    floor = max(config.large_step * lt, config.magnitude * lt, config.motion * ordinary_motion(film.steps))
    result = cut_confidence(film.steps, floor, config, config.large_step_contrast, hold=hold,
                            large=film.held_share * lt)
    result[film.one_drawing] = -np.inf  # frames of one drawing (selection/drawing.py)
    return result


def peaks(film) -> np.ndarray:
    """The pairs where the layout's step is a local peak between two pictures that are not one
    drawing: cut candidates of their own, where the latents may not peak."""
    found = local_peaks(film.steps, 1)
    return found[~film.one_drawing[found]]


def explain(candidates: list, film, config: SelectionConfig) -> None:
    """Words for each cut the large step passed: its reason names the step, not the latents."""
    if not candidates:
        return
    values = curve(film, config, film.hold)
    for c in candidates:
        value = float(values[c.pair])
        if c.source != "cut" or value < 0 or value < c.caps["score"] - 1e-9:
            continue
        share = float(film.steps[c.pair] / film.layout_typical)
        c.numbers["layout_step"] = share
        c.reasons["score"] = (f"a large step: the picture above the subtitle band jumps {share:.2f} of its typical "
                              f"distance in one step (a large step reaches {config.large_step:g}), more than "
                              f"{config.large_step_contrast:g} x its motion on either side")
