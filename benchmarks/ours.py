"""The repro-VAE and the baseline VAE as a user runs them: main.py, then inference.py.

Both scripts run as child processes with a cache folder of their own, so every measured
second (decoding the video, training, encoding, scoring, writing the scene list) is one the
user waits for, from the cold video file.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from utils.atomic import save_text
from utils.checkpoints import list_checkpoints
from utils.result_sets import epochs_with, load_result, open_result_set, result_path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The default training, what a user who types only the folders gets: 2 epochs of 4000 frames
# drawn from the whole film (8,000 frame-steps, whatever its length), batch 64, lr 1e-3.
RECOMMENDED_TRAINING = ()
# The paper's training, as its command line gives it: 20 full passes (their runs: 100),
# batch 256, learning rate 1e-4.
PAPER_TRAINING = ("--max_iters", "20", "--bs", "256", "--lr", "1e-4")
CPU = ("--device", "cpu")  # the benchmark compares tools on the CPU, GPU or not
VARIANTS = {
    "repro-VAE": (),  # the paper's best run: beta 4, latent 10, tau 200, LeakyReLU (the defaults)
    "baseline VAE": ("--tau", "0", "--beta", "2", "--latent_dim", "5", "--activation", "relu"),
}


class MethodFailed(RuntimeError):
    """A child process failed; the message holds the end of what it printed."""

    def __init__(self, message: str, returncode: int):
        super().__init__(message)
        self.returncode = returncode


def run_timed(command: Sequence[str], log_path: str) -> float:
    """Run `command` from the project root, its output to `log_path`; returns wall seconds."""
    return run_measured(command, log_path)[0]


def run_measured(command: Sequence[str], log_path: str) -> Tuple[float, Optional[float]]:
    """run_timed, also giving the child's own peak resident memory in MiB (None where /proc is
    missing): its VmHWM, read every 50 ms while it runs. (wait4's ru_maxrss would count this
    process's memory too: a child keeps its parent's high-water mark through fork and exec.)"""
    started = time.perf_counter()
    peak_mb = None
    with open(log_path, "w") as log:
        done = subprocess.Popen(list(command), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while done.poll() is None:
            peak_mb = _high_water_mb(done.pid) or peak_mb
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    if done.returncode:
        with open(log_path) as log:
            tail = log.read()[-600:].strip().splitlines()
        raise MethodFailed(f"{' '.join(command[:3])} ... exited {done.returncode}: {tail[-1] if tail else ''}",
                           done.returncode)
    return seconds, peak_mb


def _high_water_mb(pid: int) -> Optional[float]:
    """The peak resident memory of a running process so far, in MiB (None when not readable)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next((l for l in status if l.startswith("VmHWM:")), None)
    except OSError:
        return None
    return int(line.split()[1]) / 1024 if line else None


