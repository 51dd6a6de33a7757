"""An earlier release's selection against this one's, on the same saved latents.

    git worktree add ../previous <commit>
    python -m benchmarks.previous_selection --previous ../previous

Reads the repro-VAE runs already trained under <work> (nothing is trained here): the tuning films
(benchmarks.tuning, with slides), the measuring films (the accuracy stage of benchmarks.run,
<work>/accuracy/<film>/repro-VAE/seed<k>) and the labelled clips (benchmarks.ablation). Each
checkout scores them in a process of its own, with its own code and default settings: its
selection, and its labels and scoring. Where those last differ between the two checkouts
(evaluation/, benchmarks/scoring.py, datasets.py, selection_runs.py), the table says so, as the
difference is then not the selection's alone.
Printed, and written to RESULTS.md (section "previous_selection"): K-free F1 and top-K F1 per
data set, the mean over training seeds, before and after.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GROUPS = ("tuning", "measuring", "real")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.previous_selection", description=__doc__.split("\n")[0])
    parser.add_argument("--previous", required=True, help="a checkout of the earlier release (git worktree add)")
    parser.add_argument("--work", default=os.path.join(ROOT, "benchmarks", "work"),
                        help="scratch folder holding the trained runs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="training seeds of the tuning films")
    parser.add_argument("--measuring_seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="training seeds of the measuring films")
    parser.add_argument("--real_seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the clips")
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"),
                        help="folder of labelled clips (the same for both checkouts)")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks"), help="where results.json and RESULTS.md are")
    args = parser.parse_args(argv)
    if not os.path.isdir(os.path.join(args.previous, "benchmarks")):
        parser.error(f"--previous {args.previous}: not a checkout of this project (no benchmarks folder)")
    return args


def score_runs(root: str, work: str, seeds: Dict[str, List[int]], shared: str) -> Dict[str, Dict[str, List[List[float]]]]:
    """{group: {data set: [[K-free F1, top-K F1] per run]}} of the selection of the checkout at
    `root`, on the runs under `work`. Runs in a process whose imports come from `root` first."""
    sys.path.insert(0, root)
    from benchmarks import datasets as ds
    from benchmarks import selection_runs as sr
    from selection import SelectionConfig
    runs = sr.tuning_runs(work, seeds["tuning"])
    for dataset in ds.build_suite(os.path.join(work, "data")):
        folders = [os.path.join(work, "accuracy", dataset.name, "repro-VAE", f"seed{s}") for s in seeds["measuring"]]
        folders = [f for f in folders if sr.newest_latents(os.path.join(f, "detections")) is not None]
        runs += sr._runs("measuring", dataset, folders, os.path.join(work, "frames-cache"))
    runs += sr.real_runs(work, shared, seeds["real"])
    out: Dict[str, Dict[str, List[List[float]]]] = {}
    for run in runs:
        row = sr.scored(run, SelectionConfig())
        out.setdefault(run.group, {}).setdefault(run.dataset.name, []).append([row["f1"], row["topk_f1"]])
    return out


def scored_by(root: str, args) -> Dict:
    """score_runs of the checkout at `root`, in a child process (its packages are not ours)."""
    seeds = {"tuning": args.seeds, "measuring": args.measuring_seeds, "real": args.real_seeds}
    with tempfile.TemporaryDirectory() as scratch:
        answer = os.path.join(scratch, "scores.json")
        code = (f"import json, sys; sys.path.insert(0, {HERE!r}); import previous_selection as p; "
                f"json.dump(p.score_runs({os.path.abspath(root)!r}, {os.path.abspath(args.work)!r}, {seeds!r}, "
                f"{os.path.abspath(args.shared)!r}), "
                f"open({answer!r}, 'w'))")
        subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.abspath(root))
        with open(answer) as f:
            return json.load(f)


def table(before: Dict, after: Dict, previous: str) -> str:
    """Markdown: per group and data set, K-free / top-K F1 (mean over seeds) before and after."""
    lines = [f"K-free F1 / top-K F1, mean over training seeds; before: the selection of {previous}, after: "
             "this checkout's; runs: scored before / after.", "",
             "| group | data set | runs | before | after |", "|---|---|---|---|---|"]
    for group in GROUPS:
        names = sorted(set(before.get(group, {})) & set(after.get(group, {})))
        means = []
        for name in names:
            row = [_mean(before[group][name], 0), _mean(before[group][name], 1),
                   _mean(after[group][name], 0), _mean(after[group][name], 1)]
            means.append(row)
            runs = f"{len(before[group][name])} / {len(after[group][name])}"
            lines.append(f"| {group} | {name} | {runs} | {row[0]:.3f} / {row[1]:.3f} | "
                         f"{row[2]:.3f} / {row[3]:.3f} |")
        if means:
            m = [sum(x[i] for x in means) / len(means) for i in range(4)]
            lines.append(f"| {group} | mean | | {m[0]:.4f} / {m[1]:.4f} | {m[2]:.4f} / {m[3]:.4f} |")
    return "\n".join(lines) + "\n"


def scoring_differences(previous: str) -> List[str]:
    """The files of the labels and the scoring (evaluation/, and the benchmark's data sets, runs
    and scoring) that differ between the checkout at `previous` and this one."""
    names = [os.path.join("evaluation", n) for n in sorted(os.listdir(os.path.join(ROOT, "evaluation")))
             if n.endswith(".py")]
    names += [os.path.join("benchmarks", n) for n in ("scoring.py", "datasets.py", "selection_runs.py")]
    differ = []
    for name in names:
        theirs = os.path.join(previous, name)
        with open(os.path.join(ROOT, name), "rb") as ours:
            if not os.path.exists(theirs) or open(theirs, "rb").read() != ours.read():
                differ.append(name)
    return differ


def _mean(rows: List[List[float]], column: int) -> float:
    return sum(r[column] for r in rows) / len(rows)


def commit_of(root: str) -> str:
    try:
        return subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.path.basename(os.path.abspath(root))


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    before, after = scored_by(args.previous, args), scored_by(ROOT, args)
    text = table(before, after, f"commit {commit_of(args.previous)}")
    differ = scoring_differences(args.previous)
    text += ("\nThe labels and the scoring differ between the two checkouts (" + ", ".join(differ) + "): each side "
             "is scored by its own, so the difference is not the selection's alone.\n" if differ else
             "\nThe labels and the scoring (evaluation/, benchmarks/scoring.py, datasets.py, selection_runs.py) are "
             "the same in both checkouts: the difference is the selection's alone.\n")
    print(text)
    sys.path.insert(0, ROOT)
    from benchmarks import selection_runs as sr
    how = ("`python -m benchmarks.previous_selection --previous <checkout of the earlier release>`: the saved "
           "repro-VAE runs (default training) of the tuning films (with slides; training seeds "
           f"{args.seeds}), the measuring films (seeds {args.measuring_seeds}) and the labelled clips (seeds "
           f"{args.real_seeds}; development clips), each scored by the earlier release's code and by "
           "this one's, each checkout in a process of its own (every shot boundary; a gradual transition "
           "found anywhere in its span; F1@2, maximum matching).")
    sr.record_section(args.out, "previous_selection", "The previous release's selection on the same latents", how,
                      text, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
