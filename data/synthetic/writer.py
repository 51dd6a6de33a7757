"""Write clips to frame folders and the bundled sample (frames, labels, truth) to disk."""

import json
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
from PIL import Image

from data.synthetic.clip import _check_args, clip_options, iter_clip_frames
from utils.atomic import write_folder_with

# The bundled sample (data/sample.py writes it into the cache folder) is write_sample with
# these defaults. Its version of content and layout: raise it when the generator's output
# changes, so that cached copies are written again.
SAMPLE_VERSION = 1
SAMPLE_SEED = 0
# Training frames set the demo's time; validation frames are cheap to score, so there are
# more of them, to hold enough scene changes for a stable accuracy.
SAMPLE_TRAIN_FRAMES = 1800
SAMPLE_VAL_FRAMES = 4800


def write_frame_folder(folder, frames_iter: Iterable[np.ndarray], prefix: str = "frame_", ext: str = ".png",
                       show_progress: bool = True, *, total: Optional[int] = None, digits: int = 6,
                       desc: Optional[str] = None) -> int:
    """Write frames as ``folder/<prefix><n><ext>`` (n from 0, zero padded to ``digits``).

    Returns the number of frames written. The folder is created if needed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if total is None and hasattr(frames_iter, "__len__"):
        total = len(frames_iter)
    bar = None
    if show_progress:
        from tqdm import tqdm
        bar = tqdm(total=total, desc=desc or f"writing {folder.name}", unit="frame", leave=False)
    n = 0
    save_kw = {"compress_level": 3} if ext.lower() == ".png" else {}
    try:
        for frame in frames_iter:
            Image.fromarray(np.asarray(frame, dtype=np.uint8)).save(folder / f"{prefix}{n:0{digits}d}{ext}", **save_kw)
            n += 1
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return n


_SAMPLE_ENTRIES = {"train", "val", "train_labels.npy", "val_labels.npy", "truth.json", "sample.json"}


def _sample_paths(out_dir: Path) -> dict:
    return dict(train=str(out_dir / "train"), val=str(out_dir / "val"), val_labels=str(out_dir / "val_labels.npy"),
                train_labels=str(out_dir / "train_labels.npy"), truth=str(out_dir / "truth.json"))


def _read_params(out_dir: Path) -> Optional[dict]:
    try:
        with open(out_dir / "sample.json", "r", encoding="utf-8") as f:
            return json.load(f).get("params")
    except (OSError, ValueError, AttributeError):
        return None


def write_sample(out_dir, train_frames: int = SAMPLE_TRAIN_FRAMES, val_frames: int = SAMPLE_VAL_FRAMES,
                 seed: int = SAMPLE_SEED, width: int = 160, height: int = 120, hard_cases: bool = True,
                 show_progress: bool = True, **clip_kwargs) -> dict:
    """Write the bundled sample (train and val frame folders, labels, truth) to ``out_dir``.

    The defaults are those of the bundled sample (SAMPLE_*). Idempotent: if
    ``out_dir/sample.json`` records the same parameters, nothing is written. Otherwise
    everything is written to a temporary sibling folder that replaces ``out_dir`` at the end,
    so an interrupted run never leaves a complete-looking half sample. An existing
    ``out_dir`` is replaced only if it holds nothing but sample files. ``clip_kwargs``:
    the options of iter_clip_frames (pacing, extra_transitions, style, subtitles, action,
    conversations, insets).
    """
    from utils.errors import UserError

    out_dir = Path(out_dir)
    params = dict(version=SAMPLE_VERSION, train_frames=int(train_frames), val_frames=int(val_frames),
                  seed=int(seed), width=int(width), height=int(height), hard_cases=bool(hard_cases), fps=24)
    params.update(clip_options(**clip_kwargs))      # only options that differ from the defaults
    paths = _sample_paths(out_dir)
    if _read_params(out_dir) == params:
        return paths
    if out_dir.exists():
        if not out_dir.is_dir():
            raise UserError(f"{out_dir}: exists and is not a folder")
        foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in _SAMPLE_ENTRIES)
        if foreign:
            raise UserError(f"{out_dir}: exists and holds files that are not a synthetic sample "
                            f"({', '.join(foreign[:3])}); choose another folder")
    _check_args(train_frames, width, height, 24)
    _check_args(val_frames, width, height, 24)

    def write(folder: str) -> None:
        tmp = Path(folder)
        truths = {}
        for part, n, variant in (("train", train_frames, 1), ("val", val_frames, 2)):
            it, truth = iter_clip_frames(n, seed, width, height, 24, hard_cases, variant=variant, **clip_kwargs)
            write_frame_folder(tmp / part, it, show_progress=show_progress, total=n, desc=f"sample {part}")
            np.save(tmp / f"{part}_labels.npy", truth.change_pairs.astype(np.int64))
            truths[part] = truth.to_json()
        with open(tmp / "truth.json", "w", encoding="utf-8") as f:
            json.dump(dict(params=params, label_convention="pair i: the scene changes between frame i and i+1",
                           **truths), f)
        with open(tmp / "sample.json", "w", encoding="utf-8") as f:
            json.dump(dict(params=params, frame_name="frame_%06d.png"), f, indent=1)

    # already_done: another process finished the same sample meanwhile
    write_folder_with(str(out_dir), write, already_done=lambda: _read_params(out_dir) == params)
    return paths
