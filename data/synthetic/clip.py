"""Public entry points: plan a clip and render its frames."""

from typing import Iterator

import numpy as np

from data.synthetic.plan import _plan
from data.synthetic.render import _Renderer
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


def iter_clip_frames(num_frames: int, seed: int = 0, width: int = 160, height: int = 120, fps: int = 24,
                     hard_cases: bool = True, *, variant: int = 0) -> tuple:
    """Plan a clip and return ``(frames_iterator, truth)``.

    The truth (a ``SyntheticClipTruth``) is complete before the first frame is rendered; the
    iterator renders the ``num_frames`` frames (H x W x 3 uint8) lazily, one by one, keeping
    only a few setting canvases in memory. ``seed`` fixes the world (settings, characters)
    and, with ``variant``, the shot sequence: clips of one seed and different variants
    share their settings and characters.
    """
    _check_args(num_frames, width, height, fps)
    N, W, H, fps = int(num_frames), int(width), int(height), int(fps)
    world = _make_world(seed, W, H)
    rng = np.random.default_rng([_SEED_TAG, int(seed), 2, int(variant)])
    shots, bounds = _plan(world, N, rng, fps, bool(hard_cases), _setting_distances(world.seed))
    truth = _truth(world, shots, bounds, N, fps, seed, variant, hard_cases)

    def frames() -> Iterator[np.ndarray]:
        renderer = _Renderer(world, shots, bounds, N)
        for i in range(N):
            yield renderer.frame(i)

    return frames(), truth


def generate_clip(num_frames: int, seed: int = 0, width: int = 160, height: int = 120, fps: int = 24,
                  hard_cases: bool = True, *, variant: int = 0) -> SyntheticClip:
    """Render a whole clip in memory (N x H x W x 3 uint8); for long clips use iter_clip_frames."""
    it, truth = iter_clip_frames(num_frames, seed, width, height, fps, hard_cases, variant=variant)
    frames = np.empty((truth.num_frames, truth.height, truth.width, 3), dtype=np.uint8)
    for i, f in enumerate(it):
        frames[i] = f
    return SyntheticClip(frames, truth.change_pairs, truth.transitions, truth.non_changes, truth.shot_setting,
                         truth.shots, truth.fps, truth)
