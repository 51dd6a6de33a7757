"""From latents to scene changes with no count given: candidates from the score, then each stage in turn.

    candidates   cuts (h = 0), split cuts, spans of every scale h > 0, dips of detail
    stages       drawing, hold, local hold, split cut and layout view shape the curves the
                 candidates come from; one picture, layout confirmation, layout spread, flash
                 return, camera move, fade through black and one pick per event then cap, drop or
                 join them (config.STAGES)
    Changes      the events, most confident first (confidence >= 0: a change), the per-pair
                 score for plots, and every candidate with the stage that decided it

`pictures` (selection.pictures.picture_features of the frames) feeds every stage that looks at the
pictures themselves; without it only the latents' rules act.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from selection import (fade_through_black, flash_return, large_step, layout_spread, layout_view, learned,
                       local_hold, one_pick, one_picture)
from selection.camera_move import CameraTest
from selection.candidate import Candidate, ordered
from selection.config import SelectionConfig
from selection.drawing import drawing_steps, one_drawing, other_drawing
from selection.hold import drawing_hold
from selection.pictures import Pictures
from selection.score import (as_tensors, cut_confidence, frame_kl, local_peaks, ordinary_motion, pair_kl_scores, place,
                             span_confidence, span_kls, transition_half_widths, typical_distance)
from selection.split_cut import one_mixed_frame, two_steps


@dataclass
class Changes:
    """What detect_changes finds in one film.

    score       (N-1,) float32: per pair, the best confidence of any scale, before the stages
                that cap candidates (for plots)
    events      (E,) int64: the pair of every candidate event, most confident first
    confidence  (E,) float32: log(across / (threshold x reference)) of each event; >= 0 is a change
    scale       (E,) int64: the half-width h at which each event was found (0: a cut)
    flags       (N-1,) bool: the changes (events with confidence >= 0)
    candidates  every candidate looked at, with its fate (selection/candidate.py)
    """
    score: np.ndarray
    events: np.ndarray
    confidence: np.ndarray
    scale: np.ndarray
    flags: np.ndarray
    candidates: List[Candidate] = field(default_factory=list)

    @property
    def changes(self) -> np.ndarray:
        """Pairs of the changes, in film order."""
        return np.flatnonzero(self.flags)

    def change_scales(self) -> dict:
        """{pair: half-width h} of every change: how far its transition reaches either side."""
        scales = {}
        for event, scale, confidence in zip(self.events, self.scale, self.confidence):
            if confidence >= 0:
                scales.setdefault(int(event), int(scale))  # events come most confident first
        return scales


@dataclass
class Film:
    """What every stage reads of one film, computed once."""
    mu: object
    log_var: object
    frame_rate: float
    pictures: Optional[Pictures]
    num_pairs: int
    typical: float
    near: np.ndarray
    hold: int = 1
    local_hold: Optional[np.ndarray] = None
    cut_share: np.ndarray = None
    held_share: np.ndarray = None
    split_drawn: np.ndarray = None
    split_share: np.ndarray = None
    one_drawing: Optional[np.ndarray] = None
    near2: np.ndarray = None
    layout: Optional[np.ndarray] = None
    steps: Optional[np.ndarray] = None
    steps2: Optional[np.ndarray] = None
    layout_typical: float = 1.0
    flash_reach: int = 2


def detect_changes(mu: np.ndarray, log_var: np.ndarray, frame_rate: float, pictures: Pictures = None,
                   config: SelectionConfig = SelectionConfig()) -> Changes:
    """Scene changes with no count given, the ranking of every candidate event, and the fate of
    every candidate (module doc)."""
    n = len(mu)
    num_pairs = max(n - 1, 0)
    if num_pairs == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Changes(np.zeros(0, np.float32), empty, np.zeros(0, np.float32), empty, np.zeros(0, bool))
    if config.threshold < 1e-12:
        config = dataclasses.replace(config, threshold=1e-12)
    if pictures is not None and any(len(a) != n for a in (pictures.detail, pictures.thumbnails, pictures.grey)
                                    if a is not None):
        raise ValueError(f"pictures of {len(pictures.detail)} frames given for latents of {n} frames")
    film = _film(mu, log_var, frame_rate, pictures, config)
    found, score = _candidates(film, config)
    candidates = _judged(list(found), film, config)
    if config.decision == "learned":
        learned.decide(candidates, learned.load(config.learned_file or learned.MODEL_FILE))
    kept = [c for c in candidates if c.confidence >= 0]
    if config.on("fade_through_black"):
        kept = fade_through_black.join_through_blank(
            kept, None if pictures is None else pictures.detail, film.flash_reach,
            int(round(config.transition_seconds * frame_rate)), config)
    events = ordered(kept + [c for c in candidates if c.confidence < 0])
    for c in events:
        c.kept = c.confidence >= 0
    looked_at = _all_candidates(found, events)
    return _changes(score, events, num_pairs, looked_at)


def _film(mu, log_var, frame_rate: float, pictures: Optional[Pictures], config: SelectionConfig) -> Film:
    mu, log_var = as_tensors(mu, log_var)  # once: every KL below indexes these
    near = pair_kl_scores(mu, log_var).astype(np.float64)
    film = Film(mu, log_var, frame_rate, pictures, near.size, typical_distance(mu, log_var, frame_rate, config), near,
                flash_reach=max(2, int(round(config.flash_seconds * frame_rate))))
    redrawn, film.cut_share = drawing_steps(pictures, film.num_pairs, config)
    film.split_drawn = np.zeros(film.num_pairs, dtype=bool)
    film.split_share = np.full(film.num_pairs, config.held_magnitude)
    film.one_drawing = np.zeros(film.num_pairs, dtype=bool)
    if pictures is not None and config.on("drawing"):
        film.one_drawing = one_drawing(pictures, config)
    if pictures is not None and film.num_pairs > 1 and config.on("drawing"):
        film.split_drawn = np.append(other_drawing(pictures, 2, config), False)
        film.split_share[~film.split_drawn] = np.inf
    # on a held film, a jump between two pictures of one drawing is the drawing moving, however far
    film.held_share = np.where(redrawn, config.held_magnitude, np.inf)
    if config.on("hold"):
        film.hold = drawing_hold(near, film.typical, film.held_share, config)
    if config.on("local_hold"):
        holds = np.maximum(local_hold.local_hold(near, film.typical, film.held_share, config), film.hold)
        film.local_hold = holds if (holds > film.hold).any() else None
    layout = None if pictures is None else pictures.layout()
    if layout is not None:
        film.layout = layout.astype(np.float64)  # once: its steps, spans and spread below all read it so
        film.steps, film.layout_typical = layout_view.layout_steps(film.layout, frame_rate, config)
        film.steps2 = two_steps(layout_view.layout_spans(film.layout, 2), film.num_pairs)
    return film


def _candidates(film: Film, config: SelectionConfig):
    """Every candidate the score finds, the per-pair score, and the span curve of each scale."""
    film_floor = config.magnitude * film.typical
    cut_curve, split_curve = _cut_curves(film, config, film.hold)
    peaks = local_peaks(film.near, 1)
    if _large_steps(film, config):
        peaks = np.union1d(peaks, large_step.peaks(film))
    candidates = [Candidate(int(j), 0, int(j), int(j) + 1, "cut", float(cut_curve[j]), float(cut_curve[j]))
                  for j in peaks]
    score = cut_curve
    if split_curve is not None:
        score = np.maximum(score, split_curve)
        candidates += _split_candidates(film, split_curve)
    if film.local_hold is not None:
        local_hold.cap_held_steps(candidates, film, _cut_curves(film, config, film.local_hold))
    curve_at = _span_curves(film, config, film_floor)
    if config.transition_seconds > 0:
        for h in transition_half_widths(film.frame_rate, config.transition_seconds):
            curve = curve_at(h)
            score = np.maximum(score, curve)
            candidates += [Candidate(place(curve, film.near, int(p), h, config), h, int(p) - h, int(p) + 1 + h,
                                     "span", float(curve[p]), float(curve[p])) for p in local_peaks(curve, h)]
        if film.pictures is not None and config.on("fade_through_black"):
            candidates += fade_through_black.dip_candidates(film, curve_at, config)
    _explain_scores(candidates, film, config)
    return candidates, score


def _cut_curves(film: Film, config: SelectionConfig, hold):
    """The confidence of a cut at each pair, and of one split over each pair and the next (None
    with split_cut off), on a film held `hold` frames (one number, or one per pair)."""
    cut_floor = film.cut_share * film.typical
    cut_curve = cut_confidence(film.near, np.maximum(cut_floor, config.motion * ordinary_motion(film.near)), config,
                               hold=hold, large=film.held_share * film.typical)
    split_curve = _split_curve(film, config, config.magnitude * film.typical, hold) if config.on("split_cut") else None
    if film.layout is not None and config.on("layout_view"):
        layout_cut, layout_split = layout_view.cut_curves(film, config, hold)
        cut_curve = np.maximum(cut_curve, layout_cut)
        if split_curve is not None:
            split_curve = np.maximum(split_curve, layout_split)
    if _large_steps(film, config):
        cut_curve = np.maximum(cut_curve, large_step.curve(film, config, hold))
    if split_curve is not None and film.pictures is not None and film.pictures.thumbnails is not None \
            and film.num_pairs > 1:
        split_curve[~np.append(one_mixed_frame(film.pictures.thumbnails, config), False)] = -np.inf
    return cut_curve, split_curve


def _large_steps(film: Film, config: SelectionConfig) -> bool:
    return film.layout is not None and config.on("large_step") and config.large_step > 0


def _split_curve(film: Film, config: SelectionConfig, film_floor: float, hold) -> np.ndarray:
    """The confidence of a cut split over each pair and the next by one frame between them."""
    if film.near2 is None:
        film.near2 = two_steps(pair_kl_scores(film.mu, film.log_var, 2).astype(np.float64), film.num_pairs)
    split_floor = np.full(film.num_pairs, film_floor)
    split_floor[film.split_drawn] = config.drawing_magnitude * film.typical
    floor = np.maximum(split_floor, config.motion * ordinary_motion(film.near2[:-1]))
    return cut_confidence(film.near, floor, config, hold=hold, large=film.split_share * film.typical,
                          across=film.near2)


def _split_candidates(film: Film, split_curve: np.ndarray) -> List[Candidate]:
    found = []
    for j in local_peaks(np.nan_to_num(film.near2, nan=-np.inf), 1):
        if np.isfinite(split_curve[j]):  # both halves move (through a mix of the two, where seen)
            pair = int(j) if film.near[j] >= film.near[j + 1] else int(j) + 1  # on the larger half
            found.append(Candidate(pair, 0, int(j), int(j) + 2, "split cut", float(split_curve[j]),
                                   float(split_curve[j])))
    return found


def _span_curves(film: Film, config: SelectionConfig, film_floor: float):
    """curve_at(h): the rule's confidence at half-width h for every pair, computed once per h."""
    curves = {}

    def curve_at(h: int) -> np.ndarray:
        if h not in curves:
            span = span_kls(film.mu, film.log_var, 2 * h + 1)
            floor = max(film_floor, config.motion * ordinary_motion(span.astype(np.float32)))
            curves[h] = span_confidence(span, film.num_pairs, h, floor, config.threshold, config.contrast,
                                        config.side_spans)
        return curves[h]
    return curve_at


