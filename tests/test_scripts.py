"""The three scripts end to end on a tiny clip, as a user runs them, plus their bad inputs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import inference
import main
import pure_test
from conftest import ROOT, TINY, train

def train_with_validation(folder, out, *extra):
    """train() with the same frames for validation, at a learning rate of 1e-3."""
    return train(folder, out, "--val_folder", folder, "--lr", "1e-3", *extra)


@pytest.mark.slow
def test_train_infer_score_end_to_end(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train_with_validation(two_scene_folder, out, "--max_iters", "3") == 0
    names = sorted(os.listdir(out))
    checkpoints = [n for n in names if n.startswith("model_state_")]
    assert [n.split("_")[2] for n in checkpoints] == ["0", "1", "2"]
    assert "loss_history.json" in names
    with Image.open(out / "reconstructions.png") as grid:  # 16 of the 40 frames above their reconstructions
        assert grid.size == (16 * (64 + 2) + 2, 2 * (64 + 2) + 2)

    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(out), "--span", "2"]) == 0
    for epoch in (0, 2):
        mu = np.load(out / f"latent_mu_{epoch}.npy")
        assert mu.shape == (40, 3) and mu.dtype == np.float32
        assert np.load(out / f"latent_logvar_{epoch}.npy").shape == (40, 3)
        scores = np.load(out / f"kld_scores_{epoch}.npy")
        ranked = np.load(out / f"scene_change_res{epoch}.npy")
        flags = np.load(out / f"scene_change_flags_{epoch}.npy")
        assert scores.shape == flags.shape == (39,) and flags.dtype == bool
        assert sorted(ranked.tolist()) == list(range(39))
        events = np.load(out / f"change_events_{epoch}.npy")
        confidence = np.load(out / f"change_confidence_{epoch}.npy")
        chosen = int(flags.sum())  # every event by confidence (the changes first), then the rest by KL
        assert ranked[:len(events)].tolist() == events.tolist() and np.all(np.diff(confidence) <= 0)
        assert set(events[:chosen].tolist()) == set(np.flatnonzero(flags).tolist())
        assert np.all(np.diff(scores[ranked[len(events):]]) <= 0)
        assert (out / f"scenes_{epoch}.csv").exists() and (out / f"change_scores_{epoch}.png").exists()
        setting = np.load(out / f"setting_change_flags_{epoch}.npy")  # the scene level: shot boundaries only
        assert setting.shape == (39,) and setting.dtype == bool and not (setting & ~flags).any()
        with open(out / f"settings_{epoch}.json") as f:
            scenes = json.load(f)["scenes"]
        assert len(scenes) == int(setting.sum()) + 1
        assert sum(len(s["shots"]) for s in scenes) == int(flags.sum()) + 1
    assert not (out / "scene_change_res1.npy").exists()  # --span 2 skips epoch 1

    # the blue -> red change (pair 19) is the top-ranked pair after training
    assert np.load(out / "scene_change_res2.npy")[0] == 19
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array([19]))
    capsys.readouterr()
    assert pure_test.main(["--labels", str(labels), "--dictionary", str(out)]) == 0
    table = capsys.readouterr().out
    assert "scene_change_res2.npy    1.0000" in table and "mean" in table


@pytest.mark.slow
def test_seed_makes_training_and_inference_repeatable(two_scene_folder, tmp_path):
    for run in ("a", "b"):
        assert train_with_validation(two_scene_folder, tmp_path / run, "--max_iters", "1", "--seed", "7") == 0
        assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / run)]) == 0
    assert np.array_equal(np.load(tmp_path / "a" / "kld_scores_0.npy"), np.load(tmp_path / "b" / "kld_scores_0.npy"))
    assert train_with_validation(two_scene_folder, tmp_path / "c", "--max_iters", "1", "--seed", "8") == 0
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "c")]) == 0
    assert not np.array_equal(np.load(tmp_path / "a" / "latent_mu_0.npy"), np.load(tmp_path / "c" / "latent_mu_0.npy"))


@pytest.mark.slow
def test_resume_continues_exactly(two_scene_folder, tmp_path):
    assert train_with_validation(two_scene_folder, tmp_path / "full", "--max_iters", "2") == 0
    assert train_with_validation(two_scene_folder, tmp_path / "split", "--max_iters", "1") == 0
    assert train_with_validation(two_scene_folder, tmp_path / "split", "--max_iters", "2", "--resume") == 0
    full = torch.load(next((tmp_path / "full").glob("model_state_1_*.pkl")), weights_only=False)
    split = torch.load(next((tmp_path / "split").glob("model_state_1_*.pkl")), weights_only=False)
    # the resumed run did exactly the same steps: the same weights, optimiser state and history
    assert full["model"].keys() == split["model"].keys()
    for name, weight in full["model"].items():
        assert torch.equal(weight, split["model"][name]), name
    assert full["iteration"] == split["iteration"]
    for name, moment in full["optimizer"]["state"][0].items():
        assert torch.equal(moment, split["optimizer"]["state"][0][name]), name
    assert [h["loss"] for h in full["history"]] == [h["loss"] for h in split["history"]]
    # and a run that differs in one step does not have them
    assert train_with_validation(two_scene_folder, tmp_path / "other", "--max_iters", "2", "--seed", "1") == 0
    other = torch.load(next((tmp_path / "other").glob("model_state_1_*.pkl")), weights_only=False)
    assert not torch.equal(other["model"]["fc_mu.weight"], full["model"]["fc_mu.weight"])


@pytest.mark.slow
def test_baseline_vae_trains_without_a_reprojection_term(two_scene_folder, tmp_path):
    out = tmp_path / "base"
    assert train_with_validation(two_scene_folder, out, "--max_iters", "2", "--tau", "0", "--beta", "2",
                                 "--activation", "relu") == 0
    history = json.loads((out / "loss_history.json").read_text())
    assert len(history) == 2
    for entry in history:
        assert entry["reprojection_kld"] == 0.0 and entry["kld"] > 0
        assert entry["loss"] == pytest.approx(entry["reconstruction"] + 2 * entry["kld"], rel=1e-5)


@pytest.mark.slow
def test_loss_b_pulls_the_kl_towards_a_rising_capacity(two_scene_folder, tmp_path):
    from models.config import ModelConfig, TrainConfig
    from models.training import build_model, build_optimizer, capacity, train_step
    from opts import parse_options
    out = tmp_path / "b"
    assert train_with_validation(two_scene_folder, out, "--max_iters", "1", "--loss_type", "B") == 0
    assert all(h["reprojection_kld"] == 0.0 for h in json.loads((out / "loss_history.json").read_text()))

    opt = parse_options([*TINY, "--loss_type", "B", "--gamma", "10", "--max_capacity", "8",
                         "--Capacity_max_iter", "4", "--lr", "1e-3"])
    config = TrainConfig.from_options(opt)
    assert [capacity(config, i) for i in range(6)] == [0.0, 2.0, 4.0, 6.0, 8.0, 8.0]  # rises, then stays
    torch.manual_seed(0)
    model = build_model(ModelConfig.from_options(opt))
    optimizer, _ = build_optimizer(model, config)
    x = torch.rand(4, 3, 64, 64)
    for iteration in range(6):
        terms = train_step(model, optimizer, x, config, iteration)
        assert float(terms["reprojection_kld"]) == 0.0
        expected = terms["reconstruction"] + 10 * (terms["kld"] - capacity(config, iteration)).abs()
        assert torch.allclose(terms["loss"], expected, rtol=1e-5)


@pytest.mark.slow
def test_nan_loss_stops_with_a_clear_error(two_scene_folder, tmp_path, capsys):
    assert train_with_validation(two_scene_folder, tmp_path / "nan", "--max_iters", "2", "--lr", "1e6") == 2
    err = capsys.readouterr().err
    assert "training diverged" in err and "--lr" in err


@pytest.mark.slow
def test_checkpoint_with_another_latent_size_is_refused(two_scene_folder, tmp_path, capsys):
    assert train_with_validation(two_scene_folder, tmp_path / "run", "--max_iters", "1") == 0
    capsys.readouterr()
    code = inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
                           "--latent_dim", "5"])
    assert code == 2
    assert "checkpoint has latent_dim 3, but --latent_dim is 5" in capsys.readouterr().err
    # a bare state dict of another size (the original code's format) is refused too
    import torch
    bare = tmp_path / "bare" / "model_state_0_val_loss_1.0.pkl"
    bare.parent.mkdir()
    torch.save(torch.load(next((tmp_path / "run").glob("model_state_0_*.pkl")), weights_only=True)["model"], bare)
    assert inference.main(["--image_folder", two_scene_folder, "--model", str(bare), *TINY[:3],
                           "--latent_dim", "4"]) == 2
    assert "another architecture" in capsys.readouterr().err


@pytest.mark.slow
def test_bad_inputs_give_one_line_errors(tmp_path, two_scene_folder, capsys):
    (tmp_path / "empty").mkdir()
    assert main.main(["--train_folder", str(tmp_path / "empty"), "--output_folder", str(tmp_path / "o")]) == 2
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "empty")]) == 2
    assert train_with_validation(two_scene_folder, tmp_path / "run", "--max_iters", "1") == 0
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run")]) == 0
    np.save(tmp_path / "far.npy", np.array([5, 400]))
    capsys.readouterr()
    assert pure_test.main(["--labels", str(tmp_path / "far.npy"), "--directory", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "label 400 is out of range" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_original_command_lines_run_as_written(two_scene_folder, tmp_path):
    """The original README's three commands, folders substituted, small --max_iters, in a real shell."""
    out, labels = tmp_path / "O", tmp_path / "L.npy"
    np.save(labels, np.array([19]))
    env = dict(os.environ, PYTHONPATH=ROOT)
    commands = [
        f"{sys.executable} main.py --val_folder {two_scene_folder} --train_folder {two_scene_folder} --bs 256 "
        f"--hidden-dims [32, 64, 128, 256] --max_iters 1 --loss_type H --lr 0.0001 --latent_dim 10 --tau 200 "
        f"--beta 4 --output_folder {out}",
        f"{sys.executable} inference.py --beta 4 --latent_dim 10 --bs 256 --span 1 --image_folder "
        f"{two_scene_folder} --model_folder {out}",
        f"{sys.executable} pure_test.py --labels {labels} --dictionary {out}",
    ]
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "scene_change_res0.npy" in done.stdout


