"""A thumbnail of each scene's first frame, from pictures of the source read by data/full_frames.py."""

import os
from typing import Dict, List

from PIL import Image

from utils.atomic import write_with

THUMBNAIL_WIDTH = 320


def save_scene_thumbnails(pictures: Dict[int, Image.Image], scenes: List[Dict], folder: str) -> List[str]:
    """Write scene_<n>.jpg (the first frame of scene n, from `pictures`: source frame number ->
    RGB image) into `folder`; a scene whose first frame is not in `pictures` gets none. Returns
    the paths."""
    os.makedirs(folder, exist_ok=True)
    written = []
    for scene in scenes:
        image = pictures.get(scene["start_frame"])
        if image is None:
            continue
        height = max(1, round(image.height * THUMBNAIL_WIDTH / max(image.width, 1)))
        small = image.resize((THUMBNAIL_WIDTH, height))
        path = os.path.join(folder, f"scene_{scene['scene']:03d}.jpg")
        written.append(write_with(path, lambda tmp: small.save(tmp, format="JPEG", quality=88)))
    return written
