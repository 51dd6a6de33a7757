"""Stream small RGB frames out of a video file with PyAV.

Frames are scaled down inside FFmpeg (swscale, area averaging) as they are decoded, so memory
stays flat however long the film is: only the decoder's own buffers and one small frame at a
time are ever held.

    for rgb, index, t in iter_video_frames("film.mp4", size=64):
        ...  # rgb: uint8 (3, 64, 64); index: frame number in decode order; t: seconds

Frame numbering: `index` counts every frame the decoder outputs, from 0, in the order it
outputs them (presentation order). That is the numbering labels use; `video_frame_count`
gives the total. Sampling with `fps=` skips frames but keeps this numbering.

Every problem caused by the input file is raised as `UserError` with a one-line message that
names the file. A file that breaks part-way (truncated download, corrupt tail) is read up to
the break and a single `VideoTruncatedWarning` says how many frames were read.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter

from utils.errors import UserError

VIDEO_EXTENSIONS = (
    ".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts", ".flv", ".wmv",
    ".gif", ".3gp", ".ogv", ".vob", ".mxf", ".f4v", ".asf", ".divx", ".rm", ".rmvb",
)

# swscale filter used to shrink frames: true area averaging when downscaling (no aliasing on
# line art), bilinear-like when upscaling.
INTERPOLATION = "AREA"

# Frame rate assumed when the container says nothing usable about it.
DEFAULT_FPS = 25.0

# A stretch of this many seconds with no frame between two frames is said (a damaged part the
# demuxer skipped shifts every later frame number); a variable frame rate's pauses are shorter.
_GAP_WARN_S = 1.0

# A stream whose last frame ends this many seconds before the duration the container
# declares for it is reported as truncated.
_TRUNCATION_TOLERANCE_S = 1.0

# Codecs of single pictures: a video stream of one frame in one of them is cover art or a
# thumbnail beside the film, not the film (a player skips it too).
_PICTURE_CODECS = frozenset({"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegls", "qoi"})

# Files whose choice of video stream was already said (a film is opened several times).
_ANNOUNCED = set()

# Errors PyAV/FFmpeg raise for unreadable input (FFmpegError covers InvalidDataError,
# av.error.EOFError, av.error.OSError, ...; UnicodeDecodeError comes from odd metadata).
_AV_ERRORS = (av.error.FFmpegError, OSError, UnicodeDecodeError)


class VideoTruncatedWarning(UserWarning):
    """The video broke off part-way; the frames before the break were read."""


class VideoGapWarning(UserWarning):
    """The video's timestamps skip a stretch with no frame (damaged data the demuxer skipped)."""


class VideoDamagedWarning(VideoGapWarning):
    """Packets of the video could not be decoded and were skipped; the frames after them are
    numbered as read (a gap of its own kind: frames are missing from the numbering)."""


class VideoJumpWarning(VideoGapWarning):
    """The video's timestamps go back (files joined end to end); the frames after are timed on."""


class VideoStreamWarning(UserWarning):
    """The file holds several films' video streams; one was chosen."""


@dataclass
class VideoInfo:
    path: str
    width: int  # display size, after rotation (sample aspect ratio is not applied)
    height: int
    fps: float  # average frame rate (guessed if the container lacks it)
    duration: float | None  # seconds, if known
    frame_count_estimate: int | None  # for a progress bar total; not exact
    rotation: int  # 0/90/180/270: counter-clockwise degrees applied to the stored picture
    codec: str


def is_video_file(path) -> bool:
    """True if `path` is an existing file whose extension is a known video extension."""
    p = Path(path)
    return p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file()


# ---------------------------------------------------------------------------------------------
# helpers


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _av_reason(exc: BaseException) -> str:
    """A short reason from a PyAV/OS error, without repeating the file name."""
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return _one_line(reason)


def normalize_rotation(degrees) -> int:
    """Round a display-matrix angle to 0, 90, 180 or 270 (counter-clockwise degrees)."""
    if degrees is None:
        return 0
    try:
        d = float(degrees)
    except (TypeError, ValueError):
        return 0
    if not math.isfinite(d):
        return 0
    return int(round(d / 90.0)) % 4 * 90


