"""main.py and inference.py under torchrun: two CPU processes (gloo) on a tiny generated clip."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import inference
from conftest import ROOT, TINY_MODEL, write_frames
from data.synthetic import generate_clip
from utils import distributed

TORCHRUN_TINY = [*TINY_MODEL, "--lr", "1e-3", "--seed", "0"]


def torchrun(script, *args, cache):
    """`torchrun --standalone --nproc_per_node 2 <script> <args>` on the CPU; returns its stderr."""
    env = {**os.environ, "REPRO_VAE_CACHE": str(cache), "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    clip = generate_clip(240, seed=3, width=64, height=64, hard_cases=False)
    return write_frames(tmp_path_factory.mktemp("clip") / "frames", clip.frames)


@pytest.mark.slow
def test_training_and_inference_under_torchrun(clip_folder, tmp_path, isolated_cache):
    out = tmp_path / "run"
    train = ["main.py", "--train_folder", clip_folder, "--output_folder", str(out), "--bs", "16",
             "--epoch_frames", "96", *TORCHRUN_TINY]
    log = torchrun(*train, "--max_iters", "2", cache=isolated_cache)
    # rank 0 alone logs and writes: one line per epoch, one checkpoint per epoch
    assert log.count("training on 240 frames") == 1 and "2 processes" in log
    assert log.count("epoch 0: train_loss") == 1 and log.count("epoch 1: train_loss") == 1
    checkpoints = sorted(n for n in os.listdir(out) if n.startswith("model_state_"))
    assert [n.split("_")[2] for n in checkpoints] == ["0", "1"]
    history = json.loads((out / "loss_history.json").read_text())
    assert [h["epoch"] for h in history] == [0, 1] and history[1]["loss"] < history[0]["loss"]

    log = torchrun(*train, "--max_iters", "3", "--resume", cache=isolated_cache)
    assert log.count("resuming after epoch 1") == 1
    history = json.loads((out / "loss_history.json").read_text())
    assert [h["epoch"] for h in history] == [0, 1, 2]
    assert len([n for n in os.listdir(out) if n.startswith("model_state_")]) == 3

    alone, shared = tmp_path / "alone", tmp_path / "shared"
    detect = ["--image_folder", clip_folder, "--model_folder", str(out), "--span", "2", "--bs", "32"]
    assert inference.main([*detect, "--results_folder", str(alone)]) == 0
    torchrun("inference.py", *detect, "--results_folder", str(shared), cache=isolated_cache)
    names = sorted(n for n in os.listdir(alone) if n.endswith(".npy"))
    assert "kld_scores_2.npy" in names and "latent_mu_0.npy" in names
    assert names == sorted(n for n in os.listdir(shared) if n.endswith(".npy"))
    # The two runs encode the frames in batches of other shapes, so float32 sums come in another
    # order: the latents agree to float rounding, the change scores (log ratios of KL sums) to
    # what that rounding becomes in them, and the decisions exactly. Events and pairs of equal
    # score may trade places below the changes.
    for name in names:
        a, b = np.load(alone / name), np.load(shared / name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        if name.startswith(("change_scores", "change_confidence")):
            np.testing.assert_allclose(a, b, atol=1e-3 * float(np.abs(a).max()), err_msg=name)
        elif a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * float(np.abs(a).max()), err_msg=name)
        elif name.startswith(("change_events", "scene_change_res")):
            epoch = re.search(r"(\d+)\.npy$", name).group(1)
            changes = int(np.load(alone / f"scene_change_flags_{epoch}.npy").sum())
            assert changes > 0 and np.array_equal(a[:changes], b[:changes]), name
            assert sorted(a.tolist()) == sorted(b.tolist()), name
        else:
            assert np.array_equal(a, b), name


def test_one_process_is_rank_0_of_one():
    assert not distributed.active() and distributed.rank() == 0 and distributed.world_size() == 1
    assert distributed.is_main() and distributed.span_share(10, 4) == (0, 10)
    assert distributed.sum_over_processes([1.0, 2.5]) == [1.0, 2.5]
    assert distributed.gather_on_main("part") == ["part"]
