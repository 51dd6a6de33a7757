"""The scene lists in the formats video editors read: text only, no video library.

`inference.py --export edl otio clips` (any of them) writes, for the checkpoint of epoch i:

* `scenes_<i>.edl`: a CMX 3600 edit decision list of the shots, one event per shot, the source's
  frames laid end to end on the record side, timecodes at the film's rate (non-drop frame,
  counted at the rate rounded to whole frames: 30 for 29.97, 24 for 23.976, so that every frame
  has a timecode of its own, as editors count NTSC rates in non-drop frame); `settings_<i>.edl`
  the same for the scenes (changes of setting). A film of over MAX_EDL_RATE frames a second (a
  120 fps one) has no EDL: `--export edl` is refused before any work, naming the film and its rate.
* `scenes_<i>.otio`: an OpenTimelineIO timeline (the `opentimelineio` library writes it) with one
  clip per shot on one video track, each referring to the source film with its exact frame
  range at the film's rate; `settings_<i>.otio` one clip per scene.
* `clips_<i>/shot_<n>.mp4`: the film cut into its shots, by data/clips.py (PyAV).

detection/export.py writes the formats asked for; opts.py takes EXPORT_FORMATS from here for
--help, so this module imports neither torch nor PyAV. Frame numbers are the source's (0-based,
the decoder's numbering), also when --fps sampled it.
"""

import os
from typing import Dict, List

from utils.errors import UserError

EXPORT_FORMATS = ("edl", "otio", "clips")

# A CMX 3600 timecode's frame field has two digits (00 to 99), so a timecode counts at most 100
# frames a second. A faster film is refused rather than written at a lower rate: that rate would
# give two of its frames one timecode, and a cut between them could not be placed; the OTIO
# timeline keeps any rate.
MAX_EDL_RATE = 100


def timecode_rate(fps: float) -> int:
    """The whole-frame rate timecodes count at: 24 for 23.976, 30 for 29.97, at least 1."""
    return max(1, int(round(fps)))


def edl_rate(fps: float, film: str) -> int:
    """timecode_rate(fps) of `film`, or a UserError naming the film and its rate where the
    timecodes of a CMX 3600 EDL cannot count that fast (over MAX_EDL_RATE frames a second)."""
    rate = timecode_rate(fps)
    if rate > MAX_EDL_RATE:
        raise UserError(f"{film}: --export edl cannot be written for a film of {fps:g} frames per second: "
                        f"CMX 3600 timecodes count at most {MAX_EDL_RATE} frames a second (two digits); "
                        "use --export otio, which keeps any rate")
    return rate


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
    row's frames, record in/out laid end to end from 00:00:00:00; a UserError (edl_rate) for a
    film too fast for its timecodes."""
    rate = edl_rate(fps, source)
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