def rotate_chw(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate a channels-first image (C, H, W) counter-clockwise by `rotation` degrees.

    `rotation` follows PyAV's `VideoFrame.rotation` (the display matrix angle, counter-
    clockwise): rotating the stored picture by it gives the upright picture. Multiples of 90
    only (other values are rounded). Returns a contiguous array.
    """
    k = normalize_rotation(rotation) // 90
    if k == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=k, axes=(1, 2)))


def _still(stream) -> bool:
    """A video stream that is a picture, not a film: cover art or a thumbnail (so flagged, or
    one frame of a picture codec)."""
    flags = getattr(getattr(av, "stream", None), "Disposition", None)
    disposition = int(getattr(stream, "disposition", 0) or 0)
    if flags is not None and disposition & int(flags.attached_pic | flags.still_image | flags.timed_thumbnails):
        return True
    name = getattr(getattr(stream, "codec_context", None), "name", "") or ""
    return name in _PICTURE_CODECS and (stream.frames or 0) <= 1


def _film_stream(path: str, streams):
    """The film among a file's video streams, as a player picks it: not a still picture (cover
    art), then the largest picture, then the first. Says which one when there is a choice."""
    def size(stream) -> int:
        return int(stream.width or 0) * int(stream.height or 0)

    films = [stream for stream in streams if not _still(stream)]
    if not films:
        raise UserError(f"{path}: no film in it, only a still picture")
    film = min(films, key=lambda stream: (-size(stream), stream.index))
    if len(films) > 1 and path not in _ANNOUNCED:
        _ANNOUNCED.add(path)
        warnings.warn(f"{path}: {len(films)} video streams; reading stream {film.index}, the largest "
                      f"({film.width}x{film.height})", VideoStreamWarning, stacklevel=4)
    return film


def _open(path):
    """Check the file and open it with PyAV; returns (container, the film's video stream)."""
    p = str(path)
    if not os.path.exists(p):
        raise UserError(f"{p}: file not found")
    if not os.path.isfile(p):
        raise UserError(f"{p}: not a file")
    if not os.access(p, os.R_OK):
        raise UserError(f"{p}: cannot be read (permission denied)")
    try:
        container = av.open(p, mode="r", metadata_errors="replace")
    except _AV_ERRORS as e:
        raise UserError(
            f"{p}: cannot be opened as a video: not a media file, an unknown container or a "
            f"truncated file ({_av_reason(e)})"
        ) from None
    try:
        if not container.streams.video:
            raise UserError(f"{p}: no video stream")
        stream = _film_stream(p, container.streams.video)
        if stream.codec_context is None:
            name = getattr(getattr(stream, "codec", None), "name", None) or "unknown"
            raise UserError(f"{p}: no decoder for its video codec ({name})")
    except BaseException:
        container.close()
        raise
    return container, stream


def _as_float(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _stream_duration(stream) -> float | None:
    """Duration the container declares for the video stream itself, in seconds."""
    if stream.duration and stream.time_base:
        return _as_float(stream.duration * stream.time_base)
    return None


def _info(path, container, stream, rotation: int) -> VideoInfo:
    duration = _stream_duration(stream)
    if duration is None and container.duration:
        duration = _as_float(container.duration / av.time_base)

    frames = stream.frames if stream.frames and stream.frames > 0 else None
    fps = None
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate,
                 getattr(stream.codec_context, "framerate", None)):
        fps = _as_float(rate)
        if fps is not None and fps < 1000:  # 1/time_base nonsense like 90000 is not a rate
            break
        fps = None
    if fps is None and frames and duration:
        fps = frames / duration
    if fps is None:
        fps = DEFAULT_FPS

    if frames is not None:
        estimate = int(frames)
    elif duration is not None:
        estimate = max(1, int(round(duration * fps)))
    else:
        estimate = None

    cc = stream.codec_context
    width, height = int(cc.width or stream.width or 0), int(cc.height or stream.height or 0)
    if rotation in (90, 270):
        width, height = height, width
    codec = cc.name or getattr(getattr(stream, "codec", None), "name", "") or ""
    return VideoInfo(
        path=str(path), width=width, height=height, fps=float(fps), duration=duration,
        frame_count_estimate=estimate, rotation=rotation, codec=codec,
    )


def _decoded_frames(path, container, stream, tally: DecodeTally | None = None) -> Iterator:
    """Yield `(frame, seconds)` for every decoded frame of `stream`, handling broken files.

    `seconds`: the frame's time from the first frame's, on a clock that always goes forward
    (None for a frame without a timestamp). Where the file's timestamps go back by over
    _GAP_WARN_S or stand still (files joined end to end), the frame and those after it are timed
    on from the one before, with one warning: the scene list's times went back with them, and
    its lengths were negative.

    No frame at all -> UserError. A break after some frames -> stop there (after draining the
    frames the decoder already holds) and warn once with the count. A packet the decoder refuses,
    with frames decoded after it, is damaged data: skipped as FFmpeg skips it, with one warning
    (one bad packet used to end the film there); refused packets up to the end are a break. A
    stream that ends cleanly but short of what its header declares (fewer packets than the sample
    count of an mp4/mov, or well before the declared duration) is also reported with one warning,
    which `tally` keeps, as it keeps the warning of the first stretch of over _GAP_WARN_S with no
    frame (a lost head of the stream included) and that of the damaged packets.
    """
    p = str(path)
    count = 0
    packets = 0  # non-empty packets demuxed, compared with the header's frame count
    first_start = None  # start time (s) of the first frame
    last_end = None  # end time (s) of the last frame
    error = None
    gap_said = False
    last_start = None  # start time (s) of the last frame
    last_step = None  # seconds between the last two frames
    shift = 0.0  # seconds added to the file's times, after they went back (VideoJumpWarning)
    jump_said = False
    stream_start = None  # the time (s) of the stream's first packet, as the container gives it
    if stream.start_time is not None and stream.time_base is not None:
        stream_start = float(stream.start_time * stream.time_base)
    # Packets the decoder refused (damaged data), skipped as a player skips them: `pending` since
    # the last frame decoded, `damaged` those a frame followed, `damage_at` the file's time (s) of
    # the first of these.
    pending, pending_at, damaged, damage_at, damage_error = 0, None, 0, None, None
    try:
        for packet in container.demux(stream):
            if packet.size:
                packets += 1
            try:
                decoded = packet.decode()
            except _AV_ERRORS as e:
                # Damaged data inside a file that goes on: FFmpeg (and every player) skips the
                # packet and decodes on from the next; ending the film here would drop the rest.
                pending, damage_error = pending + 1, e
                if pending_at is None and packet.pts is not None and packet.time_base is not None:
                    pending_at = float(packet.pts * packet.time_base)
                continue
            if pending and decoded and packet.size:  # (not the decoder's flush at the end)
                damaged, pending = damaged + pending, 0
                damage_at = pending_at if damage_at is None else damage_at
                pending_at = None
            for frame in decoded:
                count += 1
                seconds = None
                if frame.pts is not None and frame.time_base is not None:
                    start = float(frame.pts * frame.time_base) + shift
                    if first_start is None:
                        first_start = start
                        if stream_start is not None and start - stream_start > _GAP_WARN_S:
                            # the head of the stream could not be decoded: every frame number
                            # is shifted, which a check at the end alone would call a cut tail
                            gap_said = True
                            gap = (f"{p}: no frame from {stream_start:.2f} s, where the stream starts, "
                                   f"to {start:.2f} s (undecodable data skipped: damaged, or a recording "
                                   f"begun between key frames); the frames are numbered and timed "
                                   f"from the first one decoded")
                            _tell(tally, "gap", gap, VideoGapWarning)
                    elif start < last_start - _GAP_WARN_S or start == last_start:
                        # The clock went back or stood still (files joined end to end, a transport
                        # stream's discontinuity): time this frame and those after on from the one
                        # before, or the scene list's times would go back and its lengths be negative.
                        # (A few frames out of order after damaged data are a decoder's slip, not a
                        # new clock: shifting every later frame for them would mistime the rest.)
                        step = (last_end - last_start) or last_step or 1.0 / DEFAULT_FPS
                        if not jump_said:
                            jump_said = True
                            jump = (f"{p}: frame {count - 1} is timed at {start - shift:.2f} s, not after the "
                                    f"frame before it ({last_start - shift:.2f} s): files joined end to end, "
                                    f"or damaged timestamps; it and the frames after are timed on from the "
                                    f"frame before")
                            _tell(tally, "jump", jump, VideoJumpWarning)
                        shift += last_start + step - start
                        start = last_start + step
                    elif not gap_said and start - last_end > _GAP_WARN_S:
                        gap_said = True
                        gap = (f"{p}: no frame from {last_end:.2f} s to {start:.2f} s (damaged data "
                               f"skipped, or a variable frame rate); the frames after it are "
                               f"numbered as read, their times are the file's")
                        _tell(tally, "gap", gap, VideoGapWarning)
                    if last_start is not None:
                        last_step = start - last_start
                    last_start = start
                    last_end = start + float((frame.duration or 0) * frame.time_base)
                    seconds = start - first_start
                yield frame, seconds
    except _AV_ERRORS as e:
        error = e
    if pending and error is None:
        error = damage_error  # no frame after the damage: the file breaks off there
    if damaged:
        where = f", the first at {damage_at:.2f} s" if damage_at is not None else ""
        message = (f"{p}: {damaged} damaged packet{'s' if damaged > 1 else ''} of the video could not be "
                   f"decoded{where} ({_av_reason(damage_error)}); skipped as a player skips them, the "
                   f"frames after are numbered as read, their times are the file's")
        _tell(tally, "damaged", message, VideoDamagedWarning)
    if error is not None:
        # Stop reading, but drain the frames decoded before the break.
        try:
            for frame in stream.codec_context.decode(None):
                count += 1
                seconds = None
                if frame.pts is not None and frame.time_base is not None and first_start is not None:
                    seconds = float(frame.pts * frame.time_base) + shift - first_start
                yield frame, seconds
        except _AV_ERRORS:
            pass
        if count == 0:
            raise UserError(f"{p}: no video frame could be decoded ({_av_reason(error)})")
        _warn_truncated(
            f"{p}: video stream broke off after {count} frames ({_av_reason(error)}); "
            f"the file looks truncated or corrupt, using the {count} frames read", tally)
        return
    if count == 0:
        raise UserError(f"{p}: no video frame could be decoded")

    problem = None
    listed = stream.frames if stream.frames and stream.frames > 0 else None
    if listed is not None and packets < listed:
        problem = f"only {packets} of the {listed} packets its header lists were read"
    elif first_start is not None and last_end is not None:
        elapsed = last_end - (first_start if stream_start is None else min(first_start, stream_start))
        declared, tolerance = _stream_duration(stream), _TRUNCATION_TOLERANCE_S
        if declared is None and container.duration:
            # the container's duration may include a longer audio track: be lenient
            declared, tolerance = _as_float(container.duration / av.time_base), 2.0
        if declared is not None and elapsed < declared - tolerance:
            problem = f"it ended at {elapsed:.1f} s of the {declared:.1f} s its header declares"
    if problem is not None:
        _warn_truncated(
            f"{p}: video stream ended after {count} frames but {problem}; "
            f"the file looks truncated, using the {count} frames read", tally)


def _tell(tally: DecodeTally | None, field: str, message: str, category, stacklevel: int = 4) -> None:
    """Warn of what the decoding met (a gap, a jump of the clock, damaged packets, a break), and
    keep the words in `tally`'s `field` (the frame cache repeats them whenever it is used)."""
    if tally is not None:
        setattr(tally, field, message)
    warnings.warn(message, category, stacklevel=stacklevel)


def _warn_truncated(message: str, tally: DecodeTally | None) -> None:
    """Warn that a video broke off (kept in `tally.truncated`)."""
    _tell(tally, "truncated", message, VideoTruncatedWarning, stacklevel=5)


# ---------------------------------------------------------------------------------------------
# public API


def probe_video(path) -> VideoInfo:
    """Read a video's size, rate, duration and rotation (decodes only the first frame)."""
    container, stream = _open(path)
    with container, warnings.catch_warnings():
        # a head of the stream that could not be decoded is said by the pass that reads the film,
        # once, not by every look at its first frame
        warnings.simplefilter("ignore", VideoGapWarning)
        rotation = 0
        for frame, _ in _decoded_frames(path, container, stream):
            rotation = normalize_rotation(frame.rotation)
            break
        return _info(path, container, stream, rotation)


def video_frame_count(path) -> int:
    """Exact number of frames the decoder gives for the first video stream (decodes it all)."""
    container, stream = _open(path)
    with container:
        stream.thread_type = "AUTO"
        n = 0
        for _ in _decoded_frames(path, container, stream):
            n += 1
        return n


@dataclass
class DecodeTally:
    """What a pass over a video decoded in all, sampled or not: the number of frames and the
    time at which the last one ends (where the film's last scene ends)."""
    frames: int = 0
    end_time: float = 0.0
    truncated: str | None = None  # the warning of a video that broke off, if it did
    gap: str | None = None  # the warning of a stretch with no frame, if there was one
    damaged: str | None = None  # the warning of packets that could not be decoded, if there were some
    jump: str | None = None  # the warning of timestamps that went back, if they did


# The DecodeTally fields that hold a warning, each with its category, in the order they are said
# again: the frame cache keeps them under these names and repeats them whenever it is used.
TALLY_WARNINGS = (("truncated", VideoTruncatedWarning), ("gap", VideoGapWarning),
                  ("damaged", VideoDamagedWarning), ("jump", VideoJumpWarning))


def iter_video_frames(
    path, size: int = 64, fps: float | None = None, show_progress: bool = False,
    tally: DecodeTally | None = None,
) -> Iterator[tuple[np.ndarray, int, float]]:
    """Yield `(rgb, source_index, timestamp)` for the frames of the first video stream.

    rgb: uint8 array (3, size, size), resized without keeping the aspect ratio, area-averaged,
        rotated upright from the display matrix.
    source_index: 0-based index of the frame among all decoded frames (even when sampling).
    timestamp: presentation time in seconds from the first frame (which is 0.0); index / fps
        when the frame has no pts.
    fps: None yields every frame; a rate f yields the first frame at or after each multiple
        of 1/f seconds (by timestamp, so variable frame rate is handled).
    tally: if given, counts every decoded frame, yielded or skipped.
    """
    size = int(size)
    if size < 1:
        raise ValueError(f"size must be a positive integer, got {size}")
    if fps is not None:
        fps = float(fps)
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number or None, got {fps}")
        eps = min(1e-3, 0.1 / fps)  # tolerance for timestamps rounded to the time base

    container, stream = _open(path)
    with container:
        stream.thread_type = "AUTO"
        info = _info(path, container, stream, rotation=0)
        native_fps = info.fps
        reformatter = VideoReformatter()  # one scaler context reused for every frame
        next_k = 0  # index of the next sampling instant k / fps

        bar = None
        if show_progress:
            from tqdm import tqdm

            bar = tqdm(total=info.frame_count_estimate, unit="frame",
                       desc=os.path.basename(str(path)), dynamic_ncols=True)
        try:
            for index, (frame, t) in enumerate(_decoded_frames(path, container, stream, tally)):
                if bar is not None:
                    bar.update(1)
                tb = frame.time_base
                if t is None:
                    t = index / native_fps
                if tally is not None:
                    duration = float(frame.duration * tb) if frame.duration and tb is not None else 0.0
                    tally.frames, tally.end_time = index + 1, t + (duration or 1.0 / native_fps)

                if fps is not None:
                    if t < next_k / fps - eps:
                        continue
                    next_k = max(next_k, int(math.floor((t + eps) * fps)) + 1)

                small = reformatter.reformat(
                    frame, width=size, height=size, format="rgb24",
                    interpolation=INTERPOLATION,
                    src_color_range=frame.color_range or None,
                )
                rgb = small.to_ndarray()  # (size, size, 3); may be a view with row padding
                rgb = np.ascontiguousarray(rgb.transpose(2, 0, 1))
                rotation = normalize_rotation(frame.rotation)
                if rotation:
                    rgb = rotate_chw(rgb, rotation)
                yield rgb, index, t
        finally:
            if bar is not None:
                bar.close()


def grab_frames(path, indices) -> dict:
    """Full-size RGB PIL images of the frames with these 0-based decode-order indices.

    One sequential decode that stops after the last wanted frame (for scene thumbnails).
    """
    wanted = sorted(set(int(i) for i in indices))
    images = {}
    if not wanted:
        return images
    container, stream = _open(path)
    with container:
        stream.thread_type = "AUTO"
        rotation = None
        for index, (frame, _) in enumerate(_decoded_frames(path, container, stream)):
            if rotation is None:
                rotation = normalize_rotation(frame.rotation)
            if index in wanted:
                image = frame.to_image()
                images[index] = image.rotate(rotation, expand=True) if rotation else image
                if len(images) == len(wanted):
                    break
    return images


def decoded_video(path) -> Iterator[tuple[int, "av.VideoFrame", float, object]]:
    """Yield `(index, frame, seconds, rate)` for every frame of the film's stream at full size, in
    the numbering of iter_video_frames: `seconds` is the frame's presentation time in the file's
    own clock (not shifted to 0, so that other streams of the file line up with it), `rate` the
    stream's frame rate as a Fraction (for cutting the film into clips)."""
    container, stream = _open(path)
    with container:
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        info = _info(path, container, stream, rotation=0)
        if not rate or not _as_float(rate) or float(rate) >= 1000:
            from fractions import Fraction
            rate = Fraction(info.fps).limit_denominator(1001)
        for index, (frame, _) in enumerate(_decoded_frames(path, container, stream)):
            if frame.pts is not None and frame.time_base is not None:
                seconds = float(frame.pts * frame.time_base)
            else:
                seconds = index / info.fps
            yield index, frame, seconds, rate


def decoded_audio(path) -> Iterator["av.AudioFrame"]:
    """The frames of the first audio stream of `path` (none when it has no audio stream, or its
    audio cannot be decoded: clips are then silent, as a player would play the film)."""
    try:
        container = av.open(str(path), mode="r", metadata_errors="replace")
    except _AV_ERRORS:
        return
    with container:
        if not container.streams.audio:
            return
        stream = container.streams.audio[0]
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    yield frame
        except _AV_ERRORS:
            return
