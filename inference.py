"""Encode a film's frames with trained checkpoints and rank frame pairs as scene changes.

    python inference.py                               # the bundled sample, checkpoints in output/
    python inference.py --image_folder V --model_folder O --span 1

For each evaluated checkpoint of epoch i, writes into --results_folder (default: the model
folder, as the original did):
  latent_mu_<i>.npy, latent_logvar_<i>.npy   (N, latent_dim) float32
  kld_scores_<i>.npy                         (N-1,) float32, entry j = KL(frame j || frame j+1)
  scene_change_res<i>.npy                    pair indices ranked (first --top_K): by the KL (--ranking kl)
                                             or every change event by confidence first (--ranking changes)
  change_events_<i>.npy                      one pair per candidate change event, most confident first
  change_confidence_<i>.npy                  the confidence of each event (>= 0: reported as a change)
  change_scores_<i>.npy / .png               per pair, the best confidence of any time scale
  change_candidates_<i>.csv                  every candidate change: its scale, confidence, the stage that
                                             kept or dropped it, why, and the numbers each stage compared
  scene_change_flags_<i>.npy                 (N-1,) bool, entry j true = a change between j and j+1
  scenes_<i>.csv, scenes_<i>.json            the shot list (PySceneDetect's list-scenes CSV layout)
  setting_change_flags_<i>.npy               (N-1,) bool, the scene level: entry j true = the setting
                                             changes between j and j+1 (a subset of the shot flags)
  settings_<i>.csv, settings_<i>.json        the scenes of the scene level and the shots each holds
  scenes_<i>/scene_<n>.jpg                   first frame of each scene, with --save_images
  scenes_<i>.edl / .otio, settings_<i>.edl / .otio, clips_<i>/shot_<n>.mp4
                                             with --export edl otio clips: the lists for video editors
                                             (CMX 3600, OpenTimelineIO), the film cut into its shots
  frame_index_<i>.npy                        (N,) int64: the source frame number of every encoded frame
  result_source_<i>.json                     the checkpoint and training run the results came from
  report.html, report_files/                 with --report: the newest checkpoint's results, for a browser

Everything that can fail cheaply is checked before the frames are encoded: the results folder
can be written, every checkpoint loads with finite weights, no results of another checkpoint or
another run would be mixed with these (--overwrite deletes them). All latents are computed and
checked finite before the first file is written.

Under `torchrun --nproc_per_node N inference.py ...` the processes share the encoding (each its
run of frames, utils/distributed.py) and rank 0 gathers the latents in order and writes every file:
the same results as one process.
"""

DESCRIPTION = ("Detect the scene changes of a film with the checkpoints main.py trained: write the shot and scene "
               "lists, the change scores and the ranked frame pairs into the results folder.")

if __name__ == "__main__":  # before the libraries load: Ctrl-C then is one line too, and --help or a
    # mistyped option answers at once (torch takes seconds to import)
    from utils.cli import quiet_interrupt_while_loading
    quiet_interrupt_while_loading()
    from opts import parse_options
    SHELL_OPTIONS = parse_options(prog="inference.py", description=DESCRIPTION)

import contextlib
import dataclasses
import os
import sys
from typing import List, Optional, Sequence

import numpy as np
import torch

from data.cache import (FrameCache, check_frame_source, frame_sources, sampled_frame_rate, sampling_note, source_names,
                        warn_assumed_rate)
from data.sample import bundled_sample
from models.encoding import encode_with_checkpoints, load_checkpoints
from opts import parse_options
from report import build_report
from selection import candidates_csv, detect_changes, from_options, pair_kl_scores, rank_changes, rank_events_first
from report.build import REPORT_FILES
from utils import distributed
from utils.atomic import save_npy, save_text, writable_folder
from utils.checkpoints import checkpoints_to_evaluate
from utils.cli import run_cli
from utils.device import pick_device, resolve_precision
from utils.errors import UserError
from utils.export import export_scene_lists
from utils.labels import labels_of_frames, load_label_spans
from utils.pictures import Pictures, picture_features
from utils.plots import plot_scores
from utils.folder_lock import folder_lock
from utils.paths import check_output_path
from utils.result_sets import earlier_set, file_list
from utils.run_folder import check_not_a_frame_folder, make_room_for_results, new_run_id, write_source
from utils.staging import settle, staged
from utils.scenes import scene_list, setting_list, write_scene_files, write_setting_files
from utils.setting_changes import setting_changes
from utils.thumbnails import save_scene_thumbnails


def infer(opt) -> List[str]:
    """Run detection as the options say; returns the ranked result files written (none on ranks
    other than 0 under torchrun)."""
    torch.manual_seed(opt.seed)
    with distributed.process_group(pick_device(opt.device)) as device:
        return infer_on(device, opt)


