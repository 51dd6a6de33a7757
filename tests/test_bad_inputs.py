"""Inputs that used to be misread or end in a traceback: 16-bit frames, folders that cannot be
written or read, labels that are not whole frame numbers, --fps results; and outputs that follow
the umask."""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest
from PIL import Image

import inference
import main
import pure_test
from conftest import ROOT, TINY, encode_video, one_error_line, train_briefly
from data.cache import load_frames
from data.frames import read_frame
from evaluation.labels import labels_on_sampled_pairs, load_labels
from utils.errors import UserError
from utils.run_folder import run_files

@pytest.mark.slow
def test_a_film_of_one_frame_is_refused_by_training_and_inference(two_scene_folder, tmp_path, capsys):
    single = tmp_path / "single"
    single.mkdir()
    Image.fromarray(np.zeros((24, 32, 3), dtype=np.uint8)).save(single / "frame_0.png")
    assert train_briefly(str(single), tmp_path / "run") == 2
    one_error_line(capsys.readouterr().err, str(single), "needs at least two frames")
    assert run_files(str(tmp_path / "run")) == []
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    capsys.readouterr()
    assert inference.main(["--image_folder", str(single), "--model_folder", str(tmp_path / "run")]) == 2
    one_error_line(capsys.readouterr().err, str(single), "needs at least two frames")


def test_sixteen_bit_grey_frames_keep_their_picture(tmp_path):
    folder = tmp_path / "grey16"
    folder.mkdir()
    for n, level in enumerate([10000, 10000, 50000, 50000]):
        Image.fromarray(np.full((24, 32), level, dtype=np.uint16)).save(folder / f"frame_{n}.png")
    with Image.open(folder / "frame_0.png") as image:
        assert image.mode.startswith("I")  # read by Pillow as 16-bit, which it would clip to white
    cache = load_frames(str(folder), size=16, show_progress=False)
    levels = cache.frames.reshape(4, -1).mean(axis=1)
    assert levels.tolist() == [39.0, 39.0, 195.0, 195.0]  # 10000 / 257 and 50000 / 257
    Image.fromarray(np.full((8, 8), 0.5, dtype=np.float32)).save(tmp_path / "float.tif")
    with pytest.raises(UserError, match="float.tif: 32-bit float image"):
        read_frame(str(tmp_path / "float.tif"), 16)
    Image.fromarray(np.full((8, 8), 3_000_000, dtype=np.int32)).save(tmp_path / "int32.tif")
    with pytest.raises(UserError, match="int32.tif: 32-bit integer image"):  # not read as pure white
        read_frame(str(tmp_path / "int32.tif"), 16)


@pytest.mark.slow
def test_folders_through_a_file_are_refused_before_any_work(two_scene_folder, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert train_briefly(two_scene_folder, blocker / "run") == 2
    one_error_line(capsys.readouterr().err, str(blocker / "run"), "output folder cannot be created", "is a file")
    assert not (tmp_path / "cache").exists()  # refused before the frames were read
    assert train_briefly(two_scene_folder, blocker) == 2
    one_error_line(capsys.readouterr().err, str(blocker), "output folder is a file")
    assert train_briefly(two_scene_folder, tmp_path / "run", "--val_folder", str(tmp_path / "missing")) == 2
    one_error_line(capsys.readouterr().err, str(tmp_path / "missing"), "no such folder or video file")
    assert not (tmp_path / "cache").exists()  # found before the training frames were cached
    assert train_briefly(two_scene_folder, tmp_path / "run", "--cache_dir", str(blocker / "cache")) == 2
    one_error_line(capsys.readouterr().err, str(blocker), "cache folder cannot be created")
    assert run_files(str(tmp_path / "run")) == []
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    capsys.readouterr()
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
                           "--results_folder", str(blocker / "results")]) == 2
    one_error_line(capsys.readouterr().err, str(blocker / "results"), "results folder cannot be created")


