"""Tests for data/video.py: videos are generated here with PyAV, plus the real clips in
../shared/data when that folder exists."""

import json
import warnings
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import encode_video, shared_data_path

from data.video import (
    VIDEO_EXTENSIONS,
    VideoInfo,
    VideoDamagedWarning,
    VideoGapWarning,
    VideoJumpWarning,
    VideoStreamWarning,
    VideoTruncatedWarning,
    is_video_file,
    iter_video_frames,
    normalize_rotation,
    probe_video,
    rotate_chw,
    video_frame_count,
)
from data.cache import load_frames
from utils.errors import UserError

FPS = 24
N = 60
W, H = 96, 72
PALETTE = np.array(
    [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0], [255, 255, 0]],
    dtype=np.uint8,
)


# --------------------------------------------------------------------------------------------
# video generation


def solid_frames(n=N, w=W, h=H):
    return [np.broadcast_to(PALETTE[i % len(PALETTE)], (h, w, 3)).copy() for i in range(n)]


@pytest.fixture(scope="module")
def vids(tmp_path_factory):
    d = tmp_path_factory.mktemp("videos")
    v = {}
    v["main"] = encode_video(d / "colours.mp4", solid_frames())
    v["odd"] = encode_video(d / "odd.mp4", solid_frames(30, 101, 57), codec="mpeg4")
    quad = np.zeros((H, W, 3), np.uint8)
    quad[: H // 2, : W // 2] = [255, 0, 0]  # red top-left quadrant of the stored picture
    v["quad"] = quad
    if hasattr(av.video.stream.VideoStream, "set_display_rotation"):
        v["rot90"] = encode_video(d / "rot90.mp4", [quad] * 5, rotation=90)
        v["rot270"] = encode_video(d / "rot270.mp4", [quad] * 5, rotation=-90)
    v["vfr_pts"] = [0, 40, 80, 200, 240, 280, 600, 640, 680, 720, 760, 1000]
    v["vfr"] = encode_video(d / "vfr.mp4", solid_frames(len(v["vfr_pts"])), pts_ms=v["vfr_pts"])
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(N)]
    v["noise"] = encode_video(d / "noise.mp4", noise)
    v["noise_fs"] = encode_video(d / "noise_fs.mp4", noise, faststart=True)
    return v


# --------------------------------------------------------------------------------------------
# normal decoding


def test_is_video_file(tmp_path, vids):
    assert is_video_file(vids["main"])
    assert is_video_file(str(vids["main"]))
    upper = tmp_path / "CLIP.MKV"
    upper.write_bytes(b"x")
    assert is_video_file(upper)
    txt = tmp_path / "notes.txt"
    txt.write_text("x")
    assert not is_video_file(txt)
    assert not is_video_file(tmp_path / "missing.mp4")
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    assert not is_video_file(folder)
    assert ".gif" in VIDEO_EXTENSIONS and ".mp4" in VIDEO_EXTENSIONS


def test_probe(vids):
    info = probe_video(vids["main"])
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height) == (W, H)
    assert info.fps == pytest.approx(FPS)
    assert info.duration == pytest.approx(N / FPS, abs=0.1)
    assert info.frame_count_estimate == N
    assert info.rotation == 0
    assert info.codec in ("h264", "mpeg4")
    assert info.path == str(vids["main"])


def test_all_frames_indices_timestamps_shape(vids):
    with warnings.catch_warnings():
        warnings.simplefilter("error", VideoTruncatedWarning)
        out = list(iter_video_frames(vids["main"]))
    assert len(out) == N
    assert [i for _, i, _ in out] == list(range(N))
    ts = np.array([t for _, _, t in out])
    assert ts[0] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(ts) > 0)
    np.testing.assert_allclose(ts, np.arange(N) / FPS, atol=2e-3)
    for rgb, _, _ in out:
        assert rgb.shape == (3, 64, 64) and rgb.dtype == np.uint8
        assert rgb.flags["C_CONTIGUOUS"]
    assert video_frame_count(vids["main"]) == N


def test_colours_survive(vids):
    for rgb, i, _ in iter_video_frames(vids["main"], size=64):
        want = PALETTE[i % len(PALETTE)].astype(float)
        got = rgb.reshape(3, -1).mean(axis=1)
        assert np.abs(got - want).max() < 25, (i, got, want)
    # a red frame is mostly red
    rgb = next(iter_video_frames(vids["main"]))[0]
    assert rgb[0].mean() > 200 and rgb[1].mean() < 40 and rgb[2].mean() < 40


