"""Labels with the spans of their gradual transitions, from the files people and the generator write."""

import json

import numpy as np
import pytest

from utils.errors import UserError
from utils.labels import load_label_spans


def test_boundaries_json_gives_pair_spans_of_gradual_transitions(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"boundaries": [
        {"frame": 40, "type": "cut"},
        {"frame": 21, "type": "gradual", "start": 2, "end": 25}]}))
    labels, spans = load_label_spans(str(path))
    assert labels.tolist() == [20, 39]          # first frames of new shots -> pairs
    assert spans.tolist() == [[1, 25], [39, 39]]  # pair 1 (frames 1|2) .. pair 25 (frames 25|26)


def test_generator_truth_gives_spans_and_the_val_clip_of_a_sample(tmp_path):
    transitions = [{"kind": "cut", "start": 9, "end": 10, "label": 9},
                   {"kind": "dissolve", "start": 30, "end": 41, "label": 35}]
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({"params": {}, "train": {"transitions": []}, "val": {"transitions": transitions}}))
    labels, spans = load_label_spans(str(path))
    assert labels.tolist() == [9, 35] and spans.tolist() == [[9, 9], [29, 41]]


def test_plain_lists_have_no_spans_and_bad_files_say_so(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("5\n17\n")
    labels, spans = load_label_spans(str(path))
    assert labels.tolist() == [5, 17] and spans.tolist() == [[5, 5], [17, 17]]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(UserError, match="broken.json"):
        load_label_spans(str(broken))
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"transitions": []}))
    with pytest.raises(UserError, match="no labels"):
        load_label_spans(str(empty))
    assert isinstance(labels, np.ndarray)


def test_a_gradual_boundary_with_an_unreadable_span_is_one_clear_error(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"boundaries": [{"frame": 21, "start": "two", "end": 25}]}))
    with pytest.raises(UserError, match="labels.json: unreadable start/end"):
        load_label_spans(str(path))
