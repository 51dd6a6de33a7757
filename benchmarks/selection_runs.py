"""Trained runs read again with another selection: what the ablation and the tuning grids score.

A run is a repro-VAE trained on a film with the default settings and the latents inference.py
saved for its newest checkpoint. Its film's frames give the pictures (selection.pictures), so any
SelectionConfig can be applied to it in-process in seconds, without training or encoding again.

    tuning runs   the tuning films (benchmarks.tuning), the kinds of the measuring films drawn
                  from other seeds, with slides; where rules are chosen
    real runs     the labelled clips of ../shared/data (development clips: rick, cartoon_space,
                  ds_edit, dragonball_edit), trained by the same default command
"""

import dataclasses
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from benchmarks import datasets as ds
from benchmarks import ours
from benchmarks.scoring import score
from data.cache import load_frames, sampled_frame_rate
from selection import Changes, SelectionConfig, detect_changes
from selection.score import pair_kl_scores
from selection.pictures import Pictures, picture_features
from utils.atomic import save_text


@dataclass
class SavedRun:
    """One trained run: its data set, training seed, latents, the pictures and rate of its frames,
    and the flags inference.py saved (what the selection of the day found)."""
    group: str
    dataset: ds.Dataset
    seed: int
    mu: np.ndarray
    log_var: np.ndarray
    pictures: Pictures
    frame_rate: float
    saved_flags: np.ndarray
    folder: Optional[str] = None  # the run's folder (its checkpoints), where it is known


def newest_latents(detections: str):
    """(mu, log_var, flags) of the newest epoch's results in a detections folder, or None."""
    epochs = sorted(int(m.group(1)) for m in (re.match(r"latent_mu_(\d+)\.npy$", name)
                                              for name in os.listdir(detections)) if m) \
        if os.path.isdir(detections) else []
    if not epochs:
        return None
    e = epochs[-1]
    return tuple(np.load(os.path.join(detections, f"{kind}_{e}.npy"))
                 for kind in ("latent_mu", "latent_logvar", "scene_change_flags"))


_PICTURES: Dict[str, tuple] = {}


def film_pictures(video: str, cache_dir: str):
    """(Pictures, frame rate) of a video's frames as inference.py reads them (64x64, every frame)."""
    if video not in _PICTURES:
        cache = load_frames(video, cache_dir, 64, show_progress=False)
        _PICTURES[video] = (picture_features(cache.frames), sampled_frame_rate(cache, None))
    return _PICTURES[video]


def _runs(group: str, dataset: ds.Dataset, folders: Sequence[str], cache_dir: str) -> List[SavedRun]:
    found = []
    for folder in folders:
        saved = newest_latents(os.path.join(folder, "detections"))
        if saved is None:
            continue
        pictures, rate = film_pictures(dataset.video, cache_dir)
        seed = int(re.search(r"seed(\d+)$", folder.rstrip(os.sep)).group(1))
        found.append(SavedRun(group, dataset, seed, saved[0], saved[1], pictures, rate, saved[2], folder))
    return found


def tuning_runs(work: str, seeds: Sequence[int], extra: str = "slide",
                frames: int = ds.FRAMES_PER_FILM) -> List[SavedRun]:
    """The tuning films' runs that benchmarks.tuning trained under `work`."""
    from benchmarks.tuning import tuning_film
    runs = []
    for name in ds.MEASURING:
        film, seed, options = tuning_film(name, extra)
        folders = [os.path.join(work, "tuning", "runs", f"{film}-{frames}", f"seed{s}") for s in seeds]
        folders = [f for f in folders if newest_latents(os.path.join(f, "detections")) is not None]
        if folders:  # a film is built (or found) only where a run of it was trained
            dataset = ds.build_film(os.path.join(work, "tuning", "films"), film, seed, options, frames=frames)
            runs += _runs("tuning", dataset, folders, os.path.join(work, "frames-cache"))
    return runs


def real_runs(work: str, shared: str, seeds: Sequence[int]) -> List[SavedRun]:
    """The shared clips' runs under <work>/real/runs/<clip>/seed<k> (train_real trains them), or
    the accuracy stage's repro-VAE runs of the same clip and seed (<work>/accuracy/<clip>/repro-VAE):
    both are the default training of one seed, so either serves."""
    runs = []
    for clip in ds.shared_clips(shared):
        folders = []
        for seed in seeds:
            found = [f for f in (os.path.join(work, "real", "runs", clip.name, f"seed{seed}"),
                                 os.path.join(work, "accuracy", clip.name, "repro-VAE", f"seed{seed}"))
                     if newest_latents(os.path.join(f, "detections")) is not None]
            folders += found[:1]
        runs += _runs("real", clip, folders, os.path.join(work, "frames-cache"))
    return runs


