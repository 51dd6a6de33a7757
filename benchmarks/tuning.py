"""The tuning films: where the selection's rules and constants are chosen, never on the measuring films.

    python -m benchmarks.tuning                       # the seven kinds of film, tuning seeds 101-107, slides
    python -m benchmarks.tuning --names gen-mixed gen-action --seeds 0 1
    python -m benchmarks.tuning --seeds 0 1 --set camera_reach=0,0.5,1,2     # a grid of one setting
    python -m benchmarks.tuning --seeds 0 1 --set contrast=2,4,8 --real_seeds 0 1 2   # ... and the clips

Each film is of the kind of a measuring film (benchmarks.datasets.MEASURING) drawn from that
kind's tuning seed (TUNING_SEEDS), so that a rule is judged on films like those reported and
never on them. The repro-VAE is trained on each with the default settings and detects with the
working tree's selection. Models stay in <work>/tuning and are reused while the training code
and its options are unchanged (--retrain trains them again), so a change of the selection is
judged in minutes. The table (K-free and top-K F1 against every shot boundary, per film and
their mean) is printed and written to <work>/tuning/TUNING.md: scratch for choosing, not a
result to report.

With --set NAME=V1,V2,... (any field of selection.config.SelectionConfig, several --set for a
product of grids) or --off STAGE, the trained models' saved latents are read again with each
setting in-process (benchmarks/selection_runs.py), so a grid takes minutes; --real_seeds adds
the labelled clips of ../shared/data (trained by benchmarks.ablation), judged beside the films.
"""

import argparse
import itertools
import os
import sys
from typing import Dict, List, Sequence

from benchmarks import datasets as ds
from benchmarks import ours
from benchmarks.scoring import mean_and_spread, score
from selection import SelectionConfig
from utils.atomic import save_text

QUICK_TRAINING = ("--max_iters", "1", "--epoch_frames", "200")  # --quick: checks the machinery only


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning", description=__doc__.split("\n")[0])
    parser.add_argument("--names", nargs="+", default=list(ds.MEASURING), choices=list(ds.MEASURING),
                        help="kinds of film (default: all seven)")
    parser.add_argument("--extra", default="slide",
                        help="extra transitions added to the films that hold extra transitions ('' for none)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds")
    parser.add_argument("--frames", type=int, default=ds.FRAMES_PER_FILM, help="frames per film")
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"),
                        help="scratch folder; the films, models and table go to <work>/tuning")
    parser.add_argument("--retrain", action="store_true", help="train the models again")
    parser.add_argument("--quick", action="store_true", help="one short epoch: checks the machinery in seconds")
    parser.add_argument("--set", dest="grid", action="append", default=[], metavar="NAME=V1,V2",
                        help="score the saved runs with each value of a selection setting (repeatable)")
    parser.add_argument("--off", nargs="+", default=[], metavar="STAGE", help="stages switched off in every setting")
    parser.add_argument("--real_seeds", type=int, nargs="*", default=[],
                        help="with --set/--off: also the shared clips' runs of these training seeds")
    args = parser.parse_args(argv)
    try:
        args.grid = [parse_setting(text) for text in args.grid]
        SelectionConfig(off=tuple(args.off)).with_values(**{name: values[0] for name, values in args.grid})
    except ValueError as error:
        parser.error(str(error))
    return args


def parse_setting(text: str) -> tuple:
    """'camera_reach=0,0.5' -> ("camera_reach", ["0", "0.5"])."""
    name, sep, values = text.partition("=")
    if not sep or not name or not values:
        raise ValueError(f"--set {text!r}: give NAME=V1,V2,...")
    return name.strip(), [v.strip() for v in values.split(",") if v.strip()]


def grid_configs(grid: Sequence[tuple], off: Sequence[str] = ()) -> Dict[str, SelectionConfig]:
    """{label: config} for every point of the product of the settings' values (the default first
    when no --set is given)."""
    base = SelectionConfig(off=tuple(off))
    if not grid:
        return {"defaults" + (f", without {'+'.join(off)}" if off else ""): base}
    names = [name for name, _ in grid]
    configs = {}
    for values in itertools.product(*[v for _, v in grid]):
        label = ", ".join(f"{n}={v}" for n, v in zip(names, values))
        configs[label] = base.with_values(**dict(zip(names, values)))
    return configs


def grid_table(args) -> str:
    """Each setting of the grid on the saved runs: mean K-free and top-K F1 over the tuning films
    (with the spread over training seeds) and, with --real_seeds, over the shared clips."""
    from benchmarks import selection_runs as sr
    runs = sr.tuning_runs(args.work, args.seeds, args.extra, args.frames)
    if args.real_seeds:
        runs += sr.real_runs(args.work, sr.shared_folder(), args.real_seeds)
    if not runs:
        raise SystemExit(f"no trained tuning runs under {args.work}/tuning: run this without --set first")
    groups = sorted({r.group for r in runs})
    lines = [f"Saved runs: {len(runs)} ({', '.join(f'{g} {sum(r.group == g for r in runs)}' for g in groups)}); "
             "mean K-free F1 ± spread over training seeds, and top-K F1.", "",
             "| setting | " + " | ".join(f"{g} K-free | {g} top-K" for g in groups) + " |",
             "|---|" + "---|---|" * len(groups)]
    for label, config in grid_configs(args.grid, args.off).items():
        rows = [sr.scored(run, config) for run in runs]
        f1, topk = sr.group_means(rows, runs, "f1"), sr.group_means(rows, runs, "topk_f1")
        cells = [f"{f1[g]['mean']:.4f} ± {f1[g]['sd']:.4f} | {topk[g]['mean']:.4f}" for g in groups]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return "\n".join(lines) + "\n"


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
    if args.grid or args.off:
        text = grid_table(args)
        print(text)
        save_text(os.path.join(args.work, "tuning", "GRID.md"), text)
        return 0
    rows = tune(args.names, args.seeds, args.work, args.frames, args.extra,
                QUICK_TRAINING if args.quick else ours.RECOMMENDED_TRAINING, args.retrain)
    text = table(rows, args.seeds)
    print(text)
    save_text(os.path.join(args.work, "tuning", "TUNING.md"), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
