"""Faults and inputs that used to end in a traceback, each now one line (or a rebuild): a folder
made read-only or full midway, numbers far out of range, paths of undecodable bytes or too long,
damaged checkpoints and cache records, huge or deeply nested labels, a FIFO among the frames, an
option given twice, and the progress bar closed before the error line."""

import errno
import json
import os
import tempfile
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import inference
import main
import pure_test
from conftest import checkpoints_of, one_error_line, train_briefly, write_frames
from data.cache import CacheRebuiltWarning, load_frames
from evaluation.labels import load_labels
from opts import parse_options
from utils.errors import UserError

@pytest.fixture
def trained(two_scene_folder, tmp_path):
    out = tmp_path / "run"
    assert train_briefly(two_scene_folder, out) == 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize("reason", [errno.EROFS, errno.ENOSPC])
def test_a_folder_made_read_only_or_full_midway_is_one_line(two_scene_folder, trained, tmp_path, capsys,
                                                            monkeypatch, reason):
    results = tmp_path / "results"
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(trained),
                           "--results_folder", str(results)]) == 0
    before = {name: (results / name).read_bytes() for name in os.listdir(results)}
    real, calls = tempfile.mkstemp, []

    def refuse_later(*args, **kwargs):
        calls.append(1)
        if len(calls) > 3:
            raise OSError(reason, os.strerror(reason))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_later)
    capsys.readouterr()
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(trained),
                           "--results_folder", str(results), "--threshold", "0.5"]) == 2
    one_error_line(capsys.readouterr().err, str(results), "cannot be written", os.strerror(reason))
    assert {name: (results / name).read_bytes() for name in os.listdir(results)} == before
    calls.clear()
    assert train_briefly(two_scene_folder, tmp_path / "again", "--max_iters", "2") == 2  # the checkpoint's temporary
    one_error_line(capsys.readouterr().err, "again", "cannot be written", os.strerror(reason))


@pytest.mark.parametrize("script,argv,option", [
    (main.main, ["--lr", "1e300"], "--lr"),
    (main.main, ["--w_decay", "1e300"], "--w_decay"),
    (main.main, ["--latent_dim", "10000000"], "--latent_dim"),
    (inference.main, ["--min_scene_len", "1e308"], "--min_scene_len"),
    (inference.main, ["--threshold", "1e300"], "--threshold"),
    (pure_test.main, ["--tolerance", "1e30"], "--tolerance"),
    (pure_test.main, ["--tolerance", "100000000000"], "--tolerance"),
])
def test_numbers_past_any_sane_range_are_refused_by_the_parser(script, argv, option, capsys):
    with pytest.raises(SystemExit) as stop:
        script(argv)
    assert stop.value.code == 2
    one_error_line(capsys.readouterr().err, f"argument {option}: expected")


@pytest.mark.slow
def test_the_report_refuses_a_huge_tolerance(tmp_path, capsys):
    from report.__main__ import main as report_main
    with pytest.raises(SystemExit) as stop:
        report_main([str(tmp_path), "--tolerance", "1e30"])
    assert stop.value.code == 2
    one_error_line(capsys.readouterr().err, "--tolerance", "expected")


@pytest.mark.slow
def test_a_source_path_of_undecodable_bytes_trains_and_detects(two_scene_folder, tmp_path):
    odd = os.path.join(str(tmp_path), os.fsdecode(b"bad\xffname"))
    os.rename(two_scene_folder, odd)
    assert len(load_frames(odd, show_progress=False)) == 40
    assert train_briefly(odd, tmp_path / "run") == 0
    assert inference.main(["--image_folder", odd, "--model_folder", str(tmp_path / "run"), "--save_images"]) == 0
    record = json.loads((tmp_path / "run" / "result_source_0.json").read_text())
    assert os.fsencode(record["source"]).endswith(b"bad\xffname")


def test_a_line_break_in_a_file_name_keeps_the_error_on_one_line_naming_the_file(two_scene_folder, tmp_path, capsys):
    odd = os.path.join(str(tmp_path), "scene\none")
    os.rename(two_scene_folder, odd)
    with open(os.path.join(odd, "frame_3.png"), "w") as handle:
        handle.write("not a picture")
    assert train_briefly(odd, tmp_path / "run") == 2
    err = capsys.readouterr().err
    # the message was cut at the break: "error: .../scene", naming neither the frame nor the fault
    line = one_error_line(err, "scene\\none/frame_3.png: unreadable image (UnidentifiedImageError")
    assert err.rstrip("\n").endswith(line)
    assert not (tmp_path / "run").exists() or os.listdir(tmp_path / "run") == []
    assert train_briefly(odd + "\nmissing", tmp_path / "run") == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path}/scene\\none\\nmissing: no such folder or video file"


