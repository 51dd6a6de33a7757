"""The scene lists in the formats video editors read, and the film cut into one clip per shot.

`inference.py --export edl otio clips` (any of them) writes, for the checkpoint of epoch i:

* `scenes_<i>.edl`: a CMX 3600 edit decision list of the shots, one event per shot, the source's
  frames laid end to end on the record side, timecodes at the film's rate (non-drop frame,
  counted at the rate rounded to whole frames: 30 for 29.97); `settings_<i>.edl` the same for
  the scenes (changes of setting).
* `scenes_<i>.otio`: an OpenTimelineIO timeline (the `opentimelineio` library writes it) with one
  clip per shot on one video track, each referring to the source film with its exact frame
  range at the film's rate; `settings_<i>.otio` one clip per scene.
* `clips_<i>/shot_<n>.mp4`: the film cut into its shots on the source's own frames (every frame
  of shot n, re-encoded in H.264 through PyAV, no system FFmpeg needed), with the shot's
  stretch of the film's audio (AAC) where the film has audio. Frame folders give silent clips.

Frame numbers are the source's (0-based, the decoder's numbering), also when --fps sampled it.
"""

import os
from fractions import Fraction
from typing import Dict, Iterator, List, Optional

from utils.atomic import save_text, write_folder_with
from utils.errors import UserError
from utils.result_sets import result_name

EXPORT_FORMATS = ("edl", "otio", "clips")
CLIP_NAME = "shot_{n:03d}.mp4"
CLIP_CODEC, CLIP_OPTIONS = "libx264", {"preset": "veryfast", "crf": "18"}
AUDIO_CODEC = "aac"


def timecode_rate(fps: float) -> int:
    """The whole-frame rate timecodes count at: 24 for 23.976, 30 for 29.97, at least 1."""
    return max(1, int(round(fps)))


def frames_timecode(frame: int, rate: int) -> str:
    """HH:MM:SS:FF of frame number `frame` at `rate` whole frames per second (non-drop frame)."""
    seconds, frames = divmod(max(int(frame), 0), rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


def _spans(rows: List[Dict]) -> List[tuple]:
    """(start frame, frames) of each scene-list row (0-based, end inclusive)."""
    return [(int(r["start_frame"]), int(r["end_frame"]) - int(r["start_frame"]) + 1) for r in rows]


def edl_text(rows: List[Dict], fps: float, source: str, title: str) -> str:
    """CMX 3600 EDL of the rows of a scene list: one video cut event per row, source in/out at the
    row's frames, record in/out laid end to end from 00:00:00:00."""
    rate = timecode_rate(fps)
    name = os.path.basename(source.rstrip(os.sep)) or source
    lines = [f"TITLE: {title}", "FCM: NON-DROP FRAME", ""]
    record = 0
    width = max(3, len(str(len(rows))))
    for number, (start, length) in enumerate(_spans(rows), start=1):
        lines.append(f"{number:0{width}d}  AX       V     C        "
                     f"{frames_timecode(start, rate)} {frames_timecode(start + length, rate)} "
                     f"{frames_timecode(record, rate)} {frames_timecode(record + length, rate)}")
        lines.append(f"* FROM CLIP NAME: {name}")
        lines.append("")
        record += length
    return "\n".join(lines)


def otio_text(rows: List[Dict], fps: float, source: str, title: str, source_frames: int, what: str) -> str:
    """An OpenTimelineIO timeline (its JSON) of the rows: one clip per row on one video track,
    each referring to `source` with its frame range at the film's rate."""
    import opentimelineio as otio
    rate = float(fps)
    timeline = otio.schema.Timeline(name=title)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    whole = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                    otio.opentime.RationalTime(int(source_frames), rate))
    for number, (start, length) in enumerate(_spans(rows), start=1):
        reference = otio.schema.ExternalReference(target_url=_file_url(source), available_range=whole)
        track.append(otio.schema.Clip(
            name=f"{what} {number}", media_reference=reference,
            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                                 otio.opentime.RationalTime(length, rate))))
    return otio.adapters.write_to_string(timeline, "otio_json")


def _file_url(path: str) -> str:
    from pathlib import Path
    return Path(os.path.abspath(path)).as_uri()


def export_scene_lists(formats, shots: List[Dict], settings: List[Dict], path, epoch: int, source: str,
                       fps: float, source_frames: int, kind: str) -> List[str]:
    """Write the `formats` (of EXPORT_FORMATS) of one checkpoint's shot and scene lists;
    `path(name)` places a file in the results (staging) folder. Returns the paths written."""
    title = f"{os.path.basename(source.rstrip(os.sep)) or source}, checkpoint of epoch {epoch}"
    written = []
    for rows, stem, what in ((shots, "scenes", "shot"), (settings, "settings", "scene")):
        if "edl" in formats:
            written.append(save_text(path(result_name(f"{stem}_edl", epoch)),
                                     edl_text(rows, fps, source, f"{title}, {what}s")))
        if "otio" in formats:
            written.append(save_text(path(result_name(f"{stem}_otio", epoch)),
                                     otio_text(rows, fps, source, f"{title}, {what}s", source_frames, what)))
    if "clips" in formats:
        written.append(write_folder_with(path(result_name("clips", epoch)),
                                         lambda folder: cut_clips(source, kind, shots, folder, fps)))
    return written


