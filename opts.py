"""The command-line options of main.py, inference.py and pure_test.py, each declared once.

Every option of the original code keeps its name (`--hidden-dims`, `--max_iters`,
`--Capacity_max_iter`, `--directory` and the README's `--dictionary`, ...). Defaults are the
paper's best run (repro-VAE: lr 1e-4, latent 10, beta 4, tau 200, bs 256, loss H), not the
original code's unusable ones (lr 0.1, latent 1024, tau 50). Defaults are written here once.
"""

import argparse
import os
import re
from typing import List, Optional, Sequence

from models.config import IMAGE_SIZE
from scenes.setting_changes import RECENT_SHOTS, SAME_PALETTE
from utils.cli import USER_ERROR_EXIT, error_line
from utils.errors import UserError
from utils.export import EXPORT_FORMATS

DEFAULT_HIDDEN_DIMS = [32, 64, 128, 256]
# An epoch of the recommended training: 4000 frames drawn from the whole film, so that training
# takes the same time whatever the film's length. The paper's command line gives --max_iters and
# so trains on full passes.
RECOMMENDED_EPOCH_FRAMES = 4000
# Epochs of the recommended training: 8,000 frame-steps, the knee of K-free F1 against training on
# the tuning films and the shared dev clips (benchmarks/RESULTS.md "Training budget against
# accuracy": flat on the tuning films from 4,000 to 20,000, highest on the clips at 8,000-12,000).
RECOMMENDED_EPOCHS = 2
# An epoch's frame order is held in memory (8 bytes a frame); past this many frames an epoch
# would take hours on a GPU and the order alone gigabytes.
MAX_EPOCH_FRAMES = 10_000_000
# A frame rate above this is a typing slip: no film is sampled at more, and the timestamps of
# a folder's frames or a video's sampling grid would need absurd arrays.
MAX_FPS = 1000.0
# One frame in more than a thousand seconds is a slip too (0 typed as 1e-9, a period given as a
# rate): a clip of a folder's frames has no time base for it (--export clips failed in a traceback
# below 1/2002), and the scene lists' times would run to hundreds of digits.
MIN_FPS = 0.001
# The largest seed every generator the scripts seed accepts once it is mixed with the epoch
# and the process rank (torch's 64-bit seeds, scikit-learn's 32-bit random_state).
MAX_SEED = 2 ** 32 - 1


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
    if IMAGE_SIZE % 2 ** len(dims):
        most = (IMAGE_SIZE & -IMAGE_SIZE).bit_length() - 1
        raise argparse.ArgumentTypeError(f"--hidden-dims: each stage halves the {IMAGE_SIZE}-pixel frame, so at most "
                                         f"{most} stages fit, got {len(dims)}")
    return dims


