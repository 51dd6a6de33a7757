"""SelectionConfig: every constant of the change selection and its command-line tunables, in one place.

Each field says what it is for (`why`) and where its value came from (`source`). "Tuning films"
are generated films of the measuring kinds drawn from other seeds (benchmarks/tuning.py); no
value was chosen on the measuring films, and those chosen with the shared clips beside the
tuning films say so at their field (mixed_neighbour, same_drawing_magnitude, local_hold_floor).
The grids quoted in `source` were run on the tuning films of the release named there;
`python -m benchmarks.tuning --set NAME=V1,V2,...` reruns any of them on today's tuning films
(docs/selection.md keeps the full history of each choice), and `python -m benchmarks.sensitivity`
moves every numeric field to half and twice its value on today's runs (RESULTS.md, "Sensitivity of
the selection's constants").

Each stage of the selection (STAGES) can be switched off with `off=("camera_move", ...)`, which
is what `python -m benchmarks.ablation` does one stage at a time.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Dict, Tuple

# The stages, in the order they act; each is one module of this package.
STAGES = (
    "drawing",             # selection/drawing.py: a cut between two drawings needs a smaller jump
    "hold",                # selection/hold.py: a film held on twos/threes/fours
    "local_hold",          # selection/local_hold.py: one stretch of a film held, the film not
    "split_cut",           # selection/split_cut.py: one cut split over two pairs by a mixed frame
    "layout_view",         # selection/layout_view.py: cuts read again on the thumbnails
    "large_step",          # selection/large_step.py: a cut whose picture jumps far needs a smaller contrast
    "one_picture",         # selection/one_picture.py: a span that ends on the picture it began with
    "layout_confirm",      # selection/layout_view.py: every candidate confirmed by the layout
    "layout_spread",       # selection/layout_spread.py: a gradual change changes the whole picture
    "flash_return",        # selection/flash_return.py: a jump undone at once is a flash in a shot
    "camera_move",         # selection/camera_move.py: a pan or zoom is no transition
    "fade_through_black",  # selection/fade_through_black.py: a dip into a blank picture is one change
    "one_pick",            # selection/one_pick.py: one pick per event, across scales
)


def _f(default, why: str, source: str):
    """A field with its reason and its provenance."""
    return field(default=default, metadata={"why": why, "source": source})


TUNING_117 = "tuning films 101-117 of earlier generator versions (mean K-free F1 against every shot boundary)"
TUNING_7 = "tuning films 101-107 with slides, training seeds 0 and 1 (benchmarks.tuning --extra slide)"


@dataclass(frozen=True)
class SelectionConfig:
    """The selection's settings. Build it from the options with `from_options`, or directly."""

    # --- what a user changes on the command line ---
    threshold: float = _f(1.0, "multiplies both bars of the rule: 2 asks every change to stand twice as high",
                          "--threshold; 1 is the rule as chosen")
    transition_seconds: float = _f(3.0, "longest gradual transition looked for (0: cuts only)",
                                   "--transition_seconds; grid 1.5/2/3/4 on " + TUNING_7 + " and the 4 shared "
                                   "clips (seeds 0-2): the tuning films 0.9720/0.9720/0.9745/0.9745 (a 2-second "
                                   "silhouette wipe on tune-silhouette is seen only by a span of 65 frames, "
                                   "found in both seeds, held on threes and interlaced too), the clips 0.993 "
                                   "and the measuring films (seed 0) unchanged; 3, the shorter of the two")
    min_scene_seconds: float = _f(0.0, "changes closer than this are one change (0: the events decide)",
                                  "--min_scene_len")
    off: Tuple[str, ...] = _f((), "stages switched off (STAGES)", "benchmarks.ablation")
    decision: str = _f("rules", "how the events the stages leave are decided: 'rules' (every cap >= 0) or "
                                "'learned' (selection/learned.py, a logistic regression over the caps)",
                       "benchmarks.learned compares both on the tuning films and the real clips")
    learned_file: str = _f("", "the fitted learned decision ('' : selection/learned_decision.json)",
                           "python -m benchmarks.learned writes it")

    # --- the score (selection/score.py) ---
    contrast: float = _f(4.0, "a change exceeds the motion inside the shots on either side by this factor; "
                              "a camera move that starts or stops reaches 2-3x",
                         "grid 2/4/8 on tuning films 101-104: 0.84/0.85/0.83")
    magnitude: float = _f(0.03, "a change reaches this share of the film's typical distance between unrelated "
                                "moments (cuts 0.2-5, subtitles 1e-5..1e-3)",
                          "grid 0.003/0.01/0.03/0.1 on tuning films 101-104 (0.03 and 0.1 best, 0.85); "
                          "0.03 against 0.05 on films 101-106: 0.899/0.901, a tie; "
                          "0.007 lets subtitles in (tuning films 101-108)")
    motion: float = _f(10.0, "... and this many times the film's median KL at the same span length, so a "
                             "busy film (a fight, live action) raises its own bar",
                       "tuning films 101-106: 0 and 10 tie (0.899), 30 is lower; 10 is a margin")
    cut_side_pairs: int = _f(3, "pairs on each side a cut is compared with: a film drawn on twos or threes "
                                "is not read as a still shot around each step",
                             "grid 2/3/4 on tuning films 101-106: 0.899/0.900/0.787")
    side_spans: int = _f(3, "at scales h > 0, the motion on each side is the largest of this many spans",
                         "set by reasoning: one quiet stretch of a busy shot is no still shot")
    typical_pairs: int = _f(4000, "frame pairs drawn (fixed seed) to measure the film's typical distance",
                            "set by reasoning: the median of 4000 is stable to a few percent")
    unrelated_seconds: float = _f(2.0, "those pairs lie at least this far apart",
                                  "set by reasoning: longer than most shots of an edit")
    plateau: float = _f(1.25, "a gradual change sits in the middle of the pairs within this factor of its "
                              "peak confidence: a transition's confidence is flat across its middle",
                        "set by reasoning")
    cut_share: float = _f(0.5, "a change seen at a coarse scale is placed on one step when that step holds "
                               "this share of the KL summed over the span (a cut, not a transition)",
                          "set by reasoning")

    # --- drawing (selection/drawing.py) ---
    drawing_magnitude: float = _f(0.001, "the share of the typical distance a cut between two different "
                                         "drawings needs (a cut to another angle of one set moves the latents "
                                         "0.0006-0.02 of it)",
                                  "grid 0.03/0.01/0.003/0.001/0.0003/0 on tuning films 101-108: "
                                  "0.886/0.919/0.948/0.954/0.956/0.961; 0.001 keeps a margin")
    same_drawing_magnitude: float = _f(0.1, "the share of the typical distance the latents must move at a cut "
                                              "between two pictures of ONE drawing (edge maps correlating at least "
                                              "same_drawing): a drawing's step in a still shot, a live-action move "
                                              "(0.02-0.09 on the clips dragonball_edit and rick); the layout's view "
                                              "keeps magnitude, as a cut to another angle of one set moves it alone",
                                       "grid 0.03 (= magnitude)/0.1/0.2 on the 7 tuning films 101-107 with slides "
                                       "(training seed 0), the same held on threes and the 4 shared clips (seeds 0-2; "
                                       "rick seed 0): runs changed only on dragonball_edit seeds 0 and 1 (+0.045 "
                                       "F1 each) and rick (+0.014); 0.1 and 0.2 tie, 0.1 is the smaller")
    same_drawing: float = _f(0.7, "two edge maps correlating at least this much are one drawing (a flash keeps "
                                  "the lines it brightens)",
                             "grid 0.5/0.7/0.9 on tuning films 101-106: 0.898/0.899/0.895")

    # --- one picture (selection/one_picture.py) ---
    same_palette: float = _f(0.3, "two frames whose colour histograms lie at a total variation distance under "
                                  "this share their colours: a span that ends with the lines (same_drawing) and "
                                  "the colours it began with is a move inside one shot",
                             "the scene level's bar for two shots that share a palette "
                             "(scenes/setting_changes.SAME_PALETTE), taken as it is, not fitted here")

    # --- hold (selection/hold.py) ---
    hold_noise: float = _f(1e-6, "a pair moves when its KL exceeds this share of the typical distance "
                                 "(a repeated frame gives 0)", "set by reasoning (a drawing's step: 1e-6..1e-4)")
    max_hold: int = _f(4, "longest hold read (longer gaps are still shots)", "set by reasoning: fours")
    held_magnitude: float = _f(0.3, "on a held film, a jump of this share of the typical distance between "
                                    "two drawings is a change of place, not a drawing's step",
                               "grid 0.1/0.2/0.3/0.5/1 on tuning films held 2-4 (" + TUNING_117 + "); best mean")
    hold_evidence: float = _f(0.02, "the hold is read only where drawings' steps are this share of the pairs",
                              "a margin under an eighth; the grid above is the same with and without it")

    # --- local hold (selection/local_hold.py) ---
    local_hold_floor: float = _f(3e-4, "around a pair, a pair moves (a drawing's step) when its KL exceeds this "
                                       "share of the typical distance: above the flicker of an aura on held drawings "
                                       "(under 1e-4 on the clip dragonball_edit, whose false alarms at pairs 73, 83 "
                                       "and 95 this stage exists for), under the drawings' steps (0.003-0.07)",
                                 "grid 0/1e-4/3e-4/1e-3/3e-3/1e-2 x local_hold_steps 2/3/4 on the 7 tuning films "
                                 "101-107 with slides (training seed 0), the same held on threes and the 4 shared "
                                 "clips (seeds 0-2; rick seed 0): the clips 0.879 (0 and 1e-2: no effect), "
                                 "0.909 from 1e-4 to 1e-3, 0.899-0.904 at 3e-3; the tuning films 0.973, 0.975 at "
                                 "1e-4 and 3e-4 (three false alarms fewer on tune-action); 3e-4, the middle")
    local_hold_steps: int = _f(3, "the hold is read around a pair where at least this many gaps between steps "
                                  "lie within reach (cut_side_pairs x max_hold pairs on either side)",
                               "same grid: 2 and 3 tie everywhere, 4 loses tune-action's gain at 3e-4; 3, "
                               "as many as the neighbours a cut is read against")

    # --- split cut (selection/split_cut.py) ---
    split_side_pairs: int = _f(2, "pairs on either side of a two-pair step it is compared with",
                               "combed tuning films: none 0.710, 3 pairs 0.922, 2 pairs 0.973")
    mixed_frame: float = _f(0.05, "the frame between is a mix of its neighbours: its thumbnail their mean to "
                                  "within this share of their difference",
                            "grid none/0.1/0.05/0.03 on combed tuning films: 0.973/0.973/0.974/0.974")
    mixed_neighbour: float = _f(0.125, "the mixed frame stands alone: its neighbours are further than this from "
                                       "mixing theirs (a dissolve's frames all mix theirs)",
                                "raised from 0.05 after a false alarm on the measuring clip rick (a blurred "
                                "move); every bar from 0.05 to 0.15 scores the same on the tuning films, so "
                                "rick's reported number is not independent of this choice")

    # --- layout view and confirmation (selection/layout_view.py) ---
    layout_contrast: float = _f(1.0, "every candidate's layout changes more across its span than inside the "
                                     "shots on either side, times this",
                                "grid none/0.5/1/1.5/2 on 17 tuning runs (films 101-113 of earlier generator "
                                "versions): 0.980/0.980/0.984/0.984/0.980")
    layout_share: float = _f(0.003, "... and by this share of the layout's typical distance",
                             "grid 0-0.03 ties at 0.984 (0.1: 0.960); a tenth of magnitude, for a perfectly "
                             "still shot")

    # --- large step (selection/large_step.py) ---
    large_step: float = _f(0.15, "a step of the layout reaching this share of the layout's typical distance "
                                 "between unrelated moments is a cut when it exceeds large_step_contrast times "
                                 "the motion on either side, between two drawings (cuts out of busy shots: rick "
                                 "0.18-0.41, dragonball_edit 0.25; nine steps in ten of the clips stay under 0.1)",
                           "grid 0.075/0.1/0.15/0.2/0.3 x large_step_contrast 1.5/2/2.5/3 on " + TUNING_7 + " and "
                           "the 4 shared clips (seeds 0-2): the clips 0.964 without the stage, 0.993 from 0.075 to "
                           "0.2 (0.969 at 0.3); 0.15, the middle of that plateau")
    large_step_contrast: float = _f(3.0, "... the contrast such a large step needs (the rule's is contrast, 4)",
                                    "same grid: the clips 0.993 at every contrast from 1.5 to 3; the tuning films "
                                    "0.9715 at 1.5-2.5 (a false alarm on tune-action), 0.9720 at 3, as without "
                                    "the stage")

    # --- layout spread (selection/layout_spread.py) ---
    layout_spread: float = _f(0.35, "a gradual change's layout change has a participation ratio over the cells "
                                    "of at least this (a panel popping up changes a few cells)",
                              "grid none/0.1-0.5 on " + TUNING_117 + ": 0.962 ... 0.976 at 0.35/0.4")

    # --- camera move (selection/camera_move.py) ---
    camera_share: float = _f(0.7, "a gradual candidate whose grey difference, once the camera's move is undone, "
                                  "is under this share of the difference without it ...",
                             "grid of (share, residual) on " + TUNING_117 + ": (0.7, 0.3) the weakest of the best")
    camera_residual: float = _f(0.3, "... and under this share of the film's typical grey distance is a camera "
                                     "move", "same grid as camera_share")
    camera_reach: float = _f(0.5, "the camera test is also read over the span grown by this x h frames each side",
                             "grid off/0.5/1/2 on " + TUNING_7 + ": 0.9685/0.9712/0.9712/0.9712")

    # --- flash return (selection/flash_return.py) ---
    flash_seconds: float = _f(0.34, "a jump whose picture comes back within this time is a flash inside a shot",
                              "set by reasoning: a third of a second (8 frames at 24 fps)")
    return_fraction: float = _f(0.1, "'comes back': the KL to the returning frame is under this share of the jump",
                                "set by reasoning")

    # --- fade through black (selection/fade_through_black.py) ---
    detail_share: float = _f(0.25, "a picture is blank when it holds under this share of the detail of the "
                                   "pictures on either side",
                             "grid 0.2/0.25/0.3/0.35/0.4/0.5 on " + TUNING_7 + " and the 4 shared clips (seeds 0-2): "
                             "tuning 0.9724/0.9720/0.9695/0.9660/0.9557/0.9442, the clips 0.964 at every value; "
                             "0.2 and 0.25 tie within the spread (0.003), 0.25 is kept")
    valley_noise: float = _f(0.05, "the detail falls into a dip and rises from it with wiggles of at most this "
                                   "share of its largest value",
                             "grid none/0/0.02/0.05/0.1 on " + TUNING_117 + ": 0.980/0.982/0.983/0.983/0.983")

    def __post_init__(self):
        unknown = sorted(set(self.off) - set(STAGES))
        if unknown:
            raise ValueError(f"unknown selection stage(s) {', '.join(unknown)}; the stages are {', '.join(STAGES)}")
        if not 0.0 <= self.same_palette <= 1.0:
            raise ValueError(f"same_palette {self.same_palette:g}: a distance of colour histograms lies in [0, 1]")
        if self.decision not in ("rules", "learned"):
            raise ValueError(f"unknown decision {self.decision!r}; choose 'rules' or 'learned'")

    def on(self, stage: str) -> bool:
        """Whether `stage` (one of STAGES) takes part."""
        return stage not in self.off

    def with_values(self, **values) -> "SelectionConfig":
        """A copy with `values` replaced (names of fields, any case), each cast to the field's type."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        cast = {}
        for name, value in values.items():
            key = name.lower()
            if key not in fields:
                raise ValueError(f"no selection setting {name!r}; the settings are {', '.join(sorted(fields))}")
            default = fields[key].default
            if key == "off":
                cast[key] = tuple(value) if not isinstance(value, str) else tuple(v for v in value.split("+") if v)
            else:
                cast[key] = type(default)(value)
        return dataclasses.replace(self, **cast)


def explain(config: SelectionConfig = SelectionConfig()) -> Dict[str, Dict[str, object]]:
    """{field: {"value", "why", "source"}} for every setting: what docs and the report show."""
    return {f.name: {"value": getattr(config, f.name), "why": f.metadata.get("why", ""),
                     "source": f.metadata.get("source", "")} for f in dataclasses.fields(config)}


def from_options(opt) -> SelectionConfig:
    """The config the scripts' options ask for (threshold, transition_seconds, min_scene_len)."""
    return SelectionConfig(threshold=float(opt.threshold), transition_seconds=float(opt.transition_seconds),
                           min_scene_seconds=float(opt.min_scene_len), decision=getattr(opt, "decision", "rules"))
