"""What one training run leaves in its folder, so that two runs are never mixed there.

A run is named by an id drawn when main.py starts it and kept by `--resume`; every
checkpoint holds it, and inference.py writes it beside each result set
(`result_source_<i>.json`). main.py refuses to start a fresh run in a folder that holds
another run's checkpoints unless `--overwrite` is given, which deletes that run's files
(checkpoints, loss history, pictures, the results inference.py wrote there) first.
"""

import json
import os
import re
import shutil
import uuid
from typing import Dict, List, Optional

from utils.atomic import save_text
from utils.checkpoints import CHECKPOINT_PATTERN, INTERRUPTED_NAME
from utils.errors import UserError

TRAINING_FILES = ("loss_history.json", "loss_history.png", "reconstructions.png", INTERRUPTED_NAME)
# Every file (or folder, scenes_<i>/) inference.py writes for the checkpoint of epoch i.
RESULT_PATTERN = re.compile(
    r"^(?:latent_mu_|latent_logvar_|kld_scores_|change_scores_|scene_change_flags_|change_events_|"
    r"change_confidence_|frame_index_|scenes_|result_source_|scene_change_res)(\d+)(?:\.npy|\.csv|\.json|\.png)?$")


def new_run_id() -> str:
    """A fresh id for a training run."""
    return uuid.uuid4().hex[:12]


def run_files(folder: str) -> List[str]:
    """Paths of what a run (training or detection) wrote in `folder`."""
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if CHECKPOINT_PATTERN.match(name) or name in TRAINING_FILES or RESULT_PATTERN.match(name))


def start_fresh_run(folder: str, overwrite: bool) -> None:
    """Make `folder` ready for a new run: refuse (UserError) when it holds another run's
    checkpoints, unless `overwrite`, which deletes every file a run wrote there."""
    earlier = [name for name in sorted(os.listdir(folder)) if CHECKPOINT_PATTERN.match(name)
               or name == INTERRUPTED_NAME] if os.path.isdir(folder) else []
    if earlier and not overwrite:
        raise UserError(f"{folder}: holds the checkpoints of an earlier run ({len(earlier)}, e.g. {earlier[-1]}); "
                        "pass --resume to continue it, --overwrite to replace it, or another --output_folder")
    if overwrite:
        for path in run_files(folder):
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)


def source_path(folder: str, epoch: int) -> str:
    """Where inference.py records which checkpoint the results of `epoch` came from."""
    return os.path.join(folder, f"result_source_{epoch}.json")


def read_source(folder: str, epoch: int) -> Optional[Dict]:
    """The record written beside the results of `epoch`, or None (none, or unreadable)."""
    try:
        with open(source_path(folder, epoch)) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def check_results_replaceable(folder: str, epoch: int, checkpoint: str, run: Optional[str],
                              overwrite: bool) -> None:
    """UserError when `folder` holds results of `epoch` computed with another checkpoint (another
    run, or another file of the same epoch), unless `overwrite`."""
    earlier = read_source(folder, epoch)
    if earlier is None or overwrite:
        return
    same = (earlier.get("run") == run) if run and earlier.get("run") else \
        os.path.abspath(earlier.get("checkpoint", "")) == os.path.abspath(checkpoint)
    if not same:
        raise UserError(f"{folder}: holds results of epoch {epoch} from another checkpoint "
                        f"({earlier.get('checkpoint')}); pass --overwrite to replace them, or another --results_folder")


def write_source(folder: str, epoch: int, record: Dict) -> str:
    """Record which checkpoint and run the results of `epoch` came from."""
    return save_text(source_path(folder, epoch), json.dumps(record, indent=1))
