"""The one command-line parser of main.py, inference.py and pure_test.py.

Every option of the original code keeps its name (`--hidden-dims`, `--max_iters`,
`--Capacity_max_iter`, `--directory` and the README's `--dictionary`, ...). Defaults are the
paper's best run (repro-VAE: lr 1e-4, latent 10, beta 4, tau 200, bs 256, loss H), not the
original code's unusable ones (lr 0.1, latent 1024, tau 50). Defaults are written here once.
"""

import argparse
import os
import re
from typing import List, Optional, Sequence

DEFAULT_HIDDEN_DIMS = [32, 64, 128, 256]
IMAGE_SIZE = 64


def parse_hidden_dims(tokens: Sequence[str]) -> List[int]:
    """Channel counts from `32 64 128 256`, `32,64,128,256` or the shell-split `[32, 64, 128, 256]`."""
    text = " ".join(tokens)
    parts = [p for p in re.split(r"[\s,\[\]()]+", text) if p]
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden-dims takes whole numbers, got {text!r}")
    if not dims or any(d <= 0 for d in dims):
        raise argparse.ArgumentTypeError(f"--hidden-dims needs positive channel counts, got {text!r}")
    return dims


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text}")
    return value


def build_parser(prog: Optional[str] = None, description: Optional[str] = None) -> argparse.ArgumentParser:
    """All options of the three scripts; each script reads the ones it needs."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)

    data = parser.add_argument_group("data")
    data.add_argument("--train_folder", default=None,
                      help="training frames: a folder of images ordered by the number in their names, "
                           "or a video file (default: the bundled synthetic sample)")
    data.add_argument("--val_folder", default=None,
                      help="validation frames (folder or video); its loss names the checkpoints "
                           "(default: the bundled sample's validation clip)")
    data.add_argument("--image_folder", default=None,
                      help="frames to detect scene changes in, for inference.py "
                           "(default: the bundled sample's validation clip)")
    data.add_argument("--cache_dir", default=os.environ.get("REPRO_VAE_CACHE"),
                      help="where decoded 64x64 frame caches and the bundled sample are kept "
                           "(default: $REPRO_VAE_CACHE or ~/.cache/repro-vae)")
    data.add_argument("--fps", type=float, default=None,
                      help="sample a video at this many frames per second (default: every frame); for a "
                           "folder of frames, the rate they were taken at (default 24)")

    model = parser.add_argument_group("model")
    model.add_argument("--hidden-dims", "--hidden_dims", dest="hidden_dims", nargs="+",
                       default=list(DEFAULT_HIDDEN_DIMS), metavar="C",
                       help="encoder channels per stage, e.g. 32 64 128 256 or '[32, 64, 128, 256]'")
    model.add_argument("--latent_dim", type=_positive_int, default=10, help="size of the latent code")
    model.add_argument("--activation", choices=["leakyrelu", "relu"], default="leakyrelu",
                       help="encoder activation (the paper's baseline VAE uses relu)")

    train = parser.add_argument_group("training (main.py)")
    train.add_argument("--output_folder", default="output",
                       help="where main.py writes checkpoints and the loss history")
    train.add_argument("--max_iters", type=_positive_int, default=100, help="number of training epochs")
    train.add_argument("--epoch_frames", type=_non_negative_int, default=0,
                       help="frames drawn per epoch (0: one pass over every frame); a fixed number makes "
                       "training time independent of the film's length")
    train.add_argument("--bs", type=_positive_int, default=256, help="batch size (training and encoding)")
    train.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate")
    train.add_argument("--w_decay", type=_non_negative_float, default=5e-4, help="Adam weight decay")
    train.add_argument("--m", type=float, default=0.5, help="momentum (kept for the original's "
                       "command lines; Adam does not use it)")
    train.add_argument("--loss_type", choices=["H", "B"], default="H",
                       help="H: beta-VAE + tau * reprojection KL; B: capacity-controlled beta-VAE")
    train.add_argument("--beta", type=_non_negative_float, default=4.0, help="weight of the prior KL (loss H)")
    train.add_argument("--tau", type=_non_negative_float, default=200.0,
                       help="weight of the reprojection KL (loss H); 0 gives the plain beta-VAE")
    train.add_argument("--gamma", type=_non_negative_float, default=1000.0, help="capacity weight (loss B)")
    train.add_argument("--max_capacity", type=_non_negative_float, default=25.0, help="final capacity C (loss B)")
    train.add_argument("--Capacity_max_iter", type=float, default=1e5,
                       help="iterations over which C rises from 0 to max_capacity (loss B)")
    train.add_argument("--patience", type=_non_negative_int, default=0,
                       help="stop early when the training loss has not fallen by --min_delta for this "
                       "many epochs in a row (0: train all --max_iters epochs)")
    train.add_argument("--min_delta", type=_non_negative_float, default=0.01,
                       help="relative fall of the training loss that counts as progress (0.01: 1%%)")
    train.add_argument("--resume", action="store_true",
                       help="continue from the newest checkpoint in --output_folder")
    train.add_argument("--seed", type=int, default=0, help="random seed; the same seed repeats a CPU run")
    train.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                       help="auto: CUDA when a GPU is available, else the CPU")
    train.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                       help="arithmetic of the convolutions; auto: bfloat16 where the hardware has it "
                       "(AMX or AVX512-BF16 CPUs, recent GPUs), else float32")

    detect = parser.add_argument_group("detection (inference.py)")
    detect.add_argument("--model_folder", default=None,
                        help="folder of checkpoints to evaluate (default: --output_folder)")
    detect.add_argument("--model", default=None, help="evaluate this one checkpoint file instead")
    detect.add_argument("--span", type=_positive_int, default=1,
                        help="evaluate every span-th checkpoint, counted back from the newest "
                        "(so the last epoch is always evaluated)")
    detect.add_argument("--top_K", type=int, default=0,
                        help="keep the first K ranked frame pairs in scene_change_res<i>.npy (0: all)")
    detect.add_argument("--min_scene_len", type=_non_negative_float, default=0.4,
                        help="shortest scene in seconds: two changes are never closer than this")
    detect.add_argument("--threshold", type=_non_negative_float, default=3.0,
                        help="a change's score must be this many times the rolling median around it")
    detect.add_argument("--cut_score", type=_non_negative_float, default=2.0,
                        help="least score of a cut: log(1 + KL / s) of neighbouring frames, s being the "
                             "film's 90th-percentile KL (its ordinary motion)")
    detect.add_argument("--transition_seconds", type=_non_negative_float, default=2.0,
                        help="longest gradual transition (dissolve, wipe, push) to look for; 0: cuts only")
    detect.add_argument("--transition_score", type=_non_negative_float, default=2.0,
                        help="least multi-distance score of a gradual transition")
    detect.add_argument("--ranking", choices=["changes", "kl"], default="changes",
                        help="order of scene_change_res<i>.npy: kl = the paper's, every pair by its "
                             "neighbouring-frame KL; changes = the selected changes first, then the rest")
    detect.add_argument("--save_images", action="store_true",
                        help="also save a thumbnail of each scene's first frame (scenes_<i>/)")
    detect.add_argument("--results_folder", "--inference_output", dest="results_folder", default=None,
                        help="where inference.py writes its files (default: the model folder)")

    score = parser.add_argument_group("scoring (pure_test.py)")
    score.add_argument("--labels", default=None,
                       help="scene-change labels: .npy, or a text/CSV/JSON list of frame-pair indices "
                            "(default: the bundled sample's labels)")
    score.add_argument("--directory", "--dictionary", dest="directory", default=None,
                       help="a folder of scene_change_res<i>.npy files, or one such file "
                            "(default: --model_folder, else --output_folder)")
    score.add_argument("--tolerance", type=int, default=2,
                       help="a detected change within this many frames of a label counts as found")
    score.add_argument("--label_convention", choices=["pair", "first_frame"], default="pair",
                       help="pair: index i = change between frame i and i+1 (the original's); "
                            "first_frame: index = first frame of the new shot")
    return parser


def parse_options(argv: Optional[Sequence[str]] = None, prog: Optional[str] = None,
                  description: Optional[str] = None) -> argparse.Namespace:
    """Parse `argv` (default: sys.argv[1:]); `explicit` records the options the user typed."""
    parser = build_parser(prog, description)
    opt = parser.parse_args(argv)
    try:
        opt.hidden_dims = parse_hidden_dims([str(t) for t in opt.hidden_dims])
    except argparse.ArgumentTypeError as err:
        parser.error(str(err))
    if opt.fps is not None and not opt.fps > 0:
        parser.error(f"--fps must be positive, got {opt.fps}")
    if opt.top_K < 0:
        parser.error(f"--top_K must be 0 (all) or positive, got {opt.top_K}")
    sentinel = argparse.Namespace(**{k: _Unset for k in vars(opt)})
    probe = build_parser(prog, description)
    probe.set_defaults(**{k: _Unset for k in vars(opt)})
    typed = probe.parse_args(argv, namespace=sentinel)
    opt.explicit = {k for k, v in vars(typed).items() if v is not _Unset}
    return opt


class _Unset:
    """Marks an option the user did not type (see parse_options)."""
