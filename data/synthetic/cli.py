"""Command line: ``python -m data.synthetic --out DIR`` writes the synthetic sample."""

import argparse
import json
import sys

from data.sample import SAMPLE_SEED, SAMPLE_TRAIN_FRAMES, SAMPLE_VAL_FRAMES
from data.synthetic.writer import write_sample


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m data.synthetic",
                                 description="Write the synthetic anime-like sample (frames, labels, truth).")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--train_frames", type=int, default=SAMPLE_TRAIN_FRAMES)
    ap.add_argument("--val_frames", type=int, default=SAMPLE_VAL_FRAMES)
    ap.add_argument("--seed", type=int, default=SAMPLE_SEED)
    ap.add_argument("--width", type=int, default=160)
    ap.add_argument("--height", type=int, default=120)
    ap.add_argument("--easy", action="store_true", help="hard cuts, character-only cuts and slow pans only")
    args = ap.parse_args(argv)
    from utils.errors import UserError
    try:
        paths = write_sample(args.out, args.train_frames, args.val_frames, args.seed, args.width, args.height,
                             hard_cases=not args.easy)
    except (UserError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    with open(paths["truth"], "r", encoding="utf-8") as f:
        truth = json.load(f)
    for part in ("train", "val"):
        t = truth[part]
        kinds = {}
        for d in t["transitions"]:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        traps = {}
        for d in t["non_changes"]:
            traps[d["kind"]] = traps.get(d["kind"], 0) + 1
        print(f"{part}: {t['num_frames']} frames in {paths[part]}, {len(t['change_pairs'])} scene changes "
              f"{kinds}, traps {traps}")
    print(f"labels: {paths['train_labels']}, {paths['val_labels']}")
    print(f"truth:  {paths['truth']}")
    return 0
