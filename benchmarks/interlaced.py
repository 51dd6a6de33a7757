"""How the K-free selection holds up on telecined and blended rips: a frame of two shots at each cut.

    python -m benchmarks.interlaced            # after the accuracy stage of benchmarks.run

A DVD rip left telecined (no inverse telecine) shows, at a cut, a frame whose lines alternate
between the two shots; a frame-rate conversion that blends shows their mix. Each cut then moves
the picture in two steps, each beside the other. This check takes the generated films the
benchmark measures and replaces the first frame after every cut (of setting, or one that keeps
it) by the even lines of the last frame before it and the odd lines of the frame after it,
encodes the film as the suite does, and runs inference.py on it with each repro-VAE checkpoint
of the accuracy stage (every training seed; trained on the film as drawn: the mixed frames are
under 4% of its frames). Nothing is trained and no choice of the selection is made here: it
measures. A cut is found by a detection within 2 frames, as in the suite, so at either pair.

The table (shot level, every shot boundary, F1@2 with no count given and of the top K, means
over the training seeds; beside it the same runs on the film as encoded, from the accuracy
stage) is printed and written to <out>/INTERLACED.md.
"""

import argparse
import glob
import os
import tempfile
from typing import Dict, List

import av
import numpy as np
from tqdm import tqdm

from benchmarks import datasets as ds
from benchmarks import ours
from benchmarks.scoring import mean_and_spread, score
from utils.atomic import save_text
from utils.checkpoints import list_checkpoints


def interlace_cuts(frames: np.ndarray, cuts) -> np.ndarray:
    """A copy of (N, H, W, 3) `frames` where the frame after each cut pair j (frame j + 1) shows
    the even lines of frame j and the odd lines of frame j + 2: the interlaced frame of a cut."""
    mixed = np.array(frames, copy=True)
    for j in sorted(int(c) for c in cuts):
        if 0 <= j and j + 2 < len(frames):
            mixed[j + 1, 0::2] = frames[j, 0::2]
            mixed[j + 1, 1::2] = frames[j + 2, 1::2]
    return mixed


def interlaced_video(dataset, target: str) -> str:
    """The dataset's video with every cut interlaced, encoded as the suite's films are."""
    with av.open(dataset.video) as container:
        stream = container.streams.video[0]
        rate = int(round(float(stream.average_rate or 24)))
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])
    cuts = np.concatenate([dataset.kinds.get("cut", []), dataset.kinds.get("same-setting cut", [])])
    frames = interlace_cuts(frames, cuts)
    return ds.write_video(target, frames, frames.shape[2], frames.shape[1], rate, total=len(frames))


def measure(work: str) -> Dict[str, Dict[str, Dict]]:
    """{data set: {"as encoded" / "interlaced": mean and spread of f1 and topk_f1 over the seeds}}."""
    table = {}
    with tempfile.TemporaryDirectory() as scratch:
        for dataset in tqdm(ds.build_suite(os.path.join(work, "data")), desc="films", unit="film"):
            runs = sorted(glob.glob(os.path.join(work, "accuracy", dataset.name, "repro-VAE", "seed*")))
            runs = [run for run in runs if os.path.isdir(os.path.join(run, "detections"))]
            if not runs:
                print(f"{dataset.name}: no repro-VAE runs under {work}/accuracy; run the accuracy stage first")
                continue
            video = interlaced_video(dataset, os.path.join(scratch, dataset.name + ".mp4"))
            rows = {"as encoded": [], "interlaced": []}
            for run in runs:
                clean = ours.read_results(os.path.join(run, "detections"))
                rows["as encoded"].append(score(clean[max(clean)], dataset))
                checkpoint = list_checkpoints(run)[-1][1]
                folder = os.path.join(scratch, dataset.name, os.path.basename(run))
                os.makedirs(folder, exist_ok=True)
                found = ours.detect(video, folder, checkpoint, extra=ours.CPU)
                rows["interlaced"].append(score(found["results"][max(found["results"])], dataset))
            table[dataset.name] = {kind: mean_and_spread([{"f1": r["f1"], "topk_f1": r["topk_f1"]} for r in found_rows])
                                   for kind, found_rows in rows.items()}
    return table


def render(table: Dict[str, Dict[str, Dict]]) -> str:
    how = " ".join(__doc__.split("\n\n")[2].split())
    lines = ["# Telecined and blended rips: a frame of two shots at each cut", "", how, "",
             "Shot level, every shot boundary: F1@2 of the changes found with no count given, and of the "
             "K most confident events (K = the number of labels); means over the training seeds. "
             "`python -m benchmarks.interlaced` wrote this file.", "",
             "| data set | as encoded: K-free / top-K | interlaced: K-free / top-K |", "|---|---|---|"]
    for name, kinds in table.items():
        cells = [f"{kinds[k]['f1']['mean']:.3f} / {kinds[k]['topk_f1']['mean']:.3f}" for k in ("as encoded", "interlaced")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: List[str] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.interlaced", description=__doc__.split("\n")[0])
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"),
                        help="the benchmark's scratch folder (generated films and accuracy runs)")
    parser.add_argument("--out", default=os.path.join(ours.ROOT, "benchmarks"), help="where INTERLACED.md goes")
    args = parser.parse_args(argv)
    text = render(measure(args.work))
    print(text)
    save_text(os.path.join(args.out, "INTERLACED.md"), text)


if __name__ == "__main__":
    main()
