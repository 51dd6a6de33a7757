"""List the frames of a folder in film order and read one frame as a small RGB array."""

import os
import re
from typing import List, Tuple

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from utils.errors import UserError, read_path

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
# Pillow's modes of 16-bit single-channel images (PNG, TIFF); "I" is how some versions open them.
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_NUMBER = re.compile(r"(\d+)")
# A photo's EXIF orientation tag, and its values that turn the picture a quarter: the frame is
# read the way a viewer shows it, so a folder of such photos keeps one size.
EXIF_ORIENTATION = 0x0112
SIDEWAYS_ORIENTATIONS = (5, 6, 7, 8)


def natural_key(name: str) -> Tuple:
    """Sort key that orders `frame_2` before `frame_10`: digit runs compare as numbers."""
    return tuple((0, int(part), "") if _NUMBER.fullmatch(part) else (1, 0, part.lower())
                 for part in _NUMBER.split(name) if part)


def list_frame_files(folder: str) -> List[str]:
    """Paths of the image files in `folder`, in natural (film) order.

    Raises UserError when the folder is missing, cannot be read or holds no image.
    """
    names = [n for n in read_path(os.listdir, folder, "folder of frames")
             if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith(".")
             and not os.path.isdir(os.path.join(folder, n))]  # a subfolder, whatever its name, is no frame
    if not names:
        raise UserError(f"{folder}: no frames found (expected images named like frame_<n>.png; "
                        f"formats: {', '.join(e[1:] for e in IMAGE_EXTENSIONS)})")
    names.sort(key=natural_key)
    _check_one_file_per_frame(folder, names)
    return [os.path.join(folder, n) for n in names]


def _check_one_file_per_frame(folder: str, names: List[str]) -> None:
    """UserError when two of the (sorted) `names` give the same frame, such as frame_1.png and
    frame_01.png, or frame_1.png and frame_1.jpg: which one belongs in the film can only be guessed."""
    seen = {}
    for name in names:
        stem = tuple(natural_key(os.path.splitext(name)[0]))
        if stem in seen:
            raise UserError(f"{os.path.join(folder, name)}: the same frame number as {seen[stem]}; "
                            "keep one file per frame")
        seen[stem] = name


def as_eight_bit(image: Image.Image, path: str) -> Image.Image:
    """`image` with 8 bits per channel: 16-bit grey scaled down (Pillow's own conversion clips
    it, so a 16-bit frame would read as pure white); float images, and integer ones beyond 16
    bits, are refused, since their range is unknown."""
    if image.mode in SIXTEEN_BIT_MODES:
        grey = np.asarray(image, dtype=np.float64)
        if grey.size and (grey.max() > 65535 or grey.min() < 0):  # a 32-bit integer image
            raise UserError(f"{path}: 32-bit integer image (values from {grey.min():.0f} to {grey.max():.0f}); "
                            f"save the frames as 8- or 16-bit images")
        return Image.fromarray(np.clip(np.round(grey / 257.0), 0, 255).astype(np.uint8), mode="L")
    if image.mode == "F":
        raise UserError(f"{path}: 32-bit float image; save the frames as 8- or 16-bit images")
    return image


def read_frame(path: str, size: int) -> Tuple[np.ndarray, Tuple[int, int]]:
    """One image as uint8 (3, size, size) RGB, resized with antialiasing; also its original (w, h).

    Raises UserError naming the file when it cannot be decoded.
    """
    try:
        with Image.open(path) as image:
            original_size = image.size
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
            if orientation in SIDEWAYS_ORIENTATIONS:
                original_size = original_size[::-1]  # as a viewer shows it
            image.draft("RGB", (2 * size, 2 * size))  # JPEG: decode at a reduced scale
            if orientation != 1:  # before as_eight_bit, whose 16-bit copy carries no EXIF
                image = ImageOps.exif_transpose(image)
            image = as_eight_bit(image, path).convert("RGB")
            small = image.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=None)
    except Image.DecompressionBombError as err:
        raise UserError(f"{path}: image too large to read safely ({err})".splitlines()[0])
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise UserError(f"{path}: unreadable image ({err.__class__.__name__}: {err})".splitlines()[0])
    return np.asarray(small, dtype=np.uint8).transpose(2, 0, 1), original_size
