"""A video file through the whole flow: cache with --fps, training, detection, scene lists,
checked against the generator's truth, the frames the thumbnails name and PySceneDetect's
own reader of the scene list."""

import csv
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import encode_video
from PIL import Image

import inference
import main
from data.cache import load_frames
from data.synthetic import generate_clip
from utils.errors import UserError

TOLERANCE = 2  # source frames


@pytest.fixture(scope="module")
def cartoon_video(tmp_path_factory):
    clip = generate_clip(240, seed=3, width=96, height=72, hard_cases=False)
    path = str(encode_video(tmp_path_factory.mktemp("video") / "clip.mp4", clip.frames))
    return path, clip


@pytest.fixture(scope="module")
def detected(cartoon_video, tmp_path_factory):
    """main.py then inference.py on the video sampled at 12 fps, with scene thumbnails."""
    path, _ = cartoon_video
    out = tmp_path_factory.mktemp("run")
    cache = str(out / "cache")
    assert main.main(["--train_folder", path, "--output_folder", str(out), "--max_iters", "2",
                      "--hidden-dims", "8", "16", "--latent_dim", "4", "--bs", "16", "--lr", "1e-3",
                      "--fps", "12", "--cache_dir", cache, "--seed", "0"]) == 0
    assert inference.main(["--image_folder", path, "--model_folder", str(out), "--fps", "12",
                           "--save_images", "--cache_dir", cache]) == 0
    return out


def test_video_cache_with_fps_sampling_keeps_source_numbers(cartoon_video, isolated_cache):
    path, _ = cartoon_video
    every = load_frames(path, str(isolated_cache), 64, show_progress=False)
    assert len(every) == 240 and every.source_fps == pytest.approx(24)
    sampled = load_frames(path, str(isolated_cache), 64, fps=8, show_progress=False)
    assert 78 <= len(sampled) <= 82
    assert np.all(np.diff(sampled.source_index) == 3)
    assert np.allclose(np.diff(sampled.timestamps), 1 / 8, atol=0.01)
    assert np.array_equal(sampled.frames[1], every.frames[sampled.source_index[1]])


