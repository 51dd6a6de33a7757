"""The source's frames at the size the film was made, not the 64x64 cache's: the pictures a
person looks at (the scene thumbnails, the report's pictures either side of a change).

The one reader of them: a video is decoded once up to the last frame wanted (data/video.py);
the image files of a folder are read one by one and brought to 8-bit RGB as the cache reads
them (data/frames.py), so a 16-bit frame shows its picture, not white.
"""

from typing import Dict, Iterable

from PIL import Image

from data.frames import as_eight_bit, list_frame_files
from data.video import grab_frames


def full_frames(source: str, kind: str, numbers: Iterable[int]) -> Dict[int, Image.Image]:
    """RGB images of these source frames (0-based numbers in film order), keyed by number, of
    the video (`kind` "video") or frame folder `source`. A frame a video's decoder does not give
    back is left out."""
    wanted = sorted(set(int(n) for n in numbers))
    if kind == "video":
        return grab_frames(source, wanted)
    files = list_frame_files(source)
    pictures = {}
    for number in wanted:
        with Image.open(files[number]) as image:
            pictures[number] = as_eight_bit(image, files[number]).convert("RGB")
    return pictures
