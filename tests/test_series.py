"""One model for a whole series: several films (or a glob) to train on and to detect in."""

import os
import re
import shutil
import string
import subprocess
import unicodedata
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import write_frames
from data.cache import _cache_folder, frame_sources, source_names
from utils.errors import UserError
from utils.paths import NAME_BYTES, portable_name

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cache):
    env = dict(os.environ, REPRO_VAE_CACHE=str(cache))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def episode(folder: Path, seed: int, frames: int = 24) -> Path:
    """Two flat-colour shots with a cut in the middle, in colours of this seed."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    pictures = np.zeros((frames, 64, 64, 3), dtype=np.uint8)
    pictures[:frames // 2] = a
    pictures[frames // 2:] = b
    pictures[:, 20:40, 20:40] = rng.integers(0, 255, 3)  # something drawn on each
    write_frames(folder, pictures)
    return folder


def test_sources_expand_globs_in_order_and_names_are_unique(tmp_path):
    for name in ("ep02", "ep01", "ep10"):
        (tmp_path / "season" / name).mkdir(parents=True)
    found = frame_sources(str(tmp_path / "season" / "ep*"))
    assert [Path(p).name for p in found] == ["ep01", "ep02", "ep10"]
    assert frame_sources("one.mkv") == ["one.mkv"] and frame_sources(None) == []
    assert source_names(["a/ep1.mkv", "b/ep1.mkv", "c/ep 2.mp4"]) == ["ep1", "ep1_2", "ep_2"]
    with pytest.raises(UserError, match="no file or folder matches"):
        frame_sources(str(tmp_path / "nothing*"))


def test_a_numbered_name_never_gives_two_films_one_results_folder():
    # s2/x numbered x_2 went into the folder of the film x_2: its results were replaced, exit 0
    assert source_names(["s1/x", "s2/x", "s1/x_2"]) == ["x", "x_3", "x_2"]
    assert source_names(["x_2.mkv", "a/x.mkv", "b/x.mkv"]) == ["x_2", "x", "x_3"]
    assert source_names(["Ep1.mkv", "ep1.mp4"]) == ["Ep1", "ep1_2"]  # one folder on macOS and Windows


def test_episode_names_keep_their_letters_in_any_script():
    # 第1話 and 第2話 were _1_ and _2_, 第一話 and 第二話 both _ (numbered _ and _2)
    names = ["第1話", "第2話", "第一話", "第二話", "café", "Ёлка", "रामायण", "Ｓｅａｓｏｎ１"]
    assert source_names([f"season/{name}.mkv" for name in names]) == names
    assert source_names(["a/第一話 前編.mkv", "b/第一話 後編.mkv"]) == ["第一話_前編", "第一話_後編"]
    # decomposed (as macOS gives it) is the same name composed: one folder on APFS
    assert source_names(["a/café.mp4", f"b/{unicodedata.normalize('NFD', 'café')}.mp4"]) == ["café", "café_2"]


def test_a_name_keeps_nothing_a_file_system_refuses():
    assert portable_name('第1話: 前編? <A/B> "x" | y * z\\w') == "第1話_前編_A_B_x_y_z_w"
    assert portable_name("a\x00b\x1fc\x7fd\u202eevil\u200b") == "a_b_c_d_evil_"  # control, direction, invisible
    assert portable_name("bad\udcffname") == "bad_name"  # a file name's bytes that are not UTF-8
    assert portable_name("ep1 ★【OP】！") == "ep1_OP_"  # symbols and punctuation, as in ASCII


def test_ascii_names_are_those_of_earlier_results():
    # earlier results folders were named with this substitution; they must still be found
    for name in [string.printable, "ep 2", "a _b", "Show - S01E02 (1080p) [x]", "x.y-z_w", "..."]:
        assert portable_name(name) == re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def test_a_long_title_fits_a_file_name_and_stays_apart(tmp_path):
    title = "話" * 100  # 300 bytes of UTF-8
    names = source_names([f"a/{title}.mkv", f"b/{title}.mkv", f"c/{title}X.mkv"])
    assert len(set(names)) == 3 and all(len(n.encode()) <= NAME_BYTES for n in names)
    assert names[1].endswith("_2") and names[0].startswith("話" * 70)
    for name in names:
        (tmp_path / name).mkdir()  # the file system takes each
    # the frame cache's folder is named after the film too, readably
    assert os.path.basename(_cache_folder(str(tmp_path), "season/第1話.mkv", 64, None)).startswith("第1話.mkv-")


@pytest.mark.slow
def test_episodes_named_in_japanese_get_a_results_folder_each(two_scene_folder, tmp_path):
    from conftest import TINY, detect, train_briefly
    assert train_briefly(two_scene_folder, tmp_path / "run", "--epoch_frames", "40") == 0
    episodes = [str(shutil.copytree(two_scene_folder, tmp_path / "season" / name)) for name in ("第一話", "第二話")]
    assert detect(*episodes, "--model_folder", str(tmp_path / "run"), "--results_folder",
                  str(tmp_path / "results"), *TINY) == 0
    assert sorted(os.listdir(tmp_path / "results")) == ["第一話", "第二話"]
    assert all((tmp_path / "results" / name / "scenes_0.csv").exists() for name in ("第一話", "第二話"))


def test_a_film_given_twice_is_refused_however_it_is_written(tmp_path, monkeypatch):
    (tmp_path / "season" / "ep01").mkdir(parents=True)
    (tmp_path / "season" / "ep02").mkdir()
    monkeypatch.chdir(tmp_path)
    assert frame_sources(["season/ep01", "season/ep02"]) == ["season/ep01", "season/ep02"]
    with pytest.raises(UserError, match=r"^season/ep01/: the same film is given twice \(as season/ep01 too\)"):
        frame_sources(["season/ep01", "season/ep01/"])
    with pytest.raises(UserError, match="the same film is given twice"):
        frame_sources([str(tmp_path / "season" / "ep*"), "season/ep02"])


def test_main_refuses_a_film_given_twice_in_one_line_before_any_work(tmp_path):
    folder = episode(tmp_path / "ep01", 1)
    out = tmp_path / "run"
    refused = run("main.py", "--train_folder", str(folder), str(folder), "--output_folder", str(out),
                  cache=tmp_path / "cache")
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert lines[-1] == f"error: {folder}: the same film is given twice; give each film once"
    assert "Traceback" not in refused.stderr and not out.exists()


def test_an_episode_of_one_frame_is_refused_before_any_episodes_results(two_scene_folder, tmp_path, capsys):
    from conftest import detect, one_error_line, train_briefly
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    short = write_frames(tmp_path / "short", np.zeros((1, 24, 32, 3), dtype=np.uint8))
    capsys.readouterr()
    # the first episode's results were written, then the run ended on the second
    assert detect(two_scene_folder, short, "--model_folder", str(tmp_path / "run"),
                  "--results_folder", str(tmp_path / "results")) == 2
    one_error_line(capsys.readouterr().err, f"{short}: needs at least two frames to score a change")
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_one_model_trains_on_every_episode_and_detects_in_each(tmp_path):
    first, second = episode(tmp_path / "ep01", 1), episode(tmp_path / "ep02", 2, frames=30)
    out, cache = tmp_path / "run", tmp_path / "cache"
    trained = run("main.py", "--train_folder", str(tmp_path / "ep0*"), "--output_folder", str(out),
                  "--max_iters", "1", "--bs", "8", "--latent_dim", "4", "--seed", "0", "--device", "cpu", cache=cache)
    assert trained.returncode == 0, trained.stderr[-800:]
    assert "training on 54 frames of 2 sources" in trained.stderr
    found = run("inference.py", "--image_folder", str(first), str(second), "--model_folder", str(out),
                "--device", "cpu", cache=cache)
    assert found.returncode == 0, found.stderr[-800:]
    flags = {name: np.load(out / name / "scene_change_flags_0.npy") for name in ("ep01", "ep02")}
    assert flags["ep01"].shape == (23,) and flags["ep02"].shape == (29,)
    # each episode's latents are those of the same model run on that episode alone
    alone = run("inference.py", "--image_folder", str(second), "--model_folder", str(out),
                "--results_folder", str(tmp_path / "alone"), "--device", "cpu", cache=cache)
    assert alone.returncode == 0, alone.stderr[-800:]
    np.testing.assert_allclose(np.load(out / "ep02" / "latent_mu_0.npy"),
                               np.load(tmp_path / "alone" / "latent_mu_0.npy"), rtol=1e-5, atol=1e-6)
    mixed = run("inference.py", "--image_folder", str(first), str(second), "--model_folder", str(out),
                "--labels", str(tmp_path / "labels.txt"), "--device", "cpu", cache=cache)
    assert mixed.returncode == 2 and "labels belong to one film" in mixed.stderr