@pytest.mark.slow
def test_ranking_kl_is_the_papers_order(two_scene_folder, tmp_path):
    assert train_with_validation(two_scene_folder, tmp_path / "run", "--max_iters", "1") == 0
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
                           "--ranking", "kl", "--top_K", "10"]) == 0
    scores, ranked = np.load(tmp_path / "run" / "kld_scores_0.npy"), np.load(tmp_path / "run" / "scene_change_res0.npy")
    assert ranked.shape == (10,) and np.all(np.diff(scores[ranked]) <= 0)
    assert scores[ranked[-1]] >= np.sort(scores)[-10]


@pytest.mark.slow
def test_each_scripts_help_lists_only_its_own_options():
    def shown(script):
        done = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    training, detection, scoring = shown("main.py"), shown("inference.py"), shown("pure_test.py")
    assert "--tau" in training and "--max_iters" in training and "training (main.py)" in training
    assert "--labels" not in training and "--span" not in training and "--image_folder" not in training
    assert "--span" in detection and "--image_folder" in detection and "--latent_dim" in detection
    assert "--tau" not in detection and "--beta" not in detection and "--max_iters" not in detection
    assert "--labels" in scoring and "--dictionary" in scoring
    assert "--bs" not in scoring and "--tau" not in scoring and "--span" not in scoring
    assert all("--m " not in text and "momentum" not in text for text in (training, detection, scoring))


