"""Where the time goes: decoding, encoding, training, next to the other tools, on one long video."""

import dataclasses
import os
import sys
import tempfile
import time
from typing import Dict, List

import numpy as np
import torch

from benchmarks.ours import run_measured

TRAIN_STEP_BATCH = 64


def pyscenedetect_cli(video: str, folder: str) -> Dict:
    """`scenedetect -i VIDEO detect-content list-scenes` as a user types it (OpenCV decoding)."""
    import shutil
    exe = shutil.which("scenedetect") or os.path.join(os.path.dirname(sys.executable), "scenedetect")
    if not os.path.exists(exe):
        raise ImportError("scenedetect command not installed")
    import glob
    os.makedirs(folder, exist_ok=True)
    for old in glob.glob(os.path.join(folder, "*-Scenes.csv")):
        os.remove(old)
    command = [exe, "-q", "-i", video, "-o", folder, "detect-content", "list-scenes", "-q"]
    seconds, peak_mb = run_measured(command, os.path.join(folder, "scenedetect-cli.log"))
    found = None
    for listing in glob.glob(os.path.join(folder, "*-Scenes.csv")):
        with open(listing) as f:
            rows = [line for line in f.read().splitlines()[2:] if line.strip()]  # a timecode line, a header
        found = max(len(rows) - 1, 0)  # changes between the scenes
    return {"seconds": seconds, "peak_mb": peak_mb, "found": found}


def inference_breakdown(video: str, checkpoint: str, precision: str) -> Dict[str, float]:
    """Seconds of each part of inference.py's work, in this process, from a cold cache:
    decode + scale + cache write, encoding, and change detection + output files.

    The last part is the detection library run on the now warm cache as inference.py runs it
    (loading the checkpoint, encoding, detecting, writing the results folder) less the encoding
    time measured just before it.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401  (imported before timing: start-up, not work)
    from data.cache import load_frames
    from detection import DetectionConfig, detect
    from models.encoding import encode_frames, model_from_checkpoint
    from opts import parse_options
    from utils.device import pick_device
    opt = parse_options(["--model", checkpoint, "--precision", precision, "--device", "cpu"], prog="inference.py")
    parts = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = dataclasses.replace(DetectionConfig.from_options(opt), cache_dir=tmp)
        started = time.perf_counter()
        cache = load_frames(video, tmp, 64)
        parts["decode and scale into the cache"] = time.perf_counter() - started
        model = model_from_checkpoint(checkpoint, config.model)
        started = time.perf_counter()
        encode_frames(model, cache, config.batch_size, pick_device("cpu"), precision=precision)
        parts["encode (the model)"] = time.perf_counter() - started
        started = time.perf_counter()
        detect(video, checkpoint, config, results_folder=os.path.join(tmp, "results"))
        warm = time.perf_counter() - started
        parts["detect changes, write scene list and plot"] = max(warm - parts["encode (the model)"], 0.0)
    parts["frames"] = len(cache)
    return parts


def model_step_rate(variant_args: List[str], precision: str, steps: int = 20) -> float:
    """Training frames per second of the model steps alone (forward, loss, backward, Adam) on
    one fixed batch: no data loading, the ceiling for training from the cache."""
    from models.config import ModelConfig, TrainConfig
    from models.training import as_model_input, build_model, forward_and_loss
    from opts import parse_options
    from utils.device import pick_device
    opt = parse_options(["--precision", precision, *variant_args])
    config = TrainConfig.from_options(opt)
    device = pick_device("cpu")
    torch.manual_seed(0)
    model = build_model(ModelConfig.from_options(opt)).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    frames = torch.randint(0, 256, (TRAIN_STEP_BATCH, 3, 64, 64), dtype=torch.uint8)
    x = as_model_input(frames)
    for step in range(steps + 3):
        if step == 3:
            started = time.perf_counter()
        loss = forward_and_loss(model, x, config, 0.0, precision)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return steps * TRAIN_STEP_BATCH / (time.perf_counter() - started)


def training_rate(history: List[Dict], frames_per_epoch: int) -> float:
    """Frames per second of main.py's epochs (from its loss history, first epoch excluded
    when there are more, as it includes warm-up)."""
    seconds = [h["seconds"] for h in history]
    per_epoch = np.diff([0.0] + seconds)
    use = per_epoch[1:] if len(per_epoch) > 1 else per_epoch
    return frames_per_epoch / float(np.mean(use))


def machine_description() -> str:
    """CPU model, cores, memory, Python and torch versions, in one line."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), model)
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            memory = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    from utils.device import cpu_has_fast_bf16
    bf16 = "with" if cpu_has_fast_bf16() else "without"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU used"
    return (f"{model}, {os.cpu_count()} cores {bf16} bfloat16 units{memory}, {gpu}; "
            f"Python {sys.version.split()[0]}, torch {torch.__version__}, torch threads {torch.get_num_threads()}")
