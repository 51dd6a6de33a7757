"""pure_test.py's scoring of result folders: K-free F1 with spans, top-K F1 of the events."""

import json

import numpy as np
import pytest

from pure_test import score_results


def write_results(folder, epoch, ranking, flags, events=None, flags_name="scene_change_flags_{}.npy"):
    np.save(folder / f"scene_change_res{epoch}.npy", np.asarray(ranking, dtype=np.int64))
    np.save(folder / f"kld_scores_{epoch}.npy", np.zeros(len(flags), dtype=np.float32))
    np.save(folder / flags_name.format(epoch), np.asarray(flags, dtype=bool))
    if events is not None:
        np.save(folder / f"change_events_{epoch}.npy", np.asarray(events, dtype=np.int64))


def test_k_free_and_top_k_f1_with_a_gradual_span(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"boundaries": [{"frame": 11}, {"frame": 51, "start": 41, "end": 60}]}))
    flags = np.zeros(99, dtype=bool)
    flags[[10, 45, 80]] = True                      # 10: the cut; 45: inside the transition; 80: a false alarm
    events = [80, 10, 45, 30]                       # most confident first: the top 2 hold one hit
    ranking = events + [p for p in range(99) if p not in events]
    write_results(tmp_path, 3, ranking, flags, events)
    row = score_results(str(labels), str(tmp_path))[0]
    assert row["true_positives"] == 2 and row["precision"] == pytest.approx(2 / 3) and row["recall"] == 1.0
    assert row["topk_f1"] == pytest.approx(0.5)     # events 80 and 10: one of two labels
    assert row["accuracy"] == 0.5                   # exact pairs 10 and 50 among the first two: 10 only


def test_an_earlier_release_s_flag_name_is_still_read(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("10\n")
    flags = np.zeros(20, dtype=bool)
    flags[10] = True
    write_results(tmp_path, 0, [10] + [p for p in range(20) if p != 10], flags, flags_name="scene_change_flags{}.npy")
    row = score_results(str(labels), str(tmp_path))[0]
    assert row["f1"] == 1.0 and row["topk_f1"] == 1.0


@pytest.mark.slow
def test_no_labels_for_results_of_another_film_is_told_before_the_sample_is_written(tmp_path, capsys):
    """With no --labels the bundled sample's are meant: results recorded as another film's are
    refused at once, naming that film, and the sample is not generated to find that out."""
    import pure_test
    results, cache = tmp_path / "out", tmp_path / "cache"
    results.mkdir()
    write_results(results, 4, list(range(20)), np.zeros(20, dtype=bool))
    (results / "result_source_4.json").write_text(json.dumps({"source": str(tmp_path / "episode.mkv")}))
    assert pure_test.main(["--directory", str(results), "--cache_dir", str(cache)]) == 2
    err = capsys.readouterr().err.strip()
    assert "episode.mkv" in err and "not of the bundled sample" in err and "--labels" in err
    assert len(err.splitlines()) == 1
    assert not cache.exists() or not any(cache.iterdir())


@pytest.mark.parametrize("name,kind", [("frame_index_2.npy", "frame_index"), ("change_events_2.npy", "change_events"),
                                       ("scenes_2.csv", "scenes_csv")])
def test_a_result_file_of_another_kind_given_as_the_ranking_is_refused(tmp_path, capsys, name, kind):
    """--directory frame_index_2.npy (whole numbers 0..N-1, as a ranking holds) was scored as a
    ranking, exit 0, and scenes_2.csv without --labels wrote the bundled sample first."""
    import pure_test
    write_results(tmp_path, 2, list(range(20)), np.zeros(20, dtype=bool), events=[4, 9])
    np.save(tmp_path / "frame_index_2.npy", np.arange(21))
    (tmp_path / "scenes_2.csv").write_text("Timecode List:\n")
    (tmp_path / "labels.txt").write_text("4\n")
    cache = tmp_path / "cache"
    for labels in (["--labels", str(tmp_path / "labels.txt")], ["--cache_dir", str(cache)]):
        assert pure_test.main(["--directory", str(tmp_path / name), *labels]) == 2
        assert capsys.readouterr().err.strip().splitlines() == [
            f"error: {tmp_path / name}: the {kind} file of a result set, not a ranking; give its "
            "scene_change_res2.npy, or its folder, to --directory"]
    assert not cache.exists()
    assert pure_test.main(["--directory", str(tmp_path / "scene_change_res2.npy"),
                           "--labels", str(tmp_path / "labels.txt")]) == 0


def test_results_of_two_films_in_one_folder_are_not_averaged(tmp_path):
    """One run's checkpoints run on two films leave their results side by side: scoring them
    together would average two films against one film's labels."""
    labels = tmp_path / "labels.txt"
    labels.write_text("10\n")
    flags = np.zeros(20, dtype=bool)
    for epoch, film in ((0, "a.mp4"), (1, "b.mp4")):
        write_results(tmp_path, epoch, list(range(20)), flags)
        (tmp_path / f"result_source_{epoch}.json").write_text(json.dumps(
            {"run": "r1", "source": str(tmp_path / film), "source_frames": 21}))
    with pytest.raises(Exception, match=r"holds results of 2 films \(a.mp4: epochs 0; b.mp4: epochs 1\)"):
        score_results(str(labels), str(tmp_path))
    assert len(score_results(str(labels), str(tmp_path / "scene_change_res1.npy"))) == 1


def test_a_series_results_folder_says_each_film_is_in_a_folder_of_its_own(tmp_path, capsys):
    """inference.py on several films writes each one's results into a folder of its name; the
    folder above them held "no scene_change_res<i>.npy files; run inference.py first"."""
    import pure_test
    for film in ("ep1", "ep2"):
        (tmp_path / "series" / film).mkdir(parents=True)
        write_results(tmp_path / "series" / film, 0, list(range(20)), np.zeros(20, dtype=bool))
    (tmp_path / "labels.json").write_text("[4]")
    assert pure_test.main(["--labels", str(tmp_path / "labels.json"), "--directory", str(tmp_path / "series")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / 'series'}: no scene_change_res"), lines
    assert "the results of 2 films in its folders (ep1, ep2)" in lines[0]
    assert f"--directory {tmp_path / 'series' / 'ep1'}" in lines[0] and "run inference.py first" not in lines[0]
    assert pure_test.main(["--labels", str(tmp_path / "labels.json"),
                           "--directory", str(tmp_path / "series" / "ep1")]) == 0


@pytest.mark.parametrize("reader", ["scenes", "report"])
def test_the_scene_list_and_the_report_of_a_series_folder_name_its_films(tmp_path, capsys, reader):
    """They said "no settings_<i>.json (inference.py writes it)" and "no change_scores_<i>.npy
    files; run inference.py first" of the folder above a series' results."""
    from report.__main__ import main as report_main
    from scenes.lists import main as scenes_main
    for film in ("ep1", "ep2"):
        (tmp_path / "series" / film).mkdir(parents=True)
        for name in ("change_scores_0.npy", "settings_0.json"):  # the listing alone decides
            (tmp_path / "series" / film / name).write_text("")
    assert {"scenes": scenes_main, "report": report_main}[reader]([str(tmp_path / "series")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "here, but the results of 2 films in its folders (ep1, ep2)" in lines[0], lines
    assert f"such as {tmp_path / 'series' / 'ep1'}" in lines[0] and "run inference.py first" not in lines[0]
