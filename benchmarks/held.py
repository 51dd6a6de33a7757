"""How the K-free selection holds up on animation drawn on twos, threes and fours.

    python -m benchmarks.held                  # after the accuracy stage of benchmarks.run
    python -m benchmarks.held --holds 1 2 4 mixed

Much animation holds each drawing for two, three or four frames, and a film's frame rate then
says little about how often its picture changes. The generated films draw only their fights so.
This check takes the accuracy stage's repro-VAE runs on the generated films (their saved
latents, every training seed) and holds every frame `hold` frames: frame i shows frame
i - i % hold, never reaching back across a labelled change, so no change moves or vanishes.
The encoder maps one picture to one Gaussian, so a held frame's latents and pictures are
those of the frame it holds: the film drawn so, read by the model trained on it as drawn on
ones (trained on the held copy, a model would see the same drawings, each repeated). A
compressed copy would add the codec's noise to each held frame; that is not simulated.
An episode mixes its holds (a fight on twos, a talking head on fours, a pan on ones): the
column `mixed` holds each stretch between two labelled changes (and each transition) 1, 2, 3
or 4 frames, drawn at random, the same draw for every training seed.
Nothing is retrained and no choice of the selection is made here: it measures.

The table (shot level, every shot boundary, F1@2 with no count given and of the top K) is
printed and written to <out>/HELD.md.
"""

import argparse
import glob
import os
import tempfile
from typing import Dict, List, Sequence

import numpy as np
from tqdm import tqdm

from benchmarks import datasets as ds
from benchmarks import ours
from benchmarks.scoring import mean_and_spread, score
from data.cache import load_frames
from selection import detect_changes
from selection.pictures import Pictures, picture_features
from utils.atomic import save_text

FRAME_RATE = 24.0  # the generated films'
MIXED = 0          # --holds mixed: each stretch between changes held its own 1-MIXED_HOLDS frames
MIXED_HOLDS = 4


def held_frames(num_frames: int, hold: int, changes: Sequence[int]) -> np.ndarray:
    """(num_frames,) the frame each frame shows when every drawing is held `hold` frames: frame
    i - i % hold, or the first frame after the last change (pair j: between frames j and j + 1)
    that lies between the two, so a held drawing never crosses a change."""
    shown = np.arange(num_frames) - np.arange(num_frames) % max(int(hold), 1)
    for change in sorted(int(c) for c in changes):
        after = np.arange(change + 1, min(change + 1 + hold, num_frames))
        shown[after] = np.maximum(shown[after], change + 1)
    return shown


def mixed_held_frames(num_frames: int, spans: np.ndarray, seed: int = 0) -> np.ndarray:
    """(num_frames,) the frame each frame shows when each stretch between labelled changes, and
    each change's own span of pairs, holds its drawings 1-4 frames (drawn at random from
    `seed`): held_frames within the stretch, which never reaches back across its start."""
    bounds = sorted({int(p) for span in np.asarray(spans).reshape(-1, 2) for p in span})
    starts = [0] + [b + 1 for b in bounds if 0 <= b + 1 < num_frames]
    ends = starts[1:] + [num_frames]
    holds = np.random.default_rng(seed).integers(1, MIXED_HOLDS + 1, size=len(starts))
    shown = np.arange(num_frames)
    for start, end, hold in zip(starts, ends, holds):
        if end > start:
            shown[start:end] = start + held_frames(end - start, int(hold), [])
    return shown


def _shown(num_frames: int, hold: int, dataset) -> np.ndarray:
    """Frames shown held `hold` frames; MIXED (0): each stretch its own hold."""
    if hold == MIXED:
        return mixed_held_frames(num_frames, dataset.spans)
    return held_frames(num_frames, hold, dataset.labels)


def _held_pictures(pictures: Pictures, shown: np.ndarray) -> Pictures:
    return Pictures(*(None if part is None else part[shown] for part in
                      (pictures.detail, pictures.edges, pictures.colours, pictures.thumbnails, pictures.grey)))


def measure(work: str, holds: Sequence[int]) -> Dict[str, Dict[int, Dict]]:
    """{data set: {hold: mean and spread of f1 and topk_f1 over the training seeds}}."""
    table = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        for dataset in tqdm(ds.build_suite(os.path.join(work, "data")), desc="films", unit="film"):
            folders = sorted(glob.glob(os.path.join(work, "accuracy", dataset.name, "repro-VAE", "seed*", "detections")))
            if not folders:
                print(f"{dataset.name}: no repro-VAE runs under {work}/accuracy; run the accuracy stage first")
                continue
            pictures = picture_features(load_frames(dataset.video, cache_dir, 64, show_progress=False).frames)
            latents = [(np.load(glob.glob(os.path.join(folder, "latent_mu_*.npy"))[0]),
                        np.load(glob.glob(os.path.join(folder, "latent_logvar_*.npy"))[0])) for folder in folders]
            table[dataset.name] = {}
            for hold in holds:
                rows = []
                for mu, log_var in latents:
                    shown = _shown(len(mu), hold, dataset)
                    found = detect_changes(mu[shown], log_var[shown], FRAME_RATE,
                                           pictures=_held_pictures(pictures, shown))
                    rows.append(score({"frames": len(mu), "scores": found.score, "changes": found.changes,
                                       "events": found.events}, dataset))
                table[dataset.name][hold] = mean_and_spread([{"f1": r["f1"], "topk_f1": r["topk_f1"],
                                                              "found": r["found"]} for r in rows])
    return table


def render(table: Dict[str, Dict[int, Dict]], holds: Sequence[int]) -> str:
    head = ["data set"] + [f"{_hold_name(h)}: K-free / top-K" for h in holds]
    how = " ".join(__doc__.split("\n\n")[2].split())
    lines = ["# Animation drawn on twos, threes and fours", "", how, "",
             "Shot level, every shot boundary: F1@2 of the changes found with no count given, and of the "
             "K most confident events (K = the number of labels); means over the training seeds. "
             "`python -m benchmarks.held` wrote this file.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, by_hold in table.items():
        cells = [name]
        for h in holds:
            entry = by_hold.get(h)
            cells.append("" if entry is None else f"{entry['f1']['mean']:.3f} / {entry['topk_f1']['mean']:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _hold_name(hold: int) -> str:
    return "mixed 1-4" if hold == MIXED else f"held {hold}"


def _hold(text: str) -> int:
    """--holds: a whole number of frames from 1 to MIXED_HOLDS, or "mixed"."""
    if text == "mixed":
        return MIXED
    if text.isdigit() and 1 <= int(text) <= MIXED_HOLDS:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r}: give 1-{MIXED_HOLDS} frames or 'mixed'")


def main(argv: List[str] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.held", description=__doc__.split("\n")[0])
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"),
                        help="the benchmark's scratch folder (generated films and accuracy runs)")
    parser.add_argument("--out", default=os.path.join(ours.ROOT, "benchmarks"), help="where HELD.md goes")
    parser.add_argument("--holds", type=_hold, nargs="+", default=[1, 2, 3, 4, MIXED],
                        help="frames each drawing is held (1-4), or 'mixed': each stretch between changes its own")
    args = parser.parse_args(argv)
    table = measure(args.work, args.holds)
    text = render(table, args.holds)
    print(text)
    save_text(os.path.join(args.out, "HELD.md"), text)


if __name__ == "__main__":
    main()
