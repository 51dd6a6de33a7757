"""Where a result's time goes, part by part, on one film: decoding into the frame cache, each
training step (data to tensor, forward with the loss, backward, optimiser), an epoch's end (the
loss probe, checkpoint writing), then encoding, the picture features and the selection.

    python -m benchmarks.time_parts [--video V] [--precision fp32] [--out benchmarks]

Every part is timed alone in this process with torch's own threads, so the parts add up to what
main.py + inference.py spend on them, less start-up (imports) and file writing of results.
"""

import argparse
import os
import sys
import tempfile
import time
from typing import Dict, List

import numpy as np
import torch

from benchmarks import ours

STEPS = 30  # training steps timed (after 3 of warm-up)


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def training_step_parts(frames: torch.Tensor, opt, precision: str, steps: int = STEPS):
    """Milliseconds per training step of --bs frames, per part: drawing the batch and making it the
    model's input, forward with the loss, backward, Adam's step; and the model and optimiser after
    those steps (the epoch-end and detection parts use them)."""
    from models.config import ModelConfig, TrainConfig
    from models.training import as_model_input, build_model, build_optimizer, epoch_order, forward_and_loss
    config = TrainConfig.from_options(opt)
    torch.manual_seed(0)
    model = build_model(ModelConfig.from_options(opt)).to(memory_format=torch.channels_last)
    optimizer, _ = build_optimizer(model, config)
    order = epoch_order(len(frames), (steps + 3) * opt.bs, 0, 0)
    parts = {"data to tensor": 0.0, "forward and loss": 0.0, "backward": 0.0, "optimizer": 0.0}
    for step in range(steps + 3):
        batch = order[step * opt.bs:(step + 1) * opt.bs]
        started = time.perf_counter()
        x = as_model_input(frames[batch])
        t1 = time.perf_counter()
        loss = forward_and_loss(model, x, config, 0.0, precision)["loss"]
        t2 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        t3 = time.perf_counter()
        optimizer.step()
        t4 = time.perf_counter()
        if step >= 3:
            for name, seconds in zip(parts, (t1 - started, t2 - t1, t3 - t2, t4 - t3)):
                parts[name] += seconds
    return {name: 1000 * seconds / steps for name, seconds in parts.items()}, model, optimizer


def epoch_end_parts(model, optimizer, frames: torch.Tensor, opt, precision: str) -> Dict[str, float]:
    """Seconds of what main.py does after each epoch: the loss probe on a few frames (or the
    validation loss) and writing the checkpoint."""
    from models.config import TrainConfig
    from models.training import validation_loss, checkpoint_contents, build_optimizer
    from opts import saved_options
    from utils.checkpoints import save_checkpoint
    config = TrainConfig.from_options(opt)
    _, scheduler = build_optimizer(model, config)
    with tempfile.TemporaryDirectory() as tmp:
        return {
            "loss probe (16 frames)": _timed(lambda: validation_loss(model, frames, config, torch.device("cpu"), 0,
                                                                     precision, count=16)),
            "validation loss (1024 frames)": _timed(lambda: validation_loss(model, frames, config, torch.device("cpu"),
                                                                            0, precision)),
            "checkpoint writing": _timed(lambda: save_checkpoint(os.path.join(tmp, "c.pkl"), checkpoint_contents(
                model, optimizer, scheduler, saved_options(opt), "run", 0, 1, [], loss=1.0))),
        }


def detection_parts(model, cache, opt, precision: str) -> Dict[str, float]:
    """Seconds of inference.py's work on a warm cache: encoding every frame, the picture features
    of every frame, the selection."""
    from data.cache import sampled_frame_rate
    from models.encoding import encode_frames
    from selection import SelectionConfig, detect_changes
    from selection.pictures import picture_features
    out = {}
    started = time.perf_counter()
    mu, log_var = encode_frames(model, cache, opt.bs, torch.device("cpu"), precision=precision)
    out["encode (the model)"] = time.perf_counter() - started
    started = time.perf_counter()
    pictures = picture_features(cache.frames)
    out["picture features"] = time.perf_counter() - started
    out["selection"] = _timed(lambda: detect_changes(mu, log_var, sampled_frame_rate(cache, None),
                                                     pictures=pictures, config=SelectionConfig()))
    return out


def table(video: str, frames: int, decode: float, steps: Dict[str, float], ends: Dict[str, float],
          detection: Dict[str, float], budget: int, bs: int) -> str:
    """Markdown: each part's time, per step or per film, and its share of a default run's time."""
    step_ms = sum(steps.values())
    n_steps = -(-budget // bs)
    rows = [("decode and scale into the cache", "per film", f"{decode:.1f} s", decode)]
    rows += [(f"training: {name}", "per step", f"{ms:.1f} ms", ms * n_steps / 1000) for name, ms in steps.items()]
    rows += [(f"epoch end: {name}", "per epoch", f"{s:.2f} s", s) for name, s in ends.items()
             if not name.startswith("validation")]
    rows += [(name, "per film", f"{s:.1f} s", s) for name, s in detection.items()]
    total = sum(r[3] for r in rows)
    lines = [f"{os.path.basename(video)}: {frames} frames; training {budget:,} frame-steps in steps of {bs} "
             f"({n_steps} steps, {1000 * bs / step_ms:.0f} frames/s from the model steps).", "",
             "| part | counted | time | in a default run | share |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {counted} | {shown} | {seconds:.1f} s | {seconds / total:.0%} |"
              for name, counted, shown, seconds in rows]
    validation = ends.get("validation loss (1024 frames)")
    if validation is not None:
        lines += ["", f"With --val_folder, each epoch also computes the validation loss on up to 1024 frames: "
                      f"{validation:.2f} s."]
    return "\n".join(lines) + "\n"


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.time_parts", description=__doc__.split("\n")[0])
    parser.add_argument("--video", default=os.path.join(ours.ROOT, "..", "shared", "data", "cartoon_space.mp4"))
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--out", default=None, help="write the table into OUT/RESULTS.md and results.json")
    args = parser.parse_args(argv)
    from data.cache import load_frames, read_all_frames
    from opts import parse_options
    opt = parse_options(["--precision", args.precision])
    budget = opt.max_iters * opt.epoch_frames
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        decode_started = time.perf_counter()
        cache = load_frames(args.video, tmp, 64, show_progress=False)
        decode = time.perf_counter() - decode_started
        frames = torch.from_numpy(read_all_frames(cache))
        steps, model, optimizer = training_step_parts(frames, opt, args.precision)
        ends = epoch_end_parts(model, optimizer, frames, opt, args.precision)
        detection = detection_parts(model, cache, opt, args.precision)
        text = table(args.video, len(cache), decode, steps, ends, detection, budget, opt.bs)
    print(text)
    if args.out:
        from benchmarks.selection_runs import record_section
        from benchmarks.speed import machine_description
        record_section(args.out, "time_parts", "Where the time goes",
                       f"`python -m benchmarks.time_parts --precision {args.precision}` on {machine_description()}",
                       text, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
