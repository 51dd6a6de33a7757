"""Fit the learned decision on the tuning films and compare it with the hand rules.

    python -m benchmarks.learned                  # needs the runs of benchmarks.ablation
    python -m benchmarks.learned --seeds 0 --real_seeds 0 1 2

Every event the stages leave on a tuning run (one per event, with the caps each stage set) is a
sample; it is a true change where it lies within 2 pairs of a labelled boundary's span. A
logistic regression over selection.learned.FEATURES is fitted, its regularisation C chosen by
leaving one kind of film out at a time, then refitted on all tuning runs and written to
selection/learned_decision.json. The table compares K-free F1 of the rules and of the learned
decision: on the tuning films left out (cross-validated) and on the real clips, which the fit
never sees. Written to <work>/learned/LEARNED.md.
"""

import argparse
import json
import os
import sys
import time
from typing import Dict, List

import numpy as np

from benchmarks import ours
from benchmarks import selection_runs as sr
from benchmarks.scoring import TOLERANCE
from evaluation.metrics import match_with_tolerance
from selection import SelectionConfig, learned
from utils.atomic import save_text

C_GRID = (0.01, 0.1, 1.0, 10.0)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.learned", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="training seeds of the tuning films")
    parser.add_argument("--real_seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the clips")
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"))
    parser.add_argument("--shared", default=sr.shared_folder())
    parser.add_argument("--model", default=learned.MODEL_FILE, help="where the fitted model goes")
    parser.add_argument("--out", default=os.path.join(ours.ROOT, "benchmarks"),
                        help="results.json and RESULTS.md get the comparison (section 'learned_decision')")
    return parser.parse_args(argv)


def events_of(run: sr.SavedRun) -> List:
    """The candidates the stages leave as events under the rules (before a fade's two halves join)."""
    found = sr.detect(run, SelectionConfig())
    return [c for c in found.candidates if c.source != "joined" and c.dropped_by in (None, "fade_through_black")]


def truth_of(run: sr.SavedRun, events: List) -> np.ndarray:
    """1 where an event lies within TOLERANCE pairs of a labelled boundary's span."""
    spans = run.dataset.spans
    return np.array([float(((spans[:, 0] - TOLERANCE <= c.pair) & (c.pair <= spans[:, 1] + TOLERANCE)).any())
                     for c in events])


def fit(x: np.ndarray, y: np.ndarray, c: float) -> Dict:
    """A standardised logistic regression, as selection.learned reads it."""
    from sklearn.linear_model import LogisticRegression
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return {"features": list(learned.FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]), "C": c}


def event_f1(model: Dict, samples: List[tuple]) -> float:
    """Mean K-free F1 of the events the model keeps (log-odds >= 0), per run, before any join."""
    scores = []
    for run, events, x in samples:
        keep = learned.log_odds(model, x) >= 0 if len(events) else np.zeros(0, bool)
        changes = np.array([c.pair for c, k in zip(events, keep) if k], dtype=np.int64)
        scores.append(match_with_tolerance(changes, run.dataset.labels, TOLERANCE, run.dataset.spans)["f1"])
    return float(np.mean(scores))


def cross_validated(samples: List[tuple]) -> Dict[float, float]:
    """{C: mean event F1 on each kind of film when fitted on the others}."""
    kinds = sorted({run.dataset.name for run, _, _ in samples})
    result = {}
    for c in C_GRID:
        held_out = []
        for kind in kinds:
            train = [s for s in samples if s[0].dataset.name != kind]
            x = np.concatenate([s[2] for s in train])
            y = np.concatenate([truth_of(s[0], s[1]) for s in train])
            held_out.append(event_f1(fit(x, y, c), [s for s in samples if s[0].dataset.name == kind]))
        result[c] = float(np.mean(held_out))
    return result


def compare(runs: List[sr.SavedRun]) -> Dict[str, Dict]:
    """K-free F1 (the whole pipeline) of the rules and of the learned decision, per group."""
    out = {}
    for name, config in (("rules", SelectionConfig()), ("learned", SelectionConfig(decision="learned"))):
        rows = [sr.scored(run, config) for run in runs]
        out[name] = sr.group_means(rows, runs, "f1")
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    tuning = sr.tuning_runs(args.work, args.seeds)
    real = sr.real_runs(args.work, args.shared, args.real_seeds)
    if not tuning:
        print(f"no tuning runs under {args.work}: run python -m benchmarks.ablation first", file=sys.stderr)
        return 1
    samples = [(run, ev, learned.features(ev)) for run in tuning for ev in [events_of(run)]]
    rules_f1 = float(np.mean([sr.scored(run, SelectionConfig())["f1"] for run in tuning]))
    grid = cross_validated(samples)
    best = max(grid, key=grid.get)
    x = np.concatenate([s[2] for s in samples])
    y = np.concatenate([truth_of(s[0], s[1]) for s in samples])
    model = {**fit(x, y, best), "trained_on": f"tuning films, training seeds {args.seeds}, {len(y)} events"}
    save_text(args.model, json.dumps(model, indent=1))
    table = compare(tuning + real)
    lines = [f"Learned decision (logistic regression over {', '.join(learned.FEATURES)}), fitted on "
             f"{len(y)} events of {len(tuning)} tuning runs ({int(y.sum())} true).", "",
             "Leave-one-kind-out on the tuning films, K-free F1 of the events kept (before joins): "
             + ", ".join(f"C={c:g}: {v:.4f}" for c, v in grid.items())
             + f"; the rules {rules_f1:.4f} (whole pipeline). C={best:g} kept.", "",
             "| decision | " + " | ".join(k for k in table["rules"]) + " |", "|---|" + "---|" * len(table["rules"])]
    for name, means in table.items():
        lines.append(f"| {name} | " + " | ".join(f"{v['mean']:.3f}" for v in means.values()) + " |")
    lines.append("")
    lines.append("The tuning films' learned row is in-sample (fitted on them); the real clips are never fitted on.")
    text = "\n".join(lines) + "\n"
    print(text)
    save_text(os.path.join(args.work, "learned", "LEARNED.md"), text)
    sr.record_section(args.out, "learned_decision", "A learned decision against the hand rules",
                      "`python -m benchmarks.learned`, on the runs of `python -m benchmarks.ablation`.", text,
                      time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