@pytest.mark.slow
def test_scene_files_of_a_sampled_video_use_source_frame_numbers(detected):
    flags = np.load(detected / "scene_change_flags_1.npy")
    assert flags.shape == (119,)  # 120 frames sampled at 12 of 24 fps
    with open(detected / "scenes_1.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "Scene Number" and len(rows) - 2 == int(flags.sum()) + 1
    starts = [int(r[1]) - 1 for r in rows[2:]]
    assert all(s % 2 == 0 for s in starts)  # source frame numbers of the sampled frames
    assert int(rows[-1][4]) == 240  # the last scene ends where the video does, after the last sampled frame
    assert rows[-1][6] == "10.000"  # 240 frames at 24 fps
    scenes = json.load(open(detected / "scenes_1.json"))["scenes"]
    assert [s["start_frame"] for s in scenes] == starts


@pytest.mark.slow
def test_detected_changes_lie_within_tolerance_of_the_truth(cartoon_video, detected):
    _, clip = cartoon_video
    cuts = [t["label"] for t in clip.transitions if t["kind"] == "cut"]
    assert cuts, "the clip should hold a cut to find"
    scenes = json.load(open(detected / "scenes_1.json"))["scenes"]
    changes = np.array([s["start_frame"] - 1 for s in scenes[1:]])  # pair i: between frame i and i+1
    assert len(changes), "no change detected"
    found = [c for c in cuts if np.min(np.abs(changes - c)) <= TOLERANCE]
    assert len(found) * 2 > len(cuts), f"cuts {cuts}, detected {changes.tolist()}"  # most cuts found
    labels = np.asarray(clip.change_pairs)
    near = [c for c in changes if np.min(np.abs(labels - c)) <= TOLERANCE]
    assert len(near) * 2 >= len(changes), f"labels {labels.tolist()}, detected {changes.tolist()}"


@pytest.mark.slow
def test_thumbnails_show_the_frame_they_name(cartoon_video, detected):
    _, clip = cartoon_video
    scenes = json.load(open(detected / "scenes_1.json"))["scenes"]
    thumbnails = sorted(os.listdir(detected / "scenes_1"))
    assert len(thumbnails) == len(scenes) and thumbnails[0] == "scene_001.jpg"
    for scene in scenes:
        with Image.open(detected / "scenes_1" / f"scene_{scene['scene']:03d}.jpg") as image:
            saved = np.asarray(image.convert("RGB"), dtype=np.float32)
        height, width = saved.shape[:2]
        errors = []
        for index in range(len(clip.frames)):
            frame = Image.fromarray(clip.frames[index]).resize((width, height))
            errors.append(np.abs(np.asarray(frame, dtype=np.float32) - saved).mean())
        named = errors[scene["start_frame"]]
        assert named < 12, f"scene {scene['scene']}: mean error {named:.1f} against frame {scene['start_frame']}"
        # the named frame is the best match, up to JPEG noise and frames that barely move
        assert named <= min(errors) + 3


@pytest.mark.slow
def test_pyscenedetect_reads_our_scene_list(cartoon_video, detected, tmp_path):
    if importlib.util.find_spec("scenedetect") is None:
        pytest.skip("scenedetect is not installed (pip install -r requirements-dev.txt)")
    path, _ = cartoon_video
    done = subprocess.run([sys.executable, "-m", "scenedetect", "-q", "-i", path, "-o", str(tmp_path), "-b", "pyav",
                           "load-scenes", "-i", str(detected / "scenes_1.csv"),
                           "list-scenes", "-f", "reread.csv", "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(tmp_path / "reread.csv") as handle:
        theirs = list(csv.reader(handle))
    with open(detected / "scenes_1.csv") as handle:
        ours = list(csv.reader(handle))
    assert theirs[1][:2] == ours[1][:2] == ["Scene Number", "Start Frame"]
    assert [r[1] for r in theirs[2:]] == [r[1] for r in ours[2:]]  # the same scene starts
    assert [r[2] for r in theirs[2:]] == [r[2] for r in ours[2:]]  # at the same timecodes


@pytest.mark.slow
def test_bad_video_files_are_one_line_errors(tmp_path, capsys):
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video")
    assert inference.main(["--image_folder", str(fake), "--model_folder", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1  # the model folder has no checkpoint: reported first
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(UserError, match="notes.txt: not a folder of frames nor a video file"):
        load_frames(str(other), show_progress=False)
    with pytest.raises(UserError, match="fake.mp4"):
        load_frames(str(fake), show_progress=False)


def test_a_truncated_video_is_said_to_be_so_every_time_its_cache_is_used(tmp_path):
    import warnings
    from data.video import VideoTruncatedWarning
    noise = np.random.default_rng(0).integers(0, 256, (48, 32, 32, 3), dtype=np.uint8)
    whole = encode_video(tmp_path / "whole.mp4", noise, faststart=True).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    said = []
    for _ in range(2):  # the first run decodes, the second reads the cache
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cache = load_frames(str(cut), size=16, show_progress=False)
        said.append([str(w.message) for w in caught if issubclass(w.category, VideoTruncatedWarning)])
    assert 0 < len(cache) < 48
    assert len(said[0]) == 1 and "cut.mp4" in said[0][0] and "truncated" in said[0][0]
    assert said[1] == said[0]


def test_a_stretch_with_no_frame_is_said_every_time_its_cache_is_used(tmp_path):
    import warnings
    from data.video import VideoGapWarning
    frames = np.random.default_rng(1).integers(0, 256, (24, 32, 32, 3), dtype=np.uint8)
    pts = [40 * k for k in range(12)] + [3000 + 40 * k for k in range(12)]  # 2.5 s with nothing
    path = encode_video(tmp_path / "skipped.mkv", frames, pts_ms=pts)
    said = []
    for _ in range(2):  # the first run decodes, the second reads the cache
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cache = load_frames(str(path), cache_dir=str(tmp_path / "cache"), size=16, show_progress=False)
        said.append([str(w.message) for w in caught if issubclass(w.category, VideoGapWarning)])
    assert len(cache) == 24
    assert len(said[0]) == 1 and "skipped.mkv: no frame from 0.4" in said[0][0]
    assert said[1] == said[0]
