"""Tests of the synthetic generator's options: pacing, extra transitions, style, subtitles, action,
insets and conversations (the conversations' own tests are in test_conversations.py)."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import synthetic as syn  # noqa: E402
from data.synthetic import generate_clip, iter_clip_frames  # noqa: E402

W, H = 96, 72


def pair_diffs(frames):
    f = frames.astype(np.int16)
    return np.abs(f[1:] - f[:-1]).mean(axis=(1, 2, 3))


def quiet_pairs(clip):
    """Pair differences away from every transition and trap."""
    d = pair_diffs(clip.frames)
    busy = np.zeros(len(d), bool)
    for t in clip.transitions + clip.non_changes:
        busy[max(0, t["start"] - 1):t["end"] + 1] = True
    return d[~busy]


def test_default_clip_is_drawn_from_its_seed_with_the_truth_it_always_had():
    """The clip with no option: frames of the asked size, the same again from one seed and
    others from another, a truth of the fields it held before the options existed (shot_pairs
    came later) that agrees with itself and with the frames."""
    c = generate_clip(120, seed=4, width=64, height=48)
    assert c.frames.shape == (120, 48, 64, 3) and c.frames.dtype == np.uint8
    assert c.frames.max() - c.frames.min() > 150 and c.frames.std() > 20  # drawn, not blank
    again = generate_clip(120, seed=4, width=64, height=48)
    assert np.array_equal(again.frames, c.frames)
    assert json.dumps(again.truth.to_json()) == json.dumps(c.truth.to_json())
    other = generate_clip(120, seed=5, width=64, height=48)
    assert other.frames.shape == c.frames.shape and not np.array_equal(other.frames, c.frames)
    assert other.truth.to_json()["settings"] != c.truth.to_json()["settings"]  # another world
    truth = c.truth.to_json()
    assert set(truth) == {"num_frames", "width", "height", "fps", "seed", "variant", "hard_cases", "change_pairs",
                          "transitions", "non_changes", "shots", "settings", "shot_setting", "shot_pairs"}
    assert [truth[k] for k in ("num_frames", "width", "height", "fps", "seed", "variant", "hard_cases")] == \
        [120, 64, 48, 24, 4, 0, True]
    assert truth["change_pairs"] == c.change_pairs.tolist() == sorted(t["label"] for t in c.transitions)
    assert len(truth["shot_setting"]) == 120
    assert np.flatnonzero(np.diff(truth["shot_setting"])).tolist() == truth["change_pairs"]
    assert len(truth["settings"]) == syn.NUM_SETTINGS
    # each cut of the truth is a jump of the pictures far above the motion inside the shots
    cuts = [t["label"] for t in c.transitions if t["kind"] == "cut"]
    assert cuts and all(pair_diffs(c.frames)[cut] > 10 * np.median(quiet_pairs(c)) for cut in cuts)
    assert "options" not in truth
    cc = [t["start"] for t in c.non_changes if t["kind"] == "character_cut"]
    assert truth["shot_pairs"] == sorted(c.change_pairs.tolist() + cc)
    same = generate_clip(120, seed=4, width=64, height=48, pacing="normal", extra_transitions=(), style="cel",
                         subtitles=False, action=False, conversations=False, insets=False)
    assert np.array_equal(same.frames, c.frames)
    assert json.dumps(same.truth.to_json()) == json.dumps(c.truth.to_json())


def test_options_are_checked():
    for bad in (dict(pacing="frantic"), dict(style="oil"), dict(extra_transitions="dissolve")):
        with pytest.raises(ValueError):
            iter_clip_frames(50, **bad)
    assert syn.clip_options() == {}
    assert syn.clip_options(extra_transitions="all")["extra_transitions"] == list(syn.EXTRA_TRANSITION_KINDS)
    assert set(syn.TRANSITION_KINDS) == set(syn.DEFAULT_TRANSITION_KINDS) | set(syn.EXTRA_TRANSITION_KINDS)
    assert set(syn.EXTRA_TRANSITION_KINDS) <= set(syn.GRADUAL_KINDS)
    assert "subtitle" in syn.NON_CHANGE_KINDS and "subtitle" not in syn.DEFAULT_NON_CHANGE_KINDS
    assert syn.DEFAULT_NON_CHANGE_KINDS == ("character_cut", "in_shot_flash", "fast_pan", "zoom")
    assert set(syn.SAME_SETTING_CUT_KINDS) <= set(syn.NON_CHANGE_KINDS)
    assert syn.clip_options(conversations=True) == {"conversations": True}


def test_fast_pacing_has_bursts_of_real_cuts():
    c = generate_clip(600, seed=0, width=W, height=H, pacing="fast")
    assert c.truth.options == {"pacing": "fast"}
    cuts = [t["label"] for t in c.transitions if t["kind"] == "cut"]
    # the longest run of hard cuts 4-6 frames apart
    best, run = [], [cuts[0]]
    for a, b in zip(cuts[:-1], cuts[1:]):
        run = run + [b] if 4 <= b - a <= 6 else [b]
        best = max(best, run, key=len)
    assert len(best) >= 6, cuts
    d = pair_diffs(c.frames)
    within = np.median(quiet_pairs(c))
    for label in best:
        assert d[label] > 25.0 and d[label] > 10 * within, (label, d[label], within)
        assert c.shot_setting[label] != c.shot_setting[label + 1]
    # ordinary shots are mixed in
    starts = [s["start"] for s in c.truth.shots[:-1]]
    lengths = [s["end"] - s["start"] + 1 for s in c.truth.shots[:-1]]
    assert max(lengths) >= 36 and min(lengths) <= 6 and len(starts) >= 10


def test_slow_pacing_has_long_shots_with_small_changes():
    c = generate_clip(720, seed=0, width=W, height=H, pacing="slow")       # 30 s
    assert len(c.truth.shots) <= 2
    assert {s["camera"] for s in c.truth.shots} <= {"slow_pan", "slow_tilt", "slow_zoom", "static"}
    quiet = quiet_pairs(c)
    assert len(quiet) > 600
    # mostly still; a pan step of one pixel now and then, far below a cut (over 25)
    assert quiet.max() < 15.0 and np.median(quiet) < 1.0, (quiet.max(), np.median(quiet))
    _, truth = iter_clip_frames(20000, seed=1, pacing="slow")
    lengths = [s["end"] - s["start"] + 1 for s in truth.shots[:-1]]
    assert min(lengths) >= 20 * 24 and max(lengths) <= 60 * 24
    assert "slow_zoom" in {s["camera"] for s in truth.shots}


@pytest.fixture(scope="module")
def extra_clip():
    return generate_clip(1500, seed=1, width=W, height=H, extra_transitions="all")


def test_extra_transitions_are_labelled_changes(extra_clip):
    c = extra_clip
    kinds = {t["kind"] for t in c.transitions}
    _, long_truth = iter_clip_frames(20000, seed=1, extra_transitions="all")
    assert set(syn.EXTRA_TRANSITION_KINDS) <= {t["kind"] for t in long_truth.transitions}
    for t in long_truth.transitions:
        n = t["end"] - t["start"] + 1
        if t["kind"] in ("flash_cut", "blur"):
            assert 3 <= n <= 8
        elif t["kind"] == "morph":
            assert 12 <= n <= 36
        elif t["kind"] == "slow_wipe":
            assert 36 <= n <= 72
        elif t["kind"] == "slide":
            assert 12 <= n <= 29
        assert t["start"] <= t["label"] <= t["end"]
    assert kinds & set(syn.EXTRA_TRANSITION_KINDS)
    d = pair_diffs(c.frames)
    for t in c.transitions:
        if t["kind"] not in syn.EXTRA_TRANSITION_KINDS:
            continue
        assert t["label"] == (t["start"] + t["end"]) // 2 and t["label"] in c.change_pairs
        before, after = t["start"] - 1, t["end"] + 1
        # it ends on another setting than it starts on
        assert c.shot_setting[before] != c.shot_setting[after]
        assert np.abs(c.frames[before].astype(int) - c.frames[after].astype(int)).mean() > 20
        if t["kind"] == "flash_cut":        # bright in the middle
            peak = max(c.frames[i].mean() for i in range(t["start"], t["end"] + 1))
            assert peak > max(c.frames[before].mean(), c.frames[after].mean()) + 30
        if t["kind"] == "blur":             # the middle frame is blurred: small differences between neighbours
            mid = c.frames[t["label"]].astype(int)
            assert np.abs(np.diff(mid, axis=1)).mean() < 0.5 * np.abs(np.diff(c.frames[before].astype(int),
                                                                              axis=1)).mean()
        if t["kind"] in ("morph", "slow_wipe"):    # gradual: no step as large as a cut
            assert d[before:after + 1].max() < 50, d[before:after + 1].round(1)


def test_silhouette_style_is_flat_shapes():
    c = generate_clip(120, seed=3, width=W, height=H, style="silhouette")
    busy = np.zeros(len(c.frames), bool)
    for t in c.transitions + c.non_changes:
        busy[max(0, t["start"] - 1):t["end"] + 2] = True
    for i in np.nonzero(~busy)[0][::20]:
        f = c.frames[i].astype(int)
        dark = f.sum(axis=-1) < 150
        assert 0.05 < dark.mean() < 0.95
        # each row holds two colours at most: the ink and that row's backdrop
        for row in f[::9]:
            assert len(np.unique(row.reshape(-1, 3), axis=0)) <= 2


def test_subtitles_change_the_bottom_band_only():
    a = generate_clip(300, seed=2, width=W, height=H)
    b = generate_clip(300, seed=2, width=W, height=H, subtitles=True)
    subs = [t for t in b.non_changes if t["kind"] == "subtitle"]
    assert len(subs) >= 2
    assert b.change_pairs.tolist() == a.change_pairs.tolist() and b.transitions == a.transitions
    assert [t for t in b.non_changes if t["kind"] != "subtitle"] == a.non_changes
    changed = np.any(a.frames != b.frames, axis=-1)          # N x H x W
    rows = np.nonzero(changed.any(axis=(0, 2)))[0]
    assert rows.min() >= 0.7 * H
    shown = changed.any(axis=(1, 2))
    expected = np.zeros(len(shown), bool)
    for t in subs:
        expected[t["start"]:t["end"] + 1] = True
    assert np.array_equal(shown, expected)
    # each subtitle lies inside one shot (the setting does not change under it)
    for t in subs:
        assert len(set(b.shot_setting[t["start"]:t["end"] + 1].tolist())) == 1
        assert t["start"] - 1 not in b.change_pairs


def with_and_without(option: str, kind: str):
    """The same clip without and with a trap option: (plain clip, clip with it, its traps of
    `kind`), after checking that the option adds those traps and changes no other truth."""
    a = generate_clip(400, seed=0, width=W, height=H)
    b = generate_clip(400, seed=0, width=W, height=H, **{option: True})
    traps = [t for t in b.non_changes if t["kind"] == kind]
    assert traps and b.truth.options == {option: True}
    assert b.change_pairs.tolist() == a.change_pairs.tolist() and b.transitions == a.transitions
    assert [t for t in b.non_changes if t["kind"] != kind] == a.non_changes
    return a, b, traps


def test_action_moves_camera_and_characters_inside_shots_only():
    a, b, acts = with_and_without("action", "action")
    changed = np.any(a.frames != b.frames, axis=(1, 2, 3))
    for t in acts:
        # the action lies inside one shot, changes its pictures, and moves them more than the shot did
        assert len(set(b.shot_setting[t["start"]:t["end"] + 1].tolist())) == 1
        assert changed[t["start"]:t["end"] + 1].mean() > 0.5
        inside = slice(t["start"], t["end"] + 1)
        assert pair_diffs(b.frames[inside]).mean() > 1.5 * pair_diffs(a.frames[inside]).mean()
    # frames before the first action are untouched
    assert not changed[:acts[0]["start"]].any()


def test_insets_pop_up_inside_shots_and_cover_a_part_of_the_frame():
    a, b, panels = with_and_without("insets", "inset")
    changed = np.any(a.frames != b.frames, axis=3)          # (N, H, W): pixels the panels cover
    assert not changed[:panels[0]["start"]].any()           # nothing before the first panel opens
    largest = syn.plan.INSET_WIDTH[1] * syn.plan.INSET_HEIGHT[1]
    for t in panels:
        assert len(set(b.shot_setting[t["start"]:t["end"] + 1].tolist())) == 1
        # the panel grows, then its picture fades in: the covered area and the picture keep changing
        area = changed[t["start"]:t["end"] + 1].mean(axis=(1, 2))
        assert area[0] > 0 and area[-1] >= area[0]
        assert np.any(b.frames[t["end"]] != b.frames[t["end"] - 1])
        # at most two panels at once, each a part of the frame
        assert area.max() <= 2 * largest + 0.05
    # a panel stays until its shot ends: every later frame of that shot differs
    for t in panels:
        shot = next(s for s in b.shots if s["start"] <= t["start"] <= s["end"])
        assert changed[t["start"]:shot["end"] + 1].any(axis=(1, 2)).all()
    # a panel shows a place the clip may not visit, drawn at the smallest frame size too
    for seed in (6, 23):
        tiny = generate_clip(400, seed=seed, width=32, height=24, insets=True)
        assert any(t["kind"] == "inset" for t in tiny.non_changes)


def test_cli_passes_the_options(tmp_path, capsys):
    out = tmp_path / "fast"
    rc = syn.main(["--out", str(out), "--train_frames", "20", "--val_frames", "60", "--width", str(W),
                   "--height", str(H), "--pacing", "fast", "--extra_transitions", "blur,flash_cut",
                   "--subtitles", "--style", "silhouette", "--action", "--conversations", "--insets"])
    assert rc == 0
    params = json.loads((out / "sample.json").read_text())["params"]
    assert params["pacing"] == "fast" and params["extra_transitions"] == ["flash_cut", "blur"]
    assert params["subtitles"] is True and params["style"] == "silhouette" and params["action"] is True
    assert params["conversations"] is True and params["insets"] is True
    truth = json.loads((out / "truth.json").read_text())
    assert truth["val"]["options"]["pacing"] == "fast"
    with pytest.raises(SystemExit, match="2"):
        syn.main(["--out", str(tmp_path / "bad"), "--extra_transitions", "dissolve"])


@pytest.mark.parametrize("direction", ["down", "up", "left", "right"])
def test_a_slide_covers_the_old_shot_which_mostly_stays(direction):
    """Half way through a slide, half of the frame is the new shot's leading half, and the rest
    is the old shot moved on by `drift` of the new one's way in: not a push, which moves both."""
    from data.synthetic.transitions import _slide
    rng = np.random.default_rng(0)
    A = rng.uniform(0, 255, (40, 60, 3)).astype(np.float32)
    B = rng.uniform(0, 255, (40, 60, 3)).astype(np.float32)
    out = _slide(A, B, 0.5, direction, 0.2)
    if direction == "down":      # enters from the top
        assert np.array_equal(out[:20], B[20:]) and np.array_equal(out[20:], A[16:36])
    elif direction == "up":      # from the bottom
        assert np.array_equal(out[20:], B[:20]) and np.array_equal(out[:20], A[4:24])
    elif direction == "right":   # from the left
        assert np.array_equal(out[:, :30], B[:, 30:]) and np.array_equal(out[:, 30:], A[:, 24:54])
    else:                        # from the right
        assert np.array_equal(out[:, 30:], B[:, :30]) and np.array_equal(out[:, :30], A[:, 6:36])
    assert np.array_equal(_slide(A, B, 0.0, direction, 0.3), A)
    assert np.array_equal(_slide(A, B, 1.0, direction, 0.3), B)


def test_some_slides_join_settings_of_close_colours_where_other_changes_keep_them_apart():
    """Two night scenes joined by a slide differ little in grey: one slide in two
    (P_SLIDE_CLOSE) goes to one of the settings nearest in colour; every other change of
    setting keeps at least MIN_SETTING_DISTANCE."""
    from data.synthetic.plan import MIN_SETTING_DISTANCE
    from data.synthetic.settings import _setting_distances
    _, truth = iter_clip_frames(20000, seed=3, extra_transitions="slide")
    setting, distance = np.asarray(truth.shot_setting), _setting_distances(3)
    apart = {"slide": [], "other": []}
    for t in truth.to_json()["transitions"]:
        before, after = setting[t["start"] - 1], setting[t["end"] + 1]
        if before != after:
            apart["slide" if t["kind"] == "slide" else "other"].append(distance[before, after])
    assert len(apart["slide"]) > 20 and min(apart["other"]) >= MIN_SETTING_DISTANCE
    assert np.mean(np.array(apart["slide"]) < MIN_SETTING_DISTANCE) > 0.1
