"""Each stage of the selection switched off in turn, on the tuning films and the real clips.

    python -m benchmarks.ablation                      # trains what is missing, then scores
    python -m benchmarks.ablation --seeds 0 1 --real_seeds 0 1 2

The repro-VAE is trained with the default settings on the tuning films (benchmarks.tuning, with
slides) and on every labelled clip of ../shared/data, once; then the selection runs in-process
on the saved latents with every stage on, and with each stage of selection.config.STAGES off.
Printed and written to <work>/ablation/ABLATION.md: K-free F1 (F1@2 with no count given, a
gradual transition found anywhere in its span) per real clip and the mean of each group, with
the spread over training seeds, and per group how many runs (a film and a training seed) switching
the stage off makes worse and better. A stage pays on a group where switching it off lowers the
group's mean by more than that spread, or lowers K-free F1 on three runs or more and raises it on
none (the paired view: the same run with and without the stage). The real clips are development clips: the rules were written while
looking at them, so their numbers are not held-out measurements.
"""

import argparse
import sys
from typing import Dict, List

from tqdm import tqdm

from benchmarks import selection_runs as sr
from selection import STAGES, SelectionConfig


HOW = ("`python -m benchmarks.ablation`: the repro-VAE trained once with the default settings on each tuning "
       "film (benchmarks.tuning, with slides) and each labelled clip of ../shared/data, its saved latents read "
       "again in-process with every stage of the selection on, then with each stage off in turn "
       "(selection.config.STAGES); the tuning films also held on threes (each drawing shown 3 frames, the "
       "latents and pictures of the shown frames repeated, as benchmarks/held.py holds films), and with every "
       "cut interlaced (the first frame after each cut shows the even lines of the shot before and the odd lines "
       "of the shot after, as benchmarks/interlaced.py makes them; encoded again with the run's checkpoint), "
       "which the split_cut stage exists for. F1@2 against "
       "every shot boundary, a gradual transition found anywhere in its span; maximum matching. The spread "
       "of a group is the mean, over its data sets trained with several seeds, of the sd over those seeds.")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ablation", description=__doc__.split("\n")[0])
    sr.add_run_options(parser, "ablation")
    return parser.parse_args(argv)


def ablate(runs: List[sr.SavedRun], stages=STAGES) -> Dict[str, Dict]:
    """{row name: {"f1": group_means, "topk_f1": group_means}} for every stage on and each of
    `stages` off."""
    configs = {"all stages": SelectionConfig(), **{f"without {s}": SelectionConfig(off=(s,)) for s in stages}}
    table = {}
    for name, config in tqdm(configs.items(), desc="ablation", unit="setting"):
        rows = [sr.scored(run, config) for run in runs]
        table[name] = {key: sr.group_means(rows, runs, key) for key in ("f1", "topk_f1")}
        table[name]["runs"] = rows
    return table


def per_run(table: Dict[str, Dict], runs: List[sr.SavedRun]) -> List[str]:
    """Lines of a table: K-free and top-K F1 of every real clip's run (each training seed) with
    all stages on."""
    rows = table["all stages"]["runs"]
    lines = ["K-free F1 / top-K F1 of each real clip's run with all stages on, per training seed:", "",
             "| clip | seed | K-free F1 | top-K F1 | found |", "|---|---|---|---|---|"]
    for run, row in sorted(zip(runs, rows), key=lambda x: (x[0].dataset.name, x[0].seed)):
        if run.group == "real":
            lines.append(f"| {run.dataset.name} | {run.seed} | {row['f1']:.3f} | {row['topk_f1']:.3f} | "
                         f"{row['found']} |")
    return lines


def verdict(row: Dict, full: Dict, group: str, runs: List[sr.SavedRun]) -> str:
    """How much switching the stage off moves `group`'s mean K-free F1, against the seed spread,
    and on how many of the group's runs (one film, one training seed) it is lower / higher: the
    paired view, which the spread of the films' own seed-to-seed scores does not blur."""
    delta = row["f1"][group]["mean"] - full["f1"][group]["mean"]
    spread = max(row["f1"][group]["sd"], full["f1"][group]["sd"])
    changes = [off["f1"] - on["f1"] for off, on, run in zip(row["runs"], full["runs"], runs) if run.group == group]
    worse, better = sum(d < -1e-9 for d in changes), sum(d > 1e-9 for d in changes)
    return f"{delta:+.3f}" + (" *" if delta < -spread else "") + f" ({worse}/{better})"


def render(table: Dict[str, Dict], runs: List[sr.SavedRun]) -> str:
    clips = sorted({r.dataset.name for r in runs if r.group == "real"})
    groups = [g for g in ("tuning", "tuning held 3", "tuning interlaced", "real") if any(r.group == g for r in runs)]
    seeds = {g: sorted({r.seed for r in runs if r.group == g}) for g in ("tuning", "real")}
    full = table["all stages"]
    lines = ["K-free F1 (F1@2, no count given) with each stage of the selection switched off, on saved latents "
             f"of the repro-VAE (default training; tuning films: seeds {seeds['tuning']}, clips: seeds "
             f"{seeds['real']}; the tuning films held on threes, every drawing shown 3 frames, as "
             "benchmarks/held.py holds films, and interlaced at every cut, as benchmarks/interlaced.py makes "
             "telecined rips). Change against all stages; * where it falls by more than the "
             "spread over training seeds; (w/b): of the group's runs (one film, one training seed), on how many "
             "switching the stage off lowers / raises K-free F1. A stage pays on a group with a * there, or "
             "where it is lowered on three runs or more and raised on none. Real clips are development clips.", "",
             "| setting | " + " | ".join(groups) + " | " + " | ".join(clips) + " | "
             + " | ".join(f"Δ {g}" for g in groups) + " |",
             "|---|" + "---|" * (2 * len(groups) + len(clips))]
    for name, row in table.items():
        f1 = row["f1"]
        cells = [f"{f1[g]['mean']:.3f} ± {f1[g]['sd']:.3f}" for g in groups]
        cells += [f"{f1[c]['mean']:.3f}" for c in clips]
        deltas = ["" if name == "all stages" else verdict(row, full, g, runs) for g in groups]
        lines.append(f"| {name} | " + " | ".join(cells + deltas) + " |")
    topk = full["topk_f1"]
    lines += ["", "Top-K F1 with all stages: " + ", ".join(f"{g} {topk[g]['mean']:.3f}" for g in groups)]
    if "real" in groups:
        lines += [""] + per_run(table, runs)
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    return sr.publish(parse_args(argv), "ablation", "Ablation of the selection", HOW,
                      lambda runs: render(ablate(runs), runs))


if __name__ == "__main__":
    sys.exit(main())
