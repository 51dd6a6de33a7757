"""inference.py --export: the EDL, the OpenTimelineIO timeline and the clips, read back with the
libraries editors use (opentimelineio, PyAV)."""

import json
import os
import re
from fractions import Fraction

import av
import numpy as np
import opentimelineio as otio
import pytest

import inference
import main
import pure_test
from conftest import CODEC, TINY, detect, encode_video, one_error_line, shared_data_path, train_briefly, write_frames
from detection.export import check_export, export_scene_lists
from scenes.lists import scene_list
from utils.errors import UserError
from utils.export import MAX_EDL_RATE, edl_text, frames_timecode, read_edl_events
from utils.run_folder import remove_results

def film_with_sound(path, frames=60, rate=24, boundaries=(20, 45), size=(48, 32)):
    """A small film whose colour changes at `boundaries` (first frames of new shots), with a tone
    whose pitch changes with it; returns its path."""
    width, height = size
    colours = [(30, 60, 200), (200, 50, 40), (40, 180, 60), (220, 220, 40)]
    with av.open(str(path), "w") as container:
        video = container.add_stream(CODEC, rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = container.add_stream("aac", rate=44100, layout="mono")
        shot, samples = 0, 0
        per_frame = 44100 // rate
        for index in range(frames):
            shot += index in boundaries
            picture = np.zeros((height, width, 3), dtype=np.uint8)
            picture[:] = colours[shot % len(colours)]
            picture[4:12, index % (width - 8):index % (width - 8) + 8] = 255
            for packet in video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
            tone = 0.3 * np.sin(2 * np.pi * (220 * (shot + 1)) * (samples + np.arange(per_frame)) / 44100)
            sound = av.AudioFrame.from_ndarray(tone.astype(np.float32)[None, :], format="fltp", layout="mono")
            sound.sample_rate, sound.pts = 44100, samples
            samples += per_frame
            for packet in audio.encode(sound):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                container.mux(packet)
    return str(path)


def shots_of(boundaries, frames, rate):
    flags = np.zeros(frames - 1, dtype=bool)
    flags[np.asarray(boundaries, dtype=np.int64) - 1] = True
    index = np.arange(frames)
    return scene_list(flags, index, index / rate, rate, frames, frames / rate)


def clip_frames(path):
    with av.open(path) as container:
        return sum(1 for _ in container.decode(video=0))


def clip_audio_seconds(path):
    with av.open(path) as container:
        if not container.streams.audio:
            return None
        return sum(frame.samples for frame in container.decode(audio=0)) / container.streams.audio[0].sample_rate


def export(tmp_path, source, shots, rate, frames, kind="video", formats=("edl", "otio", "clips")):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    written = export_scene_lists(list(formats), shots, shots[:1] + shots[2:], lambda name: str(out / name), 3,
                                 source, rate, frames, kind)
    return out, written


def test_edl_otio_and_clips_of_a_film_with_sound(tmp_path):
    source = film_with_sound(tmp_path / "film.mp4")
    shots = shots_of([20, 45], 60, 24)
    out, _ = export(tmp_path, source, shots, 24.0, 60)

    events = read_edl_events(out / "scenes_3.edl")
    assert [e["event"] for e in events] == ["001", "002", "003"]
    assert [(e["source_in"], e["source_out"]) for e in events] == [
        ("00:00:00:00", "00:00:00:20"), ("00:00:00:20", "00:00:01:21"), ("00:00:01:21", "00:00:02:12")]
    assert events[-1]["record_out"] == frames_timecode(60, 24) == "00:00:02:12"
    text = (out / "scenes_3.edl").read_text()
    assert text.startswith("TITLE: ") and "FCM: NON-DROP FRAME" in text and "* FROM CLIP NAME: film.mp4" in text
    assert len(read_edl_events(out / "settings_3.edl")) == 2

    timeline = otio.adapters.read_from_file(str(out / "scenes_3.otio"))
    clips = list(timeline.find_clips())
    assert len(clips) == 3
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips] == \
        [(0, 20), (20, 25), (45, 15)]
    assert all(c.source_range.start_time.rate == 24 for c in clips)
    assert clips[0].media_reference.target_url.endswith("/film.mp4")
    assert timeline.duration().value == 60
    assert len(list(otio.adapters.read_from_file(str(out / "settings_3.otio")).find_clips())) == 2

    names = sorted(os.listdir(out / "clips_3"))
    assert names == ["shot_001.mp4", "shot_002.mp4", "shot_003.mp4"]
    counts = [clip_frames(str(out / "clips_3" / name)) for name in names]
    assert counts == [20, 25, 15]
    for name, count in zip(names, counts):  # each clip holds its shot's stretch of the sound
        assert clip_audio_seconds(str(out / "clips_3" / name)) == pytest.approx(count / 24, abs=0.06)
    with av.open(str(out / "clips_3" / "shot_002.mp4")) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert abs(first[20:, :, 0].mean() - 200) < 20 and first[20:, :, 2].mean() < 70  # the red shot