def held_runs(runs: List[SavedRun], hold: int = 3) -> List[SavedRun]:
    """The tuning runs as if every drawing were held `hold` frames (never across a change), as
    benchmarks/held.py shows the measuring films: the frames' latents and pictures repeated, the
    labels unchanged. The group is named "tuning held <hold>"."""
    from benchmarks.held import held_frames
    out = []
    for run in runs:
        if run.group != "tuning":
            continue
        shown = held_frames(len(run.mu), hold, run.dataset.labels)
        p = run.pictures
        pictures = Pictures(*(None if part is None else part[shown]
                              for part in (p.detail, p.edges, p.colours, p.thumbnails, p.grey)))
        out.append(SavedRun(f"tuning held {hold}", run.dataset, run.seed, run.mu[shown], run.log_var[shown],
                            pictures, run.frame_rate, None))
    return out


def interlaced_runs(runs: List[SavedRun], keep: Optional[str] = None) -> List[SavedRun]:
    """The tuning runs on their films with every cut interlaced, as benchmarks/interlaced.py shows
    the measuring films (a telecined rip: the first frame after each cut, of setting or one that
    keeps it, shows the even lines of the frame before and the odd lines of the frame after): the
    film encoded again as the suite's are, its pictures read again and its frames encoded with the
    run's newest checkpoint (on the CPU, fp32); the labels unchanged. What the split_cut stage is
    for. The videos, their frame caches and the latents are kept in `keep` (default
    <work>/tuning/interlaced, beside the runs' folder), so a second call only reads them. Runs whose
    folder is unknown are left out. The group is named "tuning interlaced"."""
    out = []
    for run in runs:
        if run.group != "tuning" or run.folder is None:
            continue
        folder = keep or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(run.folder)))), "interlaced")
        video = interlaced_film(run.dataset, folder)
        pictures, rate = film_pictures(video, os.path.join(folder, "frames-cache"))
        mu, log_var = interlaced_latents(run, video, folder)
        out.append(SavedRun("tuning interlaced", run.dataset, run.seed, mu, log_var, pictures, rate, None,
                            run.folder))
    return out


def interlaced_film(dataset: ds.Dataset, folder: str) -> str:
    """<folder>/<the film's file name>: the film with every cut interlaced, written where it is
    missing or older than the film."""
    video = os.path.join(folder, os.path.basename(dataset.video))
    if not os.path.exists(video) or os.path.getmtime(video) < os.path.getmtime(dataset.video):
        from benchmarks.interlaced import interlaced_video
        os.makedirs(folder, exist_ok=True)
        interlaced_video(dataset, video)
    return video


def interlaced_latents(run: SavedRun, video: str, folder: str):
    """(mu, log_var) of every frame of `video` (64x64, cached in <folder>/frames-cache) under the
    newest checkpoint of the run's folder; kept in <folder>/<film run>-seed<k>.latents.npz, and
    encoded again when the checkpoint or the video changed."""
    from models.config import ModelConfig
    from models.encoding import encode_frames, model_from_checkpoint
    from opts import parse_options
    from utils.atomic import write_with
    from utils.checkpoints import list_checkpoints
    from utils.device import pick_device
    checkpoint = os.path.abspath(list_checkpoints(run.folder)[-1][1])
    name = os.path.basename(os.path.dirname(os.path.abspath(run.folder)))
    kept = os.path.join(folder, f"{name}-seed{run.seed}.latents.npz")
    if os.path.exists(kept) and os.path.getmtime(kept) >= max(os.path.getmtime(checkpoint), os.path.getmtime(video)):
        with np.load(kept) as saved:
            if str(saved["checkpoint"]) == checkpoint and str(saved["video"]) == os.path.abspath(video):
                return saved["mu"], saved["log_var"]
    model = model_from_checkpoint(checkpoint, ModelConfig.from_options(parse_options([])))
    cache = load_frames(video, os.path.join(folder, "frames-cache"), 64, show_progress=False)
    mu, log_var = encode_frames(model, cache, 256, pick_device("cpu"), precision="fp32")
    write_with(kept, lambda path: np.savez(path, mu=mu, log_var=log_var, checkpoint=checkpoint,
                                           video=os.path.abspath(video)))
    return mu, log_var


def train_real(work: str, shared: str, seeds: Sequence[int]) -> None:
    """Trains (or keeps) the repro-VAE with the default settings on every shared clip and seed."""
    for seed in seeds:
        for clip in ds.shared_clips(shared):
            ours.train_and_detect(clip.video, os.path.join(work, "real", "runs", clip.name, f"seed{seed}"),
                                  "repro-VAE", seed, reuse=True)