def _number(text: str, kind: type, accept, expected: str):
    """`text` as a `kind` (int or float) that `accept`s, or the one-line complaint `expected`."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected}{_in_digits(text, kind)}, got {text}")
    return value


def _in_digits(text: str, kind: type) -> str:
    """", written in digits" where a whole number is wanted and `text` is one written otherwise
    (1e3, 5.0), which int() does not read."""
    try:
        whole = kind is int and float(text).is_integer() and not text.strip().lstrip("+-").isdigit()
    except ValueError:
        return ""
    return ", written in digits" if whole else ""


def _positive_int(text: str) -> int:
    return _number(text, int, lambda v: v > 0, "a positive integer")


def _non_negative_int(text: str) -> int:
    return _number(text, int, lambda v: v >= 0, "a non-negative integer")


def _epoch_frames(text: str) -> Optional[int]:
    """--epoch_frames: a count of frames up to MAX_EPOCH_FRAMES, or "auto" (None until
    parse_options decides)."""
    if text == "auto":
        return None
    return _number(text, int, lambda v: 0 <= v <= MAX_EPOCH_FRAMES,
                   f"auto or a number of frames from 0 to {MAX_EPOCH_FRAMES}")


def _frame_rate(text: str) -> float:
    """--fps: a rate from MIN_FPS to MAX_FPS frames per second."""
    return _number(text, float, lambda v: MIN_FPS <= v <= MAX_FPS,
                   f"a frame rate from {MIN_FPS:g} to {MAX_FPS:g} frames per second")


def _seed(text: str) -> int:
    """--seed: a whole number from 0 to MAX_SEED."""
    return _number(text, int, lambda v: 0 <= v <= MAX_SEED, f"a seed from 0 to {MAX_SEED}")


def _positive_float(text: str) -> float:
    return _number(text, float, lambda v: 0 < v < float("inf"), "a positive number")


def _non_negative_float(text: str) -> float:
    return _number(text, float, lambda v: 0 <= v < float("inf"), "a finite non-negative number")


def _share(text: str) -> float:
    return _number(text, float, lambda v: 0 <= v <= 1, "a number from 0 to 1")


def _within(kind: type, low, high, low_open: bool = False, what: str = "a number"):
    """An option type: a `kind` from `low` to `high` (above `low` where `low_open`). A number far
    past what any run needs (--lr 1e300) would only overflow later, in a traceback."""
    noun = what[2:] if what.startswith("a ") else what
    if kind is int and noun.startswith("number"):
        noun = f"whole {noun}"  # a number of pairs, of frames
    bound = str if kind is int else (lambda v: f"{v:g}")  # 1e+09 is no whole number int() reads
    if low == 0:
        expected = f"a {'positive' if low_open else 'finite non-negative'} {noun} up to {bound(high)}"
    else:
        expected = f"a {noun} from {bound(low)} to {bound(high)}"

    def parse(text: str):
        return _number(text, kind, lambda v: (v > low if low_open else v >= low) and v <= high, expected)
    parse.__name__ = kind.__name__
    return parse


# The sane range of each numeric option (see _within).
_LEARNING_RATE = _within(float, 0, 1e6, low_open=True)  # a million: diverges at once, yet no overflow
_WEIGHT = _within(float, 0, 1e6)
_SECONDS = _within(float, 0, 86400, what="a number")  # a day
_COUNT = _within(int, 0, 1_000_000, what="a whole number")  # epochs, checkpoints, shots
_POSITIVE_COUNT = _within(int, 1, 1_000_000, what="a whole number")
tolerance_frames = _within(int, 0, 100_000, what="a number of frames")
scene_count = _within(int, 0, 1_000_000, what="a number of scenes")  # python -m scenes' limit
frame_rate = _frame_rate  # python -m report's --fps, read as the scripts' is
# python -m data.synthetic's sizes: a clip needs two frames, and a picture of 100000 x 100000 asks
# for hundreds of GB before its first frame
clip_frames = _within(int, 2, 1_000_000, what="a number of frames")
picture_width = _within(int, 32, 4096, what="a width in pixels")
picture_height = _within(int, 24, 4096, what="a height in pixels")
seed_number = _seed


class _Sources(argparse._ExtendAction):
    """A list of frame sources that a repeated option extends (`--train_folder a --train_folder b`
    takes both), starting afresh from anything that is not a list yet (the default, None)."""

    def __call__(self, parser, namespace, values, option_string=None):
        earlier = getattr(namespace, self.dest, None)
        setattr(namespace, self.dest, (earlier if isinstance(earlier, list) else []) + list(values))


class OneLineParser(argparse.ArgumentParser):
    """An option parser whose complaints are one line, `error: <script>: <problem>`, exit 2, like
    every other wrong input's (utils/cli.py)."""

    def error(self, message: str):
        self.exit(USER_ERROR_EXIT, error_line(f"{self.prog}: {message} (see {self.prog} --help)") + "\n")

    def parse_known_args(self, args=None, namespace=None):
        """argparse's, but an option given twice is said: argparse would keep the last and drop the
        first without a word (`--train_folder a.mp4 --train_folder b.mp4` trained on b alone)."""
        import sys
        self._say_repeated(list(sys.argv[1:] if args is None else args))
        return super().parse_known_args(args, namespace)

    def _say_repeated(self, argv: List[str]) -> None:
        """One warning line per option given more than once: a list of sources takes them all
        (its action extends), any other option takes its last value."""
        import sys
        seen = {}
        for position, token in enumerate(argv):
            if token == "--":
                break
            if not token.startswith("--"):
                continue
            flag = token.split("=", 1)[0]
            action = self._option_string_actions.get(flag)
            if action is None:  # an abbreviation argparse would expand, if it is unique
                matches = {a for f, a in self._option_string_actions.items() if f.startswith(flag)}
                action = matches.pop() if len(matches) == 1 else None
            if action is None or action.dest == "help" or getattr(self, "_quiet", False):
                seen.setdefault(getattr(action, "dest", None), flag)
                continue
            if action.dest in seen:
                value = token.split("=", 1)[1] if "=" in token else \
                    (argv[position + 1] if position + 1 < len(argv) and action.nargs != 0 else "")
                what = ("the sources of each are all taken" if isinstance(action, argparse._ExtendAction)
                        else f"the last{f' ({value})' if value else ''} is used, the earlier dropped")
                print(f"warning: {self.prog}: {flag} is given more than once ({seen[action.dest]} and {flag}); "
                      f"{what}", file=sys.stderr)
            seen[action.dest] = flag


