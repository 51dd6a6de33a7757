"""The benchmark: the repro-VAE next to PySceneDetect, TransNetV2 and a model-free floor.

    python -m benchmarks.run                          # every stage (about an hour on a 2-core CPU)
    python -m benchmarks.run --stages speed           # one stage; the others are kept
    python -m benchmarks.run --quick                  # a small version of everything, minutes
    python -m benchmarks.run --stages accuracy --datasets ds_edit   # one data set, merged into the rest

Stages:
  accuracy        every method on every data set: the paper's accuracy, top-100, F1@2 of its
                  own K-free selection, frames per second of the whole run (VAEs over --seeds)
  tradeoff        the repro-VAE's training time against accuracy on the suite: --fps sampling,
                  epochs, early stopping, float32 against bfloat16
  speed           a 10-minute video: decode alone, our inference (and where its time goes),
                  PySceneDetect, TransNetV2; training throughput next to the model steps alone
  time_to_result  a cold 24-minute video to a scene list, training included, next to the others

Raw numbers go to <out>/results.json, the tables to <out>/RESULTS.md (rewritten after every
stage from all stages' numbers). A method whose package is missing, or a data set that is not
there, is skipped with a line saying so. With --datasets, the accuracy stage runs on those data
sets alone and their rows replace (or join) theirs in results.json; every other data set's rows
are kept as they are.
"""

import argparse
import json
import os
import sys
import time
from typing import Dict, List

from tqdm import tqdm

from benchmarks import datasets as ds
from benchmarks import ours, speed
from benchmarks.detectors import MISSING_PACKAGE
from benchmarks.report import render
from benchmarks.scoring import mean_and_spread, score, score_scenes
from models.training import epochs_without_progress
from utils.atomic import save_text

STAGES = ("accuracy", "tradeoff", "speed", "time_to_result")
DETECTORS = {"pixels": "raw pixels, no model", "psd-content": "PySceneDetect content",
             "psd-adaptive": "PySceneDetect adaptive", "psd-hash": "PySceneDetect hash",
             "transnetv2": "TransNetV2"}
SPEED_MINUTES = 10
EPISODE_MINUTES = 24
PATIENCE, MIN_DELTA = 2, 0.01  # the early stopping the trade-off reports
PAPER_ROW = "repro-VAE, paper's training"  # the real clips only: 20 full passes cost minutes per film


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated, of {', '.join(STAGES)}")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the VAE rows")
    parser.add_argument("--baseline_seeds", type=int, default=3,
                        help="how many of --seeds the baseline VAE is trained with")
    parser.add_argument("--shared", default=os.path.join(ours.ROOT, "..", "shared", "data"),
                        help="folder of labelled clips (<name>.mp4 + <name>.labels.json)")
    parser.add_argument("--work", default=os.path.join(ours.ROOT, "benchmarks", "work"),
                        help="scratch folder: generated videos, models, detections")
    parser.add_argument("--out", default=os.path.join(ours.ROOT, "benchmarks"),
                        help="where RESULTS.md and results.json go")
    parser.add_argument("--reuse", action="store_true",
                        help="accuracy: reuse PySceneDetect's and TransNetV2's results from an earlier run "
                        "on the same video files (their speed is then the earlier run's)")
    parser.add_argument("--reuse_models", action="store_true",
                        help="accuracy: keep the VAEs trained by an earlier run on the same videos with the same "
                        "options (and their training time) and run detection again; for changes that leave "
                        "training untouched")
    parser.add_argument("--quick", action="store_true",
                        help="a small suite, one seed, short videos: checks the machinery in minutes")
    parser.add_argument("--without", nargs="+", default=[], choices=sorted(DETECTORS), metavar="METHOD",
                        help="speed and time_to_result: leave these tools out (e.g. transnetv2, minutes on a CPU)")
    parser.add_argument("--datasets", nargs="+", metavar="NAME",
                        help="accuracy: only these data sets (generated film or shared clip names); their rows "
                        "are merged into the existing results.json, the other data sets' rows kept as they are")
    args = parser.parse_args(argv)
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in args.stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage {unknown[0]!r}; choose from {', '.join(STAGES)}")
    if args.datasets and args.stages != ["accuracy"]:
        parser.error("--datasets runs the accuracy stage alone: add --stages accuracy")
    if args.quick:
        args.seeds = args.seeds[:1]
    return args


