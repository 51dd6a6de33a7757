"""One film's detection: frames -> latents -> scores -> changes -> scenes, and its result files.

`detect` runs the whole chain for one checkpoint; `detect_latents` is its second half, for
latents already encoded (inference.py encodes a film once per checkpoint, while decoding it);
`write_results` writes one checkpoint's `Results` as the files utils/result_sets.py names, and
`write_detections` a run's sets into a results folder in one swap.
"""

import dataclasses
import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from data.cache import FrameCache, sampled_frame_rate, sampling_note
from data.full_frames import full_frames
from detection.export import export_scene_lists
from models.config import ModelConfig
from models.encoding import LoadedCheckpoint, encode_with_checkpoints, load_checkpoints
from scenes.lists import scene_list, scenes_csv, scenes_json, setting_list, settings_csv, settings_json
from scenes.setting_changes import Scenes, setting_changes
from scenes.thumbnails import save_scene_thumbnails
from selection import Changes, SelectionConfig, candidates_csv, detect_changes, pair_kl_scores, rank_changes, \
    rank_events_first
from selection import from_options as selection_from_options
from selection.pictures import Pictures, picture_features
from utils.checkpoints import checkpoint_epoch
from utils.device import pick_device, resolve_precision
from utils.errors import UserError
from utils.folder_lock import folder_lock
from utils.plots import plot_scores
from utils.result_sets import ResultSetWriter, new_result_sets
from utils.run_folder import make_room_for_results, new_run_id
from utils.staging import settle


@dataclass(frozen=True)
class DetectionConfig:
    """Everything `detect` needs besides the film and the checkpoint; the scripts build it from
    their options (`from_options`)."""
    selection: SelectionConfig
    model: ModelConfig
    ranking: str = "changes"         # scene_change_res order: "changes" (events first) or "kl" (the paper's)
    top_K: int = 0                   # pairs kept in the ranking (0: all)
    scene_shots: int = 0             # the scene level's memory of recent shots (scenes/setting_changes.py)
    scene_palette: float = 0.0       # the scene level's palette distance that joins shots
    batch_size: int = 64             # frames encoded at a time
    fps: Optional[float] = None      # sample a video at this rate (None: every frame)
    cache_dir: Optional[str] = None  # where the frame cache is kept (None: the default place)
    device: str = "auto"
    precision: str = "auto"

    @classmethod
    def from_options(cls, opt) -> "DetectionConfig":
        """The detection inference.py's options ask for."""
        return cls(selection=selection_from_options(opt), model=ModelConfig.from_options(opt), ranking=opt.ranking,
                   top_K=opt.top_K, scene_shots=opt.scene_shots, scene_palette=opt.scene_palette,
                   batch_size=opt.bs, fps=opt.fps, cache_dir=opt.cache_dir, device=opt.device,
                   precision=opt.precision)


@dataclass
class Results:
    """One checkpoint's detection on one film."""
    epoch: int
    cache: FrameCache           # the frames encoded, with their source frame numbers and times
    mu: np.ndarray              # (N, latent_dim) latent means
    log_var: np.ndarray         # (N, latent_dim) latent log-variances
    scores: np.ndarray          # (N-1,) KL of each neighbouring frame pair
    changes: Changes            # the shot level: flags, events, confidence, every candidate's fate
    level: Scenes               # the scene level: setting flags, the scene of each shot
    shots: List[Dict]           # the shot list (scenes_<i>.csv / .json rows)
    scenes: List[Dict]          # the scene list (settings_<i>.csv / .json rows)
    ranking: np.ndarray         # the ranked pairs (scene_change_res<i>.npy)


def detect_latents(epoch: int, mu: np.ndarray, log_var: np.ndarray, cache: FrameCache, pictures: Pictures,
                   config: DetectionConfig) -> Results:
    """Scores, changes, scene level, scene lists and ranking of one checkpoint's latents of `cache`."""
    frame_rate = sampled_frame_rate(cache, config.fps)
    scores = pair_kl_scores(mu, log_var)
    # no transition outlasts the film: a longer transition_seconds would only pad the scores
    selection = dataclasses.replace(config.selection, transition_seconds=min(config.selection.transition_seconds,
                                                                             len(cache) / frame_rate))
    found = detect_changes(mu, log_var, frame_rate, pictures=pictures, config=selection)
    level = setting_changes(mu, log_var, found.flags, frame_rate, pictures, found.change_scales(),
                            recent_shots=config.scene_shots, same_palette=config.scene_palette)
    shots = scene_list(found.flags, cache.source_index, cache.timestamps, cache.source_fps, cache.source_frames,
                       cache.end_time)
    ranking = (rank_changes(scores, config.top_K) if config.ranking == "kl"
               else rank_events_first(scores, found.events, config.top_K))
    return Results(epoch=epoch, cache=cache, mu=mu, log_var=log_var, scores=scores, changes=found, level=level,
                   shots=shots, scenes=setting_list(shots, level.scene_of_shot), ranking=ranking)


