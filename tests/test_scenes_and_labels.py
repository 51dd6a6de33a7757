import csv
import io
import json

import numpy as np
import pytest

from evaluation.labels import check_labels_in_range, load_label_spans, load_labels
from scenes.lists import CSV_COLUMNS, scene_list, scenes_csv, timecode
from utils.errors import UserError
from utils.label_convention import pair_into, pairs_of_first_frames, shot_starts, transition_pairs


def test_timecodes():
    assert timecode(0) == "00:00:00.000"
    assert timecode(3725.5) == "01:02:05.500"
    assert timecode(59.9996) == "00:01:00.000"


def test_the_label_convention_pair_i_is_the_change_between_frames_i_and_i_plus_1():
    # shots starting at frames 0, 5 and 9 of a 12-frame film: changes at pairs 4 and 8
    flags = np.zeros(11, dtype=bool)
    flags[[4, 8]] = True
    assert shot_starts(flags) == [0, 5, 9]
    assert pairs_of_first_frames(np.array([0, 5, 9])).tolist() == [4, 8]  # frame 0 starts the film: no change
    assert pair_into(np.array([5, 9])).tolist() == np.flatnonzero(flags).tolist()
    assert transition_pairs(3, 6) == (2, 6)  # frames 3-6 mixed: from the change into 3 to the change out of 6


def test_scene_list_maps_sampled_frames_back_to_the_source():
    # 8 cached frames sampled every 3rd source frame at 30 fps (as --fps 10 does)
    source_index = np.arange(0, 24, 3)
    timestamps = source_index / 30.0
    flags = np.zeros(7, dtype=bool)
    flags[3] = True  # change between cached frames 3 and 4: source frames 9 and 12
    scenes = scene_list(flags, source_index, timestamps, 30.0)
    assert [(s["start_frame"], s["end_frame"]) for s in scenes] == [(0, 11), (12, 21)]
    assert scenes[1]["start_time"] == pytest.approx(0.4) and scenes[1]["start_timecode"] == "00:00:00.400"
    assert scenes[0]["length_frames"] == 12 and scenes[1]["end_time"] == pytest.approx(22 / 30)


def test_csv_has_pyscenedetects_layout():
    flags = np.array([False, True, False, False])
    scenes = scene_list(flags, np.arange(5), np.arange(5) / 25.0, 25.0)
    rows = list(csv.reader(io.StringIO(scenes_csv(scenes))))
    assert rows[0] == ["Timecode List:", "00:00:00.080"]
    assert rows[1] == CSV_COLUMNS
    # 1-based frames, end frame inclusive, as PySceneDetect writes them
    assert rows[2] == ["1", "1", "00:00:00.000", "0.000", "2", "00:00:00.080", "0.080", "2", "00:00:00.080", "0.080"]
    assert rows[3][:2] == ["2", "3"] and rows[3][4] == "5" and rows[3][7] == "3"


def test_labels_in_every_format_and_convention(tmp_path):
    np.save(tmp_path / "l.npy", np.array([9, 3, 3]))
    assert load_labels(str(tmp_path / "l.npy")).tolist() == [3, 9]
    (tmp_path / "l.txt").write_text("# cuts\n4\n10\n")
    assert load_labels(str(tmp_path / "l.txt"), "first_frame").tolist() == [3, 9]
    (tmp_path / "l.csv").write_text("frame,kind\n10,cut\n4,cut\n")
    assert load_labels(str(tmp_path / "l.csv")).tolist() == [4, 10]
    (tmp_path / "l.json").write_text(json.dumps({"boundaries": [{"frame": 21}, {"frame": 548}]}))
    assert load_labels(str(tmp_path / "l.json")).tolist() == [20, 547]  # first frame of the new shot
    (tmp_path / "list.json").write_text("[5, 7]")
    assert load_labels(str(tmp_path / "list.json")).tolist() == [5, 7]


@pytest.mark.parametrize("content,message", [("", "no labels"), ("4\nabc\n", "not a frame index"),
                                             ("-3\n", "negative")])
def test_bad_label_files(tmp_path, content, message):
    (tmp_path / "bad.txt").write_text(content)
    with pytest.raises(UserError, match=message):
        load_labels(str(tmp_path / "bad.txt"))
    with pytest.raises(UserError, match="no such labels file"):
        load_labels(str(tmp_path / "missing.npy"))


def test_labels_out_of_range():
    check_labels_in_range(np.array([1, 98]), 99, "l.npy", "res")
    with pytest.raises(UserError, match="label 99 is out of range"):
        check_labels_in_range(np.array([1, 99]), 99, "l.npy", "res")


@pytest.mark.parametrize("name,content,message", [
    ("one.csv", "15,31\n", r"line 1 holds 2 values \(15, 31\)"),
    ("spaces.txt", "15 31\n", r"line 1 holds 2 values \(15, 31\)"),
    ("semicolons.txt", "15;31\n", r"line 1 holds 2 values \(15, 31\)"),
    ("column.csv", "frame\n15 31\n", r"line 2 holds 2 values \(15, 31\)"),
    ("scenes.csv", "Scene Number,Start Frame,Start Timecode\n1,0,00:00:00.000\n2,16,00:00:00.533\n",
     r"line 2 holds 3 values \(1, 0, 00:00:00.000\) under a first column named 'Scene Number', not frames"),
    # a first line of a label and a word was skipped as a header: 15 was lost without a word
    ("word.txt", "15 cut\n31\n", r"line 1 holds 2 values \(15, cut\)"),
    ("comment.txt", "15 # cut\n", r"line 1 holds 3 values \(15, #, cut\)"),
])
def test_rows_of_several_values_are_refused_not_read_in_part(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(UserError, match=message):
        load_labels(str(tmp_path / name))


def test_a_json_labels_file_with_another_extension_is_read_as_json(tmp_path):
    (tmp_path / "noext").write_text("[15, 31]")
    assert load_labels(str(tmp_path / "noext")).tolist() == [15, 31]
    (tmp_path / "labels.txt").write_text(json.dumps({"boundaries": [{"frame": 21, "start": 2, "end": 25}]}))
    labels, spans = load_label_spans(str(tmp_path / "labels.txt"))
    assert labels.tolist() == [20] and spans.tolist() == [[1, 25]]


@pytest.mark.parametrize("boundaries,message", [
    ([{"frame": 40, "start": 10, "end": 20}], r"boundary 1 of 1: \"frame\" 40 lies outside its span 10-20"),
    ([{"frame": 16, "same_setting": True}, {"frame": 16, "same_setting": False}, {"frame": 32}],
     r"boundary 2 of 3: frame 16 is given twice, once keeping the setting and once not"),
    ([{"frame": 32}, {"frame": 16}, {"frame": 32, "same_setting": True}],
     r"boundary 3 of 3: frame 32 is given twice, once keeping the setting and once not"),
])
def test_contradictory_boundaries_are_refused(tmp_path, boundaries, message):
    (tmp_path / "l.json").write_text(json.dumps({"boundaries": boundaries}))
    with pytest.raises(UserError, match=message):
        load_labels(str(tmp_path / "l.json"), level="scene")
