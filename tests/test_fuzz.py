"""Random inputs to the label and result readers and to the selection: a UserError or a valid
answer, never a crash; indices in range, in order, each once."""

import json
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evaluation.labels import load_label_spans, load_labels
from scenes.setting_changes import setting_changes
from selection import SelectionConfig, detect_changes, pair_kl_scores, rank_changes, rank_events_first
from selection.pictures import COLOUR_LEVELS, Pictures
from utils.errors import UserError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

label_values = st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                         st.text(max_size=4), st.none())


def check_labels(labels: np.ndarray) -> None:
    assert labels.dtype == np.int64 and labels.ndim == 1 and labels.size > 0
    assert labels[0] >= 0 and np.all(np.diff(labels) > 0)  # sorted, no duplicates, none negative


def read_or_refuse(read, path):
    """What `read(path)` gives, or None when it refuses with a UserError."""
    try:
        return read(path)
    except UserError as err:
        assert str(err).startswith(str(path)) and "\n" not in str(err)
        return None


@FUZZ
@given(text=st.text(alphabet="0123456789-+.,e#abx \n", max_size=60), convention=st.sampled_from(["pair", "first_frame"]))
def test_text_labels_are_read_whole_or_refused(text, convention):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "labels.txt")
        with open(path, "w") as handle:
            handle.write(text)
        labels = read_or_refuse(lambda p: load_labels(p, convention), path)
        if labels is not None:
            check_labels(labels)


@FUZZ
@given(values=st.lists(label_values, max_size=8), shape=st.sampled_from(["list", "labels", "boundaries"]))
def test_json_labels_are_read_whole_or_refused(values, shape):
    document = {"list": values, "labels": {"labels": values},
                "boundaries": {"boundaries": [{"frame": v, "start": v, "end": v} for v in values]}}[shape]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "labels.json")
        with open(path, "w") as handle:
            json.dump(document, handle)
        read = read_or_refuse(load_label_spans, path)
        if read is not None:
            labels, spans = read
            check_labels(labels)
            assert spans.shape == (labels.size, 2) and np.all(spans[:, 0] <= labels) and np.all(labels <= spans[:, 1])
            # every accepted entry was a whole, non-negative number: nothing was rounded or cast
            assert all(isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()
                       for v in values)


@FUZZ
@given(array=hnp.arrays(dtype=st.sampled_from([np.int64, np.int32, np.uint8, np.float32, np.float64, np.bool_]),
                        shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=6)))
def test_npy_labels_are_read_whole_or_refused(array):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "labels.npy")
        np.save(path, array)
        labels = read_or_refuse(load_labels, path)
        if labels is not None:
            check_labels(labels)
            assert array.ndim == 1 or array.shape[1] == 1  # a table is refused, never flattened
            assert set(labels.tolist()) == set(array.astype(np.int64).ravel().tolist())


@FUZZ
@given(ranking=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=8), elements=st.integers(-3, 30)),
       dtype=st.sampled_from([np.int64, np.int32, np.float32, np.bool_]),
       labels=st.lists(st.integers(0, 40), min_size=1, max_size=5))
@example(ranking=np.array([3, 7, 1]), dtype=np.int64, labels=[7, 2])  # accuracy 1/2, top-100 1/3
def test_result_reader_scores_or_refuses(ranking, dtype, labels):
    ranking = ranking.astype(dtype)
    from pure_test import score_results
    with tempfile.TemporaryDirectory() as folder:
        np.save(os.path.join(folder, "labels.npy"), np.array(labels))
        np.save(os.path.join(folder, "scene_change_res0.npy"), ranking)
        try:
            rows = score_results(os.path.join(folder, "labels.npy"), folder)
        except UserError as err:
            assert "\n" not in str(err)
            return
        # only a ranking of whole pair indices, none negative, none twice, is scored
        assert ranking.ndim == 1 and ranking.dtype.kind in "iu" and np.all(ranking >= 0)
        assert len(set(ranking.tolist())) == ranking.size
        # the paper's accuracy: the share of the labels among the first K ranked pairs (K labels);
        # top-100: the share of the first 100 ranked pairs that are labels
        truth = set(labels)
        first_k = set(ranking[:len(truth)].tolist())
        first_100 = ranking[:100].tolist()
        assert len(rows) == 1 and rows[0]["labels"] == len(truth)
        assert rows[0]["accuracy"] == pytest.approx(len(truth & first_k) / len(truth))
        assert rows[0]["top100"] == pytest.approx(sum(r in truth for r in first_100) / len(first_100)
                                                  if first_100 else 0.0)


