"""Train the repro-VAE on a film's frames and write a checkpoint after every epoch.

    python main.py                                   # the bundled sample, paper's best settings
    python main.py --train_folder T --val_folder V --output_folder O --max_iters 100

Flow: checks (output folder, earlier run, --resume options) -> frame cache -> model -> epochs
(Adam, ReduceLROnPlateau) -> checkpoints `model_state_<epoch>_val_loss_<loss>.pkl` (with
--val_folder; without it, the loss in the name is the training loss: `..._train_loss_<loss>.pkl`),
`loss_history.json` / `.png` and `reconstructions.png` (validation frames, else training frames,
above their reconstructions by the last model) in --output_folder. A diverged epoch (weights or loss not
finite) is never saved. Ctrl-C finishes the batch, saves the epoch's state
(interrupted_state.pkl) and says how to continue it with --resume.

Under `torchrun --nproc_per_node N main.py ...` the same script trains with DistributedDataParallel
(utils/distributed.py): every process takes its share of each batch of --bs frames (the batch is
global), rank 0 alone builds the frame cache and writes checkpoints, logs and progress bars.
"""

DESCRIPTION = ("Train the repro-VAE on a film's frames, writing a checkpoint after every epoch into "
               "--output_folder.")

if __name__ == "__main__":  # before the libraries load: Ctrl-C then is one line too, and --help or a
    # mistyped option answers at once (torch takes seconds to import)
    from utils.cli import quiet_interrupt_while_loading
    quiet_interrupt_while_loading()
    from opts import parse_options
    SHELL_OPTIONS = parse_options(prog="main.py", description=DESCRIPTION)

import contextlib
import json
import os
import sys
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from data.cache import FrameCache, check_frame_source, frame_sources, load_frames, read_all_frames, sampling_note
from data.film_print import film_difference, film_print, sources_difference
from data.sample import bundled_sample
from data.while_decoding import FramesWhileDecoding
from models.config import IMAGE_SIZE, ModelConfig, TrainConfig
from models.training import (EpochInterrupted, FirstEpochDraws, TrainingProgress, build_model, build_optimizer,
                             check_not_diverged, checkpoint_contents, epoch_order, epochs_trained, epochs_without_progress,
                             reconstruct, restore_training_state, resume_checkpoint, train_epoch, validation_loss)
from opts import adopt_run_options, parse_options, saved_options
from utils import distributed
from utils.atomic import save_text, writable_folder
from utils.checkpoints import INTERRUPTED_NAME, checkpoint_name, save_checkpoint
from utils.cli import StopRequest, run_cli
from utils.device import pick_device, resolve_precision
from utils.errors import Interrupted, UserError, first_few
from utils.plots import plot_loss_history, save_reconstruction_grid
from utils.folder_lock import folder_lock
from utils.paths import check_output_path
from utils.result_sets import REPORT_EMBEDDED, REPORT_FILES, REPORT_PAGE
from utils.run_folder import check_fresh_run, check_not_a_frame_folder, clear_earlier_run, new_run_id

RESUME_HINT = "run the same command with --resume to continue"


def resume_hint(opt) -> str:
    """How to continue a stopped run: the same command with --resume, which refuses --overwrite
    beside it (the run --overwrite started is the one to continue)."""
    return "run the same command with --resume in place of --overwrite to continue" if getattr(opt, "overwrite", False) \
        else RESUME_HINT


PROBE_FRAMES = 16  # without validation frames, the model is tried on this many training frames after each epoch


def train(opt) -> List[str]:
    """Train as the options say; returns the paths of the checkpoints written (none on ranks
    other than 0 under torchrun)."""
    with distributed.process_group(pick_device(opt.device)) as device:
        return train_on(device, opt)


def train_on(device: torch.device, opt) -> List[str]:
    """train() in this process, computing on `device`; rank 0 holds the output folder's lock
    throughout, so that a second run into the same folder is refused, naming this one."""
    check_not_a_frame_folder(opt.output_folder, frame_sources(opt.train_folder) + frame_sources(opt.val_folder),
                             "output folder", "--output_folder")
    check_output_path(opt.output_folder, "output folder")
    with contextlib.ExitStack() as held:
        if distributed.is_main():
            writable_folder(opt.output_folder, "output folder")
            held.enter_context(folder_lock(opt.output_folder, "output folder", "main.py"))
        return train_locked(device, opt)