def test_clips_of_a_frame_folder_are_silent_and_hold_every_frame(tmp_path):
    frames = np.zeros((12, 24, 31, 3), dtype=np.uint8)  # an odd width: H.264 needs even sides
    frames[6:] = 255
    folder = write_frames(tmp_path / "frames", frames)
    out, _ = export(tmp_path, folder, shots_of([6], 12, 12), 12.0, 12, kind="folder", formats=("clips",))
    clips = sorted(os.listdir(out / "clips_3"))
    assert [clip_frames(str(out / "clips_3" / n)) for n in clips] == [6, 6]
    assert clip_audio_seconds(str(out / "clips_3" / clips[0])) is None
    assert not (out / "scenes_3.edl").exists() and not (out / "scenes_3.otio").exists()


@pytest.mark.slow
def test_inference_exports_into_its_result_set_and_overwrite_removes_them(tmp_path):
    source = film_with_sound(tmp_path / "film.mp4", frames=48, boundaries=(24,))
    run = tmp_path / "run"
    assert main.main(["--train_folder", source, "--output_folder", str(run), "--max_iters", "1", *TINY]) == 0
    assert inference.main(["--image_folder", source, "--model_folder", str(run), "--export", "edl", "otio",
                           "clips", *TINY]) == 0
    shots = json.loads((run / "scenes_0.json").read_text())["scenes"]
    assert len(read_edl_events(run / "scenes_0.edl")) == len(shots)
    assert len(list(otio.adapters.read_from_file(str(run / "settings_0.otio")).find_clips())) == \
        len(json.loads((run / "settings_0.json").read_text())["scenes"])
    clips = sorted(os.listdir(run / "clips_0"))
    assert len(clips) == len(shots)
    assert sum(clip_frames(str(run / "clips_0" / n)) for n in clips) == 48
    record = json.loads((run / "result_source_0.json").read_text())["files"]
    assert {"scenes_0.edl", "scenes_0.otio", "settings_0.edl", "settings_0.otio", f"clips_0/{clips[0]}"} <= set(record)
    # the set with its exports is whole: pure_test.py's checks of one run's set pass
    pure_test.check_result_set(str(run), 0)
    remove_results(str(run), [0])
    assert not any(name.startswith(("clips_0", "scenes_0", "settings_0")) for name in os.listdir(run))


@pytest.mark.slow
def test_cartoon_space_exports_one_event_clip_and_file_per_shot(tmp_path):
    source = shared_data_path("cartoon_space.mp4")
    truth = json.loads(open(shared_data_path("cartoon_space.labels.json")).read())
    frames, rate = int(truth["n_frames"]), float(truth["fps"])
    shots = shots_of([b["frame"] for b in truth["boundaries"]], frames, rate)
    out, _ = export(tmp_path, source, shots, rate, frames)
    assert len(read_edl_events(out / "scenes_3.edl")) == len(shots) == 5
    clips = list(otio.adapters.read_from_file(str(out / "scenes_3.otio")).find_clips())
    assert [int(c.source_range.start_time.value) for c in clips] == [s["start_frame"] for s in shots]
    names = sorted(os.listdir(out / "clips_3"))
    assert len(names) == len(shots)
    counts = [clip_frames(str(out / "clips_3" / name)) for name in names]
    assert counts == [s["length_frames"] for s in shots] and sum(counts) == frames == 1561
    assert clip_audio_seconds(str(out / "clips_3" / names[1])) == pytest.approx(counts[1] / rate, abs=0.05)


