"""The scene level: shots grouped into scenes by palette and picture, its labels and its files."""

import csv
import io
import json

import numpy as np
import pytest

from evaluation.labels import load_label_spans, load_labels
from pure_test import score_results
from scenes.lists import SETTING_COLUMNS, scene_list, setting_list, settings_csv
from scenes.setting_changes import setting_changes
from selection.pictures import COLOUR_LEVELS, Pictures, picture_features
from utils.errors import UserError

BINS = COLOUR_LEVELS ** 3


# palettes as the colour bins each fills, a sixth of the pixels in each: "room" and "room-dark"
# share two thirds of their colours (another part of one set; total variation 1/3, between
# SAME_PALETTE and NEAR_PALETTE), the others none
PALETTES = {"room": (0, 1, 2, 3, 4, 5), "room-dark": (0, 1, 2, 3, 10, 11), "sky": (20, 21, 22, 23, 24, 25),
            "sea": (30, 31, 32, 33, 34, 35), "street": (40, 41, 42, 43, 44, 45)}


def film(shots, latent_dim=4, seed=0):
    """Latents, flags and pictures of a film of shots given as (frames, picture id, palette):
    frames of one picture share a latent mean, frames of one palette a colour histogram."""
    rng = np.random.default_rng(seed)
    pictures = {p: rng.normal(0, 3, latent_dim) for _, p, _ in shots}
    palettes = {}
    for _, _, c in shots:
        h = np.zeros(BINS)
        h[list(PALETTES[c])] = 1 / len(PALETTES[c])
        palettes[c] = h
    mu = np.concatenate([pictures[p] + rng.normal(0, 0.01, (n, latent_dim)) for n, p, _ in shots])
    colours = np.concatenate([np.tile(palettes[c], (n, 1)) for n, _, c in shots]).astype(np.float16)
    log_var = np.full_like(mu, -4.0)
    flags = np.zeros(len(mu) - 1, dtype=bool)
    flags[np.cumsum([n for n, _, _ in shots])[:-1] - 1] = True
    detail = np.full(len(mu), 10.0, dtype=np.float32)
    return mu, log_var, flags, Pictures(detail, np.zeros((len(mu), 64), np.float16), colours)


def boundary_pairs(shots):
    return np.cumsum([n for n, _, _ in shots])[:-1] - 1


def test_shot_reverse_shot_on_one_set_is_one_scene():
    # a conversation: two angles (pictures 1 and 2) of one set; angle 2 shows half other colours
    # (another wall, a large character in front), so it matches nothing when it first appears,
    # but angle 1 comes back, so the back-and-forth is one scene
    shots = [(30, 0, "street"), (20, 1, "room"), (20, 2, "room-dark"), (20, 1, "room"), (20, 2, "room-dark"),
             (30, 3, "sea")]
    mu, log_var, flags, pictures = film(shots)
    scenes = setting_changes(mu, log_var, flags, 24, pictures)
    pairs = boundary_pairs(shots)
    assert scenes.changes.tolist() == [pairs[0], pairs[4]]   # into the room, out to the sea
    assert scenes.scene_of_shot.tolist() == [0, 1, 1, 1, 1, 2]
    # with one recent shot only, each angle is a scene of its own
    assert setting_changes(mu, log_var, flags, 24, pictures, recent_shots=1).changes.size == 5


def test_a_return_through_other_colours_is_a_new_scene():
    # the room, the sky (no colour of the room), the room again: two changes of setting
    shots = [(30, 1, "room"), (20, 2, "sky"), (30, 1, "room")]
    mu, log_var, flags, pictures = film(shots)
    assert setting_changes(mu, log_var, flags, 24, pictures).changes.size == 2


def test_a_new_angle_with_the_sets_palette_continues_the_scene():
    shots = [(30, 0, "room"), (30, 1, "room"), (30, 2, "sky")]
    mu, log_var, flags, pictures = film(shots)
    found = setting_changes(mu, log_var, flags, 24, pictures).changes
    assert found.tolist() == [boundary_pairs(shots)[1]]
    # without the pictures' colours, the latents alone see three different pictures
    assert setting_changes(mu, log_var, flags, 24, None).changes.tolist() == boundary_pairs(shots).tolist()


def test_a_return_to_an_earlier_setting_after_another_is_a_new_scene():
    shots = [(30, 0, "room"), (30, 1, "sky"), (30, 2, "sea"), (30, 0, "room")]
    mu, log_var, flags, pictures = film(shots)
    scenes = setting_changes(mu, log_var, flags, 24, pictures)
    assert scenes.changes.tolist() == boundary_pairs(shots).tolist()
    assert scenes.scene_of_shot.tolist() == [0, 1, 2, 3]