def infer_on(device: torch.device, opt) -> List[str]:
    """infer() in this process, computing on `device`."""
    main_rank = distributed.is_main()
    check_labels_option(opt, len(frame_sources(opt.image_folder)) if opt.image_folder else 1)
    if opt.decision == "learned":  # the fitted model must read before any frame is encoded
        from selection import learned
        try:
            learned.load()
        except ValueError as error:
            raise UserError(str(error)) from None
    opt.model_folder = opt.model_folder or opt.output_folder
    results_folder = opt.results_folder or (os.path.dirname(os.path.abspath(opt.model)) if opt.model
                                            else opt.model_folder)
    if main_rank:
        check_output_path(results_folder, "results folder")
        writable_folder(results_folder, "results folder")
    with contextlib.ExitStack() as held:
        if main_rank:  # one run writes into a results folder at a time
            held.enter_context(folder_lock(results_folder, "results folder", "inference.py"))
        return infer_locked(device, opt, results_folder)


def infer_locked(device: torch.device, opt, results_folder: str) -> List[str]:
    """infer_on() once the results folder is locked."""
    checkpoints = load_checkpoints(checkpoints_to_evaluate(opt.model_folder, opt.span, opt.model), opt)
    with distributed.main_first():  # the bundled sample is written once, by rank 0
        if opt.image_folder is None:
            opt.image_folder = bundled_sample(opt.cache_dir)["val"]
    sources = frame_sources(opt.image_folder)
    for source in sources:
        check_frame_source(source)
    # a series: each episode's results in a folder of its own name, from the one model
    folders = [results_folder] if len(sources) == 1 else [os.path.join(results_folder, name)
                                                          for name in source_names(sources)]
    for folder in folders:
        check_not_a_frame_folder(folder, sources, "results folder", "--results_folder")
    written = []
    for source, folder in zip(sources, folders):
        written += infer_source(source, folder, checkpoints, device, opt)
    return written


def check_labels_option(opt, films: int) -> None:
    """--labels is read by the report of one film alone: with several `films` or without --report
    it is a UserError (it would be ignored), with it the file must be readable before any work."""
    if opt.labels is None:
        return
    if films > 1:
        raise UserError(f"{opt.labels}: labels belong to one film; with {films} films, score each "
                        "one's results folder with pure_test.py")
    if not opt.report:
        raise UserError(f"{opt.labels}: inference.py reads --labels only to judge the detections of --report; "
                        "add --report, or score the results with pure_test.py --labels")
    load_label_spans(opt.labels, opt.label_convention)


def infer_source(source: str, results_folder: str, checkpoints: list, device: torch.device, opt) -> List[str]:
    """Latents, scores, changes and scene lists of one film with every checkpoint, into
    `results_folder` (written by rank 0 alone)."""
    main_rank = distributed.is_main()
    if main_rank:
        writable_folder(results_folder, "results folder")
        settle(results_folder)  # a swap a killed run left half done is finished first
        foreign = make_room_for_results(results_folder, {c.epoch: (c.path, c.run) for c in checkpoints},
                                        opt.overwrite)
    precision = resolve_precision(opt.precision, device)
    cache, latents = encode_with_checkpoints(source, checkpoints, opt, device, precision)
    if len(cache) < 2:
        sampled = sampling_note(opt.fps, len(cache), cache.source_frames)
        raise UserError(f"{source}: needs at least two frames to score a change{sampled}")
    if opt.report and opt.labels:  # the labels must lie within this film before the film is encoded
        labels_of_frames(opt.labels, opt.label_convention, cache.source_index, source, cache.source_frames)
    encoded = list(latents)
    if not main_rank:
        return []
    warn_assumed_rate(cache, opt.fps)
    frame_rate = sampled_frame_rate(cache, opt.fps)
    os.makedirs(results_folder, exist_ok=True)
    pictures = picture_features(cache.frames)
    detection = new_run_id()
    # every file goes into a staging folder first and is swapped in at the end: a run that fails
    # or is killed leaves the earlier result sets whole (utils/staging.py)
    with staged(results_folder) as staging:
        for checkpoint, (epoch, mu, log_var) in zip(checkpoints, encoded):
            write_results(staging.folder, epoch, mu, log_var, cache, frame_rate, pictures, opt,
                          shown_folder=results_folder)
            write_source(staging.folder, epoch, {"checkpoint": os.path.abspath(checkpoint.path),
                                                 "run": checkpoint.run, "epoch": epoch,
                                                 "source": os.path.abspath(cache.source), "frames": len(cache),
                                                 "source_frames": cache.source_frames, "detection": detection,
                                                 "files": file_list(staging.folder, epoch)})
        if opt.report:
            build_report(staging.folder, labels=opt.labels, label_convention=opt.label_convention,
                         tolerance=opt.tolerance, epoch=checkpoints[-1].epoch, cache_dir=opt.cache_dir, fps=opt.fps,
                         model_folder=os.path.dirname(os.path.abspath(opt.model)) if opt.model else opt.model_folder,
                         shown_folder=results_folder)
        replaced = [rel for epoch in sorted({c.epoch for c in checkpoints} | set(foreign))
                    for rel in earlier_set(results_folder, epoch)]
        staging.commit(replaced, whole=(REPORT_FILES,))
    return [os.path.join(results_folder, f"scene_change_res{c.epoch}.npy") for c in checkpoints]