@pytest.mark.slow
def test_missing_folder_from_the_shell_is_one_line_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "main.py", "--train_folder", str(tmp_path / "missing")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {tmp_path / 'missing'}: no such folder or video file"


@pytest.mark.slow
def test_patience_stops_when_the_loss_stalls(two_scene_folder, tmp_path):
    # a 100% fall is never reached, so every epoch after the first counts as no progress
    out = tmp_path / "run"
    assert train_with_validation(two_scene_folder, out, "--max_iters", "6", "--patience", "2", "--min_delta", "1") == 0
    epochs = sorted(int(n.split("_")[2]) for n in os.listdir(out) if n.startswith("model_state_"))
    assert epochs == [0, 1, 2]


def test_epochs_without_progress_counts_the_stalled_tail():
    from models.training import epochs_without_progress
    history = [{"loss": v} for v in (10.0, 8.0, 7.99, 7.5, 7.49)]
    assert epochs_without_progress(history, 0.01) == 1      # 7.5 beat 8.0 by >1%, 7.49 did not beat 7.5
    assert epochs_without_progress(history, 0.0) == 0
    assert epochs_without_progress(history, 0.5) == 4


def test_span_counts_back_from_the_newest_checkpoint(tmp_path):
    from utils.checkpoints import checkpoints_to_evaluate
    for epoch in range(10):
        (tmp_path / f"model_state_{epoch}_val_loss_1.0.pkl").write_bytes(b"")
    assert [e for e, _ in checkpoints_to_evaluate(str(tmp_path), 10)] == [9]
    assert [e for e, _ in checkpoints_to_evaluate(str(tmp_path), 4)] == [1, 5, 9]


def test_epoch_order_draws_a_fixed_number_of_frames_in_whole_passes():
    from models.training import epoch_order
    one_pass = epoch_order(10, 0, seed=0, epoch=0)
    assert sorted(one_pass.tolist()) == list(range(10))
    order = epoch_order(10, 25, seed=0, epoch=3)
    assert len(order) == 25 and sorted(order[:10].tolist()) == list(range(10))
    assert sorted(order[10:20].tolist()) == list(range(10))
    assert order.tolist() == epoch_order(10, 25, seed=0, epoch=3).tolist()
    assert order.tolist() != epoch_order(10, 25, seed=0, epoch=4).tolist()
    assert len(epoch_order(100, 30, seed=1, epoch=0).unique()) == 30  # a part of one pass: no repeats


@pytest.mark.slow
def test_epoch_frames_sets_the_work_per_epoch(two_scene_folder, tmp_path):
    import json
    out = tmp_path / "run"
    assert train_with_validation(two_scene_folder, out, "--max_iters", "2", "--epoch_frames", "100") == 0
    history = json.loads((out / "loss_history.json").read_text())
    assert len(history) == 2 and all(np.isfinite(h["loss"]) for h in history)