def test_zero_recent_shots_makes_every_shot_boundary_a_change():
    shots = [(20, 0, "room"), (20, 0, "room"), (20, 1, "room")]
    mu, log_var, flags, pictures = film(shots)
    assert setting_changes(mu, log_var, flags, 24, pictures).changes.size == 0
    assert np.array_equal(setting_changes(mu, log_var, flags, 24, pictures, recent_shots=0).flags, flags)


def test_setting_flags_are_a_subset_of_the_shot_flags_on_real_frames():
    # two painted sets of two-colour stripes, each seen from two crops with a character-sized
    # block moving in front
    rng = np.random.default_rng(1)
    sets = []
    for colours in (((200, 60, 60), (230, 200, 90)), ((40, 90, 200), (20, 160, 80))):
        stripes = np.zeros((3, 32, 96))
        for x in range(96):
            stripes[:, :, x] = np.array(colours[(x // 4) % 2])[:, None]
        sets.append(stripes)
    frames = []
    for s, x in [(0, 0), (0, 40), (1, 10), (1, 60)]:
        for t in range(12):
            f = sets[s][:, :, x:x + 32].copy()
            f[:, 10:20, (t % 10):(t % 10) + 8] = 40
            frames.append(f)
    frames = np.clip(np.stack(frames), 0, 255).astype(np.uint8)
    mu = rng.normal(0, 1, (48, 3)) * 5
    log_var = np.full_like(mu, -2.0)
    flags = np.zeros(47, dtype=bool)
    flags[[11, 23, 35]] = True
    scenes = setting_changes(mu, log_var, flags, 24, picture_features(frames))
    assert scenes.changes.tolist() == [23]
    assert not (scenes.flags & ~flags).any()


def test_settings_csv_lists_each_scene_with_its_shots():
    flags = np.zeros(9, dtype=bool)
    flags[[2, 5, 7]] = True
    shots = scene_list(flags, np.arange(10), np.arange(10) / 10.0, 10.0)
    settings = setting_list(shots, np.array([0, 0, 1, 1]))
    rows = list(csv.reader(io.StringIO(settings_csv(settings))))
    assert rows[0] == SETTING_COLUMNS
    assert rows[1] == ["1", "1", "00:00:00.000", "6", "00:00:00.600", "0.600", "2", "1", "2"]
    assert rows[2][:2] == ["2", "7"] and rows[2][6:] == ["2", "3", "4"]
    assert int(rows[1][3]) + 1 == int(rows[2][1]) and rows[2][3] == "10"   # contiguous, the last one to the end
    with pytest.raises(ValueError):
        setting_list(shots, np.array([0, 1]))


def test_labels_at_the_shot_and_the_scene_level(tmp_path):
    path = tmp_path / "l.json"
    path.write_text(json.dumps({"boundaries": [{"frame": 10, "same_setting": False}, {"frame": 20, "same_setting": True},
                                               {"frame": 30}]}))
    assert load_labels(str(path)).tolist() == [9, 19, 29]
    assert load_labels(str(path), level="scene").tolist() == [9, 29]
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"transitions": [{"kind": "cut", "start": 9, "end": 10, "label": 9},
                                                 {"kind": "dissolve", "start": 40, "end": 48, "label": 44}],
                                 "non_changes": [{"kind": "character_cut", "start": 19, "end": 20},
                                                 {"kind": "reverse_shot", "start": 29, "end": 30},
                                                 {"kind": "subtitle", "start": 50, "end": 70}]}))
    labels, spans = load_label_spans(str(truth))
    assert labels.tolist() == [9, 19, 29, 44] and spans[3].tolist() == [39, 48]
    labels, _ = load_label_spans(str(truth), level="scene")
    assert labels.tolist() == [9, 44]
    with pytest.raises(UserError, match="level"):
        load_labels(str(path), level="shots")
    path.write_text(json.dumps({"boundaries": [{"frame": 10, "same_setting": True}]}))
    with pytest.raises(UserError, match="no boundary changes the setting"):
        load_labels(str(path), level="scene")
    np.save(tmp_path / "bare.npy", np.array([4, 9]))
    with pytest.warns(UserWarning, match="says nothing of settings"):
        assert load_labels(str(tmp_path / "bare.npy"), level="scene").tolist() == [4, 9]


def test_the_labels_reader_knows_the_generators_cuts_on_one_set():
    from data.synthetic import SAME_SETTING_CUT_KINDS as generated
    from evaluation.labels import SAME_SETTING_CUT_KINDS as read
    assert read == generated


