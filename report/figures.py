"""The report's pictures drawn with matplotlib (Agg, headless): the change score along the film
in strips with a timecode axis, and a t-SNE map of the latent means.

Every picture is written atomically.
"""

import math
from typing import List, Sequence, Tuple

import numpy as np

from report.outcomes import Change
from utils.atomic import write_with
from utils.plots import pyplot

# One strip covers this much film, so a cut stays a visible spike at any film length; a long
# film gets longer strips rather than more than MAX_STRIPS of them.
STRIP_SECONDS = 60.0
MAX_STRIPS = 40
# Change scores are log ratios; deep troughs say nothing and would squash the peaks.
SCORE_FLOOR = -8.0
# t-SNE costs grow with the square of the points: above this many frames an evenly spaced
# subset is mapped (every scene keeps its share of points).
TSNE_MAX_POINTS = 2000
DPI = 90

HIT, FALSE_ALARM, MISS, DETECTED = "tab:green", "tab:red", "tab:orange", "tab:red"


def _save(fig, path: str) -> str:
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
    pyplot().close(fig)
    return path


def axis_time(seconds: float, _position=None) -> str:
    """m:ss, or h:mm:ss past an hour: a timecode short enough for an axis."""
    whole = int(round(max(seconds, 0.0)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def strip_bounds(duration: float) -> List[Tuple[float, float]]:
    """(start, end) seconds of each strip: STRIP_SECONDS long, whole minutes, at most MAX_STRIPS.
    Every strip has the same length, the last one too (it runs past the end of the film), so that
    a second is as wide in all of them."""
    length = max(STRIP_SECONDS, math.ceil(duration / MAX_STRIPS / 60.0) * 60.0)
    count = max(1, math.ceil(duration / length))
    return [(k * length, (k + 1) * length) for k in range(count)]


def plot_score_strip(pair_times: np.ndarray, scores: np.ndarray, marks: dict, path: str,
                     window: Tuple[float, float], title: str, width: float = 14.0) -> str:
    """The change score against time inside `window` (seconds), with the changes of `marks`
    ({"detected" | "hits" | "false_alarms": [Change], "misses": [Change]}) drawn on it.

    pair_times[j] is the time of the first frame after pair j, where the new picture starts.
    """
    plt = pyplot()
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    start, end = window
    inside = (pair_times >= start) & (pair_times <= end)
    shown = np.maximum(scores, SCORE_FLOOR)
    fig, ax = plt.subplots(figsize=(width, 2.3))
    ax.plot(pair_times[inside], shown[inside], lw=0.7, color="tab:blue", label="change score")
    ax.axhline(0.0, color="tab:gray", lw=0.8, ls="--", label="decision level")
    for key, colour, name in (("detected", DETECTED, "detected change"), ("hits", HIT, "hit"),
                              ("false_alarms", FALSE_ALARM, "false alarm")):
        pairs = np.array([c.pair for c in marks.get(key, [])], dtype=np.int64)
        pairs = pairs[inside[pairs]] if pairs.size else pairs
        if pairs.size:
            ax.plot(pair_times[pairs], shown[pairs], "v", color=colour, ms=6, label=name, zorder=3)
    missed = [c for c in marks.get("misses", []) if inside[c.first] or inside[c.last]]
    for number, change in enumerate(missed):
        if change.last > change.first:
            ax.axvspan(pair_times[change.first], pair_times[change.last], color=MISS, alpha=0.25, lw=0)
        ax.axvline(pair_times[change.pair], color=MISS,
                   lw=1.2, label="missed true change" if number == 0 else None)
    ax.set_xlim(start, max(end, start + 1e-3))
    ax.set_ylim(SCORE_FLOOR - 0.3, max(1.0, float(shown.max()) + 0.5))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=16, steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(axis_time))
    ax.set_ylabel("confidence")
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.grid(axis="x", color="0.9", lw=0.6)
    fig.subplots_adjust(left=0.055, right=0.875, top=0.86, bottom=0.14)  # the same axes in every strip
    return _save(fig, path)


def tsne_subset(frame_count: int, cap: int = TSNE_MAX_POINTS) -> np.ndarray:
    """Indices of the frames mapped: all of them, or `cap` evenly spaced ones."""
    if frame_count <= cap:
        return np.arange(frame_count)
    return np.unique(np.linspace(0, frame_count - 1, cap).round().astype(np.int64))


def tsne_map(points: np.ndarray, seed: int = 0) -> np.ndarray:
    """(n, 2) t-SNE coordinates of `points` (n >= 4), from a PCA start so a rebuild repeats it."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits
    points = np.asarray(points, dtype=np.float32)
    perplexity = float(min(30.0, max(1.0, (len(points) - 1) / 3.0)))
    # One thread: its many short gradient steps lose more to waking threads than they gain, most
    # of all on a busy machine (2000 points on 2 busy cores: 8 s on one thread, 30 s on two).
    with threadpool_limits(limits=1):
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(points)


def plot_tsne(coordinates: np.ndarray, colourings: Sequence[Tuple[str, np.ndarray]], path: str) -> str:
    """One panel per (title, scene of each point): points of one scene share a colour, and
    neighbouring scenes differ (20 colours in turn); a faint line joins the frames in film order."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(colourings), figsize=(6.2 * len(colourings), 5.6), squeeze=False)
    for ax, (title, scenes) in zip(axes[0], colourings):
        ax.plot(coordinates[:, 0], coordinates[:, 1], lw=0.3, color="0.85", zorder=1)
        ax.scatter(coordinates[:, 0], coordinates[:, 1], c=np.asarray(scenes) % 20, cmap="tab20",
                   vmin=0, vmax=19, s=7, lw=0, zorder=2)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return _save(fig, path)
