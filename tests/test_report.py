"""The HTML report: its pure parts on small arrays, and the report of a tiny run as a browser
would load it (every picture it references exists and is a real PNG), rebuilt from the files."""

import base64
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

import inference
import main
from conftest import TINY, encode_video, two_scene_film, write_frames
from evaluation.metrics import match_events, matched_pairs
from report.__main__ import main as report_main
from report.figures import MAX_STRIPS, strip_bounds, tsne_subset
from report.outcomes import Change, detected_changes, scene_of_each_frame, split_by_labels

def test_matched_pairs_name_the_label_each_detection_found():
    spans = np.array([[6, 6], [28, 33]])
    pairs = matched_pairs([5, 20, 30, 31], spans, tolerance=1)
    assert pairs == [(5, 0), (30, 1)] and match_events([5, 20, 30, 31], spans, 1) == 2


def test_detections_split_into_hits_false_alarms_and_misses():
    scores = np.full(60, -3.0)
    scores[[5, 20, 40]] = [2.0, 0.5, 1.0]
    scores[50] = -0.2
    flags = np.zeros(60, dtype=bool)
    flags[[5, 20, 40]] = True
    detected = detected_changes(flags, scores, np.array([5, 40, 20, 50]), np.array([2.0, 1.0, 0.5, -0.2]))
    assert [c.pair for c in detected] == [5, 40, 20]
    labels, spans = np.array([6, 30, 50]), np.array([[6, 6], [30, 30], [47, 52]])
    outcome = split_by_labels(detected, scores, labels, spans, tolerance=2)
    assert [(c.pair, c.label) for c in outcome.hits] == [(5, 6)]
    assert [c.pair for c in outcome.false_alarms] == [40, 20]
    missed = outcome.misses  # the nearest miss (highest score over its span) first
    assert [(c.pair, c.first, c.last) for c in missed] == [(50, 47, 52), (30, 30, 30)]
    assert missed[0].score == pytest.approx(-0.2)


def test_a_hit_on_a_gradual_transition_shows_the_pictures_outside_it():
    detected = [Change(pair=12, first=12, last=12, score=1.0)]
    outcome = split_by_labels(detected, np.zeros(30), np.array([11]), np.array([[9, 14]]), tolerance=2)
    hit = outcome.hits[0]
    assert (hit.pair, hit.first, hit.last, hit.label) == (12, 9, 14, 11)


def test_scene_of_each_frame_starts_a_scene_after_each_change():
    assert scene_of_each_frame(np.array([1, 3]), 6).tolist() == [0, 0, 1, 1, 2, 2]


def test_a_sixteen_bit_frame_shows_its_picture_in_the_report_not_white(tmp_path):
    """The report's pictures read the source as the cache does: 16-bit grey scaled down, not clipped."""
    from data.cache import load_frames
    from report.frames import film_pictures, save_before_after
    folder = tmp_path / "grey16"
    folder.mkdir()
    for n, level in enumerate([10000, 10000, 50000, 50000]):
        Image.fromarray(np.full((24, 32), level, dtype=np.uint16)).save(folder / f"frame_{n}.png")
    pictures = film_pictures(load_frames(str(folder), size=16, show_progress=False), [1, 2])
    assert [pictures[i].mode for i in (1, 2)] == ["RGB", "RGB"] and pictures[1].size == (32, 24)
    assert [np.asarray(pictures[i]).mean() for i in (1, 2)] == [39.0, 195.0]  # 10000 / 257 and 50000 / 257
    shown = np.asarray(Image.open(save_before_after(pictures[1], pictures[2], str(tmp_path / "change.png"))))
    assert shown.shape[0] == 110 and shown[:, :40].mean() == 39.0 and shown[:, -40:].mean() == 195.0


def test_strips_are_whole_minutes_and_few_on_long_films():
    assert strip_bounds(200.0) == [(0.0, 60.0), (60.0, 120.0), (120.0, 180.0), (180.0, 240.0)]
    three_hours = strip_bounds(3 * 3600.0)
    assert len(three_hours) <= MAX_STRIPS and (three_hours[0][1] % 60) == 0
    assert three_hours[-1][0] < 3 * 3600.0 <= three_hours[-1][1]
    assert len(tsne_subset(100)) == 100 and len(tsne_subset(100_000)) <= 2000


@pytest.fixture
def tiny_run(two_scene_folder, tmp_path):
    """A 40-frame film (change at pair 19) trained 2 epochs, detected with --report and labels."""
    run, cache = tmp_path / "run", str(tmp_path / "frame_cache")
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array([19]))
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(run), "--max_iters", "2",
                      "--cache_dir", cache, *TINY]) == 0
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(run), "--cache_dir", cache,
                           "--report", "--labels", str(labels)]) == 0
    return run, cache, labels


def referenced_files(page_path):
    """Every src and href of the page that is not a link inside it."""
    with open(page_path) as handle:
        html = handle.read()
    return html, [ref for ref in re.findall(r'(?:src|href)="([^"]+)"', html) if not ref.startswith("#")]


def check_pictures(run, references):
    for ref in references:
        path = os.path.join(run, ref)
        assert os.path.isfile(path), f"{ref} is referenced but missing"
        with Image.open(path) as image:
            assert image.format == "PNG", ref
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
            assert 60 <= width <= 3000 and 60 <= height <= 3000, f"{ref} is {width}x{height}"


