"""Shared fixtures: an isolated cache folder and small frame folders made on the fly."""

import os
import sys

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own frame cache, so no test sees another's (or the user's) cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("REPRO_VAE_CACHE", str(cache))
    return cache


def write_frames(folder, frames, prefix="frame_", ext=".png", start=0):
    """Save (N, H, W, 3) uint8 frames as prefix<n>ext files; returns the folder."""
    os.makedirs(folder, exist_ok=True)
    for n, frame in enumerate(frames, start=start):
        Image.fromarray(frame).save(os.path.join(folder, f"{prefix}{n}{ext}"))
    return str(folder)


@pytest.fixture
def two_scene_folder(tmp_path):
    """40 frames of 32x24: 20 of a blue scene with a moving square, then 20 of a red one (change at pair 19)."""
    frames = []
    for i in range(40):
        frame = np.zeros((24, 32, 3), dtype=np.uint8)
        frame[:] = (30, 60, 200) if i < 20 else (200, 50, 40)
        x = i % 20
        frame[8:14, x:x + 6] = 255
        frames.append(frame)
    return write_frames(tmp_path / "frames", frames)


def shared_data_path(name):
    """A file of ../shared/data, or skip the test when that folder is absent."""
    path = os.path.join(SHARED_DATA, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} is absent (the shared data folder is not beside this checkout)")
    return path