def run_as_another_user(command, workspace):
    """Run `command` as a user without root's right to ignore permissions."""
    env = dict(os.environ, REPRO_VAE_CACHE=os.path.join(workspace, "cache"), HOME=workspace,
               MPLCONFIGDIR=os.path.join(workspace, "mpl"), PYTHONPATH=ROOT)
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: permissions cannot be checked")
        as_other = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(as_other + [sys.executable, "-c", f"open({os.path.join(ROOT, 'main.py')!r}).close()"],
                               cwd="/", env=env, capture_output=True, text=True)
        if probe.returncode != 0:  # a checkout inside a private folder (mktemp -d makes one, mode 700)
            pytest.skip(f"another user cannot run this checkout's Python and scripts: {probe.stderr.strip()[-200:]}")
        command = as_other + command
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_folders_that_cannot_be_written_or_read_say_so(two_scene_folder):
    workspace = tempfile.mkdtemp()
    try:
        os.chmod(workspace, 0o777)
        frames = shutil.copytree(two_scene_folder, os.path.join(workspace, "frames"))
        for name in os.listdir(frames):
            os.chmod(os.path.join(frames, name), 0o644)
        os.chmod(frames, 0o755)
        locked = os.path.join(workspace, "locked")
        os.mkdir(locked, 0o555)
        os.chmod(locked, 0o555)
        script = [sys.executable, "main.py", "--train_folder", frames, *TINY, "--max_iters", "1"]
        done = run_as_another_user(script + ["--output_folder", locked], workspace)
        assert done.returncode == 2
        one_error_line(done.stderr, f"{locked}: the output folder cannot be written (Permission denied)")
        assert not os.path.exists(os.path.join(workspace, "cache"))  # before the frames were read
        done = run_as_another_user(script + ["--output_folder", os.path.join(workspace, "run"),
                                             "--cache_dir", os.path.join(locked, "cache")], workspace)
        assert done.returncode == 2
        one_error_line(done.stderr, "the cache folder cannot be written (Permission denied)")
        os.chmod(frames, 0o000)
        done = run_as_another_user(script + ["--output_folder", os.path.join(workspace, "run")], workspace)
        assert done.returncode == 2
        one_error_line(done.stderr, f"{frames}: the folder of frames cannot be read (Permission denied)")
        video = str(encode_video(os.path.join(workspace, "film.mp4"), np.zeros((4, 16, 16, 3), dtype=np.uint8)))
        os.chmod(video, 0o000)
        done = run_as_another_user(script[:3] + [video] + script[4:] + ["--output_folder", os.path.join(workspace, "run")],
                                   workspace)
        assert done.returncode == 2
        one_error_line(done.stderr, f"{video}: cannot be read (permission denied)")
        assert run_files(os.path.join(workspace, "run")) == []
    finally:
        for root, folders, _ in os.walk(workspace):
            for name in folders:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(workspace)


@pytest.mark.slow
def test_outputs_follow_the_umask(two_scene_folder, tmp_path, isolated_cache):
    previous = os.umask(0o002)
    try:
        assert train_briefly(two_scene_folder, tmp_path / "run") == 0
        assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
                               "--save_images"]) == 0
    finally:
        os.umask(previous)
    written = run_files(str(tmp_path / "run"))
    assert {os.path.splitext(p)[1] for p in written} >= {".pkl", ".npy", ".csv", ".json", ".png", ""}
    for path in written:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == (0o775 if os.path.isdir(path) else 0o664), (path, oct(mode))
    caches = [entry.path for entry in os.scandir(isolated_cache) if entry.is_dir()]
    assert caches and all(stat.S_IMODE(os.stat(c).st_mode) == 0o775 for c in caches)


