import numpy as np
import pytest

from evaluation.metrics import match_with_tolerance, original_accuracy, top_n_accuracy
from selection import pair_kl_scores, rank_changes


def test_original_accuracy_counts_labels_in_the_first_len_labels_predictions():
    labels = np.array([3, 10, 20, 40])
    ranked = np.array([10, 3, 7, 40, 20, 1])  # first four: 10, 3, 7, 40 -> three of four labels
    assert original_accuracy(ranked, labels) == pytest.approx(0.75)
    assert original_accuracy(np.array([20, 40, 10, 3]), labels) == 1.0
    assert original_accuracy(np.array([0, 1, 2, 5]), labels) == 0.0


def test_top_n_accuracy_is_the_share_of_true_changes_among_the_first_n():
    labels = np.arange(0, 200, 2)  # 100 labels, the even pairs
    ranked = np.concatenate([np.arange(0, 100, 2), np.arange(1, 200, 2)])  # 50 hits then misses
    assert top_n_accuracy(ranked, labels, 100) == pytest.approx(0.5)
    assert top_n_accuracy(ranked, labels, 10) == 1.0


def test_match_with_tolerance_matches_each_label_once():
    result = match_with_tolerance(np.array([9, 11, 30, 52]), np.array([10, 50, 80]), tolerance=2)
    assert result["true_positives"] == 2  # 9 or 11 takes 10 (once), 52 takes 50
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert match_with_tolerance(np.array([13]), np.array([10]), tolerance=2)["true_positives"] == 0


def test_pair_scores_peak_where_the_latent_jumps_and_rank_puts_it_first():
    mu = np.zeros((10, 3), dtype=np.float32)
    mu[6:] = 2.0  # the code jumps between frames 5 and 6
    log_var = np.full((10, 3), -1.0, dtype=np.float32)
    scores = pair_kl_scores(mu, log_var)
    assert scores.shape == (9,) and scores.dtype == np.float32
    assert np.argmax(scores) == 5 and scores[0] == pytest.approx(0.0)
    assert scores[5] == pytest.approx(0.5 * 4.0 / np.exp(-1.0), rel=1e-5)
    ranked = rank_changes(scores)
    assert ranked[0] == 5 and sorted(ranked.tolist()) == list(range(9))
    assert rank_changes(scores, top_k=3).tolist() == [5, 0, 1]  # ties keep pair order


def _brute_force_matching(predicted, spans, tolerance):
    """The largest one-to-one matching by trying every assignment (tiny inputs only)."""
    import itertools
    best = 0
    predicted = sorted(set(int(p) for p in predicted))
    for perm in itertools.permutations(range(len(spans)), min(len(spans), len(predicted))):
        for chosen in itertools.combinations(predicted, len(perm)):
            hits = sum(spans[j][0] - tolerance <= p <= spans[j][1] + tolerance for p, j in zip(chosen, perm))
            best = max(best, hits)
    return best


def test_match_events_is_a_maximum_matching_where_nearest_first_is_not():
    # Nearest-first gives detection 11 the label at 12 and leaves nothing for 14; the maximum is 2.
    labels = np.array([9, 12])
    assert match_with_tolerance(np.array([11, 14]), labels, tolerance=2)["true_positives"] == 2
    rng = np.random.default_rng(0)
    for _ in range(150):
        starts = np.sort(rng.integers(0, 30, size=rng.integers(1, 5)))
        spans = np.stack([starts, starts + rng.integers(0, 6, size=starts.size)], axis=1)
        predicted = rng.integers(0, 40, size=rng.integers(0, 5))
        labels = spans[:, 0] + (spans[:, 1] - spans[:, 0]) // 2
        got = match_with_tolerance(predicted, labels, tolerance=1, spans=spans)["true_positives"]
        assert got == _brute_force_matching(predicted, spans.tolist(), 1)


def test_a_detection_anywhere_inside_a_gradual_transition_finds_it():
    labels, spans = np.array([50]), np.array([[40, 60]])
    assert match_with_tolerance(np.array([41]), labels, 2, spans)["recall"] == 1.0
    assert match_with_tolerance(np.array([62]), labels, 2, spans)["recall"] == 1.0
    assert match_with_tolerance(np.array([63]), labels, 2, spans)["recall"] == 0.0
    assert match_with_tolerance(np.array([41]), labels, 2)["recall"] == 0.0  # without its span
    # two detections inside one transition: one hit, one false alarm
    both = match_with_tolerance(np.array([42, 58]), labels, 2, spans)
    assert both["true_positives"] == 1 and both["precision"] == 0.5