class EarlierRun:
    """The earlier run's files that --overwrite replaces, deleted once, just before the new
    run writes its first file: every check and the frame cache come first, and a run that
    fails, or is stopped, before its first checkpoint leaves the earlier one whole."""

    def __init__(self, folder: str, pending: bool):
        self.folder, self.pending = folder, pending

    def clear(self) -> None:
        if self.pending and distributed.is_main():
            clear_earlier_run(self.folder, also=(REPORT_PAGE, REPORT_FILES, REPORT_EMBEDDED))
        self.pending = False


def train_locked(device: torch.device, opt) -> List[str]:
    """train_on() once the output folder is locked."""
    main_rank = distributed.is_main()
    earlier = EarlierRun(opt.output_folder, False)
    with distributed.main_first():  # rank 0 checks the folder, or drops a stale interrupted state
        resumed = resume_checkpoint(opt.output_folder) if opt.resume else None
        if resumed is None and main_rank:
            if opt.resume:
                print(f"--resume: no checkpoint in {opt.output_folder}, starting from scratch", file=sys.stderr)
            earlier.pending = check_fresh_run(opt.output_folder, opt.overwrite)
    if resumed is not None:
        adopt_run_options(opt, resumed[1], resumed[0])
        done = epochs_trained(*resumed)
        if done >= opt.max_iters:
            if main_rank:
                print(f"--resume: the run in {opt.output_folder} has trained {done} epoch(s) "
                      f"({os.path.basename(resumed[0])}) and --max_iters {opt.max_iters} asks for no more, so "
                      f"nothing is trained; give --max_iters {done + 1} or more to go on", file=sys.stderr)
            return []
        run = resumed[1].get("run") or new_run_id()
    else:
        run = new_run_id()
    if opt.bs < distributed.world_size():
        raise UserError(f"--bs {opt.bs} is smaller than the {distributed.world_size()} processes sharing each batch")
    train_sources, val_sources = frame_sources(opt.train_folder), frame_sources(opt.val_folder)
    for source in train_sources + val_sources:
        check_frame_source(source)
    trained_on = {os.path.realpath(source) for source in train_sources}
    for source in val_sources:
        if os.path.realpath(source) in trained_on and distributed.is_main():
            warnings.warn(f"{source}: the validation frames are training frames too (--val_folder is among "
                          "--train_folder); their loss, which names the checkpoints, is no measure of frames "
                          "the model has not seen")
    torch.manual_seed(opt.seed)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    with distributed.main_first():  # the frame caches are built once, by rank 0
        if opt.train_folder is None:
            sample = bundled_sample(opt.cache_dir)
            opt.train_folder = sample["train"]
            opt.val_folder = opt.val_folder or sample["val"]
        val_cache = load_frames(opt.val_folder, opt.cache_dir, IMAGE_SIZE, opt.fps) if opt.val_folder else None
        frames, train_caches = training_frames(opt, device, decoding_ahead=resumed is None and not distributed.active())
    val_frames = torch.from_numpy(read_all_frames(val_cache)) if val_cache is not None else None
    caches = train_caches + ([val_cache] if val_cache is not None else [])
    films = film_prints(caches)
    if resumed is not None:  # a resumed run's films are read whole, never while decoding
        check_same_films(resumed[1], resumed[0], films, [cache.source for cache in caches], opt.output_folder)

    config = TrainConfig.from_options(opt)  # the run's options, once --resume has taken them back
    model = build_model(ModelConfig.from_options(opt)).to(device, memory_format=torch.channels_last)
    precision = resolve_precision(config.precision, device)
    optimizer, scheduler = build_optimizer(model, config)
    progress = TrainingProgress()
    if resumed is not None:
        progress = restore_training_state(resumed[1], resumed[0], model, optimizer, scheduler, config)
    if main_rank:
        os.makedirs(opt.output_folder, exist_ok=True)
        processes = f", {distributed.world_size()} processes" if distributed.active() else ""
        sources = frame_sources(opt.train_folder)
        named = sources[0] if len(sources) == 1 else f"{len(sources)} sources ({', '.join(sources[:3])}" + \
            (", ...)" if len(sources) > 3 else ")")
        counted = f"{len(frames)} frames" if isinstance(frames, torch.Tensor) else "the frames, as they are decoded,"
        print(f"training on {counted} of {named} ({device.type}, {precision}{processes}), "
              f"epochs {progress.epoch}..{config.max_iters - 1}, writing to {config.output_folder}", file=sys.stderr)
    if distributed.active():  # Ctrl-C ends every process; --resume goes on from the last epoch saved
        trainer = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        return train_epochs(model, optimizer, scheduler, frames, val_frames, opt, config, run, progress, precision,
                            stop=lambda: False, trainer=trainer, earlier=earlier, films=films)
    with StopRequest().installed() as stop:
        return train_epochs(model, optimizer, scheduler, frames, val_frames, opt, config, run, progress, precision,
                            stop, earlier=earlier, films=films)