TRAIN, INFER, SCORE = "main.py", "inference.py", "pure_test.py"
SCRIPTS = (TRAIN, INFER, SCORE)
ALL = frozenset(SCRIPTS)
NONE: frozenset = frozenset()

# Help-section titles. An option shown by several scripts may sit in a different section of each.
DATA, MODEL, TRAINING, RUNNING = "data", "model", "training (main.py)", "device and batches"
DETECTION, SCORING = "detection (inference.py)", "scoring (pure_test.py)"
SECTIONS = (DATA, MODEL, TRAINING, RUNNING, DETECTION, SCORING)


def _option(used_by, section, *flags, **settings):
    """One option: the scripts that use it, its help section (a title, or {script: title}),
    and argparse's settings; its help is a text, or {script: text} where each script uses it
    for its own job."""
    return frozenset(used_by), section, flags, settings


class OneDefaultFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's help with each option's default, said once: an option whose help already says
    its default (in words, as "the bundled sample") is left as written, and no "(default: None)"
    or "(default: False)" is added to an option that has no value until given."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text.lower() or action.default is None or action.default is False:
            return text
        return super()._get_help_string(action)


def _options() -> list:
    """Every option of the three scripts, each declared once with its default and help."""
    return [
        # data
        _option({TRAIN}, DATA, "--train_folder", default=None, nargs="+", action=_Sources, metavar="FRAMES",
                help="training frames: a folder of images ordered by the number in their names, "
                     "or a video file; several, or a quoted glob ('season1/*.mkv'), train one model "
                     "on all of them (default: the bundled synthetic sample)"),
        _option({TRAIN}, DATA, "--val_folder", default=None,
                help="validation frames (folder or video): their loss names the checkpoints "
                     "(model_state_<i>_val_loss_<loss>.pkl); without them the training loss does "
                     "(model_state_<i>_train_loss_<loss>.pkl) (default: none; the bundled sample's validation "
                     "clip when training on the sample)"),
        _option({INFER}, DATA, "--image_folder", default=None, nargs="+", action=_Sources, metavar="FRAMES",
                help="frames to detect scene changes in, for inference.py; several, or a quoted "
                     "glob, each get their results in a folder of their own name inside the results "
                     "folder (default: the bundled sample's validation clip)"),
        _option(ALL, DATA, "--cache_dir", default=os.environ.get("REPRO_VAE_CACHE"),
                help="where decoded 64x64 frame caches and the bundled sample are kept "
                     "(default: $REPRO_VAE_CACHE or ~/.cache/repro-vae)"),
        _option({TRAIN, INFER}, DATA, "--fps", type=_frame_rate, default=None,
                help="sample a video at this many frames per second; for a folder of frames, the rate "
                     "they were taken at (default: every frame of a video; a folder of frames is taken "
                     "as 24 frames per second, with a warning)"),
        # model
        _option({TRAIN, INFER}, MODEL, "--hidden-dims", "--hidden_dims", dest="hidden_dims", nargs="+",
                default=list(DEFAULT_HIDDEN_DIMS), metavar="C",
                help="encoder channels per stage, e.g. 32 64 128 256 or '[32, 64, 128, 256]'"),
        _option({TRAIN, INFER}, MODEL, "--latent_dim", type=_within(int, 1, 65536, what="a latent size"), default=10,
                help="size of the latent code"),
        _option({TRAIN, INFER}, MODEL, "--activation", choices=["leakyrelu", "relu"], default="leakyrelu",
                help="encoder activation (the paper's baseline VAE uses relu)"),
        # training
        _option(ALL, {TRAIN: TRAINING, INFER: DETECTION, SCORE: SCORING}, "--output_folder", default="output",
                help={TRAIN: "where the checkpoints, the loss history and the reconstructions are written",
                      INFER: "the training run's folder (main.py's --output_folder): its checkpoints are "
                             "evaluated and the results written there, unless --model_folder or "
                             "--results_folder says otherwise",
                      SCORE: "the folder of results scored when neither --directory nor --model_folder "
                             "is given"}),
        _option({TRAIN}, TRAINING, "--max_iters", type=_POSITIVE_COUNT, default=RECOMMENDED_EPOCHS,
                help="number of training epochs"),
        _option({TRAIN}, TRAINING, "--epoch_frames", type=_epoch_frames, default="auto",
                help="frames drawn per epoch (0: one pass over every frame, the paper's epoch); a fixed "
                     f"number (at most {MAX_EPOCH_FRAMES:,}) makes training time independent of the film's "
                     "length; auto: "
                     f"{RECOMMENDED_EPOCH_FRAMES}, or 0 when --max_iters is given, as in the paper's command"),
        _option({TRAIN}, TRAINING, "--lr", type=_LEARNING_RATE, default=1e-3, help="Adam learning rate"),
        _option({TRAIN}, TRAINING, "--w_decay", type=_within(float, 0, 10), default=5e-4, help="Adam weight decay"),
        _option(NONE, TRAINING, "--m", type=float, default=0.5,
                help="momentum (kept for the original's command lines; Adam does not use it)"),
        _option({TRAIN}, TRAINING, "--loss_type", choices=["H", "B"], default="H",
                help="H: beta-VAE + tau * reprojection KL; B: capacity-controlled beta-VAE"),
        _option({TRAIN}, TRAINING, "--beta", type=_WEIGHT, default=4.0,
                help="weight of the prior KL (loss H)"),
        _option({TRAIN}, TRAINING, "--tau", type=_WEIGHT, default=200.0,
                help="weight of the reprojection KL (loss H); 0 gives the plain beta-VAE"),
        _option({TRAIN}, TRAINING, "--gamma", type=_WEIGHT, default=1000.0,
                help="capacity weight (loss B)"),
        _option({TRAIN}, TRAINING, "--max_capacity", type=_WEIGHT, default=25.0,
                help="final capacity C (loss B)"),
        _option({TRAIN}, TRAINING, "--Capacity_max_iter", type=_within(float, 0, 1e12, low_open=True), default=1e5,
                help="iterations over which C rises from 0 to max_capacity (loss B)"),
        _option({TRAIN}, TRAINING, "--patience", type=_COUNT, default=0,
                help="stop early when the training loss has not fallen by --min_delta for this "
                     "many epochs in a row (0: train all --max_iters epochs)"),
        _option({TRAIN}, TRAINING, "--min_delta", type=_within(float, 0, 1), default=0.01,
                help="relative fall of the training loss that counts as progress (0.01: 1%%)"),
        _option({TRAIN}, TRAINING, "--resume", action="store_true",
                help="continue from the newest checkpoint in --output_folder (the options it was trained "
                     "with are kept; a typed --lr replaces the saved learning rate)"),
        _option({TRAIN, INFER}, {TRAIN: TRAINING, INFER: DETECTION}, "--overwrite", action="store_true",
                help={TRAIN: "delete an earlier run's checkpoints and results in --output_folder and train "
                             "afresh (without it, such a folder is refused)",
                      INFER: "replace the results of another run or checkpoint in the results folder "
                             "(without it, such a folder is refused)"}),
        # device and batches
        _option({TRAIN, INFER}, RUNNING, "--bs", type=_within(int, 1, 10 ** 9, what="a whole number"), default=64,
                help={TRAIN: "batch size of training (and of encoding the validation frames)",
                      INFER: "batch size of encoding the frames"}),
        _option({TRAIN, INFER}, RUNNING, "--seed", type=_seed, default=0,
                help=f"random seed, 0 to {MAX_SEED}; the same seed repeats a CPU run"),
        _option({TRAIN, INFER}, RUNNING, "--device", choices=["auto", "cpu", "cuda"], default="auto",
                help="auto: CUDA when a GPU is available, else the CPU"),
        _option({TRAIN, INFER}, RUNNING, "--precision", choices=["auto", "fp32", "bf16"], default="auto",
                help="arithmetic of the convolutions; auto: bfloat16 where the hardware has it "
                     "(AMX or AVX512-BF16 CPUs, recent GPUs), else float32"),
        # detection (inference.py)
        _option({INFER, SCORE}, {INFER: DETECTION, SCORE: SCORING}, "--model_folder", default=None,
                help={INFER: "folder of checkpoints to evaluate (default: --output_folder)",
                      SCORE: "folder of the results to score, when --directory is not given "
                             "(default: --output_folder)"}),
        _option({INFER}, DETECTION, "--model", default=None, help="evaluate this one checkpoint file instead"),
        _option({INFER}, DETECTION, "--span", type=_COUNT, default=0,
                help="evaluate every span-th checkpoint, counted back from the newest (so the last "
                     "epoch is always evaluated); 0: the newest checkpoint alone"),
        _option({INFER}, DETECTION, "--top_K", type=_within(int, 0, 10 ** 9, what="a number of pairs"), default=0,
                help="keep the first K ranked frame pairs in scene_change_res<i>.npy (0: all)"),
        _option({INFER}, DETECTION, "--threshold", type=_within(float, 0, 1000, low_open=True), default=1.0,
                help="how far a change must stand out: the KL between the pictures before and after it "
                     "must reach this many times both 4 x the motion inside the shots on either side and "
                     "0.03 x the film's typical distance between unrelated moments; 2 reports fewer "
                     "changes, 0.5 more"),
        _option({INFER}, DETECTION, "--transition_seconds", type=_within(float, 0, 1e12), default=3.0,
                help="longest gradual transition (dissolve, wipe, morph, push) to look for; 0: cuts only"),
        _option({INFER}, DETECTION, "--min_scene_len", type=_SECONDS, default=0.0,
                help="shortest scene in seconds: changes closer than this are one (0: every change the "
                     "rule finds, so bursts of cuts a few frames apart are kept)"),
        _option({INFER}, DETECTION, "--decision", choices=["rules", "learned"], default="rules",
                help="how the candidates the stages leave are decided: 'rules' (every stage's bar, as "
                     "docs/selection.md explains) or 'learned' (a logistic regression over what the "
                     "stages measured, fitted on the tuning films: benchmarks/RESULTS.md compares both)"),
        _option({INFER}, DETECTION, "--scene_shots", type=_COUNT, default=RECENT_SHOTS,
                help="scene level: a new shot continues the scene when it matches one of the scene's last "
                     "this many shots (same palette or same picture), and starts a new scene otherwise; "
                     "0: every shot boundary is a change of setting"),
        _option({INFER}, DETECTION, "--scene_palette", type=_share, default=SAME_PALETTE,
                help="scene level: two shots share a set when their colour histograms differ by less than "
                     "this (total variation, 0-1); higher joins more shots into one scene"),
        _option({INFER}, DETECTION, "--ranking", choices=["changes", "kl"], default="changes",
                help="order of scene_change_res<i>.npy: kl = the paper's, every pair by its "
                     "neighbouring-frame KL; changes = every change event by confidence (the reported "
                     "changes first), then the other pairs by KL"),
        _option({INFER}, DETECTION, "--save_images", action="store_true",
                help="also save a thumbnail of each scene's first frame (scenes_<i>/)"),
        _option({INFER}, DETECTION, "--export", nargs="+", choices=EXPORT_FORMATS, default=[], metavar="FORMAT",
                help="also write the shot and scene lists for editors, any of: edl (scenes_<i>.edl and "
                     "settings_<i>.edl, CMX 3600), otio (scenes_<i>.otio and settings_<i>.otio, OpenTimelineIO), "
                     "clips (clips_<i>/shot_<n>.mp4, the film cut into its shots, with its audio) "
                     "(default: none)"),
        _option({INFER}, DETECTION, "--results_folder", "--inference_output", dest="results_folder", default=None,
                help="where inference.py writes its files (default: the model folder)"),
        _option({INFER}, DETECTION, "--report", action="store_true",
                help="also write report.html (pictures in report_files/) into the results folder, to open in a "
                     "browser: the score along the film, the frames either side of each change (hits, false "
                     "alarms and misses with --labels), reconstructions, a t-SNE map of the latent means, the "
                     "training loss; `python -m report <results folder>` rebuilds it from the files alone"),
        # scoring (pure_test.py)
        _option({SCORE}, SCORING, "--labels", default=None,
                help="scene-change labels: .npy, or a text/CSV/JSON list of frame-pair indices; a JSON "
                     "{\"boundaries\": [...]} with start/end or a generator truth.json also gives the span of "
                     "each gradual transition (default: the bundled sample's truth)"),
        _option({SCORE}, SCORING, "--directory", "--dictionary", dest="directory", default=None,
                help="a folder of scene_change_res<i>.npy files, or one such file "
                     "(default: --model_folder, else --output_folder)"),
        _option({SCORE}, SCORING, "--tolerance", type=tolerance_frames, default=2,
                help="a detected change within this many frames of a label, or of a gradual "
                     "transition's span, counts as found"),
        _option({SCORE}, SCORING, "--level", choices=["shot", "scene"], default="shot",
                help="shot: score every shot boundary found (scene_change_flags) against every labelled "
                     "boundary; scene: score the changes of setting (setting_change_flags) against the "
                     "labelled changes of setting (boundaries not marked \"same_setting\": true)"),
        _option({SCORE}, SCORING, "--label_convention", choices=["pair", "first_frame"], default="pair",
                help="pair: index i = change between frame i and i+1 (the original's); "
                     "first_frame: index = first frame of the new shot"),
    ]


