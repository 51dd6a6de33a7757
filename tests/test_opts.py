import pytest

from opts import parse_hidden_dims, parse_options

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


def test_defaults_are_the_papers_best_run():
    opt = parse_options([])
    assert (opt.lr, opt.latent_dim, opt.beta, opt.tau, opt.bs, opt.loss_type) == (1e-4, 10, 4.0, 200.0, 256, "H")
    assert opt.hidden_dims == [32, 64, 128, 256] and opt.activation == "leakyrelu"
    assert (opt.w_decay, opt.gamma, opt.max_capacity, opt.Capacity_max_iter) == (5e-4, 1000.0, 25.0, 1e5)
    assert opt.explicit == set()


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


def test_negative_patience_is_refused():
    import pytest
    from opts import parse_options
    with pytest.raises(SystemExit):
        parse_options(["--patience", "-1"])
