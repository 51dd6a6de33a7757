"""Choose the torch device and the arithmetic: one code path for CUDA and the CPU."""

import contextlib
import functools

import torch

from utils.errors import UserError


def pick_device(name: str = "auto") -> torch.device:
    """`auto`: CUDA when a GPU is visible, else the CPU; `cuda` without a GPU is a UserError."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA GPU is available to torch on this machine")
    return torch.device(name)


@functools.lru_cache(maxsize=None)
def cpu_has_fast_bf16() -> bool:
    """True on CPUs with bfloat16 matrix units (AMX) or instructions (AVX512-BF16).

    Elsewhere bfloat16 is emulated and slower than float32, so `auto` keeps float32.
    """
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line for line in info if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(name: str, device: torch.device) -> str:
    """`fp32` or `bf16` for --precision `auto|fp32|bf16` on this device.

    `auto` is bf16 where the hardware computes it natively (the model's steps run 2 to 5
    times faster on such CPUs, training and inference about 2x end to end) and fp32
    elsewhere. Latent means and variances are always float32.
    """
    if name != "auto":
        return name
    if device.type == "cuda":
        return "bf16" if torch.cuda.get_device_capability(device)[0] >= 8 else "fp32"  # Ampere and newer
    return "bf16" if cpu_has_fast_bf16() else "fp32"


def autocast(device: torch.device, precision: str):
    """The context that runs convolutions in `precision` (a no-op for fp32)."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
