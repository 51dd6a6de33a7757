"""Training the repro-VAE: the model the options describe, its input, one epoch, the validation loss.

main.py calls these; the benchmark and the tests use them directly. The loss itself is
ReproVAE.loss_function (models/repro_vae.py); here it is only fed batches.
"""

import os
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

from models.repro_vae import ReproVAE
from opts import IMAGE_SIZE
from utils.checkpoints import list_checkpoints, load_checkpoint, load_model_state
from utils.device import autocast
from utils.errors import UserError

VAL_LOSS_FRAMES = 1024  # validation loss on at most this many evenly spaced frames


def build_model(opt) -> ReproVAE:
    """The model the options describe."""
    return ReproVAE(latent_dim=opt.latent_dim, hidden_dims=opt.hidden_dims,
                    activation=opt.activation, image_size=IMAGE_SIZE)


def as_model_input(frames_u8: torch.Tensor) -> torch.Tensor:
    """uint8 frames (B, 3, S, S) -> float32 in [0, 1], channels-last (the faster layout for
    the convolutions on both CPU and GPU)."""
    return frames_u8.float().div_(255).contiguous(memory_format=torch.channels_last)


def build_optimizer(model: ReproVAE, opt) -> Tuple[torch.optim.Optimizer, object]:
    """Adam with --lr and --w_decay, and the plateau schedule on the training loss (factor 0.3
    after 3 epochs without progress)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=opt.lr, weight_decay=opt.w_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.3, patience=3)
    return optimizer, scheduler


def loss_settings(opt) -> Dict:
    """Keyword arguments of ReproVAE.loss_function taken from the options."""
    return {"loss_type": opt.loss_type, "beta": opt.beta, "tau": opt.tau, "gamma": opt.gamma}


def uses_reprojection(opt) -> bool:
    """Only loss H with tau > 0 needs the reconstruction encoded again."""
    return opt.loss_type == "H" and opt.tau > 0


def capacity(opt, iteration: int) -> float:
    """Loss B's capacity C after `iteration` steps: rises linearly from 0 to --max_capacity
    over --Capacity_max_iter steps, then stays."""
    return min(opt.max_capacity, opt.max_capacity * iteration / max(opt.Capacity_max_iter, 1.0))


def forward_and_loss(model: ReproVAE, x: torch.Tensor, opt, capacity_now: float, precision: str) -> Dict:
    """Loss terms of one batch; convolutions in `precision`, the loss itself in float32."""
    with autocast(x.device, precision):
        out = model(x, reproject=uses_reprojection(opt))
    return model.loss_function(out, x, capacity=capacity_now, **loss_settings(opt))


def train_step(model: ReproVAE, optimizer: torch.optim.Optimizer, x: torch.Tensor, opt, iteration: int,
               precision: str = "fp32", epoch: Optional[int] = None) -> Dict[str, torch.Tensor]:
    """One optimiser step on the batch `x` (model input); returns its loss terms.

    Raises UserError when the loss is not finite (the run diverged), before the step.
    """
    terms = forward_and_loss(model, x, opt, capacity(opt, iteration), precision)
    if not torch.isfinite(terms["loss"]):
        where = "" if epoch is None else f" at epoch {epoch}"
        raise UserError(f"{opt.output_folder}: training diverged{where}: the loss is "
                        f"{terms['loss'].item()}; try a lower --lr (now {opt.lr})")
    optimizer.zero_grad(set_to_none=True)
    terms["loss"].backward()
    optimizer.step()
    return terms


def train_epoch(model: ReproVAE, optimizer: torch.optim.Optimizer, frames: torch.Tensor, order: torch.Tensor,
                opt, iteration: int, precision: str = "fp32", epoch: int = 0) -> Tuple[Dict[str, float], int]:
    """One epoch: batches of --bs frames of `frames` (uint8, on the model's device) in `order`.

    Returns the mean of every loss term over the epoch's frames and the iteration count after it.
    """
    device = frames.device
    sums: Dict[str, float] = defaultdict(float)
    bar = tqdm(range(0, len(order), opt.bs), desc=f"epoch {epoch}", unit="batch", leave=False)
    for start in bar:
        x = as_model_input(frames[order[start:start + opt.bs].to(device)])
        terms = train_step(model, optimizer, x, opt, iteration, precision, epoch)
        iteration += 1
        for name, value in terms.items():
            sums[name] += value.item() * len(x)
        bar.set_postfix({k: f"{v.item():.4g}" for k, v in terms.items()})
    return {name: total / len(order) for name, total in sums.items()}, iteration


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


def reconstruct(model: ReproVAE, frames: torch.Tensor, count: int = 16,
                precision: str = "fp32") -> Tuple[torch.Tensor, torch.Tensor]:
    """Up to `count` evenly spaced frames of `frames` (uint8) and the model's reconstructions of
    them from their latent means (no sampling), both float in [0, 1] on the CPU."""
    picks = torch.from_numpy(np.linspace(0, len(frames) - 1, min(len(frames), count)).round().astype(np.int64))
    device = next(model.parameters()).device
    x = as_model_input(frames[picks].to(device))
    model.eval()
    with torch.no_grad(), autocast(device, precision):
        mu, _ = model.encode(x)
        reconstruction = model.decode(mu)
    model.train()
    return x.float().cpu(), reconstruction.float().clamp(0, 1).cpu()


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


def resume_state(folder: str, model: ReproVAE, optimizer: torch.optim.Optimizer,
                 scheduler: Optional[object] = None) -> Tuple[int, List[Dict], int]:
    """Load the newest checkpoint of `folder` into model, optimizer and scheduler.

    Returns (next epoch, loss history, iteration); (0, [], 0) when there is none. Raises
    UserError for a checkpoint of another architecture.
    """
    found = list_checkpoints(folder) if os.path.isdir(folder) else []
    if not found:
        print(f"--resume: no checkpoint in {folder}, starting from scratch", file=sys.stderr)
        return 0, [], 0
    epoch, path = found[-1]
    state = load_checkpoint(path)
    if state.get("model_config", model.config) != model.config:
        raise UserError(f"{path}: checkpoint of another architecture ({state['model_config']}); "
                        f"the options describe {model.config}")
    load_model_state(model, state["model"], path)
    for key, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if key in state and target is not None:
            target.load_state_dict(state[key])
    if "rng" in state:
        torch.set_rng_state(state["rng"])
    print(f"resuming after epoch {epoch} from {path}", file=sys.stderr)
    return epoch + 1, list(state.get("history", [])), int(state.get("iteration", 0))