@pytest.mark.parametrize("size", [32, 17, 128])
def test_other_sizes(vids, size):
    out = list(iter_video_frames(vids["main"], size=size))
    assert len(out) == N
    assert all(rgb.shape == (3, size, size) and rgb.dtype == np.uint8 for rgb, _, _ in out)


def test_fps_sampling(vids):
    out = list(iter_video_frames(vids["main"], fps=8))
    idx = [i for _, i, _ in out]
    ts = np.array([t for _, _, t in out])
    assert abs(len(out) - N / 3) <= 1
    assert idx[0] == 0
    assert all(abs(d - 3) <= 1 for d in np.diff(idx))
    np.testing.assert_allclose(np.diff(ts), 1 / 8, atol=1 / FPS + 1e-3)
    # source_index keeps the full numbering: the same frames as in the unsampled run
    full = {i: rgb for rgb, i, _ in iter_video_frames(vids["main"])}
    for rgb, i, _ in out:
        assert np.array_equal(rgb, full[i])
    # a rate above the video's yields every frame
    assert len(list(iter_video_frames(vids["main"], fps=100))) == N


def test_bad_arguments(vids):
    with pytest.raises(ValueError):
        next(iter_video_frames(vids["main"], size=0))
    with pytest.raises(ValueError):
        next(iter_video_frames(vids["main"], fps=0))


def test_odd_size(vids):
    info = probe_video(vids["odd"])
    assert (info.width, info.height) == (101, 57)
    out = list(iter_video_frames(vids["odd"]))
    assert len(out) == 30 == video_frame_count(vids["odd"])
    for rgb, i, _ in out:
        assert rgb.shape == (3, 64, 64)
        want = PALETTE[i % len(PALETTE)].astype(float)
        assert np.abs(rgb.reshape(3, -1).mean(axis=1) - want).max() < 25


def test_progress_bar(vids, capsys):
    out = list(iter_video_frames(vids["main"], show_progress=True))
    assert len(out) == N
    err = capsys.readouterr().err
    assert "frame" in err and str(N) in err


def test_vfr_timestamps_and_sampling(vids):
    pts = vids["vfr_pts"]
    out = list(iter_video_frames(vids["vfr"]))
    assert [i for _, i, _ in out] == list(range(len(pts)))
    np.testing.assert_allclose([t for _, _, t in out], np.array(pts) / 1000, atol=2e-3)
    # first frame at or after each multiple of 0.2 s: 0.0, 0.2, 0.6 (covers 0.4), 1.0 (covers 0.8)
    sampled = list(iter_video_frames(vids["vfr"], fps=5))
    assert [i for _, i, _ in sampled] == [0, 3, 6, 11]
    np.testing.assert_allclose([t for _, _, t in sampled], [0.0, 0.2, 0.6, 1.0], atol=2e-3)


# --------------------------------------------------------------------------------------------
# rotation


def test_rotate_chw_helper():
    a = np.zeros((3, 4, 4), np.uint8)
    a[:, 0, 0] = 255  # top-left
    assert rotate_chw(a, 0) is a
    # counter-clockwise: top-left -> bottom-left
    assert rotate_chw(a, 90)[0, 3, 0] == 255
    assert rotate_chw(a, 180)[0, 3, 3] == 255
    assert rotate_chw(a, 270)[0, 0, 3] == 255
    assert rotate_chw(a, -90)[0, 0, 3] == 255
    assert rotate_chw(a, 90).flags["C_CONTIGUOUS"]
    assert [normalize_rotation(x) for x in (0, 90, -90, 180, -180, 270, 89, None)] == [
        0, 90, 270, 180, 180, 270, 90, 0]


def _red_quadrant(rgb):
    """Which quadrant (row, col) of a (3, S, S) frame is the red one."""
    s = rgb.shape[1] // 2
    r = rgb[0].astype(int) - rgb[1].astype(int)
    q = {(a, b): r[a * s:(a + 1) * s, b * s:(b + 1) * s].mean() for a in (0, 1) for b in (0, 1)}
    return max(q, key=q.get)


