"""A film's frames while its cache is still being built: a background thread decodes the film into
the frame cache (data/cache.py) and training draws its first batches from the frames decoded so
far, so that decoding and training overlap instead of adding up.

Which frames a batch may draw from is fixed by its place in the epoch, never by how fast decoding
went (models/training.FirstEpochDraws), so a seed gives the same model on a cold cache and on a
warm one, on a slow machine and a fast one.
"""

import threading
from typing import List, Optional, Tuple

import numpy as np
import torch

from data.cache import FrameCache, load_frames, read_all_frames

CHUNK = 256  # frames handed over by the decoder at a time


class FramesWhileDecoding:
    """The frames of one source as its cache is built by a background thread.

    `wait_for(n)` blocks until n frames are decoded (or decoding ended) and returns how many there
    are; `take_frames(indices)` gives those frames as a uint8 tensor; `finish()` waits for the end and
    returns the FrameCache. An error of the decoder (an unreadable video) is raised by whichever
    of these is called next, in the caller's thread. A cache that was already built is used as it
    is: every frame is there at once.
    """

    def __init__(self, source: str, cache_dir: Optional[str], size: int, fps: Optional[float]):
        self._chunks: List[np.ndarray] = []
        self._count = 0
        self._cache: Optional[FrameCache] = None
        self._all: Optional[np.ndarray] = None
        self._error: Optional[BaseException] = None
        self._done = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._decode, args=(source, cache_dir, size, fps),
                                        name="decoding", daemon=True)
        self._thread.start()

    def _decode(self, source, cache_dir, size, fps) -> None:
        try:
            cache = load_frames(source, cache_dir, size, fps, on_batch=self._add, batch_size=CHUNK)
            everything = read_all_frames(cache) if not self._chunks else None  # built before: all at once
            with self._changed:
                self._cache = cache
                if everything is not None:
                    self._all, self._count = everything, len(everything)
        except BaseException as error:  # handed to the training thread, which reports it
            with self._changed:
                self._error = error
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def _add(self, batch: np.ndarray) -> None:
        with self._changed:
            self._chunks.append(np.array(batch))
            self._count += len(batch)
            self._changed.notify_all()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def wait_for(self, count: int) -> int:
        """Waits until `count` frames are decoded or the film has ended; the frames there are."""
        with self._changed:
            self._changed.wait_for(lambda: self._count >= count or self._done)
            self._raise_error()
            return self._count

    @property
    def total(self) -> Optional[int]:
        """The film's frame count once decoding has ended, else None."""
        with self._changed:
            self._raise_error()
            return self._count if self._done else None

    @property
    def cache(self) -> Optional[FrameCache]:
        """The finished FrameCache once decoding has ended well, else None; never waits (an
        epoch stopped by Ctrl-C asks it, and a film still decoding is not to be waited for)."""
        with self._changed:
            return self._cache if self._done else None

    def take_frames(self, indices: torch.Tensor) -> torch.Tensor:
        """The frames at `indices` (all decoded already: wait_for first), uint8 (B, 3, S, S)."""
        picks = indices.numpy()
        with self._changed:
            if self._all is not None:
                return torch.from_numpy(self._all[picks])
            chunks = list(self._chunks)
        return torch.from_numpy(np.stack([chunks[i // CHUNK][i % CHUNK] for i in picks]))

    def finish(self) -> Tuple[FrameCache, np.ndarray]:
        """Waits for the decoder; the finished cache and all its frames in memory, (N, 3, S, S)
        uint8 (the error of the decoding, if it failed)."""
        self._thread.join()
        self._raise_error()
        if self._all is None:
            # the chunks let go before the whole film is read back from the cache (the page cache,
            # fast): holding both at once would double the frames' memory at this point
            with self._changed:
                self._chunks = []
            self._all = read_all_frames(self._cache)
        return self._cache, self._all
