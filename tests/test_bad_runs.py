"""Broken runs and runs that would mix: each ends in one line naming the file and the problem, a
non-zero exit, and nothing that could be taken for a result; an interrupted run continues exactly."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

import inference
import main
import pure_test
from conftest import ROOT, TINY, checkpoints_of, detect, one_error_line, train, write_frames
from utils.checkpoints import INTERRUPTED_NAME
from utils.run_folder import run_files

@pytest.mark.slow
def test_a_diverged_epoch_is_never_saved(two_scene_folder, tmp_path, capsys):
    # one step of lr 1e6 breaks the weights after the step's loss was taken
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1", "--epoch_frames", "16", "--lr", "1e6") == 2
    one_error_line(capsys.readouterr().err, str(out), "training diverged in epoch 0", "--lr")
    assert run_files(str(out)) == []


@pytest.mark.slow
def test_checkpoints_with_unusable_weights_are_refused_before_any_result(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    state = torch.load(out / checkpoints_of(out)[0], weights_only=False)
    broken = tmp_path / "broken"
    broken.mkdir()
    state["model"]["fc_mu.weight"][0, 0] = float("nan")
    torch.save(state, broken / "model_state_0_val_loss_nan.pkl")
    capsys.readouterr()
    assert detect(two_scene_folder, "--model_folder", str(broken)) == 2
    one_error_line(capsys.readouterr().err, "model_state_0_val_loss_nan.pkl", "weights are not finite")
    # finite weights so large that the latents overflow
    state["model"] = {k: v * 1e30 if v.is_floating_point() else v for k, v in
                      torch.load(out / checkpoints_of(out)[0], weights_only=False)["model"].items()}
    torch.save(state, broken / "model_state_0_val_loss_nan.pkl")
    assert detect(two_scene_folder, "--model_folder", str(broken)) == 2
    one_error_line(capsys.readouterr().err, "model_state_0_val_loss_nan.pkl", "latents that are not finite")
    assert run_files(str(broken)) == [str(broken / "model_state_0_val_loss_nan.pkl")]


@pytest.mark.slow
def test_scores_that_are_not_finite_are_not_scored(tmp_path, capsys):
    np.save(tmp_path / "scene_change_res0.npy", np.arange(9))
    np.save(tmp_path / "kld_scores_0.npy", np.full(9, np.nan, dtype=np.float32))
    np.save(tmp_path / "labels.npy", np.array([3]))
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, "kld_scores_0.npy", "not finite")
    assert capsys.readouterr().out == ""


@pytest.mark.slow
def test_a_fresh_run_refuses_a_folder_with_an_earlier_run(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    assert detect(two_scene_folder, "--model_folder", str(out)) == 0
    before = {name: os.stat(out / name).st_mtime_ns for name in os.listdir(out)}
    capsys.readouterr()
    assert train(two_scene_folder, out, "--max_iters", "1", "--seed", "3") == 2
    one_error_line(capsys.readouterr().err, str(out), "earlier run", "--resume", "--overwrite")
    assert {name: os.stat(out / name).st_mtime_ns for name in os.listdir(out)} == before
    # --overwrite replaces the run: its checkpoints, the results computed from them and their report go
    (out / "report.html").write_text("<html></html>")
    (out / "report_files").mkdir()
    assert train(two_scene_folder, out, "--max_iters", "1", "--seed", "3", "--overwrite") == 0
    assert not any(name.startswith(("scene_change_res", "kld_scores", "result_source", "report"))
                   for name in os.listdir(out))
    new = torch.load(out / checkpoints_of(out)[0], weights_only=False)
    assert detect(two_scene_folder, "--model_folder", str(out)) == 0
    assert json.loads((out / "result_source_0.json").read_text())["run"] == new["run"]


@pytest.mark.slow
def test_results_of_another_run_are_not_mixed_with_these(two_scene_folder, tmp_path, capsys):
    shared = tmp_path / "results"
    assert train(two_scene_folder, tmp_path / "a", "--max_iters", "2") == 0
    assert train(two_scene_folder, tmp_path / "b", "--max_iters", "1") == 0
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "a"), "--results_folder", str(shared),
                  "--span", "1") == 0
    ranking = (shared / "scene_change_res0.npy").read_bytes()
    capsys.readouterr()
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "b"), "--results_folder", str(shared)) == 2
    one_error_line(capsys.readouterr().err, str(shared), "results of another run (epochs 0, 1", "--overwrite")
    assert (shared / "scene_change_res0.npy").read_bytes() == ranking
    # pure_test.py would average both runs' results: refused too
    record = json.loads((shared / "result_source_1.json").read_text())
    (shared / "result_source_1.json").write_text(json.dumps({**record, "run": "another"}))
    np.save(tmp_path / "labels.npy", np.array([19]))
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(shared)]) == 2
    one_error_line(capsys.readouterr().err, str(shared), "results of 2 training runs")
    # --overwrite replaces every result set of the other run
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "b"), "--results_folder", str(shared),
                  "--overwrite") == 0
    assert not any(name.endswith("1.npy") for name in os.listdir(shared))
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(shared)]) == 0
    # two checkpoints of one epoch in one model folder: which one is meant cannot be known
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for run in ("a", "b"):
        name = checkpoints_of(tmp_path / run)[0]
        (mixed / name.replace("_loss_", f"_loss_{run}_")).write_bytes((tmp_path / run / name).read_bytes())
    capsys.readouterr()
    assert detect(two_scene_folder, "--model_folder", str(mixed)) == 2
    one_error_line(capsys.readouterr().err, str(mixed), "two checkpoints of epoch 0")
    assert len(os.listdir(mixed)) == 2


def test_results_of_another_film_are_neither_replaced_nor_mixed_unasked(two_scene_folder, tmp_path, capsys):
    other = tmp_path / "other_film"
    shutil.copytree(two_scene_folder, other)
    assert train(two_scene_folder, tmp_path / "run", "--max_iters", "2") == 0
    shared = tmp_path / "results"
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "run"), "--results_folder", str(shared),
                  "--span", "1") == 0
    before = {name: (shared / name).read_bytes() for name in os.listdir(shared) if (shared / name).is_file()}
    capsys.readouterr()
    # the other film's newest set replaced this film's without a word, beside its epoch 0
    assert detect(other, "--model_folder", str(tmp_path / "run"), "--results_folder", str(shared)) == 2
    one_error_line(capsys.readouterr().err, f"{shared}: holds the results of another film ({two_scene_folder}: "
                   "epochs 0, 1)", "--overwrite")
    assert {name: (shared / name).read_bytes() for name in os.listdir(shared) if (shared / name).is_file()} == before
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "run"), "--results_folder", str(shared)) == 0
    assert detect(other, "--model_folder", str(tmp_path / "run"), "--results_folder", str(shared), "--overwrite") == 0
    assert not (shared / "result_source_0.json").exists()
    assert json.loads((shared / "result_source_1.json").read_text())["source"] == str(other)


def test_results_whose_record_is_damaged_are_neither_scored_nor_replaced_unasked(two_scene_folder, tmp_path, capsys):
    shared = tmp_path / "results"
    assert train(two_scene_folder, tmp_path / "a", "--max_iters", "1") == 0
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "a"), "--results_folder", str(shared)) == 0
    (shared / "result_source_0.json").write_text("")  # emptied: whose run it was cannot be told
    ranking = (shared / "scene_change_res0.npy").read_bytes()
    np.save(tmp_path / "labels.npy", np.array([19]))
    capsys.readouterr()
    # it scored the set unchecked, and a new run replaced it without --overwrite
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(shared)]) == 2
    one_error_line(capsys.readouterr().err, str(shared), "its record result_source_0.json is damaged")
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "a"), "--results_folder", str(shared)) == 2
    one_error_line(capsys.readouterr().err, str(shared), "record is damaged (result_source_0.json)", "--overwrite")
    assert (shared / "scene_change_res0.npy").read_bytes() == ranking
    assert detect(two_scene_folder, "--model_folder", str(tmp_path / "a"), "--results_folder", str(shared),
                  "--overwrite") == 0
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(shared)]) == 0


@pytest.mark.slow
def test_resume_keeps_the_runs_options_and_says_which_learning_rate(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1", "--bs", "8", "--tau", "50") == 0
    capsys.readouterr()
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(out), "--resume",
                      "--max_iters", "2", "--hidden-dims", "8", "16", "--latent_dim", "3", "--lr", "1e-4"]) == 0
    err = capsys.readouterr().err
    assert "the typed --lr 0.0001 replaces the saved learning rate 0.001" in err
    newest = torch.load(out / checkpoints_of(out)[-1], weights_only=False)
    assert newest["options"]["bs"] == 8 and newest["options"]["tau"] == 50  # kept, not the defaults
    assert newest["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-4)
    assert "cuda_rng" in newest
    assert train(two_scene_folder, out, "--resume", "--max_iters", "3", "--tau", "200") == 2
    one_error_line(capsys.readouterr().err, checkpoints_of(out)[-1], "--resume with --tau 200.0", "trained with --tau 50.0")
    assert len(checkpoints_of(out)) == 2


def another_film(folder):
    """Replace the 40 frames of `folder` (two_scene_folder) by another film's: as many, of the same
    size and names, of other scenes (a green and a yellow one, the square going down)."""
    frames = []
    for i in range(40):
        frame = np.zeros((24, 32, 3), dtype=np.uint8)
        frame[:] = (40, 180, 60) if i < 20 else (220, 210, 50)
        frame[i % 18:i % 18 + 6, 12:18] = 0
        frames.append(frame)
    write_frames(folder, frames)


@pytest.mark.slow
def test_resume_refuses_another_film_at_the_runs_path(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    film = tmp_path / "film"
    shutil.copytree(two_scene_folder, film)
    assert train(film, out, "--max_iters", "1") == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    another_film(film)
    capsys.readouterr()
    # went on training the run's model on the other film, mixing two films in one model
    assert train(film, out, "--max_iters", "2", "--resume") == 2
    err = capsys.readouterr().err
    one_error_line(err, str(film), "not the film the run in", "40 frames of 64x64 both times", "--overwrite")
    assert "resuming" not in err and "epoch 1" not in err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    # the film it was trained on, back at its path (its cache built again): resumed
    shutil.rmtree(film)
    shutil.copytree(two_scene_folder, film)
    assert train(film, out, "--max_iters", "2", "--resume") == 0 and len(checkpoints_of(out)) == 2
    # a checkpoint written before films were printed resumes as it did
    newest = out / checkpoints_of(out)[-1]
    state = torch.load(newest, weights_only=False)
    assert state["films"][0]["frames"] == 40
    del state["films"]
    torch.save(state, newest)
    another_film(film)
    assert train(film, out, "--max_iters", "3", "--resume") == 0 and len(checkpoints_of(out)) == 3


@pytest.mark.slow
def test_resume_of_a_run_that_has_trained_its_epochs_says_so_and_touches_nothing(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1", "--epoch_frames", "16") == 0
    before = {path: (os.path.getmtime(path), os.path.getsize(path)) for path in run_files(str(out))}
    capsys.readouterr()
    # used to decode the film again, print "epochs 1..0" and draw the pictures anew
    assert train(two_scene_folder, out, "--resume", "--max_iters", "1", "--cache_dir", str(tmp_path / "fresh")) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "has trained 1 epoch(s)" in lines[0] and "nothing is trained" in lines[0], lines
    assert "--max_iters 2 or more" in lines[0] and checkpoints_of(out)[-1] in lines[0]
    assert {path: (os.path.getmtime(path), os.path.getsize(path)) for path in run_files(str(out))} == before
    assert not (tmp_path / "fresh").exists()  # the film was not read


@pytest.mark.slow
def test_a_bare_or_unnamed_model_file(two_scene_folder, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "2") == 0
    monkeypatch.chdir(out)
    assert detect(two_scene_folder, "--model", checkpoints_of(out)[0]) == 0  # a bare file name
    assert (out / "scene_change_res0.npy").exists()
    # a file named otherwise is numbered by the epoch it holds
    (tmp_path / "best.pkl").write_bytes((out / checkpoints_of(out)[1]).read_bytes())
    assert detect(two_scene_folder, "--model", str(tmp_path / "best.pkl")) == 0
    assert (tmp_path / "scene_change_res1.npy").exists() and not (tmp_path / "scene_change_res0.npy").exists()
    # a bare state dict named otherwise has no epoch to number its results by
    state = torch.load(out / checkpoints_of(out)[0], weights_only=False)["model"]
    torch.save(state, tmp_path / "weights.pkl")
    capsys.readouterr()
    assert detect(two_scene_folder, "--model", str(tmp_path / "weights.pkl"), *TINY) == 2
    one_error_line(capsys.readouterr().err, "weights.pkl", "neither named model_state_<epoch>_val_loss_<loss>.pkl")


@pytest.mark.slow
def test_a_corrupt_checkpoint_stops_inference_before_any_result(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "2") == 0
    (out / checkpoints_of(out)[-1]).write_bytes(b"not a checkpoint")
    capsys.readouterr()
    assert detect(two_scene_folder, "--model_folder", str(out), "--span", "1") == 2
    line = one_error_line(capsys.readouterr().err, checkpoints_of(out)[-1], "not a readable checkpoint",
                          "not a checkpoint written by this tool")
    assert "weights_only" not in line
    training = ["loss_history.json", "loss_history.png", "reconstructions.png"]
    assert sorted(os.path.basename(p) for p in run_files(str(out))) == sorted(checkpoints_of(out) + training)


@pytest.mark.slow
@pytest.mark.parametrize("value", ["-1", "nan", "inf", "0"])
def test_a_learning_rate_that_cannot_train_is_refused_before_the_frames(two_scene_folder, tmp_path, capsys, value):
    with pytest.raises(SystemExit) as stop:
        train(two_scene_folder, tmp_path / "run", "--lr", value)
    assert stop.value.code == 2
    one_error_line(capsys.readouterr().err, f"argument --lr: expected a positive number up to 1e+06, got {value}")
    assert not (tmp_path / "cache").exists() and not (tmp_path / "run").exists()


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


@pytest.mark.slow
def test_leftovers_of_a_killed_run_are_removed_by_the_next(two_scene_folder, tmp_path, isolated_cache):
    out = tmp_path / "run"
    out.mkdir()
    isolated_cache.mkdir()
    gone = dead_pid()
    partial_save = out / f".model_state_0_val_loss_1.0.pkl.tmp-{gone}-x1.pkl"
    partial_save.write_bytes(b"half a checkpoint")
    partial_cache = isolated_cache / f".frames-0123.partial-{gone}-x2"
    partial_cache.mkdir()
    (partial_cache / "frames.u8").write_bytes(b"\0" * 1000)
    running = out / f".loss_history.json.tmp-{os.getpid()}-x3.json"  # a process still at work keeps its own
    running.write_text("{}")
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    assert not partial_save.exists() and not partial_cache.exists() and running.exists()
    partial_cache.mkdir()  # a run that finds its cache built still clears what a killed build left
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(out)]) == 0
    assert not partial_cache.exists()


def wait_for(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def newest_weights(folder):
    return torch.load(os.path.join(folder, checkpoints_of(folder)[-1]), weights_only=False)["model"]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


LONG_EPOCHS = ["--max_iters", "2", "--epoch_frames", "480", "--seed", "5"]


def ctrl_c_at_step(monkeypatch, at: int):
    """Makes training's step `at` (counted over the run) come with a Ctrl-C; returns the real step,
    to put back."""
    import models.training
    step = models.training.train_step

    def ctrl_c(model, optimizer, x, config, iteration, *rest):
        if iteration == at:
            os.kill(os.getpid(), signal.SIGINT)
        return step(model, optimizer, x, config, iteration, *rest)

    monkeypatch.setattr(models.training, "train_step", ctrl_c)
    return step


@pytest.mark.slow
def test_ctrl_c_saves_the_epoch_and_resume_continues_it_exactly(two_scene_folder, tmp_path, capsys, monkeypatch):
    import models.training
    assert train(two_scene_folder, tmp_path / "whole", *LONG_EPOCHS) == 0
    out = tmp_path / "split"
    step = ctrl_c_at_step(monkeypatch, 40)  # epoch 1 runs steps 30..59
    capsys.readouterr()
    code = train(two_scene_folder, out, *LONG_EPOCHS)
    monkeypatch.setattr(models.training, "train_step", step)
    err = capsys.readouterr().err
    assert code == 130
    line = [text for text in err.splitlines() if text.startswith("interrupted:")]
    assert len(line) == 1 and "epoch 1 stopped after 176 of its 480 frames" in line[0] and "--resume" in line[0]
    assert len(checkpoints_of(out)) == 1 and (out / INTERRUPTED_NAME).exists()
    assert train(two_scene_folder, out, *LONG_EPOCHS, "--resume") == 0
    assert "resuming in epoch 1 after" in capsys.readouterr().err
    assert not (out / INTERRUPTED_NAME).exists()
    assert_same_weights(newest_weights(tmp_path / "whole"), newest_weights(out))


def test_ctrl_c_of_an_overwriting_run_before_its_first_checkpoint_keeps_the_earlier_run(two_scene_folder, tmp_path,
                                                                                       capsys, monkeypatch):
    import models.training
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    earlier = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    step = models.training.train_step

    def ctrl_c(model, optimizer, x, config, iteration, *rest):
        os.kill(os.getpid(), signal.SIGINT)
        return step(model, optimizer, x, config, iteration, *rest)

    monkeypatch.setattr(models.training, "train_step", ctrl_c)
    capsys.readouterr()
    assert train(two_scene_folder, out, "--max_iters", "1", "--overwrite") == 130
    monkeypatch.setattr(models.training, "train_step", step)
    # it deleted the earlier run to save the stopped epoch's state: a stopped run destroyed a finished one
    line = [text for text in capsys.readouterr().err.splitlines() if text.startswith("interrupted:")]
    assert len(line) == 1 and "the earlier run in" in line[0] and line[0].endswith("again to replace it")
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()} == earlier
    assert not (out / INTERRUPTED_NAME).exists()
    assert train(two_scene_folder, out, "--max_iters", "1", "--overwrite") == 0 and len(checkpoints_of(out)) == 1


@pytest.mark.slow
def test_ctrl_c_of_an_overwriting_run_after_its_first_checkpoint_says_how_to_go_on_in_words_that_work(
        two_scene_folder, tmp_path, capsys, monkeypatch):
    import models.training
    out = tmp_path / "run"
    assert train(two_scene_folder, out, *LONG_EPOCHS) == 0
    step = ctrl_c_at_step(monkeypatch, 40)  # in epoch 1, after the new run's first checkpoint
    capsys.readouterr()
    assert train(two_scene_folder, out, *LONG_EPOCHS, "--overwrite") == 130
    monkeypatch.setattr(models.training, "train_step", step)
    # it said "run the same command with --resume", which --overwrite beside --resume refuses
    line = [text for text in capsys.readouterr().err.splitlines() if text.startswith("interrupted:")]
    assert len(line) == 1 and line[0].endswith("run the same command with --resume in place of --overwrite to continue")
    assert train(two_scene_folder, out, *LONG_EPOCHS, "--resume") == 0 and len(checkpoints_of(out)) == 2


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_gives_the_uninterrupted_weights(two_scene_folder, tmp_path):
    command = [sys.executable, "main.py", "--train_folder", two_scene_folder, *TINY, *LONG_EPOCHS]
    assert train(two_scene_folder, tmp_path / "whole", *LONG_EPOCHS) == 0
    out = str(tmp_path / "killed")
    process = subprocess.Popen(command + ["--output_folder", out], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.isdir(out) and checkpoints_of(out))
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert len(checkpoints_of(out)) == 1  # killed in epoch 1
    assert train(two_scene_folder, out, *LONG_EPOCHS, "--resume") == 0
    assert_same_weights(newest_weights(tmp_path / "whole"), newest_weights(out))


@pytest.mark.slow
def test_no_script_writes_into_the_folder_of_frames_it_reads(two_scene_folder, tmp_path, capsys):
    before = sorted(os.listdir(two_scene_folder))
    assert train(two_scene_folder, two_scene_folder + os.sep, "--max_iters", "1") == 2
    one_error_line(capsys.readouterr().err, "the output folder is the folder of frames", "--output_folder")
    out = tmp_path / "run"
    assert train(str(tmp_path / "frames" / ".." / "frames"), tmp_path / "elsewhere", "--val_folder", two_scene_folder,
                 "--output_folder", two_scene_folder, "--max_iters", "1") == 2
    one_error_line(capsys.readouterr().err, "the output folder is the folder of frames")
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    capsys.readouterr()
    assert detect(two_scene_folder, "--model_folder", str(out), "--results_folder", two_scene_folder) == 2
    one_error_line(capsys.readouterr().err, "the results folder is the folder of frames", "--results_folder")
    assert sorted(os.listdir(two_scene_folder)) == before


def test_a_cache_folder_that_is_the_folder_of_frames_is_refused(two_scene_folder, tmp_path, capsys):
    before = sorted(os.listdir(two_scene_folder))
    # the frame cache was written into the folder of frames, as a folder of its own among them
    assert train(two_scene_folder, tmp_path / "run", "--max_iters", "1", "--cache_dir", two_scene_folder) == 2
    one_error_line(capsys.readouterr().err, f"{two_scene_folder}: the cache folder is the folder of frames",
                   "--cache_dir")
    assert sorted(os.listdir(two_scene_folder)) == before
    assert not (tmp_path / "run").exists() or checkpoints_of(tmp_path / "run") == []


def test_a_model_folder_that_is_not_there_or_a_file_is_named_as_such(two_scene_folder, tmp_path, capsys):
    missing = tmp_path / "runz"  # a typo, or inference.py before main.py
    assert detect(two_scene_folder, "--model_folder", str(missing)) == 2
    # it was created as the results folder and then said to hold "no checkpoints ...; train first"
    one_error_line(capsys.readouterr().err, f"{missing}: no such model folder; train first with main.py")
    assert not missing.exists()
    checkpoint = tmp_path / "model_state_0_train_loss_1.0000.pkl"
    checkpoint.write_bytes(b"")
    assert detect(two_scene_folder, "--model_folder", str(checkpoint)) == 2
    # it said "the results folder is a file, not a folder", of an option the user did not give
    one_error_line(capsys.readouterr().err, f"{checkpoint}: the model folder is a file, not a folder",
                   "--model takes one checkpoint file")


def test_a_checkpoint_cut_short_anywhere_is_said_to_be_damaged(tmp_path):
    from utils.checkpoints import load_checkpoint
    from utils.errors import UserError
    torch.save({"model": {"weight": torch.zeros(100_000)}}, tmp_path / "whole.pkl")
    data = (tmp_path / "whole.pkl").read_bytes()
    cut = tmp_path / "model_state_0_train_loss_1.0000.pkl"
    for length in range(997, 80_000, 997):  # a copy or download stopped midway
        cut.write_bytes(data[:length])
        # some lengths were "the checkpoint cannot be read (Invalid argument)", as of a system fault
        with pytest.raises(UserError, match=r"not a readable checkpoint: not a checkpoint written by this tool, "
                                            r"or a damaged one"):
            load_checkpoint(str(cut))


@pytest.mark.slow
def test_files_that_are_no_checkpoint_are_said_to_be_none_without_torchs_advice(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    (out / INTERRUPTED_NAME).write_text("garbage")
    capsys.readouterr()
    assert train(two_scene_folder, out, "--max_iters", "2", "--resume") == 2
    line = one_error_line(capsys.readouterr().err, INTERRUPTED_NAME, "not a checkpoint written by this tool")
    assert "weights_only" not in line and "Error" not in line
    # the damaged state says how to go on, and going on as it says works
    assert f"delete it to resume from {os.path.basename(checkpoints_of(out)[0])}" in line
    os.remove(out / INTERRUPTED_NAME)
    assert train(two_scene_folder, out, "--max_iters", "2", "--resume") == 0 and len(checkpoints_of(out)) == 2
    fake = tmp_path / "fake"
    fake.mkdir()
    np.save(fake / "array.npy", np.arange(3))
    os.rename(fake / "array.npy", fake / "model_state_0_val_loss_1.0000.pkl")
    assert detect(two_scene_folder, "--model_folder", str(fake)) == 2
    line = one_error_line(capsys.readouterr().err, "model_state_0_val_loss_1.0000.pkl", "not a checkpoint written by this tool")
    assert "weights_only" not in line and "Error" not in line


@pytest.mark.slow
def test_overwrite_deletes_only_the_files_the_tool_wrote(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    assert detect(two_scene_folder, "--model_folder", str(out), "--save_images") == 0
    (out / "scenes_0" / "keep.txt").write_text("mine")
    (out / "scenes_9.csv").write_text("no run wrote this")
    (out / "scenes_7").mkdir()
    (out / "scenes_7" / "keep.txt").write_text("mine too")
    (out / "model_state_9_val_loss_1.0000.pkl").mkdir()  # a folder named like a checkpoint
    assert train(two_scene_folder, out, "--max_iters", "1", "--seed", "3", "--overwrite") == 0
    assert (out / "model_state_9_val_loss_1.0000.pkl").is_dir()
    (out / "model_state_9_val_loss_1.0000.pkl").rmdir()
    assert os.listdir(out / "scenes_0") == ["keep.txt"] and os.listdir(out / "scenes_7") == ["keep.txt"]
    assert (out / "scenes_9.csv").read_text() == "no run wrote this"
    assert not (out / "scenes_0.csv").exists() and not (out / "result_source_0.json").exists()
    assert len(checkpoints_of(out)) == 1


@pytest.mark.slow
def test_a_full_disk_ends_in_one_line_and_leaves_no_part_of_a_result_set(two_scene_folder, tmp_path, capsys,
                                                                        monkeypatch):
    out = tmp_path / "run"
    assert train(two_scene_folder, out, "--max_iters", "1") == 0
    results = tmp_path / "results"
    real_save, saves = np.save, []

    def save_until_full(handle, array, *args, **kwargs):
        saves.append(1)
        if len(saves) > 5:  # the disk fills while the sixth result file is written
            raise OSError(28, "No space left on device")
        return real_save(handle, array, *args, **kwargs)

    monkeypatch.setattr(np, "save", save_until_full)
    assert detect(two_scene_folder, "--model_folder", str(out), "--results_folder", str(results)) == 2
    one_error_line(capsys.readouterr().err, str(results), "cannot be written", "No space left on device")
    assert len(saves) > 5 and run_files(str(results)) == []
    monkeypatch.setattr(np, "save", real_save)
    # a checkpoint: torch's writer says a full disk in its own words
    monkeypatch.setattr(torch, "save", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("unexpected pos 90240")))
    monkeypatch.setattr("shutil.disk_usage", lambda path: type("usage", (), {"free": 1024})())
    assert train(two_scene_folder, tmp_path / "full", "--max_iters", "1") == 2
    one_error_line(capsys.readouterr().err, str(tmp_path / "full"), "cannot be written",
                   "no space left on the device")
    assert not (tmp_path / "full").exists()  # the folder the run made for itself goes with it


@pytest.mark.slow
def test_a_model_that_does_not_fit_in_memory_or_in_the_frame_is_refused_in_one_line(two_scene_folder, tmp_path,
                                                                                    capsys, monkeypatch):
    with pytest.raises(SystemExit) as stop:  # an option the parser refuses
        train(two_scene_folder, tmp_path / "deep", "--max_iters", "1", "--hidden-dims", *["8"] * 7)
    assert stop.value.code == 2
    one_error_line(capsys.readouterr().err, "--hidden-dims", "at most 6 stages", "got 7")

    def no_memory(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:118] DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr("models.training.ReproVAE", no_memory)
    assert train(two_scene_folder, tmp_path / "huge", "--max_iters", "1") == 2
    one_error_line(capsys.readouterr().err, "does not fit in memory", "--latent_dim 3")


def test_a_folder_of_runs_given_as_the_model_folder_names_the_runs_in_it(two_scene_folder, tmp_path, capsys):
    runs = tmp_path / "runs"
    for name in ("ep2", "ep1"):
        (runs / name).mkdir(parents=True)
        (runs / name / "model_state_0_train_loss_1.0000.pkl").write_bytes(b"")
    (runs / "notes").mkdir()
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(runs),
                           "--results_folder", str(tmp_path / "results")]) == 2
    # it said "no checkpoints ... train first with main.py", of a folder that holds two runs
    one_error_line(capsys.readouterr().err, f"{runs}: no checkpoints here, but 2 folders of main.py's runs in it "
                   f"(ep1, ep2); give one as --model_folder, such as {runs / 'ep1'}")
    assert run_files(str(tmp_path / "results")) == []
    (runs / "notes" / "model_state_0_train_loss_1.0000.pkl").write_bytes(b"")
    (runs / "more").mkdir()
    (runs / "more" / "model_state_3_val_loss_2.0000.pkl").write_bytes(b"")
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(runs)]) == 2
    one_error_line(capsys.readouterr().err, "4 folders of main.py's runs in it (ep1, ep2, more and 1 more)")
