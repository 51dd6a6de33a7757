"""Scene lists from selected changes, in formats other tools read.

`scenes_<i>.csv` follows the column layout of PySceneDetect's `list-scenes` (a "Timecode
List:" row of the cut times, then one row per scene, frame numbers 1-based and end frames
inclusive, as PySceneDetect writes them). `scenes_<i>.json` holds the same scenes with
0-based frame numbers, the numbering of the labels and of PyAV's decode order.
Frame numbers and times refer to the source video, also when it was sampled with --fps.
"""

import csv
import io
import json
from typing import Dict, List, Optional

import numpy as np

from utils.atomic import save_text

CSV_COLUMNS = ["Scene Number", "Start Frame", "Start Timecode", "Start Time (seconds)", "End Frame",
               "End Timecode", "End Time (seconds)", "Length (frames)", "Length (timecode)",
               "Length (seconds)"]


def timecode(seconds: float) -> str:
    """HH:MM:SS.mmm, as PySceneDetect prints times."""
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def scene_list(change_flags: np.ndarray, source_index: np.ndarray, timestamps: np.ndarray,
               source_fps: float, source_frames: Optional[int] = None,
               end_time: Optional[float] = None) -> List[Dict]:
    """Scenes (0-based, end inclusive) between the flagged pairs of the cached frames.

    change_flags[j] true means a new scene starts at cached frame j+1; its source frame
    number and time come from source_index and timestamps. The last scene ends at the end of
    the source (`source_frames` frames, ending at `end_time` s), which --fps sampling may have
    skipped; by default, one source frame after the last cached frame's start.
    """
    flags = np.asarray(change_flags, dtype=bool)
    starts = [0] + [int(j) + 1 for j in np.flatnonzero(flags)]
    frame_time = 1.0 / source_fps if source_fps > 0 else 0.0
    last_frame = int(source_index[-1]) if source_frames is None else int(source_frames) - 1
    film_end = float(timestamps[-1]) + frame_time if end_time is None else float(end_time)
    scenes = []
    for number, start in enumerate(starts, start=1):
        start_frame, start_time = int(source_index[start]), float(timestamps[start])
        if number < len(starts):
            nxt = starts[number]
            end_frame, end_time = int(source_index[nxt]) - 1, float(timestamps[nxt])
        else:
            end_frame, end_time = last_frame, film_end
        scenes.append({"scene": number, "start_frame": start_frame, "end_frame": end_frame,
                       "start_time": round(start_time, 6), "end_time": round(end_time, 6),
                       "start_timecode": timecode(start_time), "end_timecode": timecode(end_time),
                       "length_frames": end_frame - start_frame + 1,
                       "length_seconds": round(end_time - start_time, 6)})
    return scenes


def scenes_csv(scenes: List[Dict]) -> str:
    """The scene list as PySceneDetect's list-scenes CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Timecode List:"] + [s["start_timecode"] for s in scenes[1:]])
    writer.writerow(CSV_COLUMNS)
    for s in scenes:
        writer.writerow([s["scene"], s["start_frame"] + 1, s["start_timecode"], f"{s['start_time']:.3f}",
                         s["end_frame"] + 1, s["end_timecode"], f"{s['end_time']:.3f}", s["length_frames"],
                         timecode(s["length_seconds"]), f"{s['length_seconds']:.3f}"])
    return out.getvalue()


def write_scene_files(scenes: List[Dict], csv_path: str, json_path: str, source: str) -> None:
    """Write the CSV and JSON scene lists atomically."""
    save_text(csv_path, scenes_csv(scenes))
    save_text(json_path, json.dumps({"source": source, "frame_numbering": "0-based, end inclusive",
                                     "scenes": scenes}, indent=1))
