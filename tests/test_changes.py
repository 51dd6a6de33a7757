"""Turning scores into changes with no count given, on hand-made curves and latents."""

import numpy as np

from utils.changes import (centred_pair_scores, change_events, detect_changes, persists, rank_selected_first,
                           select_changes, sharp_peaks, transition_distances)
from utils.metrics import match_with_tolerance


def noisy_floor(n, seed=0):
    return 0.5 + 0.1 * np.random.default_rng(seed).random(n)


def test_isolated_peaks_are_selected_and_the_floor_is_not():
    scores = noisy_floor(300)
    scores[[40, 150, 260]] = [6.0, 9.0, 5.0]
    assert np.flatnonzero(select_changes(scores, min_scene_len=10, ratio=3, min_score=3)).tolist() == [40, 150, 260]


def test_a_peak_below_min_score_or_ratio_is_not_a_change():
    scores = noisy_floor(200)
    scores[50] = 2.0  # stands out 4x but is under min_score
    scores[120:180] = 5.0
    scores[150] = 8.0  # above min_score but not 3x its neighbourhood (a busy stretch)
    assert not select_changes(scores, min_scene_len=10, ratio=3, min_score=3, window=40).any()


def test_close_peaks_are_one_event_at_the_highest():
    scores = noisy_floor(200)
    scores[[100, 104]] = [5.0, 7.0]
    assert np.flatnonzero(select_changes(scores, min_scene_len=10)).tolist() == [104]


def test_a_plateau_is_flagged_once_at_its_centre():
    scores = noisy_floor(300)
    scores[120:141] = np.concatenate([np.linspace(3, 6, 11), np.linspace(6, 3, 11)[1:]])
    events = change_events(scores, min_scene_len=10, locate="centre")
    assert len(events) == 1 and events[0][:2] == (120, 140) and abs(events[0][2] - 130) <= 1


def test_sharp_peaks_tell_a_jump_from_a_ramp():
    curve = np.zeros(50)
    curve[10] = 5.0  # a cut
    curve[30:40] = 5.0  # a stretch of high scores, as in a dissolve or a pan
    sharp = sharp_peaks(curve, margin=1.0)
    assert sharp[10] and not sharp[30:40].any()


def test_centred_scores_put_each_span_on_its_middle_pair():
    mu = np.zeros((20, 2))
    mu[10:] = 3.0  # change between frames 9 and 10: pair 9
    log_var = np.zeros((20, 2))
    for d in (1, 2, 4, 8):
        s = centred_pair_scores(mu, log_var, d)
        assert s.shape == (19,)
        assert s[9] > 0  # every distance sees pair 9
        assert np.count_nonzero(s) == d  # spans that cross the change: exactly d of them
    assert transition_distances(24, 2.0) == [1, 2, 4, 8, 16, 32]
    assert transition_distances(5, 0.1) == [1]


def _latents(n, segments, noise=0.02, seed=0):
    """Latent means that are constant per scene, with linear blends for gradual transitions."""
    rng = np.random.default_rng(seed)
    mu = np.zeros((n, 4))
    for start, end, value in segments:
        mu[start:end] = value
    return mu + noise * rng.standard_normal(mu.shape), np.full((n, 4), -4.0)


def test_detect_changes_finds_cuts_and_a_slow_dissolve_once_each():
    n = 600
    a, b, c = np.array([0, 0, 0, 0.]), np.array([2, -1, 1, 0.]), np.array([-1, 2, 0, 1.])
    mu, log_var = _latents(n, [(0, 200, a), (200, 400, b), (400, 600, c)])
    blend = np.linspace(0, 1, 30)[:, None]  # a 30-frame dissolve from b to c around frame 400
    mu[385:415] = (1 - blend) * b + blend * c + 0.02 * np.random.default_rng(1).standard_normal((30, 4))
    score, flags = detect_changes(mu, log_var, frame_rate=24)
    found = np.flatnonzero(flags)
    result = match_with_tolerance(found, np.array([199, 399]), tolerance=3)
    assert result["true_positives"] == 2, found
    assert found.size == 2 and score.shape == (n - 1,)
    # cuts only: the dissolve is not seen
    _, cuts_only = detect_changes(mu, log_var, frame_rate=24, transition_seconds=0)
    assert np.flatnonzero(cuts_only).tolist() == [199]


def test_rank_selected_first_orders_flags_then_scores():
    scores = np.array([0.1, 5.0, 4.9, 0.2, 3.0, 0.0])
    flags = np.array([False, True, False, False, True, False])
    assert rank_selected_first(scores, flags).tolist() == [1, 4, 2, 3, 0, 5]
    assert rank_selected_first(scores, flags, top_k=3).tolist() == [1, 4, 2]


def test_a_flash_that_comes_back_is_not_a_change():
    n = 400
    a, b, flash = np.array([0, 0, 0, 0.]), np.array([2, -1, 1, 0.]), np.array([3, 3, 3, 3.])
    mu, log_var = _latents(n, [(0, 250, a), (250, 400, b)])
    mu[100:103] = flash  # three bright frames inside the first shot, then the same shot again
    _, flags = detect_changes(mu, log_var, frame_rate=24, transition_seconds=0)
    assert np.flatnonzero(flags).tolist() == [249]
    raw = np.zeros(n - 1, dtype=bool)
    raw[[99, 249]] = True
    assert np.flatnonzero(persists(mu, log_var, raw, later=10)).tolist() == [249]


def test_a_slow_flash_inside_a_shot_is_not_a_gradual_transition():
    # a half-second fade up to white and back inside one shot, then a real cut at 249
    n = 400
    a, b, white = np.array([0, 0, 0, 0.]), np.array([2, -1, 1, 0.]), np.array([3, 3, 3, 3.])
    mu, log_var = _latents(n, [(0, 250, a), (250, 400, b)])
    ramp = np.concatenate([np.linspace(0, 1, 6), np.linspace(1, 0, 6)])[:, None]
    mu[100:112] = (1 - ramp) * a + ramp * white
    _, flags = detect_changes(mu, log_var, frame_rate=24)
    assert np.flatnonzero(flags).tolist() == [249]