def say(text: str) -> None:
    tqdm.write(text, file=sys.stderr)


THIRD_PARTY = ("psd-content", "psd-adaptive", "psd-hash", "transnetv2")


def run_detector(method: str, video: str, folder: str, reuse: bool = False) -> Dict:
    """One detector in its own process; None when its package is missing.

    With `reuse`, a third-party tool's earlier result on the same, unchanged video file is
    read back instead of run again (its output does not depend on this project's code).
    """
    os.makedirs(folder, exist_ok=True)
    out = os.path.join(folder, f"{method}.json")
    key = ours.video_key(video)
    if reuse and method in THIRD_PARTY and os.path.exists(out):
        with open(out) as f:
            stored = json.load(f)
        if stored.get("key") == key and "seconds" in stored:
            return stored
    command = [sys.executable, "-m", "benchmarks.detectors", method, video, out]
    try:
        seconds, peak_mb = ours.run_measured(command, os.path.join(folder, f"{method}.log"))
    except ours.MethodFailed as failed:
        if failed.returncode == MISSING_PACKAGE:
            return None
        raise
    with open(out) as f:
        result = json.load(f)
    result.update(seconds=seconds, peak_mb=peak_mb, key=key)
    save_text(out, json.dumps(result))
    return result


def quick_training(args) -> tuple:
    """The default training (what a user who types only the folders gets), cut to one short
    epoch with --quick."""
    if args.quick:
        return ("--max_iters", "1", "--epoch_frames", "500")
    return ours.RECOMMENDED_TRAINING


def suite(args, only=None) -> List[ds.Dataset]:
    """The generated films the benchmark reports on (two short ones with --quick), or those of
    them named in `only`; only those are built."""
    names = list(ds.MEASURING)[:2] if args.quick else list(ds.MEASURING)
    names = [n for n in names if only is None or n in only]
    if not names:
        return []
    if args.quick:
        return ds.build_suite(os.path.join(args.work, "data-quick"), frames=600, names=names)
    return ds.build_suite(os.path.join(args.work, "data"), names=names)


def all_datasets(args) -> List[ds.Dataset]:
    """The generated films and the shared clips, or with --datasets those named (an unknown
    name stops the run before anything is trained)."""
    clips = ds.shared_clips(args.shared)
    if not clips:
        say(f"skipping the shared clips: no <name>.mp4 with <name>.labels.json in {args.shared}")
    if args.datasets:
        known = (list(ds.MEASURING)[:2] if args.quick else list(ds.MEASURING)) + [c.name for c in clips]
        unknown = [n for n in args.datasets if n not in known]
        if unknown:
            raise SystemExit(f"--datasets: no data set {unknown[0]!r}; known: {', '.join(known)}")
        clips = [c for c in clips if c.name in args.datasets]
    return suite(args, args.datasets) + clips


