"""Train the repro-VAE on a film's frames and write a checkpoint after every epoch.

    python main.py                                   # the bundled sample, paper's best settings
    python main.py --train_folder T --val_folder V --output_folder O --max_iters 100

Flow: options -> frame cache -> model -> epochs (Adam, ReduceLROnPlateau) -> checkpoints
`model_state_<epoch>_val_loss_<loss>.pkl`, `loss_history.json` / `.png` and
`reconstructions.png` (validation frames above their reconstructions by the last model) in
--output_folder.
"""

import json
import os
import sys
import time
from typing import List, Optional, Sequence

import torch

from data.cache import load_frames, read_all_frames
from data.sample import bundled_sample
from models.training import (build_model, build_optimizer, epoch_order, epochs_without_progress, reconstruct,
                             resume_state, train_epoch, validation_loss)
from opts import IMAGE_SIZE, parse_options
from utils.atomic import save_text
from utils.checkpoints import checkpoint_name, save_checkpoint
from utils.cli import run_cli
from utils.device import pick_device, resolve_precision
from utils.plots import plot_loss_history, save_reconstruction_grid


def train(opt) -> List[str]:
    """Train as the options say; returns the paths of the checkpoints written."""
    torch.manual_seed(opt.seed)
    device = pick_device(opt.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    if opt.train_folder is None:
        sample = bundled_sample(opt.cache_dir)
        opt.train_folder = sample["train"]
        opt.val_folder = opt.val_folder or sample["val"]
    train_cache = load_frames(opt.train_folder, opt.cache_dir, IMAGE_SIZE, opt.fps)
    frames = torch.from_numpy(read_all_frames(train_cache)).to(device)
    val_frames = None
    if opt.val_folder:
        val_frames = torch.from_numpy(read_all_frames(load_frames(opt.val_folder, opt.cache_dir, IMAGE_SIZE, opt.fps)))

    model = build_model(opt).to(device, memory_format=torch.channels_last)
    precision = resolve_precision(opt.precision, device)
    optimizer, scheduler = build_optimizer(model, opt)
    start_epoch, history, iteration = 0, [], 0
    if opt.resume:
        start_epoch, history, iteration = resume_state(opt.output_folder, model, optimizer, scheduler)
    os.makedirs(opt.output_folder, exist_ok=True)
    print(f"training on {len(frames)} frames of {opt.train_folder} ({device.type}, {precision}), "
          f"epochs {start_epoch}..{opt.max_iters - 1}, writing to {opt.output_folder}", file=sys.stderr)

    options = {k: v for k, v in vars(opt).items() if k != "explicit"}
    written = []
    started = time.perf_counter() - (history[-1].get("seconds", 0.0) if history else 0.0)
    for epoch in range(start_epoch, opt.max_iters):
        order = epoch_order(len(frames), opt.epoch_frames, opt.seed, epoch)
        means, iteration = train_epoch(model, optimizer, frames, order, opt, iteration, precision, epoch)
        val_loss = validation_loss(model, val_frames, opt, device, opt.seed, precision) if val_frames is not None else means["loss"]
        scheduler.step(means["loss"])
        history.append({"epoch": epoch, **means, "val_loss": val_loss, "lr": optimizer.param_groups[0]["lr"],
                        "seconds": round(time.perf_counter() - started, 3)})
        print("epoch {epoch}: loss {loss:.2f} reconstruction {reconstruction:.2f} kld {kld:.3f} "
              "reprojection_kld {reprojection_kld:.4f} val_loss {val_loss:.2f} lr {lr:.2g}".format(**history[-1]),
              file=sys.stderr)
        path = os.path.join(opt.output_folder, checkpoint_name(epoch, val_loss))
        save_checkpoint(path, {"model": model.state_dict(), "model_config": model.config,
                               "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                               "epoch": epoch, "iteration": iteration, "loss": val_loss,
                               "history": history, "options": options, "rng": torch.get_rng_state()})
        save_text(os.path.join(opt.output_folder, "loss_history.json"), json.dumps(history, indent=1))
        written.append(path)
        if opt.patience and epochs_without_progress(history, opt.min_delta) >= opt.patience:
            print(f"stopping early after epoch {epoch}: the training loss fell by less than "
                  f"{opt.min_delta:.0%} for {opt.patience} epochs", file=sys.stderr)
            break
    if history:
        plot_loss_history(history, os.path.join(opt.output_folder, "loss_history.png"))
        shown = val_frames if val_frames is not None else frames
        save_reconstruction_grid(*reconstruct(model, shown, precision=precision),
                                 os.path.join(opt.output_folder, "reconstructions.png"))
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    opt = parse_options(argv, prog="main.py", description="Train the repro-VAE on a film's frames.")
    return run_cli(lambda: train(opt))


if __name__ == "__main__":
    sys.exit(main())