@pytest.mark.slow
def test_report_of_a_tiny_run_references_only_pictures_beside_it(tiny_run):
    run, cache, _ = tiny_run
    html, references = referenced_files(run / "report.html")
    assert not re.search(r"(https?:)?//", " ".join(references)) and "<script" not in html
    assert all(ref.startswith("report_files/") for ref in references)
    check_pictures(run, references)
    names = set(os.listdir(run / "report_files"))
    assert {"score_film.png", "reconstructions.png", "tsne.png", "loss_history.png"} <= names
    assert names == {os.path.basename(ref) for ref in references}  # nothing written that the page does not show
    assert "Hits: " in html and "False alarms: " in html and "Misses: " in html
    assert "Scenes and their shots: " in html and "scene_000.png" in names  # the scene level, as rows of shots
    assert "hidden_dims" in html and "8 16" in html  # main.py's settings


@pytest.mark.slow
def test_report_rebuilds_from_the_files_without_labels(tiny_run):
    run, cache, _ = tiny_run
    shutil.rmtree(run / "report_files")
    os.remove(run / "report.html")
    assert report_main([str(run), "--cache_dir", cache]) == 0
    html, references = referenced_files(run / "report.html")
    check_pictures(run, references)
    assert "Detected changes: " in html and "Hits: " not in html

    assert report_main([str(run), "--cache_dir", cache, "--embed"]) == 0
    with open(run / "report_embedded.html") as handle:
        embedded = handle.read()
    assert "report_files/" not in embedded
    pictures = re.findall(r'src="data:image/png;base64,([^"]+)"', embedded)
    assert len(pictures) == html.count("<img ")
    for data in pictures:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_report_of_a_folder_without_results_is_a_one_line_error(tmp_path, capsys):
    assert report_main([str(tmp_path)]) == 2
    assert "run inference.py first" in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["nan", "-1", "0", "inf"])
def test_the_reports_fps_is_a_frame_rate_or_one_line(tmp_path, capsys, rate):
    # nan ended in a traceback from the timecodes, and -1, 0 or inf wrote a report of such times
    with pytest.raises(SystemExit) as stop:
        report_main([str(tmp_path), "--fps", rate])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"argument --fps: expected a frame rate from 0.001 to 1000 frames per second, got {rate}" \
        in lines[0], lines


@pytest.mark.parametrize("option", ["--labels", "--image_folder", "--model_folder"])
def test_an_empty_path_given_to_the_report_is_refused_not_ignored(tmp_path, capsys, option):
    # --labels '' (an unset shell variable) wrote the report without its hits and misses, exit 0
    with pytest.raises(SystemExit) as stop:
        report_main([str(tmp_path), option, ""])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: python -m report: {option}: an empty path (see python -m report --help)"]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("epoch", ["7", "-1"])
def test_a_report_of_an_epoch_the_folder_has_no_results_of_names_those_it_has(tmp_path, capsys, epoch):
    (tmp_path / "change_scores_0.npy").write_bytes(b"")  # the listing alone decides
    (tmp_path / "change_scores_2.npy").write_bytes(b"")
    assert report_main([str(tmp_path), "--epoch", epoch]) == 2
    # it said "scenes_7.json: unreadable scene list (FileNotFoundError: ...)"
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"error: {tmp_path}: no results of epoch {epoch} (it holds those of epoch 0, 2); give --epoch "
                     "one of those, or leave it out for the newest"], lines


def test_a_model_folder_given_to_the_report_that_is_not_there_is_one_line(tmp_path, capsys):
    # the report was written without its training section, exit 0, for a mistyped --model_folder
    assert report_main([str(tmp_path), "--model_folder", str(tmp_path / "runz")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"error: {tmp_path / 'runz'}: no such model folder"], lines


@pytest.mark.slow
def test_report_opens_in_a_browser(tiny_run, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); the browser test needs it")
    run, _, _ = tiny_run
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1200,2400", f"--screenshot={shot}", (run / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.shape[:2] == (2400, 1200)
    drawn = (pixels < 240).any(axis=2)
    # text and pictures fill the page from the top: the score strip, the cards and the map are drawn
    assert drawn[:1200].mean() > 0.05 and drawn[1200:].mean() > 0.02
    assert len(np.unique(pixels.reshape(-1, 3)[::37], axis=0)) > 200  # photographs, not only text


def test_a_film_read_otherwise_than_its_results_says_how_it_was_read(tmp_path):
    from report.run_files import open_film
    from utils.errors import UserError
    film = write_frames(tmp_path / "film", two_scene_film(6))
    # it said "6 frames at --fps None", an option that takes no such value
    with pytest.raises(UserError, match=r"film: 6 frames \(every frame read, with no --fps\), but the results hold 3; "
                                        r"give the --fps inference.py was run with$"):
        open_film(film, 3, str(tmp_path / "cache"), None)


@pytest.mark.slow
def test_report_of_a_sampled_video_counts_source_frames(tmp_path):
    """With --fps the results count kept frames; the report moves the labels onto their pairs (as
    pure_test.py does) and names the source frames either side of a change."""
    video = str(encode_video(tmp_path / "film.mp4", two_scene_film(48)))
    run, cache = tmp_path / "run", str(tmp_path / "frame_cache")
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array([23]))  # the change between source frames 23 and 24
    assert main.main(["--train_folder", video, "--output_folder", str(run), "--max_iters", "2", "--fps", "12",
                      "--cache_dir", cache, *TINY]) == 0
    assert inference.main(["--image_folder", video, "--model_folder", str(run), "--fps", "12", "--cache_dir", cache,
                           "--report", "--labels", str(labels)]) == 0
    html, references = referenced_files(run / "report.html")
    check_pictures(run, references)
    assert "24 kept of 48 (00:00:02.000, 24 fps)" in html
    assert re.search(r"frames 22 \| 24", html)  # the kept frames either side of the change, by source number