def accuracy_stage(args, skipped: List[str]) -> Dict:
    out = {}
    for dataset in all_datasets(args):
        say(f"accuracy: {dataset.name} ({len(dataset.labels)} labels)")
        methods = {}
        training = quick_training(args)
        for variant in ours.VARIANTS:
            rows = []
            seeds = args.seeds if variant == "repro-VAE" else args.seeds[:args.baseline_seeds]
            for seed in seeds:
                folder = os.path.join(args.work, "accuracy", dataset.name, variant.replace(" ", "-"), f"seed{seed}")
                result = ours.train_and_detect(dataset.video, folder, variant, seed, training,
                                               reuse=args.reuse_models)
                rows.append({**score(result, dataset), **score_scenes(result, dataset),
                             "seconds": result["seconds"], "frames": result["frames"],
                             "train_seconds": result["train_seconds"], "fps": result["frames"] / result["seconds"],
                             "trained_at": result["trained_at"]})
                say(f"  {variant} seed {seed}: F1 {rows[-1]['f1']:.3f}, accuracy {rows[-1]['accuracy']:.3f}, "
                    f"{result['seconds']:.0f} s")
            methods[variant] = {"runs": rows, "summary": mean_and_spread(rows), "seeds": list(seeds)}
        if not dataset.name.startswith("gen-") and not args.quick:
            folder = os.path.join(args.work, "accuracy", dataset.name, "paper-training", f"seed{args.seeds[0]}")
            result = ours.train_and_detect(dataset.video, folder, "repro-VAE", args.seeds[0], ours.PAPER_TRAINING,
                                           reuse=args.reuse_models)
            row = {**score(result, dataset), **score_scenes(result, dataset), "seconds": result["seconds"],
                   "frames": result["frames"], "train_seconds": result["train_seconds"], "fps": result["frames"] / result["seconds"],
                   "trained_at": result["trained_at"]}
            methods[PAPER_ROW] = {"runs": [row], "summary": mean_and_spread([row]), "seeds": [args.seeds[0]]}
            say(f"  {PAPER_ROW}: F1 {row['f1']:.3f}, accuracy {row['accuracy']:.3f}, {result['seconds']:.0f} s")
        for method, name in DETECTORS.items():
            result = run_detector(method, dataset.video, os.path.join(args.work, "accuracy", dataset.name, method),
                                  reuse=args.reuse)
            if result is None:
                note = f"{name}: not installed (pip install -r benchmarks/requirements-bench.txt)"
                if note not in skipped:
                    skipped.append(note)
                say(f"  skipping {name}: not installed")
                continue
            row = {**score(result, dataset), **score_scenes(result, dataset), "seconds": result["seconds"],
                   "fps": result["frames"] / result["seconds"], "frames": result["frames"]}
            methods[name] = {"runs": [row], "summary": mean_and_spread([row])}
            say(f"  {name}: F1 {row['f1']:.3f}, accuracy {row['accuracy']:.3f}, {result['seconds']:.0f} s")
        out[dataset.name] = {"description": dataset.description, "labels": int(len(dataset.labels)),
                             "scene_labels": int(len(dataset.scene_labels)),
                             "kinds": {k: int(len(v)) for k, v in dataset.kinds.items()},
                             "traps": len(dataset.traps), "methods": methods}
    return out


def tradeoff_stage(args, skipped: List[str]) -> Dict:
    dataset = suite(args)[0]
    base = ("--bs", "64", "--lr", "1e-3")
    quick = 2 if args.quick else None
    configs = [("every frame", (), quick or 4),
               ("--epoch_frames 4000", ("--epoch_frames", "4000"), quick or 10),
               ("--fps 2", ("--fps", "2"), quick or 8),
               ("--epoch_frames 4000, float32", ("--epoch_frames", "4000", "--precision", "fp32"), quick or 5)]
    out = {"dataset": dataset.description, "labels": int(len(dataset.labels)), "configs": []}
    for name, extra, epochs in configs:
        say(f"tradeoff: {name}, {epochs} epochs")
        folder = os.path.join(args.work, "tradeoff", "".join(c for c in name if c.isalnum()))
        trained = ours.train(dataset.video, folder, "repro-VAE", 0, ("--max_iters", str(epochs), *base, *extra))
        detected = ours.detect(dataset.video, folder, checkpoint="all")
        history = trained["history"]
        overhead = trained["seconds"] - history[-1]["seconds"]  # start-up and decoding the video
        stop = next((e for e in range(len(history))
                     if epochs_without_progress(history[:e + 1], MIN_DELTA) >= PATIENCE), None)
        rows = []
        for epoch, result in sorted(detected["results"].items()):
            rows.append({"epochs": epoch + 1, "train_seconds": overhead + history[epoch]["seconds"],
                         **score(result, dataset)})
        out["configs"].append({"name": name, "args": list(extra), "rows": rows,
                               "early_stop_epochs": None if stop is None else stop + 1,
                               "detect_seconds_per_checkpoint": detected["seconds"] / max(1, len(rows))})
    return out


