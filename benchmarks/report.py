"""results.json -> RESULTS.md: the benchmark's tables, in Markdown."""

from typing import Dict, List, Optional

TRAP_NAMES = {"character_cut": "character-only cuts", "in_shot_flash": "in-shot flashes",
              "fast_pan": "fast pans", "zoom": "zooms", "subtitle": "subtitles",
              "action": "action (shake, dashes)", "reverse_shot": "reverse shots", "new_angle": "new angles"}
TRADEOFF_EPOCHS = (1, 2, 4, 5, 8, 16)  # 5: the README's setting
# Real clips the selection's rules are developed against (../shared/data/README.md): their rows
# are not held-out measurements, and their tables say so.
DEVELOPMENT_CLIPS = ("ds_edit", "dragonball_edit")


def _num(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _stat(entry: Optional[Dict], digits: int = 3) -> str:
    """'mean' for one value, 'mean ± sd' for several."""
    if not entry:
        return "-"
    if entry["n"] > 1:
        return f"{entry['mean']:.{digits}f} ± {entry['sd']:.{digits}f}"
    return f"{entry['mean']:.{digits}f}"


def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _accuracy(stage: Dict) -> List[str]:
    out = ["## Accuracy", "",
           "Each method on the same video file and labels. `F1@2` scores the changes each method reports on "
           "its own, with no count given; `top-K F1` the K = number-of-labels most confident events of the "
           "same method (one pick per event; for the other tools, their own changes first, then their other "
           "pairs by score): the gap between the two is what the K-free decision loses. A detection within 2 "
           "frames of a cut, or anywhere inside a gradual transition's span widened by 2 frames, finds it; "
           "each label is found once (maximum matching). `accuracy` is the paper's (share of the labels among "
           "the K highest-ranked pairs, exact pair) on each method's own ranking; `paper ranking` is the same "
           "on the VAEs' neighbouring-frame KL alone, the paper's order (`--ranking kl`), the row to compare "
           "with its 0.825 / 0.78. `frames/s` is the frames of the video over the wall time of the whole run, "
           "from the cold file: for the VAEs, training on the video and detecting on it. VAE rows with several "
           "seeds are mean ± standard deviation over the training seeds.", ""]
    trained_at = sorted({run["trained_at"] for data in stage.values() if isinstance(data, dict)
                         for entry in data.get("methods", {}).values() for run in entry["runs"] if "trained_at" in run})
    if trained_at:
        out += [f"The VAEs were trained at commit {', '.join(trained_at)} (`--reuse_models` keeps models "
                "trained earlier with the same options and training code, and their training time); detection "
                "and scoring ran at this report's date.", ""]
    claims = []
    for name, data in stage.items():
        if not isinstance(data, dict) or "methods" not in data:
            continue
        kinds = ", ".join(f"{n} {k}" for k, n in data.get("kinds", {}).items())
        out.append(f"### {name}: {data['description']}; {data['labels']} labelled changes"
                   + (f" ({kinds})" if kinds else "") + (f", {data['traps']} traps" if data.get("traps") else ""))
        out.append("")
        if name in DEVELOPMENT_CLIPS:
            out += ["*A development clip: the selection's rules are tuned while looking at it, so its rows are not "
                    "a held-out measurement.*", ""]
        rows = []
        for method, entry in data["methods"].items():
            s = entry["summary"]
            seeds = f" ({len(entry['runs'])} seeds)" if len(entry["runs"]) > 1 else ""
            rows.append([method + seeds, _stat(s["f1"]), _stat(s.get("topk_f1")), _stat(s["found"], 1),
                         _stat(s["precision"]), _stat(s["recall"]), _stat(s["accuracy"]),
                         _stat(s.get("paper_accuracy")) if "VAE" in method else "-", _stat(s["top100"]),
                         _stat(s["fps"], 0)])
        out += _table(["method", "F1@2", "top-K F1", "found", "precision", "recall", "accuracy",
                       "paper ranking", "top-100", "frames/s"], rows)
        if data.get("reading"):  # written beside these numbers; a rerun of the data set drops it
            out += [data["reading"], ""]
        first = next(iter(data["methods"].values()))["summary"]
        if "recall_cut" in first:
            traps = [k[len("alarms_"):] for k in first if k.startswith("alarms_")]
            same_set = "recall_same-setting cut" in first
            rows = []
            for method, entry in data["methods"].items():
                s = entry["summary"]
                rows.append([method, _stat(s.get("recall_cut")), _stat(s.get("recall_gradual"))]
                            + ([_stat(s.get("recall_same-setting cut"))] if same_set else [])
                            + [_stat(s.get(f"alarms_{t}"), 1) for t in traps])
            out.append(f"Recall by kind of change, and false alarms that fall on each kind of trap ({name}):")
            out.append("")
            out += _table(["method", "cuts of setting found", "gradual found"]
                          + (["cuts on one set found"] if same_set else [])
                          + [f"alarms on {TRAP_NAMES.get(t, t)}" for t in traps], rows)
        repro, base = data["methods"].get("repro-VAE"), data["methods"].get("baseline VAE")
        if repro and base:
            key = "paper_accuracy" if repro["summary"].get("paper_accuracy") else "accuracy"
            claims.append(f"{name}: repro-VAE {_stat(repro['summary'][key])} against baseline VAE "
                          f"{_stat(base['summary'][key])} (F1@2 {_stat(repro['summary']['f1'])} against "
                          f"{_stat(base['summary']['f1'])})")
    out += _scene_level(stage)
    if claims:
        out += ["**Does reprojection help?** The paper reports accuracy 0.825 (repro-VAE) against 0.78 "
                "(baseline VAE) on its film. Here, in the same metric on the paper's ranking:", ""]
        out += [f"- {c}" for c in claims] + [""]
    return out


def _scene_level(stage: Dict) -> List[str]:
    """Both levels: the shot boundaries against every boundary, and the changes of setting."""
    datasets = {name: data for name, data in stage.items() if isinstance(data, dict) and "methods" in data
                and any("shots_f1" in e["summary"] for e in data["methods"].values())}
    if not datasets:
        return []
    out = ["### Scene level: changes of setting", "",
           "The same runs, scored against the changes of setting alone (a generated film's setting changes, "
           "without its cuts to another character, a new angle or a reverse shot on the same set; `rick`'s "
           "boundaries not marked `same_setting`). `scene level` is what inference.py writes to "
           "`setting_change_flags_<i>.npy`; `every shot boundary` takes each change a method reports (the "
           "table above) as a change of setting, which is what a shot detector answers. Same matching and "
           "tolerance as above.", ""]
    for name, data in datasets.items():
        rows = []
        for method, entry in data["methods"].items():
            s = entry["summary"]
            seeds = f" ({len(entry['runs'])} seeds)" if len(entry["runs"]) > 1 else ""
            scene = (f"{_stat(s['scene_f1'])} ({_stat(s['scene_found'], 0)} found, P {_stat(s['scene_precision'], 2)}, "
                     f"R {_stat(s['scene_recall'], 2)})" if s.get("scene_f1") else "-")
            rows.append([method + seeds,
                         f"{_stat(s['shots_f1'])} (P {_stat(s['shots_precision'], 2)}, R {_stat(s['shots_recall'], 2)})",
                         scene])
        out.append(f"{name}: {data.get('scene_labels', data['labels'])} changes of setting among "
                   f"{data['labels']} shot boundaries")
        out.append("")
        out += _table(["method", "every shot boundary, F1@2", "scene level, F1@2"], rows)
    return out


def _previous(stage: Dict) -> List[str]:
    if "lines" in stage:  # written whole by python -m benchmarks.previous_selection
        return _written(stage)
    out = ["## The previous release's selection on the same latents", "",
           stage["how"], ""]
    rows = [[name, _stat(entry["previous"]), _stat(entry["now"])] for name, entry in stage["datasets"].items()]
    return out + _table(["data set", "previous release, F1@2", "this release, F1@2"], rows)


def _tradeoff(stage: Dict) -> List[str]:
    out = ["## Training time against accuracy", ""]
    if stage.get("note"):
        out += [stage["note"], ""]
    out += [
           f"The repro-VAE on {stage['dataset']} ({stage['labels']} labels), seed 0, `--bs 64 --lr 1e-3`, "
           "every checkpoint scored on every frame. `training s` is main.py's wall time up to the end of that "
           "epoch, decoding the video included. An epoch is one pass over the training frames, or "
           "`--epoch_frames N` frames drawn from all of them; `--fps N` trains on N frames per second of "
           "film. Detection always scores every frame. An epoch marked *stop* is where `--patience 2` (training loss "
           "falling by less than 1% for two epochs) ends training.", ""]
    rows = []
    for config in stage["configs"]:
        last, stop = config["rows"][-1]["epochs"], config.get("early_stop_epochs")
        for row in config["rows"]:
            if row["epochs"] in TRADEOFF_EPOCHS or row["epochs"] in (last, stop):
                mark = " *stop*" if row["epochs"] == stop else ""
                rows.append([config["name"], f"{row['epochs']}{mark}", f"{row['train_seconds']:.0f}",
                             _num(row["accuracy"]), _num(row.get("top100")), _num(row["f1"]),
                             _num(row.get("recall_gradual"))])
    out += _table(["training", "epochs", "training s", "accuracy", "top-100", "F1@2", "gradual found"], rows)
    if stage["configs"]:
        first = stage["configs"][0]
        total = first["detect_seconds_per_checkpoint"] * len(first["rows"])
        out += [f"Detecting with all {len(first['rows'])} checkpoints of `{first['name']}` took {total:.0f} s in "
                "one run (one decode of the video, then one encoding per checkpoint).", ""]
    return out


def _speed(stage: Dict) -> List[str]:
    video = stage["video"]
    out = ["## Speed", "",
           f"`{video['source'].split('/')[-1]}` repeated {video['repeats']} times: {video['seconds'] / 60:.1f} min, "
           f"{stage['frames']} frames, all on the CPU, one after another, each from the cold file in a fresh "
           "process (start-up and imports included).", ""]
    rows = [[r["method"], f"{r['seconds']:.1f}", f"{r['fps']:.0f}", f"{r['vs_decode']:.2f}x"] for r in stage["rows"]]
    out += _table(["method", "seconds", "frames/s", "time / decode-only"], rows)
    if stage.get("breakdown"):
        parts = [k for k in next(iter(stage["breakdown"].values())) if k != "frames"]
        precisions = list(stage["breakdown"])
        out += ["Where inference's time goes (the same steps in one process, cold cache):", ""]
        out += _table(["part"] + [f"{p} s" for p in precisions],
                      [[part] + [f"{stage['breakdown'][p][part]:.1f}" for p in precisions] for part in parts])
    if stage.get("training"):
        rows = []
        for t in stage["training"]:
            share = (f"{1 - t['from_cache_fps'] / t['model_steps_fps']:.0%}" if t.get("from_cache_fps") else "-")
            rows.append([t["variant"], t["precision"], _num(t.get("from_cache_fps"), 0), f"{t['model_steps_fps']:.0f}", share])
        out += ["Training throughput, frames per second (batch 64): main.py's epochs reading the frame cache, "
                "next to the model steps alone on one fixed batch; the difference is the input pipeline's share.", ""]
        out += _table(["model", "precision", "main.py from the cache", "model steps alone", "input pipeline share"], rows)
    return out


def _time_to_result(stage: Dict) -> List[str]:
    settings = (f"`{' '.join(stage['settings'])}`" if stage.get("settings")
                else "the default settings (no option typed)")
    out = ["## Time to a result", "",
           f"Each video cold (a fresh frame cache), to a scene list, every method one after another in the same "
           f"run. The repro-VAE trains on the video first with {settings}, then scores every frame "
           "(main.py then inference.py, start-up included). Peak memory: each process's own resident peak.", ""]
    for part in stage.get("videos", [stage]):
        video, rows = part["video"], []
        out += [f"A {video['seconds'] / 60:.1f}-minute video (`{video['source'].split('/')[-1]}` repeated "
                f"{video['repeats']} times):", ""]
        content = next((r["seconds"] for r in part["rows"] if r["method"] == "PySceneDetect content"), None)
        for r in part["rows"]:
            detail = (f"{r['train_seconds']:.0f} training + {r['detect_seconds']:.0f} detection"
                      if "train_seconds" in r else "")
            ratio = f"{r['seconds'] / content:.2f}x" if content else "-"
            peak = f"{r['peak_mb']:.0f}" if r.get("peak_mb") else "-"
            rows.append([r["method"], f"{r['seconds']:.1f}", detail, ratio, peak,
                         "-" if r.get("found") is None else r["found"]])
        out += _table(["method", "seconds", "of which (s)", "time / PySceneDetect content's", "peak MiB",
                       "changes found"], rows)
    return out


def _written(stage: Dict) -> List[str]:
    """A section another benchmark wrote whole (python -m benchmarks.ablation, benchmarks.learned):
    its title, how it was obtained, and its table."""
    return [f"## {stage['title']}", "", stage["how"], "", *stage["lines"], ""]


SECTIONS = (("accuracy", _accuracy), ("previous_selection", _previous), ("ablation", _written), ("sensitivity", _written),
            ("learned_decision", _written), ("budget", _written), ("tradeoff", _tradeoff), ("speed", _speed),
            ("time_parts", _written), ("time_to_result", _time_to_result))


def render(results: Dict) -> str:
    out = ["# Benchmark results", "",
           "Made by `make bench` (`python -m benchmarks.run`); raw numbers in `results.json`.", "",
           f"Machine: {results.get('machine', 'unknown')}.", ""]
    for key, section in SECTIONS:
        if key in results:
            if results[key].get("quick"):
                out += [f"**{key}: a quick run (`--quick`: small data, one seed, one epoch). Its numbers check "
                        "the machinery and say nothing about the methods.**", ""]
            out += section(results[key])
            out.append(f"_{key}: run on {results[key].get('date', '?')}, "
                       f"{results[key].get('stage_seconds', 0) / 60:.0f} min._")
            for added in results[key].get("added", []):
                machine = added.get("machine", results.get("machine"))
                out.append(f"_{', '.join(added['datasets'])}: run on their own on {added['date']} "
                           f"(`--datasets`), {added['stage_seconds'] / 60:.0f} min"
                           + (f", on {machine}" if machine != results.get("machine") else "")
                           + "; the other data sets' rows are those of the run above._")
            out += [f"- skipped: {s}" for s in results[key].get("skipped", [])] + [""]
    return "\n".join(out).rstrip() + "\n"