def saved_option_problem(name: str, value) -> str:
    """'' when `value` is what parsing option `name` could have given (a checkpoint's saved
    options are used again by --resume), else what is wrong with it."""
    for _, _, flags, settings in _options():
        if settings.get("dest", flags[0].lstrip("-")) != name:
            continue
        if name == "hidden_dims":
            ok = isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            try:
                ok = ok and parse_hidden_dims([str(v) for v in value]) == value
            except argparse.ArgumentTypeError:
                ok = False
        elif "choices" in settings and settings.get("nargs") == "+":  # a list of choices (--export)
            ok = isinstance(value, list) and all(v in settings["choices"] for v in value)
        elif "choices" in settings:
            ok = value in settings["choices"]
        elif callable(settings.get("type")):
            ok = value is None and settings.get("default") is None or \
                (isinstance(value, (int, float)) and not isinstance(value, bool))
            if ok and value is not None:
                try:
                    ok = settings["type"](repr(value)) == value
                except argparse.ArgumentTypeError:
                    ok = False
        elif settings.get("action") == "store_true":
            ok = isinstance(value, bool)
        else:  # a path, or a list of them
            ok = value is None or isinstance(value, str) or (isinstance(value, list) and
                                                              all(isinstance(v, str) for v in value))
        return "" if ok else f"--{name} {repr(value)[:40]} is not a value of --{name}"
    return ""