@pytest.mark.slow
@pytest.mark.parametrize("name,content,message", [
    ("floats.json", "[3, 7.5]", "7.5 is not a whole frame index"),
    ("flags.json", "[3, true]", "True is not a frame index"),
    ("strings.json", '{"labels": [3, "8"]}', "'8' is not a frame index"),
    ("fraction_first.txt", "1.5\n3\n", "1.5 is not a whole frame index"),
    ("negative.txt", "4\n-2\n", "negative frame index -2"),
    ("huge.txt", "1e30\n", "too large to be a frame index"),
    ("underscore.txt", "4\n1_9\n", "'1_9' is not a frame index"),
])
def test_labels_are_never_changed_silently(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        load_labels(str(path), "first_frame" if name == "negative.txt" else "pair")
    np.save(tmp_path / "scene_change_res0.npy", np.arange(20))
    assert pure_test.main(["--labels", str(path), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, str(path), message)


def test_whole_labels_are_read_and_frame_zero_is_said_to_be_left_out(tmp_path):
    (tmp_path / "whole.json").write_text("[3, 7.0]")
    assert load_labels(str(tmp_path / "whole.json")).tolist() == [3, 7]
    (tmp_path / "header.csv").write_text("frame\n4\n9\n")
    assert load_labels(str(tmp_path / "header.csv")).tolist() == [4, 9]
    (tmp_path / "first.txt").write_text("0\n5\n")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert load_labels(str(tmp_path / "first.txt"), "first_frame").tolist() == [4]
    assert len(said) == 1 and "frame 0 is where the film starts" in str(said[0].message)


@pytest.mark.parametrize("name,content,convention", [("zero.txt", "0\n", "first_frame"),
                                                      ("zero.json", '{"boundaries": [{"frame": 0}]}', "pair")])
def test_labels_of_frame_zero_alone_are_not_said_to_be_no_labels(tmp_path, capsys, name, content, convention):
    (tmp_path / name).write_text(content)
    np.save(tmp_path / "scene_change_res0.npy", np.arange(20))
    # a warning left frame 0 out, then "no labels in the file", of a file with a label
    assert pure_test.main(["--labels", str(tmp_path / name), "--directory", str(tmp_path),
                           "--label_convention", convention]) == 2
    one_error_line(capsys.readouterr().err, f"{name}: its one label is frame 0, where the film starts")


@pytest.mark.slow
def test_the_range_of_labels_is_checked_when_the_ranking_was_cut_short(tmp_path, capsys):
    np.save(tmp_path / "labels.npy", np.array([3, 30]))
    np.save(tmp_path / "scene_change_res0.npy", np.array([3, 7]))  # --top_K 2 of 19 pairs
    np.save(tmp_path / "scene_change_flags_0.npy", np.zeros(19, dtype=bool))
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, "label 30 is out of range", "has only 19 frame pairs")
    os.remove(tmp_path / "scene_change_flags_0.npy")  # nothing says how many pairs there were
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(tmp_path)]) == 0
    assert len(said) == 1 and "the labels' range is not checked" in str(said[0].message)


def test_a_first_frame_label_past_the_film_is_named_as_the_file_gives_it(tmp_path, capsys):
    np.save(tmp_path / "scene_change_res0.npy", np.arange(19))
    np.save(tmp_path / "scene_change_flags_0.npy", np.zeros(19, dtype=bool))  # 20 frames, 0..19
    (tmp_path / "labels.txt").write_text("5\n20\n")
    (tmp_path / "labels.json").write_text('{"boundaries": [{"frame": 5}, {"frame": 20}]}')
    # it said "label 19 is out of range: ... has only 19 frame pairs", of a file that holds no 19
    for labels, convention in (("labels.txt", "first_frame"), ("labels.json", "pair")):
        assert pure_test.main(["--labels", str(tmp_path / labels), "--directory", str(tmp_path),
                               "--label_convention", convention]) == 2
        one_error_line(capsys.readouterr().err, f"{labels}: label 20 (the first frame of a shot) is out of range",
                       "has only 20 frames (0..19)")


def test_labels_move_onto_the_pairs_of_sampled_frames():
    kept = np.arange(0, 48, 2)  # --fps 12 of a 24 fps film
    labels, spans = labels_on_sampled_pairs(np.array([24, 25, 40]), np.array([[24, 24], [25, 25], [37, 44]]),
                                            kept, "l.npy", "res")
    assert labels.tolist() == [12, 20] and spans.tolist() == [[12, 12], [18, 22]]  # 24 and 25 both lie in 24|26
    with pytest.raises(UserError, match="label 46 is out of range: res covers source frames 0..46"):
        labels_on_sampled_pairs(np.array([46]), np.array([[46, 46]]), kept, "l.npy", "res")


