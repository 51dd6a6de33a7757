"""Every field of a loaded checkpoint checked (type and range) before anything uses it.

A checkpoint is a file anyone can edit or damage: `hidden_dims [1e6, 1e6]` would try to allocate
terabytes, an epoch of -1 or true would name results `scenes_-1.csv`, a bad RNG state or another
model's optimizer state would end `--resume` in a traceback. Each is one UserError naming the
file and the field. The model description is checked against the weights on torch's meta device,
which allocates nothing.
"""

import math
import re
from typing import Dict

import torch

from utils.errors import UserError

RUN_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
ACTIVATIONS = ("leakyrelu", "relu")


def _shown(value) -> str:
    """A field's value for a one-line message: its repr, cut short (a newline in it stays escaped)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _config_problem(config) -> str:
    if not isinstance(config, dict):
        return "model_config is not a mapping"
    dims = config.get("hidden_dims")
    if not isinstance(dims, (list, tuple)) or not 1 <= len(dims) <= 6 or not all(_whole(d, 1, 4096) for d in dims):
        return f"model_config hidden_dims {_shown(dims)} is not 1 to 6 channel counts from 1 to 4096"
    if not _whole(config.get("latent_dim"), 1, 65536):
        return f"model_config latent_dim {_shown(config.get('latent_dim'))} is not a size from 1 to 65536"
    if config.get("activation", "leakyrelu") not in ACTIVATIONS:
        return f"model_config activation {_shown(config.get('activation'))} is not one of {', '.join(ACTIVATIONS)}"
    extra = set(config) - {"hidden_dims", "latent_dim", "activation", "in_channels", "image_size"}
    if extra:
        return f"model_config holds unknown fields ({', '.join(sorted(map(str, extra))[:3])})"
    if config.get("in_channels", 3) != 3 or config.get("image_size", 64) != 64:
        return "model_config is not of 64x64 colour frames"
    return ""


def _fits_weights(config: Dict, state: Dict) -> str:
    """'' when the weights `state` have the shapes the model of `config` has (built on the meta
    device: nothing allocated), else what differs."""
    from models.repro_vae import ReproVAE
    try:
        with torch.device("meta"):
            shapes = {k: tuple(v.shape) for k, v in ReproVAE(**config).state_dict().items()}
    except (TypeError, ValueError) as err:
        return f"model_config is unusable ({err})"
    for key, shape in shapes.items():
        found = state.get(key)
        if found is not None and tuple(found.shape) != shape:
            return f"its weights {key} have shape {tuple(found.shape)}, its model_config gives {shape}"
    return ""


def _rng_problem(payload: Dict) -> str:
    rng = payload.get("rng")
    if rng is not None and not (isinstance(rng, torch.Tensor) and rng.dtype == torch.uint8
                                and rng.shape == torch.get_rng_state().shape):
        return "rng is not a random generator state"
    cuda = payload.get("cuda_rng")
    if cuda is not None and not (isinstance(cuda, (list, tuple)) and
                                 all(isinstance(t, torch.Tensor) and t.dtype == torch.uint8 and t.dim() == 1
                                     for t in cuda)):
        return "cuda_rng is not a list of random generator states"
    return ""


def _progress_problem(payload: Dict) -> str:
    for name, high in (("epoch", 10 ** 7), ("iteration", 10 ** 12), ("position", 10 ** 9)):
        if name in payload and payload[name] is not None and not _whole(payload[name], 0, high):
            return f"{name} {_shown(payload[name])} is not a whole number from 0 to {high:g}"
    if payload.get("loss") is not None and not _finite(payload["loss"]):
        return f"loss {_shown(payload['loss'])} is not a finite number"
    if payload.get("run") is not None and not (isinstance(payload["run"], str) and RUN_ID.match(payload["run"])):
        return f"run {_shown(payload['run'])} is not a run id"
    history = payload.get("history")
    if history is not None and not (isinstance(history, list) and all(isinstance(h, dict) for h in history)):
        return "history is not a list of epoch records"
    sums = payload.get("sums")
    if sums is not None and not (isinstance(sums, dict) and all(isinstance(k, str) and _finite(v)
                                                                for k, v in sums.items())):
        return "sums is not a mapping of loss names to finite numbers"
    for name in ("options", "optimizer", "scheduler"):
        if payload.get(name) is not None and not isinstance(payload[name], dict):
            return f"{name} is not a mapping"
    optimizer = payload.get("optimizer")
    if optimizer is not None and not (isinstance(optimizer.get("state"), dict)
                                      and isinstance(optimizer.get("param_groups"), list)):
        return "optimizer is not an optimizer state"
    return ""


def _films_problem(payload: Dict) -> str:
    """'' when the checkpoint's `films` (data/film_print.py), which --resume compares with the films
    now at their paths, is absent or a list of prints (None for a film not printed), else what is wrong."""
    from data.film_print import SHOWN, THUMBNAIL
    films = payload.get("films")
    if films is None:
        return ""
    if not isinstance(films, list) or len(films) > 100000:
        return "films is not a list of film prints"
    for print_ in films:
        if print_ is not None and not _is_film_print(print_, SHOWN, THUMBNAIL):
            return f"films holds {_shown(print_)}, not a film print"
    return ""


def _is_film_print(print_, shown: int, side: int) -> bool:
    """Whether `print_` is a film print as data/film_print.film_print makes one: its path, frame count and
    size, and as many thumbnails as a film of that count is shown by."""
    if not (isinstance(print_, dict) and isinstance(print_.get("source"), str)
            and _whole(print_.get("frames"), 1, 10 ** 9) and _whole(print_.get("size"), 1, 4096)):
        return False
    thumbnails = print_.get("thumbnails")
    return isinstance(thumbnails, torch.Tensor) and thumbnails.dtype == torch.uint8 and \
        tuple(thumbnails.shape) == (min(shown, print_["frames"]), 3, side, side)


def check_fields(payload: Dict, path: str) -> None:
    """UserError naming `path` and the first field of the checkpoint `payload` that is wrong."""
    state = payload.get("model")
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise UserError(f"{path}: not a checkpoint of this model (its model state is not a set of weights)")
    problem = _progress_problem(payload) or _rng_problem(payload) or _films_problem(payload)
    if not problem and payload.get("model_config") is not None:
        problem = _config_problem(payload["model_config"]) or _fits_weights(payload["model_config"], state)
    if problem:
        raise UserError(f"{path}: a damaged or foreign checkpoint: {problem}")