def _explain_scores(candidates: List[Candidate], film: Film, config: SelectionConfig) -> None:
    """Each candidate's score in words: the latents' jump across its span against the bar."""
    if not candidates:
        return
    across = frame_kl(film.mu, film.log_var, np.array([c.first for c in candidates]),
                      np.array([c.second for c in candidates]))
    for c, value in zip(candidates, across):
        bar = value / np.exp(c.confidence) if np.isfinite(c.confidence) else np.inf
        c.numbers.update(across=float(value), bar=float(bar))
        c.reasons["score"] = (f"the latents move {value:.3g} across it against a bar of {bar:.3g} (the larger of "
                              f"{config.contrast:g} x the motion on either side and the film's floor)")
    if _large_steps(film, config):
        large_step.explain(candidates, film, config)


def _judged(candidates: List[Candidate], film: Film, config: SelectionConfig) -> List[Candidate]:
    """The candidates after the stages that cap or drop them, one per event."""
    if film.pictures is not None and config.on("one_picture"):
        candidates = one_picture.drop_moves_in_one_picture(candidates, film.pictures, config)
    if film.layout is not None and candidates:
        if config.on("layout_confirm"):
            layout_view.confirm(candidates, film, config)
        if config.on("layout_spread"):
            layout_spread.cap_by_spread(candidates, film.layout, config)
    alive = flash_return.drop_flashes(candidates, film, config) if config.on("flash_return") else candidates
    camera = None
    if film.pictures is not None and film.pictures.grey is not None and config.camera_share \
            and config.on("camera_move"):
        camera = CameraTest(film.pictures.grey, film.frame_rate, config)
    if not config.on("one_pick"):
        if camera is not None:
            camera(alive, None)
        return one_pick.one_per_pair(alive)
    alive = one_pick.unexplained(alive, film.num_pairs, camera)
    return one_pick.one_per_event(alive, film.num_pairs, int(round(config.min_scene_seconds * film.frame_rate)))


def _all_candidates(candidates: List[Candidate], events: List[Candidate]) -> List[Candidate]:
    """Every candidate looked at, the joined ones included, each once."""
    seen = {id(c) for c in candidates}
    return list(candidates) + [c for c in events if id(c) not in seen]


def _changes(score: np.ndarray, events: List[Candidate], num_pairs: int, candidates: List[Candidate]) -> Changes:
    pairs = np.array([c.pair for c in events], dtype=np.int64)
    confidence = np.array([c.confidence for c in events], dtype=np.float32)
    scale = np.array([c.scale for c in events], dtype=np.int64)
    flags = np.zeros(num_pairs, dtype=bool)
    flags[pairs[confidence >= 0]] = True
    finite = np.isfinite(score)
    score = np.where(finite, score, score[finite].min() if finite.any() else 0.0)
    return Changes(score.astype(np.float32), pairs, confidence, scale, flags, candidates)