@pytest.mark.slow
def test_fps_results_carry_source_frames_and_the_scene_list_covers_the_video(two_scene_folder, tmp_path, capsys):
    frames = np.zeros((48, 32, 32, 3), dtype=np.uint8)
    frames[:25] = (30, 60, 200)
    frames[25:] = (200, 50, 40)
    video = str(encode_video(tmp_path / "film.mp4", frames, rate=24))
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    assert inference.main(["--image_folder", video, "--model_folder", str(tmp_path / "run"), "--fps", "12"]) == 0
    index = np.load(tmp_path / "run" / "frame_index_0.npy")
    assert index.tolist() == list(range(0, 48, 2)) and np.load(tmp_path / "run" / "kld_scores_0.npy").size == 23
    scenes = json.loads((tmp_path / "run" / "scenes_0.json").read_text())["scenes"]
    assert scenes[-1]["end_frame"] == 47 and scenes[-1]["end_time"] == pytest.approx(2.0, abs=0.01)
    np.save(tmp_path / "labels.npy", np.array([24]))  # source pair 24|25 is sampled pair 12 (frames 24|26)
    capsys.readouterr()
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(tmp_path / "run")]) == 0
    assert "(1 labels" in capsys.readouterr().out
    np.save(tmp_path / "labels.npy", np.array([47]))
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(tmp_path / "run")]) == 2
    one_error_line(capsys.readouterr().err, "label 47 is out of range", "covers source frames 0..46")


@pytest.mark.slow
def test_huge_batches_and_transitions_cost_no_more_than_the_film(two_scene_folder, tmp_path):
    from data.cache import frame_batches
    cache = load_frames(two_scene_folder, size=16, show_progress=False)
    batches = list(frame_batches(cache, 10 ** 12))  # a buffer of --bs frames would not fit in memory
    assert [b.shape for b in batches] == [(40, 3, 16, 16)]
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
                           "--bs", "100000000", "--transition_seconds", "1e9"]) == 0
    assert np.load(tmp_path / "run" / "scene_change_flags_0.npy").shape == (39,)


@pytest.mark.slow
def test_inference_checks_its_labels_before_any_work(two_scene_folder, tmp_path, capsys):
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    results = tmp_path / "results"
    detect = ["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
              "--results_folder", str(results), "--report"]
    capsys.readouterr()
    assert inference.main(detect + ["--labels", str(tmp_path / "missing.json")]) == 2
    one_error_line(capsys.readouterr().err, "missing.json: no such labels file")
    (tmp_path / "broken.json").write_text("{not json")
    assert inference.main(detect + ["--labels", str(tmp_path / "broken.json")]) == 2
    one_error_line(capsys.readouterr().err, "broken.json: unreadable labels")
    (tmp_path / "far.json").write_text("[5, 500]")
    assert inference.main(detect + ["--labels", str(tmp_path / "far.json")]) == 2
    one_error_line(capsys.readouterr().err, "far.json: label 500 is out of range", "39 frame pairs")
    assert run_files(str(results)) == []
    (tmp_path / "good.json").write_text("[19]")
    assert inference.main(detect[:-1] + ["--labels", str(tmp_path / "good.json")]) == 2
    one_error_line(capsys.readouterr().err, "good.json: inference.py reads --labels only", "--report")
    assert not results.exists()


@pytest.mark.slow
def test_text_labels_with_a_byte_order_mark_keep_their_first_label_and_others_are_not_text(tmp_path, capsys):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf5\n40\n")
    assert load_labels(str(tmp_path / "bom.txt")).tolist() == [5, 40]
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf[5, 40]")
    assert load_labels(str(tmp_path / "bom.json")).tolist() == [5, 40]
    (tmp_path / "utf16.txt").write_text("5\n40\n", encoding="utf-16")
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02\xff")
    np.save(tmp_path / "scene_change_res0.npy", np.arange(50))
    for name in ("utf16.txt", "binary.csv"):
        assert pure_test.main(["--labels", str(tmp_path / name), "--directory", str(tmp_path)]) == 2
        one_error_line(capsys.readouterr().err, f"{tmp_path / name}: not a text labels file (not UTF-8 text")


