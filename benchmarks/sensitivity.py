"""Every constant of the selection moved on its own, on today's tuning films and the real clips.

    python -m benchmarks.sensitivity                   # trains what is missing, then scores
    python -m benchmarks.sensitivity --no_training --fields contrast motion

Each numeric field of selection.config.SelectionConfig (the user's options, threshold,
transition_seconds and min_scene_seconds, and the sample size typical_pairs left out) is set in
turn to half and twice its value (whole numbers: one less and one more), all others kept, and the saved latents of the repro-VAE are read again
in-process (benchmarks/selection_runs.py), as the ablation reads them. So the grid quoted at
each field's `source`, run on films of an earlier generator, has a reproducible neighbour
here, and whoever changes a constant sees first what it moves.

Printed and written to <work>/sensitivity/SENSITIVITY.md and RESULTS.md's section "Sensitivity of
the selection's constants": per field, K-free F1 (F1@2, no count given) of each group at each
value, and a reading. A value moves a group where it moves the group's mean by more than its
spread over training seeds, or, run by run (one film, one training seed), lowers three runs or
more and raises none (or the reverse), the ablation's rule:
    no effect        no run changes at any value tried
    flat             no value moves a group
    kept pays        some value lowers a group, and none raises one
    worth a look     some value raises a group and lowers none, not even one run of another
    trade            some value raises one group and lowers another (or lowers more of its runs
                     than it raises, however few: "clips (1 run)")
The real clips are development clips: a value read off them alone is not a measurement.
"""

import argparse
import dataclasses
import sys
from typing import Dict, List, Sequence

from tqdm import tqdm

from benchmarks import selection_runs as sr
from selection import SelectionConfig

# The user's own options, and a sample size that only sets how steady a median is.
LEFT_OUT = ("threshold", "transition_seconds", "min_scene_seconds", "typical_pairs")
FACTORS = (0.5, 2.0)
GROUPS = ("tuning", "tuning held 3", "tuning interlaced", "real")

HOW = ("`python -m benchmarks.sensitivity`: the repro-VAE trained once with the default settings on each tuning "
       "film (benchmarks.tuning, with slides, training seeds 0 and 1) and each labelled clip of ../shared/data "
       "(seeds 0-2), the tuning films also held on threes and interlaced at every cut as the ablation reads them; "
       "each numeric constant of SelectionConfig then set on its own to x0.5 and x2 (whole numbers: -1 and +1) "
       "and the saved latents read again. K-free F1@2 against every shot boundary, a gradual "
       "transition found anywhere in its span, per group; the kept value in bold. Spread: the sd over training "
       "seeds, the larger of the two settings compared. Real clips are development clips.")


def numeric_fields(config: SelectionConfig = SelectionConfig()) -> List[str]:
    """The constants this benchmark moves: every int or float field not LEFT_OUT."""
    return [f.name for f in dataclasses.fields(config)
            if type(getattr(config, f.name)) in (int, float) and f.name not in LEFT_OUT]


def values_of(name: str, config: SelectionConfig = SelectionConfig()) -> List:
    """The values tried for `name`, the kept one included, in increasing order; those the config
    refuses (same_palette above 1, say) are left out."""
    kept = getattr(config, name)
    if isinstance(kept, int):
        tried = {max(kept - 1, 0), kept, kept + 1}
    else:
        tried = {kept} | {kept * f for f in FACTORS}
    out = []
    for value in sorted(tried):
        try:
            config.with_values(**{name: value})
        except ValueError:
            continue
        out.append(value)
    return out


def sweep(runs: List[sr.SavedRun], fields: Sequence[str]) -> Dict[str, Dict]:
    """{field: {"values": [...], "kept": value, "scores": {value: group_means of K-free F1},
    "runs": {value: [K-free F1 of each run]}, "groups": [each run's group]}}; the kept config is
    scored once and shared by every field."""
    def scored(config: SelectionConfig):
        rows = [sr.scored(run, config) for run in runs]
        return sr.group_means(rows, runs), [row["f1"] for row in rows]

    kept, default = scored(SelectionConfig()), SelectionConfig()
    values = {name: values_of(name) for name in fields}
    done = {}
    for name, value in tqdm([(n, v) for n in fields for v in values[n]], desc="sensitivity", unit="setting"):
        same = value == getattr(default, name)
        done[(name, value)] = kept if same else scored(default.with_values(**{name: value}))
    table = {}
    for name in fields:
        table[name] = {"values": values[name], "kept": getattr(default, name),
                       "scores": {v: done[(name, v)][0] for v in values[name]},
                       "runs": {v: done[(name, v)][1] for v in values[name]}, "groups": [run.group for run in runs]}
    return table


