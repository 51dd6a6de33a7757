"""Encode a film's frames with trained checkpoints and rank frame pairs as scene changes.

    python inference.py                               # the bundled sample, checkpoints in output/
    python inference.py --image_folder V --model_folder O --span 1

For each evaluated checkpoint of epoch i, writes into --results_folder (default: the model
folder, as the original did):
  latent_mu_<i>.npy, latent_logvar_<i>.npy   (N, latent_dim) float32
  kld_scores_<i>.npy                         (N-1,) float32, entry j = KL(frame j || frame j+1)
  scene_change_res<i>.npy                    pair indices ranked (first --top_K): by the KL (--ranking kl)
                                             or the selected changes first (--ranking changes)
  change_scores_<i>.npy / .png               the K-free change score (cuts and gradual transitions)
  scene_change_flags<i>.npy                  (N-1,) bool, entry j true = a change between j and j+1
  scenes_<i>.csv, scenes_<i>.json            the scene list (PySceneDetect's list-scenes CSV layout)
  scenes_<i>/scene_<n>.jpg                   first frame of each scene, with --save_images
"""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from tqdm import tqdm

from data.cache import FrameCache, frame_batches, load_frames, sampled_frame_rate
from data.sample import bundled_sample
from main import as_model_input, build_model
from models.repro_vae import ReproVAE
from opts import IMAGE_SIZE, parse_options
from utils.atomic import save_npy
from utils.changes import detect_changes, pair_kl_scores, rank_changes, rank_selected_first
from utils.checkpoints import CHECKPOINT_PATTERN, list_checkpoints, load_checkpoint, load_model_state
from utils.cli import run_cli
from utils.device import autocast, pick_device, resolve_precision
from utils.errors import UserError
from utils.plots import plot_scores
from utils.scenes import scene_list, write_scene_files
from utils.thumbnails import save_scene_thumbnails

ARCHITECTURE_OPTIONS = ("latent_dim", "hidden_dims", "activation")


def model_from_checkpoint(path: str, opt) -> ReproVAE:
    """The checkpoint's model; its stored architecture wins over options the user did not type.

    An option the user typed that contradicts the checkpoint is a UserError, as is a bare
    state dict that does not fit the model the options describe.
    """
    state = load_checkpoint(path)
    config = state.get("model_config")
    if config is not None:
        for name in ARCHITECTURE_OPTIONS:
            if name in opt.explicit and getattr(opt, name) != config.get(name):
                raise UserError(f"{path}: checkpoint has {name} {config.get(name)}, but --{name} is "
                                f"{getattr(opt, name)}")
        try:
            model = ReproVAE(**config)
        except (TypeError, ValueError) as err:
            raise UserError(f"{path}: checkpoint holds an unusable model description ({err})")
    else:
        model = build_model(opt)
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
                          unit="batch", leave=False):
            if inputs is None:
                inputs = torch.empty((batch_size, *batch.shape[1:]), dtype=torch.float32, device=device)
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            x = inputs[:len(batch)]
            x.copy_(torch.from_numpy(batch)).div_(255)
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


def checkpoints_to_evaluate(opt) -> List[Tuple[int, str]]:
    """(epoch, path) of --model, or of every --span-th checkpoint of the model folder.

    Counted back from the newest, so that `--span` equal to the number of epochs evaluates the
    final model, not the first.
    """
    if opt.model:
        match = CHECKPOINT_PATTERN.match(os.path.basename(opt.model))
        return [(int(match.group(1)) if match else 0, opt.model)]
    found = list_checkpoints(opt.model_folder)
    if not found:
        raise UserError(f"{opt.model_folder}: no checkpoints (model_state_<epoch>_val_loss_<loss>.pkl) "
                        "in the model folder; train first with main.py")
    return found[::-1][::opt.span][::-1]


