"""Without --val_folder the loss main.py prints, saves and names checkpoints by is the training loss,
and says so; the original name (..._val_loss_...) and the new one are both read everywhere."""

import json
import os
import shutil

import pytest
import torch

import inference
import main
from conftest import TINY
from utils.checkpoints import CHECKPOINT_PATTERN, checkpoint_epoch, checkpoint_name, checkpoints_to_evaluate
from utils.plots import has_validation
from utils.run_folder import check_fresh_run, clear_earlier_run

@pytest.fixture
def trained(two_scene_folder, tmp_path_factory, capsys):
    """(run folder, what main.py printed) of a two-epoch run with no validation frames."""
    out = tmp_path_factory.mktemp("honest") / "run"
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(out), "--max_iters", "2",
                      *TINY]) == 0
    return out, capsys.readouterr().err


@pytest.mark.slow
def test_without_validation_frames_the_training_loss_is_named_so(trained):
    out, printed = trained
    names = sorted(n for n in os.listdir(out) if n.startswith("model_state_"))
    assert len(names) == 2 and all("_train_loss_" in n and "val_loss" not in n for n in names)
    epochs = [line for line in printed.splitlines() if line.startswith("epoch ") and "train_loss" in line]
    assert len(epochs) == 2 and not any("val_loss" in line for line in epochs)
    history = json.loads((out / "loss_history.json").read_text())
    assert all("val_loss" not in entry and "loss" in entry for entry in history)
    assert not has_validation(history)
    saved = torch.load(out / names[-1], weights_only=False)
    assert f"{saved['loss']:.4f}" in names[-1] and saved["loss"] == pytest.approx(history[-1]["loss"])


@pytest.mark.slow
def test_with_validation_frames_the_original_name_stays(two_scene_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert main.main(["--train_folder", two_scene_folder, "--val_folder", two_scene_folder, "--output_folder",
                      str(out), "--max_iters", "1", *TINY]) == 0
    assert [n for n in os.listdir(out) if n.startswith("model_state_")][0].startswith("model_state_0_val_loss_")
    assert "val_loss" in capsys.readouterr().err


@pytest.mark.slow
def test_old_and_new_names_are_read_by_every_reader(trained, two_scene_folder, tmp_path, capsys):
    out, _ = trained
    assert checkpoint_name(3, 1.5) == "model_state_3_val_loss_1.5000.pkl"
    assert checkpoint_name(3, 1.5, "training") == "model_state_3_train_loss_1.5000.pkl"
    for name in ("model_state_3_val_loss_1.5000.pkl", "model_state_3_train_loss_1.5000.pkl"):
        assert CHECKPOINT_PATTERN.match(name).group(1) == "3"
        assert checkpoint_epoch(name) == 3
    # a folder with the original names (an earlier release's run): found, evaluated, resumed, replaced
    old = tmp_path / "old"
    old.mkdir()
    for name in os.listdir(out):
        shutil.copy(out / name, old / name.replace("_train_loss_", "_val_loss_"))
    assert [os.path.basename(p) for _, p in checkpoints_to_evaluate(str(old), 1)] == \
        sorted(n for n in os.listdir(old) if n.startswith("model_state_"))
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(old), *TINY]) == 0
    assert (old / "scenes_1.csv").exists()
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(old), "--max_iters", "3",
                      "--resume", *TINY]) == 0
    assert any(n.startswith("model_state_2_train_loss_") for n in os.listdir(old))
    assert check_fresh_run(str(old), overwrite=True)
    clear_earlier_run(str(old))
    assert not [n for n in os.listdir(old) if n.startswith("model_state_")]
    # and the new names: evaluated, and a fresh run without --overwrite is refused
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(out), *TINY]) == 0
    capsys.readouterr()
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(out), *TINY]) == 2
    assert "holds the checkpoints of an earlier run" in capsys.readouterr().err


def test_an_earlier_release_s_history_with_the_training_loss_as_val_loss_has_no_validation_curve():
    copied = [{"epoch": 0, "loss": 3.0, "val_loss": 3.0}, {"epoch": 1, "loss": 2.0, "val_loss": 2.0}]
    assert not has_validation(copied)
    assert has_validation([{"epoch": 0, "loss": 3.0, "val_loss": 3.5}])
    assert not has_validation([])
