"""A thumbnail of each scene's first frame, from the source video or frame folder."""

import os
from typing import Dict, List

from data.frames import as_eight_bit, list_frame_files
from data.video import grab_frames
from utils.atomic import write_with

THUMBNAIL_WIDTH = 320


def save_scene_thumbnails(source: str, kind: str, scenes: List[Dict], folder: str) -> List[str]:
    """Write scene_<n>.jpg (the first frame of scene n) into `folder`; returns the paths."""
    starts = [s["start_frame"] for s in scenes]
    if kind == "video":
        images = grab_frames(source, starts)
    else:
        from PIL import Image
        files = list_frame_files(source)
        images = {}
        for index in starts:
            with Image.open(files[index]) as image:
                images[index] = as_eight_bit(image, files[index]).convert("RGB")
    os.makedirs(folder, exist_ok=True)
    written = []
    for scene in scenes:
        image = images.get(scene["start_frame"])
        if image is None:
            continue
        height = max(1, round(image.height * THUMBNAIL_WIDTH / max(image.width, 1)))
        small = image.resize((THUMBNAIL_WIDTH, height))
        path = os.path.join(folder, f"scene_{scene['scene']:03d}.jpg")
        written.append(write_with(path, lambda tmp: small.save(tmp, format="JPEG", quality=88)))
    return written
