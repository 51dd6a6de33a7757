"""The ablation and the tuning grids: saved runs read again with other selection settings."""

import dataclasses

import numpy as np
import pytest

from benchmarks import datasets as ds
from benchmarks import selection_runs as sr
from benchmarks.ablation import ablate, render
from benchmarks.tuning import grid_configs, parse_args, parse_setting
from data.synthetic import generate_clip
from selection.pictures import picture_features


def _run(group: str, seed: int, clip_seed: int) -> sr.SavedRun:
    clip = generate_clip(180, seed=clip_seed, pacing="fast")
    n, h, w, _ = clip.frames.shape
    f = clip.frames[:, :h // 8 * 8, :w // 8 * 8].astype(np.float32)
    mu = f.reshape(n, 8, h // 8, 8, w // 8, 3).mean(axis=(2, 4)).reshape(n, -1) / 255
    mu = mu + np.random.default_rng(seed).normal(0, 0.01, mu.shape).astype(np.float32)
    dataset = ds.Dataset(f"{group}-{clip_seed}", "unused.mp4", clip.change_pairs, "generated")
    pictures = picture_features(np.ascontiguousarray(clip.frames.transpose(0, 3, 1, 2)))
    return sr.SavedRun(group, dataset, seed, mu, np.full_like(mu, 2 * np.log(0.05)), pictures, clip.fps,
                       np.zeros(n - 1, bool))


@pytest.fixture(scope="module")
def runs():
    return [_run("tuning", 0, 0), _run("tuning", 1, 0), _run("real", 0, 5)]


def test_settings_of_a_grid_are_parsed_and_checked():
    assert parse_setting("camera_reach=0, 0.5") == ("camera_reach", ["0", "0.5"])
    with pytest.raises(ValueError):
        parse_setting("camera_reach")
    configs = grid_configs([("contrast", ["2", "4"]), ("motion", ["0", "10"])], off=("hold",))
    assert list(configs) == ["contrast=2, motion=0", "contrast=2, motion=10", "contrast=4, motion=0",
                             "contrast=4, motion=10"]
    assert all(not c.on("hold") for c in configs.values()) and configs["contrast=4, motion=0"].motion == 0.0
    with pytest.raises(SystemExit):
        parse_args(["--set", "no_such_setting=1"])


@pytest.mark.slow
def test_the_ablation_scores_every_stage_off_and_names_what_pays(runs):
    table = ablate(runs, ("one_pick", "camera_move"))
    assert list(table) == ["all stages", "without one_pick", "without camera_move"]
    full = table["all stages"]["f1"]
    # the group means are the means of their data sets, each over its seeds
    rows = [sr.scored(run, sr.SelectionConfig()) for run in runs]
    assert full["tuning"]["mean"] == pytest.approx(np.mean([rows[0]["f1"], rows[1]["f1"]]))
    assert full["real"]["mean"] == pytest.approx(rows[2]["f1"]) and full["real"]["mean"] > 0.8
    # a stage is marked as paying exactly where switching it off costs more than the seed spread
    text = render(table, runs)
    for name in ("without one_pick", "without camera_move"):
        line = text.split(f"| {name} |")[1].splitlines()[0]
        delta = table[name]["f1"]["tuning"]["mean"] - full["tuning"]["mean"]
        spread = max(table[name]["f1"]["tuning"]["sd"], full["tuning"]["sd"])
        tuning_runs = [(off["f1"], on["f1"]) for off, on, run in zip(table[name]["runs"], table["all stages"]["runs"], runs)
                       if run.group == "tuning"]
        worse, better = sum(a < b for a, b in tuning_runs), sum(a > b for a, b in tuning_runs)
        assert line.split("|")[-3].strip() == f"{delta:+.3f}" + (" *" if delta < -spread else "") + f" ({worse}/{better})"
    # each real clip's run, per training seed, with all stages on
    assert f"| real-5 | 0 | {rows[2]['f1']:.3f} | {rows[2]['topk_f1']:.3f} | {rows[2]['found']} |" in text


@pytest.mark.slow
def test_a_learned_decision_is_fitted_on_events_and_decides_with_its_own_confidence(runs, tmp_path):
    import json
    from benchmarks.learned import events_of, fit, truth_of
    from selection import SelectionConfig, detect_changes, learned
    samples = [(run, events_of(run)) for run in runs]
    x = np.concatenate([learned.features(ev) for _, ev in samples])
    y = np.concatenate([truth_of(run, ev) for run, ev in samples])
    assert 0 < y.sum() < y.size  # true changes and other events both
    model = fit(x, y, 1.0)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    run = runs[2]
    config = SelectionConfig(decision="learned", learned_file=str(path))
    found = detect_changes(run.mu, run.log_var, run.frame_rate, pictures=run.pictures, config=config)
    decided = [c for c in found.candidates if c.decided_by == "learned"]
    assert decided and all(c.stage == "learned" and c.reason.startswith("learned decision")
                           for c in decided if c.dropped_by is None)  # a fade's halves may join after
    odds = learned.log_odds(model, learned.features(decided))
    assert set(found.changes.tolist()) >= {c.pair for c, o in zip(decided, odds) if o >= 0 and c.dropped_by is None}
    with pytest.raises(ValueError, match="benchmarks.learned"):
        detect_changes(run.mu, run.log_var, run.frame_rate, config=SelectionConfig(
            decision="learned", learned_file=str(tmp_path / "missing.json")))


def _shots(count: int = 60, cut_every: int = 20) -> np.ndarray:
    """(count, 96, 128, 3) frames: shots of `cut_every` frames, each its own colours and stripes,
    a square moving across every one."""
    frames = np.empty((count, 96, 128, 3), dtype=np.uint8)
    for k in range(count):
        shot = k // cut_every
        base, stripe = np.random.default_rng(shot).integers(30, 225, (2, 3))
        frames[k] = base
        frames[k, (shot % 3)::(3 + shot), :] = stripe
        x = 4 * (k % cut_every)
        frames[k, 30:50, x:x + 20] = 255 - base
    return frames


def test_interlaced_runs_encode_the_film_with_mixed_frames_after_each_cut_and_keep_them(tmp_path):
    """The "tuning interlaced" group: each tuning run's film with the frame after every cut
    interlaced, its pictures and the run's own checkpoint's latents read again; the other frames
    are as the clean film's (up to the second encoding) and a second call reads what it kept."""
    import torch
    from data.cache import load_frames
    from models.encoding import encode_frames
    from models.repro_vae import ReproVAE
    frames = _shots()
    video = ds.write_video(str(tmp_path / "films" / "tune-test.mp4"), frames, 128, 96, 24, total=len(frames))
    cuts = np.array([19, 39])  # the first frames after them, 20 and 40, are interlaced
    dataset = ds.Dataset("tune-test", video, cuts, "test", kinds={"cut": cuts[:1], "same-setting cut": cuts[1:]})
    folder = tmp_path / "tuning" / "runs" / "tune-test-60" / "seed0"
    folder.mkdir(parents=True)
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=3, hidden_dims=[8, 16])
    torch.save({"model": model.state_dict(), "model_config": {"latent_dim": 3, "hidden_dims": [8, 16]}},
               folder / "model_state_0_train_loss_1.0000.pkl")
    mu, log_var = encode_frames(model, load_frames(video, str(tmp_path / "cache"), 64, show_progress=False), 16,
                                torch.device("cpu"))
    pictures, rate = sr.film_pictures(video, str(tmp_path / "cache"))
    clean = sr.SavedRun("tuning", dataset, 0, mu, log_var, pictures, rate, None, str(folder))
    others = [dataclasses.replace(clean, group="real"), dataclasses.replace(clean, folder=None)]
    runs = sr.interlaced_runs([clean] + others)
    assert len(runs) == 1  # only tuning runs whose folder (checkpoint) is known
    run = runs[0]
    assert (run.group, run.seed, run.folder, run.frame_rate) == ("tuning interlaced", 0, str(folder), rate)
    assert run.dataset is dataset and sr.set_name(run) == "tuning interlaced: tune-test"
    assert run.mu.shape == mu.shape and run.pictures.thumbnails.shape == pictures.thumbnails.shape
    moved = {}
    for part, new, old in (("pictures", run.pictures.thumbnails, pictures.thumbnails), ("mu", run.mu, mu)):
        moved[part] = np.abs(new.reshape(len(new), -1).astype(np.float64) - old.reshape(len(old), -1)).sum(axis=1)
        assert sorted(np.argsort(moved[part])[-2:]) == [20, 40]  # the rest moved by the second encoding alone
    assert moved["pictures"][[20, 40]].min() > 5 * np.delete(moved["pictures"], [20, 40]).max()
    # the latents are the run's checkpoint's encoding of the interlaced film
    film = load_frames(str(tmp_path / "tuning" / "interlaced" / "tune-test.mp4"), str(tmp_path / "cache"), 64,
                       show_progress=False)
    assert np.allclose(run.mu, encode_frames(model, film, 16, torch.device("cpu"))[0], atol=1e-6)
    # the mixed frame lies between the last frame of one shot and the second of the next
    t = run.pictures.thumbnails.reshape(len(mu), -1).astype(np.float64)
    assert np.abs(t[20] - (t[19] + t[21]) / 2).sum() < 0.25 * np.abs(t[19] - t[21]).sum()
    kept = tmp_path / "tuning" / "interlaced" / "tune-test-60-seed0.latents.npz"
    assert (tmp_path / "tuning" / "interlaced" / "tune-test.mp4").exists() and kept.exists()
    written = kept.stat().st_mtime_ns
    again = sr.interlaced_runs([clean])[0]
    assert kept.stat().st_mtime_ns == written and np.array_equal(again.mu, run.mu)


def _entry(kept, means: dict) -> dict:
    """A sensitivity entry of one group ('tuning') whose mean at each value is `means[value]` (sd 0.01)."""
    return {"values": sorted(means), "kept": kept,
            "scores": {v: {"tuning": {"mean": m, "sd": 0.01}} for v, m in means.items()}}


def test_the_sensitivity_tries_each_constant_around_its_value_and_reads_the_result():
    from benchmarks.sensitivity import numeric_fields, reading, values_of
    fields = numeric_fields()
    assert "contrast" in fields and "cut_side_pairs" in fields
    assert not {"threshold", "transition_seconds", "min_scene_seconds", "typical_pairs", "off"} & set(fields)
    assert values_of("contrast") == [2.0, 4.0, 8.0]
    assert values_of("cut_side_pairs") == [2, 3, 4]
    assert 0.6 in values_of("same_palette")  # twice 0.3 is still a distance of histograms
    assert values_of("same_palette", dataclasses.replace(sr.SelectionConfig(), same_palette=0.8)) == \
        pytest.approx([0.4, 0.8])  # 1.6 is refused by the config
    assert reading(_entry(2, {1: 0.90, 2: 0.90, 3: 0.90}), ["tuning"]) == "no effect"
    assert reading(_entry(2, {1: 0.895, 2: 0.90, 3: 0.905}), ["tuning"]) == "flat"
    assert reading(_entry(2, {1: 0.80, 2: 0.90, 3: 0.905}), ["tuning"]) == "kept pays"
    assert reading(_entry(2, {1: 0.80, 2: 0.90, 3: 0.95}), ["tuning"]) == "worth a look: 3 raises tuning"
    two = {"values": [1, 2], "kept": 2, "scores": {1: {"a": {"mean": 0.95, "sd": 0.0}, "b": {"mean": 0.80, "sd": 0.0}},
                                                   2: {"a": {"mean": 0.90, "sd": 0.0}, "b": {"mean": 0.90, "sd": 0.0}}}}
    assert reading(two, ["a", "b"]) == "trade at 1: a up, b down"
    # run by run: three runs lower and none higher is a loss however small the mean's move
    paired = _entry(2, {1: 0.899, 2: 0.90})
    paired.update(runs={1: [0.89, 0.89, 0.89, 0.93], 2: [0.90, 0.90, 0.90, 0.93]}, groups=["tuning"] * 4)
    assert reading(paired, ["tuning"]) == "kept pays"
    paired["runs"][1][3] = 0.94  # one run higher: the paired view no longer says anything
    assert reading(paired, ["tuning"]) == "flat"
    # a gain on one group is a trade where it costs another group a run, even inside that group's spread
    gain = {"values": [1, 2], "kept": 2, "groups": ["a", "b", "b"],
            "scores": {1: {"a": {"mean": 0.95, "sd": 0.0}, "b": {"mean": 0.89, "sd": 0.05}},
                       2: {"a": {"mean": 0.90, "sd": 0.0}, "b": {"mean": 0.90, "sd": 0.05}}},
            "runs": {1: [0.95, 0.88, 0.90], 2: [0.90, 0.90, 0.90]}}
    assert reading(gain, ["a", "b"]) == "trade at 1: a up, b (1 run) down"
    gain["runs"][1][2] = 0.92  # one run lower, one higher: no loss to speak of
    assert reading(gain, ["a", "b"]) == "worth a look: 1 raises a"


@pytest.mark.slow
def test_the_sensitivity_scores_each_value_as_the_selection_with_it(runs):
    from benchmarks.sensitivity import render, sweep
    table = sweep(runs, ["contrast", "cut_side_pairs"])
    assert list(table) == ["contrast", "cut_side_pairs"]
    for name, value in (("contrast", 2.0), ("contrast", 4.0), ("cut_side_pairs", 4)):
        config = sr.SelectionConfig().with_values(**{name: value})
        expected = sr.group_means([sr.scored(run, config) for run in runs], runs)
        assert table[name]["scores"][value]["tuning"]["mean"] == pytest.approx(expected["tuning"]["mean"])
        assert table[name]["scores"][value]["real"]["mean"] == pytest.approx(expected["real"]["mean"])
    text = render(table, runs)
    row = text.split("| contrast |")[1].splitlines()[0]
    assert row.split("|")[0].strip() == "2 / **4** / 8"
    kept = table["contrast"]["scores"][4.0]["tuning"]["mean"]
    assert f"**{kept:.3f}**" in row.split("|")[1]


def test_the_budget_encodes_each_checkpoint_once_and_keeps_its_latents_beside_it(tmp_path):
    """benchmarks.budget reads every saved checkpoint of a run: its latents are the checkpoint's
    model's encoding of the film, written beside it, and read back on the next call."""
    import torch
    from benchmarks.budget import checkpoints, latents
    from data.cache import load_frames
    from models.encoding import encode_frames
    from models.repro_vae import ReproVAE
    video = ds.write_video(str(tmp_path / "film.mp4"), _shots(), 128, 96, 24, total=60)
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=3, hidden_dims=[8, 16])
    path = tmp_path / "model_state_0_train_loss_1.0000.pkl"
    torch.save({"model": model.state_dict(), "model_config": {"latent_dim": 3, "hidden_dims": [8, 16]}}, path)
    assert checkpoints(str(tmp_path)) == {0: str(path)}
    mu, log_var = latents(str(path), video, str(tmp_path / "cache"))
    expected = encode_frames(model, load_frames(video, str(tmp_path / "cache"), 64, show_progress=False), 16,
                             torch.device("cpu"))
    assert mu.shape == (60, 3) and np.allclose(mu, expected[0], atol=1e-6) and np.allclose(log_var, expected[1],
                                                                                         atol=1e-6)
    kept = tmp_path / "model_state_0_train_loss_1.0000.latents.npz"
    written = kept.stat().st_mtime_ns
    again = latents(str(path), video, str(tmp_path / "cache"))
    assert kept.stat().st_mtime_ns == written and np.array_equal(again[0], mu)
