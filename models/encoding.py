"""Encoding frames to their latent Gaussians with a trained model.

inference.py, the benchmark and the tests use these: a model from a checkpoint, every frame of
a cache or array to (mu, log_var), and the same while a cache is still being decoded.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from tqdm import tqdm

from data.cache import FrameCache, frame_batches, load_frames
from models.config import ARCHITECTURE_FIELDS, IMAGE_SIZE, ModelConfig
from models.repro_vae import ReproVAE
from models.training import as_model_input
from utils import distributed
from utils.checkpoints import load_checkpoint, load_model_state
from utils.device import autocast
from utils.errors import UserError


@dataclass
class LoadedCheckpoint:
    """A checkpoint ready to encode with: its epoch, file, model and training run (None for the
    original code's bare state dicts)."""
    epoch: int
    path: str
    model: ReproVAE
    run: Optional[str]


def load_checkpoints(checkpoints: List[Tuple[int, str]], config: ModelConfig) -> List[LoadedCheckpoint]:
    """Every (epoch, path) of `checkpoints` loaded, before any work, so that an unreadable or
    diverged one stops the run before results of the others are written."""
    loaded = []
    for epoch, path in checkpoints:
        state = load_checkpoint(path)
        loaded.append(LoadedCheckpoint(epoch, path, _model_from_state(state, path, config), state.get("run")))
    return loaded


def model_from_checkpoint(path: str, config: ModelConfig) -> ReproVAE:
    """The checkpoint's model; its stored architecture wins over the fields of `config` the user
    did not type (config.given).

    A typed field that contradicts the checkpoint is a UserError, as is a bare state dict that
    does not fit the model `config` describes.
    """
    return _model_from_state(load_checkpoint(path), path, config)


def _model_from_state(state: Dict, path: str, config: ModelConfig) -> ReproVAE:
    stored = state.get("model_config")
    if stored is not None:
        asked = config.model_arguments()
        for name in ARCHITECTURE_FIELDS:
            if name in config.given and asked[name] != stored.get(name):
                raise UserError(f"{path}: checkpoint has {name} {stored.get(name)}, but --{name} is {asked[name]}")
        try:
            model = ReproVAE(**stored)
        except (TypeError, ValueError) as err:
            raise UserError(f"{path}: checkpoint holds an unusable model description ({err})")
    else:  # the original code's bare state dict: the model the config describes
        try:
            model = ReproVAE(**config.model_arguments())
        except (MemoryError, RuntimeError) as err:
            if not isinstance(err, MemoryError) and "alloc" not in str(err).lower():
                raise
            raise UserError(f"the model does not fit in memory (--latent_dim {config.latent_dim}, --hidden_dims "
                            f"{' '.join(map(str, config.hidden_dims))})")
    load_model_state(model, state["model"], path)
    return model.eval()


def encode_frames(model: ReproVAE, frames, batch_size: int, device: torch.device,
                  desc: str = "encoding", precision: str = "fp32") -> Tuple[np.ndarray, np.ndarray]:
    """(mu, log_var) of every frame of a FrameCache or (N, 3, S, S) uint8 array, each (N, latent_dim).

    Buffers are allocated once, so memory does not grow with the length of the film. The
    convolutions run channels-last, in `precision`; the latents are float32 either way.
    """
    model = model.to(device, memory_format=torch.channels_last).eval()
    count = len(frames)
    mu_out = np.empty((count, model.latent_dim), dtype=np.float32)
    log_var_out = np.empty((count, model.latent_dim), dtype=np.float32)
    inputs = None
    start = 0
    with torch.no_grad():
        for batch in tqdm(frame_batches(frames, batch_size), total=-(-count // batch_size), desc=desc,
                          unit="batch", leave=False, disable=not distributed.is_main()):
            if inputs is None:
                # the first batch is the largest: a --bs above the film's length costs no more than the film
                inputs = torch.empty((len(batch), *batch.shape[1:]), dtype=torch.float32, device=device)
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            x = inputs[:len(batch)]
            x.copy_(torch.from_numpy(np.require(batch, requirements="W"))).div_(255)  # a memory map's is read-only
            with autocast(device, precision):
                mu, log_var = model.encode(x)
            mu_out[start:start + len(batch)] = mu.cpu().numpy()
            log_var_out[start:start + len(batch)] = log_var.cpu().numpy()
            start += len(batch)
    return mu_out, log_var_out


class StreamingEncoder:
    """Encodes the frames handed over while the cache is being built, in a worker thread, so
    that encoding overlaps decoding on a first run over a video.

    At most `max_pending` batches wait, so a slow encoder holds decoding back instead of
    letting frames pile up in memory. The arithmetic is that of encode_frames.
    """

    def __init__(self, model: ReproVAE, device: torch.device, precision: str, max_pending: int = 4):
        self.model = model.to(device, memory_format=torch.channels_last).eval()
        self.device, self.precision = device, precision
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.slots = threading.BoundedSemaphore(max_pending)
        self.futures = []
        self.failure: Optional[BaseException] = None

    def submit(self, batch: np.ndarray) -> None:
        if self.failure is not None:
            raise self.failure  # stop decoding at the first batch that could not be encoded
        self.slots.acquire()
        future = self.pool.submit(self._encode, batch)
        future.add_done_callback(lambda _: self.slots.release())
        self.futures.append(future)

    def _encode(self, batch: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        try:
            with torch.no_grad():
                x = as_model_input(torch.from_numpy(batch).to(self.device))
                with autocast(self.device, self.precision):
                    mu, log_var = self.model.encode(x)
            return mu.cpu().numpy(), log_var.cpu().numpy()
        except BaseException as err:
            self.failure = err  # set before the future completes, so the next submit sees it
            raise

    def result(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """(mu, log_var) of every frame handed over, or None when none was (a warm cache)."""
        self.pool.shutdown(wait=True)
        if not self.futures:
            return None
        parts = [future.result() for future in self.futures]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def encode_with_checkpoints(source: str, checkpoints: List[LoadedCheckpoint], device: torch.device, precision: str,
                            batch_size: int, cache_dir: Optional[str] = None, fps: Optional[float] = None
                            ) -> Tuple[FrameCache, Iterator[Tuple[int, np.ndarray, np.ndarray]]]:
    """The frame cache of `source` (kept in `cache_dir`, sampled at `fps` when given) and,
    lazily, (epoch, mu, log_var) of its frames for each of `checkpoints`, encoded `batch_size`
    frames at a time.

    A cold cache is encoded with the first checkpoint while it is decoded (StreamingEncoder);
    the other checkpoints, or all of them on a warm cache, encode it afterwards. Latents that
    are not finite (a model whose arithmetic overflows) are a UserError naming the checkpoint.

    Under torchrun, rank 0 builds the cache while the others wait; then each process encodes its
    consecutive run of batches and rank 0 gathers them in order: the latents are rank 0's alone
    (the other processes get no latents and must only step the iterator along).
    """
    if distributed.active():
        with distributed.main_first():
            cache = load_frames(source, cache_dir, IMAGE_SIZE, fps, batch_size=batch_size,
                                show_progress=distributed.is_main())
        encoded_while_decoding = None
    else:
        streaming = StreamingEncoder(checkpoints[0].model, device, precision)
        try:
            cache = load_frames(source, cache_dir, IMAGE_SIZE, fps, on_batch=streaming.submit,
                                batch_size=batch_size)
            encoded_while_decoding = streaming.result()
        finally:
            streaming.close()

    def latents() -> Iterator[Tuple[int, np.ndarray, np.ndarray]]:
        for position, checkpoint in enumerate(checkpoints):
            if position == 0 and encoded_while_decoding is not None:
                mu, log_var = encoded_while_decoding
            elif distributed.active():
                start, end = distributed.span_share(len(cache), batch_size)
                parts = distributed.gather_on_main(encode_frames(
                    checkpoint.model, cache.frames[start:end], batch_size, device, precision=precision,
                    desc=f"encoding (epoch {checkpoint.epoch})"))
                if not distributed.is_main():
                    yield checkpoint.epoch, None, None
                    continue
                mu, log_var = (np.concatenate([part[i] for part in parts]) for i in (0, 1))
            else:
                mu, log_var = encode_frames(checkpoint.model, cache, batch_size, device,
                                            desc=f"encoding (epoch {checkpoint.epoch})", precision=precision)
            if not (np.isfinite(mu).all() and np.isfinite(log_var).all()):
                raise UserError(f"{checkpoint.path}: the model gives latents that are not finite (NaN or "
                                f"infinity) on {source}; its weights are unusable, train again with a lower --lr")
            yield checkpoint.epoch, mu, log_var

    return cache, latents()
