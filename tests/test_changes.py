"""Turning latents into scene changes with no count given: hand-made latents and generated films."""

import numpy as np
import pytest

from conftest import scenery
from data.synthetic import generate_clip
from selection import SelectionConfig, detect_changes, pair_kl_scores, rank_events_first, typical_distance
from selection.camera_move import CameraTest, grown
from selection.candidate import Candidate
from selection.drawing import other_drawing
from selection.fade_through_black import blank_valleys
from selection.hold import drawing_hold
from selection.pictures import Pictures, picture_features, same_drawing
from selection.score import transition_half_widths
from selection.split_cut import mixed_between, one_mixed_frame

HELD_MAGNITUDE = SelectionConfig().held_magnitude
from evaluation.metrics import match_events, match_with_tolerance

SIGMA = 0.05


def thumbnail_latents(frames: np.ndarray, grid: int = 8):
    """8x8 RGB thumbnails as latent means with a fixed spread: the selection without a model."""
    n, h, w, _ = frames.shape
    f = frames[:, :h // grid * grid, :w // grid * grid].astype(np.float32)
    mu = f.reshape(n, grid, h // grid, grid, w // grid, 3).mean(axis=(2, 4)).reshape(n, -1) / 255
    return mu, np.full_like(mu, 2 * np.log(SIGMA))


def chw(frames: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(frames.transpose(0, 3, 1, 2))


def shots_latents(lengths, dim=6, motion=0.02, seed=0):
    """Latents of consecutive shots: each shot a random point that moves steadily, with jitter."""
    rng = np.random.default_rng(seed)
    mu = []
    for length in lengths:
        start, velocity = rng.normal(0, 1, dim), rng.normal(0, motion, dim)
        mu.append(start + np.arange(length)[:, None] * velocity + rng.normal(0, motion, (length, dim)))
    mu = np.concatenate(mu).astype(np.float32)
    return mu, np.full_like(mu, -2.0)


def boundaries(lengths):
    return np.cumsum(lengths)[:-1] - 1


def test_every_cut_of_a_burst_is_kept_however_close():
    lengths = [60, 5, 4, 6, 4, 5, 4, 60, 48]
    mu, log_var = shots_latents(lengths)
    found = detect_changes(mu, log_var, 24).changes
    assert found.tolist() == boundaries(lengths).tolist()


def test_a_long_slow_drift_is_no_change_but_a_jump_in_it_is():
    n = 600
    t = np.linspace(0, 1, n)[:, None]
    mu = np.concatenate([np.sin(3 * t + np.arange(6)), np.cos(2 * t * np.arange(1, 7))], axis=1).astype(np.float32) * 3
    log_var = np.full_like(mu, -2.0)
    assert not detect_changes(mu, log_var, 24).flags.any()
    mu[400:] += 4.0
    assert detect_changes(mu, log_var, 24).changes.tolist() == [399]


def test_a_flash_that_comes_back_is_no_change():
    mu, log_var = shots_latents([200])
    mu[100:104] += 5.0  # four frames away, then back to the same shot
    assert not detect_changes(mu, log_var, 24).flags.any()


def test_a_dissolve_is_one_change_inside_its_span():
    a, b = shots_latents([100])[0][:1], shots_latents([100], seed=1)[0][:1]
    weights = np.concatenate([np.zeros(100), np.linspace(0, 1, 24), np.ones(100)])[:, None]
    rng = np.random.default_rng(2)
    mu = ((1 - weights) * a + weights * b + rng.normal(0, 0.01, (224, a.shape[1]))).astype(np.float32)
    found = detect_changes(mu, np.full_like(mu, -2.0), 24).changes
    assert len(found) == 1 and 98 <= found[0] <= 124


def test_threshold_changes_what_is_flagged_as_its_help_says():
    mu, log_var = shots_latents([50] * 12, seed=3)
    counts = [int(detect_changes(mu, log_var, 24, config=SelectionConfig(threshold=t)).flags.sum()) for t in (0.05, 1.0, 1000.0)]
    assert counts[0] > counts[1] > counts[2] == 0
    assert counts[1] == 11
    loose, strict = (detect_changes(mu, log_var, 24, config=SelectionConfig(threshold=t)) for t in (0.5, 2.0))
    assert set(strict.changes) <= set(loose.changes)


def test_the_changes_are_the_head_of_the_event_ranking():
    mu, log_var = shots_latents([40, 30, 50, 20, 60], seed=4)
    result = detect_changes(mu, log_var, 24)
    k = int(result.flags.sum())
    assert sorted(result.events[:k].tolist()) == result.changes.tolist()
    assert np.all(result.confidence[:k] >= 0) and np.all(result.confidence[k:] < 0)
    assert np.all(np.diff(result.confidence) <= 0)
    ranking = rank_events_first(pair_kl_scores(mu, log_var), result.events)
    assert ranking[:len(result.events)].tolist() == result.events.tolist()
    assert sorted(ranking.tolist()) == list(range(len(mu) - 1))


@pytest.mark.slow
def test_generated_burst_of_cuts_four_to_six_frames_apart_is_found():
    clip = generate_clip(720, seed=7, pacing="fast")
    cuts = np.array([t["label"] for t in clip.transitions if t["kind"] == "cut"])
    gaps = np.diff(cuts)
    assert np.sum(gaps <= 6) >= 5, "the clip must hold a burst of short shots"
    mu, log_var = thumbnail_latents(clip.frames)
    found = detect_changes(mu, log_var, clip.fps, pictures=picture_features(chw(clip.frames))).changes
    in_burst = cuts[np.r_[gaps <= 6, False] | np.r_[False, gaps <= 6]]
    recall = match_with_tolerance(found, in_burst, tolerance=1)["recall"]
    assert recall >= 0.9, f"burst cuts {in_burst.tolist()}, found {found.tolist()}"


def test_generated_single_long_pan_reports_no_change():
    clip = generate_clip(480, seed=5, pacing="slow")
    assert clip.change_pairs.size == 0 and len(clip.shots) == 1
    assert clip.shots[0]["camera"] in ("slow_pan", "slow_tilt", "slow_zoom")
    mu, log_var = thumbnail_latents(clip.frames)
    assert not detect_changes(mu, log_var, clip.fps, pictures=picture_features(chw(clip.frames))).flags.any()


@pytest.mark.slow
def test_a_fight_drawn_on_twos_or_threes_inside_one_long_shot_is_not_a_change_per_drawing():
    stretches = flagged = 0
    for seed in (2, 5):  # of seeds 0-5, the two long shots that hold a stretch of action
        clip = generate_clip(480, seed=seed, pacing="slow", action=True)
        action = [t for t in clip.non_changes if t["kind"] == "action"]
        assert clip.change_pairs.size == 0 and len(action) == 1
        mu, log_var = thumbnail_latents(clip.frames)
        found = detect_changes(mu, log_var, clip.fps, pictures=picture_features(chw(clip.frames))).changes
        t = action[0]
        stretches += 1
        flagged += int(np.sum((found >= t["start"] - 2) & (found <= t["end"] + 2)))
    assert flagged <= stretches, f"{flagged} changes flagged inside {stretches} stretches of action"


@pytest.mark.slow
def test_animation_held_on_fours_is_read_by_its_drawings():
    # generated clips of action with every frame held four frames (never across a change): each
    # step of a drawing is then an isolated jump between still frames, as a cut is. In each of
    # seeds 0-5 the hold is read, and reading the film by its drawings leaves fewer false alarms
    # than reading it frame by frame (a quarter of them in all)
    from benchmarks.held import held_frames
    by_drawings = frame_by_frame = 0
    for seed in range(6):
        clip = generate_clip(480, seed=seed, action=True)
        mu, log_var = thumbnail_latents(clip.frames)  # drawn on ones, it is read as it always was
        assert drawing_hold(pair_kl_scores(mu, log_var), typical_distance(mu, log_var, clip.fps)) == 1
        frames = clip.frames[held_frames(len(clip.frames), 4, clip.change_pairs)]
        mu, log_var = thumbnail_latents(frames)
        pictures = picture_features(chw(frames))
        assert drawing_hold(pair_kl_scores(mu, log_var), typical_distance(mu, log_var, clip.fps)) == 4, seed
        found = detect_changes(mu, log_var, clip.fps, pictures=pictures).changes
        # read frame by frame (no hold stage), where a step within one drawing asks no more than any cut
        unheld = detect_changes(mu, log_var, clip.fps, pictures=pictures, config=SelectionConfig(
            off=("hold", "local_hold"), same_drawing_magnitude=0.03)).changes
        alarms = [len(changes) - match_events(changes, np.stack([clip.change_pairs] * 2, axis=1), 2)
                  for changes in (found, unheld)]
        assert alarms[0] < alarms[1], (seed, found, unheld, clip.change_pairs)
        by_drawings, frame_by_frame = by_drawings + alarms[0], frame_by_frame + alarms[1]
    assert by_drawings <= frame_by_frame / 4, (by_drawings, frame_by_frame)


@pytest.mark.slow
def test_a_long_take_held_on_fours_moves_in_steps_that_are_no_changes():
    # one long take each (a pan, a zoom), every frame held four: in a film of one shot the typical
    # distance is the shot's own variety, so each step of the drawing is a large share of it, as
    # a change of place would be; but its two pictures are one drawing, moved
    from benchmarks.held import held_frames
    for seed in (1, 11):
        clip = generate_clip(480, seed=seed, pacing="slow")
        assert clip.change_pairs.size == 0
        frames = clip.frames[held_frames(len(clip.frames), 4, [])]
        mu, log_var = thumbnail_latents(frames)
        pictures = picture_features(chw(frames))
        near, typical = pair_kl_scores(mu, log_var), typical_distance(mu, log_var, clip.fps)
        large = near >= HELD_MAGNITUDE * typical
        assert large.sum() >= 50 and not other_drawing(pictures)[large].any()
        assert drawing_hold(near, typical, np.where(other_drawing(pictures), HELD_MAGNITUDE, np.inf)) == 4
        assert detect_changes(mu, log_var, clip.fps, pictures=pictures).changes.size == 0, seed


@pytest.mark.slow
def test_a_cut_split_by_an_interlaced_frame_is_one_cut():
    # a telecined rip: the frame after each cut interleaves the lines of the shots on either
    # side, so each cut moves the latents in two halves, each beside the other; the bursts of
    # 4-6 frame shots of a fast edit then keep 3-5 clean frames
    for seed in (0, 5):
        clip = generate_clip(480, seed=seed, pacing="fast")
        cuts = np.array([p for p, t in zip(clip.change_pairs, clip.truth.transitions) if t["kind"] == "cut"])
        assert cuts.size >= 10
        as_drawn = detect_changes(*thumbnail_latents(clip.frames), clip.fps, pictures=picture_features(chw(clip.frames)))
        frames = clip.frames.copy()
        for j in cuts:
            frames[j + 1, ::2] = frames[j, ::2]  # even lines of the shot before, odd of the shot after
        mu, log_var = thumbnail_latents(frames)
        pictures = picture_features(chw(frames))
        found = detect_changes(mu, log_var, clip.fps, pictures=pictures).changes
        f1 = match_with_tolerance(found, clip.change_pairs, 2)["f1"]
        assert f1 >= match_with_tolerance(as_drawn.changes, clip.change_pairs, 2)["f1"] >= 0.8, (seed, found)
        # read pair by pair only, most of them are lost
        alone = detect_changes(mu, log_var, clip.fps, pictures=pictures,
                               config=SelectionConfig(off=("split_cut",))).changes
        assert match_with_tolerance(alone, cuts, 2)["recall"] <= 0.5, (seed, alone)


def test_still_shots_with_a_burst_of_cuts_are_not_taken_for_held_animation():
    # still shots cut 4 frames apart, cuts that keep the set (a twentieth of the typical
    # distance, under what a change of place moves): the cuts' gaps are no hold
    near = np.zeros(400)
    near[[100, 104, 108, 112, 300]] = 0.05
    assert drawing_hold(near, 1.0) == 1
    steps = np.zeros(400)
    steps[::4] = 0.01  # a drawing's step every fourth pair, nothing between
    assert drawing_hold(steps, 1.0) == 4
    steps[:300] = 0.0  # ... for only the last quarter of the film: still a hold
    assert drawing_hold(steps, 1.0) == 4
    steps[:396] = 0.0  # ... for its last four frames: too little to say
    assert drawing_hold(steps, 1.0) == 1
    steps[::4] = 0.5  # steps as large as a change of place: a hold only where they keep the drawing
    assert drawing_hold(steps, 1.0) == 1
    assert drawing_hold(steps, 1.0, np.full(400, np.inf)) == 4


def test_a_flash_between_two_shots_is_one_change():
    mu, log_var = shots_latents([100, 100], seed=5)
    detail = np.full(200, 20.0, dtype=np.float32)
    mu[98:104] = 8.0 + np.arange(6)[:, None]  # six frames of a flash between the two shots
    detail[98:104] = 0.5
    assert len(detect_changes(mu, log_var, 24).changes) >= 1
    pictures = Pictures(detail, np.zeros((200, 64), dtype=np.float16))
    found = detect_changes(mu, log_var, 24, pictures=pictures).changes
    assert len(found) == 1 and 96 <= found[0] <= 104


def drawing(seed: int, size: int = 64) -> np.ndarray:
    """A (3, size, size) uint8 picture of random dark strokes on a light ground."""
    rng = np.random.default_rng(seed)
    picture = np.full((3, size, size), 220, dtype=np.uint8)
    for _ in range(12):
        r, c, length = rng.integers(0, size - 16, 3)
        if rng.random() < 0.5:
            picture[:, r, c:c + 8 + length % 8] = 30
        else:
            picture[:, r:r + 8 + length % 8, c] = 30
    return picture


def frames_of(pictures: list) -> np.ndarray:
    return np.stack(pictures).astype(np.uint8)


def washed(picture: np.ndarray, alpha: float) -> np.ndarray:
    return (picture + alpha * (255.0 - picture)).astype(np.uint8)


def dimmed(picture: np.ndarray, share: float) -> np.ndarray:
    return (picture.astype(np.float32) * share).astype(np.uint8)


def test_a_fade_through_black_with_a_hold_is_one_change_where_a_dark_shot_between_cuts_is_two():
    # 6 frames fading out, 16 of black, 6 fading in: the finest scales see the fade-out and the
    # fade-in as two changes, 22 frames apart (beyond the flash reach of 8)
    a, b = drawing(7), drawing(8)
    fade = ([dimmed(a, 1 - (k + 1) / 6) for k in range(6)] + [dimmed(a, 0)] * 16
            + [dimmed(b, (k + 1) / 6) for k in range(6)])
    dark_shot = [dimmed(drawing(9), 0.1)] * 28
    runs = {}
    for name, middle in (("fade", fade), ("dark shot", dark_shot)):
        frames = frames_of([a] * 100 + middle + [b] * 100)
        mu, log_var = thumbnail_latents(frames.transpose(0, 2, 3, 1))
        mu = mu + np.random.default_rng(0).normal(0, 0.002, mu.shape).astype(np.float32)
        runs[name] = (mu, log_var, picture_features(frames))
    fade_changes = detect_changes(*runs["fade"][:2], 24, pictures=runs["fade"][2])
    found = fade_changes.changes.tolist()
    assert len(found) == 1 and 99 <= found[0] <= 127, found
    # the one change reaches over the whole fade, so the scene level compares the shots around it
    assert fade_changes.change_scales()[found[0]] >= 12
    assert detect_changes(*runs["dark shot"][:2], 24, pictures=runs["dark shot"][2]).changes.tolist() == [99, 127]
    # a valley that must not wiggle at all: the fade's two halves stay two changes
    strict = SelectionConfig(valley_noise=-1.0)
    assert len(detect_changes(*runs["fade"][:2], 24, pictures=runs["fade"][2], config=strict).changes) == 2



def test_a_long_fade_through_black_is_read_at_the_scale_of_its_dip():
    # 15 frames fading out, 8 of black, 15 fading in: 38 frames, between the spans of 33 and 65
    # frames of the scales h = 16 and 32, and the fade-in lies in the fade-out's after span
    a, b = drawing(7), drawing(8)
    fade = ([dimmed(a, 1 - (k + 1) / 15) for k in range(15)] + [dimmed(a, 0)] * 8
            + [dimmed(b, (k + 1) / 15) for k in range(15)])
    frames = frames_of([a] * 100 + fade + [b] * 100)
    mu, log_var = thumbnail_latents(frames.transpose(0, 2, 3, 1))
    mu = mu + np.random.default_rng(0).normal(0, 0.002, mu.shape).astype(np.float32)
    pictures = picture_features(frames)
    assert blank_valleys(pictures.detail, 48) == [(99, 137)]
    found = detect_changes(mu, log_var, 24, pictures=pictures).changes.tolist()
    assert len(found) == 1 and 99 <= found[0] <= 137, found
    off = SelectionConfig(off=("fade_through_black",))
    assert detect_changes(mu, log_var, 24, pictures=pictures, config=off).changes.tolist() == []

def test_a_dip_is_read_only_up_to_the_longest_transition():
    # a fall of 4 frames, a black hold and a rise of 4 frames: a dip while it fits in `longest`
    def dip(hold):
        return np.array([1.0] * 50 + [0.8, 0.6, 0.4, 0.2] + [0.0] * hold + [0.2, 0.4, 0.6, 0.8] + [1.0] * 50)
    assert blank_valleys(dip(10), 19) == [(49, 68)]
    assert blank_valleys(dip(10), 18) == []
    # a black stretch far longer than any transition is no dip, wherever it is read from
    assert blank_valleys(dip(5000), 48) == []


def test_same_drawing_holds_through_a_flash_not_across_a_cut():
    a, b = drawing(1), drawing(2)
    shifted = np.roll(a, 1, axis=2)
    pictures = picture_features(frames_of([a, washed(a, 0.6), shifted, b]))
    assert same_drawing(pictures, np.array([1]), 0, 0.7) and same_drawing(pictures, np.array([2]), 0, 0.7)
    assert not same_drawing(pictures, np.array([3]), 0, 0.7)


def test_a_short_shot_in_a_burst_is_two_changes_where_a_flash_is_none():
    """Shot C, then A, 4 frames of B or of A washed out, A again, then shot D: in the latents
    both inserts jump away and come back; the pictures tell another drawing from a flash."""
    a, b, c, d = drawing(3), drawing(4), drawing(5), drawing(6)
    for inserted, expected in ((b, [59, 99, 103, 143]), (washed(a, 0.6), [59, 143])):
        frames = frames_of([c] * 60 + [a] * 40 + [inserted] * 4 + [a] * 40 + [d] * 60)
        mu, log_var = thumbnail_latents(frames.transpose(0, 2, 3, 1))
        mu = mu + np.random.default_rng(0).normal(0, 0.002, mu.shape).astype(np.float32)
        found = detect_changes(mu, log_var, 24, pictures=picture_features(frames)).changes
        assert len(found) == len(expected), found.tolist()
        assert match_with_tolerance(found, np.array(expected), tolerance=1)["recall"] == 1.0, found.tolist()


def test_picture_detail_tells_white_from_a_drawing():
    frames = np.zeros((2, 3, 16, 16), dtype=np.uint8)
    frames[0] = 255
    frames[1, :, :, ::2] = 200
    detail = picture_features(frames).detail
    assert detail[0] == 0 and detail[1] > 50


def test_typical_distance_is_the_distance_between_places_however_many_cuts_join_them():
    """Sixteen still places, each visited once in shots of 50 frames (15 cuts) or ten times in
    shots of 5 frames (159 cuts): the typical distance is the places' own median distance in
    both films (within 10% in 20 seeds of this film), not a share of the cuts."""
    rng = np.random.default_rng(0)
    places = rng.normal(0, 1, (16, 6))
    log_var = -2.0

    def film(order, length):
        mu = np.concatenate([places[p] + rng.normal(0, 0.02, (length, 6)) for p in order]).astype(np.float32)
        return mu, np.full_like(mu, log_var)

    few = typical_distance(*film(rng.permutation(16), 50), 24)
    many = typical_distance(*film(np.concatenate([rng.permutation(16) for _ in range(10)]), 5), 24)
    # the KL averaged over dimensions between two places of one spread: half their mean squared distance over it
    between = np.median([0.5 * np.mean((places[i] - places[j]) ** 2) / np.exp(log_var)
                         for i in range(16) for j in range(16) if i != j])
    assert 0.8 < many / few < 1.2, (few, many)
    assert 0.8 < few / between < 1.2 and 0.8 < many / between < 1.2, (few, many, between)


def test_half_widths_fit_the_longest_transition():
    assert transition_half_widths(24, 2.0) == [1, 2, 4, 8, 16]
    assert transition_half_widths(24, 0.0) == []


def test_a_small_jump_between_two_drawings_is_a_cut_but_not_within_one():
    # a still shot, then a jump of the latents far below MAGNITUDE x the film's variety (as a cut
    # to another character in front of the same background moves them): a cut where the
    # pictures either side are two different drawings, nothing where the drawing stays (a
    # subtitle appearing)
    mu, log_var = shots_latents([120, 120, 120], motion=0.0005, seed=3)
    mu[120:240] = mu[0:120] + 0.02              # the second "shot": the first one, barely moved
    a, b, c = drawing(1), drawing(2), drawing(3)
    other = picture_features(frames_of([a] * 120 + [b] * 120 + [c] * 120))
    same = picture_features(frames_of([a] * 240 + [c] * 120))
    assert 119 in detect_changes(mu, log_var, 24, pictures=other).changes.tolist()
    assert 119 not in detect_changes(mu, log_var, 24, pictures=same).changes.tolist()
    assert 239 in detect_changes(mu, log_var, 24, pictures=same).changes.tolist()   # the real cut stays
    assert other_drawing(other)[119] and not other_drawing(same)[119] and not other_drawing(other)[50]


def test_each_change_knows_the_scale_it_was_found_at():
    lengths = [60, 60, 60]
    mu, log_var = shots_latents(lengths)
    found = detect_changes(mu, log_var, 24)
    scales = found.change_scales()
    assert sorted(scales) == found.changes.tolist() and all(h == 0 for h in scales.values())  # cuts: scale 0


def test_a_cut_to_another_character_on_one_set_is_seen_in_the_layout_but_a_subtitle_is_not():
    # latents that barely move at either event (as the model's do for a character swapped in
    # front of an unchanged set), then three other places; a drawn set whose character changes
    # colour at frame 120 (upper half of the frame), whose subtitle appears at frame 240 (bottom
    # quarter), then other drawings from frame 360
    mu, log_var = shots_latents([120] * 6, motion=0.0005, seed=3)
    mu[120:240] = mu[0:120] + 0.02
    mu[240:360] = mu[120:240] + 0.02
    set_drawing = drawing(7)
    red, blue = set_drawing.copy(), set_drawing.copy()
    red[:, 12:36, 20:44] = np.array([200, 40, 40], dtype=np.uint8)[:, None, None]
    blue[:, 12:36, 20:44] = np.array([40, 60, 200], dtype=np.uint8)[:, None, None]
    subtitled = blue.copy()
    subtitled[:, 53:60, 10:54] = 20
    subtitled[:, 55:58, 12:52] = 255
    places = [drawing(8)] * 120 + [drawing(9)] * 120 + [drawing(10)] * 120
    pictures = picture_features(frames_of([red] * 120 + [blue] * 120 + [subtitled] * 120 + places))
    assert not other_drawing(pictures)[119]       # the edges alone do not see this cut
    assert pictures.layout().shape == (720, 3 * 6 * 8)
    assert detect_changes(mu, log_var, 24, pictures=pictures).changes.tolist() == [119, 359, 479, 599]
    without = Pictures(pictures.detail, pictures.edges, pictures.colours)
    assert detect_changes(mu, log_var, 24, pictures=without).changes.tolist() == [359, 479, 599]


def test_thumbnails_are_the_mean_colour_of_each_cell_even_of_tiny_frames():
    frames = np.zeros((2, 3, 64, 64), dtype=np.uint8)
    frames[1, 0, :8, :8] = 255
    thumbnails = picture_features(frames).thumbnails
    assert thumbnails.shape == (2, 3, 8, 8) and thumbnails[1, 0, 0, 0] == 255 and thumbnails[1].sum() == 255
    tiny = picture_features(np.full((3, 3, 4, 4), 7, dtype=np.uint8))
    assert tiny.thumbnails.shape == (3, 3, 8, 8) and (tiny.thumbnails == 7).all()


def test_a_subtitle_that_moves_the_latents_is_no_change_when_the_picture_above_it_stays():
    # a still shot whose subtitle appears at frame 120 moves the latents as far as a small cut
    # (a tenth of the film's typical distance); the thumbnails above the subtitle band stay
    mu, log_var = shots_latents([120, 120, 120, 120, 120], motion=0.0005, seed=4)
    mu[120:240] = mu[0:120] + 1.0
    still = drawing(11)
    subtitled = still.copy()
    subtitled[:, 53:60, 10:54] = 20
    subtitled[:, 55:58, 12:52] = 255
    frames = frames_of([still] * 120 + [subtitled] * 120 + [drawing(12)] * 120 + [drawing(13)] * 120
                       + [drawing(14)] * 120)
    pictures = picture_features(frames)
    typical = typical_distance(mu, log_var, 24)
    assert pair_kl_scores(mu, log_var)[119] > 0.1 * typical
    without = Pictures(pictures.detail, pictures.edges, pictures.colours)
    assert 119 in detect_changes(mu, log_var, 24, pictures=without).changes.tolist()
    found = detect_changes(mu, log_var, 24, pictures=pictures)
    assert found.changes.tolist() == [239, 359, 479]
    assert found.events[3] == 119   # the strongest of the rest, not the film's first pair


def popping_up(picture: np.ndarray, opening: int = 6, filling: int = 8) -> list:
    """Frames of a panel popping up over `picture`: a framed box grows from its centre, then a
    small picture fades in inside it (an info box, a picture-in-picture), and stays."""
    frames = []
    inside = painted(30, (60, 30, 120))[:, 10:30, 8:28].astype(np.float32)
    for k in range(opening + filling + 1):
        frame = picture.astype(np.float32)
        grown = min(1.0, (k + 1) / opening)
        half_h, half_w = max(1, int(11 * grown)), max(1, int(11 * grown))
        frame[:, 20 - half_h:20 + half_h, 18 - half_w:18 + half_w] = [[[240]], [[200]], [[60]]]
        frame[:, 21 - half_h:19 + half_h, 19 - half_w:17 + half_w] = 25
        shown = min(1.0, max(0.0, (k + 1 - opening) / filling))
        if shown > 0:
            box = frame[:, 10:30, 8:28]
            frame[:, 10:30, 8:28] = box + (inside - box) * shown
        frames.append(frame.astype(np.uint8))
    return frames


def test_a_panel_popping_up_in_one_part_of_the_frame_is_no_change_where_a_dissolve_is_one():
    # one place, where a panel pops up at frame 60 (a local change over 15 frames that moves the
    # latents far), then a 16-frame dissolve to another place (a change of the whole picture),
    # then a cut; the thumbnails serve as latents, as in the tests above
    place, other, last = painted(40, (200, 220, 240)), painted(41, (90, 60, 40)), painted(42, (40, 120, 60))
    panel = popping_up(place)
    dissolve = [(place + (other.astype(np.float32) - place) * (k + 1) / 17).astype(np.uint8) for k in range(16)]
    frames = np.stack([place] * 60 + panel + [panel[-1]] * (150 - 60 - len(panel)) + dissolve
                      + [other] * 150 + [last] * 100)
    mu, log_var = thumbnail_latents(frames.transpose(0, 2, 3, 1))
    pictures = picture_features(frames)
    typical = typical_distance(mu, log_var, 24)
    assert pair_kl_scores(mu, log_var, 15)[58] > 0.05 * typical    # the panel moves the latents far
    found = detect_changes(mu, log_var, 24, pictures=pictures).changes.tolist()
    assert len(found) == 2 and 149 <= found[0] <= 165 and found[1] == 315
    # two stages each take the panel out: layout_spread (it changes a few cells of the layout) and
    # one_picture (the frames after it keep the lines and colours of those before)
    for off in (("layout_spread",), ("one_picture",)):
        assert detect_changes(mu, log_var, 24, pictures=pictures, config=SelectionConfig(off=off)).changes.tolist() \
            == found
    found = detect_changes(mu, log_var, 24, pictures=pictures,
                           config=SelectionConfig(off=("layout_spread", "one_picture"))).changes.tolist()
    assert len(found) == 3 and 58 <= found[0] <= 76


def painted(seed: int, ground) -> np.ndarray:
    """drawing(seed) on a ground of another colour."""
    picture = drawing(seed)
    light = picture == 220
    return np.where(light, np.asarray(ground, dtype=np.uint8)[:, None, None], picture).astype(np.uint8)


def test_pictures_of_another_film_are_refused():
    mu, log_var = shots_latents([60, 60])
    pictures = picture_features(frames_of([drawing(1)] * 100))
    with pytest.raises(ValueError, match="pictures of 100 frames"):
        detect_changes(mu, log_var, 24, pictures=pictures)


def panorama(seed: int, width: int = 256) -> np.ndarray:
    """A (3, 64, width) uint8 set wider than the frame: bands of colour with dark strokes."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(60, 230, (width // 32, 3))
    picture = np.repeat(colours.T[:, None, :], 32, axis=2).repeat(64, axis=1).astype(np.uint8)
    for _ in range(width // 4):
        r, c, length = rng.integers(0, 56, 1)[0], rng.integers(0, width - 16, 1)[0], rng.integers(4, 16)
        picture[:, r, c:c + length] = 20
    return picture


def test_a_fast_pan_across_one_set_is_no_change_where_a_dissolve_is_one():
    # a still view of a wide set, a pan across 60% of the frame in 10 frames (4 pixels of 64 a
    # frame), a still view again, then a 16-frame dissolve to another place and a cut to a third
    wide, other, last = panorama(50), painted(51, (90, 60, 40)), painted(52, (40, 120, 60))
    views = [wide[:, :, x:x + 64] for x in range(0, 41, 4)]
    dissolve = [(views[-1] + (other.astype(np.float32) - views[-1]) * (k + 1) / 17).astype(np.uint8)
                for k in range(16)]
    frames = np.stack([views[0]] * 100 + views[1:-1] + [views[-1]] * 100 + dissolve + [other] * 100
                      + [last] * 100)
    mu, log_var = thumbnail_latents(frames.transpose(0, 2, 3, 1))
    pictures = picture_features(frames)
    pan_end = 100 + len(views) - 2
    assert pair_kl_scores(mu, log_var, 10)[99] > 0.2 * typical_distance(mu, log_var, 24)  # the pan moves far
    found = detect_changes(mu, log_var, 24, pictures=pictures).changes.tolist()
    dissolve_end = pan_end + 100 + 16
    assert len(found) == 2 and dissolve_end - 18 <= found[0] <= dissolve_end and found[1] == dissolve_end + 99
    found = detect_changes(mu, log_var, 24, pictures=pictures,
                           config=SelectionConfig(off=("camera_move",))).changes.tolist()
    assert len(found) == 3 and 96 <= found[0] <= pan_end + 2


def dim(seed: int, darkest: int, brightest: int) -> np.ndarray:
    """A (32, 32) grey drawing (conftest's scenery) squeezed into a band of greys."""
    picture = scenery(seed, 32).astype(np.float32)
    span = picture.max() - picture.min()
    return (darkest + (picture - picture.min()) / span * (brightest - darkest)).astype(np.uint8)


def test_a_slide_between_two_dark_shots_is_judged_over_its_whole_length():
    # two dark drawings (a night road, a night sky) among bright shots; over 30 frames the second
    # comes in from the top over the first, which drifts down by 35% of that way
    old, new = dim(5, 20, 60), dim(6, 20, 60)
    slide = []
    for k in range(1, 31):
        covered, drifted = round(k / 30 * 32), round(0.35 * k / 30 * 32)
        frame = np.empty_like(old)
        frame[covered:], frame[:covered] = old[covered - drifted:32 - drifted], new[32 - covered:]
        slide.append(frame)
    grey = np.stack([dim(7, 120, 250)] * 100 + [old] * 100 + slide + [new] * 100 + [dim(8, 120, 250)] * 100)
    def judged(config):
        # a candidate whose span (frames 203-220) holds only the first two thirds of the slide
        candidate = Candidate(211, 8, 203, 220, "span", 1.0, 1.0)
        CameraTest(grey, 24, config)([candidate], np.zeros(len(grey), dtype=bool))
        return candidate
    assert judged(SelectionConfig()).confidence > 0  # the slide, read a few frames further each way
    alone = judged(SelectionConfig(camera_reach=0.0))
    assert alone.confidence < 0 and alone.stage == "camera_move"  # the old picture drifting explains it
    no_change = np.zeros(len(grey), dtype=bool)
    # the span is never grown across a change found at a finer scale
    stops = no_change.copy()
    stops[[202, 220]] = True
    assert grown(203, 220, 8, stops) == (203, 220)
    assert grown(203, 220, 8, no_change) == (195, 228) and grown(3, 220, 8, no_change)[0] == 0


def test_a_frame_that_mixes_its_neighbours_is_told_from_one_caught_moving():
    shot_a, shot_b = np.zeros((8, 8, 3), np.uint8), np.full((8, 8, 3), 200, np.uint8)
    shot_b[2:5, 2:5] = 40
    moving = [np.zeros((8, 8, 3), np.uint8) for _ in range(3)]
    for k, frame in enumerate(moving):  # a square crossing the frame
        frame[3:5, 2 * k + 1:2 * k + 3] = 255
    thumbnails = np.stack([shot_a, (shot_a // 2 + shot_b // 2), shot_b] + moving).transpose(0, 3, 1, 2)
    mixed = mixed_between(thumbnails)
    assert mixed[0] < 0.01 and mixed[3] >= 0.25  # the blend of a cut; the square half way


def test_one_mixed_frame_is_a_cut_s_mix_alone_not_a_move_eased_through_three_frames():
    shot_a, shot_b = np.zeros((3, 8, 8), np.float32), np.full((3, 8, 8), 200, np.float32)
    shot_b[:, 2:5, 2:5] = 40

    def through(weights):  # each frame a blend of the two pictures, by weight
        return np.stack([shot_a + (shot_b - shot_a) * w for w in weights]).astype(np.uint8)

    # (entry k is frame k + 1; a still frame mixes its like neighbours trivially, and is no step)
    cut = one_mixed_frame(through([0, 0, 0, 0.5, 1, 1, 1]))  # an interlaced or blended frame
    assert cut[1:4].tolist() == [False, True, False]
    # eased over three frames, the middle one mixes its neighbours as well, but so nearly do they
    # (0.09 of their difference): a blurred move, no cut
    assert not one_mixed_frame(through([0, 0, 0.1, 0.5, 0.9, 1, 1]))[1:4].any()
    assert not one_mixed_frame(through(np.linspace(0, 1, 7))).any()  # a dissolve
