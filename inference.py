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
import os
import sys
from typing import List, Optional, Sequence

import torch

from data.cache import check_frame_source, frame_sources, source_names, warn_assumed_rate
from data.sample import bundled_sample
from detection import DetectionConfig, detect_latents, write_detections
from detection.export import check_export
from detection.film import check_enough_frames
from evaluation.labels import labels_of_frames, load_label_spans
from models.encoding import encode_with_checkpoints, load_checkpoints
from opts import TRAIN, parse_options, shown_options
from report import build_report
from selection.pictures import picture_features
from utils import distributed
from utils.atomic import writable_folder
from utils.checkpoints import check_model_folder, checkpoints_to_evaluate
from utils.cli import run_cli
from utils.device import pick_device, resolve_precision
from utils.errors import UserError
from utils.folder_lock import folder_lock
from utils.paths import check_output_path
from utils.result_sets import result_path
from utils.run_folder import check_not_a_frame_folder, make_room_for_results
from utils.staging import settle


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
    if not opt.model:
        check_model_folder(opt.model_folder)
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
    config = DetectionConfig.from_options(opt)
    checkpoints = load_checkpoints(checkpoints_to_evaluate(opt.model_folder, opt.span, opt.model), config.model)
    with distributed.main_first():  # the bundled sample is written once, by rank 0
        if opt.image_folder is None:
            opt.image_folder = bundled_sample(opt.cache_dir)["val"]
    sources = frame_sources(opt.image_folder)
    for source in sources:
        check_export(opt.export, source, check_frame_source(source, scores_changes=True), opt.fps)
    # a series: each episode's results in a folder of its own name, from the one model
    folders = [results_folder] if len(sources) == 1 else [os.path.join(results_folder, name)
                                                          for name in source_names(sources)]
    for folder in folders:
        check_not_a_frame_folder(folder, sources, "results folder", "--results_folder")
    written = []
    for source, folder in zip(sources, folders):
        written += infer_source(source, folder, checkpoints, device, config, opt)
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


def infer_source(source: str, results_folder: str, checkpoints: list, device: torch.device,
                 config: DetectionConfig, opt) -> List[str]:
    """Latents, scores, changes and scene lists of one film with every checkpoint, into
    `results_folder` (written by rank 0 alone)."""
    main_rank = distributed.is_main()
    if main_rank:
        writable_folder(results_folder, "results folder")
        settle(results_folder)  # a swap a killed run left half done is finished first
        foreign = make_room_for_results(results_folder, {c.epoch: (c.path, c.run) for c in checkpoints},
                                        opt.overwrite, source)
    precision = resolve_precision(opt.precision, device)
    cache, latents = encode_with_checkpoints(source, checkpoints, device, precision, config.batch_size,
                                             config.cache_dir, config.fps)
    check_enough_frames(source, cache, config.fps)
    if opt.report and opt.labels:  # the labels must lie within this film before the film is encoded
        labels_of_frames(opt.labels, opt.label_convention, cache.source_index, source, cache.source_frames)
    encoded = list(latents)
    if not main_rank:
        return []
    warn_assumed_rate(cache, opt.fps)
    os.makedirs(results_folder, exist_ok=True)
    pictures = picture_features(cache.frames)
    detections = [(checkpoint, detect_latents(epoch, mu, log_var, cache, pictures, config))
                  for checkpoint, (epoch, mu, log_var) in zip(checkpoints, encoded)]

    def report(staging_folder: str) -> None:
        build_report(staging_folder, labels=opt.labels, label_convention=opt.label_convention,
                     tolerance=opt.tolerance, epoch=checkpoints[-1].epoch, cache_dir=opt.cache_dir, fps=opt.fps,
                     model_folder=os.path.dirname(os.path.abspath(opt.model)) if opt.model else opt.model_folder,
                     shown_folder=results_folder, training_options=shown_options(TRAIN))

    write_detections(results_folder, detections, foreign, opt.export, opt.save_images,
                     also=report if opt.report else None)
    return [result_path(results_folder, "ranking", c.epoch) for c in checkpoints]


def main(argv: Optional[Sequence[str]] = None) -> int:
    if argv is None and "SHELL_OPTIONS" in globals():  # run from the shell: parsed before the imports
        opt = SHELL_OPTIONS
    else:
        opt = parse_options(argv, prog="inference.py", description=DESCRIPTION)
    return run_cli(lambda: infer(opt))


if __name__ == "__main__":
    sys.exit(main())
