"""Tests of the generator's conversations option: shot/reverse-shot runs and new angles on one set,
and the two levels of its truth (shots: shot_pairs; scenes: change_pairs)."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import synthetic as syn  # noqa: E402
from data.synthetic import generate_clip, iter_clip_frames  # noqa: E402

W, H = 160, 120
N = 900
SEED = 1        # its first 900 frames hold a conversation, a new angle, a character cut and a hard cut


@pytest.fixture(scope="module")
def clip():
    return generate_clip(N, seed=SEED, width=W, height=H, conversations=True)


def pair_diffs(frames):
    f = frames.astype(np.int16)
    return np.abs(f[1:] - f[:-1]).mean(axis=(1, 2, 3))


def middle(shot) -> int:
    return (shot["start"] + shot["end"]) // 2


def runs(shots) -> list:
    """The shot/reverse-shot runs: lists of consecutive shot indices framed "A" or "B"."""
    out, run = [], []
    for i, s in enumerate(shots):
        if s.get("framing") in ("A", "B"):
            run.append(i)
        elif run:
            out.append(run)
            run = []
    return out + ([run] if run else [])


def test_a_reverse_shot_run_stays_on_one_set_and_its_framings_come_back(clip):
    shots = clip.truth.shots
    found = [r for r in runs(shots) if shots[r[-1]]["end"] < N - 1]     # runs the clip does not cut short
    assert found
    for run in found:
        names = [shots[i]["framing"] for i in run]
        assert 4 <= len(run) <= 8 and all(a != b for a, b in zip(names[:-1], names[1:])), names
        assert len({shots[i]["setting"] for i in run}) == 1
        first, last = shots[run[0]]["start"], shots[run[-1]]["end"]
        assert len(set(clip.shot_setting[first:last + 1].tolist())) == 1
        assert not np.any((clip.change_pairs >= first) & (clip.change_pairs < last))
        # one speaker per framing, the same each time it comes back, and another one in the other framing
        speakers = {n: {tuple(shots[i]["characters"]) for i in run if shots[i]["framing"] == n} for n in "AB"}
        assert all(len(v) == 1 and len(next(iter(v))) == 1 for v in speakers.values()) and \
            speakers["A"] != speakers["B"], speakers
        for i in run[:-1]:
            assert {"kind": "reverse_shot", "start": shots[i]["end"], "end": shots[i]["end"] + 1} in clip.non_changes
    # framing A looks like A again, and not like B
    run = found[0]
    a1, b1, a2 = (clip.frames[middle(shots[i])].astype(int) for i in run[:3])
    same, other = np.abs(a1 - a2).mean(), np.abs(a1 - b1).mean()
    assert other > 15 and same < 0.2 * other, (same, other)


def test_shot_pairs_hold_the_scene_changes_and_every_same_setting_cut(clip):
    _, long_truth = iter_clip_frames(20000, seed=SEED, width=W, height=H, conversations=True)
    for t in (clip.truth, long_truth):
        kinds = {d["kind"] for d in t.non_changes}
        assert set(syn.SAME_SETTING_CUT_KINDS) <= kinds
        assert len(t.change_pairs) > 0
        shot_pairs = t.shot_pairs.tolist()
        assert t.shot_pairs.dtype == np.int64 and shot_pairs == sorted(set(shot_pairs))
        assert set(t.change_pairs.tolist()) <= set(shot_pairs)
        same = [d for d in t.non_changes if d["kind"] in syn.SAME_SETTING_CUT_KINDS]
        assert sorted(t.change_pairs.tolist() + [d["start"] for d in same]) == shot_pairs
        for d in same:
            assert d["end"] == d["start"] + 1 and d["start"] not in t.change_pairs
            assert t.shot_setting[d["start"]] == t.shot_setting[d["end"]]
        # the scene level is unchanged: the setting id changes exactly at change_pairs
        assert np.nonzero(np.diff(t.shot_setting))[0].tolist() == t.change_pairs.tolist()
        # every shot starts right after a shot boundary
        starts = [s["start"] for s in t.shots[1:]]
        assert all(k - 1 in set(shot_pairs) or any(tr["start"] <= k <= tr["end"] + 1 for tr in t.transitions)
                   for k in starts)
        assert json.loads(json.dumps(t.to_json()))["shot_pairs"] == shot_pairs


def test_cuts_on_one_set_change_the_picture_not_the_setting(clip):
    d = pair_diffs(clip.frames)
    busy = np.zeros(len(d), bool)
    for t in clip.transitions + clip.non_changes:
        busy[max(0, t["start"] - 1):t["end"] + 1] = True
    within = np.median(d[~busy])
    seen = set()
    for t in clip.non_changes:
        if t["kind"] not in ("reverse_shot", "new_angle"):
            continue
        seen.add(t["kind"])
        k = t["end"]
        assert clip.shot_setting[k - 1] == clip.shot_setting[k]
        assert d[k - 1] > 15 and d[k - 1] > 10 * within, (t, d[k - 1], within)
    assert seen == {"reverse_shot", "new_angle"}


def test_conversations_return_to_settings_seen_earlier():
    """A return to an earlier setting is a scene change, and its conversation takes up the same framings."""
    _, truth = iter_clip_frames(20000, seed=SEED, conversations=True)
    shots = truth.shots
    returns = 0
    for run in runs(shots):
        i = run[0]
        setting = shots[i]["setting"]
        earlier = [j for j in range(i) if shots[j]["setting"] == setting]
        if not earlier or shots[i - 1]["setting"] == setting:
            continue
        returns += 1
        assert shots[i]["start"] - 1 in truth.change_pairs or \
            any(t["label"] in truth.change_pairs and t["end"] + 1 == shots[i]["start"] for t in truth.transitions)
        before = [j for j in earlier if shots[j].get("framing") == shots[i]["framing"]]
        if before:
            assert shots[before[0]]["characters"] == shots[i]["characters"]
    assert returns >= 3


def test_conversations_false_is_the_default_clip():
    a = generate_clip(300, seed=SEED, width=96, height=72)
    b = generate_clip(300, seed=SEED, width=96, height=72, conversations=False)
    assert np.array_equal(a.frames, b.frames)
    assert json.dumps(a.truth.to_json()) == json.dumps(b.truth.to_json())
    assert not any("framing" in s for s in a.truth.shots)
    # with the option, the clip begins the same way up to its first conversation
    c = generate_clip(300, seed=SEED, width=96, height=72, conversations=True)
    assert c.truth.options == {"conversations": True}
    first = min(s["start"] for s in c.truth.shots if "framing" in s)
    assert np.array_equal(a.frames[:first], c.frames[:first])


def test_shorter_conversation_clips_are_prefixes(monkeypatch):
    from data.synthetic import plan

    monkeypatch.setattr(plan, "P_CONVERSATION", 1.0)        # every setting opens with a conversation
    _, long_truth = iter_clip_frames(2000, seed=2, width=96, height=72, conversations=True)
    assert runs(long_truth.shots)[0][0] == 0
    short = generate_clip(150, seed=2, width=96, height=72, conversations=True)
    it, _ = iter_clip_frames(2000, seed=2, width=96, height=72, conversations=True)
    first = np.stack([next(it) for _ in range(150)])
    limit = min([t["start"] for t in long_truth.non_changes if t["kind"] in syn.SAME_SETTING_CUT_KINDS
                 and t["start"] < 150 and t not in short.non_changes] + [150])
    assert limit > 24
    assert np.array_equal(first[:limit], short.frames[:limit])
    assert long_truth.shot_pairs[long_truth.shot_pairs < limit - 1].tolist() == \
        short.shot_pairs[short.shot_pairs < limit - 1].tolist()
