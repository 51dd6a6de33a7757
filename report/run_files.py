"""What a run left on disk, read back for the report: the result files inference.py wrote for
one checkpoint, the loss history and options main.py wrote, and the frames of the film.

Nothing here runs the model: a report can be rebuilt from these files at any time.
"""

import json
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from data.cache import FrameCache, load_frames
from models.config import IMAGE_SIZE
from utils.checkpoints import list_checkpoints, load_checkpoint
from utils.errors import UserError, first_line
from utils.result_sets import epochs_with, load_result, missing_results, open_result_set, result_name, result_path


@dataclass
class RunResults:
    """The result files of one checkpoint (epoch), as inference.py wrote them."""
    folder: str
    epoch: int
    source: str                 # the frames inference.py read (video file or folder)
    flags: np.ndarray           # (N-1,) bool: a change between cached frames j and j+1
    change_scores: np.ndarray   # (N-1,) float: the best confidence of any time scale
    events: np.ndarray          # candidate change events (one pair each), most confident first
    confidence: np.ndarray      # their confidence; >= 0 is a change
    latent_mu: np.ndarray       # (N, latent_dim) latent means
    setting_flags: Optional[np.ndarray] = None   # (N-1,) bool, the scene level (None: an earlier release's results)


def load_run_results(folder: str, epoch: Optional[int] = None) -> RunResults:
    """The results of checkpoint `epoch` (default: the newest) in `folder`; a UserError names
    any file that is missing, unreadable or of the wrong length."""
    held = epochs_with(folder, "change_scores") if epoch is not None else []
    if epoch is not None and epoch not in held:  # --epoch of no result set
        if not os.path.isdir(folder):
            raise UserError(f"{folder}: no such results folder")
        if not held:
            raise missing_results(folder, "change_scores")
        raise UserError(f"{folder}: no results of epoch {epoch} (it holds those of epoch {', '.join(map(str, held))}); "
                        "give --epoch one of those, or leave it out for the newest")
    epoch = open_result_set(folder, epoch)
    scenes_path = result_path(folder, "scenes_json", epoch)
    try:
        with open(scenes_path) as handle:
            source = json.load(handle)["source"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UserError(f"{scenes_path}: unreadable scene list ({err.__class__.__name__}: {first_line(str(err))})")
    results = RunResults(folder=folder, epoch=epoch, source=source,
                         flags=load_result(folder, "scene_change_flags", epoch, 1).astype(bool),
                         change_scores=load_result(folder, "change_scores", epoch, 1).astype(np.float64),
                         events=load_result(folder, "change_events", epoch, 1).astype(np.int64),
                         confidence=load_result(folder, "change_confidence", epoch, 1).astype(np.float64),
                         latent_mu=load_result(folder, "latent_mu", epoch, 2).astype(np.float32))
    if os.path.isfile(result_path(folder, "setting_change_flags", epoch)):
        results.setting_flags = load_result(folder, "setting_change_flags", epoch, 1).astype(bool)
    pairs = len(results.latent_mu) - 1
    if results.setting_flags is not None and len(results.setting_flags) != pairs:
        raise UserError(f"{folder}: {result_name('setting_change_flags', epoch)} holds {len(results.setting_flags)} pairs, "
                        f"the latents {pairs}; run inference.py again")
    if len(results.flags) != pairs or len(results.change_scores) != pairs:
        raise UserError(f"{folder}: the files of epoch {epoch} disagree ({len(results.latent_mu)} latents, "
                        f"{len(results.flags)} flags, {len(results.change_scores)} scores); run inference.py again")
    return results


def open_film(source: str, expected_frames: int, cache_dir: Optional[str], fps: Optional[float]) -> FrameCache:
    """The frame cache inference.py encoded (built again from `source` if it was deleted).

    Its length must match the results: a mismatch means inference.py sampled with another --fps.
    """
    cache = load_frames(source, cache_dir, IMAGE_SIZE, fps, show_progress=False)
    if len(cache) != expected_frames:
        sampled = "every frame read, with no --fps" if fps is None else f"at --fps {fps:g}"
        raise UserError(f"{source}: {len(cache)} frames ({sampled}), but the results hold "
                        f"{expected_frames}; give the --fps inference.py was run with")
    return cache


def loss_history(model_folder: str) -> Optional[List[Dict]]:
    """main.py's loss_history.json in `model_folder`, or None when it is not there."""
    try:
        with open(os.path.join(model_folder, "loss_history.json")) as handle:
            history = json.load(handle)
    except (OSError, ValueError):
        return None
    return history if isinstance(history, list) and history else None


def training_options(model_folder: str, epoch: int) -> Optional[Dict]:
    """The options main.py trained the checkpoint of `epoch` with, or None where the folder has
    no such checkpoint (or one of the original code's, which stored none)."""
    if not os.path.isdir(model_folder):
        return None
    paths = [path for found, path in list_checkpoints(model_folder) if found == epoch]
    if not paths:
        return None
    options = load_checkpoint(paths[-1]).get("options")
    return options if isinstance(options, dict) else None
