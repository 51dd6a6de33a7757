"""The time-to-result benchmark's measures: a child's wall time and its own peak memory, and the
table that compares each method with PySceneDetect content's time."""

import sys

from benchmarks.ours import run_measured
from benchmarks.report import _time_to_result


def test_run_measured_gives_the_childs_own_peak_memory(tmp_path):
    small = run_measured([sys.executable, "-c", "pass"], str(tmp_path / "small.log"))
    touch = "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(0.5)"
    big = run_measured([sys.executable, "-c", touch], str(tmp_path / "big.log"))
    assert small[0] > 0 and big[0] > 0
    assert big[1] - small[1] > 250  # MiB: the 300 MiB the child touched, not this process's memory


def test_the_table_gives_each_method_its_ratio_to_pyscenedetect_content():
    video = {"seconds": 630.0, "source": "x/cartoon_space.mp4", "repeats": 12}
    stage = {"settings": [], "videos": [{"video": video, "rows": [
        {"method": "repro-VAE: main.py + inference.py, default settings", "seconds": 60.0, "train_seconds": 45.0,
         "detect_seconds": 15.0, "found": 50, "peak_mb": 900.0},
        {"method": "PySceneDetect content", "seconds": 40.0, "found": 11, "peak_mb": 300.0}]}]}
    lines = _time_to_result(stage)
    ours = next(line for line in lines if line.startswith("| repro-VAE"))
    assert "| 60.0 | 45 training + 15 detection | 1.50x | 900 | 50 |" in ours
    assert any(line.startswith("| PySceneDetect content | 40.0 |  | 1.00x | 300 | 11 |") for line in lines)
    assert "10.5-minute video" in "\n".join(lines)