def write_results(folder: str, epoch: int, mu: np.ndarray, log_var: np.ndarray, cache: FrameCache,
                  frame_rate: float, pictures: Pictures, opt, shown_folder: Optional[str] = None) -> str:
    """Scores, ranking, K-free changes, scene lists and the score picture of one checkpoint;
    `shown_folder`: where the files will be once swapped in (utils/staging.py), for the message."""
    def path(name: str) -> str:
        return os.path.join(folder, name)

    def shown(name: str) -> str:
        return os.path.join(shown_folder or folder, name)

    scores = pair_kl_scores(mu, log_var)
    # no transition outlasts the film: a longer --transition_seconds would only pad the scores
    transition_seconds = min(opt.transition_seconds, len(cache) / frame_rate)
    config = dataclasses.replace(from_options(opt), transition_seconds=transition_seconds)
    found = detect_changes(mu, log_var, frame_rate, pictures=pictures, config=config)
    change_score, flags = found.score, found.flags
    level = setting_changes(mu, log_var, flags, frame_rate, pictures, found.change_scales(),
                            recent_shots=opt.scene_shots, same_palette=opt.scene_palette)
    save_npy(path(f"latent_mu_{epoch}.npy"), mu)
    save_npy(path(f"latent_logvar_{epoch}.npy"), log_var)
    save_npy(path(f"kld_scores_{epoch}.npy"), scores)
    save_npy(path(f"change_scores_{epoch}.npy"), change_score)
    save_npy(path(f"scene_change_flags_{epoch}.npy"), flags)
    save_npy(path(f"setting_change_flags_{epoch}.npy"), level.flags)
    save_npy(path(f"change_events_{epoch}.npy"), found.events)
    save_npy(path(f"change_confidence_{epoch}.npy"), found.confidence)
    save_npy(path(f"frame_index_{epoch}.npy"), np.asarray(cache.source_index, dtype=np.int64))
    save_text(path(f"change_candidates_{epoch}.csv"), candidates_csv(found.candidates))
    scenes = scene_list(flags, cache.source_index, cache.timestamps, cache.source_fps, cache.source_frames,
                        cache.end_time)
    source = os.path.abspath(cache.source)  # the report finds the film from any folder
    write_scene_files(scenes, path(f"scenes_{epoch}.csv"), path(f"scenes_{epoch}.json"), source)
    settings = setting_list(scenes, level.scene_of_shot)
    write_setting_files(settings, path(f"settings_{epoch}.csv"), path(f"settings_{epoch}.json"), source)
    if opt.export:  # the editors' formats of both lists, and the film cut into its shots
        export_scene_lists(opt.export, scenes, settings, path, epoch, source, cache.source_fps, cache.source_frames,
                           cache.kind)
    plot_scores(change_score, path(f"change_scores_{epoch}.png"), flags=flags, decision=0.0, floor=-8.0,
                title=f"{os.path.basename(cache.source.rstrip(os.sep))}, checkpoint of epoch {epoch}: "
                      f"{int(flags.sum())} scene changes")
    if opt.save_images:
        save_scene_thumbnails(cache.source, cache.kind, scenes, path(f"scenes_{epoch}"))
    ranking = (rank_changes(scores, opt.top_K) if opt.ranking == "kl"
               else rank_events_first(scores, found.events, opt.top_K))
    ranked = save_npy(path(f"scene_change_res{epoch}.npy"), ranking)
    print(f"epoch {epoch}: {len(cache)} frames, {len(scenes)} shots ({int(flags.sum())} changes) "
          f"-> {shown(f'scenes_{epoch}.csv')}; {len(settings)} scenes ({int(level.flags.sum())} changes of "
          f"setting) -> {shown(f'settings_{epoch}.csv')}", file=sys.stderr)
    return ranked


def main(argv: Optional[Sequence[str]] = None) -> int:
    if argv is None and "SHELL_OPTIONS" in globals():  # run from the shell: parsed before the imports
        opt = SHELL_OPTIONS
    else:
        opt = parse_options(argv, prog="inference.py", description=DESCRIPTION)
    return run_cli(lambda: infer(opt))


if __name__ == "__main__":
    sys.exit(main())
