"""Training the repro-VAE: the model a ModelConfig describes, its input, one epoch, the validation loss,
what a checkpoint holds, and where a resumed run goes on.

main.py calls these with the configs it builds from its options (models/config.py: ModelConfig,
TrainConfig); the benchmark and the tests use them directly. The loss itself is
ReproVAE.loss_function (models/repro_vae.py); here it is only fed batches.
"""

import math
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

from models.config import ModelConfig, TrainConfig
from models.repro_vae import ReproVAE
from utils import distributed
from utils.checkpoints import INTERRUPTED_NAME, list_checkpoints, load_checkpoint, load_model_state, non_finite_weights
from utils.device import autocast
from utils.errors import UserError

VAL_LOSS_FRAMES = 1024  # validation loss on at most this many evenly spaced frames


def build_model(model_config: ModelConfig) -> ReproVAE:
    """The model `model_config` describes; a UserError when it does not fit in memory."""
    try:
        return ReproVAE(**model_config.model_arguments())
    except (MemoryError, RuntimeError) as err:
        if not isinstance(err, MemoryError) and "alloc" not in str(err).lower():
            raise
        raise UserError(f"the model does not fit in memory (--latent_dim {model_config.latent_dim}, --hidden_dims "
                        f"{' '.join(map(str, model_config.hidden_dims))})")


def as_model_input(frames_u8: torch.Tensor) -> torch.Tensor:
    """uint8 frames (B, 3, S, S) -> float32 in [0, 1], channels-last (the faster layout for
    the convolutions on both CPU and GPU)."""
    return frames_u8.float().div_(255).contiguous(memory_format=torch.channels_last)