def training_frames(opt, device: torch.device, decoding_ahead: bool):
    """The training frames and the cache of each film: in memory on `device` (a series: the frames
    of every episode, one after another), or, for one film trained in epochs of draws whose cache
    is being built, a FramesWhileDecoding, so that training starts on the frames decoded so far
    (its cache then None until it is whole)."""
    sources = frame_sources(opt.train_folder)
    if decoding_ahead and len(sources) == 1 and opt.epoch_frames:
        growing = FramesWhileDecoding(sources[0], opt.cache_dir, IMAGE_SIZE, opt.fps)
        if growing.wait_for(2) < 2:
            cache, _ = growing.finish()  # the decoder's own error, if it failed
            check_two_frames(opt, [cache])
        return growing, [None]
    caches = [load_frames(source, opt.cache_dir, IMAGE_SIZE, opt.fps) for source in sources]
    check_two_frames(opt, caches)
    return torch.from_numpy(np.concatenate([read_all_frames(cache) for cache in caches])).to(device), caches


def film_prints(caches: List[Optional[FrameCache]]) -> List[Optional[Dict]]:
    """The print of each film trained on (data/film_print.py), which every checkpoint keeps so
    that --resume can tell another film at the run's path; None for a film still being decoded,
    printed once it is whole."""
    return [film_print(cache) if cache is not None else None for cache in caches]


def first_film_printed(films: Optional[List[Optional[Dict]]], cache: Optional[FrameCache]) -> List[Optional[Dict]]:
    """`films` with the first (the film trained on while it was decoding) printed from `cache`,
    its cache once whole (None while it is not)."""
    return film_prints([cache]) + (films or [])[1:]


def check_same_films(state: Dict, path: str, films: List[Optional[Dict]], sources: List[str], folder: str) -> None:
    """A UserError, before any training, when the films now at the paths the checkpoint `state`
    (read from `path`) was trained on are other films (`films`: their prints now, one for each of
    `sources`): going on would mix two films in one model, whose scenes could be trusted for
    neither. A checkpoint written before films were printed resumes as it did, unchecked."""
    then = state.get("films")
    if then is None:
        return
    moved = sources_difference(then, films)
    if moved:
        raise UserError(f"{first_few(sources)}: not the films the run in {folder} was trained on ({moved}); give "
                        "--resume those films, or start afresh with --overwrite")
    for source, was, now in zip(sources, then, films):
        difference = film_difference(was, now) if was is not None and now is not None else ""
        if difference:
            raise UserError(f"{source}: not the film the run in {folder} was trained on ({difference}); give "
                            "--resume that film, or start afresh with --overwrite")


def check_two_frames(opt, caches) -> None:
    """A UserError when the training caches hold fewer than two frames between them."""
    kept = sum(len(cache) for cache in caches)
    if kept < 2:
        sampled = sampling_note(opt.fps, kept, sum(cache.source_frames for cache in caches))
        raise UserError(f"{opt.train_folder}: needs at least two frames to learn what changes between them{sampled}")