def test_rotated_video(vids):
    if "rot90" not in vids:
        pytest.skip("this PyAV cannot write a display matrix (rotate_chw is tested directly)")
    # unrotated picture has red top-left
    small_quad = next(iter_video_frames(vids["main"]))  # sanity of the helper on a plain video
    assert small_quad[0].shape == (3, 64, 64)

    info = probe_video(vids["rot90"])
    assert info.rotation == 90
    assert (info.width, info.height) == (H, W)  # display size is swapped
    frames = list(iter_video_frames(vids["rot90"]))
    assert len(frames) == 5
    assert _red_quadrant(frames[0][0]) == (1, 0)  # rotated 90 deg counter-clockwise

    info = probe_video(vids["rot270"])
    assert info.rotation == 270
    assert (info.width, info.height) == (H, W)
    assert _red_quadrant(next(iter_video_frames(vids["rot270"]))[0]) == (0, 1)


# --------------------------------------------------------------------------------------------
# errors


def _assert_user_error(path, fn):
    with pytest.raises(UserError) as e:
        fn(path)
    msg = str(e.value)
    assert Path(path).name in msg
    assert "\n" not in msg
    return msg


ALL_ENTRY_POINTS = [
    probe_video,
    video_frame_count,
    lambda p: list(iter_video_frames(p)),
]


@pytest.mark.parametrize("fn", ALL_ENTRY_POINTS)
def test_missing_file(tmp_path, fn):
    msg = _assert_user_error(tmp_path / "nope.mp4", fn)
    assert "not found" in msg


@pytest.mark.parametrize("fn", ALL_ENTRY_POINTS)
def test_text_file_renamed(tmp_path, fn):
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video, just some text\n" * 50)
    _assert_user_error(p, fn)