# Options that shape a run's steps: main.py --resume takes them from the checkpoint, and a typed
# value that differs is refused (the run would no longer be the one it continues). --max_iters may
# change (to train longer), and --lr may be typed to replace the saved learning rate.
RUN_OPTIONS = ("train_folder", "val_folder", "fps", "latent_dim", "hidden_dims", "activation", "loss_type",
               "beta", "tau", "gamma", "max_capacity", "Capacity_max_iter", "w_decay", "bs", "seed",
               "epoch_frames")
FOLDER_OPTIONS = ("train_folder", "val_folder")


def saved_options(opt: argparse.Namespace) -> dict:
    """The options a checkpoint keeps (its "options"), for --resume to take back."""
    return {k: v for k, v in vars(opt).items() if k != "explicit"}


def adopt_run_options(opt: argparse.Namespace, state: dict, path: str) -> None:
    """Set the RUN_OPTIONS of `opt` to those the checkpoint `state` (read from `path`) was
    trained with.

    A typed option that differs is a UserError naming each difference, and so is a saved value
    no option could have given (a damaged or foreign checkpoint).
    """
    saved = state.get("options") or {}
    for name in RUN_OPTIONS:
        problem = saved_option_problem(name, saved[name]) if name in saved else ""
        if problem:
            raise UserError(f"{path}: a damaged or foreign checkpoint: its saved option {problem}")

    def same(name, typed, kept):
        if name in FOLDER_OPTIONS and isinstance(typed, str) and isinstance(kept, str):
            return os.path.abspath(typed) == os.path.abspath(kept)
        return typed == kept

    clashes = [name for name in RUN_OPTIONS
               if name in saved and name in opt.explicit and not same(name, getattr(opt, name), saved[name])]
    if clashes:
        typed = ", ".join(f"--{name} {getattr(opt, name)}" for name in clashes)
        kept = ", ".join(f"--{name} {saved[name]}" for name in clashes)
        raise UserError(f"{path}: --resume with {typed}, but the run was trained with {kept}; resume with "
                        "the run's options, or start a new run with --overwrite")
    for name in RUN_OPTIONS:
        if name in saved:
            setattr(opt, name, saved[name])


