"""Warnings where a result rests on a guess: labels that look like the other --label_convention,
and a frame folder whose rate is assumed."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import inference
import main
import pure_test
from conftest import ROOT
from data.cache import AssumedRateWarning, load_frames, warn_assumed_rate
from evaluation.labels import other_convention_hint

CHANGES = [10, 30, 50, 70]  # the pairs of the changes found


def results(folder):
    """A result set whose changes are CHANGES, ranked first."""
    flags = np.zeros(99, dtype=bool)
    flags[CHANGES] = True
    ranking = CHANGES + [p for p in range(99) if p not in CHANGES]
    np.save(folder / "scene_change_res0.npy", np.asarray(ranking, dtype=np.int64))
    np.save(folder / "kld_scores_0.npy", np.zeros(99, dtype=np.float32))
    np.save(folder / "scene_change_flags_0.npy", flags)
    np.save(folder / "change_events_0.npy", np.asarray(CHANGES, dtype=np.int64))
    return str(folder)


def scored(tmp_path, labels_text, convention, name="labels.txt"):
    """(row, the warnings' texts) of scoring the results against labels `labels_text`."""
    labels = tmp_path / name
    labels.write_text(labels_text)
    location = tmp_path / "results"
    location.mkdir(exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        row = pure_test.score_results(str(labels), results(location), convention)[0]
    return row, [str(w.message) for w in caught]


def test_first_frame_labels_read_as_pairs_are_said(tmp_path):
    row, said = scored(tmp_path, "11\n31\n51\n71\n", "pair")
    assert row["accuracy"] == 0.0 and row["f1"] == 1.0  # the silent trap: F1 forgives one frame
    assert len(said) == 1
    assert "labels.txt: 4 of 4 labels lie one frame after a change found and 0 on one" in said[0]
    assert "--label_convention first_frame" in said[0] and "accuracy 0.0000, far below F1@2 1.0000" in said[0]


def test_pair_labels_read_as_first_frames_are_said(tmp_path):
    row, said = scored(tmp_path, "10\n30\n50\n70\n", "first_frame")
    assert row["accuracy"] == 0.0
    assert len(said) == 1 and "one frame before" in said[0] and "--label_convention pair" in said[0]


@pytest.mark.parametrize("text,convention", [("10\n30\n50\n70\n", "pair"), ("11\n31\n51\n71\n", "first_frame"),
                                             ("10\n31\n50\n90\n", "pair")])
def test_labels_in_the_right_convention_are_not_warned_of(tmp_path, text, convention):
    _, said = scored(tmp_path, text, convention)
    assert said == []


def test_a_file_that_says_its_own_convention_is_not_warned_of(tmp_path):
    # {"boundaries": [...]} gives first frames whatever --label_convention says: one frame off is another matter
    boundaries = json.dumps({"boundaries": [{"frame": f} for f in (12, 32, 52, 72)]})
    _, said = scored(tmp_path, boundaries, "pair", name="labels.json")
    assert said == []


def test_the_hint_needs_most_labels_one_off():
    assert other_convention_hint(np.array([11, 31, 51, 71]), np.array(CHANGES), "pair")
    assert not other_convention_hint(np.array([11, 31, 50, 70]), np.array(CHANGES), "pair")  # half on
    assert not other_convention_hint(np.array([11, 31]), np.array(CHANGES), "pair")  # too few to tell


@pytest.mark.slow
def test_pure_test_prints_the_warning_as_one_line(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("11\n31\n51\n71\n")
    location = results(tmp_path)
    done = subprocess.run([sys.executable, "pure_test.py", "--labels", str(labels), "--directory", location],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and "--label_convention first_frame" in lines[0]


def test_a_frame_folder_without_fps_is_said_to_be_taken_as_24_fps(two_scene_folder, tmp_path):
    cache = load_frames(two_scene_folder, str(tmp_path / "cache"), 16)
    with pytest.warns(AssumedRateWarning, match=r"frames: a folder of frames says nothing of its frame rate; "
                                                r"24 frames per second is assumed"):
        assert warn_assumed_rate(cache, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not warn_assumed_rate(cache, 25.0)
        video_like = load_frames(two_scene_folder, str(tmp_path / "cache"), 16, fps=25.0)
        assert not warn_assumed_rate(video_like, 25.0) and video_like.source_fps == 25.0


def test_validation_frames_that_are_training_frames_are_said(two_scene_folder, tmp_path):
    from conftest import train_briefly
    os.symlink(two_scene_folder, tmp_path / "same")  # the same film, however written
    # the checkpoints were named by a "validation" loss of frames the model trained on, without a word
    with pytest.warns(UserWarning, match=r"same: the validation frames are training frames too"):
        assert train_briefly(two_scene_folder, tmp_path / "run", "--val_folder", str(tmp_path / "same")) == 0
    assert any("_val_loss_" in name for name in os.listdir(tmp_path / "run"))


@pytest.mark.slow
def test_inference_on_a_frame_folder_warns_once_and_not_with_fps(two_scene_folder, tmp_path):
    tiny = ["--hidden-dims", "8", "16", "--latent_dim", "3", "--bs", "16"]
    run = tmp_path / "run"
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(run), "--max_iters", "1",
                      *tiny]) == 0
    with pytest.warns(AssumedRateWarning) as caught:
        assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(run), *tiny]) == 0
    said = [str(w.message) for w in caught if "frame rate" in str(w.message)]
    assert len(said) == 1 and "--fps" in said[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(run), "--fps", "24",
                               "--overwrite", *tiny]) == 0
    assert not [w for w in caught if issubclass(w.category, AssumedRateWarning)]

def test_make_clean_removes_the_demo_s_frame_cache():
    with open(os.path.join(ROOT, "Makefile")) as handle:
        makefile = handle.read()
    cache = [line.split("?=")[1].strip() for line in makefile.splitlines() if line.startswith("DEMO_CACHE ?=")]
    assert cache, "the Makefile names no DEMO_CACHE"
    demo = makefile.split("\ndemo:")[1].split("\n\n")[0]
    runs = [line for line in demo.splitlines() if " main.py " in line or " inference.py " in line
            or " pure_test.py " in line]
    assert runs and all("--cache_dir $(DEMO_CACHE)" in line for line in runs)
    clean = makefile.split("\nclean:")[1]
    assert "$(DEMO_CACHE)" in clean.splitlines()[1] or cache[0].startswith("runs/")
