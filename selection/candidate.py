"""A Candidate change and the record of its fate: which stage kept or dropped it, and why.

Every stage either caps a candidate's confidence (a log ratio; >= 0 is a change) with the
numbers it compared, or drops it. At the end each candidate names the stage that decided it:
the stage that dropped it, or the one whose cap set its final confidence. The results folder
gets them all (change_candidates_<i>.csv), so a user who sees a false alarm or a miss can read
which rule decided it, as PySceneDetect's stats file shows the scores it saw.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np


@dataclass
class Candidate:
    """One candidate event.

    pair        where it is placed (the change between frames pair and pair + 1)
    scale       the half-width h it was found at (0: a cut)
    first, second  the frames its rule compared (pair - h and pair + 1 + h for a span)
    source      "cut", "split cut", "span", "dip" or "joined"
    confidence  its confidence so far: the score, lowered by every stage's cap
    evidence    its confidence before the layout's confirmation (orders ties)
    caps        {stage: the log ratio that stage capped it at}
    numbers     {name: value} the numbers the stages compared
    """
    pair: int
    scale: int
    first: int
    second: int
    source: str
    confidence: float
    evidence: float
    caps: Dict[str, float] = field(default_factory=dict)
    numbers: Dict[str, float] = field(default_factory=dict)
    reasons: Dict[str, str] = field(default_factory=dict)
    dropped_by: Optional[str] = None
    decided_by: Optional[str] = None
    kept: bool = False

    def __post_init__(self):
        self.caps.setdefault("score", float(self.confidence))

    def cap(self, stage: str, value: float, reason: str = "", **numbers) -> None:
        """Lowers the confidence to `value` where it is lower, and records what `stage` saw."""
        self.caps[stage] = float(value)
        self.confidence = min(self.confidence, float(value))
        if reason:
            self.reasons[stage] = reason
        self.numbers.update({k: float(v) for k, v in numbers.items()})

    def decide(self, stage: str, value: float, reason: str) -> None:
        """Replaces the confidence with `stage`'s own (a learned decision over the caps so far)."""
        self.caps[stage] = float(value)
        self.confidence = float(value)
        self.reasons[stage] = reason
        self.decided_by = stage

    def drop(self, stage: str, reason: str, **numbers) -> None:
        """Takes the candidate out: `stage` decided it is no change of its own."""
        self.dropped_by = stage
        self.reasons[stage] = reason
        self.numbers.update({k: float(v) for k, v in numbers.items()})

    @property
    def stage(self) -> str:
        """The stage that decided: the one that dropped it, else the one whose cap is its confidence."""
        if self.dropped_by or self.decided_by:
            return self.dropped_by or self.decided_by
        binding = [s for s, v in self.caps.items() if v <= self.confidence]
        return binding[0] if binding else "score"

    @property
    def reason(self) -> str:
        stage = self.stage
        if stage in self.reasons:
            return self.reasons[stage]
        if self.dropped_by is None and self.kept:
            return "stands out against the motion on either side and the film's variety"
        return self.reasons.get("score", "")


def ordered(candidates: List[Candidate]) -> List[Candidate]:
    """The final ranking: most confident first, then most evidence, then earliest."""
    return sorted(candidates, key=lambda c: (-c.confidence, -c.evidence, c.pair))


# The stages that set a candidate's confidence (the others shape the curves, or drop): one column each.
CAPPING_STAGES = ("score", "local_hold", "layout_confirm", "layout_spread", "camera_move", "fade_through_black",
                  "learned")
NUMBER_COLUMNS = ("across", "bar", "layout_step", "local_hold", "layout_across", "spread", "camera_share",
                  "camera_residual", "returns_at", "end_lines", "end_colours")


def candidates_csv(candidates: List[Candidate]) -> str:
    """One row per candidate, film order: where, at which scale, its confidence, the deciding
    stage, whether it was kept, why, every stage's cap and the numbers compared."""
    stages = CAPPING_STAGES
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["pair", "scale", "first", "second", "source", "confidence", "stage", "kept", "reason",
                     *(f"cap_{s}" for s in stages), *NUMBER_COLUMNS])
    for c in sorted(candidates, key=lambda c: (c.pair, c.scale, c.first)):
        writer.writerow([c.pair, c.scale, c.first, c.second, c.source, _number(c.confidence), c.stage,
                         int(c.kept), c.reason, *(_number(c.caps.get(s)) for s in stages),
                         *(_number(c.numbers.get(k)) for k in NUMBER_COLUMNS)])
    return out.getvalue()


def _number(value) -> str:
    if value is None:
        return ""
    value = float(value)
    return "" if np.isnan(value) else ("-inf" if value == -np.inf else ("inf" if value == np.inf else f"{value:.6g}"))


def read_candidates_csv(path: str) -> List[Dict[str, str]]:
    """The rows of a change_candidates_<i>.csv, as dicts of strings (the report reads them)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
