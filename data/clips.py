"""The film cut into one clip per shot: `inference.py --export clips` writes `clips_<i>/shot_<n>.mp4`.

Each clip holds every source frame of its shot (the source's own frames, not the cache's),
re-encoded in H.264 through PyAV (no system FFmpeg needed), with the shot's stretch of the
film's audio (AAC) where the film has audio. Frame folders give silent clips. Frame numbers are
the source's (0-based, the decoder's numbering), also when --fps sampled it. The scene lists'
formats for editors (EDL, OTIO) are in utils/export.py; detection/export.py writes them all.
"""

import os
from fractions import Fraction
from typing import Dict, Iterator, List, Optional

import av
from PIL import Image

from data.frames import as_eight_bit, list_frame_files
from data.video import decoded_audio, decoded_video
from utils.errors import UserError

CLIP_NAME = "shot_{n:03d}.mp4"
CLIP_CODEC, CLIP_OPTIONS = "libx264", {"preset": "veryfast", "crf": "18"}
AUDIO_CODEC = "aac"


class _ClipWriter:
    """One clip being written: an MP4 with an H.264 stream of `size` at `rate` and, given an audio
    layout and rate, an AAC stream."""

    def __init__(self, path: str, size: tuple, rate: Fraction, audio: Optional[tuple]):
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
        frames = decoded_video(source)
        audio = _audio_layout(source)
    else:
        frames, audio = _folder_frames(source, fps), None
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


def _folder_frames(source: str, fps: float) -> Iterator:
    """The frames of a frame folder as PyAV frames, numbered as the cache numbers them."""
    rate = Fraction(fps).limit_denominator(1001)
    for index, name in enumerate(list_frame_files(source)):
        with Image.open(name) as image:
            picture = as_eight_bit(image, name).convert("RGB")
        yield index, av.VideoFrame.from_image(picture), index / fps, rate
