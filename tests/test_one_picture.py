"""The one_picture stage: a span that ends on the lines and colours it began with is a move inside a shot."""

import numpy as np
import pytest

from selection import SelectionConfig, candidates_csv, detect_changes
from selection.pictures import Pictures

RATE = 24.0
MOVE, CUT = 70, 149  # the move eases in over frames 70-73; the cut is between frames 149 and 150


def unit(rng, size=64):
    v = rng.normal(size=size)
    v -= v.mean()
    return v / np.linalg.norm(v)


def move_then_cut(seed: int = 0):
    """Latents of two shots that drift a little on every frame, a cut at pair CUT, and inside the
    first shot a quick move: the latents step away over four frames from frame MOVE and stay
    there (an arm raised and held). Pictures: each shot keeps its lines and its colour."""
    rng = np.random.default_rng(seed)
    dim, n = 16, 300
    shots = [rng.normal(0, 1, dim), rng.normal(0, 1, dim)]
    walk = np.cumsum(rng.normal(0, 0.01, (n, dim)), axis=0)
    mu = np.where(np.arange(n)[:, None] > CUT, shots[1], shots[0]) + walk
    ease = np.clip((np.arange(n) - (MOVE - 1)) / 4.0, 0, 1)
    mu[:CUT + 1] += ease[:CUT + 1, None] * rng.normal(0, 0.6, dim)
    edges = np.where(np.arange(n)[:, None] > CUT, unit(rng), unit(rng))
    colours = np.zeros((n, 64))
    colours[:CUT + 1, 3] = 1.0
    colours[CUT + 1:, 40] = 1.0
    pictures = Pictures(np.full(n, 20.0, np.float32), edges.astype(np.float16), colours.astype(np.float16))
    return mu.astype(np.float32), np.full((n, dim), np.log(0.5), np.float32), pictures


def the_move(found):
    return [c for c in found.candidates if c.source == "span" and c.first <= MOVE <= c.second and c.second < CUT]


@pytest.mark.parametrize("stage_on", [True, False])
def test_a_move_that_ends_on_the_same_picture_is_no_change(stage_on):
    mu, log_var, pictures = move_then_cut()
    config = SelectionConfig() if stage_on else SelectionConfig(off=("one_picture",))
    found = detect_changes(mu, log_var, RATE, pictures=pictures, config=config)
    assert CUT in found.changes.tolist()
    move = the_move(found)
    assert move  # the score sees the move: it stands out against the drift on either side
    if stage_on:
        assert found.changes.tolist() == [CUT]
        assert all(c.dropped_by == "one_picture" and not c.kept for c in move)
        assert all("same lines" in c.reason and "a move inside one shot" in c.reason for c in move)
        rows = candidates_csv(found.candidates).splitlines()
        header = rows[0].split(",")
        assert {"end_lines", "end_colours"} <= set(header)
    else:
        assert any(c.kept for c in move)  # without the stage, the move passes as a short transition
        assert not any(c.dropped_by == "one_picture" for c in found.candidates)


@pytest.mark.parametrize("what", ["colours", "lines"])
def test_a_span_that_ends_on_other_colours_or_other_lines_is_judged_as_before(what):
    """The same latents, but the pictures after the move show other colours (a flash into another
    light) or other lines (a transition to another drawing): the move is a change again."""
    mu, log_var, pictures = move_then_cut()
    after = slice(MOVE + 2, CUT + 1)
    if what == "colours":
        pictures.colours[after] = 0
        pictures.colours[after, 12] = 1
    else:
        pictures.edges[after] = unit(np.random.default_rng(9)).astype(np.float16)
    found = detect_changes(mu, log_var, RATE, pictures=pictures)
    assert not any(c.dropped_by == "one_picture" for c in the_move(found))
    assert any(abs(p - MOVE) <= 3 for p in found.changes.tolist())


def test_pictures_without_lines_are_never_one_picture():
    """A blank picture (a fade, a flash of white) has no lines to compare: its spans are left to
    the other stages."""
    mu, log_var, pictures = move_then_cut()
    pictures.edges[:] = 0
    found = detect_changes(mu, log_var, RATE, pictures=pictures)
    assert not any(c.dropped_by == "one_picture" for c in found.candidates)


def test_without_colours_no_span_is_one_picture():
    """Pictures with no colour histograms (colours None) cannot show the same colours: the stage
    drops nothing, rather than judging by the lines alone."""
    mu, log_var, pictures = move_then_cut()
    pictures.colours = None
    found = detect_changes(mu, log_var, RATE, pictures=pictures)
    assert not any(c.dropped_by == "one_picture" for c in found.candidates)
    assert any(c.kept for c in the_move(found))


def test_the_colour_bar_is_the_scene_levels():
    """same_palette is taken from the scene level, not fitted: the two stay one value."""
    from scenes.setting_changes import SAME_PALETTE
    assert SelectionConfig().same_palette == SAME_PALETTE


def test_a_colour_bar_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match="same_palette"):
        SelectionConfig().with_values(same_palette=1.5)
