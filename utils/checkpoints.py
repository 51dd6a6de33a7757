"""Checkpoint files: their naming, atomic saving, finding them in epoch order, safe loading.

A checkpoint is `model_state_<epoch>_val_loss_<loss>.pkl` (the original naming), holding a
dict: `model` (state dict), `model_config` (the architecture), `optimizer`, `scheduler`,
`epoch`, `loss`, `options` and `rng` (so `--resume` continues exactly). A bare state dict,
as the original code saved, is loaded too.
"""

import os
import re
from typing import Dict, List, Optional, Tuple

import torch

from utils.atomic import atomic_path
from utils.errors import UserError

CHECKPOINT_PATTERN = re.compile(r"^model_state_(\d+)_val_loss_(.+)\.pkl$")


def checkpoint_name(epoch: int, loss: float) -> str:
    """The original file name for the checkpoint of `epoch` with validation loss `loss`."""
    return f"model_state_{epoch}_val_loss_{loss:.4f}.pkl"


def list_checkpoints(folder: str) -> List[Tuple[int, str]]:
    """(epoch, path) of every checkpoint in `folder`, in epoch order."""
    if not os.path.isdir(folder):
        raise UserError(f"{folder}: no such model folder")
    found = []
    for name in os.listdir(folder):
        match = CHECKPOINT_PATTERN.match(name)
        if match:
            found.append((int(match.group(1)), os.path.join(folder, name)))
    return sorted(found)


def checkpoints_to_evaluate(model_folder: Optional[str], span: int = 1,
                            model: Optional[str] = None) -> List[Tuple[int, str]]:
    """(epoch, path) of the one checkpoint file `model`, or of every `span`-th checkpoint of
    `model_folder` (span 0: the newest alone).

    Counted back from the newest, so that a span equal to the number of epochs evaluates the
    final model, not the first. A file whose name is not the checkpoint naming counts as epoch 0.
    """
    if model:
        match = CHECKPOINT_PATTERN.match(os.path.basename(model))
        return [(int(match.group(1)) if match else 0, model)]
    found = list_checkpoints(model_folder)
    if not found:
        raise UserError(f"{model_folder}: no checkpoints (model_state_<epoch>_val_loss_<loss>.pkl) "
                        "in the model folder; train first with main.py")
    return found[-1:] if span == 0 else found[::-1][::span][::-1]


def save_checkpoint(path: str, payload: Dict) -> str:
    """torch.save `payload` to `path` through a temporary file."""
    with atomic_path(path) as temporary:
        torch.save(payload, temporary)
    return path


def load_checkpoint(path: str) -> Dict:
    """The checkpoint dict at `path`; a bare state dict is wrapped as {"model": state}."""
    if not os.path.isfile(path):
        raise UserError(f"{path}: no such checkpoint file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for a file that is not a checkpoint
        raise UserError(f"{path}: not a readable checkpoint ({err.__class__.__name__}: "
                        f"{str(err).splitlines()[0] if str(err) else 'no detail'})")
    if not isinstance(payload, dict):
        raise UserError(f"{path}: not a checkpoint (holds a {type(payload).__name__}, not a dict)")
    if "model" not in payload:
        if not all(isinstance(v, torch.Tensor) for v in payload.values()):
            raise UserError(f"{path}: not a checkpoint of this model (no model state in it)")
        payload = {"model": payload}
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