@pytest.mark.parametrize("values,message", [([19.0, 20.5], "20.5 is not a whole frame index"),
                                            ([19.0, np.nan], "nan is not a whole frame index")])
def test_npy_labels_of_fractions_name_the_value_not_the_dtype(tmp_path, capsys, values, message):
    np.save(tmp_path / "labels.npy", np.array(values))
    np.save(tmp_path / "scene_change_res0.npy", np.arange(39))
    # it said "labels must be whole frame indices, found dtype float64", a dtype [19.0] is read in
    assert pure_test.main(["--labels", str(tmp_path / "labels.npy"), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, f"{tmp_path / 'labels.npy'}: unreadable labels ({message})")
    np.save(tmp_path / "labels.npy", np.array([19.0]))
    assert load_labels(str(tmp_path / "labels.npy")).tolist() == [19]


@pytest.mark.slow
def test_npy_files_of_objects_or_tables_are_refused_plainly(tmp_path, capsys):
    np.save(tmp_path / "objects.npy", np.array([{"frame": 3}], dtype=object))
    np.save(tmp_path / "table.npy", np.array([[40, 1], [60, 2]]))
    np.savez(tmp_path / "archive.npz", labels=np.array([40, 60]))
    os.replace(tmp_path / "archive.npz", tmp_path / "archive.npy")
    (tmp_path / "text.npy").write_text("12\n40\n")
    np.save(tmp_path / "column.npy", np.array([[40], [60]]))
    assert load_labels(str(tmp_path / "column.npy")).tolist() == [40, 60]
    np.save(tmp_path / "scene_change_res0.npy", np.arange(80))
    for name, message in [("objects.npy", "not a labels file of this tool (it holds Python objects"),
                          ("table.npy", "labels must be a 1-D list of frame indices, found an array of shape (2, 2)"),
                          ("archive.npy", "not a labels file of this tool (a .npz archive, not a .npy array)"),
                          ("text.npy", "not a labels file of this tool (not a readable .npy file)")]:
        assert pure_test.main(["--labels", str(tmp_path / name), "--directory", str(tmp_path)]) == 2
        line = one_error_line(capsys.readouterr().err, f"{tmp_path / name}: {message}")
        assert "allow_pickle" not in line
    results = tmp_path / "results"
    results.mkdir()
    np.save(results / "scene_change_res0.npy", np.array([None, 3], dtype=object))
    assert pure_test.main(["--labels", str(tmp_path / "column.npy"), "--directory", str(results)]) == 2
    line = one_error_line(capsys.readouterr().err, "scene_change_res0.npy: not a result file of this tool")
    assert "allow_pickle" not in line


@pytest.mark.slow
def test_labels_that_say_they_are_of_another_film_are_refused(two_scene_folder, tmp_path, capsys):
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    results = tmp_path / "results"
    other = {"video": "other.mp4", "n_frames": 1561, "boundaries": [{"frame": 20}]}
    (tmp_path / "other.json").write_text(json.dumps(other))
    detect = ["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "run"),
              "--results_folder", str(results)]
    capsys.readouterr()
    assert inference.main(detect + ["--report", "--labels", str(tmp_path / "other.json")]) == 2
    one_error_line(capsys.readouterr().err, "other.json: labels of a film of 1561 frames", "has 40")
    assert run_files(str(results)) == []
    assert inference.main(detect) == 0
    capsys.readouterr()
    # pure_test.py reads the film's length from the record beside the results
    assert pure_test.main(["--labels", str(tmp_path / "other.json"), "--label_convention", "first_frame",
                           "--directory", str(results)]) == 2
    one_error_line(capsys.readouterr().err, "other.json: labels of a film of 1561 frames", "has 40")
    (tmp_path / "this.json").write_text(json.dumps({**other, "n_frames": 40}))
    assert pure_test.main(["--labels", str(tmp_path / "this.json"), "--label_convention", "first_frame",
                           "--directory", str(results)]) == 0


@pytest.mark.parametrize("length", ["1561", "-5", "0", "true", "2.5", "1e30"])
def test_labels_whose_stated_length_cannot_be_read_are_refused(tmp_path, length):
    from evaluation.labels import check_same_film
    labels = tmp_path / "labels.json"
    labels.write_text('{"n_frames": %s, "boundaries": [{"frame": 20}]}' % length.replace("1561", '"1561"'))
    # a length that was no positive whole number was passed over, and the labels of any film let through
    with pytest.raises(UserError, match=r'labels.json: "n_frames" must be the number of frames of the film it labels'):
        check_same_film(str(labels), 40, "results")
    labels.write_text('{"n_frames": 40.0, "boundaries": [{"frame": 20}]}')
    check_same_film(str(labels), 40, "results")


@pytest.mark.slow
def test_a_broken_film_among_several_is_refused_before_any_film_is_read(two_scene_folder, tmp_path, capsys):
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    empty = tmp_path / "zero.mp4"
    empty.write_bytes(b"")
    results = tmp_path / "results"
    capsys.readouterr()
    assert inference.main(["--image_folder", two_scene_folder, str(empty), "--model_folder",
                           str(tmp_path / "run"), "--results_folder", str(results)]) == 2
    one_error_line(capsys.readouterr().err, "zero.mp4")
    assert not results.exists() or all(run_files(str(folder)) == [] for folder in results.iterdir())


def test_a_read_failing_inside_a_write_is_not_reported_as_the_write(tmp_path):
    from utils.atomic import write_with

    def copy_a_missing_file(temporary):
        shutil.copyfile(str(tmp_path / "gone.png"), temporary)

    with pytest.raises(FileNotFoundError):
        write_with(str(tmp_path / "out.png"), copy_a_missing_file)

    def fill_the_disk(temporary):
        raise OSError(28, "No space left on device")

    with pytest.raises(UserError, match="out.png: cannot be written"):
        write_with(str(tmp_path / "out.png"), fill_the_disk)
    assert os.listdir(tmp_path) == []


def test_a_file_that_fails_inside_a_staged_folder_is_named_where_the_folder_goes(tmp_path):
    from utils.atomic import write_folder_with, write_with

    def a_picture_on_a_full_disk(folder):
        write_with(os.path.join(folder, "loss.png"), lambda temporary: (_ for _ in ()).throw(
            OSError(28, "No space left on device")))

    # it named .pictures.partial-<pid>-.../loss.png, a folder the user never sees
    with pytest.raises(UserError) as failed:
        write_folder_with(str(tmp_path / "pictures"), a_picture_on_a_full_disk)
    assert str(failed.value) == f"{tmp_path / 'pictures' / 'loss.png'}: cannot be written (No space left on device)"
    assert os.listdir(tmp_path) == []


def test_the_embedded_reports_scratch_pictures_are_named_as_the_page_and_a_killed_runs_are_deleted(tmp_path):
    from utils.atomic import LEFTOVER_PATTERN, scratch_folder, write_with
    page = str(tmp_path / "report_embedded.html")
    # python -m report --embed drew its pictures in .report_files-<random>/, which no run deleted
    # after a kill, and a picture on a full disk was named inside that folder, never seen
    (tmp_path / ".report_embedded.html.tmp-999999999-x").mkdir()  # a killed run's
    with pytest.raises(UserError) as failed:
        with scratch_folder(page) as folder:
            assert LEFTOVER_PATTERN.match(os.path.basename(folder))
            write_with(os.path.join(folder, "loss.png"), lambda temporary: (_ for _ in ()).throw(
                OSError(28, "No space left on device")))
    assert str(failed.value) == f"{page}: cannot be written (No space left on device)"
    assert os.listdir(tmp_path) == []


def test_odd_names_in_a_folder_of_frames_are_read_in_film_order(tmp_path):
    from data.frames import list_frame_files
    for name in ["frame_10.png", "frame_2.png", "frame_3\u00b2.png"]:  # 3² is no number
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / name)
    (tmp_path / "extra.png").mkdir()  # a folder is no frame, whatever its name
    names = [os.path.basename(p) for p in list_frame_files(str(tmp_path))]
    assert names == ["frame_2.png", "frame_3\u00b2.png", "frame_10.png"]