def build_optimizer(model: ReproVAE, config: TrainConfig) -> Tuple[torch.optim.Optimizer, object]:
    """Adam with the config's lr and w_decay, and the plateau schedule on the training loss
    (factor 0.3 after 3 epochs without progress)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.w_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.3, patience=3)
    return optimizer, scheduler


def loss_settings(config: TrainConfig) -> Dict:
    """Keyword arguments of ReproVAE.loss_function taken from the config."""
    return {"loss_type": config.loss_type, "beta": config.beta, "tau": config.tau, "gamma": config.gamma}


def uses_reprojection(config: TrainConfig) -> bool:
    """Only loss H with tau > 0 needs the reconstruction encoded again."""
    return config.loss_type == "H" and config.tau > 0


def capacity(config: TrainConfig, iteration: int) -> float:
    """Loss B's capacity C after `iteration` steps: rises linearly from 0 to max_capacity
    over Capacity_max_iter steps, then stays."""
    return min(config.max_capacity, config.max_capacity * iteration / max(config.Capacity_max_iter, 1.0))


def forward_and_loss(model: ReproVAE, x: torch.Tensor, config: TrainConfig, capacity_now: float,
                     precision: str) -> Dict:
    """Loss terms of one batch; convolutions in `precision`, the loss itself in float32.

    `model` may be the ReproVAE wrapped in DistributedDataParallel: its forward runs through the
    wrapper (which shares the gradients), the loss is the model's own.
    """
    with autocast(x.device, precision):
        out = model(x, reproject=uses_reprojection(config))
    return getattr(model, "module", model).loss_function(out, x, capacity=capacity_now, **loss_settings(config))


def train_step(model: ReproVAE, optimizer: torch.optim.Optimizer, x: torch.Tensor, config: TrainConfig, iteration: int,
               precision: str = "fp32", epoch: Optional[int] = None, loss_scale: float = 1.0) -> Dict[str, torch.Tensor]:
    """One optimiser step on the batch `x` (model input); returns its loss terms. The gradient is
    that of the loss times `loss_scale` (a process's weight in a batch shared by several).

    Raises UserError when the loss is not finite (the run diverged), before the step.
    """
    terms = forward_and_loss(model, x, config, capacity(config, iteration), precision)
    if not torch.isfinite(terms["loss"]):
        where = "" if epoch is None else f" at epoch {epoch}"
        raise UserError(f"{config.output_folder}: training diverged{where}: the loss is "
                        f"{terms['loss'].item()}; try a lower --lr (now {config.lr})")
    optimizer.zero_grad(set_to_none=True)
    (terms["loss"] if loss_scale == 1.0 else terms["loss"] * loss_scale).backward()
    optimizer.step()
    return terms


class EpochInterrupted(Exception):
    """Training stopped between two batches of `epoch` when asked to (Ctrl-C): `position` frames
    of its order were done, with these loss `sums` and `iteration` count, so it can go on later."""

    def __init__(self, epoch: int, position: int, sums: Dict[str, float], iteration: int):
        super().__init__(f"interrupted in epoch {epoch} after {position} frames")
        self.epoch, self.position, self.sums, self.iteration = epoch, position, sums, iteration


def train_epoch(model: ReproVAE, optimizer: torch.optim.Optimizer, frames: torch.Tensor, order: torch.Tensor,
                config: TrainConfig, iteration: int, precision: str = "fp32", epoch: int = 0, position: int = 0,
                sums: Optional[Dict[str, float]] = None,
                stop_requested: Optional[Callable[[], bool]] = None) -> Tuple[Dict[str, float], int]:
    """One epoch: batches of config.bs frames of `frames` (uint8, on the model's device) in `order`,
    from `position` on (with the loss `sums` of the frames before it, when an interrupted epoch
    goes on).

    Returns the mean of every loss term over the epoch's frames and the iteration count after it.
    Raises EpochInterrupted after a batch when `stop_requested()` is true.

    Under torchrun every process walks the same `order`; each takes every world_size-th frame of
    each batch of config.bs (utils/distributed.py) and `model` is wrapped in DistributedDataParallel, so
    a step is that of one process on the whole batch. A last batch with fewer frames than
    processes is left out. The returned means (and the sums of EpochInterrupted) are over all
    processes; `sums` given to go on with are taken as rank 0's.
    """
    device = next(model.parameters()).device
    world = distributed.world_size()
    sums = defaultdict(float, (sums or {}) if distributed.is_main() else {})
    last = len(order) % config.bs
    end = len(order) - (last if last < world else 0)
    bar = tqdm(range(position, end, config.bs), desc=f"epoch {epoch}", unit="batch", leave=False,
               disable=not distributed.is_main())
    for start in bar:
        batch = order[start:start + config.bs]
        mine = batch if world == 1 else distributed.batch_share(batch)
        # a film still being decoded (data/while_decoding.py) gives its frames through take_frames
        taken = frames.take_frames(mine).to(device) if hasattr(frames, "take_frames") else frames[mine.to(device)]
        x = as_model_input(taken)
        terms = train_step(model, optimizer, x, config, iteration, precision, epoch, len(mine) * world / len(batch))
        iteration += 1
        for name, value in terms.items():
            sums[name] += value.item() * len(x)
        bar.set_postfix({k: f"{v.item():.4g}" for k, v in terms.items()})
        if stop_requested is not None and stop_requested() and start + config.bs < end:
            bar.close()
            raise EpochInterrupted(epoch, start + config.bs, _summed(sums), iteration)
    return {name: total / end for name, total in _summed(sums).items()}, iteration


def _summed(sums: Dict[str, float]) -> Dict[str, float]:
    """Loss sums over all processes (this process's alone without torchrun)."""
    if distributed.world_size() == 1:
        return dict(sums)
    names = sorted(sums)
    return dict(zip(names, distributed.sum_over_processes([sums[name] for name in names])))


def validation_loss(model: ReproVAE, frames: torch.Tensor, config: TrainConfig, device: torch.device, seed: int,
                    precision: str = "fp32", count: int = VAL_LOSS_FRAMES) -> float:
    """Mean loss on up to `count` evenly spaced validation frames, with a fixed noise draw
    (comparable across epochs)."""
    picks = torch.from_numpy(np.linspace(0, len(frames) - 1, min(len(frames), count)).astype(np.int64))
    total = 0.0
    model.eval()
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.no_grad(), torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(picks), config.bs):
            x = as_model_input(frames[picks[start:start + config.bs]].to(device))
            total += float(forward_and_loss(model, x, config, config.max_capacity, precision)["loss"]) * len(x)
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


# The first epoch's draws open the film progressively (FirstEpochDraws): its first draws come from
# this many frames (about 40 s of film at 24 fps)...
FIRST_DRAWS_FRAMES = 1024
# ...and each frame drawn opens this many more. On a 2-core CPU decoding and scaling into the cache
# runs 8-12 times faster than the training steps (1942 against 154-252 frames/s, RESULTS.md
# "Speed"), so training seldom waits for the decoder, and the first epoch's last draws reach
# frame 33,000 (23 minutes at 24 fps); later epochs draw from the whole film.
FRAMES_OPENED_PER_DRAW = 8


class FirstEpochDraws:
    """The frame indices of the first epoch when an epoch is a number of draws: draw p takes one of
    the first FIRST_DRAWS_FRAMES + FRAMES_OPENED_PER_DRAW * p frames (or of the whole film, when it
    is shorter), uniformly, fixed by the seed.

    So training can start while the film is still being decoded (data/while_decoding.py) and take
    only frames already there, and yet which frames it takes never depends on how fast decoding
    went: the same seed gives the same draws from a cold cache and a warm one. `frames` is the
    film (a tensor) or a FramesWhileDecoding; slicing waits for the frames a slice needs.
    """

    def __init__(self, frames, epoch_frames: int, seed: int):
        self.frames = frames
        generator = torch.Generator().manual_seed(seed * 100003)
        self.uniform = torch.rand(epoch_frames, generator=generator, dtype=torch.float64)

    def __len__(self) -> int:
        return len(self.uniform)

    def __getitem__(self, positions: slice) -> torch.Tensor:
        start, stop, _ = positions.indices(len(self))
        opened = FIRST_DRAWS_FRAMES + FRAMES_OPENED_PER_DRAW * torch.arange(start, stop, dtype=torch.float64)
        if hasattr(self.frames, "wait_for"):
            total = self.frames.total
            if total is None:
                self.frames.wait_for(int(opened[-1].item()) if len(opened) else 0)
                total = self.frames.total
        else:
            total = len(self.frames)
        if total is not None:
            opened = opened.clamp(max=total)
        return (self.uniform[start:stop] * opened).long()


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


@dataclass
class TrainingProgress:
    """Where training stands: the epoch to run next, the frames of its order already done (an
    epoch interrupted part-way) with their loss sums, the loss history and the step count."""
    epoch: int = 0
    position: int = 0
    sums: Dict[str, float] = field(default_factory=dict)
    history: List[Dict] = field(default_factory=list)
    iteration: int = 0


def resume_checkpoint(folder: str) -> Optional[Tuple[str, Dict]]:
    """(path, contents) of what `--resume` continues in `folder`: the state of an epoch
    interrupted part-way when it follows the newest checkpoint, else the newest checkpoint;
    None when there is none. An interrupted state older than the newest checkpoint is deleted."""
    found = list_checkpoints(folder) if os.path.isdir(folder) else []
    interrupted = os.path.join(folder, INTERRUPTED_NAME)
    if os.path.isfile(interrupted):
        try:
            state = load_checkpoint(interrupted)
        except UserError as err:  # the checkpoints before it are whole: say how to go on from them
            since = f"from {os.path.basename(found[-1][1])}" if found else "from the start"
            raise UserError(f"{err}; delete it to resume {since}, losing only the interrupted epoch's part") from None
        if state.get("epoch") == (found[-1][0] + 1 if found else 0):
            return interrupted, state
        os.remove(interrupted)
    if not found:
        return None
    path = found[-1][1]
    return path, load_checkpoint(path)


def _is_interrupted_state(path: str) -> bool:
    return os.path.basename(path) == INTERRUPTED_NAME


def epochs_trained(path: str, state: Dict) -> int:
    """The whole epochs the checkpoint `state` read from `path` has trained, which is the epoch
    --resume goes on with: those before an interrupted epoch's state (the epoch it stopped in), or
    up to and including a checkpoint's epoch."""
    epoch = int(state.get("epoch", 0))
    return epoch if _is_interrupted_state(path) else epoch + 1


def restore_training_state(state: Dict, path: str, model: ReproVAE, optimizer: torch.optim.Optimizer,
                           scheduler: Optional[object], config: TrainConfig) -> TrainingProgress:
    """Load a checkpoint (or an interrupted epoch's state): model, optimiser, scheduler and random
    state; returns where training goes on. Raises UserError for another architecture.

    The learning rate is the saved one (the schedule may have lowered it) unless --lr was typed
    (config.given), which replaces it; either way one line says which.
    """
    if state.get("model_config", model.config) != model.config:
        raise UserError(f"{path}: checkpoint of another architecture ({state['model_config']}); "
                        f"the options describe {model.config}")
    load_model_state(model, state["model"], path)
    for key, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if key in state and target is not None:
            try:
                target.load_state_dict(state[key])
            except (ValueError, KeyError, TypeError, RuntimeError, IndexError) as err:  # another model's state
                raise UserError(f"{path}: a damaged or foreign checkpoint: its {key} state does not fit this "
                                f"model ({str(err).splitlines()[0][:80] if str(err) else type(err).__name__})")
    if "rng" in state:
        torch.set_rng_state(state["rng"])
    if state.get("cuda_rng") is not None and torch.cuda.is_available() \
            and len(state["cuda_rng"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    saved_lr = optimizer.param_groups[0]["lr"]
    if "lr" in config.given and config.lr != saved_lr:
        for group in optimizer.param_groups:
            group["lr"] = config.lr
        rate = f"the typed --lr {config.lr:g} replaces the saved learning rate {saved_lr:g}"
    else:
        rate = f"keeping the saved learning rate {saved_lr:g}"
    progress = TrainingProgress(epoch=epochs_trained(path, state), position=int(state.get("position", 0)),
                                sums=dict(state.get("sums", {})), history=list(state.get("history", [])),
                                iteration=int(state.get("iteration", 0)))
    if _is_interrupted_state(path):
        where = f"in epoch {progress.epoch} after {progress.position} frames"
    else:
        where = f"after epoch {progress.epoch - 1}"
    if distributed.is_main():
        print(f"resuming {where} from {path} with the run's options, {rate}", file=sys.stderr)
    return progress


def checkpoint_contents(model: ReproVAE, optimizer: torch.optim.Optimizer, scheduler, options: Dict, run: str,
                        epoch: int, iteration: int, history: List[Dict], **extra) -> Dict:
    """What a checkpoint holds to continue the run exactly (see utils/checkpoints.py); `options`:
    the run's options as --resume takes them back (opts.saved_options)."""
    return {"model": model.state_dict(), "model_config": model.config, "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "epoch": epoch, "iteration": iteration, "history": history,
            "options": options, "run": run,
            "rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None, **extra}


def check_not_diverged(model: ReproVAE, loss: float, config: TrainConfig, epoch: int) -> None:
    """UserError when the model diverged in `epoch` (weights or loss not finite): never saved."""
    broken = non_finite_weights(model.state_dict())
    if broken or not math.isfinite(loss):
        what = f"weights not finite ({broken[0]})" if broken else f"loss {loss}"
        raise UserError(f"{config.output_folder}: training diverged in epoch {epoch} ({what}), so it was not "
                        f"saved; try a lower --lr (now {config.lr:g})")
