"""The pictures on either side of a change, at the size the film was made, for the report.

Frames come from the source (data/full_frames.py); a frame the decoder does not give back
comes from the 64x64 frame cache, enlarged.
"""

from typing import Dict, Iterable

from PIL import Image

from data.cache import FrameCache
from data.full_frames import full_frames
from utils.atomic import write_with

# Height of each picture in a before/after pair (pixels): small enough for 50 pairs a group.
PICTURE_HEIGHT = 110


def film_pictures(cache: FrameCache, cached_indices: Iterable[int]) -> Dict[int, Image.Image]:
    """RGB images of these cached frames, keyed by cached index."""
    wanted = sorted(set(int(i) for i in cached_indices))
    source_numbers = {index: int(cache.source_index[index]) for index in wanted}
    read = full_frames(cache.source, cache.kind, source_numbers.values())
    pictures = {index: read[number] for index, number in source_numbers.items() if number in read}
    for index in wanted:
        if index not in pictures:
            pictures[index] = Image.fromarray(cache.frames[index].transpose(1, 2, 0))
    return pictures


def save_before_after(before: Image.Image, after: Image.Image, path: str, gap: int = 4) -> str:
    """The two pictures side by side, PICTURE_HEIGHT high, as a PNG."""
    return save_picture_row([before, after], path, PICTURE_HEIGHT, gap)


def save_picture_row(pictures, path: str, height: int, gap: int = 3) -> str:
    """Pictures side by side, each `height` high, as a PNG."""
    scaled = [p.resize((max(1, round(p.width * height / max(p.height, 1))), height), Image.LANCZOS) for p in pictures]
    row = Image.new("RGB", (sum(p.width for p in scaled) + gap * (len(scaled) - 1), height), "white")
    x = 0
    for picture in scaled:
        row.paste(picture, (x, 0))
        x += picture.width + gap
    return write_with(path, lambda tmp: row.save(tmp, format="PNG"))