latents = st.integers(2, 60).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float32, (n, 3), elements=st.floats(-50, 50, width=32)),
    hnp.arrays(np.float32, (n, 3), elements=st.floats(-20, 5, width=32))))


@FUZZ
@given(latent=latents, frame_rate=st.sampled_from([2.0, 12.0, 24.0]), threshold=st.floats(0.1, 4.0),
       transition=st.sampled_from([0.0, 0.5, 2.0]), min_scene=st.sampled_from([0.0, 0.5]))
def test_selection_gives_indices_in_range_in_order_each_once(latent, frame_rate, threshold, transition, min_scene):
    mu, log_var = latent
    pairs = len(mu) - 1
    found = detect_changes(mu, log_var, frame_rate, config=SelectionConfig(
        threshold=threshold, transition_seconds=transition, min_scene_seconds=min_scene))
    assert found.flags.shape == (pairs,) and found.flags.dtype == bool and found.score.shape == (pairs,)
    events = np.asarray(found.events)
    assert events.size == len(set(events.tolist())) and np.all((events >= 0) & (events < pairs))
    assert np.all(np.diff(found.confidence) <= 0)  # most confident first
    changes = np.flatnonzero(found.flags)
    assert set(changes.tolist()) == set(events[found.confidence >= 0].tolist())
    scores = pair_kl_scores(mu, log_var)
    for ranked in (rank_changes(scores), rank_events_first(scores, found.events)):
        assert sorted(ranked.tolist()) == list(range(pairs))  # every pair once
    assert np.all(np.diff(scores[rank_changes(scores)]) <= 0)


@FUZZ
@given(latent=latents, shots=st.lists(st.booleans(), min_size=60, max_size=60), recent=st.integers(0, 5),
       colours=st.integers(0, 3))
def test_scene_level_groups_shots_in_order(latent, shots, recent, colours):
    mu, log_var = latent
    pairs = len(mu) - 1
    flags = np.asarray(shots[:pairs], dtype=bool)
    rng = np.random.default_rng(colours)
    # a few fixed palettes, so that shots match, return and merge as well as part
    palette = rng.dirichlet(np.ones(COLOUR_LEVELS ** 3) * 0.3, size=colours + 1)[rng.integers(0, colours + 1, len(mu))]
    pictures = Pictures(np.ones(len(mu), np.float32), np.zeros((len(mu), 64), np.float16), palette.astype(np.float16))
    scenes = setting_changes(mu, log_var, flags, 24.0, pictures, recent_shots=recent)
    assert scenes.flags.shape == (pairs,) and not (scenes.flags & ~flags).any()   # only at shot boundaries
    steps = np.diff(scenes.scene_of_shot)
    assert scenes.scene_of_shot[0] == 0 and set(steps.tolist()) <= {0, 1}        # scenes numbered in order
    assert int(steps.sum()) == int(scenes.flags.sum()) and len(scenes.shot_starts) == int(flags.sum()) + 1
    assert np.array_equal(scenes.flags[scenes.shot_starts[1:] - 1], steps == 1)   # each flag where a scene starts
    if recent == 0:
        assert np.array_equal(scenes.flags, flags)


@pytest.mark.parametrize("top_k", [1, 5])
def test_cut_rankings_stay_in_range(top_k):
    scores = np.random.default_rng(top_k).random(20).astype(np.float32)
    ranked = rank_changes(scores, top_k)
    assert len(ranked) == top_k and len(set(ranked.tolist())) == top_k and ranked.max() < 20