def long_video(args, minutes: float, name: str) -> Dict:
    """A real clip looped to `minutes` (the animated one when the shared clips are there)."""
    clips = {c.name: c for c in ds.shared_clips(args.shared)}
    source = clips["cartoon_space"].video if "cartoon_space" in clips else suite(args)[0].video
    if args.quick:
        minutes = minutes / 20
    return ds.looped_video(source, os.path.join(args.work, f"{name}.mp4"), minutes * 60)


def repo_relative(info: Dict) -> Dict:
    """A looped video's description with its file paths relative to the repository, so that
    results.json names no folder of the machine it ran on."""
    return {k: os.path.relpath(v, ours.ROOT) if k in ("path", "source") else v for k, v in info.items()}


def speed_stage(args, skipped: List[str]) -> Dict:
    video = long_video(args, SPEED_MINUTES, "long")
    folder = os.path.join(args.work, "speed")
    os.makedirs(folder, exist_ok=True)
    say(f"speed: {video['path']} ({video['seconds'] / 60:.1f} min)")
    rows, breakdown, training = [], {}, []
    decode = run_detector("decode", video["path"], folder)
    frames = decode["frames"]
    rows.append({"method": "decode only (PyAV, scaled to 64x64 as our cache)", "seconds": decode["seconds"]})
    model_folder = os.path.join(folder, "model")
    epochs = "2" if args.quick else "3"
    for precision in ("bf16", "fp32"):
        trained = ours.train(video["path"], model_folder + "-" + precision, "repro-VAE", 0,
                             ("--max_iters", epochs, "--bs", "64", "--lr", "1e-3", "--fps", "2", "--precision", precision))
        training.append({"precision": precision, "variant": "repro-VAE",
                         "from_cache_fps": speed.training_rate(trained["history"], trained["frames"]),
                         "model_steps_fps": speed.model_step_rate([], precision)})
        training.append({"precision": precision, "variant": "baseline VAE", "from_cache_fps": None,
                         "model_steps_fps": speed.model_step_rate(list(ours.VARIANTS["baseline VAE"]), precision)})
        checkpoint = trained["checkpoints"][-1][1]
        detected = ours.detect(video["path"], model_folder + "-" + precision, extra=("--precision", precision))
        rows.append({"method": f"repro-VAE inference.py end to end ({precision})", "seconds": detected["seconds"]})
        breakdown[precision] = speed.inference_breakdown(video["path"], checkpoint, precision)
    for method, name in (("psd-content", "PySceneDetect content (Python API, PyAV)"), ("transnetv2", "TransNetV2 (CPU)")):
        result = run_detector(method, video["path"], folder)
        if result is None:
            skipped.append(f"{name}: not installed")
            continue
        rows.append({"method": name, "seconds": result["seconds"]})
    try:
        rows.append({"method": "PySceneDetect content (scenedetect command, OpenCV)",
                     **speed.pyscenedetect_cli(video["path"], folder)})
    except ImportError:
        skipped.append("scenedetect command: not installed")
    for row in rows:
        row["fps"] = frames / row["seconds"]
        row["vs_decode"] = row["seconds"] / decode["seconds"]
    return {"video": repo_relative(video), "frames": frames, "rows": rows, "breakdown": breakdown,
            "training": training}


