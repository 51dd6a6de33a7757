"""Tests of the synthetic anime-like clip generator (the data/synthetic package)."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import synthetic as syn  # noqa: E402
from data.synthetic import generate_clip, iter_clip_frames, write_frame_folder, write_sample  # noqa: E402

W, H = 96, 72
N = 600
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def clips():
    return {s: generate_clip(N, seed=s, width=W, height=H) for s in SEEDS}


def pair_diffs(frames):
    f = frames.astype(np.int16)
    return np.abs(f[1:] - f[:-1]).mean(axis=(1, 2, 3))


def hard_cut_diffs(clips):
    out = []
    for c in clips.values():
        d = pair_diffs(c.frames)
        out += [d[t["label"]] for t in c.transitions if t["kind"] == "cut"]
    return np.array(out)


# ----------------------------------------------------------------------------- basics


def test_determinism():
    a = generate_clip(300, seed=7, width=W, height=H)
    b = generate_clip(300, seed=7, width=W, height=H)
    c = generate_clip(300, seed=8, width=W, height=H)
    assert np.array_equal(a.frames, b.frames)
    assert np.array_equal(a.change_pairs, b.change_pairs)
    assert a.transitions == b.transitions and a.non_changes == b.non_changes
    assert np.array_equal(a.shot_setting, b.shot_setting)
    assert a.frames.shape == c.frames.shape
    assert not np.array_equal(a.frames, c.frames)
    # another variant of the same world: same settings library, another shot sequence
    v = generate_clip(300, seed=7, width=W, height=H, variant=1)
    assert not np.array_equal(a.frames, v.frames)
    assert v.truth.settings == a.truth.settings


def test_shapes_and_dtypes(clips):
    c = clips[0]
    assert c.frames.shape == (N, H, W, 3) and c.frames.dtype == np.uint8
    assert c.change_pairs.dtype == np.int64 and c.change_pairs.ndim == 1
    assert c.shot_setting.shape == (N,) and c.shot_setting.dtype == np.int64
    assert c.shot_setting.min() >= 0 and c.shot_setting.max() < syn.NUM_SETTINGS
    odd = generate_clip(5, seed=0, width=61, height=47)
    assert odd.frames.shape == (5, 47, 61, 3)


def test_labels_are_consistent(clips):
    for c in clips.values():
        cp = c.change_pairs
        assert len(cp) > 0
        assert np.all(np.diff(cp) > 0), "sorted and unique"
        assert cp.min() >= 0 and cp.max() <= N - 2
        assert sorted(t["label"] for t in c.transitions) == cp.tolist()
        for t in c.transitions:
            assert set(t) == {"kind", "start", "end", "label"}
            assert t["kind"] in syn.TRANSITION_KINDS
            assert t["label"] == (t["start"] + t["end"]) // 2
            if t["kind"] == "cut":
                assert t["end"] == t["start"] + 1
            else:
                assert 12 <= t["end"] - t["start"] + 1 <= 36     # 0.5 - 1.5 s at 24 fps
        for t in c.non_changes:
            assert set(t) == {"kind", "start", "end"}
            assert t["kind"] in syn.NON_CHANGE_KINDS
            assert 0 <= t["start"] <= t["end"] <= N - 1
        # the setting id changes exactly at the labelled pairs (character cuts keep it)
        changes = np.nonzero(np.diff(c.shot_setting))[0]
        assert changes.tolist() == cp.tolist()
        # the shot boundaries: the scene changes and the character cuts
        assert c.shot_pairs.dtype == np.int64
        cc = [t["start"] for t in c.non_changes if t["kind"] == "character_cut"]
        assert c.shot_pairs.tolist() == sorted(cp.tolist() + cc) == c.truth.to_json()["shot_pairs"]


def test_plan_and_truth_render_no_frame(monkeypatch):
    """The shot plan and the truth come from the plan alone: no picture is drawn until a frame is asked for."""
    # the distances between a world's settings are measured on small drawings, once per seed: take them first
    iter_clip_frames(50, seed=3, width=W, height=H)

    def forbidden(*args, **kwargs):
        raise AssertionError("drawing while planning")

    monkeypatch.setattr(Image, "new", forbidden)  # every canvas the generator draws starts here
    it, truth = iter_clip_frames(20000, seed=3, width=W, height=H)
    assert len(truth.shot_setting) == 20000 and len(truth.change_pairs) > 100
    with pytest.raises(AssertionError, match="drawing while planning"):
        next(it)


def test_iterator_matches_generate_clip_and_shorter_clips_are_prefixes():
    it, truth = iter_clip_frames(20000, seed=3, width=W, height=H)
    assert len(truth.shot_setting) == 20000
    m = 200
    first = np.stack([next(it) for _ in range(m)])
    assert first.shape == (m, H, W, 3) and first.dtype == np.uint8
    # a shorter clip is the prefix of a longer one, up to the first boundary it cannot hold
    clip = generate_clip(m, seed=3, width=W, height=H)
    long_bounds = truth.transitions + [t for t in truth.non_changes if t["kind"] == "character_cut"]
    short_bounds = clip.transitions + [t for t in clip.non_changes if t["kind"] == "character_cut"]
    dropped = [t["start"] for t in long_bounds if t["start"] < m and t not in short_bounds]
    limit = min(dropped + [m])
    assert limit > 36
    assert np.array_equal(first[:limit], clip.frames[:limit])
    assert truth.change_pairs[truth.change_pairs < limit - 1].tolist() == \
        clip.change_pairs[clip.change_pairs < limit - 1].tolist()


def test_plan_of_a_long_clip_has_every_kind():
    _, truth = iter_clip_frames(20000, seed=0)
    kinds = {t["kind"] for t in truth.transitions}
    traps = {t["kind"] for t in truth.non_changes}
    assert kinds == set(syn.DEFAULT_TRANSITION_KINDS)
    assert traps == set(syn.DEFAULT_NON_CHANGE_KINDS)
    n_cut = sum(t["kind"] == "cut" for t in truth.transitions)
    assert n_cut > len(truth.transitions) / 2, "hard cuts are the majority"
    lengths = [s["end"] - s["start"] + 1 for s in truth.shots[:-1]]
    assert min(lengths) >= 36 and max(lengths) <= 144          # 1.5 - 6 s of pure shot at 24 fps
    # settings are revisited later in the film
    seq = [s["setting"] for s in truth.shots]
    assert any(seq[i] in seq[:i - 1] for i in range(2, len(seq)))


def test_easy_mode_has_only_cuts_and_slow_moves():
    _, truth = iter_clip_frames(8000, seed=5, hard_cases=False)
    assert {t["kind"] for t in truth.transitions} == {"cut"}
    assert {t["kind"] for t in truth.non_changes} == {"character_cut"}
    assert {s["camera"] for s in truth.shots} <= {"static", "slow_pan", "slow_tilt"}
    c = generate_clip(300, seed=5, width=W, height=H, hard_cases=False)
    assert all(t["kind"] == "cut" for t in c.transitions)


# ----------------------------------------------------------------------------- pixel statistics


def test_hard_cuts_are_large_and_character_cuts_smaller(clips):
    cuts = hard_cut_diffs(clips)
    assert len(cuts) >= 4
    within = []
    cc = []
    for c in clips.values():
        d = pair_diffs(c.frames)
        busy = np.zeros(N - 1, bool)
        for t in c.transitions + c.non_changes:
            busy[max(0, t["start"] - 1):t["end"] + 1] = True
        within.append(d[~busy])
        cc += [d[t["start"]] for t in c.non_changes if t["kind"] == "character_cut"]
    within = np.concatenate(within)
    cc = np.array(cc)
    assert cuts.min() > 25.0, cuts
    assert cuts.min() > 5 * np.median(within)
    assert len(cc) >= 2
    assert np.median(cc) < 0.5 * np.median(cuts), (cc, cuts)
    assert cc.max() < np.median(cuts), (cc, cuts)


def test_gradual_transitions_are_smooth(clips):
    cuts = hard_cut_diffs(clips)
    ref = np.median(cuts)
    seen = set()
    for seed in (0, 1, 2, 3, 4, 5):
        c = clips.get(seed) or generate_clip(N, seed=seed, width=W, height=H)
        d = pair_diffs(c.frames)
        for t in c.transitions:
            if t["kind"] == "cut":
                continue
            seen.add(t["kind"])
            inside = d[t["start"] - 1:t["end"] + 1]     # entering, all blended pairs, leaving
            assert inside.max() < 0.6 * ref, (t, inside.round(1).tolist(), ref)
            # the frames really move from one setting to the other
            a, b = c.frames[t["start"] - 1].astype(int), c.frames[t["end"] + 1].astype(int)
            assert np.abs(a - b).mean() > 3 * inside.max() / 2
    assert len(seen) >= 3


def test_in_shot_flash_is_a_bright_burst(clips):
    found = 0
    for seed in (0, 1, 2, 3, 6, 7):
        c = clips.get(seed) or generate_clip(N, seed=seed, width=W, height=H)
        for t in c.non_changes:
            if t["kind"] != "in_shot_flash":
                continue
            found += 1
            before = c.frames[t["start"] - 1].astype(float).mean()
            peak = max(c.frames[i].astype(float).mean() for i in range(t["start"], t["end"] + 1))
            assert peak > before + 20
            assert c.shot_setting[t["start"] - 1] == c.shot_setting[t["end"] + 1]
    assert found >= 1


def test_frames_look_like_flat_shaded_art(clips):
    for c in clips.values():
        busy = np.zeros(N, bool)
        for t in c.transitions + c.non_changes:
            busy[max(0, t["start"] - 1):t["end"] + 2] = True
        idx = np.nonzero(~busy)[0][::25]
        assert len(idx) > 5
        same, colours = [], []
        for i in idx:
            f = c.frames[i]
            same.append(np.all(f[:, 1:] == f[:, :-1], axis=-1).mean())
            packed = (f[..., 0].astype(np.int64) << 16) | (f[..., 1].astype(np.int64) << 8) | f[..., 2]
            colours.append(len(np.unique(packed)))
            assert 15 < f.mean() < 245 and f.std() > 10, "not blank"
        assert np.median(same) > 0.6, same          # large flat regions (noise: under 0.01)
        assert np.median(colours) < 400, colours     # of 6912 pixels


# ----------------------------------------------------------------------------- files


def _mtimes(root: Path):
    return {str(p): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def test_write_sample_and_idempotence(tmp_path):
    out = tmp_path / "sample"
    paths = write_sample(out, train_frames=50, val_frames=40, seed=2, width=W, height=H, show_progress=False)
    assert set(paths) == {"train", "val", "val_labels", "train_labels", "truth"}
    train = sorted(Path(paths["train"]).glob("frame_*.png"))
    val = sorted(Path(paths["val"]).glob("frame_*.png"))
    assert len(train) == 50 and len(val) == 40
    assert train[0].name == "frame_000000.png"
    img = np.asarray(Image.open(val[3]))
    it, vtruth = iter_clip_frames(40, seed=2, width=W, height=H, variant=2)
    frames = list(it)
    assert np.array_equal(img, frames[3])
    vl = np.load(paths["val_labels"])
    tl = np.load(paths["train_labels"])
    assert vl.dtype == np.int64 and tl.dtype == np.int64
    assert vl.tolist() == vtruth.change_pairs.tolist()
    truth = json.loads(Path(paths["truth"]).read_text())
    assert truth["params"]["train_frames"] == 50 and truth["val"]["transitions"] == vtruth.transitions
    assert truth["train"]["change_pairs"] == tl.tolist()
    assert (out / "sample.json").exists()

    before = _mtimes(out)
    again = write_sample(out, train_frames=50, val_frames=40, seed=2, width=W, height=H, show_progress=False)
    assert again == paths
    assert _mtimes(out) == before, "second call must not rewrite"

    # other parameters: rewritten in place, nothing left beside it
    write_sample(out, train_frames=30, val_frames=20, seed=2, width=W, height=H, show_progress=False)
    assert len(list((out / "train").glob("*.png"))) == 30
    assert len(list((out / "val").glob("*.png"))) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample"]


def test_write_sample_interrupted_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "s"

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        write_sample(out, train_frames=20, val_frames=20, width=W, height=H, show_progress=False)
    assert list(tmp_path.iterdir()) == []


def test_write_sample_refuses_a_foreign_folder(tmp_path):
    from utils.errors import UserError

    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(UserError):
        write_sample(tmp_path, train_frames=20, val_frames=20, width=W, height=H, show_progress=False)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_write_frame_folder(tmp_path):
    frames = (np.full((H, W, 3), v, np.uint8) for v in (10, 20, 30))
    n = write_frame_folder(tmp_path / "f", frames, prefix="x_", show_progress=False)
    assert n == 3
    names = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert names == ["x_000000.png", "x_000001.png", "x_000002.png"]
    assert np.asarray(Image.open(tmp_path / "f" / "x_000002.png"))[0, 0, 0] == 30


def test_cli(tmp_path, capsys):
    rc = syn.main(["--out", str(tmp_path / "cli"), "--train_frames", "30", "--val_frames", "24",
                   "--width", str(W), "--height", str(H), "--easy"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "train: 30 frames" in printed and "val: 24 frames" in printed
    params = json.loads((tmp_path / "cli" / "sample.json").read_text())["params"]
    assert params["hard_cases"] is False
    assert os.path.exists(tmp_path / "cli" / "val_labels.npy")


@pytest.mark.parametrize("argv,message", [
    # "error: expected non-negative integer", naming no option
    (["--seed", "-1"], "argument --seed: expected a seed from 0 to 4294967295, got -1"),
    # "error: num_frames must be at least 2, got 0", of no option the command has
    (["--val_frames", "0"], "argument --val_frames: expected a whole number of frames from 2 to 1000000, got 0"),
    # argparse's usage line and a second line
    (["--train_frames", "x"], "argument --train_frames: expected a whole number of frames from 2 to 1000000, got x"),
    # a MemoryError traceback: 149 GiB asked for before the first frame
    (["--width", "100000", "--height", "100000", "--val_frames", "2", "--train_frames", "2"],
     "argument --width: expected a width in pixels from 32 to 4096, got 100000"),
    # "error: extra_transitions must be among ..., got ['dissolve']", naming no option
    (["--extra_transitions", "blur,dissolve"], "argument --extra_transitions: expected 'all' or kinds among "
                                               "flash_cut,blur,morph,slow_wipe,slide separated by commas, got dissolve"),
])
def test_cli_refuses_its_options_in_one_line(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        syn.main(["--out", str(tmp_path / "cli"), *argv])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: python -m data.synthetic: ") and message in lines[0], lines
    assert not (tmp_path / "cli").exists()


def test_cli_refuses_an_empty_out(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as stop:
        syn.main(["--out", ""])  # an unset shell variable
    assert stop.value.code == 2
    # it was read as the current folder: "error: .: exists and holds files that are not a synthetic sample"
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["error: python -m data.synthetic: argument --out: an empty path "
                     "(see python -m data.synthetic --help)"]
    assert os.listdir(tmp_path) == ["notes.txt"]


@pytest.mark.slow
def test_module_runs_as_a_command(tmp_path):
    import subprocess

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "m"
    done = subprocess.run([sys.executable, "-m", "data.synthetic", "--out", str(out), "--train_frames", "10",
                           "--val_frames", "12", "--seed", "4", "--width", str(W), "--height", str(H)],
                          cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "val: 12 frames" in done.stdout
    assert len(list((out / "val").glob("frame_*.png"))) == 12


def test_sample_defaults_live_in_one_place(monkeypatch):
    import inspect

    from data import sample
    from data.synthetic import cli

    defaults = {k: v.default for k, v in inspect.signature(write_sample).parameters.items()}
    assert defaults["train_frames"] == sample.SAMPLE_TRAIN_FRAMES == 1800
    assert defaults["val_frames"] == sample.SAMPLE_VAL_FRAMES == 4800
    assert defaults["seed"] == sample.SAMPLE_SEED == 0
    assert sample.SAMPLE_FOLDER == "sample-v1" and syn.SAMPLE_VERSION == sample.SAMPLE_VERSION
    seen = {}

    def fake_write_sample(out, train_frames, val_frames, seed, *args, **kwargs):
        seen.update(train=train_frames, val=val_frames, seed=seed)
        raise ValueError("not written")

    monkeypatch.setattr(cli, "write_sample", fake_write_sample)
    assert cli.main(["--out", "unused"]) == 2
    assert seen == dict(train=1800, val=4800, seed=0)