def train(video: str, folder: str, variant: str, seed: int, training: Sequence[str] = RECOMMENDED_TRAINING,
          extra: Sequence[str] = (), cache: Optional[str] = None) -> Dict:
    """Train one model on `video` in a fresh `folder`; returns {"seconds", "history",
    "checkpoints", "frames" (how many it trained on)}. The frame cache goes to `cache`
    (default: a cold one of its own, removed afterwards)."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    own_cache = cache is None
    cache = cache or os.path.join(folder, "cache")
    command = [sys.executable, "main.py", "--train_folder", video, "--output_folder", folder,
               "--cache_dir", cache, "--seed", str(seed), *CPU, *training, *VARIANTS[variant], *extra]
    seconds, peak_mb = run_measured(command, os.path.join(folder, "train.log"))
    if own_cache:
        shutil.rmtree(cache, ignore_errors=True)
    with open(os.path.join(folder, "loss_history.json")) as f:
        history = json.load(f)
    with open(os.path.join(folder, "train.log")) as log:
        found = re.search(r"training on (\d+) frames", log.read())
    return {"seconds": seconds, "peak_mb": peak_mb, "history": history, "checkpoints": list_checkpoints(folder),
            "frames": int(found.group(1)) if found else None}


def detect(video: str, folder: str, checkpoint: Optional[str] = None, extra: Sequence[str] = (),
           name: str = "detections", cache: Optional[str] = None) -> Dict:
    """inference.py on every frame of `video` with one checkpoint (default: the newest) or,
    with checkpoint="all", every checkpoint; returns {"seconds", "results": {epoch: result}}.
    The frame cache is `cache` (training's, as for a user) or a cold one of its own."""
    results_folder = os.path.join(folder, name)
    own_cache = cache is None
    cache = cache or os.path.join(folder, name + "-cache")
    shutil.rmtree(results_folder, ignore_errors=True)
    if own_cache:
        shutil.rmtree(cache, ignore_errors=True)
    which = (["--model_folder", folder, "--span", "1"] if checkpoint == "all"
             else ["--model", checkpoint or list_checkpoints(folder)[-1][1]])
    command = [sys.executable, "inference.py", "--image_folder", video, *which,
               "--results_folder", results_folder, "--cache_dir", cache, *CPU, *extra]
    seconds, peak_mb = run_measured(command, os.path.join(folder, name + ".log"))
    if own_cache:
        shutil.rmtree(cache, ignore_errors=True)
    return {"seconds": seconds, "peak_mb": peak_mb, "results": read_results(results_folder)}


def read_results(folder: str) -> Dict[int, Dict]:
    """{epoch: {"frames", "scores", "kl_scores", "changes", "events", "ranking", and
    "setting_changes" where the scene level was written}} from inference.py's files, each set
    checked against its record."""
    found = {}
    for epoch in epochs_with(folder, "scene_change_flags"):
        open_result_set(folder, epoch)
        flags = load_result(folder, "scene_change_flags", epoch)
        found[epoch] = {"frames": len(flags) + 1,
                        "scores": load_result(folder, "change_scores", epoch),
                        "kl_scores": load_result(folder, "kld_scores", epoch),
                        "changes": np.flatnonzero(flags),
                        "events": load_result(folder, "change_events", epoch),
                        "ranking": load_result(folder, "ranking", epoch)}
        if os.path.exists(result_path(folder, "setting_change_flags", epoch)):
            found[epoch]["setting_changes"] = np.flatnonzero(load_result(folder, "setting_change_flags", epoch))
    return found


def video_key(video: str) -> Dict:
    """The video file as an earlier result saw it (path, size, time): a result kept for reuse
    is valid while this is unchanged."""
    stat = os.stat(video)
    return {"video": os.path.abspath(video), "size": stat.st_size, "mtime": stat.st_mtime}


def _training_key(video: str, variant: str, seed: int, training: Sequence[str]) -> Dict:
    """What a trained model depends on besides the code: the video file, the variant, the seed
    and the training options."""
    return {**video_key(video), "variant": variant, "seed": seed, "training": list(training)}


def code_version() -> str:
    """The commit the code runs at (with "+changes" when the working tree differs), or "unknown"."""
    def git(*args):
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None
    commit = git("rev-parse", "--short", "HEAD")
    if commit is None:
        return "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def train_and_detect(video: str, folder: str, variant: str, seed: int,
                     training: Sequence[str] = RECOMMENDED_TRAINING, reuse: bool = False) -> Dict:
    """The whole job on one video as a user runs it, main.py then inference.py sharing one
    frame cache that is cold at the start: {"train_seconds", "detect_seconds", "seconds",
    and the result}. With `reuse`, a model trained earlier in `folder` on the same video with
    the same options is kept (with its training time and the code version it was trained at,
    "trained_at") and only detection runs again; valid while the training code is unchanged."""
    stamp = os.path.join(folder, "trained.json")
    key = _training_key(video, variant, seed, training)
    earlier = None
    if reuse and os.path.exists(stamp):
        with open(stamp) as f:
            earlier = json.load(f)
        if earlier.get("key") != key or not list_checkpoints(folder):
            earlier = None
    cache = os.path.join(folder + "-cache")
    shutil.rmtree(cache, ignore_errors=True)
    if earlier is None:
        trained = train(video, folder, variant, seed, training, cache=cache)
        earlier = {"key": key, "seconds": trained["seconds"], "epochs": len(trained["history"]),
                   "trained_at": code_version(), "peak_mb": trained["peak_mb"]}
        save_text(stamp, json.dumps(earlier))
    detected = detect(video, folder, cache=cache)
    shutil.rmtree(cache, ignore_errors=True)
    epoch = max(detected["results"])
    peaks = [p for p in (earlier.get("peak_mb"), detected["peak_mb"]) if p is not None]
    return {"train_seconds": earlier["seconds"], "detect_seconds": detected["seconds"], "peak_mb": max(peaks),
            "seconds": earlier["seconds"] + detected["seconds"], "epochs": earlier["epochs"],
            "trained_at": earlier["trained_at"], **detected["results"][epoch]}

