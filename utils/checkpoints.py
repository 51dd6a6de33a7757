"""Checkpoint files: their naming, atomic saving, finding them in epoch order, safe loading.

A checkpoint is `model_state_<epoch>_val_loss_<loss>.pkl` (the original naming) when the run has
validation frames, `model_state_<epoch>_train_loss_<loss>.pkl` when the loss in its name is the
training loss (no --val_folder); every reader takes both names. It holds a
dict: `model` (state dict), `model_config` (the architecture), `optimizer`, `scheduler`,
`epoch`, `loss`, `options`, `run` (the id of the training run), `rng` / `cuda_rng` (so
`--resume` continues exactly) and `films` (a print of each film trained on, data/film_print.py,
so that `--resume` refuses another film at the same path). A bare state dict, as the original code saved, is loaded too.
A checkpoint whose weights are not finite (a diverged run) is never loaded.
"""

import contextlib
import errno
import os
import re
import shutil
import warnings
from typing import Dict, List, Optional, Tuple

import torch

from utils.atomic import atomic_path
from utils.checkpoint_fields import check_fields
from utils.errors import UserError, first_few, os_reason, read_path

CHECKPOINT_PATTERN = re.compile(r"^model_state_(\d+)_(?:val|train)_loss_(.+)\.pkl$")
# How the names say which loss they carry.
LOSS_KINDS = {"validation": "val_loss", "training": "train_loss"}
# The state of an epoch stopped part-way by Ctrl-C, which `--resume` continues; not a result.
INTERRUPTED_NAME = "interrupted_state.pkl"
# What a file torch cannot load as a checkpoint is said to be.
UNREADABLE = "not a readable checkpoint: not a checkpoint written by this tool, or a damaged one"


def checkpoint_name(epoch: int, loss: float, kind: str = "validation") -> str:
    """The file name for the checkpoint of `epoch` whose `kind` of loss ("validation": the
    original name, or "training") is `loss`."""
    return f"model_state_{epoch}_{LOSS_KINDS[kind]}_{loss:.4f}.pkl"


def list_checkpoints(folder: str) -> List[Tuple[int, str]]:
    """(epoch, path) of every checkpoint in `folder`, in epoch order.

    Two checkpoints of one epoch (two runs mixed in one folder) are a UserError: which one a
    later step would use could only be guessed.
    """
    names = read_path(os.listdir, folder, "model folder")
    found = sorted((int(match.group(1)), os.path.join(folder, name))
                   for name in names if (match := CHECKPOINT_PATTERN.match(name)))
    for (epoch, first), (next_epoch, second) in zip(found, found[1:]):
        if epoch == next_epoch:
            raise UserError(f"{folder}: two checkpoints of epoch {epoch} ({os.path.basename(first)}, "
                            f"{os.path.basename(second)}), from two runs; keep one run per folder")
    return found


def checkpoint_epoch(path: str) -> int:
    """The epoch of the checkpoint file `path`: from its name, else from the epoch saved in it.

    A file with neither is a UserError: its results would need a number, and a made-up one
    could overwrite another checkpoint's.
    """
    match = CHECKPOINT_PATTERN.match(os.path.basename(path))
    if match:
        return int(match.group(1))
    epoch = load_checkpoint(path).get("epoch")
    if not isinstance(epoch, int):
        raise UserError(f"{path}: neither named model_state_<epoch>_val_loss_<loss>.pkl (or _train_loss_) nor "
                        "holding its epoch; "
                        "rename it so that its results are numbered by its epoch")
    return epoch


def _run_folders_in(folder: str, most: int = 1000) -> List[str]:
    """The names of the folders in `folder` (the first `most` looked at) that hold checkpoints."""
    runs = []
    with contextlib.suppress(OSError):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name)[:most]:
            with contextlib.suppress(OSError):
                if entry.is_dir() and any(CHECKPOINT_PATTERN.match(name) for name in os.listdir(entry.path)):
                    runs.append(entry.name)
    return runs


def check_model_folder(folder: str) -> None:
    """UserError when the model folder `folder` is not there or is a file: checked before the
    results folder, which is the model folder unless told otherwise, is created in its place
    (a typo was then told 'no checkpoints in the model folder; train first', a checkpoint file
    'the results folder is a file')."""
    if os.path.isdir(folder):
        return
    if os.path.exists(folder):
        raise UserError(f"{folder}: the model folder is a file, not a folder (--model takes one checkpoint file)")
    raise UserError(f"{folder}: no such model folder; train first with main.py, whose --output_folder it is")