def infer(opt) -> List[str]:
    """Run detection as the options say; returns the ranked result files written."""
    torch.manual_seed(opt.seed)
    device = pick_device(opt.device)
    opt.model_folder = opt.model_folder or opt.output_folder
    if opt.image_folder is None:
        opt.image_folder = bundled_sample(opt.cache_dir)["val"]
    checkpoints = checkpoints_to_evaluate(opt)
    precision = resolve_precision(opt.precision, device)
    first_model = model_from_checkpoint(checkpoints[0][1], opt)
    streaming = StreamingEncoder(first_model, device, precision)
    try:  # a cold cache is encoded with the first checkpoint while it is decoded
        cache = load_frames(opt.image_folder, opt.cache_dir, IMAGE_SIZE, opt.fps,
                            on_batch=streaming.submit, batch_size=opt.bs)
        encoded_while_decoding = streaming.result()
    finally:
        streaming.close()
    frame_rate = sampled_frame_rate(cache, opt.fps)
    if len(cache) < 2:
        raise UserError(f"{opt.image_folder}: needs at least two frames to score a change")
    results_folder = opt.results_folder or (os.path.dirname(opt.model) if opt.model else opt.model_folder)
    os.makedirs(results_folder, exist_ok=True)
    written = []
    for position, (epoch, path) in enumerate(checkpoints):
        if position == 0 and encoded_while_decoding is not None:
            mu, log_var = encoded_while_decoding
        else:
            model = first_model if position == 0 else model_from_checkpoint(path, opt)
            mu, log_var = encode_frames(model, cache, opt.bs, device, desc=f"encoding (epoch {epoch})",
                                        precision=precision)
        written.append(write_results(results_folder, epoch, mu, log_var, cache, frame_rate, opt))
    return written


def write_results(folder: str, epoch: int, mu: np.ndarray, log_var: np.ndarray, cache: FrameCache,
                  frame_rate: float, opt) -> str:
    """Scores, ranking, K-free changes, scene lists and the score picture of one checkpoint."""
    def path(name: str) -> str:
        return os.path.join(folder, name)

    scores = pair_kl_scores(mu, log_var)
    change_score, flags = detect_changes(
        mu, log_var, frame_rate, min_scene_seconds=opt.min_scene_len, ratio=opt.threshold,
        cut_score=opt.cut_score, transition_seconds=opt.transition_seconds,
        transition_score=opt.transition_score)
    save_npy(path(f"latent_mu_{epoch}.npy"), mu)
    save_npy(path(f"latent_logvar_{epoch}.npy"), log_var)
    save_npy(path(f"kld_scores_{epoch}.npy"), scores)
    save_npy(path(f"change_scores_{epoch}.npy"), change_score)
    save_npy(path(f"scene_change_flags{epoch}.npy"), flags)
    scenes = scene_list(flags, cache.source_index, cache.timestamps, cache.source_fps)
    write_scene_files(scenes, path(f"scenes_{epoch}.csv"), path(f"scenes_{epoch}.json"), cache.source)
    plot_scores(change_score, path(f"change_scores_{epoch}.png"), flags=flags,
                title=f"{os.path.basename(cache.source.rstrip(os.sep))}, checkpoint of epoch {epoch}: "
                      f"{int(flags.sum())} scene changes")
    if opt.save_images:
        save_scene_thumbnails(cache.source, cache.kind, scenes, path(f"scenes_{epoch}"))
    ranking = (rank_changes(scores, opt.top_K) if opt.ranking == "kl"
               else rank_selected_first(scores, flags, opt.top_K))
    ranked = save_npy(path(f"scene_change_res{epoch}.npy"), ranking)
    print(f"epoch {epoch}: {len(cache)} frames, {len(scenes)} scenes ({int(flags.sum())} changes) "
          f"-> {path(f'scenes_{epoch}.csv')}", file=sys.stderr)
    return ranked


def main(argv: Optional[Sequence[str]] = None) -> int:
    opt = parse_options(argv, prog="inference.py",
                        description="Score consecutive frames with trained checkpoints and rank scene changes.")
    return run_cli(lambda: infer(opt))


if __name__ == "__main__":
    sys.exit(main())
