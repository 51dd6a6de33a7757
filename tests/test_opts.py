import re

import pytest

from opts import SECTIONS, build_parser, parse_hidden_dims, parse_options

ORIGINAL_TRAIN = ("--val_folder V --train_folder T --bs 256 --hidden-dims [32, 64, 128, 256] --max_iters 100 "
                  "--loss_type H --lr 0.0001 --latent_dim 10 --tau 200 --beta 4 --output_folder O")
ORIGINAL_INFER = "--beta 4 --latent_dim 10 --bs 256 --span 1 --image_folder V --model_folder O"
ORIGINAL_SCORE = "--labels L --dictionary R"


def test_original_training_command_line_parses_as_the_shell_splits_it():
    opt = parse_options(ORIGINAL_TRAIN.split())
    assert opt.hidden_dims == [32, 64, 128, 256]
    assert (opt.val_folder, opt.train_folder, opt.output_folder) == ("V", "T", "O")
    assert (opt.bs, opt.max_iters, opt.loss_type, opt.lr, opt.latent_dim, opt.tau, opt.beta) == \
        (256, 100, "H", 1e-4, 10, 200.0, 4.0)


def test_original_inference_and_scoring_command_lines_parse():
    opt = parse_options(ORIGINAL_INFER.split())
    assert (opt.span, opt.image_folder, opt.model_folder) == (1, "V", "O")
    assert parse_options(ORIGINAL_SCORE.split()).directory == "R"
    assert parse_options("--labels L --directory R".split()).directory == "R"


def test_defaults_are_the_papers_model_with_the_short_recommended_training():
    opt = parse_options([])
    assert (opt.latent_dim, opt.beta, opt.tau, opt.loss_type) == (10, 4.0, 200.0, "H")
    assert opt.hidden_dims == [32, 64, 128, 256] and opt.activation == "leakyrelu"
    assert (opt.w_decay, opt.gamma, opt.max_capacity, opt.Capacity_max_iter) == (5e-4, 1000.0, 25.0, 1e5)
    assert (opt.max_iters, opt.epoch_frames, opt.bs, opt.lr) == (2, 4000, 64, 1e-3)
    assert opt.explicit == set()


def test_the_papers_training_command_trains_on_full_passes():
    opt = parse_options(ORIGINAL_TRAIN.split(), prog="main.py")
    assert (opt.max_iters, opt.epoch_frames, opt.bs, opt.lr) == (100, 0, 256, 1e-4)
    assert parse_options("--max_iters 3 --epoch_frames 500".split()).epoch_frames == 500
    assert parse_options("--epoch_frames auto".split()).epoch_frames == 4000


@pytest.mark.parametrize("tokens", [["32", "64"], ["32,64"], ["[32,", "64]"], ["[32,64]"]])
def test_hidden_dims_spellings(tokens):
    assert parse_hidden_dims(tokens) == [32, 64]
    assert parse_options(["--hidden_dims", *tokens]).hidden_dims == [32, 64]


def test_explicit_options_are_recorded():
    opt = parse_options(["--latent_dim", "10", "--seed", "3"])
    assert opt.explicit == {"latent_dim", "seed"}


@pytest.mark.parametrize("argv", [["--hidden-dims", "a", "b"], ["--bs", "0"], ["--device", "tpu"], ["--fps", "-1"]])
def test_bad_options_exit_with_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as err:
        parse_options(argv)
    assert err.value.code == 2
    assert "error" in capsys.readouterr().err


SCRIPT_OPTIONS = {
    "main.py": {"--train_folder", "--val_folder", "--tau", "--beta", "--max_iters", "--loss_type", "--lr", "--bs",
                "--hidden-dims", "--latent_dim", "--output_folder", "--resume", "--precision"},
    "inference.py": {"--image_folder", "--model_folder", "--span", "--bs", "--latent_dim", "--hidden-dims",
                     "--threshold", "--ranking", "--save_images", "--results_folder", "--precision", "--output_folder"},
    "pure_test.py": {"--labels", "--directory", "--tolerance", "--label_convention", "--output_folder",
                     "--model_folder"},
}


@pytest.mark.parametrize("script", sorted(SCRIPT_OPTIONS))
def test_help_shows_a_scripts_own_options_in_groups(script):
    text = build_parser(script).format_help()
    listed = set(re.findall(r"^\s+(--[\w-]+)", text, flags=re.MULTILINE))
    assert SCRIPT_OPTIONS[script] <= listed
    others = set().union(*SCRIPT_OPTIONS.values()) - SCRIPT_OPTIONS[script]
    assert not others & listed, f"{script} --help lists {sorted(others & listed)}"
    assert "--m" not in listed
    assert sum(title + ":" in text for title in SECTIONS) >= 2


