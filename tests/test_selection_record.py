"""The selection's config and its record of every candidate's fate."""

import csv
import dataclasses
import io

import numpy as np
import pytest

from data.synthetic import generate_clip
from selection import STAGES, SelectionConfig, candidates_csv, detect_changes
from selection.config import explain, from_options
from selection.pictures import picture_features


def thumbnail_latents(frames: np.ndarray, grid: int = 8):
    n, h, w, _ = frames.shape
    f = frames[:, :h // grid * grid, :w // grid * grid].astype(np.float32)
    mu = f.reshape(n, grid, h // grid, grid, w // grid, 3).mean(axis=(2, 4)).reshape(n, -1) / 255
    return mu, np.full_like(mu, 2 * np.log(0.05))


@pytest.fixture(scope="module")
def film():
    clip = generate_clip(360, seed=2, extra_transitions=("flash_cut", "blur", "morph"))
    mu, log_var = thumbnail_latents(clip.frames)
    mu = mu + np.random.default_rng(0).normal(0, 0.01, mu.shape).astype(np.float32)
    return mu, log_var, picture_features(np.ascontiguousarray(clip.frames.transpose(0, 3, 1, 2))), clip


def test_every_setting_says_why_and_where_its_value_came_from():
    described = explain()
    assert len(described) >= 30
    for name, entry in described.items():
        assert entry["why"] and entry["source"], name


def test_settings_are_checked_and_cast():
    with pytest.raises(ValueError, match="unknown selection stage"):
        SelectionConfig(off=("no_such_stage",))
    with pytest.raises(ValueError, match="no selection setting"):
        SelectionConfig().with_values(nonsense=1)
    changed = SelectionConfig().with_values(CAMERA_REACH="2", cut_side_pairs="4", off="hold+camera_move")
    assert changed.camera_reach == 2.0 and changed.cut_side_pairs == 4 and isinstance(changed.cut_side_pairs, int)
    assert not changed.on("hold") and not changed.on("camera_move") and changed.on("split_cut")
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.threshold = 3.0


def test_the_scripts_options_become_the_config():
    class Options:
        threshold, transition_seconds, min_scene_len = 2.0, 1.0, 0.5
    config = from_options(Options())
    assert (config.threshold, config.transition_seconds, config.min_scene_seconds) == (2.0, 1.0, 0.5)


def test_every_event_is_a_candidate_and_its_fate_is_recorded(film):
    mu, log_var, pictures, clip = film
    found = detect_changes(mu, log_var, clip.fps, pictures=pictures)
    kept = {c.pair for c in found.candidates if c.kept}
    assert kept == set(found.changes.tolist())
    for c in found.candidates:
        assert c.stage == "score" or c.stage in STAGES
        if c.kept:
            assert c.confidence >= 0 and c.dropped_by is None
        elif c.dropped_by is None:  # an event below the bar: its deciding cap is below 0
            assert c.caps[c.stage] < 0 and c.confidence == min(c.caps.values())
        assert c.reason
    # the stages that drop candidates are named: one pick takes the same event at other scales
    assert any(c.dropped_by == "one_pick" for c in found.candidates)


def test_the_candidates_file_reads_back_with_every_decision(film):
    mu, log_var, pictures, clip = film
    found = detect_changes(mu, log_var, clip.fps, pictures=pictures)
    rows = list(csv.DictReader(io.StringIO(candidates_csv(found.candidates))))
    assert len(rows) == len(found.candidates)
    assert {"pair", "scale", "confidence", "stage", "kept", "reason", "cap_layout_confirm", "spread"} <= set(rows[0])
    assert sorted(int(r["pair"]) for r in rows if r["kept"] == "1") == found.changes.tolist()
    assert [int(r["pair"]) for r in rows] == sorted(int(r["pair"]) for r in rows)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_can_be_switched_off(film, stage):
    mu, log_var, pictures, clip = film
    found = detect_changes(mu, log_var, clip.fps, pictures=pictures, config=SelectionConfig(off=(stage,)))
    assert found.flags.shape == (len(mu) - 1,)
    assert len(set(found.events.tolist())) == found.events.size
    assert not any(stage in c.caps for c in found.candidates)  # a stage that is off never caps
    if stage != "one_pick":  # without it, only a second candidate on the same pair is dropped
        assert not any(c.dropped_by == stage for c in found.candidates)


def test_the_report_names_the_stage_that_decided_a_false_alarm_and_a_miss(film):
    from report.outcomes import Change, decision_line
    mu, log_var, pictures, clip = film
    found = detect_changes(mu, log_var, clip.fps, pictures=pictures)
    rows = list(csv.DictReader(io.StringIO(candidates_csv(found.candidates))))
    kept = found.changes[0]
    line = decision_line(rows, Change(int(kept), int(kept), int(kept), 1.0), missed=False)
    assert line.startswith("kept; closest to dropping it: ")
    dropped = next(c for c in found.candidates if c.dropped_by and c.pair not in set(found.changes.tolist()))
    line = decision_line(rows, Change(dropped.pair, dropped.pair, dropped.pair, -1.0), missed=True, reach=0)
    assert "dropped by" in line and f"pair {dropped.pair}" in line
    nothing = decision_line(rows, Change(len(mu) + 50, len(mu) + 50, len(mu) + 50, -1.0), missed=True)
    assert nothing.startswith("no candidate here")
    assert decision_line([], Change(1, 1, 1, 0.0), missed=True) is None


def test_the_selection_stays_readable_small_modules_and_short_functions():
    import ast
    import glob
    import os
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "selection")
    for path in glob.glob(os.path.join(folder, "*.py")):
        text = open(path).read()
        assert text.count("\n") <= 400, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno < 60, f"{path}: {node.name}"