def detect(film: str, checkpoint: str, config: DetectionConfig, results_folder: Optional[str] = None) -> Results:
    """The detection of `film` (a video or a folder of frames) with the checkpoint file
    `checkpoint`; written into `results_folder` when one is given (as inference.py writes it:
    a folder holding another run's results is refused)."""
    loaded = load_checkpoints([(checkpoint_epoch(checkpoint), checkpoint)], config.model)
    device = pick_device(config.device)
    cache, latents = encode_with_checkpoints(film, loaded, device, resolve_precision(config.precision, device),
                                             config.batch_size, config.cache_dir, config.fps)
    check_enough_frames(film, cache, config.fps)
    (epoch, mu, log_var), = latents
    results = detect_latents(epoch, mu, log_var, cache, picture_features(cache.frames), config)
    if results_folder is not None:
        with folder_lock(results_folder, "results folder", "detection"):
            settle(results_folder)
            foreign = make_room_for_results(results_folder, {epoch: (checkpoint, loaded[0].run)}, overwrite=False,
                                            source=film)
            write_detections(results_folder, [(loaded[0], results)], foreign)
    return results


def check_enough_frames(film: str, cache: FrameCache, fps: Optional[float]) -> None:
    if len(cache) < 2:
        sampled = sampling_note(fps, len(cache), cache.source_frames)
        raise UserError(f"{film}: needs at least two frames to score a change{sampled}")


def write_detections(results_folder: str, detections: Sequence[Tuple[LoadedCheckpoint, Results]],
                     foreign: Sequence[int] = (), export: Sequence[str] = (), save_images: bool = False,
                     also: Optional[Callable[[str], None]] = None) -> None:
    """Write each (checkpoint, results) of one film as a result set into `results_folder`, with
    the record of where it came from, and then `also(staging folder)` (the report); all swapped
    in at the end in place of the earlier sets of the same epochs and of `foreign`: a run that
    fails or is killed leaves the earlier sets whole (utils/staging.py)."""
    detection = new_run_id()
    epochs = {results.epoch for _, results in detections} | set(foreign)
    with new_result_sets(results_folder, epochs) as staging:
        for checkpoint, results in detections:
            writer = ResultSetWriter(staging.folder, results.epoch)
            write_results(writer, results, export, save_images, shown_folder=results_folder)
            writer.record({"checkpoint": os.path.abspath(checkpoint.path), "run": checkpoint.run,
                           "epoch": results.epoch, "source": os.path.abspath(results.cache.source),
                           "frames": len(results.cache), "source_frames": results.cache.source_frames,
                           "detection": detection})
        if also is not None:
            also(staging.folder)


def write_results(writer: ResultSetWriter, results: Results, export: Sequence[str] = (), save_images: bool = False,
                  shown_folder: Optional[str] = None) -> None:
    """Every file of one checkpoint's results but its record; `shown_folder`: where the files
    will be once swapped in, for the message."""
    cache, found, epoch = results.cache, results.changes, results.epoch
    writer.array("latent_mu", results.mu)
    writer.array("latent_logvar", results.log_var)
    writer.array("kld_scores", results.scores)
    writer.array("change_scores", found.score)
    writer.array("scene_change_flags", found.flags)
    writer.array("setting_change_flags", results.level.flags)
    writer.array("change_events", found.events)
    writer.array("change_confidence", found.confidence)
    writer.array("frame_index", np.asarray(cache.source_index, dtype=np.int64))
    writer.text("change_candidates", candidates_csv(found.candidates))
    source = os.path.abspath(cache.source)  # the report finds the film from any folder
    writer.text("scenes_csv", scenes_csv(results.shots))
    writer.text("scenes_json", scenes_json(results.shots, source))
    writer.text("settings_csv", settings_csv(results.scenes))
    writer.text("settings_json", settings_json(results.scenes, source, os.path.basename(writer.path("scenes_csv"))))
    if export:  # the editors' formats of both lists, and the film cut into its shots
        export_scene_lists(export, results.shots, results.scenes, lambda name: os.path.join(writer.folder, name),
                           epoch, source, cache.source_fps, cache.source_frames, cache.kind)
    flags = found.flags
    plot_scores(found.score, writer.path("change_scores_plot"), flags=flags, decision=0.0, floor=-8.0,
                title=f"{os.path.basename(cache.source.rstrip(os.sep))}, checkpoint of epoch {epoch}: "
                      f"{int(flags.sum())} scene changes")
    if save_images:
        first_frames = full_frames(cache.source, cache.kind, [shot["start_frame"] for shot in results.shots])
        save_scene_thumbnails(first_frames, results.shots, writer.path("thumbnails"))
    writer.array("ranking", results.ranking)
    shown = ResultSetWriter(shown_folder or writer.folder, epoch)
    print(f"epoch {epoch}: {len(cache)} frames, {len(results.shots)} shots ({int(flags.sum())} changes) "
          f"-> {shown.path('scenes_csv')}; {len(results.scenes)} scenes ({int(results.level.flags.sum())} changes of "
          f"setting) -> {shown.path('settings_csv')}", file=sys.stderr)