class _ClipWriter:
    """One clip being written: an MP4 with an H.264 stream of `size` at `rate` and, given an audio
    layout and rate, an AAC stream."""

    def __init__(self, path: str, size: tuple, rate: Fraction, audio: Optional[tuple]):
        import av
        self.container = av.open(path, mode="w", format="mp4")
        self.video = self.container.add_stream(CLIP_CODEC, rate=rate, options=dict(CLIP_OPTIONS))
        self.video.width, self.video.height = size
        self.video.pix_fmt = "yuv420p"
        self.size, self.frames, self.tick = size, 0, 1 / Fraction(rate)
        self.audio = self.fifo = self.resampler = None
        if audio is not None:
            layout, sample_rate = audio
            self.audio = self.container.add_stream(AUDIO_CODEC, rate=sample_rate, layout=layout)
            self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
            self.fifo = av.AudioFifo()
            self.samples = 0

    def add_frame(self, frame) -> None:
        picture = frame.reformat(width=self.size[0], height=self.size[1], format="yuv420p")
        picture.pts, picture.time_base = self.frames, self.tick
        self.frames += 1
        for packet in self.video.encode(picture):
            self.container.mux(packet)

    def add_audio(self, frame) -> None:
        if self.audio is None:
            return
        frame.pts = None
        for resampled in self.resampler.resample(frame):
            self.fifo.write(resampled)
        self._drain_audio(final=False)

    def _drain_audio(self, final: bool) -> None:
        size = self.audio.codec_context.frame_size or 1024
        while self.fifo.samples >= size or (final and self.fifo.samples):
            chunk = self.fifo.read(min(size, self.fifo.samples))
            chunk.pts = self.samples
            self.samples += chunk.samples
            for packet in self.audio.encode(chunk):
                self.container.mux(packet)

    def close(self) -> None:
        for packet in self.video.encode(None):
            self.container.mux(packet)
        if self.audio is not None:
            for resampled in self.resampler.resample(None):
                self.fifo.write(resampled)
            self._drain_audio(final=True)
            for packet in self.audio.encode(None):
                self.container.mux(packet)
        self.container.close()


def _even(width: int, height: int) -> tuple:
    """H.264's 4:2:0 needs even sides: an odd one loses its last line."""
    return max(2, width - width % 2), max(2, height - height % 2)


def _audio_layout(source: str) -> Optional[tuple]:
    """(channel layout name, sample rate) of the film's first audio stream, or None."""
    import av
    try:
        with av.open(source, mode="r", metadata_errors="replace") as container:
            if not container.streams.audio:
                return None
            context = container.streams.audio[0].codec_context
            layout = context.layout.name if context.layout is not None else "stereo"
            if context.channels and context.channels > 2:  # AAC in MP4 plays everywhere in stereo
                layout = "stereo"
            return (layout or "stereo"), int(context.sample_rate or 48000)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        return None


def cut_clips(source: str, kind: str, shots: List[Dict], folder: str, fps: float) -> List[str]:
    """Write one clip per shot into `folder` (CLIP_NAME): every source frame of the shot, and
    with a video source, the audio from the shot's first frame to the next shot's."""
    starts = [int(s["start_frame"]) for s in shots]
    if kind == "video":
        frames = _video_frames(source)
        audio = _audio_layout(source)
    else:
        frames, audio = _folder_frames(source, fps), None
    from data.video import decoded_audio
    sounds = decoded_audio(source) if audio is not None else iter(())
    pending = []  # an audio frame read past the clip before, for the next
    written, writer, number, size = [], None, 0, None

    def finish(until: Optional[float]) -> None:
        """Close the open clip, with the audio that starts before `until` (seconds; None: the rest)."""
        nonlocal pending
        for sound in _audio_until(sounds, pending, until):
            writer.add_audio(sound)
        writer.close()

    for index, frame, seconds, rate in frames:
        if number < len(starts) and index == starts[number]:
            if writer is not None:
                finish(seconds)
            size = size or _even(frame.width, frame.height)
            path = os.path.join(folder, CLIP_NAME.format(n=number + 1))
            writer = _ClipWriter(path, size, rate, audio)
            written.append(path)
            number += 1
        if writer is not None:
            writer.add_frame(frame)
    if writer is not None:
        finish(None)
    if number < len(starts):
        raise UserError(f"{source}: the film ends before shot {number + 1} (frame {starts[number]}); "
                        "it changed since it was encoded: run inference.py again")
    return written


def _audio_until(sounds: Iterator, pending: list, until: Optional[float]) -> Iterator:
    """The audio frames of `sounds` (after those `pending`) that start before `until` seconds;
    the first one at or after it is kept in `pending` for the next clip."""
    while True:
        sound = pending.pop() if pending else next(sounds, None)
        if sound is None:
            return
        start = float(sound.pts * sound.time_base) if sound.pts is not None and sound.time_base else None
        if until is not None and start is not None and start >= until:
            pending.append(sound)
            return
        yield sound


def _video_frames(source: str) -> Iterator:
    from data.video import decoded_video
    yield from decoded_video(source)


def _folder_frames(source: str, fps: float) -> Iterator:
    """The frames of a frame folder as PyAV frames, numbered as the cache numbers them."""
    import av
    from PIL import Image
    from data.frames import as_eight_bit, list_frame_files
    rate = Fraction(fps).limit_denominator(1001)
    for index, name in enumerate(list_frame_files(source)):
        with Image.open(name) as image:
            picture = as_eight_bit(image, name).convert("RGB")
        yield index, av.VideoFrame.from_image(picture), index / fps, rate


def read_edl_events(path: str) -> List[Dict]:
    """The events of an EDL this module wrote: {"event", "source_in", "source_out", "record_in",
    "record_out"} (timecodes as text), for tests and tools."""
    events = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 8 and parts[0].isdigit() and parts[3] == "C":
                events.append(dict(zip(("event", "source_in", "source_out", "record_in", "record_out"),
                                       [parts[0]] + parts[4:])))
    return events