def _moves(entry: Dict, value, group: str) -> tuple:
    """(raised, lowered, changed, dented): whether `value` moves `group` beyond the spread over
    training seeds, or, run by run (one film, one training seed), raises three runs or more and
    lowers none (or the reverse): the ablation's rule, which a group mean blurred by the films' own
    spread hides; whether it changes any of the group's runs at all; and how many runs it lowers
    where it lowers more than it raises (0 otherwise)."""
    kept, means = entry["scores"][entry["kept"]][group], entry["scores"][value][group]
    delta, spread = means["mean"] - kept["mean"], max(means["sd"], kept["sd"])
    worse = better = 0
    if "runs" in entry:
        pairs = [(a, b) for a, b, g in zip(entry["runs"][value], entry["runs"][entry["kept"]], entry["groups"])
                 if g == group]
        worse, better = sum(a < b - 1e-9 for a, b in pairs), sum(a > b + 1e-9 for a, b in pairs)
    raised = (delta > spread or (better >= 3 and not worse)) and not worse > better
    lowered = (delta < -spread or (worse >= 3 and not better)) and not better > worse
    return raised, lowered, abs(delta) > 1e-9 or worse or better, worse if worse > better else 0


def reading(entry: Dict, groups: Sequence[str], names: Dict[str, str] = None) -> str:
    """The field's verdict (module doc), naming the value and groups it rests on (as `names` calls
    them, where it names them)."""
    names = names or {}
    gains, trades, lowers, moved = [], [], False, False
    for value in entry["values"]:
        if value == entry["kept"]:
            continue
        up, down, dented = [], [], []
        for g in groups:
            raised, lowered, changed, lowered_runs = _moves(entry, value, g)
            moved = moved or bool(changed)
            if raised:
                up.append(names.get(g, g))
            elif lowered:
                down.append(names.get(g, g))
            elif lowered_runs:
                dented.append(f"{names.get(g, g)} ({lowered_runs} run{'s' if lowered_runs > 1 else ''})")
        if up and dented and not down:  # a gain elsewhere is no free gain where runs are lost
            down = dented
        if up and not down:
            gains.append(f"{_value(value)} raises {', '.join(up)}")
        elif up:
            trades.append(f"trade at {_value(value)}: {', '.join(up)} up, {', '.join(down)} down")
        elif down:
            lowers = True
    if gains:
        return "worth a look: " + "; ".join(gains)
    if trades:
        return "; ".join(trades)
    if lowers:
        return "kept pays"
    return "flat" if moved else "no effect"


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def render(table: Dict[str, Dict], runs: List[sr.SavedRun]) -> str:
    groups = [g for g in GROUPS if any(r.group == g for r in runs)]
    names = {"real": "clips"}
    lines = ["K-free F1 (F1@2, no count given) of each group with one constant of the selection moved, all others "
             "kept, on saved latents of the repro-VAE (default training). Each cell lists the values tried, "
             "smallest first, the kept one in bold. Reading: see the column's key below the table.", "",
             "| constant | values | " + " | ".join(names.get(g, g) for g in groups) + " | reading |",
             "|---|---|" + "---|" * len(groups) + "---|"]
    for name, entry in table.items():
        values = " / ".join(("**" + _value(v) + "**") if v == entry["kept"] else _value(v) for v in entry["values"])
        cells = []
        for g in groups:
            cells.append(" / ".join(("**" if v == entry["kept"] else "") + f"{entry['scores'][v][g]['mean']:.3f}"
                                    + ("**" if v == entry["kept"] else "") for v in entry["values"]))
        lines.append(f"| {name} | {values} | " + " | ".join(cells) + f" | {reading(entry, groups, names)} |")
    any_entry = next(iter(table.values()), None)
    if any_entry:
        kept = any_entry["scores"][any_entry["kept"]]
        lines += ["", "Spread over training seeds with every constant kept: "
                  + ", ".join(f"{names.get(g, g)} ± {kept[g]['sd']:.3f}" for g in groups) + "."]
    lines += ["", "Key: a value moves a group where the group's mean moves by more than the spread, or where it "
              "lowers three runs (one film, one training seed) or more and raises none, or the reverse. *no effect*: "
              "no run changes; *flat*: no value moves a group; *kept pays*: some value lowers a group and none "
              "raises one; *worth a look*: a value raises a group and lowers none, not one run of another; *trade*: "
              "one group up and another down, or more of another group's runs lowered than raised (counted in "
              "brackets)."]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sensitivity", description=__doc__.split("\n")[0])
    parser.add_argument("--fields", nargs="+", default=numeric_fields(), choices=numeric_fields(), metavar="FIELD",
                        help="constants to move (default: every numeric one)")
    sr.add_run_options(parser, "sensitivity")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    return sr.publish(args, "sensitivity", "Sensitivity of the selection's constants", HOW,
                      lambda runs: render(sweep(runs, args.fields), runs))


if __name__ == "__main__":
    sys.exit(main())
