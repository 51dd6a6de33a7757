"""Deterministic synthetic anime-like clips with exact scene-change ground truth.

This is the project's bundled sample: the default data of the training, inference and
scoring scripts, of the demo and of the tests. It draws cel-style art (flat colours, dark
outlines, banded "flat-shaded" skies) with PIL and numpy only, so it needs no download.

Structure
---------
* A *world* (from ``seed``) is a library of ``NUM_SETTINGS`` settings (backgrounds of five
  kinds: open sky / rooftop, city street, room, landscape (hills or sea), night) and
  ``NUM_CHARACTERS`` outlined characters. Each setting is drawn once, lazily, on a canvas
  twice as wide and 1.5 times as tall as the frame; frames are crops of it (pans) or
  scaled crops (zooms) with the characters drawn on top.
* A *clip* is a shot plan drawn from a seeded RNG (``seed`` and ``variant``), made first;
  frames are rendered second, lazily, one by one (``iter_clip_frames``). ``write_sample``
  uses one world and two variants, so its train and val clips share settings and
  characters (as training and testing on one film) but have different shot sequences.

Modules: ``palette`` (colours), ``world`` (the settings and characters of a seed),
``shapes``, ``settings`` and ``characters`` (drawing), ``camera``, ``plan`` (shots and
boundaries) and ``truth`` (labels; neither draws a frame), ``transitions`` (blends),
``render`` (frames), ``clip`` (entry points), ``writer`` (files), ``cli`` (command line).

Label convention
----------------
The truth has two levels. SCENES: ``change_pairs`` (and ``transitions``) mark the changes
of setting. SHOTS: ``shot_pairs`` marks every shot boundary, the scene changes and the
cuts that keep the setting (SAME_SETTING_CUT_KINDS), so it holds ``change_pairs``.
A change at pair index ``i`` means "the scene changes between frame ``i`` and ``i+1``".
* Hard cut, frame ``k`` first frame of the new setting: ``start=k-1, end=k, label=k-1``.
* Gradual transition whose blended frames are ``a..b`` (first and last frame that mix
  both settings, or show black/white in between): ``start=a, end=b, label=(a+b)//2``.
So ``label == (start + end) // 2`` for every entry of ``transitions``. A return to a
setting seen earlier in the clip is a scene change like any other.
``non_changes`` (traps at the scene level, never in ``change_pairs``): the same-setting
cuts, each ``start=k-1, end=k`` like a cut (``k`` first frame of the new shot, pair
``k-1`` in ``shot_pairs``): ``character_cut`` (same setting, other characters, a moderate
camera offset), ``reverse_shot`` (a conversation's cut between its two framings of one
set, e.g. its left and right parts, each with one speaker in front) and ``new_angle``
(another crop or zoom of the same set); and the traps inside shots: ``in_shot_flash``
(first..last brightened frame), ``fast_pan`` and ``zoom`` (first..last frame of the
camera move), ``subtitle`` (first..last frame showing one subtitle line), ``action``
(first..last frame of a stretch of camera shake and dashing characters), ``inset``
(first frame of a pop-up panel growing to the last of its picture fading in).
The options of ``iter_clip_frames`` (pacing, extra_transitions, style, subtitles, action,
conversations, insets) add kinds beyond DEFAULT_TRANSITION_KINDS and DEFAULT_NON_CHANGE_KINDS; the
defaults give the same frames and truth as earlier versions (``shot_pairs`` is new).
``shot_setting[f]`` is the setting id of frame ``f``; inside a gradual transition frames
up to the label belong to the outgoing setting, later ones to the incoming one.
"""

from data.synthetic.cli import main
from data.synthetic.clip import clip_options, generate_clip, iter_clip_frames
from data.synthetic.plan import (DEFAULT_NON_CHANGE_KINDS, DEFAULT_TRANSITION_KINDS, EXTRA_TRANSITION_KINDS,
                                 GRADUAL_KINDS, NON_CHANGE_KINDS, PACINGS, SAME_SETTING_CUT_KINDS,
                                 TRANSITION_KINDS)
from data.synthetic.render import STYLES
from data.synthetic.truth import SyntheticClip, SyntheticClipTruth
from data.synthetic.world import NUM_CHARACTERS, NUM_SETTINGS, SETTING_KINDS
from data.synthetic.writer import SAMPLE_VERSION, write_frame_folder, write_sample

__all__ = ["DEFAULT_NON_CHANGE_KINDS", "DEFAULT_TRANSITION_KINDS", "EXTRA_TRANSITION_KINDS", "GRADUAL_KINDS",
           "NON_CHANGE_KINDS", "NUM_CHARACTERS", "NUM_SETTINGS", "PACINGS", "SAME_SETTING_CUT_KINDS", "SAMPLE_VERSION",
           "SETTING_KINDS", "STYLES", "SyntheticClip", "SyntheticClipTruth", "TRANSITION_KINDS", "clip_options",
           "generate_clip", "iter_clip_frames", "main", "write_frame_folder", "write_sample"]