@pytest.mark.parametrize("script,line", [("main.py", ORIGINAL_TRAIN), ("inference.py", ORIGINAL_INFER),
                                         ("pure_test.py", ORIGINAL_SCORE)])
def test_each_script_still_accepts_every_option(script, line):
    # hidden options parse too: the original command lines and the demo's shared DEMO_ARGS
    opt = parse_options(line.split() + ["--m", "0.9", "--max_iters", "10", "--lr", "1e-3", "--beta", "2"],
                        prog=script)
    assert (opt.m, opt.max_iters, opt.lr, opt.beta) == (0.9, 10, 1e-3, 2.0)
    assert opt.hidden_dims == [32, 64, 128, 256]


def test_defaults_are_the_same_for_every_script():
    defaults = [vars(parse_options([], prog=script)) for script in (None, *SCRIPT_OPTIONS)]
    assert all(d == defaults[0] for d in defaults)


def test_negative_patience_is_refused():
    import pytest
    from opts import parse_options
    with pytest.raises(SystemExit):
        parse_options(["--patience", "-1"])


@pytest.mark.parametrize("argv,message", [
    (["--fps", "inf"], "--fps: expected a frame rate from 0.001 to 1000 frames per second, got inf"),
    (["--fps", "nan"], "--fps: expected a frame rate from 0.001 to 1000"),
    (["--fps", "1e300"], "--fps: expected a frame rate from 0.001 to 1000"),
    # a clip of a folder's frames had no time base below 1/2002: --export clips ended in a traceback
    (["--fps", "1e-9"], "--fps: expected a frame rate from 0.001 to 1000 frames per second, got 1e-9"),
    (["--fps", "0.0004"], "--fps: expected a frame rate from 0.001 to 1000"),
    (["--seed", "99999999999999999999999"], "--seed: expected a seed from 0 to 4294967295"),
    (["--seed", "-1"], "--seed: expected a seed from 0 to 4294967295"),
    (["--epoch_frames", "1000000000000"], "--epoch_frames: expected auto or a number of frames from 0 to 10000000"),
    (["--transition_seconds", "inf"], "--transition_seconds: expected a finite non-negative number"),
    # the bound was written 1e+09, which the option does not read, and 5.0 was "not a number of pairs"
    (["--top_K", "1e9"], "--top_K: expected a finite non-negative whole number of pairs up to 1000000000, "
                         "written in digits, got 1e9"),
    (["--top_K", "5.0"], "--top_K: expected a finite non-negative whole number of pairs"),
    (["--bs", "1e3"], "--bs: expected a whole number from 1 to 1000000000, written in digits, got 1e3"),
    (["--bs", "0"], "--bs: expected a whole number from 1 to 1000000000, got 0"),
])
def test_numbers_out_of_every_usable_range_are_refused_in_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as err:
        parse_options(argv, prog="main.py")
    assert err.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_resume_and_overwrite_together_are_refused(capsys):
    # the run was resumed (or left as it was, its epochs all trained) and --overwrite went unheard
    with pytest.raises(SystemExit) as err:
        parse_options(["--resume", "--overwrite"], prog="main.py")
    assert err.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "--resume continues the run in --output_folder and --overwrite deletes it" in lines[0]


def test_the_ends_of_the_usable_ranges_are_accepted():
    opt = parse_options(["--fps", "1000", "--seed", str(2 ** 32 - 1), "--epoch_frames", "10000000"])
    assert (opt.fps, opt.seed, opt.epoch_frames) == (1000.0, 2 ** 32 - 1, 10_000_000)
    assert parse_options(["--fps", "0.001"]).fps == 0.001


def test_the_palette_share_of_the_scene_level_is_a_share(tmp_path):
    assert parse_options(["--scene_palette", "0.5"]).scene_palette == 0.5
    with pytest.raises(SystemExit):
        parse_options(["--scene_palette", "2"])


def test_a_folder_given_as_one_checkpoint_is_said_to_be_a_folder(tmp_path):
    from utils.checkpoints import load_checkpoint
    from utils.errors import UserError
    with pytest.raises(UserError, match="a folder, not a checkpoint file"):
        load_checkpoint(str(tmp_path))
