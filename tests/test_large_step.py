"""The large step: a cut out of a busy shot, which the latents do not see and whose picture moves
fast on either side, is found because its picture jumps far; the record says so."""

import csv
import io

import numpy as np
import pytest

from selection import SelectionConfig, candidates_csv, detect_changes
from selection.pictures import Pictures

RATE = 30.0


def busy_cuts_film(seed: int, shake: float = 19.0):
    """300 frames, three shots (cuts at pairs 99 and 199) that differ by 60 grey levels in the left
    half of the picture. The pictures are still except within 12 frames of each cut, where every
    frame's right half swings by +-`shake` grey levels, frame after frame: each step there is a
    third of the cut's (1 + 60^2 / (2 x shake)^2 = 3.5 times smaller), under the rule's contrast
    of 4 and over the large step's 3. The latents drift smoothly through the whole film and do not
    see the cuts at all."""
    rng = np.random.default_rng(seed)
    n = 300
    thumbnails = np.full((n, 3, 8, 8), 100.0)
    for shot in range(3):
        thumbnails[shot * 100:(shot + 1) * 100, :, :, :4] += 60.0 * shot
    swing = shake * rng.choice([-1.0, 1.0], (3, 8, 4))
    for i in range(n):
        if min(abs(i - 100), abs(i - 200)) <= 12:
            thumbnails[i, :, :, 4:] += swing * (-1) ** i
    mu = np.cumsum(rng.normal(0, 0.05, (n, 16)), axis=0).astype(np.float32)
    log_var = np.full((n, 16), np.log(0.5), dtype=np.float32)
    pictures = Pictures(np.full(n, 20.0, np.float32), np.zeros((n, 64), np.float16),
                        thumbnails=thumbnails.astype(np.uint8))
    return mu, log_var, pictures


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cuts_out_of_busy_shots_are_found_by_their_large_step_alone(seed):
    mu, log_var, pictures = busy_cuts_film(seed)
    found = detect_changes(mu, log_var, RATE, pictures=pictures)
    without = detect_changes(mu, log_var, RATE, pictures=pictures, config=SelectionConfig(off=("large_step",)))
    assert found.changes.tolist() == [99, 199]
    assert without.changes.tolist() == []  # contrast 4 asks too much beside swinging pictures
    # nor does a large step pass at a contrast the swing reaches
    assert detect_changes(mu, log_var, RATE, pictures=pictures,
                          config=SelectionConfig(large_step_contrast=3.6)).changes.tolist() == []
    # a bar larger than any step of the film turns the stage into nothing
    assert detect_changes(mu, log_var, RATE, pictures=pictures,
                          config=SelectionConfig(large_step=5.0)).changes.tolist() == []


def test_a_large_step_is_named_in_the_record():
    mu, log_var, pictures = busy_cuts_film(0)
    found = detect_changes(mu, log_var, RATE, pictures=pictures)
    rows = {int(r["pair"]): r for r in csv.DictReader(io.StringIO(candidates_csv(found.candidates)))
            if r["source"] == "cut"}
    for pair in (99, 199):
        row = rows[pair]
        assert row["kept"] == "1" and row["stage"] == "score"
        assert row["reason"].startswith("a large step: the picture above the subtitle band jumps")
        assert float(row["layout_step"]) > SelectionConfig().large_step
    # a pair the stage did not pass keeps the latents' words and no layout_step
    quiet = [r for p, r in rows.items() if r["kept"] == "0"]
    assert quiet and all(r["layout_step"] == "" and r["reason"] != "" and "large step" not in r["reason"]
                         for r in quiet)


def test_without_thumbnails_the_stage_does_not_act():
    mu, log_var, pictures = busy_cuts_film(0)
    bare = Pictures(pictures.detail, pictures.edges)
    a = detect_changes(mu, log_var, RATE, pictures=bare)
    b = detect_changes(mu, log_var, RATE, pictures=bare, config=SelectionConfig(off=("large_step",)))
    assert a.changes.tolist() == b.changes.tolist()
    assert [c.pair for c in a.candidates] == [c.pair for c in b.candidates]


def test_a_large_step_between_pictures_of_one_drawing_is_a_drawing_moving_not_a_cut():
    # the same film, but every frame shows the same lines (as a fight inside one shot does)
    mu, log_var, pictures = busy_cuts_film(0)
    lines = np.zeros((len(mu), 64), np.float32)
    lines[:, ::3] = 1.0
    lines /= np.linalg.norm(lines, axis=1, keepdims=True)
    one_drawing = Pictures(pictures.detail, lines.astype(np.float16), thumbnails=pictures.thumbnails)
    assert detect_changes(mu, log_var, RATE, pictures=one_drawing).changes.tolist() == []
    # with the drawing stage off, lines are not read and the steps pass again
    assert detect_changes(mu, log_var, RATE, pictures=one_drawing,
                          config=SelectionConfig(off=("drawing",))).changes.tolist() == [99, 199]