def checkpoints_to_evaluate(model_folder: Optional[str], span: int = 1,
                            model: Optional[str] = None) -> List[Tuple[int, str]]:
    """(epoch, path) of the one checkpoint file `model`, or of every `span`-th checkpoint of
    `model_folder` (span 0: the newest alone).

    Counted back from the newest, so that a span equal to the number of epochs evaluates the
    final model, not the first.
    """
    if model:
        return [(checkpoint_epoch(model), model)]
    found = list_checkpoints(model_folder)
    if not found:
        runs = _run_folders_in(model_folder)
        if runs:  # runs/ given for runs/ep1
            raise UserError(f"{model_folder}: no checkpoints here, but {len(runs)} folder{'s' if len(runs) > 1 else ''} "
                            f"of main.py's runs in it ({first_few(runs)}); give one as --model_folder, such as "
                            f"{os.path.join(model_folder, runs[0])}")
        raise UserError(f"{model_folder}: no checkpoints (model_state_<epoch>_val_loss_<loss>.pkl or _train_loss_) "
                        "in the model folder; train first with main.py")
    return found[-1:] if span == 0 else found[::-1][::span][::-1]


def save_checkpoint(path: str, payload: Dict) -> str:
    """torch.save `payload` to `path` through a temporary file."""
    with atomic_path(path) as temporary:
        try:
            torch.save(payload, temporary)
        except RuntimeError as err:  # torch's own writer says a full disk so
            if shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free >= 64 * 2 ** 20:
                raise  # room to spare: not the disk
            raise UserError(f"{path}: cannot be written (no space left on the device)") from err
    return path


def non_finite_weights(state: Dict) -> List[str]:
    """Names of the tensors of a state dict holding NaN or infinity."""
    return [name for name, tensor in state.items()
            if isinstance(tensor, torch.Tensor) and tensor.is_floating_point() and not torch.isfinite(tensor).all()]


def load_checkpoint(path: str) -> Dict:
    """The checkpoint dict at `path`; a bare state dict is wrapped as {"model": state}.

    Raises UserError for a missing or unreadable file, or weights that are not finite.
    """
    if os.path.isdir(path):
        raise UserError(f"{path}: a folder, not a checkpoint file (--model takes one file; --model_folder a folder)")
    if not os.path.isfile(path):
        raise UserError(f"{path}: no such checkpoint file")
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols are no concern of the user's
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as err:
        if err.errno != errno.EINVAL:
            raise UserError(f"{path}: the checkpoint cannot be read ({os_reason(err)})")
        # torch's zip reader seeks before the start of some files cut short: the file's fault, not the system's
        raise UserError(f"{path}: {UNREADABLE} (cut short?)")
    except Exception:  # torch raises many types for a file that is not a checkpoint
        # torch's own words advise loading untrusted files with weights_only=False: never repeated
        raise UserError(f"{path}: {UNREADABLE}")
    if not isinstance(payload, dict):
        raise UserError(f"{path}: not a checkpoint (holds a {type(payload).__name__}, not a dict)")
    if "model" not in payload:
        if not all(isinstance(v, torch.Tensor) for v in payload.values()):
            raise UserError(f"{path}: not a checkpoint of this model (no model state in it)")
        payload = {"model": payload}
    check_fields(payload, path)
    broken = non_finite_weights(payload["model"]) if isinstance(payload["model"], dict) else []
    if broken:
        raise UserError(f"{path}: the model's weights are not finite (NaN or infinity in {broken[0]}): "
                        "the run diverged; train again with a lower --lr")
    return payload


def load_model_state(model: torch.nn.Module, state: Dict, path: str) -> None:
    """Load `state` into `model`, turning an architecture mismatch into a one-line UserError."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise UserError(f"{path}: checkpoint of another architecture "
                        f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for key, tensor in own.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise UserError(f"{path}: checkpoint of another architecture ({key} has shape "
                            f"{tuple(state[key].shape)}, this model expects {tuple(tensor.shape)})")
    model.load_state_dict(state)
