"""The tuning films: where the selection's rules and constants are chosen, never on the measuring films.

    python -m benchmarks.tuning                       # the seven kinds of film, tuning seeds 101-107
    python -m benchmarks.tuning --extra slide         # ... with slides among their extra transitions
    python -m benchmarks.tuning --names gen-mixed gen-action --seeds 0 1

Each film is of the kind of a measuring film (benchmarks.datasets.MEASURING) drawn from that
kind's tuning seed (TUNING_SEEDS), so that a rule is judged on films like those reported and
never on them. The repro-VAE is trained on each with the default settings and detects with the
working tree's selection. Models stay in <work>/tuning and are reused while the training code
and its options are unchanged (--retrain trains them again), so a change of the selection is
judged in minutes. The table (K-free and top-K F1 against every shot boundary, per film and
their mean) is printed and written to <work>/tuning/TUNING.md: scratch for choosing, not a
result to report.
"""

import argparse
import os
import sys
from typing import Dict, List, Sequence

from benchmarks import datasets as ds
from benchmarks import ours
from benchmarks.scoring import mean_and_spread, score
from utils.atomic import save_text

QUICK_TRAINING = ("--max_iters", "1", "--epoch_frames", "200")  # --quick: checks the machinery only


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning", description=__doc__.split("\n")[0])
    parser.add_argument("--names", nargs="+", default=list(ds.MEASURING), choices=list(ds.MEASURING),
                        help="kinds of film (default: all seven)")
    parser.add_argument("--extra", default="",
                        help="extra transitions added to the films that hold extra transitions (e.g. slide)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds")
    parser.add_argument("--frames", type=int, default=ds.FRAMES_PER_FILM, help="frames per film")
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"),
                        help="scratch folder; the films, models and table go to <work>/tuning")
    parser.add_argument("--retrain", action="store_true", help="train the models again")
    parser.add_argument("--quick", action="store_true", help="one short epoch: checks the machinery in seconds")
    return parser.parse_args(argv)


def tuning_film(name: str, extra: str = "") -> tuple:
    """(film name, seed, generator options) of the tuning film of kind `name`, with the
    `extra` transitions added where the kind holds extra transitions."""
    seed, options = ds.TUNING_SEEDS[name], dict(ds.MEASURING[name][1])
    film = "tune-" + name.split("-", 1)[-1]
    if extra and options.get("extra_transitions"):
        options["extra_transitions"] = f"{options['extra_transitions']},{extra}"
        film += "+" + extra.replace(",", "+")
    return film, seed, options


def tune(names: Sequence[str], seeds: Sequence[int], work: str, frames: int = ds.FRAMES_PER_FILM,
         extra: str = "", training: Sequence[str] = ours.RECOMMENDED_TRAINING, retrain: bool = False) -> List[Dict]:
    """One row per film: its name and seed, and the mean over the training seeds of the
    scores of benchmarks.scoring.score (f1, topk_f1, precision, recall, found)."""
    rows = []
    for name in names:
        film, seed, options = tuning_film(name, extra)
        dataset = ds.build_film(os.path.join(work, "tuning", "films"), film, seed, options, frames=frames)
        runs = []
        for training_seed in seeds:
            folder = os.path.join(work, "tuning", "runs", f"{film}-{frames}", f"seed{training_seed}")
            result = ours.train_and_detect(dataset.video, folder, "repro-VAE", training_seed, training,
                                           reuse=not retrain)
            runs.append(score(result, dataset))
        summary = mean_and_spread(runs)
        rows.append({"film": film, "seed": seed, "labels": int(dataset.labels.size),
                     **{key: summary[key]["mean"] for key in ("f1", "topk_f1", "precision", "recall", "found")}})
    return rows


def table(rows: List[Dict], seeds: Sequence[int]) -> str:
    lines = [f"Tuning films, repro-VAE with the default settings, training seeds {', '.join(map(str, seeds))}: "
             "F1@2 against every shot boundary (means over the training seeds).", "",
             "| film | seed | labels | found | precision | recall | K-free F1 | top-K F1 |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['film']} | {r['seed']} | {r['labels']} | {r['found']:.1f} | {r['precision']:.3f} | "
                     f"{r['recall']:.3f} | {r['f1']:.3f} | {r['topk_f1']:.3f} |")
    mean = {key: sum(r[key] for r in rows) / len(rows) for key in ("f1", "topk_f1")}
    lines.append(f"| mean | | | | | | {mean['f1']:.4f} | {mean['topk_f1']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    rows = tune(args.names, args.seeds, args.work, args.frames, args.extra,
                QUICK_TRAINING if args.quick else ours.RECOMMENDED_TRAINING, args.retrain)
    text = table(rows, args.seeds)
    print(text)
    save_text(os.path.join(args.work, "tuning", "TUNING.md"), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
