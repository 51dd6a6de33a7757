"""A film's scene lists in every format asked for with `inference.py --export edl otio clips`.

The EDL and OpenTimelineIO texts are utils/export.py's; the film cut into one clip per shot is
data/clips.py's. This module, above both, writes one checkpoint's files into its result set.
"""

import os
from typing import Dict, List, Optional

from data import video
from data.cache import FOLDER_FPS
from data.clips import cut_clips
from utils.atomic import save_text, write_folder_with
from utils.export import edl_rate, edl_text, otio_text
from utils.result_sets import result_name


def check_export(formats, source: str, kind: str, fps: Optional[float]) -> None:
    """A UserError now, before the film is decoded and encoded, where one of `formats` cannot be
    written for `source` (a "folder" or "video" `kind`, read with --fps `fps`): an EDL of a film
    too fast for CMX 3600 timecodes. The rate is the one export_scene_lists is given, the cache's:
    a video's own (--fps samples it but its frame numbers stay the source's), a folder's --fps."""
    if "edl" in formats:
        edl_rate(video.probe_video(source).fps if kind == "video" else (fps or FOLDER_FPS), source)


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

