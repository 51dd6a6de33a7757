"""Shared fixtures and helpers: an isolated cache folder, small frame folders and videos made
on the fly, and the labelled clips of ../shared/data when that folder is there."""

import os
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
CODEC = "libx264" if "libx264" in av.codecs_available else "mpeg4"


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


def encode_video(path, frames, rate=24, codec=CODEC, pts_ms=None, rotation=None,
                 faststart=False, pix_fmt="yuv420p"):
    """Encode HxWx3 uint8 RGB frames (a list or an (N, H, W, 3) array) into a video file;
    returns its Path. pts_ms: explicit timestamps in ms (variable frame rate)."""
    h, w = frames[0].shape[:2]
    container_options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=container_options) as c:
        options = {"crf": "16"} if codec == "libx264" else {}
        s = c.add_stream(codec, rate=rate, options=options)
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        if codec == "mpeg4":
            s.bit_rate = 4_000_000
        if pts_ms is not None:
            s.time_base = Fraction(1, 1000)
            s.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            s.set_display_rotation(rotation)
        for i, a in enumerate(frames):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")
            if pts_ms is not None:
                f.pts = pts_ms[i]
                f.time_base = Fraction(1, 1000)
            for pk in s.encode(f):
                c.mux(pk)
        for pk in s.encode():
            c.mux(pk)
    return Path(path)


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


def one_error_line(text, *expected):
    """The one `error:` line of a refused run's stderr `text`; asserts it holds every `expected` fragment."""
    lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, text[-2000:]
    for fragment in expected:
        assert fragment in lines[0], lines[0]
    return lines[0]


# The smallest model the scripts train: a few seconds per run on a CPU.
TINY_MODEL = ["--hidden-dims", "8", "16", "--latent_dim", "3"]
TINY = [*TINY_MODEL, "--bs", "16"]


def train(folder, out, *extra):
    """main.py's exit code, training the tiny model on the frames of `folder` into `out`."""
    import main
    return main.main(["--train_folder", str(folder), "--output_folder", str(out), *TINY, *extra])


def train_briefly(folder, out, *extra):
    """train() for one epoch (--max_iters 1): a run whose checkpoint is all a test needs."""
    return train(folder, out, "--max_iters", "1", *extra)


def detect(folder, *extra):
    """inference.py's exit code on the frames of `folder`."""
    import inference
    return inference.main(["--image_folder", str(folder), *extra])


def checkpoints_of(folder):
    """The names of the checkpoints in `folder`, sorted."""
    return sorted(n for n in os.listdir(folder) if n.startswith("model_state_"))


def scenery(seed: int, size: int = 96) -> np.ndarray:
    """A (size, size) grey drawing with detail everywhere: blocks of grey and dark strokes."""
    rng = np.random.default_rng(seed)
    picture = np.kron(rng.integers(40, 220, (size // 8, size // 8)), np.ones((8, 8))).astype(np.float32)
    for _ in range(size):
        r, c = rng.integers(0, size - 8, 2)
        picture[r, c:c + 8] = 10
    return picture.astype(np.uint8)


def two_scene_film(count, height=36, width=48):
    """(count, H, W, 3) frames: a blue scene with a moving square, then a red one, the change
    between frames count / 2 - 1 and count / 2."""
    frames = np.zeros((count, height, width, 3), dtype=np.uint8)
    for i in range(count):
        frames[i] = (30, 60, 200) if i < count // 2 else (200, 50, 40)
        x = (2 * i) % (width - 8)
        frames[i, 10:18, x:x + 8] = 255
    return frames
