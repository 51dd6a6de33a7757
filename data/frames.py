"""List the frames of a folder in film order and read one frame as a small RGB array."""

import os
import re
from typing import List, Tuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from utils.errors import UserError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
_NUMBER = re.compile(r"(\d+)")


def natural_key(name: str) -> Tuple:
    """Sort key that orders `frame_2` before `frame_10`: digit runs compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in _NUMBER.split(name) if part)


def list_frame_files(folder: str) -> List[str]:
    """Paths of the image files in `folder`, in natural (film) order.

    Raises UserError when the folder is missing or holds no image.
    """
    if not os.path.exists(folder):
        raise UserError(f"{folder}: no such folder")
    if not os.path.isdir(folder):
        raise UserError(f"{folder}: not a folder of frames nor a video file this tool reads")
    names = [n for n in os.listdir(folder)
             if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith(".")]
    if not names:
        raise UserError(f"{folder}: no frames found (expected images named like frame_<n>.png; "
                        f"formats: {', '.join(e[1:] for e in IMAGE_EXTENSIONS)})")
    names.sort(key=natural_key)
    return [os.path.join(folder, n) for n in names]


def read_frame(path: str, size: int) -> Tuple[np.ndarray, Tuple[int, int]]:
    """One image as uint8 (3, size, size) RGB, resized with antialiasing; also its original (w, h).

    Raises UserError naming the file when it cannot be decoded.
    """
    try:
        with Image.open(path) as image:
            original_size = image.size
            image.draft("RGB", (2 * size, 2 * size))  # JPEG: decode at a reduced scale
            image = image.convert("RGB")
            small = image.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=None)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise UserError(f"{path}: unreadable image ({err.__class__.__name__}: {err})".splitlines()[0])
    return np.asarray(small, dtype=np.uint8).transpose(2, 0, 1), original_size
