"""The benchmark's own machinery: data sets, the model-free floor, scoring and the report."""

import importlib.util
import json
import os

import av
import numpy as np
import pytest
from conftest import encode_video

from benchmarks import datasets, detectors, report, run, scoring
from data.synthetic import iter_clip_frames
from data.video import video_frame_count
from evaluation.metrics import match_with_tolerance


@pytest.fixture(scope="module")
def tiny_film(tmp_path_factory):
    """240 generated frames (10 s) of a fast edit with extra transitions, as one h264 video."""
    return datasets.build_film(str(tmp_path_factory.mktemp("films")), "tiny", 2,
                               {"pacing": "fast", "extra_transitions": "all"}, frames=240)


def test_film_video_holds_every_frame_and_the_generators_labels_and_spans(tiny_film):
    assert video_frame_count(tiny_film.video) == 240
    _, truth = iter_clip_frames(240, seed=2, fps=24, hard_cases=True, pacing="fast", extra_transitions="all")
    assert tiny_film.labels.tolist() == sorted(int(p) for p in truth.change_pairs)
    kinds = np.concatenate(list(tiny_film.kinds.values()))
    assert sorted(kinds.tolist()) == tiny_film.labels.tolist()
    first, last = tiny_film.spans[:, 0], tiny_film.spans[:, 1]
    assert np.all(first <= tiny_film.labels) and np.all(tiny_film.labels <= last)
    gradual = np.isin(tiny_film.labels, tiny_film.kinds["gradual"])
    assert np.all(last[gradual] > first[gradual]) and np.all(last[~gradual] == first[~gradual])


def test_film_is_reused_when_its_parameters_match(tiny_film):
    folder = tiny_film.video.rsplit("/", 1)[0]
    before = (tiny_film.video, json.load(open(folder + "/tiny.truth.json")))
    again = datasets.build_film(folder, "tiny", 2, {"pacing": "fast", "extra_transitions": "all"}, frames=240)
    assert (again.video, json.load(open(folder + "/tiny.truth.json"))) == before


def test_measuring_seeds_are_not_the_tuning_seeds():
    measuring = {seed for seed, _ in datasets.MEASURING.values()}
    assert not measuring & set(datasets.TUNING_SEEDS.values())


def test_looped_video_repeats_every_frame_in_order(tiny_film, tmp_path):
    info = datasets.looped_video(tiny_film.video, str(tmp_path / "long.mp4"), min_seconds=15)
    assert info["repeats"] == 2  # 10 s of footage, twice to reach 15 s
    with av.open(info["path"]) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(tiny_film.video) as container:
        original = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 2 * len(original)
    np.testing.assert_array_equal(frames[len(original) + 17], original[17])


def test_raw_pixel_floor_finds_the_cuts_of_a_fast_edit_and_ranks_its_events(tiny_film):
    result = detectors.raw_pixels(tiny_film.video)
    assert result["frames"] == 240 and len(result["scores"]) == 239
    scores = np.asarray(result["scores"])
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0)
    cuts = tiny_film.kinds["cut"]
    found = scoring.match_with_tolerance(result["changes"], cuts, 1)["recall"]
    assert found >= 0.8, f"cuts {cuts.tolist()}, found {result['changes']}"
    assert set(result["changes"]) <= set(result["events"])


def test_pyscenedetect_adapter_finds_a_cut(tmp_path):
    if importlib.util.find_spec("scenedetect") is None:
        pytest.skip("scenedetect is not installed (pip install -r requirements-dev.txt)")
    frames = []
    for i in range(48):  # a blue shot with a moving square, then a red one: the cut is pair 23
        frame = np.zeros((72, 96, 3), dtype=np.uint8)
        frame[:] = (30, 60, 200) if i < 24 else (200, 50, 40)
        frame[20:36, 2 * (i % 24):2 * (i % 24) + 16] = 255
        frames.append(frame)
    video = str(encode_video(tmp_path / "cut.mp4", frames))
    result = detectors.pyscenedetect(video, "psd-content")
    assert result["frames"] == 48 and len(result["scores"]) == 47
    assert result["changes"] == [23]
    assert int(np.argmax(result["scores"])) == 23


def test_detector_command_reports_a_missing_package(monkeypatch, tmp_path):
    def missing(method, video):
        raise ImportError("No module named 'scenedetect'")
    monkeypatch.setattr(detectors, "run", missing)
    assert detectors.main(["psd-content", "v.mp4", str(tmp_path / "o.json")]) == detectors.MISSING_PACKAGE
    assert not (tmp_path / "o.json").exists()
    assert detectors.main(["nonsense", "v.mp4", str(tmp_path / "o.json")]) == 2