def script_of(prog: Optional[str]) -> Optional[str]:
    """main.py, inference.py or pure_test.py from a parser's prog; None for anything else."""
    name = os.path.basename(prog or "")
    return name if name in SCRIPTS else None


def build_parser(prog: Optional[str] = None, description: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of the script `prog` (main.py, inference.py or pure_test.py).

    Every script accepts every option, so that the original command lines (which pass, say,
    --beta to inference.py) keep working, but its --help lists only the options it uses; the
    others are accepted silently. Any other `prog` shows every option.
    """
    script = script_of(prog)
    parser = OneLineParser(prog=prog, description=description, formatter_class=OneDefaultFormatter)
    groups = {title: parser.add_argument_group(title) for title in SECTIONS}
    for used_by, section, flags, settings in _options():
        if isinstance(settings.get("help"), dict):  # each script's own words
            helps = settings["help"]
            settings = {**settings, "help": helps.get(script) or "; ".join(f"{s}: {t}" for s, t in helps.items())}
        if script is None or script in used_by:
            title = section if isinstance(section, str) else section.get(script, next(iter(section.values())))
            groups[title].add_argument(*flags, **settings)
        else:
            parser.add_argument(*flags, **{**settings, "help": argparse.SUPPRESS})
    return parser


def shown_options(script: str) -> frozenset:
    """The names of the options `script` uses (those its --help lists)."""
    return frozenset(action.dest for action in build_parser(script)._actions
                     if action.help != argparse.SUPPRESS and action.dest != "help")


def parse_options(argv: Optional[Sequence[str]] = None, prog: Optional[str] = None,
                  description: Optional[str] = None) -> argparse.Namespace:
    """Parse `argv` (default: sys.argv[1:]); `explicit` records the options the user typed."""
    parser = build_parser(prog, description)
    opt = parser.parse_args(argv)
    try:
        opt.hidden_dims = parse_hidden_dims([str(t) for t in opt.hidden_dims])
    except argparse.ArgumentTypeError as err:
        parser.error(str(err))
    for name in ("train_folder", "image_folder"):  # one source stays a plain path, as it always was
        value = getattr(opt, name, None)
        if isinstance(value, list) and len(value) == 1:
            setattr(opt, name, value[0])
    if opt.top_K < 0:
        parser.error(f"--top_K must be 0 (all) or positive, got {opt.top_K}")
    if getattr(opt, "resume", False) and opt.overwrite:  # resuming kept the run, and --overwrite went unheard
        parser.error("--resume continues the run in --output_folder and --overwrite deletes it; give one of them")
    sentinel = argparse.Namespace(**{k: _Unset for k in vars(opt)})
    probe = build_parser(prog, description)
    probe._quiet = True  # the first parse said what was given twice
    probe.set_defaults(**{k: _Unset for k in vars(opt)})
    typed = probe.parse_args(argv, namespace=sentinel)
    opt.explicit = {k for k, v in vars(typed).items() if v is not _Unset}
    for name in sorted(PATH_OPTIONS & opt.explicit):
        value = getattr(opt, name)
        if value == "" or (isinstance(value, list) and "" in value):
            parser.error(f"--{name}: an empty path")
    if getattr(opt, "cache_dir", None) == "":  # REPRO_VAE_CACHE set to nothing: the default place
        opt.cache_dir = None
    if getattr(opt, "epoch_frames", 0) is None:
        opt.epoch_frames = 0 if "max_iters" in opt.explicit else RECOMMENDED_EPOCH_FRAMES
    return opt


# Options that name a file or folder: typed empty (a variable that was never set, say), each
# would quietly mean the current folder or the default.
PATH_OPTIONS = frozenset({"train_folder", "val_folder", "image_folder", "cache_dir", "output_folder",
                          "model_folder", "model", "results_folder", "labels", "directory"})


class _Unset:
    """Marks an option the user did not type (see parse_options)."""