def test_empty_file_and_folder(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    _assert_user_error(p, probe_video)
    d = tmp_path / "clips.mp4"
    d.mkdir()
    _assert_user_error(d, lambda x: list(iter_video_frames(x)))


@pytest.mark.parametrize("fn", ALL_ENTRY_POINTS)
def test_audio_only(tmp_path, fn):
    p = tmp_path / "sine.m4a"
    with av.open(str(p), "w") as c:
        s = c.add_stream("aac", rate=44100, layout="mono")
        t = np.arange(22050) / 44100
        a = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        f = av.AudioFrame.from_ndarray(a, format="fltp", layout="mono")
        f.sample_rate, f.pts = 44100, 0
        for pk in s.encode(f):
            c.mux(pk)
        for pk in s.encode():
            c.mux(pk)
    msg = _assert_user_error(p, fn)
    assert "no video stream" in msg


@pytest.mark.parametrize("which", ["noise", "noise_fs"])
def test_truncated(vids, tmp_path, which):
    """Cut at half: a UserError naming the file, or fewer frames and one warning."""
    data = vids[which].read_bytes()
    p = tmp_path / f"cut_{which}.mp4"
    p.write_bytes(data[: len(data) // 2])
    for fn in ALL_ENTRY_POINTS:
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                result = fn(p)
        except UserError as e:
            assert p.name in str(e) and "\n" not in str(e)
            continue
        if isinstance(result, VideoInfo):
            continue  # probing only needs the first frame
        n = result if isinstance(result, int) else len(result)
        assert 0 < n < N
        msgs = [str(x.message) for x in w if issubclass(x.category, VideoTruncatedWarning)]
        assert len(msgs) == 1 and p.name in msgs[0] and str(n) in msgs[0]
        if isinstance(result, list):
            assert [i for _, i, _ in result] == list(range(n))


# --------------------------------------------------------------------------------------------
# real clips beside the repo


@pytest.mark.slow
@pytest.mark.parametrize("name,count", [("rick.mp4", 5301), ("cartoon_space.mp4", 1561)])
def test_real_clip_counts(name, count):
    p = shared_data_path(name)
    assert video_frame_count(p) == count
    n = 0
    last = -1
    with warnings.catch_warnings():
        warnings.simplefilter("error", VideoTruncatedWarning)
        for rgb, i, t in iter_video_frames(p, size=64):
            assert i == last + 1
            last = i
            n += 1
    assert rgb.shape == (3, 64, 64) and rgb.dtype == np.uint8
    assert n == count


def test_a_blu_ray_transport_stream_is_read_as_a_video(tmp_path):
    frames = [np.full((48, 64, 3), 40 * (k // 6), dtype=np.uint8) for k in range(12)]
    path = encode_video(tmp_path / "clip.m2ts", frames)
    assert is_video_file(path)
    cache = load_frames(str(path), str(tmp_path / "cache"), 16, show_progress=False)
    assert len(cache) == 12 and cache.frames[0].mean() < cache.frames[-1].mean()


def _write_streams(path, *streams):
    """A file with one video stream per (codec, pix_fmt, frames) in `streams`, muxed in turn."""
    with av.open(str(path), "w") as c:
        made = []
        for codec, pix_fmt, frames in streams:
            s = c.add_stream(codec, rate=FPS)
            s.height, s.width = frames[0].shape[:2]
            s.pix_fmt = pix_fmt
            made.append((s, frames))
        for s, frames in made:
            for a in frames:
                for pk in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")):
                    c.mux(pk)
            for pk in s.encode():
                c.mux(pk)
    return Path(path)


def test_the_film_is_read_not_cover_art_nor_a_smaller_stream(tmp_path):
    film = solid_frames(24)
    small = [np.zeros((24, 32, 3), np.uint8)] * 24
    cover = [np.full((64, 64, 3), 200, np.uint8)]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        path = _write_streams(tmp_path / "small_first.mkv", ("libx264", "yuv420p", small), ("libx264", "yuv420p", film))
        info = probe_video(path)
        assert (info.width, info.height) == (W, H) and video_frame_count(path) == 24
    streams = [str(w.message) for w in said if issubclass(w.category, VideoStreamWarning)]
    assert len(streams) == 1 and "reading stream 1, the largest (96x72)" in streams[0]
    path = _write_streams(tmp_path / "cover_first.mkv", ("mjpeg", "yuvj420p", cover), ("libx264", "yuv420p", film))
    assert (probe_video(path).width, video_frame_count(path)) == (W, 24)
    only = _write_streams(tmp_path / "only_cover.mkv", ("mjpeg", "yuvj420p", cover))
    with pytest.raises(UserError, match="only a still picture"):
        probe_video(only)


def test_a_stretch_with_no_frame_is_said(tmp_path):
    pts = [40 * k for k in range(12)] + [3000 + 40 * k for k in range(12)]  # 2.5 s with nothing
    path = encode_video(tmp_path / "skipped.mkv", solid_frames(24), pts_ms=pts)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = list(iter_video_frames(path))
        list(iter_video_frames(encode_video(tmp_path / "steady.mkv", solid_frames(24))))
    assert [i for _, i, _ in out] == list(range(24)) and abs(out[12][2] - 3.0) < 0.01
    gaps = [str(w.message) for w in said if issubclass(w.category, VideoGapWarning)]
    assert len(gaps) == 1 and "no frame from 0.4" in gaps[0] and "to 3.00 s" in gaps[0]


def _noise_film(path, count, gop):
    """`count` frames of 32x32 noise in H.264 with a key frame every `gop` frames."""
    rng = np.random.default_rng(3)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS, options={"g": str(gop), "crf": "20"})
        s.width = s.height = 32
        s.pix_fmt = "yuv420p"
        for _ in range(count):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), format="rgb24")
            for pk in s.encode(frame):
                c.mux(pk)
        for pk in s.encode():
            c.mux(pk)
    return Path(path)


@pytest.mark.skipif("libx264" not in av.codecs_available, reason="needs the libx264 encoder")
def test_damaged_packets_in_the_middle_are_skipped_not_the_rest_of_the_film(tmp_path):
    """Three packets whose data the decoder refuses ended the film there (18 frames of 96, 'the file
    looks truncated'); FFmpeg and players skip them and decode on from the next key frame. The
    decoder gives two frames after them out of order: a slip, not a new clock (no VideoJumpWarning)."""
    whole = _noise_film(tmp_path / "whole.mp4", 96, gop=12)
    with av.open(str(whole)) as c:
        spots = [packet.pos for packet in c.demux(video=0) if packet.size]
    data = bytearray(whole.read_bytes())
    for pos in spots[20:23]:
        data[pos:pos + 4] = b"\xff\xff\xff\xff"  # a NAL length past the packet's end
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    said = []
    for _ in range(2):  # the first run decodes, the second reads the cache
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cache = load_frames(str(damaged), cache_dir=str(tmp_path / "cache"), size=8, show_progress=False)
        said.append([(w.category, str(w.message)) for w in caught])
    assert 80 < len(cache) < 96 and cache.source_index.tolist() == list(range(len(cache)))
    assert len(said[0]) == 1 and said[1] == said[0]
    category, message = said[0][0]
    assert category is VideoDamagedWarning and issubclass(category, VideoGapWarning)
    assert "damaged.mp4: 3 damaged packets of the video could not be decoded, the first at 0.92 s" in message
    meta_path = Path(cache.folder) / "meta.json"  # as cached before packets were skipped: rebuilt
    meta = json.loads(meta_path.read_text())
    meta.pop("damaged")
    meta["truncated"] = "damaged.mp4: video stream broke off after 18 frames"
    meta_path.write_text(json.dumps(meta))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_frames(str(damaged), cache_dir=str(tmp_path / "cache"), size=8, show_progress=False)
    assert [(w.category, str(w.message)) for w in caught] == said[0]
    assert json.loads(meta_path.read_text())["damaged"] == message
    cut = tmp_path / "cut.mp4"  # damage up to the end is still a film that breaks off there
    data = bytearray(whole.read_bytes())
    for pos in spots[60:]:
        data[pos:pos + 4] = b"\xff\xff\xff\xff"
    cut.write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        count = video_frame_count(cut)
    assert count < 70 and [w.category for w in caught] == [VideoTruncatedWarning]
    assert "broke off" in str(caught[0].message)


@pytest.mark.skipif("libx264" not in av.codecs_available, reason="needs the libx264 encoder")
def test_a_recording_begun_between_key_frames_is_said_as_a_lost_head_not_a_cut_tail(tmp_path):
    """A transport stream whose first packets need a key frame before them: the decoder starts at
    the next key frame, 1.5 s into the stream. That was said as 'ended at 2.0 s of the 3.6 s its
    header declares; the file looks truncated', of a file whose end is all there."""
    whole = _noise_film(tmp_path / "whole.ts", 96, gop=48)
    recording = tmp_path / "recording.ts"
    with av.open(str(whole)) as c, av.open(str(recording), "w") as out:
        stream = c.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for k, packet in enumerate(p for p in c.demux(stream) if p.size):
            if k >= 10:
                packet.stream = copy
                out.mux(packet)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = probe_video(recording)  # says nothing: the pass that reads the film says it once
        out = list(iter_video_frames(recording, size=8))
    assert info.width == 32 and 45 <= len(out) <= 50 and out[0][2] == 0.0
    assert [w.category for w in caught] == [VideoGapWarning]
    assert "recording.ts: no frame from 0.50 s, where the stream starts, to 2.04 s" in str(caught[0].message)


def test_films_joined_end_to_end_are_timed_on_not_back(tmp_path):
    """Two transport streams joined byte for byte (`cat a.ts b.ts`, as recordings and downloaded
    segments are joined): the second's clock starts again at 0. Its frames were timed back from
    5 s to 0 s, the scene list gave a scene of -2.5 seconds, and the file was said to be truncated
    ('ended at 1.7 s of the 5.0 s its header declares')."""
    first = encode_video(tmp_path / "a.ts", solid_frames(120)).read_bytes()
    second = encode_video(tmp_path / "b.ts", solid_frames(24)).read_bytes()
    joined = tmp_path / "joined.ts"
    joined.write_bytes(first + second)
    said = []
    for _ in range(2):  # the first run decodes, the second reads the cache
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cache = load_frames(str(joined), cache_dir=str(tmp_path / "cache"), size=8, show_progress=False)
        said.append([(w.category, str(w.message)) for w in caught])
    assert len(cache) == 144 and np.allclose(np.diff(cache.timestamps), 1 / FPS)
    assert abs(cache.end_time - 144 / FPS) < 1e-6
    assert len(said[0]) == 1 and said[1] == said[0]
    assert said[0][0][0] is VideoJumpWarning
    assert "joined.ts: frame 120 is timed at 0.08 s, not after the frame before it (5.04 s)" in said[0][0][1]
    still = encode_video(tmp_path / "still.mkv", solid_frames(12), pts_ms=[0] * 12)  # one time for all
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        times = [t for _, _, t in iter_video_frames(still, size=8)]
    assert np.all(np.diff(times) > 0) and [w.category for w in caught] == [VideoJumpWarning]