def test_score_counts_hits_kinds_and_trap_alarms():
    data = datasets.Dataset("d", "", np.array([10, 50, 90]), "", kinds={"cut": np.array([10, 90]),
                                                                        "gradual": np.array([50])},
                            traps=[("in_shot_flash", 68, 72)])
    scores = np.zeros(99)
    scores[[10, 53, 70]] = [5.0, 4.0, 3.0]
    scores[90] = 2.0
    row = scoring.score({"frames": 100, "scores": scores, "changes": [10, 53, 70]}, data)
    assert row["found"] == 3 and row["precision"] == pytest.approx(1 / 3) and row["recall"] == pytest.approx(1 / 3)
    assert row["accuracy"] == pytest.approx(1 / 3)  # top 3 ranked: 10, 53, 70; only 10 is exact
    assert row["top100"] is None                     # fewer than 100 labels
    assert row["recall_cut"] == 0.5 and row["recall_gradual"] == 0.0
    assert row["alarms_in_shot_flash"] == 1
    assert row["topk_f1"] == pytest.approx(1 / 3)   # the three most confident: 10, 53, 70
    spanned = datasets.Dataset("d", "", np.array([10, 50, 90]), "", spans=np.array([[10, 10], [44, 56], [90, 90]]))
    row = scoring.score({"frames": 100, "scores": scores, "changes": [10, 53, 70], "kl_scores": scores[::-1]}, spanned)
    assert row["recall"] == pytest.approx(2 / 3)   # 53 lies inside the gradual transition 44..56
    assert row["paper_accuracy"] == 0.0            # the KL ranking (reversed here) finds none exactly


def test_both_levels_are_scored_against_their_own_labels():
    # changes of setting at 10 and 90; a reverse shot at 50 is a shot boundary only
    data = datasets.Dataset("d", "", np.array([10, 50, 90]), "", scene_labels=np.array([10, 90]))
    result = {"frames": 100, "changes": [10, 50, 90], "setting_changes": [10, 90], "scores": np.zeros(99)}
    assert scoring.score(result, data)["f1"] == 1.0                  # every shot boundary found
    row = scoring.score_scenes(result, data)
    assert row["shots_precision"] == pytest.approx(2 / 3) and row["shots_recall"] == 1.0
    assert row["scene_f1"] == 1.0 and row["scene_found"] == 2
    assert "scene_f1" not in scoring.score_scenes({"frames": 100, "changes": [10]}, data)  # a shot detector


def test_generated_films_know_their_cuts_that_keep_the_setting(tmp_path):
    # 20 s of conversations: reverse shots, new angles and a character cut are shot boundaries,
    # not changes of setting
    data = datasets.build_film(str(tmp_path), "talk", 1, {"conversations": True}, frames=480)
    same = set(data.labels.tolist()) - set(data.scene_labels.tolist())
    assert len(same) >= 4 and same == set(data.kinds["same-setting cut"].tolist())
    assert set(data.scene_labels.tolist()) <= set(data.labels.tolist()) and np.all(np.diff(data.labels) > 0)
    assert not {kind for kind, _, _ in data.traps} & {"character_cut", "reverse_shot", "new_angle"}