@pytest.mark.slow
@pytest.mark.parametrize("length", ["component", "path"])
def test_an_output_path_too_long_is_refused_before_any_work(two_scene_folder, tmp_path, capsys, isolated_cache,
                                                            length):
    out = tmp_path / ("x" * 256) if length == "component" else tmp_path.joinpath(*["y" * 200] * 20)
    assert train_briefly(two_scene_folder, out) == 2
    one_error_line(capsys.readouterr().err, "give a shorter one")
    assert not isolated_cache.exists() and sorted(os.listdir(tmp_path)) == ["frames"]


CHECKPOINT_DAMAGE = {
    "hidden_dims of a million": lambda s: s["model_config"].update(hidden_dims=[10 ** 6, 10 ** 6]),
    "negative latent_dim": lambda s: s["model_config"].update(latent_dim=-5),
    "run that is a list": lambda s: s.update(run=["x"]),
    "epoch -1": lambda s: s.update(epoch=-1),
    "epoch true": lambda s: s.update(epoch=True),
    "config of another size": lambda s: s["model_config"].update(latent_dim=4),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", sorted(CHECKPOINT_DAMAGE))
def test_every_checkpoint_field_is_checked_before_use(two_scene_folder, trained, tmp_path, capsys, damage):
    state = torch.load(os.path.join(trained, checkpoints_of(trained)[0]), weights_only=False)
    CHECKPOINT_DAMAGE[damage](state)
    torch.save(state, tmp_path / "named_otherwise.pkl")
    capsys.readouterr()
    assert inference.main(["--image_folder", two_scene_folder, "--model", str(tmp_path / "named_otherwise.pkl")]) == 2
    one_error_line(capsys.readouterr().err, "named_otherwise.pkl", "damaged or foreign checkpoint")
    assert not any(name.startswith(("scenes_", "scene_change")) for name in os.listdir(tmp_path))


RESUME_DAMAGE = {
    "rng": lambda s: s.update(rng=torch.zeros(5, dtype=torch.uint8)),
    "epoch_frames -3": lambda s: s["options"].update(epoch_frames=-3),
    "history 5": lambda s: s.update(history=5),
    "another model's optimizer": lambda s: s["optimizer"].update(
        param_groups=[{**s["optimizer"]["param_groups"][0], "params": [0, 1]}]),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", sorted(RESUME_DAMAGE))
def test_a_damaged_checkpoint_under_resume_is_one_line(two_scene_folder, trained, capsys, damage):
    path = os.path.join(trained, checkpoints_of(trained)[0])
    state = torch.load(path, weights_only=False)
    RESUME_DAMAGE[damage](state)
    torch.save(state, path)
    capsys.readouterr()
    assert train_briefly(two_scene_folder, trained, "--resume", "--max_iters", "2") == 2
    one_error_line(capsys.readouterr().err, os.path.basename(path), "damaged or foreign checkpoint")


def _set_cache_record(cache, field, value):
    """Writes `value` into one field of a built cache's meta.json, as a damaged record would hold
    it; returns the record's path."""
    meta_path = os.path.join(cache.folder, "meta.json")
    with open(meta_path) as handle:
        meta = json.load(handle)
    meta[field] = value
    with open(meta_path, "w") as handle:
        json.dump(meta, handle)
    return meta_path


@pytest.mark.parametrize("field,value", [("source_fps", "abc"), ("source_fps", 0), ("source_end_time", "x"),
                                         ("source_frames", -5), ("count", True), ("size", "64")])
def test_a_cache_record_that_does_not_validate_is_rebuilt(two_scene_folder, field, value):
    first = load_frames(two_scene_folder, show_progress=False)
    meta_path = _set_cache_record(first, field, value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = load_frames(two_scene_folder, show_progress=False)
    # a damaged record is said so; one of another size is another cache's, silently made anew
    assert any(issubclass(w.category, CacheRebuiltWarning) for w in caught) or field == "size"
    with open(meta_path) as handle:
        assert json.load(handle)[field] != value  # built again
    assert (again.source_fps, again.source_frames, len(again)) == (first.source_fps, 40, 40)
    assert again.end_time == pytest.approx(first.end_time)


def test_labels_nested_too_deep_or_endless_are_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UserError, match="nested too deeply"):
        load_labels(str(deep))
    with pytest.raises(UserError, match="/dev/zero: not a text labels file|/dev/zero: more than"):
        load_labels("/dev/zero")


def test_a_fifo_named_like_a_frame_is_left_out(two_scene_folder):
    os.mkfifo(os.path.join(two_scene_folder, "frame_40.png"))
    with pytest.warns(UserWarning, match="frame_40.png\\) left out: not a regular file"):
        cache = load_frames(two_scene_folder, show_progress=False)
    assert len(cache) == 40


def test_an_option_given_twice_is_said_and_sources_are_all_taken(capsys):
    opt = parse_options(["--train_folder", "a.mp4", "--train_folder", "b.mp4", "--lr", "0.1", "--lr=0.2"],
                        prog="main.py")
    assert opt.train_folder == ["a.mp4", "b.mp4"] and opt.lr == 0.2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: main.py: ") for line in lines)
    assert "--train_folder is given more than once" in lines[0] and "all taken" in lines[0]
    assert "--lr is given more than once" in lines[1] and "the last (0.2) is used" in lines[1]


@pytest.mark.slow
def test_the_progress_bar_is_closed_before_the_error_line(two_scene_folder, tmp_path, capsys, monkeypatch):
    real = np.save

    def full(handle, array, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full)  # the cache's index, after its frames were decoded
    assert train_briefly(two_scene_folder, tmp_path / "run") == 2
    monkeypatch.setattr(np, "save", real)
    err = capsys.readouterr().err
    assert "caching frames" in err
    last = err.rstrip("\n").split("\n")[-1]
    assert last.startswith("error:") and "No space left on device" in last, err[-500:]


# --- property test: random field types and values in checkpoints and cache records -----------------

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 12, 10 ** 12), st.floats(allow_nan=True),
                   st.text(max_size=8), st.lists(st.integers(-10 ** 7, 10 ** 7), max_size=4),
                   st.dictionaries(st.text(max_size=4), st.integers(), max_size=3))
