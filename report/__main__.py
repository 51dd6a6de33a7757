"""Command line: python -m report <results folder> [--labels FILE] writes report.html there
(--embed: report_embedded.html, one file with the pictures inside)."""

import argparse
import sys
from typing import Optional, Sequence

from opts import TRAIN, OneLineParser, build_parser, frame_rate, shown_options, tolerance_frames
from report.build import build_report
from utils.cli import run_cli


def parse_arguments(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The report's options; those it shares with the scripts take the scripts' defaults."""
    defaults = build_parser()
    parser = OneLineParser(prog="python -m report",
                                     description="Write report.html (and report_files/) into a results folder of "
                                                 "inference.py, from its files alone.")
    parser.add_argument("results_folder", help="the folder inference.py wrote its result files into")
    parser.add_argument("--labels", default=None,
                        help="true scene changes, any file pure_test.py reads; the report then sorts the "
                             "detections into hits, false alarms and misses (default: the bundled sample's "
                             "truth for the bundled sample, else none)")
    parser.add_argument("--label_convention", choices=["pair", "first_frame"],
                        default=defaults.get_default("label_convention"),
                        help="as pure_test.py: pair = change between frame i and i+1; first_frame = first "
                             "frame of the new shot (default: %(default)s)")
    parser.add_argument("--tolerance", type=tolerance_frames, default=defaults.get_default("tolerance"),
                        help="a detection within this many frames of a label finds it, as pure_test.py scores "
                             "(default: %(default)s)")
    parser.add_argument("--epoch", type=int, default=None,
                        help="report the results of this checkpoint epoch (default: the newest in the folder)")
    parser.add_argument("--model_folder", default=None,
                        help="where main.py wrote checkpoints, loss history and reconstructions "
                             "(default: the results folder)")
    parser.add_argument("--image_folder", default=None,
                        help="the film (video or frame folder), if it moved since inference.py read it")
    parser.add_argument("--cache_dir", default=defaults.get_default("cache_dir"),
                        help="the frame cache folder inference.py used (default: $REPRO_VAE_CACHE or "
                             "~/.cache/repro-vae)")
    parser.add_argument("--fps", type=frame_rate, default=None, help="the --fps inference.py was run with, if any")
    parser.add_argument("--embed", action="store_true",
                        help="write report_embedded.html instead: one file with every picture inside it, for "
                             "a notebook's output or to send on")
    args = parser.parse_args(argv)
    # an empty path (an unset shell variable) was taken as not given: --labels '' wrote a report
    # without its hits and misses, exit 0
    for name in ("results_folder", "labels", "model_folder", "image_folder"):
        if getattr(args, name) == "":
            parser.error(f"{name if name == 'results_folder' else '--' + name}: an empty path")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_arguments(argv)
    return run_cli(lambda: build_report(args.results_folder, labels=args.labels,
                                        label_convention=args.label_convention, tolerance=args.tolerance,
                                        epoch=args.epoch, model_folder=args.model_folder,
                                        image_folder=args.image_folder, cache_dir=args.cache_dir, fps=args.fps,
                                        embed=args.embed, training_options=shown_options(TRAIN)))


if __name__ == "__main__":
    sys.exit(main())
