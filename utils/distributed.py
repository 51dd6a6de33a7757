"""Running the scripts as several processes under torchrun (DistributedDataParallel).

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK and the rendezvous address in each process's
environment; main.py and inference.py read them here and need no option of their own. Without
torchrun (or with one process) every function below is a no-op: rank 0 of a world of one.
"""

import contextlib
import os
from typing import Iterator, List, Tuple

import numpy as np
import torch
import torch.distributed as dist

from utils.errors import UserError


def launched() -> bool:
    """True when torchrun started this process as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def active() -> bool:
    """True once the process group is set up (see process_group)."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    """The process that writes files, logs and progress bars: rank 0."""
    return rank() == 0


def barrier() -> None:
    if active():
        dist.barrier()


@contextlib.contextmanager
def process_group(device: torch.device) -> Iterator[torch.device]:
    """Join torchrun's process group (nccl on CUDA, gloo on the CPU) for the block; yields the device
    this process computes on (its own GPU, LOCAL_RANK, on CUDA). Without torchrun, yields `device`."""
    if not launched():
        yield device
        return
    if device.type == "cuda":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if local >= torch.cuda.device_count():
            raise UserError(f"torchrun started {os.environ.get('LOCAL_WORLD_SIZE', local + 1)} processes on this "
                            f"machine but it has {torch.cuda.device_count()} GPUs; lower --nproc_per_node")
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    try:
        yield device
    finally:
        dist.destroy_process_group()


@contextlib.contextmanager
def main_first() -> Iterator[None]:
    """Rank 0 runs the block first (building a frame cache, say) while the others wait at a
    barrier, then they run it (finding the cache built)."""
    if not is_main():
        barrier()
    yield
    if is_main():
        barrier()


def batch_share(batch: torch.Tensor) -> torch.Tensor:
    """This process's frames of a batch that all processes drew alike: every world_size-th one."""
    return batch[rank()::world_size()]


def span_share(count: int, unit: int = 1) -> Tuple[int, int]:
    """[start, end) of this process's consecutive part of `count` items, the parts in rank order and
    cut at multiples of `unit` (a batch size: each process then encodes the batches one process would)."""
    bounds = np.linspace(0, -(-count // unit), world_size() + 1).round().astype(int) * unit
    return min(int(bounds[rank()]), count), min(int(bounds[rank() + 1]), count)


def sum_over_processes(values: List[float]) -> List[float]:
    """Each value summed over all processes (float64, on the CPU)."""
    if not active():
        return list(values)
    total = torch.tensor(values, dtype=torch.float64)
    if dist.get_backend() == "nccl":
        total = total.cuda()
    dist.all_reduce(total)
    return total.cpu().tolist()


def gather_on_main(part: object) -> List[object]:
    """Every process's `part`, in rank order, on rank 0 (an empty list on the others)."""
    if not active():
        return [part]
    parts = [None] * world_size() if is_main() else None
    dist.gather_object(part, parts, dst=0)
    return parts or []