def test_pure_test_scores_either_level(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"boundaries": [{"frame": 11, "same_setting": False},
                                                 {"frame": 31, "same_setting": True},
                                                 {"frame": 61, "same_setting": False}]}))
    shots = np.zeros(99, dtype=bool)
    shots[[10, 30, 60]] = True
    setting = np.zeros(99, dtype=bool)
    setting[[10, 30]] = True       # one change of setting missed, one same-set cut taken for one
    ranking = [10, 30, 60] + [p for p in range(99) if p not in (10, 30, 60)]
    np.save(tmp_path / "scene_change_res0.npy", np.asarray(ranking))
    np.save(tmp_path / "kld_scores_0.npy", np.zeros(99, dtype=np.float32))
    np.save(tmp_path / "scene_change_flags_0.npy", shots)
    np.save(tmp_path / "setting_change_flags_0.npy", setting)
    shot_row = score_results(str(labels), str(tmp_path))[0]
    assert shot_row["f1"] == 1.0 and shot_row["labels"] == 3
    scene_row = score_results(str(labels), str(tmp_path), level="scene")[0]
    assert scene_row["labels"] == 2 and scene_row["precision"] == 0.5 and scene_row["recall"] == 0.5
    np.save(tmp_path / "setting_change_flags_0.npy", setting[:50])
    with pytest.raises(UserError, match="50 flags, but the results have 99"):
        score_results(str(labels), str(tmp_path), level="scene")
    (tmp_path / "setting_change_flags_0.npy").unlink()
    with pytest.raises(UserError, match="run inference.py again"):
        score_results(str(labels), str(tmp_path), level="scene")


@pytest.mark.slow
def test_generated_conversations_stay_one_scene_by_their_palette():
    """On the generator's frames, with the true shot boundaries: every conversation's reverse
    shots and new angles are joined into one scene by the palette alone (the latent term off),
    and the changes of setting are found."""
    from data.synthetic import generate_clip
    from evaluation.metrics import match_with_tolerance

    clip = generate_clip(900, seed=1, conversations=True)
    truth = clip.truth
    same_setting = [t["start"] for t in truth.non_changes if t["kind"] in ("reverse_shot", "new_angle")]
    assert len(same_setting) >= 4
    flags = np.zeros(truth.num_frames - 1, dtype=bool)
    flags[truth.shot_pairs] = True
    mu = np.zeros((truth.num_frames, 2))
    pictures = picture_features(np.ascontiguousarray(clip.frames.transpose(0, 3, 1, 2)))
    found = setting_changes(mu, np.zeros_like(mu), flags, truth.fps, pictures, same_picture=0.0).changes
    assert not set(same_setting) & set(found.tolist())
    spans = np.array([[t["label"], t["label"]] if t["kind"] == "cut" else [t["start"] - 1, t["end"]]
                      for t in truth.transitions])
    match = match_with_tolerance(found, truth.change_pairs, 2, spans)
    assert match["recall"] == 1.0 and match["precision"] == 1.0


def test_both_levels_print_from_a_results_folder(tmp_path, capsys):
    from scenes.lists import main as print_main
    from scenes.lists import write_scene_files, write_setting_files

    flags = np.zeros(9, dtype=bool)
    flags[[2, 5, 7]] = True
    shots = scene_list(flags, np.arange(10), np.arange(10) / 10.0, 10.0)
    write_scene_files(shots, str(tmp_path / "scenes_3.csv"), str(tmp_path / "scenes_3.json"), "film.mp4")
    write_setting_files(setting_list(shots, np.array([0, 0, 1, 1])), str(tmp_path / "settings_3.csv"),
                        str(tmp_path / "settings_3.json"), "film.mp4")
    assert print_main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 scenes, 4 shots" in out and out.count("shot ") == 4 and "scene   2" in out
    (tmp_path / "settings_3.json").write_text("{")
    assert print_main([str(tmp_path)]) == 2
    assert "settings_3.json: unreadable" in capsys.readouterr().err
    for broken in ({"scenes": 5}, {"scenes": [{"scene": 1}]},
                   {"scenes": [dict(scene=1, start_timecode="", end_timecode="", start_frame=0, end_frame=9,
                                    shots=[1, 9])]}):
        (tmp_path / "settings_3.json").write_text(json.dumps(broken))
        assert print_main([str(tmp_path)]) == 2
        assert "settings_3.json: " in capsys.readouterr().err


@pytest.mark.parametrize("argv,message", [
    (["{results}", "-1"], "error: python -m scenes: argument limit: expected a finite non-negative whole number of "
                          "scenes up to 1000000, got -1"),
    (["{results}", "x"], "error: python -m scenes: argument limit: expected"),
    (["{results}", "3", "4"], "error: python -m scenes: unrecognized arguments: 4"),
    (["{missing}"], "missing: no such results folder"),
    ([""], "error: python -m scenes: folder: an empty path (see python -m scenes --help)"),
])
def test_the_scene_printer_refuses_its_arguments_in_one_line(tmp_path, capsys, argv, message):
    from scenes.lists import main as print_main
    # a negative count printed every scene, argparse's complaints were a usage line and a second line,
    # and a missing folder had "no settings_<i>.json"; an empty folder (an unset variable) was
    # "error: : no such results folder", naming nothing
    paths = {"results": str(tmp_path), "missing": str(tmp_path / "missing")}
    try:
        code = print_main([arg.format(**paths) for arg in argv])
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
