"""Choose the torch device: one code path for CUDA and the CPU."""

import torch

from utils.errors import UserError


def pick_device(name: str = "auto") -> torch.device:
    """`auto`: CUDA when a GPU is visible, else the CPU; `cuda` without a GPU is a UserError."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA GPU is available to torch on this machine")
    return torch.device(name)
