"""A video file through the whole flow: cache with --fps, training, detection, scene lists."""

import csv
import json
import os

import av
import numpy as np
import pytest

import inference
import main
from data.cache import load_frames
from data.synthetic import generate_clip
from utils.errors import UserError


def encode_video(path, frames, fps=24):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


@pytest.fixture(scope="module")
def cartoon_video(tmp_path_factory):
    clip = generate_clip(240, seed=3, width=96, height=72, hard_cases=False)
    path = encode_video(tmp_path_factory.mktemp("video") / "clip.mp4", clip.frames)
    return path, clip


def test_video_cache_with_fps_sampling_keeps_source_numbers(cartoon_video, isolated_cache):
    path, _ = cartoon_video
    every = load_frames(path, str(isolated_cache), 64, show_progress=False)
    assert len(every) == 240 and every.source_fps == pytest.approx(24)
    sampled = load_frames(path, str(isolated_cache), 64, fps=8, show_progress=False)
    assert 78 <= len(sampled) <= 82
    assert np.all(np.diff(sampled.source_index) == 3)
    assert np.allclose(np.diff(sampled.timestamps), 1 / 8, atol=0.01)
    assert np.array_equal(sampled.frames[1], every.frames[sampled.source_index[1]])


def test_train_and_detect_on_a_video(cartoon_video, tmp_path):
    path, clip = cartoon_video
    out = tmp_path / "run"
    assert main.main(["--train_folder", path, "--output_folder", str(out), "--max_iters", "2",
                      "--hidden-dims", "8", "16", "--latent_dim", "4", "--bs", "16", "--lr", "1e-3",
                      "--fps", "12"]) == 0
    assert inference.main(["--image_folder", path, "--model_folder", str(out), "--fps", "12",
                           "--save_images"]) == 0
    flags = np.load(out / "scene_change_flags1.npy")
    assert flags.shape == (119,)  # 120 frames sampled at 12 of 24 fps
    with open(out / "scenes_1.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "Scene Number" and len(rows) - 2 == int(flags.sum()) + 1
    starts = [int(r[1]) - 1 for r in rows[2:]]
    assert all(s % 2 == 0 for s in starts)  # source frame numbers of the sampled frames
    assert int(rows[-1][4]) == 239  # the last scene ends at the last sampled source frame (1-based 239)
    scenes = json.load(open(out / "scenes_1.json"))["scenes"]
    assert [s["start_frame"] for s in scenes] == starts
    thumbnails = sorted(os.listdir(out / "scenes_1"))
    assert len(thumbnails) == len(scenes) and thumbnails[0] == "scene_001.jpg"


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
