"""Nothing lost: a refused, failed or killed run leaves the earlier results whole (the same files,
byte for byte), a results folder holds one run's set or another's, never a mix, and two runs
never write into one folder at once."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

import pure_test
from conftest import ROOT, detect, one_error_line, train_briefly
from scenes import lists as scenes
from utils.folder_lock import LOCK_NAME, StaleLockWarning, folder_lock
from utils.result_sets import epoch_files
from utils.run_folder import read_source
from utils.staging import staging_folders, unfinished_swaps

def snapshot(folder):
    """{relative path: sha256} of every file under `folder`, hidden ones included."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return found


def one_frame_film(tmp_path):
    single = tmp_path / "single"
    single.mkdir()
    Image.fromarray(np.zeros((24, 32, 3), dtype=np.uint8)).save(single / "frame_0.png")
    return single


@pytest.fixture
def trained(two_scene_folder, tmp_path):
    out = tmp_path / "run"
    assert train_briefly(two_scene_folder, out) == 0
    return out


@pytest.mark.slow
def test_overwrite_keeps_the_earlier_run_when_the_new_input_is_refused(two_scene_folder, trained, tmp_path, capsys):
    # results beside the checkpoints
    assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(trained)) == 0
    before = snapshot(trained)
    assert sorted(before) == sorted([n for n in os.listdir(trained)])  # no lock or staging left
    capsys.readouterr()
    assert train_briefly(tmp_path / "missing.mp4", trained, "--overwrite") == 2
    one_error_line(capsys.readouterr().err, "missing.mp4", "no such folder or video file")
    assert snapshot(trained) == before
    assert train_briefly(one_frame_film(tmp_path), trained, "--overwrite") == 2
    one_error_line(capsys.readouterr().err, "needs at least two frames")
    assert snapshot(trained) == before
    # a run that diverges in its first epoch never replaced anything either
    assert train_briefly(two_scene_folder, trained, "--overwrite", "--lr", "1e6", "--epoch_frames", "16") == 2
    one_error_line(capsys.readouterr().err, "training diverged in epoch 0")
    assert snapshot(trained) == before
    # the same --overwrite with good input replaces the run
    assert train_briefly(two_scene_folder, trained, "--overwrite", "--seed", "4") == 0
    after = snapshot(trained)
    assert not any(name.startswith(("scene_change_res", "result_source")) for name in after)
    assert [n for n in after if n.startswith("model_state_")] and after != before


@pytest.mark.slow
def test_inference_overwrite_keeps_the_earlier_results_when_refused(two_scene_folder, trained, tmp_path, capsys):
    results = tmp_path / "results"
    other = tmp_path / "other"
    assert train_briefly(two_scene_folder, other, "--seed", "9") == 0
    assert detect(two_scene_folder, "--model_folder", str(other), "--results_folder", str(results)) == 0
    before = snapshot(results)
    capsys.readouterr()
    assert detect(one_frame_film(tmp_path), "--model_folder", str(trained), "--results_folder", str(results),
                  "--overwrite") == 2
    one_error_line(capsys.readouterr().err, "needs at least two frames")
    assert snapshot(results) == before
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array([500]))  # a change at pair 500: another, longer film's labels
    assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(results),
                  "--overwrite", "--report", "--labels", str(labels)) == 2
    one_error_line(capsys.readouterr().err, "labels.npy")
    assert snapshot(results) == before
    assert sorted(os.listdir(tmp_path)) == sorted(["cache", "frames", "labels.npy", "other", "results", "run",
                                                   "single"])  # no staging folder left beside it


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["full disk", "ctrl-c"])
def test_a_rerun_that_fails_while_writing_leaves_the_earlier_set(two_scene_folder, trained, tmp_path, capsys,
                                                                monkeypatch, fault):
    results = tmp_path / "results"
    assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(results)) == 0
    before = snapshot(results)
    real_save, saves = np.save, []

    def fail_midway(handle, array, *args, **kwargs):
        saves.append(1)
        if len(saves) == 4:
            raise OSError(28, "No space left on device") if fault == "full disk" else KeyboardInterrupt()
        return real_save(handle, array, *args, **kwargs)

    monkeypatch.setattr(np, "save", fail_midway)
    capsys.readouterr()
    code = detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(results),
                  "--threshold", "0.5")
    err = capsys.readouterr().err
    if fault == "full disk":
        assert code == 2
        one_error_line(err, str(results), "cannot be written", "No space left on device")
        assert ".staging" not in err
    else:
        assert code == 130
    assert snapshot(results) == before
    assert staging_folders(str(results)) == []


@pytest.mark.slow
def test_readers_refuse_a_set_mixed_from_two_runs(two_scene_folder, trained, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(first)) == 0
    assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(second),
                  "--threshold", "0.2", "--min_scene_len", "0.5") == 0
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array([19]))
    assert pure_test.main(["--labels", str(labels), "--directory", str(first)]) == 0
    assert scenes.main([str(first)]) == 0
    # a file of the other run, as a rerun killed midway left it before this release
    differing = [name for name in ("scene_change_flags_0.npy", "change_confidence_0.npy", "scenes_0.csv")
                 if (first / name).read_bytes() != (second / name).read_bytes()]
    assert differing, "the two runs wrote the same files"
    mixed = differing[0]
    (first / mixed).write_bytes((second / mixed).read_bytes())
    capsys.readouterr()
    assert pure_test.main(["--labels", str(labels), "--directory", str(first)]) == 2
    one_error_line(capsys.readouterr().err, str(first), "do not all come from one run",
                   f"{mixed} is not the file the run wrote")
    assert scenes.main([str(first)]) == 2
    one_error_line(capsys.readouterr().err, "do not all come from one run")
    from report.__main__ import main as report_main
    assert report_main([str(first)]) == 2
    one_error_line(capsys.readouterr().err, "do not all come from one run")
    # a file missing, or one more than the record lists
    (first / mixed).write_bytes((second / mixed).read_bytes())
    os.remove(first / mixed)
    assert pure_test.main(["--labels", str(labels), "--directory", str(first)]) == 2
    one_error_line(capsys.readouterr().err, f"{mixed} is missing")