@pytest.mark.slow
def test_empty_paths_files_and_folders_in_the_wrong_place_are_refused_in_one_line(two_scene_folder, tmp_path,
                                                                                capsys):
    with pytest.raises(SystemExit, match="2"):
        train_briefly(two_scene_folder, "")
    one_error_line(capsys.readouterr().err, "--output_folder: an empty path")
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "scene_change_res0.npy", np.arange(40))
    assert pure_test.main(["--labels", str(tmp_path / "empty.npy"), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, "empty.npy: not a labels file of this tool (an empty file)")
    assert pure_test.main(["--labels", str(tmp_path), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, f"{tmp_path}: a folder, not a labels file")


def test_a_folder_of_film_folders_given_as_frames_names_them(two_scene_folder, tmp_path, capsys):
    season = tmp_path / "season"
    for episode in ("ep1", "ep2"):
        shutil.copytree(two_scene_folder, season / episode)
    # it said "no frames found (expected images named like frame_<n>.png ...)", as of misnamed frames
    assert train_briefly(season, tmp_path / "run") == 2
    one_error_line(capsys.readouterr().err, f"{season}: no frames found, only folders (ep1, ep2)",
                   f"a quoted glob of them ('{season / '*'}')")


def test_a_frame_cache_whose_record_is_not_a_record_is_built_again(two_scene_folder):
    first = load_frames(two_scene_folder, show_progress=False)
    records = [os.path.join(root, "meta.json") for root, _, files in os.walk(os.environ["REPRO_VAE_CACHE"])
               if "meta.json" in files]
    assert len(records) == 1
    with open(records[0], "w") as handle:
        handle.write("[1, 2]")
    again = load_frames(two_scene_folder, show_progress=False)
    assert np.array_equal(np.asarray(again.frames), np.asarray(first.frames))
    with open(records[0]) as handle:
        assert json.load(handle)["count"] == 40


@pytest.mark.slow
def test_the_scene_list_names_its_film_wherever_it_was_run_from(two_scene_folder, tmp_path, monkeypatch):
    from report.build import build_report
    shutil.copytree(two_scene_folder, tmp_path / "film")
    assert train_briefly(str(tmp_path / "film"), tmp_path / "run") == 0
    monkeypatch.chdir(tmp_path)
    assert inference.main(["--image_folder", "film", "--model_folder", "run"]) == 0
    recorded = json.loads((tmp_path / "run" / "scenes_0.json").read_text())["source"]
    assert recorded == str(tmp_path / "film")  # not "film": the report reads it from any folder
    os.rename(tmp_path / "film", tmp_path / "moved")
    with pytest.raises(UserError, match="film: the film of .*run .*is not there; name it with --image_folder"):
        build_report(str(tmp_path / "run"))


@pytest.mark.slow
def test_training_into_a_folder_of_another_model_s_results_is_refused_unless_overwritten(two_scene_folder, tmp_path,
                                                                                         capsys):
    assert train_briefly(two_scene_folder, tmp_path / "model") == 0
    out = tmp_path / "results"
    assert inference.main(["--image_folder", two_scene_folder, "--model_folder", str(tmp_path / "model"),
                           "--results_folder", str(out)]) == 0
    (out / "notes.txt").write_text("mine")
    assert train_briefly(two_scene_folder, out) == 2
    one_error_line(capsys.readouterr().err, "holds the results of an earlier detection (of the checkpoint of "
                   "epoch 0); pass --overwrite")
    assert train_briefly(two_scene_folder, out, "--overwrite") == 0
    assert not (out / "scene_change_res0.npy").exists() and (out / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_an_fps_that_leaves_one_frame_says_so(two_scene_folder, tmp_path, capsys):
    """A film of 24 frames sampled at 0.1 frames a second keeps one: the message names --fps,
    not the film, as what left too few."""
    video = str(encode_video(tmp_path / "film.mp4", np.zeros((24, 16, 16, 3), dtype=np.uint8), rate=24))
    assert train_briefly(video, tmp_path / "run", "--fps", "0.1") == 2
    one_error_line(capsys.readouterr().err, video, "needs at least two frames to learn what changes between them "
                   "(--fps 0.1 keeps 1 of its 24)")
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    capsys.readouterr()
    assert inference.main(["--image_folder", video, "--model_folder", str(tmp_path / "run"), "--fps", "0.1"]) == 2
    one_error_line(capsys.readouterr().err, video, "(--fps 0.1 keeps 1 of its 24)")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, a folder that takes no files")
def test_a_system_folder_that_takes_no_files_is_named_as_such():
    from utils.atomic import writable_folder
    with pytest.raises(UserError, match=r"^/proc/run: the output folder cannot be written \(/proc takes no new files\)$"):
        writable_folder("/proc/run", "output folder")


def test_a_folder_this_tool_wrote_given_as_frames_is_named_as_such(two_scene_folder, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    for epoch in range(2):  # the plots of two epochs: two "frames" that were trained on, without a word
        Image.fromarray(np.full((24, 32, 3), 40 * epoch, np.uint8)).save(run / f"change_scores_{epoch}.png")
    (run / "model_state_1_train_loss_12.5000.pkl").write_bytes(b"")
    assert train_briefly(str(run), tmp_path / "out") == 2
    one_error_line(capsys.readouterr().err, f"{run}: a folder this tool wrote (it holds model_state_1_train_loss_",
                   "not a film's frames", "this folder as inference.py's --model_folder")
    assert run_files(str(tmp_path / "out")) == []
    os.remove(run / "model_state_1_train_loss_12.5000.pkl")
    (run / "result_source_1.json").write_text("{}")  # a results folder
    assert train_briefly(two_scene_folder, tmp_path / "out", "--val_folder", str(run)) == 2
    one_error_line(capsys.readouterr().err, f"{run}: a folder this tool wrote (it holds result_source_1.json)",
                   "this folder to pure_test.py as --directory")


def test_the_images_of_a_folder_given_for_the_folder_are_told_to_give_the_folder(two_scene_folder, tmp_path, capsys):
    assert train_briefly(os.path.join(two_scene_folder, "*.png"), tmp_path / "out") == 2  # a quoted glob
    one_error_line(capsys.readouterr().err, os.path.join(two_scene_folder, "frame_0.png") + ": one image, not a film",
                   f"give the folder of frames that holds it ({two_scene_folder})")
    assert run_files(str(tmp_path / "out")) == []


def test_an_animated_picture_given_as_a_film_is_named_as_such(two_scene_folder, tmp_path, capsys):
    frames = [Image.open(os.path.join(two_scene_folder, f"frame_{n}.png")) for n in range(4)]
    film = str(tmp_path / "clip.webp")  # FFmpeg does not decode an animated WebP
    frames[0].save(film, save_all=True, append_images=frames[1:], duration=40)
    assert train_briefly(film, tmp_path / "out") == 2
    # it said "one image, not a film; give the folder of frames that holds it"
    one_error_line(capsys.readouterr().err, f"{film}: an animated picture of 4 frames, which is not read as a film",
                   "convert it to a video file")
    assert run_files(str(tmp_path / "out")) == []


def test_an_output_folder_that_is_a_broken_link_is_named_as_such(two_scene_folder, tmp_path, capsys):
    os.symlink(tmp_path / "moved" / "run", tmp_path / "run")  # the folder it pointed to is gone
    assert train_briefly(two_scene_folder, tmp_path / "run") == 2
    # it said "the output folder is a file, not a folder", of a link to nothing
    one_error_line(capsys.readouterr().err, f"{tmp_path / 'run'}: the output folder is a broken link "
                   f"(to {tmp_path / 'moved' / 'run'}), not a folder")
    assert train_briefly(two_scene_folder, tmp_path / "run" / "deeper") == 2
    one_error_line(capsys.readouterr().err, f"the output folder cannot be created, {tmp_path / 'run'} is a broken link")
    assert not (tmp_path / "moved").exists() and not (tmp_path / "cache").exists()


def test_an_output_folder_that_is_a_link_in_a_loop_is_named_as_such(tmp_path):
    from utils.atomic import writable_folder
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    # it was called "a broken link (to .../b)", of two links that lead to each other
    with pytest.raises(UserError, match=r"a: the results folder is a link in a loop \(to .*b\), not a folder$"):
        writable_folder(str(tmp_path / "a"), "results folder")
