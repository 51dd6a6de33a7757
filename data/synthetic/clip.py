"""Public entry points: plan a clip and render its frames."""

from typing import Iterator

import numpy as np

from data.synthetic.plan import EXTRA_TRANSITION_KINDS, PACINGS, _plan
from data.synthetic.render import STYLES, _Renderer
from data.synthetic.settings import _setting_distances
from data.synthetic.truth import SyntheticClip, _truth
from data.synthetic.world import _SEED_TAG, _make_world


def _check_args(num_frames, width, height, fps):
    if int(num_frames) < 2:
        raise ValueError(f"num_frames must be at least 2, got {num_frames}")
    if int(width) < 32 or int(height) < 24:
        raise ValueError(f"frame size must be at least 32x24, got {width}x{height}")
    if int(fps) < 4:
        raise ValueError(f"fps must be at least 4, got {fps}")


def clip_options(pacing: str = "normal", extra_transitions=(), style: str = "cel", subtitles: bool = False,
                 action: bool = False, conversations: bool = False, insets: bool = False) -> dict:
    """The options that differ from the defaults, checked and normalised (empty for the default clip)."""
    if pacing not in PACINGS:
        raise ValueError(f"pacing must be one of {', '.join(PACINGS)}, got {pacing!r}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    if extra_transitions == "all":
        extra_transitions = EXTRA_TRANSITION_KINDS
    elif isinstance(extra_transitions, str):
        extra_transitions = [k for k in extra_transitions.split(",") if k]
    extra = tuple(k for k in EXTRA_TRANSITION_KINDS if k in set(extra_transitions))
    unknown = sorted(set(extra_transitions) - set(EXTRA_TRANSITION_KINDS))
    if unknown:
        raise ValueError(f"extra_transitions must be among {', '.join(EXTRA_TRANSITION_KINDS)}, got {unknown}")
    options = dict(pacing=pacing, extra_transitions=list(extra), style=style, subtitles=bool(subtitles),
                   action=bool(action), conversations=bool(conversations), insets=bool(insets))
    defaults = dict(pacing="normal", extra_transitions=[], style="cel", subtitles=False, action=False,
                    conversations=False, insets=False)
    return {k: v for k, v in options.items() if v != defaults[k]}


def iter_clip_frames(num_frames: int, seed: int = 0, width: int = 160, height: int = 120, fps: int = 24,
                     hard_cases: bool = True, *, variant: int = 0, pacing: str = "normal",
                     extra_transitions=(), style: str = "cel", subtitles: bool = False,
                     action: bool = False, conversations: bool = False, insets: bool = False) -> tuple:
    """Plan a clip and return ``(frames_iterator, truth)``.

    The truth (a ``SyntheticClipTruth``) is complete before the first frame is rendered; the
    iterator renders the ``num_frames`` frames (H x W x 3 uint8) lazily, one by one, keeping
    only a few setting canvases in memory. ``seed`` fixes the world (settings, characters)
    and, with ``variant``, the shot sequence: clips of one seed and different variants
    share their settings and characters.

    Options (the defaults give the clip of earlier versions, frame for frame):
    ``pacing``: "normal" (shots of 1.5-6 s), "fast" (also bursts of 6-12 shots of 4-6 frames
    each, joined by hard cuts) or "slow" (shots of 20-60 s with slow pans, tilts and zooms).
    ``extra_transitions``: kinds among EXTRA_TRANSITION_KINDS ("flash_cut", "blur": 3-8
    frames; "morph": silhouettes morphing, 0.5-1.5 s; "slow_wipe": 1.5-3 s; "slide": the new shot
    slides in over the old one, 0.5-1.2 s), a comma
    separated string of them, or "all"; half of the setting changes then take one of them.
    ``style``: "cel" or "silhouette" (dark shapes on a plain gradient backdrop).
    ``subtitles``: burned-in subtitle lines that appear, change and disappear inside shots
    (non-changes of kind "subtitle").
    ``action``: stretches of action inside shots, as in a fight or a dance: the camera shakes
    and the characters dash and jump, drawn on twos or threes (non-changes of kind "action").
    ``conversations``: some settings' runs open with a conversation: a shot/reverse-shot run
    (4-8 alternating shots of 1-4 s between two framings of the set, each with one speaker in
    front) and sometimes a shot from a new angle, all on one setting: shot boundaries of kinds
    "reverse_shot" and "new_angle" that are not scene changes (in ``non_changes`` and
    ``shot_pairs``, not in ``change_pairs``).
    """
    _check_args(num_frames, width, height, fps)
    options = clip_options(pacing, extra_transitions, style, subtitles, action, conversations, insets)
    N, W, H, fps = int(num_frames), int(width), int(height), int(fps)
    world = _make_world(seed, W, H)
    rng = np.random.default_rng([_SEED_TAG, int(seed), 2, int(variant)])
    option_rng = np.random.default_rng([_SEED_TAG, int(seed), 4, int(variant)])
    subtitle_rng = np.random.default_rng([_SEED_TAG, int(seed), 5, int(variant)])
    action_rng = np.random.default_rng([_SEED_TAG, int(seed), 6, int(variant)])
    conversation_rng = np.random.default_rng([_SEED_TAG, int(seed), 7, int(variant)])
    inset_rng = np.random.default_rng([_SEED_TAG, int(seed), 8, int(variant)])
    shots, bounds = _plan(world, N, rng, fps, bool(hard_cases), _setting_distances(world.seed),
                          pacing=pacing, extra_transitions=tuple(options.get("extra_transitions", ())),
                          subtitles=bool(subtitles), action=bool(action), conversations=bool(conversations),
                          insets=bool(insets), option_rng=option_rng, subtitle_rng=subtitle_rng,
                          action_rng=action_rng, conversation_rng=conversation_rng, inset_rng=inset_rng)
    truth = _truth(world, shots, bounds, N, fps, seed, variant, hard_cases)
    truth.options = options

    def frames() -> Iterator[np.ndarray]:
        renderer = _Renderer(world, shots, bounds, N, style=style)
        for i in range(N):
            yield renderer.frame(i)

    return frames(), truth


def generate_clip(num_frames: int, seed: int = 0, width: int = 160, height: int = 120, fps: int = 24,
                  hard_cases: bool = True, *, variant: int = 0, pacing: str = "normal", extra_transitions=(),
                  style: str = "cel", subtitles: bool = False, action: bool = False,
                  conversations: bool = False, insets: bool = False) -> SyntheticClip:
    """Render a whole clip in memory (N x H x W x 3 uint8); for long clips use iter_clip_frames.

    The options are those of iter_clip_frames.
    """
    it, truth = iter_clip_frames(num_frames, seed, width, height, fps, hard_cases, variant=variant, pacing=pacing,
                                 extra_transitions=extra_transitions, style=style, subtitles=subtitles,
                                 action=action, conversations=conversations, insets=insets)
    frames = np.empty((truth.num_frames, truth.height, truth.width, 3), dtype=np.uint8)
    for i, f in enumerate(it):
        frames[i] = f
    return SyntheticClip(frames, truth.change_pairs, truth.transitions, truth.non_changes, truth.shot_setting,
                         truth.shots, truth.fps, truth, truth.shot_pairs)
