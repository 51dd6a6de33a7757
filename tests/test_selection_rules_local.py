"""The rules read locally: a stretch held on threes or fours inside a film that is not, and the film's start."""

import csv
import io

import numpy as np
import pytest

from selection import SelectionConfig, candidates_csv, detect_changes, pair_kl_scores, typical_distance
from selection.local_hold import local_hold

RATE = 30.0


def held_stretch_latents(seed: int = 0):
    """A film of 300 frames: shot A (0-99) moves on every frame; shot B (100-299) is one shot whose
    first 60 frames flicker a little on every frame (an aura: 1e-4 of a cut) with a drawing's step
    every 4 frames (a twentieth of a cut), then moves on every frame again; one cut at pair 99 and
    one at pair 219. Every latent has the same spread, so each KL is a squared distance."""
    rng = np.random.default_rng(seed)
    dim, n = 16, 300
    centre = {0: rng.normal(0, 1, dim), 1: rng.normal(0, 1, dim), 2: rng.normal(0, 1, dim)}
    mu = np.zeros((n, dim))
    walk = np.zeros(dim)
    for i in range(n):
        shot = 0 if i < 100 else (1 if i < 220 else 2)
        if 100 <= i < 160:
            if (i - 100) % 4 == 0 and i > 100:
                walk = walk + rng.normal(0, 0.25, dim)  # a drawing's step
            mu[i] = centre[shot] + walk + rng.normal(0, 0.001, dim)  # the aura's flicker
        else:
            walk = walk + rng.normal(0, 0.05, dim)  # moves on every frame
            mu[i] = centre[shot] + walk
    return mu.astype(np.float32), np.full((n, dim), np.log(0.5), dtype=np.float32)


def test_a_stretch_in_holds_is_read_as_held_where_the_film_is_not():
    mu, log_var = held_stretch_latents()
    near, typical = pair_kl_scores(mu, log_var), typical_distance(mu, log_var, RATE)
    holds = local_hold(near, typical, held_share=np.inf)
    assert (holds[108:152] == 4).all()  # the steps every 4 frames, above the flicker
    assert (holds[:80] == 1).all() and (holds[180:] == 1).all()  # moving on every frame: not held
    # a floor under the flicker sees it move on every frame: nothing is held
    assert (local_hold(near, typical, np.inf, SelectionConfig(local_hold_floor=0.0)) == 1).all()


def test_the_steps_of_a_held_stretch_are_no_cuts_and_the_record_names_the_stage():
    mu, log_var = held_stretch_latents()
    found = detect_changes(mu, log_var, RATE)
    without = detect_changes(mu, log_var, RATE, config=SelectionConfig(off=("local_hold",)))
    steps = set(range(103, 148, 4))  # the steps inside the stretch (the last ones also see the moving shot after)
    assert len(steps & set(without.changes.tolist())) >= 5  # read against still neighbours, steps pass as cuts
    assert not steps & set(found.changes.tolist())
    assert {99, 219} <= set(found.changes.tolist())  # the cuts stay
    capped = [c for c in found.candidates if "local_hold" in c.caps]
    assert capped and all(100 <= c.pair < 160 for c in capped)
    rows = list(csv.DictReader(io.StringIO(candidates_csv(found.candidates))))
    held = [r for r in rows if r["stage"] == "local_hold"]
    assert held and all(r["kept"] == "0" and "held on 4s" in r["reason"] and r["cap_local_hold"] for r in held)


def fade_in_latents():
    """A film opening with a fade-in from black (frames 0-7, the picture growing out of nothing),
    then two shots that move a little on every frame, with a cut at pair 149."""
    rng = np.random.default_rng(3)
    dim, n = 16, 300
    shots = [rng.normal(0, 1, dim), rng.normal(0, 1, dim)]
    mu = np.zeros((n, dim))
    walk = np.zeros(dim)
    for i in range(n):
        walk = walk + rng.normal(0, 0.01, dim)
        mu[i] = shots[i >= 150] + walk
    mu[:8] *= 1 - (1 - np.arange(8) / 8.0)[:, None] ** 3  # the fade: fast out of black, then slower
    return mu.astype(np.float32), np.full((n, dim), np.log(0.5), dtype=np.float32)


def test_a_cut_soon_after_the_start_is_still_judged():
    mu, log_var = fade_in_latents()
    mu = mu.copy()
    mu[:8] = mu[8]  # no fade: a still picture, then a cut at pair 20
    mu[21:150] += np.random.default_rng(4).normal(0, 1, mu.shape[1]).astype(np.float32)
    found = detect_changes(mu, log_var, RATE)
    assert {20, 149} <= set(found.changes.tolist())
