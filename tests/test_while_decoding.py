"""Training that starts while the film is still being decoded: the first epoch draws only frames
already decoded, the same seed gives the same model from a cold cache and a warm one, and a
decoder's failure is the one-line error of the run."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT, TINY, checkpoints_of, encode_video, one_error_line, train, two_scene_film
from data.while_decoding import FramesWhileDecoding
from models.training import FIRST_DRAWS_FRAMES, FRAMES_OPENED_PER_DRAW, FirstEpochDraws


class SlowDecoder:
    """Stands for a FramesWhileDecoding whose decoder has reached `count` frames of `total`."""

    def __init__(self, count, total):
        self.count, self.full, self.asked = count, total, []

    def wait_for(self, count):
        self.asked.append(count)
        self.count = max(self.count, min(count, self.full))  # the decoder catches up
        return self.count

    @property
    def total(self):
        return self.full if self.count >= self.full else None


def test_each_draw_takes_only_frames_open_to_it_and_waits_for_them():
    film = SlowDecoder(count=0, total=50_000)
    draws = FirstEpochDraws(film, 4000, seed=3)
    positions = np.arange(4000)
    taken = np.concatenate([draws[start:start + 64].numpy() for start in range(0, 4000, 64)])
    opened = FIRST_DRAWS_FRAMES + FRAMES_OPENED_PER_DRAW * positions
    assert (taken < opened).all() and (taken >= 0).all()
    assert taken[-500:].max() > 30_000  # the late draws reach far into the film
    assert film.asked[0] == FIRST_DRAWS_FRAMES + FRAMES_OPENED_PER_DRAW * 63  # waits for the slice's last draw


def test_draws_depend_on_the_seed_and_the_film_not_on_the_decoder_speed():
    fast = FirstEpochDraws(SlowDecoder(count=2000, total=2000), 1000, seed=5)[0:1000]
    slow = FirstEpochDraws(SlowDecoder(count=0, total=2000), 1000, seed=5)
    slow_draws = torch.cat([slow[start:start + 100] for start in range(0, 1000, 100)])
    in_memory = FirstEpochDraws(torch.zeros(2000, 1), 1000, seed=5)[0:1000]
    assert torch.equal(fast, slow_draws) and torch.equal(fast, in_memory)
    assert not torch.equal(fast, FirstEpochDraws(torch.zeros(2000, 1), 1000, seed=6)[0:1000])
    assert fast.max() < 2000  # a short film: every frame is open from the start


def test_frames_while_decoding_match_the_finished_cache(tmp_path):
    video = encode_video(str(tmp_path / "film.mp4"), two_scene_film(600))
    film = FramesWhileDecoding(video, str(tmp_path / "cache"), 32, None)
    assert film.wait_for(300) >= 300
    early = film.take_frames(torch.tensor([0, 299, 150]))
    cache, everything = film.finish()
    assert film.total == len(cache) == len(everything) == 600
    assert np.array_equal(early.numpy(), everything[[0, 299, 150]])
    assert np.array_equal(everything, np.asarray(cache.frames))
    again = FramesWhileDecoding(video, str(tmp_path / "cache"), 32, None)  # the warm cache: all at once
    assert again.wait_for(1) == 600 and np.array_equal(again.finish()[1], everything)


@pytest.mark.slow
def test_a_cold_and_a_warm_cache_train_the_same_model(tmp_path):
    video = encode_video(str(tmp_path / "film.mp4"), two_scene_film(400))
    models = []
    for name in ("cold", "warm"):
        out = str(tmp_path / name)
        assert train(video, out, *TINY, "--epoch_frames", "96", "--max_iters", "2",
                     "--cache_dir", str(tmp_path / "cache")) == 0
        last = checkpoints_of(out)[-1]
        models.append(torch.load(os.path.join(out, last), weights_only=False)["model"])
    assert all(torch.equal(models[0][k], models[1][k]) for k in models[0])


@pytest.mark.slow
def test_an_unreadable_video_is_one_line_and_no_run(tmp_path):
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    done = subprocess.run([sys.executable, "main.py", "--train_folder", str(video), "--output_folder",
                           str(tmp_path / "out"), *TINY, "--cache_dir", str(tmp_path / "cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    one_error_line(done.stderr, "broken.mp4")