def timecode_frames(timecode, rate):
    """The frame number of a two-digit HH:MM:SS:FF timecode at `rate` (asserting its form)."""
    assert re.fullmatch(r"\d\d:\d\d:\d\d:\d\d", timecode), timecode
    hours, minutes, seconds, frames = map(int, timecode.split(":"))
    assert frames < rate, timecode
    return ((hours * 60 + minutes) * 60 + seconds) * rate + frames


@pytest.mark.parametrize("fps, rate", [(Fraction(24000, 1001), 24), (Fraction(30000, 1001), 30),
                                       (Fraction(60000, 1001), 60), (25, 25), (100, 100), (99.6, 100)])
def test_edl_timecodes_at_ntsc_and_fast_rates_give_each_frame_its_own(fps, rate):
    # NTSC rates count at the whole rate above them, non-drop frame, as editors count them; up to
    # 100 frames a second the frame field keeps its two digits (00 to 99)
    boundaries, frames = [37, 99, 250], 3700
    text = edl_text(shots_of(boundaries, frames, float(fps)), float(fps), "film.mp4", "film")
    events = [line.split() for line in text.splitlines() if line[:1].isdigit()]
    starts = [0, *boundaries]
    assert [timecode_frames(e[4], rate) for e in events] == starts
    assert [timecode_frames(e[5], rate) for e in events] == [*boundaries, frames]
    assert [timecode_frames(e[7], rate) for e in events] == [*boundaries, frames]  # laid end to end from 0
    assert all(len(line) == len(text.splitlines()[3]) for line in text.splitlines() if line[:1].isdigit())


@pytest.mark.parametrize("fps", [120.0, 119.88, 100.6, 240.0, 1000.0])
def test_an_edl_of_a_film_too_fast_for_its_timecodes_is_refused_naming_film_and_rate(fps):
    with pytest.raises(UserError) as refused:
        edl_text(shots_of([10], 20, fps), fps, "season/ep01.mp4", "ep01")
    message = str(refused.value)
    assert message.startswith("season/ep01.mp4: --export edl ") and f"{fps:g} frames per second" in message
    assert f"at most {MAX_EDL_RATE} frames a second" in message and "--export otio" in message
    assert "\n" not in message


def test_check_export_reads_the_rate_the_edl_would_count_at(tmp_path):
    fast = str(encode_video(tmp_path / "fast.mp4", np.zeros((4, 32, 32, 3), dtype=np.uint8), rate=120))
    with pytest.raises(UserError, match=r"^.*fast\.mp4: --export edl .* 120 frames per second"):
        check_export(["otio", "edl"], fast, "video", None)
    with pytest.raises(UserError, match="120 frames per second"):  # --fps samples it: frames stay the source's
        check_export(["edl"], fast, "video", 24.0)
    check_export(["otio", "clips"], fast, "video", None)  # any rate
    folder = write_frames(tmp_path / "frames", np.zeros((2, 16, 16, 3), dtype=np.uint8))
    check_export(["edl"], folder, "folder", None)  # 24 assumed
    check_export(["edl"], folder, "folder", 100.0)
    with pytest.raises(UserError, match="frames: --export edl .* 120 frames per second"):
        check_export(["edl"], folder, "folder", 120.0)


@pytest.mark.slow
def test_inference_refuses_an_edl_of_a_120_fps_film_before_any_work(two_scene_folder, tmp_path, capsys):
    assert train_briefly(two_scene_folder, tmp_path / "run") == 0
    fast = write_frames(tmp_path / "fast", np.zeros((4, 24, 32, 3), dtype=np.uint8))
    capsys.readouterr()
    assert detect(two_scene_folder, fast, "--fps", "120", "--export", "otio", "edl", "--model_folder",
                  str(tmp_path / "run"), "--results_folder", str(tmp_path / "results"), *TINY) == 2
    one_error_line(capsys.readouterr().err, f"error: {two_scene_folder}: --export edl cannot be written for a film "
                   "of 120 frames per second")
    assert not (tmp_path / "results").exists()
    # refused before the films were read: no cache was built for the second
    assert not any(name.startswith("fast-") for name in os.listdir(tmp_path / "cache"))


@pytest.mark.slow
def test_export_takes_only_known_formats(capsys):
    with pytest.raises(SystemExit) as stop:
        inference.main(["--export", "xml"])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: inference.py: ") and "--export" in error and "\n" not in error