@pytest.mark.slow
def test_a_second_run_into_a_locked_folder_is_refused_naming_the_first(two_scene_folder, trained, tmp_path, capsys):
    before = snapshot(trained)
    with folder_lock(str(trained), "output folder", "main.py"):
        holder = json.loads((trained / LOCK_NAME).read_text())
        assert train_briefly(two_scene_folder, trained, "--resume", "--max_iters", "2") == 2
        one_error_line(capsys.readouterr().err, str(trained), "in use by another run", f"pid {os.getpid()}",
                       holder["host"], holder["started"])
        assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(trained)) == 2
        one_error_line(capsys.readouterr().err, "results folder is in use by another run", f"pid {os.getpid()}")
    assert snapshot(trained) == before
    assert not (trained / LOCK_NAME).exists()


@pytest.mark.slow
def test_a_stale_lock_is_taken_over_with_a_warning(two_scene_folder, trained, tmp_path, capsys):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (trained / LOCK_NAME).write_text(json.dumps({"pid": int(gone.stdout), "host": "elsewhere",
                                                 "started": "2024-01-01T00:00:00"}))
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert train_briefly(two_scene_folder, trained, "--resume", "--max_iters", "2") == 0
    stale = [w for w in caught if issubclass(w.category, StaleLockWarning)]
    assert len(stale) == 1 and f"pid {int(gone.stdout)} on elsewhere" in str(stale[0].message)
    assert not (trained / LOCK_NAME).exists()
    assert len([n for n in os.listdir(trained) if n.startswith("model_state_")]) == 2


KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
kill_at, calls, real = int(sys.argv[1]), [0], os.replace
def replace(*args, **kwargs):
    calls[0] += 1
    if calls[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
os.replace = replace
import inference
code = inference.main(sys.argv[2:])
print("renames", calls[0], file=sys.stderr)
sys.exit(code)
"""


def one_complete_set(results, epoch=0):
    """The detection id of the one whole result set of `epoch` in `results`: every file its
    record lists, with the checksum listed, and no other."""
    record = read_source(str(results), epoch)
    assert record is not None and isinstance(record.get("files"), dict)
    files = snapshot(results)
    assert sorted(epoch_files(str(results), epoch, any_result=True)) == sorted(record["files"])
    for rel, entry in record["files"].items():
        assert files[rel] == entry["sha256"], rel
    return record["detection"]


@pytest.mark.slow
def test_sigkill_at_any_point_of_a_rerun_leaves_one_whole_set(two_scene_folder, trained, tmp_path):
    results = tmp_path / "results"
    assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(results),
                  "--save_images") == 0
    old = one_complete_set(results)
    old_files = snapshot(results)
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(root=ROOT))
    rerun = ["--image_folder", two_scene_folder, "--model_folder", str(trained), "--results_folder", str(results),
             "--threshold", "0.4"]

    def run(kill_at):
        return subprocess.run([sys.executable, str(script), str(kill_at), *rerun], cwd=ROOT, capture_output=True,
                              text=True)

    counted = run(0)  # no kill: how many renames a whole rerun makes, staging and swap
    assert counted.returncode == 0, counted.stderr[-2000:]
    renames = int(counted.stderr.rsplit("renames", 1)[1])
    assert one_complete_set(results) != old
    new_set = len(snapshot(results))
    journal = renames - new_set  # the staging writes, then the journal, then one rename per new file
    outcomes = {}
    for kill_at in sorted({1, journal // 2, journal, journal + 1, journal + 5, renames}):
        assert detect(two_scene_folder, "--model_folder", str(trained), "--results_folder", str(results),
                      "--save_images") == 0  # the set a killed rerun replaces
        assert staging_folders(str(results)) == []  # what earlier killed runs left is gone
        old = one_complete_set(results)
        old_files = snapshot(results)
        killed = run(kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr[-2000:])
        assert (results / LOCK_NAME).exists()  # a stale lock, which the next run takes over
        if kill_at <= journal:  # killed before its swap: the old set, byte for byte
            assert not unfinished_swaps(str(results))
            assert {k: v for k, v in snapshot(results).items() if k != LOCK_NAME} == old_files
        else:  # in its swap: the journal says how to finish it
            assert unfinished_swaps(str(results))
        # what any reader or the next run does first: a swap cut short is finished
        assert scenes.main([str(results)]) == 0
        found = one_complete_set(results)
        outcomes[kill_at] = "old" if found == old else "new"
        if found == old:
            assert {k: v for k, v in snapshot(results).items() if k != LOCK_NAME} == old_files
        assert not unfinished_swaps(str(results))
    assert outcomes == {k: "old" if k <= journal else "new" for k in outcomes}, outcomes
