"""Scene lists from selected changes, in formats other tools read.

`scenes_<i>.csv` follows the column layout of PySceneDetect's `list-scenes` (a "Timecode
List:" row of the cut times, then one row per scene, frame numbers 1-based and end frames
inclusive, as PySceneDetect writes them). `scenes_<i>.json` holds the same scenes with
0-based frame numbers, the numbering of the labels and of PyAV's decode order.
Frame numbers and times refer to the source video, also when it was sampled with --fps.

`settings_<i>.csv` / `.json` list the scene level: each change of setting starts a scene,
which holds one or more of the shots above (numbered as in scenes_<i>.csv).
"""

import csv
import io
import json
import os
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

from utils.atomic import save_text
from utils.cli import run_cli
from utils.errors import UserError, first_line, read_path
from utils.label_convention import shot_starts
from utils.result_sets import (epochs_with, load_json, missing_results, open_result_set, result_path,
                                settle_for_reading)

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
    starts = shot_starts(flags)
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


def scenes_json(scenes: List[Dict], source: str) -> str:
    """The scene list as JSON, frames 0-based, with the film it was found in."""
    return json.dumps({"source": source, "frame_numbering": "0-based, end inclusive", "scenes": scenes}, indent=1)


def write_scene_files(scenes: List[Dict], csv_path: str, json_path: str, source: str) -> None:
    """Write the CSV and JSON scene lists atomically."""
    save_text(csv_path, scenes_csv(scenes))
    save_text(json_path, scenes_json(scenes, source))


SETTING_COLUMNS = ["Scene Number", "Start Frame", "Start Timecode", "End Frame", "End Timecode",
                   "Length (seconds)", "Shots", "First Shot", "Last Shot"]


def setting_list(shots: List[Dict], scene_of_shot: np.ndarray) -> List[Dict]:
    """Scenes made of the `shots` (scene_list's rows) that `scene_of_shot` groups, in order."""
    scene_of_shot = np.asarray(scene_of_shot, dtype=np.int64)
    if len(scene_of_shot) != len(shots):
        raise ValueError(f"{len(shots)} shots but {len(scene_of_shot)} scene numbers")
    settings = []
    for number in np.unique(scene_of_shot):
        members = [s for s, k in zip(shots, scene_of_shot) if k == number]
        first, last = members[0], members[-1]
        settings.append({"scene": len(settings) + 1, "start_frame": first["start_frame"],
                         "end_frame": last["end_frame"], "start_time": first["start_time"],
                         "end_time": last["end_time"], "start_timecode": first["start_timecode"],
                         "end_timecode": last["end_timecode"],
                         "length_seconds": round(last["end_time"] - first["start_time"], 6),
                         "shots": [s["scene"] for s in members]})
    return settings


def settings_csv(settings: List[Dict]) -> str:
    """The scene level as CSV: one row per scene, frames 1-based and end inclusive (as scenes_<i>.csv)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SETTING_COLUMNS)
    for s in settings:
        writer.writerow([s["scene"], s["start_frame"] + 1, s["start_timecode"], s["end_frame"] + 1,
                         s["end_timecode"], f"{s['length_seconds']:.3f}", len(s["shots"]), s["shots"][0],
                         s["shots"][-1]])
    return out.getvalue()


def settings_json(settings: List[Dict], source: str, shots_file: str) -> str:
    """The scene level as JSON, frames 0-based; its shots are numbered as in `shots_file`."""
    return json.dumps({"source": source, "frame_numbering": "0-based, end inclusive",
                       "shot_numbering": f"as in {shots_file}", "scenes": settings}, indent=1)


def write_setting_files(settings: List[Dict], csv_path: str, json_path: str, source: str) -> None:
    """Write the CSV and JSON lists of the scene level atomically."""
    save_text(csv_path, settings_csv(settings))
    save_text(json_path, settings_json(settings, source, os.path.basename(csv_path).replace("settings_", "scenes_")))


def levels_text(settings: List[Dict], shots: List[Dict], limit: int = 0) -> str:
    """Both levels as lines of text: each scene, then its shots indented (the first `limit`
    scenes when limit > 0)."""
    lines = []
    for scene in settings[:limit] if limit > 0 else settings:
        members = [shots[k - 1] for k in scene["shots"]]
        lines.append(f"scene {scene['scene']:>3}  {scene['start_timecode']} - {scene['end_timecode']}  "
                     f"{len(members)} shot{'s' if len(members) > 1 else ''}")
        lines += [f"    shot {s['scene']:>3}  {s['start_timecode']} - {s['end_timecode']}  frames "
                  f"{s['start_frame']}-{s['end_frame']}" for s in members]
    if 0 < limit < len(settings):
        lines.append(f"... {len(settings) - limit} more scenes")
    return "\n".join(lines)


def _check_levels(settings, shots, path: str) -> None:
    """UserError unless `settings` is a list of scenes whose shots are numbers of `shots`' rows."""
    keys = ("scene", "start_timecode", "end_timecode", "start_frame", "end_frame")
    if not isinstance(settings, list) or not isinstance(shots, list) or \
            not all(isinstance(s, dict) and all(k in s for k in keys) for s in settings + shots):
        raise UserError(f"{path}: not a scene list as inference.py writes it")
    for scene in settings:
        numbers = scene.get("shots")
        if not isinstance(numbers, list) or not numbers or \
                not all(isinstance(k, int) and 1 <= k <= len(shots) for k in numbers):
            raise UserError(f"{path}: scene {scene['scene']} names shots that scenes_<i>.json does not hold")


def print_levels(folder: str, limit: int = 0) -> None:
    """Print both levels of the newest results in `folder` (settings_<i>.json and scenes_<i>.json)."""
    read_path(os.listdir, folder, "results folder")
    settle_for_reading(folder)
    epochs = epochs_with(folder, "settings_json")
    if not epochs:
        raise missing_results(folder, "settings_json")
    epoch = open_result_set(folder, epochs[-1])
    lists = []
    for kind in ("settings_json", "scenes_json"):
        try:
            lists.append(load_json(folder, kind, epoch)["scenes"])
        except (KeyError, TypeError) as err:
            raise UserError(f"{result_path(folder, kind, epoch)}: unreadable ({err.__class__.__name__}: "
                            f"{first_line(str(err))})")
    settings, shots = lists
    _check_levels(settings, shots, result_path(folder, "settings_json", epoch))
    print(f"{folder}, checkpoint of epoch {epoch}: {len(settings)} scenes, {len(shots)} shots (frames from 0)")
    print(levels_text(settings, shots, limit))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """python -m scenes RESULTS_FOLDER [N]: both levels of the newest results as text (the first N scenes)."""
    from opts import OneLineParser, scene_count  # opts reads the scene level's settings from this package
    parser = OneLineParser(prog="python -m scenes",
                           description="Print the scenes of a results folder, each with its shots.")
    parser.add_argument("folder", help="a folder where inference.py wrote its results")
    parser.add_argument("limit", nargs="?", type=scene_count, default=0, help="show the first N scenes (default: all)")
    args = parser.parse_args(argv)
    if args.folder == "":  # an unset shell variable: named as the other scripts name theirs, not as ': ...'
        parser.error("folder: an empty path")
    return run_cli(lambda: print_levels(args.folder, args.limit))


if __name__ == "__main__":
    sys.exit(main())