def test_mean_and_spread_uses_the_sample_deviation_and_skips_missing_values():
    summary = scoring.mean_and_spread([{"f1": 0.5, "top100": None}, {"f1": 0.7, "top100": None}])
    assert summary["f1"]["mean"] == pytest.approx(0.6)
    assert summary["f1"]["sd"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert summary["top100"] is None


def test_report_shows_seed_spread_claims_and_skips():
    rows = [{"accuracy": a, "top100": None, "found": 4, "precision": 1.0, "recall": 1.0, "f1": f, "fps": 100.0}
            for a, f in ((0.5, 0.6), (0.7, 0.8))]
    methods = {"repro-VAE": {"runs": rows, "summary": scoring.mean_and_spread(rows)},
               "baseline VAE": {"runs": rows[:1], "summary": scoring.mean_and_spread(rows[:1])}}
    text = report.render({"machine": "test box", "accuracy": {
        "clip": {"description": "a clip", "labels": 4, "methods": methods},
        "ds_edit": {"description": "a fan edit", "labels": 4, "methods": methods, "reading": "Read it so."},
        "skipped": ["TransNetV2: not installed"], "date": "2026-01-01", "stage_seconds": 60}})
    assert "| repro-VAE (2 seeds) | 0.700 ± 0.141 |" in text  # F1@2 first
    assert "clip: repro-VAE 0.600 ± 0.141 against baseline VAE 0.500" in text
    assert "- skipped: TransNetV2: not installed" in text and "test box" in text
    clip, fan_edit = text.split("### ds_edit")
    assert "development clip" not in clip and "*A development clip" in fan_edit
    assert "|\n\nRead it so.\n" in fan_edit and "Read it so." not in clip


def test_results_name_videos_relative_to_the_repository():
    from benchmarks.ours import ROOT
    info = {"path": os.path.join(ROOT, "benchmarks", "work", "long.mp4"), "repeats": 3, "seconds": 60.0,
            "source": os.path.join(ROOT, "..", "shared", "data", "clip.mp4")}
    assert run.repo_relative(info) == {"path": os.path.join("benchmarks", "work", "long.mp4"), "repeats": 3,
                                       "seconds": 60.0, "source": os.path.join("..", "shared", "data", "clip.mp4")}
    with open(os.path.join(ROOT, "benchmarks", "results.json")) as f:
        text = f.read()
    assert ROOT not in text and '"/' not in text


def test_unknown_stage_is_refused():
    with pytest.raises(SystemExit):
        run.parse_args(["--stages", "accuracy,nope"])
    assert run.parse_args(["--quick", "--seeds", "3", "4"]).seeds == [3]


def test_the_readme_recommends_the_settings_the_benchmark_measures():
    from benchmarks.ours import RECOMMENDED_TRAINING, ROOT
    with open(f"{ROOT}/README.md") as f:
        command = next(line for line in f if "main.py --train_folder episode.mkv" in line)
    # the README's episode command types nothing but the folders: the benchmark measures the defaults
    assert command.split()[2:] == ["--train_folder", "episode.mkv", "--output_folder", "runs/ep1",
                                   *RECOMMENDED_TRAINING]



def test_held_frames_hold_each_drawing_but_never_across_a_change():
    from benchmarks.held import held_frames
    assert held_frames(12, 4, [5]).tolist() == [0, 0, 0, 0, 4, 4, 6, 6, 8, 8, 8, 8]
    assert held_frames(6, 1, [2]).tolist() == list(range(6))
    changes = [3, 4, 17, 30]
    shown = held_frames(40, 3, changes)
    frames = np.arange(40)
    assert ((shown <= frames) & (frames - shown < 3)).all()
    assert not any(shown[i] <= j < i for i in frames for j in changes)


def test_mixed_held_frames_hold_each_stretch_its_own_way_never_across_a_change():
    from benchmarks.held import _hold, mixed_held_frames
    spans = np.array([[19, 19], [40, 47], [90, 90]])  # a cut, an 8-pair transition, a cut
    shown = mixed_held_frames(120, spans, seed=3)
    frames = np.arange(120)
    assert ((shown <= frames) & (frames - shown < 4)).all()
    starts = [0, 20, 41, 48, 91]  # each stretch starts on its own first frame
    assert (shown[starts] == starts).all()
    assert not any(shown[i] <= p < i for i in frames for p in spans.ravel())
    gaps = [np.diff(np.unique(shown[a:b])) for a, b in zip(starts, starts[1:] + [120]) if b - a > 8]
    assert all(g.size and (g == g[0]).all() for g in gaps)  # one hold per stretch
    assert len({int(g[0]) for g in gaps}) > 1  # and not the same one everywhere
    assert np.array_equal(shown, mixed_held_frames(120, spans, seed=3))
    assert _hold("mixed") == 0 and _hold("3") == 3
    with pytest.raises(Exception):
        _hold("5")


def test_interlaced_cuts_mix_the_lines_of_the_two_shots():
    from benchmarks.interlaced import interlace_cuts
    frames = np.stack([np.full((4, 3, 3), 10 * k, dtype=np.uint8) for k in range(8)])
    given = frames.copy()
    mixed = interlace_cuts(frames, [2, 6])  # the cut after frame 2; one too near the end to mix
    assert mixed[3, 0::2].tolist() == frames[2, 0::2].tolist()  # even lines: the shot before
    assert mixed[3, 1::2].tolist() == frames[4, 1::2].tolist()  # odd lines: the shot after
    others = [k for k in range(8) if k != 3]
    assert np.array_equal(mixed[others], frames[others])
    assert np.array_equal(frames, given)  # the frames given are left as they were


@pytest.mark.slow
def test_tuning_films_are_the_measuring_kinds_on_their_own_seeds_and_models_are_reused(tmp_path, capsys):
    """The tuning command judges the working tree's selection on films of the measured kinds
    drawn from other seeds; a second run detects again with the model trained by the first."""
    from benchmarks import tuning
    film, seed, options = tuning.tuning_film("gen-fast-edit", extra="slide")
    assert seed == datasets.TUNING_SEEDS["gen-fast-edit"] != datasets.MEASURING["gen-fast-edit"][0]
    assert film == "tune-fast-edit+slide" and options["extra_transitions"].endswith(",slide")
    assert tuning.tuning_film("gen-music-video", extra="slide")[2] == datasets.MEASURING["gen-music-video"][1]
    argv = ["--names", "gen-fast-edit", "--frames", "240", "--quick", "--work", str(tmp_path)]
    assert tuning.main(argv) == 0
    # slides are added by default: the rules' last choice was made with them
    stamp = tmp_path / "tuning" / "runs" / "tune-fast-edit+slide-240" / "seed0" / "trained.json"
    trained = stamp.read_text()
    written = (tmp_path / "tuning" / "TUNING.md").read_text()
    row = [line for line in written.splitlines() if line.startswith("| tune-fast-edit+slide | 102 |")]
    assert len(row) == 1 and written.rstrip().splitlines()[-1].startswith("| mean |")
    # the K-free F1 is that of the changes found in this film against its own truth
    dataset = datasets.build_film(str(tmp_path / "tuning" / "films"), film, seed, options, frames=240)
    from benchmarks import ours
    result = ours.train_and_detect(dataset.video, str(stamp.parent), "repro-VAE", 0, tuning.QUICK_TRAINING,
                                   reuse=True)
    assert stamp.read_text() == trained  # detection alone: the same model, not trained again
    found = np.asarray(result["changes"], dtype=np.int64)
    expected = match_with_tolerance(found, dataset.labels, scoring.TOLERANCE, dataset.spans)
    assert row[0].split("|")[4:8] == [f" {found.size:.1f} ", f" {expected['precision']:.3f} ",
                                      f" {expected['recall']:.3f} ", f" {expected['f1']:.3f} "]
    assert tuning.main(argv) == 0 and stamp.read_text() == trained  # the same model, not trained again
    assert (tmp_path / "tuning" / "TUNING.md").read_text() == written


@pytest.mark.slow
def test_datasets_option_merges_its_rows_and_keeps_every_other_data_sets(tmp_path, monkeypatch):
    """--datasets runs the accuracy stage on the named clips alone (faked methods here) and
    merges them into results.json: the other data sets' rows and the other stages stay as they
    were, a clip run again replaces its own rows in place, and RESULTS.md shows them all."""
    shared, out = tmp_path / "shared", tmp_path / "out"
    shared.mkdir()
    out.mkdir()
    for name in ("clip_a", "clip_b"):
        (shared / f"{name}.mp4").write_bytes(b"not decoded: every method is faked")
        (shared / f"{name}.labels.json").write_text(json.dumps({"boundaries": [{"frame": 24}]}))

    def fake_result(changes):
        scores = np.zeros(47)
        scores[changes] = 1.0
        return {"frames": 48, "scores": scores, "changes": np.asarray(changes), "seconds": 2.0}

    def fake_vae(video, folder, variant, seed, training=(), reuse=False):
        return {**fake_result([23]), "train_seconds": 1.0, "trained_at": "abc1234"}

    def fake_detector(method, video, folder, reuse=False):
        return None if method == "transnetv2" else fake_result([23, 40])

    monkeypatch.setattr(run.ours, "train_and_detect", fake_vae)
    monkeypatch.setattr(run, "run_detector", fake_detector)
    rows = [{"accuracy": 0.5, "top100": None, "found": 3, "precision": 1.0, "recall": 0.5, "f1": 0.25, "fps": 9.0}]
    kept = {"description": "an earlier clip", "labels": 7, "methods": {
        "repro-VAE": {"runs": rows, "summary": scoring.mean_and_spread(rows)}}}
    other_stage = {"how": "the same latents", "datasets": {}, "date": "2026-01-02", "stage_seconds": 60.0}
    earlier = {"machine": "old box", "previous_selection": other_stage,
               "accuracy": {"gen-mixed": kept, "clip_a": {**kept, "description": "clip_a, old rows"},
                            "skipped": [], "quick": False, "stage_seconds": 3600.0, "date": "2026-01-01"}}
    (out / "results.json").write_text(json.dumps(earlier))
    argv = ["--stages", "accuracy", "--datasets", "clip_b", "clip_a", "--seeds", "0", "1",
            "--shared", str(shared), "--work", str(tmp_path / "work"), "--out", str(out)]
    assert run.main(argv) == 0

    results = json.loads((out / "results.json").read_text())
    accuracy = results["accuracy"]
    assert accuracy["gen-mixed"] == kept and results["previous_selection"] == other_stage
    assert [k for k in accuracy if isinstance(accuracy[k], dict)] == ["gen-mixed", "clip_a", "clip_b"]
    assert accuracy["clip_a"]["description"] == "shared clip clip_a.mp4"
    methods = accuracy["clip_b"]["methods"]
    assert len(methods["repro-VAE"]["runs"]) == 2 and run.PAPER_ROW in methods
    assert methods["repro-VAE"]["summary"]["f1"]["mean"] == 1.0
    assert methods["PySceneDetect content"]["summary"]["precision"]["mean"] == 0.5
    assert "TransNetV2" not in methods and any("TransNetV2" in s for s in accuracy["skipped"])
    assert (accuracy["date"], accuracy["stage_seconds"]) == ("2026-01-01", 3600.0)  # the full run's
    assert [a["datasets"] for a in accuracy["added"]] == [["clip_a", "clip_b"]]
    machine = accuracy["added"][0]["machine"]
    assert results["machine"] == "old box" and machine != "old box"  # the report's line stays the full run's
    assert not (tmp_path / "work" / "data").exists()  # no generated film was built

    assert run.main(argv[:3] + ["clip_a"] + argv[5:]) == 0  # clip_a again: its own record moves
    again = json.loads((out / "results.json").read_text())["accuracy"]
    assert again["clip_b"] == accuracy["clip_b"] and again["gen-mixed"] == kept
    assert [a["datasets"] for a in again["added"]] == [["clip_b"], ["clip_a"]]
    text = (out / "RESULTS.md").read_text()
    assert text.index("### gen-mixed") < text.index("### clip_a") < text.index("### clip_b")
    assert "| repro-VAE | 0.250 |" in text and "_clip_a: run on their own on" in text
    assert "Machine: old box." in text and f", on {machine}; the other" in text

    with pytest.raises(SystemExit):
        run.main(argv[:3] + ["nope"] + argv[5:])
    with pytest.raises(SystemExit):
        run.parse_args(["--stages", "accuracy,speed", "--datasets", "clip_a"])


def test_previous_selection_table_averages_the_seeds_and_renders_as_written(tmp_path):
    from benchmarks import previous_selection as ps
    from benchmarks.report import render
    before = {"tuning": {"tune-a": [[0.8, 0.9], [1.0, 0.7]]}, "real": {"rick": [[0.9, 0.9]], "only-before": [[0.1, 0.1]]}}
    after = {"tuning": {"tune-a": [[0.9, 0.9], [1.0, 0.9]]}, "real": {"rick": [[0.95, 0.92]]}}
    text = ps.table(before, after, "commit abc")
    assert "| tuning | tune-a | 2 / 2 | 0.900 / 0.800 | 0.950 / 0.900 |" in text
    assert "| real | rick | 1 / 1 | 0.900 / 0.900 | 0.950 / 0.920 |" in text
    assert "only-before" not in text  # a data set scored on one side only is no comparison
    assert "| tuning | mean | | 0.9000 / 0.8000 | 0.9500 / 0.9000 |" in text
    section = {"title": "The previous release's selection on the same latents", "how": "how it ran",
               "lines": text.rstrip("\n").split("\n"), "date": "2026-12-07", "stage_seconds": 1.0}
    rendered = render({"machine": "box", "previous_selection": section})
    assert "## The previous release's selection on the same latents" in rendered and "| real | rick | 1 / 1 |" in rendered


def test_previous_selection_refuses_a_folder_that_is_no_checkout(tmp_path, capsys):
    from benchmarks import previous_selection as ps
    with pytest.raises(SystemExit):
        ps.parse_args(["--previous", str(tmp_path)])
    assert "not a checkout of this project" in capsys.readouterr().err


def test_previous_selection_names_the_scoring_files_that_differ(tmp_path):
    import shutil
    from benchmarks import previous_selection as ps
    for name in ("evaluation", "benchmarks"):
        shutil.copytree(os.path.join(ps.ROOT, name), tmp_path / name, ignore=shutil.ignore_patterns("work", "__pycache__"))
    assert ps.scoring_differences(str(tmp_path)) == []
    (tmp_path / "benchmarks" / "scoring.py").write_text("TOLERANCE = 3\n")
    assert ps.scoring_differences(str(tmp_path)) == [os.path.join("benchmarks", "scoring.py")]