def add_run_options(parser, section: str) -> None:
    """The options of a benchmark that reads ablation_runs: which runs, where, and the section of
    RESULTS.md its table goes to."""
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="training seeds of the tuning films")
    parser.add_argument("--real_seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the clips")
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"),
                        help="scratch folder holding <work>/tuning and <work>/real")
    parser.add_argument("--shared", default=shared_folder(), help="folder of labelled clips")
    parser.add_argument("--no_training", action="store_true", help="score only the runs already trained")
    parser.add_argument("--out", default=os.path.join(ours.ROOT, "benchmarks"),
                        help=f"results.json and RESULTS.md get the table (section '{section}')")


def ablation_runs(work: str, shared: str, seeds: Sequence[int], real_seeds: Sequence[int],
                  training: bool = True) -> List[SavedRun]:
    """The runs the ablation and the sensitivity read: the tuning films (trained by
    benchmarks.tuning with slides, unless `training` is off), the same held on threes and
    interlaced at every cut, and the shared clips."""
    if training:
        from benchmarks.tuning import tune
        tune(list(ds.MEASURING), seeds, work, extra="slide")
        train_real(work, shared, real_seeds)
    tuning = tuning_runs(work, seeds)
    return tuning + held_runs(tuning, 3) + interlaced_runs(tuning) + real_runs(work, shared, real_seeds)


def publish(args, key: str, title: str, how: str, table: Callable[[List[SavedRun]], str]) -> int:
    """A benchmark's main once its options are read (add_run_options): the runs, `table(runs)`
    printed, kept in <work>/<key>/<KEY>.md and put into RESULTS.md as section `key`."""
    runs = ablation_runs(args.work, args.shared, args.seeds, args.real_seeds, training=not args.no_training)
    if not runs:
        print(f"no trained runs under {args.work}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    text = table(runs)
    print(text)
    save_text(os.path.join(args.work, key, f"{key.upper()}.md"), text)
    record_section(args.out, key, title, how, text, time.perf_counter() - started)
    return 0


def detect(run: SavedRun, config: SelectionConfig) -> Changes:
    """The selection `config` on a run, as inference.py applies it (no transition outlasts the film)."""
    seconds = min(config.transition_seconds, len(run.mu) / run.frame_rate)
    return detect_changes(run.mu, run.log_var, run.frame_rate, pictures=run.pictures,
                          config=dataclasses.replace(config, transition_seconds=seconds))


def scored(run: SavedRun, config: SelectionConfig, found: Optional[Changes] = None) -> Dict:
    """benchmarks.scoring.score of the run's detections under `config` (K-free and top-K F1, the
    paper's accuracy of the run's pair KL, ...)."""
    found = found or detect(run, config)
    return score({"frames": len(run.mu), "scores": found.score, "changes": found.changes,
                  "events": found.events, "kl_scores": pair_kl_scores(run.mu, run.log_var)}, run.dataset)


def set_name(run: SavedRun) -> str:
    """How a run's data set is named in the tables: its name, prefixed by its group unless the
    group is the tuning films or the real clips (a held tuning film is another data set)."""
    return run.dataset.name if run.group in ("tuning", "real") else f"{run.group}: {run.dataset.name}"


def group_means(rows: List[Dict], runs: List[SavedRun], key: str = "f1") -> Dict[str, Dict]:
    """{name: {"mean", "sd"}}: per data set (mean and sd over training seeds) and per group (the
    mean over its data sets; its spread is the mean sd over seeds of those data sets that have
    several, 0 where none has)."""
    by_set = {}
    for row, run in zip(rows, runs):
        by_set.setdefault(set_name(run), []).append(row[key])
    out = {name: {"mean": float(np.mean(v)), "sd": float(np.std(v)), "seeds": len(v)} for name, v in by_set.items()}
    for group in sorted({r.group for r in runs}):
        names = sorted({set_name(r) for r in runs if r.group == group})
        spreads = [out[n]["sd"] for n in names if out[n]["seeds"] > 1]
        out[group] = {"mean": float(np.mean([out[n]["mean"] for n in names])),
                      "sd": float(np.mean(spreads)) if spreads else 0.0}
    return out


def shared_folder() -> str:
    return os.path.join(ours.ROOT, "..", "shared", "data")



def record_section(out: str, key: str, title: str, how: str, text: str, seconds: float) -> str:
    """Puts a section into <out>/results.json under `key` and writes <out>/RESULTS.md again from
    all of it (benchmarks/report.py), so the section stays when the other stages run again."""
    import json
    from benchmarks.report import render
    path = os.path.join(out, "results.json")
    results = {}
    if os.path.exists(path):
        with open(path) as f:
            results = json.load(f)
    results[key] = {"title": title, "how": how, "lines": text.rstrip("\n").split("\n"),
                    "date": time.strftime("%Y-%m-%d"), "stage_seconds": seconds}
    save_text(path, json.dumps(results, indent=1))
    return save_text(os.path.join(out, "RESULTS.md"), render(results))