def time_to_result_stage(args, skipped: List[str]) -> Dict:
    """Each long video, cold, to a scene list: the repro-VAE trained with the default settings then
    detecting, next to the other tools, one after another in the same run; seconds, peak memory
    and the changes found."""
    videos = []
    for minutes, name in ((SPEED_MINUTES, "long"), (EPISODE_MINUTES, "episode")):
        video = long_video(args, minutes, name)
        folder = os.path.join(args.work, "time_to_result", name)
        say(f"time to result: {video['path']} ({video['seconds'] / 60:.1f} min)")
        result = ours.train_and_detect(video["path"], os.path.join(folder, "repro-VAE"), "repro-VAE", 0,
                                       quick_training(args))
        rows = [{"method": "repro-VAE: main.py + inference.py, default settings", "seconds": result["seconds"],
                 "train_seconds": result["train_seconds"], "detect_seconds": result["detect_seconds"],
                 "found": int(len(result["changes"])), "frames": result["frames"], "peak_mb": result["peak_mb"]}]
        for method in ("psd-content", "psd-adaptive", "transnetv2"):
            if method in args.without:
                continue
            found = run_detector(method, video["path"], os.path.join(folder, method))
            if found is None:
                skipped.append(f"{DETECTORS[method]}: not installed")
                continue
            rows.append({"method": DETECTORS[method], "seconds": found["seconds"], "found": len(found["changes"]),
                         "frames": found["frames"], "peak_mb": found.get("peak_mb")})
        try:
            cli = speed.pyscenedetect_cli(video["path"], os.path.join(folder, "psd-cli"))
            rows.append({"method": "PySceneDetect content (scenedetect command, OpenCV)", **cli})
        except ImportError:
            skipped.append("scenedetect command: not installed")
        videos.append({"video": repo_relative(video), "rows": rows})
    return {"videos": videos, "settings": list(quick_training(args))}


def merge_datasets(earlier: Dict, new: Dict, run: Dict) -> Dict:
    """The accuracy stage of `earlier` with the data sets of `new` put in (replacing theirs in
    place, or added after the others); every other data set's rows stay as they are. The stage's
    date and time stay those of the run that made it; `run` ({"date", "stage_seconds", "machine",
    "skipped", "quick"}) is recorded under "added" with the names it ran on, and its skips join
    the stage's."""
    names = [n for n in new if isinstance(new[n], dict) and "methods" in new[n]]
    merged = {**earlier, **{n: new[n] for n in names}}
    added = [{**a, "datasets": [n for n in a["datasets"] if n not in names]} for a in earlier.get("added", [])]
    merged["added"] = [a for a in added if a["datasets"]] + [
        {"datasets": names, "date": run["date"], "stage_seconds": run["stage_seconds"], "machine": run["machine"]}]
    merged["skipped"] = earlier.get("skipped", []) + [s for s in run["skipped"] if s not in earlier.get("skipped", [])]
    merged["quick"] = bool(earlier.get("quick")) or run["quick"]
    return merged


STAGE_FUNCTIONS = {"accuracy": accuracy_stage, "tradeoff": tradeoff_stage, "speed": speed_stage,
                   "time_to_result": time_to_result_stage}


def main(argv=None) -> int:
    args = parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    json_path = os.path.join(args.out, "results.json")
    results = {}
    if os.path.exists(json_path):
        with open(json_path) as f:
            results = json.load(f)
    machine = speed.machine_description()
    merging = bool(args.datasets) and "accuracy" in results
    if not merging:  # merged rows keep the report's machine line; theirs goes with them under "added"
        results["machine"] = machine
    results.pop("quick", None)
    for stage in args.stages:
        skipped = []
        started = time.perf_counter()
        found = STAGE_FUNCTIONS[stage](args, skipped)
        run = {"skipped": skipped, "quick": args.quick, "stage_seconds": time.perf_counter() - started,
               "date": time.strftime("%Y-%m-%d"), "machine": machine}
        if merging:
            results[stage] = merge_datasets(results[stage], found, run)
        else:
            results[stage] = {**found, **{k: v for k, v in run.items() if k != "machine"}}
        save_text(json_path, json.dumps(results, indent=1, default=float))
        save_text(os.path.join(args.out, "RESULTS.md"), render(results))
        say(f"{stage}: done in {run['stage_seconds'] / 60:.1f} min")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
