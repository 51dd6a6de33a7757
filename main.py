"""Train the repro-VAE on a film's frames and write a checkpoint after every epoch.

    python main.py                                   # the bundled sample, paper's best settings
    python main.py --train_folder T --val_folder V --output_folder O --max_iters 100

Flow: options -> frame cache -> model -> epochs (Adam, ReduceLROnPlateau) -> checkpoints
`model_state_<epoch>_val_loss_<loss>.pkl` and `loss_history.json` in --output_folder.
"""

import json
import os
import sys
import time
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from tqdm import tqdm

from data.cache import load_frames, read_all_frames
from data.sample import bundled_sample
from models.repro_vae import ReproVAE
from opts import IMAGE_SIZE, parse_options
from utils.atomic import save_text
from utils.checkpoints import checkpoint_name, list_checkpoints, load_checkpoint, load_model_state, save_checkpoint
from utils.cli import run_cli
from utils.device import autocast, pick_device, resolve_precision
from utils.errors import UserError
from utils.plots import plot_loss_history

VAL_LOSS_FRAMES = 1024  # validation loss on at most this many evenly spaced frames


def build_model(opt) -> ReproVAE:
    """The model the options describe."""
    return ReproVAE(latent_dim=opt.latent_dim, hidden_dims=opt.hidden_dims,
                    activation=opt.activation, image_size=IMAGE_SIZE)


def loss_settings(opt) -> Dict:
    """Keyword arguments of ReproVAE.loss_function taken from the options."""
    return {"loss_type": opt.loss_type, "beta": opt.beta, "tau": opt.tau, "gamma": opt.gamma}


def uses_reprojection(opt) -> bool:
    """Only loss H with tau > 0 needs the reconstruction encoded again."""
    return opt.loss_type == "H" and opt.tau > 0


def _capacity(opt, iteration: int) -> float:
    return min(opt.max_capacity, opt.max_capacity * iteration / max(opt.Capacity_max_iter, 1.0))


def as_model_input(frames_u8: torch.Tensor) -> torch.Tensor:
    """uint8 frames (B, 3, S, S) -> float32 in [0, 1], channels-last (the faster layout for
    the convolutions on both CPU and GPU)."""
    return frames_u8.float().div_(255).contiguous(memory_format=torch.channels_last)


def forward_and_loss(model: ReproVAE, x: torch.Tensor, opt, capacity: float, precision: str) -> Dict:
    """Loss terms of one batch; convolutions in `precision`, the loss itself in float32."""
    with autocast(x.device, precision):
        out = model(x, reproject=uses_reprojection(opt))
    return model.loss_function(out, x, capacity=capacity, **loss_settings(opt))


def validation_loss(model: ReproVAE, frames: torch.Tensor, opt, device: torch.device, seed: int,
                    precision: str = "fp32") -> float:
    """Mean loss on evenly spaced validation frames, with a fixed noise draw (comparable across epochs)."""
    picks = torch.from_numpy(np.linspace(0, len(frames) - 1, min(len(frames), VAL_LOSS_FRAMES)).astype(np.int64))
    total = 0.0
    model.eval()
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.no_grad(), torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(picks), opt.bs):
            x = as_model_input(frames[picks[start:start + opt.bs]].to(device))
            total += float(forward_and_loss(model, x, opt, opt.max_capacity, precision)["loss"]) * len(x)
    model.train()
    return total / len(picks)


def _resume_state(opt, model, optimizer, scheduler) -> tuple:
    """Load the newest checkpoint of --output_folder; returns (next epoch, history, iteration)."""
    found = list_checkpoints(opt.output_folder) if os.path.isdir(opt.output_folder) else []
    if not found:
        print(f"--resume: no checkpoint in {opt.output_folder}, starting from scratch", file=sys.stderr)
        return 0, [], 0
    epoch, path = found[-1]
    state = load_checkpoint(path)
    if state.get("model_config", model.config) != model.config:
        raise UserError(f"{path}: checkpoint of another architecture ({state['model_config']}); "
                        f"the options describe {model.config}")
    load_model_state(model, state["model"], path)
    for key, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if key in state:
            target.load_state_dict(state[key])
    if "rng" in state:
        torch.set_rng_state(state["rng"])
    print(f"resuming after epoch {epoch} from {path}", file=sys.stderr)
    return epoch + 1, list(state.get("history", [])), int(state.get("iteration", 0))


def epochs_without_progress(history: List[Dict], min_delta: float) -> int:
    """How many of the last epochs did not lower the best training loss by `min_delta` (relative)."""
    best, stale = None, 0
    for entry in history:
        if best is None or entry["loss"] < best - min_delta * abs(best):
            best, stale = entry["loss"], 0
        else:
            stale += 1
    return stale


def epoch_order(num_frames: int, epoch_frames: int, seed: int, epoch: int) -> torch.Tensor:
    """The frame indices one epoch visits, shuffled, fixed by seed and epoch.

    `epoch_frames` 0 is one pass over every frame (the original's epoch). Otherwise an epoch is
    that many draws: whole shuffled passes, then part of one more, so a short clip is seen
    several times per epoch and a long film is covered across epochs, and training takes the
    same time whatever the length of the film.
    """
    generator = torch.Generator().manual_seed(seed * 100003 + epoch)
    wanted = epoch_frames or num_frames
    passes = [torch.randperm(num_frames, generator=generator) for _ in range(-(-wanted // num_frames))]
    return torch.cat(passes)[:wanted]


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
    optimizer = torch.optim.Adam(model.parameters(), lr=opt.lr, weight_decay=opt.w_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.3, patience=3)
    start_epoch, history, iteration = 0, [], 0
    if opt.resume:
        start_epoch, history, iteration = _resume_state(opt, model, optimizer, scheduler)
    os.makedirs(opt.output_folder, exist_ok=True)
    print(f"training on {len(frames)} frames of {opt.train_folder} ({device.type}, {precision}), "
          f"epochs {start_epoch}..{opt.max_iters - 1}, writing to {opt.output_folder}", file=sys.stderr)

    options = {k: v for k, v in vars(opt).items() if k != "explicit"}
    written = []
    started = time.perf_counter() - (history[-1].get("seconds", 0.0) if history else 0.0)
    for epoch in range(start_epoch, opt.max_iters):
        order = epoch_order(len(frames), opt.epoch_frames, opt.seed, epoch)
        sums: Dict[str, float] = defaultdict(float)
        bar = tqdm(range(0, len(order), opt.bs), desc=f"epoch {epoch}", unit="batch", leave=False)
        for start in bar:
            x = as_model_input(frames[order[start:start + opt.bs].to(device)])
            terms = forward_and_loss(model, x, opt, _capacity(opt, iteration), precision)
            if not torch.isfinite(terms["loss"]):
                raise UserError(f"{opt.output_folder}: training diverged at epoch {epoch}: the loss is "
                                f"{terms['loss'].item()}; try a lower --lr (now {opt.lr})")
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            iteration += 1
            for name, value in terms.items():
                sums[name] += value.item() * len(x)
            bar.set_postfix({k: f"{v.item():.4g}" for k, v in terms.items()})
        means = {name: total / len(order) for name, total in sums.items()}
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
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    opt = parse_options(argv, prog="main.py", description="Train the repro-VAE on a film's frames.")
    return run_cli(lambda: train(opt))


if __name__ == "__main__":
    sys.exit(main())
