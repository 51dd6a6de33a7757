"""What a checkpoint keeps of each film it was trained on, so that `--resume` can tell whether the
film now at that path is still that film.

A print holds the film's path, the number and size of its frames as trained on (the frame cache)
and 8x8 thumbnails of a few evenly spaced frames: under 2 KB, read from the cache in a blink.
The thumbnails are compared with a tolerance, not hashed: a cache built again by another version
of FFmpeg or Pillow may differ by a level here and there, and is still the same film, whereas
another film's pictures differ by far more. A film still being decoded when Ctrl-C stopped the
first epoch is not printed (None): its count is not known yet, and Ctrl-C does not wait for it.
"""

import os
from typing import TYPE_CHECKING, Dict, List, Optional

import numpy as np
import torch

from utils.errors import first_few

if TYPE_CHECKING:  # checkpoint_fields reads SHOWN and THUMBNAIL without loading the decoders
    from data.cache import FrameCache

SHOWN = 8  # frames of a film whose thumbnails a print keeps
THUMBNAIL = 8  # their side, in pixels
# Mean difference, in levels of 255, from which a thumbnail is another picture: a film decoded
# again differs by about one level, another film by tens.
TOLERANCE = 6.0


def shown_frames(count: int) -> np.ndarray:
    """The frames of a film of `count` frames whose thumbnails its print keeps: SHOWN evenly
    spaced ones, first and last among them, so that any stretch of the film is near one."""
    return np.unique(np.linspace(0, count - 1, min(SHOWN, count)).round().astype(np.int64))


def film_print(cache: "FrameCache") -> Dict:
    """The print of the film whose frames `cache` holds, for a checkpoint."""
    count, size = len(cache), int(cache.frames.shape[-1])
    picked = np.asarray(cache.frames[shown_frames(count)], dtype=np.float32)
    block = size // THUMBNAIL
    small = picked[..., :block * THUMBNAIL, :block * THUMBNAIL].reshape(
        len(picked), 3, THUMBNAIL, block, THUMBNAIL, block).mean(axis=(3, 5))
    return {"source": os.path.abspath(cache.source), "frames": count, "size": size,
            "thumbnails": torch.from_numpy(small.round().astype(np.uint8))}


def film_difference(then: Dict, now: Dict) -> str:
    """'' when the prints `then` and `now` are of one film, else how the films differ, for a
    one-line message ("40 frames of 64x64 then, 38 now")."""
    trained = f"{then['frames']} frames of {then['size']}x{then['size']}"
    if then["size"] != now["size"]:
        return f"{trained} then, {now['frames']} of {now['size']}x{now['size']} now"
    if then["frames"] != now["frames"]:
        return f"{trained} then, {now['frames']} now"
    apart = (then["thumbnails"].float() - now["thumbnails"].float()).abs().mean(dim=(1, 2, 3))
    other = [int(frame) for frame, gap in zip(shown_frames(then["frames"]), apart.tolist()) if gap > TOLERANCE]
    if not other:
        return ""
    return f"{trained} both times, but frame {other[0]} is another picture"


def sources_difference(then: List[Optional[Dict]], now: List[Optional[Dict]]) -> str:
    """'' when the prints `then` and `now` (one a film, in the order trained on; None for a film
    not printed) are as many, else which films there were and are (a pattern of --train_folder that
    now matches other files). Their paths are not compared: a relative path resumed from another
    folder names the same film, and the film itself is compared, print by print."""
    if len(then) == len(now):
        return ""
    names = [first_few(os.path.basename(print_["source"]) if print_ else "?" for print_ in prints)
             for prints in (then, now)]
    return f"{names[0]} then, {names[1]} now"
