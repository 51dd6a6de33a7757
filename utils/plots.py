"""Pictures of results: the loss curves of a run and the score curve with its changes.

matplotlib runs headless (Agg); every picture is written atomically.
"""

import warnings
from typing import Dict, List, Optional

import numpy as np

from utils.atomic import write_with


def pyplot():
    """matplotlib's pyplot, headless (Agg)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    # a film named in a script the font lacks (Japanese, say) is drawn with boxes for those
    # letters: no reason for a warning line per letter
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
    return plt


def has_validation(history: List[Dict]) -> bool:
    """Whether the run's history holds a validation loss: earlier releases wrote the training loss
    as "val_loss" when there were no validation frames, which is then the same number."""
    return bool(history) and all(isinstance(h.get("val_loss"), (int, float)) for h in history) and \
        any(h["val_loss"] != h.get("loss") for h in history)


def plot_loss_history(history: List[Dict], path: str) -> str:
    """The loss terms per epoch, one panel each, as a PNG."""
    plt = pyplot()
    names = ["loss", "reconstruction", "kld", "reprojection_kld"]
    epochs = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3))
    for ax, name in zip(axes, names):
        validated = name == "loss" and has_validation(history)
        ax.plot(epochs, [h[name] for h in history], marker=".", label="training" if validated else None)
        if validated:
            ax.plot(epochs, [h["val_loss"] for h in history], marker=".", label="validation")
            ax.legend()
        ax.set_title("training loss" if name == "loss" and not validated else name)
        ax.set_xlabel("epoch")
    fig.tight_layout()
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)
    return path


def plot_scores(scores: np.ndarray, path: str, flags: Optional[np.ndarray] = None, title: str = "",
                decision: Optional[float] = None, floor: Optional[float] = None) -> str:
    """The change score per frame pair, with the selected changes marked; `decision` draws the
    level a change must reach, `floor` cuts off the deep troughs of a log score for legibility."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(14, 3.2))
    shown = np.asarray(scores, dtype=np.float64)
    if floor is not None:
        shown = np.maximum(shown, floor)
    ax.plot(np.arange(len(shown)), shown, lw=0.7, color="tab:blue", label="score")
    if decision is not None:
        ax.axhline(decision, color="tab:gray", lw=0.8, ls="--", label="decision level")
    if flags is not None and np.any(flags):
        picked = np.flatnonzero(flags)
        ax.plot(picked, shown[picked], "v", color="tab:red", ms=5, label="detected change")
    ax.set_xlabel("frame pair (i = change between frame i and i+1)")
    # a film's name of bytes that are not UTF-8 is drawn with a replacement character, not refused by the font
    ax.set_title(title.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)
    return path


def save_reconstruction_grid(originals, reconstructions, path: str, padding: int = 2) -> str:
    """Frames (n, 3, S, S) in one row above their reconstructions in a second, as a PNG.

    Both are float tensors in [0, 1] (reconstructions are clamped to it). The picture is
    n * (S + padding) + padding pixels wide and 2 * (S + padding) + padding high.
    """
    import torch
    from PIL import Image
    from torchvision.utils import make_grid
    originals = originals.detach().float().cpu()
    reconstructions = reconstructions.detach().float().cpu().clamp(0, 1)
    grid = make_grid(torch.cat([originals, reconstructions]), nrow=len(originals), padding=padding)
    pixels = grid.mul(255).round().to(torch.uint8).permute(1, 2, 0).contiguous().numpy()
    write_with(path, lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"))
    return path
