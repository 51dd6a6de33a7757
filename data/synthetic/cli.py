"""Command line: ``python -m data.synthetic --out DIR`` writes the synthetic sample."""

import argparse
import json
import sys

from data.synthetic.plan import EXTRA_TRANSITION_KINDS, PACINGS
from data.synthetic.render import STYLES
from data.synthetic.writer import SAMPLE_SEED, SAMPLE_TRAIN_FRAMES, SAMPLE_VAL_FRAMES, write_sample


def _folder(text: str) -> str:
    """--out: a path; an empty one (an unset shell variable) would be the current folder."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    return text


def _kinds(text: str) -> str:
    """--extra_transitions: 'all', or kinds among EXTRA_TRANSITION_KINDS separated by commas,
    refused as the other options are (it was "error: extra_transitions must be among ..., got
    ['x']", naming no option)."""
    unknown = [kind for kind in text.split(",") if kind and kind not in EXTRA_TRANSITION_KINDS]
    if text != "all" and unknown:
        raise argparse.ArgumentTypeError(f"expected 'all' or kinds among {','.join(EXTRA_TRANSITION_KINDS)} "
                                         f"separated by commas, got {','.join(unknown)}")
    return text


def main(argv=None) -> int:
    from opts import OneLineParser, clip_frames, picture_height, picture_width, seed_number
    ap = OneLineParser(prog="python -m data.synthetic",
                       description="Write the synthetic anime-like sample (frames, labels, truth).")
    ap.add_argument("--out", required=True, type=_folder, help="output folder")
    ap.add_argument("--train_frames", type=clip_frames, default=SAMPLE_TRAIN_FRAMES)
    ap.add_argument("--val_frames", type=clip_frames, default=SAMPLE_VAL_FRAMES)
    ap.add_argument("--seed", type=seed_number, default=SAMPLE_SEED)
    ap.add_argument("--width", type=picture_width, default=160)
    ap.add_argument("--height", type=picture_height, default=120)
    ap.add_argument("--easy", action="store_true", help="hard cuts, character-only cuts and slow pans only")
    ap.add_argument("--pacing", choices=PACINGS, default="normal",
                    help="shot lengths: normal (1.5-6 s), fast (also bursts of 4-6 frame shots), slow (20-60 s)")
    ap.add_argument("--extra_transitions", type=_kinds, default="", metavar="KINDS",
                    help=f"comma separated, or 'all': {','.join(EXTRA_TRANSITION_KINDS)}")
    ap.add_argument("--style", choices=STYLES, default="cel", help="cel art, or silhouettes on plain backdrops")
    ap.add_argument("--subtitles", action="store_true", help="burned-in subtitles inside shots (not changes)")
    ap.add_argument("--action", action="store_true",
                    help="stretches of action inside shots: camera shake, characters dashing (not changes)")
    ap.add_argument("--conversations", action="store_true",
                    help="conversations: shot/reverse-shot runs and new angles on one set (shots, not scene changes)")
    ap.add_argument("--insets", action="store_true",
                    help="panels that pop up inside shots, a small picture fading in (not changes)")
    args = ap.parse_args(argv)
    from utils.errors import UserError
    try:
        paths = write_sample(args.out, args.train_frames, args.val_frames, args.seed, args.width, args.height,
                             hard_cases=not args.easy, pacing=args.pacing,
                             extra_transitions=args.extra_transitions, style=args.style, subtitles=args.subtitles,
                             action=args.action, conversations=args.conversations, insets=args.insets)
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