CHECKPOINT_FIELDS = ["epoch", "iteration", "position", "loss", "run", "history", "sums", "options", "optimizer",
                     "scheduler", "rng", "cuda_rng", "model_config", "model_config.latent_dim",
                     "model_config.hidden_dims", "model_config.activation", "model_config.extra"]


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory):
    """A real checkpoint of a tiny model, built once for the property tests."""
    from models.repro_vae import ReproVAE
    model = ReproVAE(latent_dim=3, hidden_dims=[8, 16])
    optimizer = torch.optim.Adam(model.parameters())
    return {"model": model.state_dict(), "model_config": model.config, "optimizer": optimizer.state_dict(),
            "scheduler": {}, "epoch": 0, "iteration": 3, "history": [], "options": {}, "run": "abc",
            "rng": torch.get_rng_state(), "cuda_rng": None, "loss": 1.0}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(CHECKPOINT_FIELDS), value=VALUES)
def test_random_checkpoint_fields_end_in_a_load_or_one_user_error(checkpoint_bytes, tmp_path, field, value):
    import copy
    from models.config import ModelConfig
    from models.encoding import model_from_checkpoint
    state = copy.deepcopy(checkpoint_bytes)
    if "." in field:
        state["model_config"][field.split(".")[1]] = value
    else:
        state[field] = value
    path = os.path.join(str(tmp_path), "model_state_0_val_loss_1.0000.pkl")
    torch.save(state, path)
    opt = parse_options(["--latent_dim", "3", "--hidden-dims", "8", "16"], prog="inference.py")
    try:
        model_from_checkpoint(path, ModelConfig.from_options(opt))
    except UserError as err:
        assert "\n" not in str(err) and path in str(err)


META_FIELDS = ["version", "signature", "count", "size", "fps", "source_fps", "source_frames", "source_end_time",
               "kind", "truncated", "gap"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(META_FIELDS), value=VALUES)
def test_random_cache_records_are_read_or_rebuilt(tmp_path_factory, field, value):
    folder = write_frames(tmp_path_factory.mktemp("frames"), np.full((3, 8, 8, 3), 7, dtype=np.uint8))
    cache_dir = str(tmp_path_factory.mktemp("cache"))
    first = load_frames(folder, cache_dir, size=16, show_progress=False)
    _set_cache_record(first, field, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = load_frames(folder, cache_dir, size=16, show_progress=False)
    assert len(again) == 3 and again.source_frames >= 3 and again.source_fps == first.source_fps
    assert again.end_time > again.timestamps[-1]
