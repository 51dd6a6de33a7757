"""Scenes from shots: which shot boundaries change the setting.

The shot level (selection/) finds every cut and gradual transition. A person indexing a
film groups them: a conversation cut back and forth between two characters on one set is one
scene, a cut to a new angle of the same room or to another character in front of the same
background continues it, and a cut to another place starts a new one, also when that place was
seen earlier in the film.

The rule reads the shots in order and keeps the current scene's most recent shots. A new shot
continues the scene when it matches one of them, and starts a new scene when it matches none.
Two shots match when

* some frame of one is close to some frame of the other in the model's latent space (the
  smallest symmetric KL between their frames' Gaussians, against the film's typical distance
  between unrelated moments): the same drawing seen again, as in shot / reverse-shot, where
  each angle comes back; or
* their palettes agree (the coarse colour histograms of selection/pictures.py, averaged over each
  shot): one painted set seen from another angle keeps its colours whatever part of it a shot
  shows, and a character in front covers only part of the frame.

A shot that matches none of the current scene's shots may still return to the scene before:
in shot / reverse-shot the second angle can show other colours (another part of the room, a
large character in front) and match nothing when it first appears, and the first angle then
comes back. When the new shot matches a recent shot of an earlier scene, and every shot in
between shares at least part of that shot's palette (the same set, seen otherwise), the shots
in between were that scene's too, and the boundaries between them are not changes of setting.
A return to an earlier setting after a different one (shots in other colours in between) stays
a new scene.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the scores and pictures load torch: opts.py reads the constants below without it
    from selection.pictures import Pictures

# The constants below were chosen on generated films of the tuning seeds (101-108: the seven
# kinds the benchmark measures on seeds 11-17, and a second film of conversations) by the mean
# F1@2 of the setting changes, on the shots the shot level found in each; none was chosen on the
# films the benchmark reports. On these eight films, taking every shot boundary as a change of
# setting scores 0.778 (0.31 and 0.51 on the two films of conversations); the values below 0.979.
#
# Shots of the current scene (and shots back) a new shot is compared with. 1 scores 0.969 (a
# reverse angle in other colours starts a scene), 2, 4 and 6 the same; 4 spans a conversation
# between three angles.
RECENT_SHOTS = 4
# Two shots show the same picture when their closest frames are this close, as a share of the
# film's typical distance between unrelated moments. 0, 0.01 and 0.03 score 0.980, 0.979 and
# 0.957 (0.03 joins two settings of one kind): the palette decides on the generated films, and
# 0.01 is kept for the same angle coming back with other colours in it (a large character in
# front, a change of light).
SAME_PICTURE = 0.01
# Two shots share a palette when the total variation distance between their mean colour
# histograms (0: the same colours in the same amounts, 1: no colour in common) is below this.
# 0.2, 0.25, 0.3 and 0.35 score 0.967, 0.979, 0.979 and 0.975 (0.35 joins the silhouettes of two
# places on one background colour).
SAME_PALETTE = 0.3
# A shot between two matching shots belongs to their scene when its palette is this close to
# one of theirs: looser than SAME_PALETTE, since another part of the set or a character in front
# changes part of the colours, but short of another place's. 0.4, 0.5 and 0.6 score 0.979,
# 0.971 and 0.970 (0.5 takes a return to a place after one shot elsewhere for a conversation).
NEAR_PALETTE = 0.4
# Frames read from each shot: spread over the shot, away from its ends, which a gradual
# transition blends with the neighbouring shot.
FRAMES_PER_SHOT = 6
EDGE_FRAMES = 2


@dataclass
class Scenes:
    """The scene level of one film.

    flags        (N-1,) bool: entry j true = the setting changes between frames j and j+1
                 (always at a shot boundary)
    shot_starts  (S,) int64: the first frame of every shot (shot k ends where shot k+1 starts)
    scene_of_shot (S,) int64: the scene (0, 1, ...) each shot belongs to
    """
    flags: np.ndarray
    shot_starts: np.ndarray
    scene_of_shot: np.ndarray

    @property
    def changes(self) -> np.ndarray:
        """Pairs of the setting changes, in film order."""
        return np.flatnonzero(self.flags)


def shot_frames(start: int, end: int, margin_before: int, margin_after: int) -> np.ndarray:
    """Up to FRAMES_PER_SHOT frames of the shot [start, end), evenly spread and `margin_*`
    frames away from its ends when the shot is long enough to leave some."""
    first, last = start + margin_before, end - 1 - margin_after
    if last < first:
        first, last = start, end - 1
    return np.unique(np.linspace(first, last, min(FRAMES_PER_SHOT, last - first + 1)).round().astype(np.int64))


def _picture_distance(mu, log_var, a: np.ndarray, b: np.ndarray) -> float:
    """The smallest symmetric KL between a frame of `a` and a frame of `b`."""
    from selection.score import frame_kl
    first, second = np.repeat(a, b.size), np.tile(b, a.size)
    return float((0.5 * (frame_kl(mu, log_var, first, second) + frame_kl(mu, log_var, second, first))).min())


def _palette_distance(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(p - q).sum())


def setting_changes(mu: np.ndarray, log_var: np.ndarray, shot_flags: np.ndarray, frame_rate: float,
                    pictures: Pictures = None, shot_scales: dict = None, recent_shots: int = RECENT_SHOTS,
                    same_picture: float = SAME_PICTURE, same_palette: float = SAME_PALETTE,
                    near_palette: float = NEAR_PALETTE) -> Scenes:
    """The setting changes among the shot boundaries `shot_flags` (module doc).

    `shot_scales` maps a boundary's pair to the half-width of its transition (Changes.change_scales()),
    so that the frames read from each shot lie outside it. Without `pictures` (or their
    colours) shots are matched by their latents only. `recent_shots` 0 makes every shot
    boundary a setting change.
    """
    from selection.score import typical_distance
    mu = np.asarray(mu, dtype=np.float64)          # once: every KL below reads these without a copy
    log_var = np.asarray(log_var, dtype=np.float64)
    n = len(mu)
    flags = np.asarray(shot_flags, dtype=bool)
    boundaries = np.flatnonzero(flags)
    starts = np.concatenate([[0], boundaries + 1]).astype(np.int64)
    ends = np.concatenate([boundaries + 1, [n]]).astype(np.int64)
    scales = shot_scales or {}
    margins = [EDGE_FRAMES + int(scales.get(int(j), 0)) for j in boundaries]
    frames = [shot_frames(int(s), int(e), margins[k - 1] if k > 0 else 0, margins[k] if k < len(margins) else 0)
              for k, (s, e) in enumerate(zip(starts, ends))]
    colours = None if pictures is None else pictures.colours
    palettes = None if colours is None else [colours[f].astype(np.float64).mean(axis=0) for f in frames]
    reach = typical_distance(mu, log_var, frame_rate) * same_picture if n > 1 else 0.0

    def palette_distance(k: int, m: int) -> float:
        return 1.0 if palettes is None else _palette_distance(palettes[k], palettes[m])

    @functools.lru_cache(maxsize=None)  # a new shot meets its recent shots both as the scene's and as returns
    def match(k: int, m: int) -> bool:
        return palette_distance(k, m) < same_palette or \
            _picture_distance(mu, log_var, frames[k], frames[m]) < reach

    def returns_to(m: int) -> int:
        """The latest recent shot of an earlier scene that shot m matches, with only shots of
        its set (near palettes) in between; -1 if none."""
        for k in range(m - 2, max(m - recent_shots, 0) - 1, -1):
            between = range(k + 1, m)
            if match(k, m) and all(min(palette_distance(k, j), palette_distance(j, m)) < near_palette
                                   for j in between):
                return k
        return -1

    scene_of_shot = np.zeros(len(starts), dtype=np.int64)
    setting = np.zeros(max(n - 1, 0), dtype=bool)
    for m in range(1, len(starts)):
        recent = range(max(m - recent_shots, 0), m)
        current = [k for k in recent if scene_of_shot[k] == scene_of_shot[m - 1]]
        if recent_shots > 0 and any(match(k, m) for k in current):
            scene_of_shot[m] = scene_of_shot[m - 1]
            continue
        k = returns_to(m) if recent_shots > 1 else -1
        if k >= 0:
            scene_of_shot[k + 1:m + 1] = scene_of_shot[k]
            setting[starts[k + 1:m + 1] - 1] = False
        else:
            scene_of_shot[m] = scene_of_shot[m - 1] + 1
            setting[starts[m] - 1] = True
    _, scene_of_shot = np.unique(scene_of_shot, return_inverse=True)
    return Scenes(setting, starts, scene_of_shot.astype(np.int64))
