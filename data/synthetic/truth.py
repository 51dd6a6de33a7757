"""Ground truth of a clip, computed from its shot plan."""

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from data.synthetic.palette import _PRESETS
from data.synthetic.plan import SAME_SETTING_CUT_KINDS


@dataclass(eq=False)
class SyntheticClipTruth:
    """Ground truth of a clip, known before any frame is rendered."""
    num_frames: int
    width: int
    height: int
    fps: int
    seed: int
    variant: int
    hard_cases: bool
    change_pairs: np.ndarray        # int64, sorted: scene changes between frame i and i+1
    transitions: list               # {"kind", "start", "end", "label"}
    non_changes: list               # {"kind", "start", "end"}
    shot_setting: np.ndarray        # int64 per frame
    shots: list                     # {"start", "end" (first/last unblended frame), "setting", "setting_kind",
                                    #  "characters", "camera"}
    settings: list                  # {"id", "kind", "palette"} of the world's library
    options: dict = field(default_factory=dict)     # the generator's options that differ from the defaults
    shot_pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))   # int64, sorted: every
                                    # shot boundary, change_pairs and the pair k-1 of each same-setting cut

    def to_json(self) -> dict:
        out = dict(num_frames=self.num_frames, width=self.width, height=self.height, fps=self.fps,
                   seed=self.seed, variant=self.variant, hard_cases=self.hard_cases,
                   change_pairs=[int(x) for x in self.change_pairs], transitions=self.transitions,
                   non_changes=self.non_changes, shot_setting=[int(x) for x in self.shot_setting],
                   shots=self.shots, settings=self.settings, shot_pairs=[int(x) for x in self.shot_pairs])
        if self.options:
            out["options"] = self.options
        return out


@dataclass(eq=False)
class SyntheticClip:
    """A rendered clip: frames (N x H x W x 3 uint8) and its ground truth."""
    frames: np.ndarray
    change_pairs: np.ndarray
    transitions: list
    non_changes: list
    shot_setting: np.ndarray
    shots: list = field(default_factory=list)
    fps: int = 24
    truth: Optional[SyntheticClipTruth] = None
    shot_pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def _truth(world, shots, bounds, N, fps, seed, variant, hard_cases) -> SyntheticClipTruth:
    transitions, non_changes = [], []
    shot_setting = np.zeros(N, dtype=np.int64)
    for s in shots:
        shot_setting[s.render_start:s.render_end + 1] = s.setting
    for b in bounds:
        if b.kind in SAME_SETTING_CUT_KINDS:
            non_changes.append(dict(kind=b.kind, start=b.a - 1, end=b.a))
            continue
        if b.kind == "cut":
            transitions.append(dict(kind="cut", start=b.a - 1, end=b.a, label=b.label))
        else:
            transitions.append(dict(kind=b.kind, start=b.a, end=b.b, label=b.label))
            shot_setting[b.a:b.label + 1] = shots[b.prev].setting
            shot_setting[b.label + 1:b.b + 1] = shots[b.next].setting
    for s in shots:
        non_changes.extend(dict(e) for e in s.events)
    non_changes.sort(key=lambda d: (d["start"], d["kind"]))
    change_pairs = np.array(sorted(t["label"] for t in transitions), dtype=np.int64)
    same_setting_cuts = [b.label for b in bounds if b.kind in SAME_SETTING_CUT_KINDS]
    shot_pairs = np.array(sorted(change_pairs.tolist() + same_setting_cuts), dtype=np.int64)
    shot_info = [dict(start=s.pure_start, end=s.pure_end, setting=s.setting,
                      setting_kind=world.settings[s.setting].kind,
                      characters=[a.char for a in s.actors], camera=s.mode) for s in shots]
    for info, s in zip(shot_info, shots):
        if s.framing is not None:       # a conversation's shot
            info["framing"] = s.framing
    settings = [dict(id=s.sid, kind=s.kind, palette=_PRESETS[s.kind][s.preset]["name"]) for s in world.settings]
    return SyntheticClipTruth(N, world.width, world.height, fps, int(seed), int(variant), bool(hard_cases),
                              change_pairs, transitions, non_changes, shot_setting, shot_info, settings,
                              shot_pairs=shot_pairs)