def train_epochs(model, optimizer, scheduler, frames, val_frames: Optional[torch.Tensor], opt, config: TrainConfig,
                 run: str, progress: TrainingProgress, precision: str, stop: Callable[[], bool],
                 trainer: Optional[torch.nn.Module] = None, earlier: Optional[EarlierRun] = None,
                 films: Optional[List[Optional[Dict]]] = None) -> List[str]:
    """The epochs from `progress` on, a checkpoint after each (written by rank 0); returns the
    checkpoints written. `opt`: the options a checkpoint keeps, `config` the training they give.
    `trainer` is `model` wrapped for DistributedDataParallel, under torchrun;
    `earlier`: the run --overwrite replaces, deleted before the first file is written. `frames`:
    a tensor, or a FramesWhileDecoding, whose first epoch's draws wait for the decoder where they
    need to (FirstEpochDraws), and which becomes the film's tensor once that epoch is done.
    `films`: the prints of the films trained on (film_prints), which every checkpoint keeps."""
    earlier = earlier or EarlierRun(config.output_folder, False)
    device = next(model.parameters()).device
    main_rank = distributed.is_main()
    history, iteration = progress.history, progress.iteration
    interrupted_path = os.path.join(config.output_folder, INTERRUPTED_NAME)
    written = []
    started = time.perf_counter() - (history[-1].get("seconds", 0.0) if history else 0.0)
    for epoch in range(progress.epoch, config.max_iters):
        order = FirstEpochDraws(frames, config.epoch_frames, config.seed) if epoch == 0 and config.epoch_frames else \
            epoch_order(len(frames), config.epoch_frames, config.seed, epoch)
        going_on = epoch == progress.epoch
        if distributed.active():  # each process its own noise draws, the same again on --resume
            torch.manual_seed((config.seed * 100003 + epoch) * 1009 + distributed.rank())
        try:
            means, iteration = train_epoch(trainer or model, optimizer, frames, order, config, iteration, precision, epoch,
                                           position=progress.position if going_on else 0,
                                           sums=progress.sums if going_on else None, stop_requested=stop)
        except EpochInterrupted as cut:
            check_not_diverged(model, cut.sums.get("loss", 0.0), config, epoch)
            if earlier.pending:  # stopped before this run wrote anything: the run it was to replace stays
                raise Interrupted(f"epoch {epoch} stopped after {cut.position} of its {len(order)} frames, before "
                                  f"this run's first checkpoint; the earlier run in {config.output_folder} is kept "
                                  "as it was, and nothing of this one is saved: run the same command again to "
                                  "replace it") from None
            earlier.clear()
            if isinstance(frames, FramesWhileDecoding):  # a film still decoding is left unprinted
                films = first_film_printed(films, frames.cache)
            save_checkpoint(interrupted_path, checkpoint_contents(model, optimizer, scheduler, saved_options(opt), run,
                                                                  epoch, cut.iteration, history, position=cut.position,
                                                                  sums=cut.sums, films=films))
            raise Interrupted(f"epoch {epoch} stopped after {cut.position} of its {len(order)} frames, its state "
                              f"saved in {interrupted_path}; {resume_hint(opt)}")
        if isinstance(frames, FramesWhileDecoding):  # the film is whole from here on
            whole, decoded = frames.finish()
            frames, films = torch.from_numpy(decoded).to(device), first_film_printed(films, whole)
        # the checkpoint's loss: the validation frames', else the epoch's training loss (named so)
        val_loss = validation_loss(model, val_frames, config, device, config.seed, precision) \
            if val_frames is not None else None
        loss = means["loss"] if val_loss is None else val_loss
        # the epoch's last step may have broken the model after its loss was taken: try it once more
        check_not_diverged(model, val_loss if val_frames is not None else
                           validation_loss(model, frames, config, device, config.seed, precision, count=PROBE_FRAMES),
                           config, epoch)
        scheduler.step(means["loss"])
        history.append({"epoch": epoch, **means, **({} if val_loss is None else {"val_loss": val_loss}),
                        "lr": optimizer.param_groups[0]["lr"], "seconds": round(time.perf_counter() - started, 3)})
        path = os.path.join(config.output_folder,
                            checkpoint_name(epoch, loss, "training" if val_loss is None else "validation"))
        if main_rank:
            validated = "" if val_loss is None else f" val_loss {val_loss:.2f}"
            print("epoch {epoch}: train_loss {loss:.2f} reconstruction {reconstruction:.2f} kld {kld:.3f} "
                  "reprojection_kld {reprojection_kld:.4f}".format(**history[-1]) +
                  f"{validated} lr {history[-1]['lr']:.2g}", file=sys.stderr)
            earlier.clear()
            save_checkpoint(path, checkpoint_contents(model, optimizer, scheduler, saved_options(opt), run, epoch,
                                                      iteration, history, loss=loss, films=films))
            save_text(os.path.join(config.output_folder, "loss_history.json"), json.dumps(history, indent=1))
            written.append(path)
            if os.path.exists(interrupted_path):
                os.remove(interrupted_path)
        if stop() and epoch < config.max_iters - 1:
            raise Interrupted(f"stopped after epoch {epoch}, saved in {path}; {resume_hint(opt)}")
        if config.patience and epochs_without_progress(history, config.min_delta) >= config.patience:
            if main_rank:
                print(f"stopping early after epoch {epoch}: the training loss fell by less than "
                      f"{config.min_delta:.0%} for {config.patience} epochs", file=sys.stderr)
            break
    if history and main_rank:
        plot_loss_history(history, os.path.join(config.output_folder, "loss_history.png"))
        shown = val_frames if val_frames is not None else frames
        save_reconstruction_grid(*reconstruct(model, shown, precision=precision),
                                 os.path.join(config.output_folder, "reconstructions.png"))
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    if argv is None and "SHELL_OPTIONS" in globals():  # run from the shell: parsed before the imports
        opt = SHELL_OPTIONS
    else:
        opt = parse_options(argv, prog="main.py", description=DESCRIPTION)
    return run_cli(lambda: train(opt))


if __name__ == "__main__":
    sys.exit(main())
