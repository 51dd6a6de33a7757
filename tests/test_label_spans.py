"""Labels with the spans of their gradual transitions, from the files people and the generator write."""

import json
import re

import numpy as np
import pytest

from evaluation.labels import load_label_spans
from utils.errors import UserError


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


@pytest.mark.parametrize("boundary,message", [
    ({"start": 2, "end": 25}, 'boundary 2 of 2 has no "frame"'),
    ({"frame": 40, "start": -5, "end": 45}, 'boundary 2 of 2: negative "start" -5'),
    ({"frame": 40, "start": 50, "end": 30}, '"start" 50 comes after "end" 30'),
    ({"frame": 40, "same_setting": "yes"}, '"same_setting" must be true or false, not "yes"'),
])
def test_boundaries_that_cannot_be_read_as_they_are_name_the_entry(tmp_path, boundary, message):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"boundaries": [{"frame": 10, "same_setting": False}, boundary]}))
    for level in ("shot", "scene"):
        with pytest.raises(UserError, match=re.escape(message)) as err:
            load_label_spans(str(path), level=level)
        assert str(err.value).startswith(f"{path}: boundary 2 of 2")


def test_a_cut_and_a_transition_that_start_with_the_film_are_read(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"boundaries": [{"frame": 1, "start": 0, "end": 2}, {"frame": 9, "start": 9, "end": 8}]}))
    labels, spans = load_label_spans(str(path))
    assert labels.tolist() == [0, 8] and spans.tolist() == [[0, 2], [8, 8]]


@pytest.mark.slow
def test_a_transition_ending_past_the_scored_frames_is_refused(tmp_path, capsys):
    import pure_test
    from conftest import one_error_line
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"boundaries": [{"frame": 12, "start": 11, "end": 1000}]}))
    np.save(tmp_path / "scene_change_res0.npy", np.arange(19))
    np.save(tmp_path / "scene_change_flags_0.npy", np.zeros(19, dtype=bool))
    assert pure_test.main(["--labels", str(path), "--directory", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, str(path), "ends at frame 1000, out of range", "has only 20 frames (0..19)")
    path.write_text(json.dumps({"boundaries": [{"frame": 18, "start": 17, "end": 19}]}))  # under way at the end
    assert pure_test.main(["--labels", str(path), "--directory", str(tmp_path)]) == 0


def test_a_transition_still_under_way_at_the_last_frame_is_read(tmp_path):
    # "end" (the last frame showing the old shot) at the film's last frame, a clip cut out of a
    # dissolve, was refused: 'ends at frame 19, out of range: ... has only 19 frame pairs', of a
    # film of 20 frames (0..19)
    from evaluation.labels import labels_of_frames
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"boundaries": [{"frame": 18, "start": 17, "end": 19}]}))
    labels, spans = labels_of_frames(str(path), "pair", np.arange(20), "film.mp4")
    assert labels.tolist() == [17] and spans.tolist() == [[16, 18]]
    labels, spans = labels_of_frames(str(path), "pair", np.r_[0:19:3, 19], "film.mp4")  # --fps kept some frames
    assert labels.tolist() == [5] and spans.tolist() == [[5, 6]]
    path.write_text(json.dumps({"boundaries": [{"frame": 18, "start": 17, "end": 20}]}))  # past the last frame
    with pytest.raises(UserError, match="ends at frame 20, out of range: film.mp4 has only 20 frames"):
        labels_of_frames(str(path), "pair", np.arange(20), "film.mp4")
