"""List the frames of a folder in film order and read one frame as a small RGB array."""

import os
import re
import stat
import warnings
from collections import Counter
from typing import List, Tuple

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from utils.errors import UserError, first_few, first_line, read_path

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
# Pictures of kinds not read as frames: a folder holding one is warned about, since a frame
# saved so would be missing from the film without a word.
OTHER_PICTURE_EXTENSIONS = (".gif", ".apng", ".tga", ".ppm", ".pgm", ".exr", ".dpx", ".heic", ".avif", ".jxl",
                            ".jp2")
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
    listed = [n for n in read_path(os.listdir, folder, "folder of frames")
              if not n.startswith(".") and not os.path.isdir(os.path.join(folder, n))]  # a subfolder is no frame
    names = [n for n in listed if n.lower().endswith(IMAGE_EXTENSIONS)]
    special = [n for n in names if not _regular_or_broken(os.path.join(folder, n))]
    if special:  # a FIFO named like a frame would block the cache's reader forever
        warnings.warn(f"{folder}: {_some(sorted(special, key=natural_key))} left out: not a regular file "
                      "(a pipe, socket or device)")
        names = [n for n in names if n not in special]
    if not names:
        inner = sorted((n for n in read_path(os.listdir, folder, "folder of frames")
                        if not n.startswith(".") and os.path.isdir(os.path.join(folder, n))), key=natural_key)
        if inner:  # a season's folder of episode folders
            raise UserError(f"{folder}: no frames found, only folders ({first_few(inner)}); give the folder of each "
                            f"film's frames, or a quoted glob of them ('{os.path.join(folder, '*')}')")
        raise UserError(f"{folder}: no frames found (expected images named like frame_<n>.png; "
                        f"formats: {', '.join(e[1:] for e in IMAGE_EXTENSIONS)})")
    other = sorted((n for n in listed if n.lower().endswith(OTHER_PICTURE_EXTENSIONS)), key=natural_key)
    if other:
        warnings.warn(f"{folder}: {_some(other)} left out: not a frame format "
                      f"({', '.join(e[1:] for e in IMAGE_EXTENSIONS)})")
    names = _numbered_only(folder, names)
    names.sort(key=natural_key)
    _check_one_file_per_frame(folder, names)
    _check_no_copies(folder, names)
    names = _named_like_the_frames(folder, names)
    _warn_missing_numbers(folder, names)
    return [os.path.join(folder, n) for n in names]


def _regular_or_broken(path: str) -> bool:
    """Whether `path` is a regular file (or a link to one), or a broken link, which the cache
    names as such; not a FIFO, socket or device."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # unreadable: said by the cache, naming it


def _some(names: List[str], shown: int = 3) -> str:
    """`names` for a one-line message: the first few, and how many more."""
    return f"{len(names)} file{'s' if len(names) > 1 else ''} ({first_few(names, shown)})"


def _numbered_only(folder: str, names: List[str]) -> List[str]:
    """The images with a number in their name, where some have one: a cover or a still with no
    number among numbered frames has no place in the film, and would be sorted in as its first
    frame. A folder with no number in any name keeps every image, in the order of the names."""
    numbered = [n for n in names if _NUMBER.search(os.path.splitext(n)[0])]
    if numbered and len(numbered) < len(names):
        unnumbered = sorted(set(names) - set(numbered), key=natural_key)
        warnings.warn(f"{folder}: {_some(unnumbered)} left out: no frame number in the name, among numbered frames")
        return numbered
    return names


def _named_like_the_frames(folder: str, names: List[str]) -> List[str]:
    """The images named like most of the folder's frames (frame_<n>): a numbered picture of another
    name among them (poster_1.png, cover_01.jpg) would be sorted in before or after every frame,
    as the film's first frame (moving every frame number on by one) or its last; it is left out,
    with a warning."""
    stems = [os.path.splitext(n)[0].lower() for n in names]
    template, count = Counter(_NUMBER.sub("#", stem) for stem in stems).most_common(1)[0]
    if template.count("#") != 1 or count <= len(names) / 2 or count == len(names):
        return names
    prefix = template.split("#")[0]
    other = [n for n, stem in zip(names, stems)
             if not (stem.startswith(prefix) and _NUMBER.match(stem[len(prefix):]))]
    if not other:
        return names
    warnings.warn(f"{folder}: {_some(other)} left out: not named like the frames ({prefix}<n>)")
    left_out = set(other)
    return [n for n in names if n not in left_out]


def _warn_missing_numbers(folder: str, names: List[str]) -> None:
    """A warning when frames named alike (frame_<n>) skip numbers: frames are counted in order,
    so every frame after a gap is numbered in scenes and labels as the gap shifts it."""
    templates = {_NUMBER.sub("#", os.path.splitext(n)[0]) for n in names}
    if len(templates) != 1 or next(iter(templates)).count("#") != 1:
        return
    numbers = np.array([int(_NUMBER.search(os.path.splitext(n)[0]).group(1)) for n in names])
    steps = np.diff(numbers)
    if steps.size and (steps > 1).any() and not (steps == steps[0]).all():
        first = int(np.flatnonzero(steps > 1)[0])
        missing = int((steps[steps > 1] - 1).sum())
        warnings.warn(f"{folder}: {missing} frame number{'s' if missing > 1 else ''} missing (the first after "
                      f"{names[first]}); frames are counted in order, so those after a gap are numbered "
                      "as if it were not there")


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


def _check_no_copies(folder: str, names: List[str]) -> None:
    """UserError when a frame of the folder's numbering (most names alike: frame_<n>) is there a
    second time under a name with more after its number, as a file manager names a copy
    ("frame_5 copy.png", "frame_5 (1).png", "frame_5 - Copy.png"): read as one more frame, it would
    move every later frame one number on, and the labels with them."""
    stems = {name: os.path.splitext(name)[0] for name in names}
    templates = Counter(_NUMBER.sub("#", stem) for stem in stems.values())
    template, count = templates.most_common(1)[0]
    if template.count("#") != 1 or not len(names) / 2 < count < len(names):
        return
    prefix = template.split("#")[0]
    numbered = {int(_NUMBER.search(stem).group(1)): name for name, stem in stems.items()
                if _NUMBER.sub("#", stem) == template}
    for name, stem in stems.items():
        number = _NUMBER.match(stem[len(prefix):]) if stem.startswith(prefix) else None
        if number and _NUMBER.sub("#", stem) != template and int(number.group(1)) in numbered:
            raise UserError(f"{os.path.join(folder, name)}: the same frame number as {numbered[int(number.group(1))]} "
                            "(a copy of it?); keep one file per frame")


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


def picture_count(path: str) -> int:
    """How many pictures the image file `path` holds (an animated WebP or PNG, a multi-page TIFF:
    more than one); 1 where it cannot be opened, which the reading of it says."""
    try:
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return 1  # named when the file is read as a frame


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
        raise UserError(f"{path}: image too large to read safely ({first_line(str(err))})")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise UserError(f"{path}: unreadable image ({err.__class__.__name__}: {first_line(str(err))})")
    return np.asarray(small, dtype=np.uint8).transpose(2, 0, 1), original_size
