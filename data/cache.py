"""Decode a frame source once into a uint8 cache (N x 3 x S x S) and reuse it.

A source is a folder of images or a video file. Its cache lives in
`<cache_dir>/<name>-<hash>/`: `frames.u8` (raw uint8, read back as a memory map, so a
feature film costs no RAM until a batch touches it), `source_index.npy` and
`timestamps.npy` (where each cached frame came from in the source), and `meta.json`
(with the number of frames in the source and where it ends, which --fps sampling can skip),
written last, which records the source's signature (file names, sizes, modification
times). A cache whose signature no longer matches its source is rebuilt; a build is
written to a temporary folder and renamed into place, so an interrupted build is never
mistaken for a finished one.
"""

import contextlib
import glob
import hashlib
import json
import math
import os
import stat
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple

import numpy as np
from tqdm import tqdm

from data import video
from data.frames import IMAGE_EXTENSIONS, list_frame_files, picture_count, read_frame
from utils.atomic import remove_leftovers, writable_folder, write_folder_with
from utils.errors import UserError, os_reason, read_path
from utils.paths import NAME_BYTES, portable_name
from utils.run_folder import check_not_a_run_folder

CACHE_VERSION = 1
# Frame folders carry no timing; timecodes assume this rate (the paper's film is ~24 fps).
FOLDER_FPS = 24.0


class CacheRebuiltWarning(UserWarning):
    """A cache whose files were damaged was built again from its source."""


class AssumedRateWarning(UserWarning):
    """A folder of frames was given no --fps: its times are counted at FOLDER_FPS."""


def warn_assumed_rate(cache: "FrameCache", fps: Optional[float]) -> bool:
    """Say, and return True, when the times of `cache` rest on an assumed rate: a folder of frames
    (other than the bundled sample, made at that rate) read without --fps."""
    from data.sample import SAMPLE_FOLDER
    if cache.kind != "folder" or fps or SAMPLE_FOLDER in os.path.normpath(cache.source).split(os.sep):
        return False
    warnings.warn(f"{cache.source}: a folder of frames says nothing of its frame rate; {FOLDER_FPS:g} frames per "
                  "second is assumed for its timecodes and for the seconds of --transition_seconds and "
                  f"--min_scene_len (a 25 fps film's times would be 4% off): give --fps with the rate it was taken at",
                  AssumedRateWarning, stacklevel=2)
    return True


@dataclass
class FrameCache:
    """Frames of one source at model resolution, with where each came from."""
    source: str
    frames: np.ndarray          # (N, 3, S, S) uint8, usually a read-only memory map
    source_index: np.ndarray    # (N,) int64: frame number in the source (decode order / file order)
    timestamps: np.ndarray      # (N,) float64 seconds
    source_fps: float           # frame rate of the source (FOLDER_FPS for folders)
    kind: str                   # "folder" or "video"
    folder: str                 # the cache folder itself
    source_frames: int          # frames in the source, sampled or not
    end_time: float             # seconds from the first frame to the end of the last one

    def __len__(self) -> int:
        return int(self.frames.shape[0])


def default_cache_dir() -> str:
    """$REPRO_VAE_CACHE, else ~/.cache/repro-vae."""
    return os.environ.get("REPRO_VAE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "repro-vae")


def frame_sources(value) -> List[str]:
    """The frame sources an option names: one path, a list of paths, or glob patterns among them
    (expanded in sorted order; a pattern that matches nothing is a UserError). A film named twice
    (the same file or folder, however written) is a UserError: training would weigh it double, and
    inference would write its results twice under two names."""
    if value is None:
        return []
    found = []
    for item in ([value] if isinstance(value, str) else list(value)):
        if glob.has_magic(item) and not os.path.exists(item):
            matches = sorted(glob.glob(item))
            if not matches:
                raise UserError(f"{item}: no file or folder matches this pattern")
            found.extend(matches)
        else:
            found.append(item)
    _check_each_once(found)
    return found


def _check_each_once(sources: List[str]) -> None:
    seen = {}
    for source in sources:
        key = os.path.realpath(source)
        if key in seen:
            same = "" if seen[key] == source else f" (as {seen[key]} too)"
            raise UserError(f"{source}: the same film is given twice{same}; give each film once")
        seen[key] = source


def source_names(sources: List[str]) -> List[str]:
    """A folder name for each source's results: its file or folder name without the extension, as
    utils.paths.portable_name writes it (第1話 and café kept, what a file system refuses made _),
    made unique with a number where two are alike. The number never makes the name of another
    film given (ep/x, ep2/x and x_2 are x, x_3 and x_2: two films' results in one folder would
    have the later replace or refuse the earlier), nor one that differs in case alone (one
    folder on the file systems of macOS and Windows)."""
    bases = []
    for source in sources:
        base = os.path.splitext(os.path.basename(os.path.normpath(source)))[0] or "frames"
        bases.append(portable_name(base))
    own = {base.casefold() for base in bases}
    names, taken = [], set()
    for base in bases:
        name, number = base, 1
        while name.casefold() in taken or (number > 1 and name.casefold() in own):
            number += 1
            suffix = f"_{number}"  # within the name's length, the base cut for it
            name = portable_name(base, NAME_BYTES - len(suffix)) + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def check_frame_source(source: str, scores_changes: bool = False) -> str:
    """"folder" or "video", once `source` is known to be a folder of frames that can be listed or a
    video file that can be read; else a UserError. Cheap: scripts call it before any long work.
    `scores_changes`: a folder of one frame is refused too (a video's frames are counted as read)."""
    kind = _source_kind(source)
    if kind == "folder":
        check_not_a_run_folder(source)
        if len(list_frame_files(source)) < 2 and scores_changes:  # before an earlier film's results are written
            raise UserError(f"{source}: needs at least two frames to score a change")
    else:
        video.probe_video(source)  # opens it and decodes its first frame: an empty or broken file says so now
    return kind


def _source_kind(source: str) -> str:
    status = read_path(os.stat, source, "folder or video file")
    if stat.S_ISDIR(status.st_mode):
        return "folder"
    if stat.S_ISREG(status.st_mode):
        if video.is_video_file(source):
            return "video"
        if source.lower().endswith(IMAGE_EXTENSIONS):
            count = picture_count(source)
            if count > 1:  # FFmpeg does not decode an animated WebP, and a folder's frame is one picture
                raise UserError(f"{source}: an animated picture of {count} frames, which is not read as a film; "
                                "convert it to a video file (mp4, gif, ...) or save its frames as a folder of images")
            # frames/*.png given for the folder
            raise UserError(f"{source}: one image, not a film; give the folder of frames that holds it "
                            f"({os.path.dirname(source) or '.'})")
        raise UserError(f"{source}: not a folder of frames nor a video file this tool reads "
                        f"({', '.join(video.VIDEO_EXTENSIONS)})")
    raise UserError(f"{source}: not a folder of frames nor a video file this tool reads")


def _signature(source: str, kind: str) -> Tuple[str, List[str]]:
    """A hash that changes whenever the source's frames may have changed; also the frame files."""
    digest = hashlib.sha1()
    files: List[str] = []
    if kind == "folder":
        files = list_frame_files(source)
        for path in files:
            info = _frame_file_status(path)
            digest.update(f"{os.path.basename(path)}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    else:
        info = os.stat(source)
        digest.update(f"{info.st_size}|{info.st_mtime_ns}".encode())
    return digest.hexdigest(), files


def _frame_file_status(path: str) -> os.stat_result:
    """os.stat of one frame file, a broken link or an unreadable file turned into a UserError
    naming it."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UserError(f"{path}: broken link (it points to {os.readlink(path)}, which does not exist)")
        raise UserError(f"{path}: the frame file disappeared while the folder was read")
    except OSError as err:
        raise UserError(f"{path}: the frame file cannot be read ({os_reason(err)})")


def _cache_folder(cache_dir: str, source: str, size: int, fps: Optional[float]) -> str:
    if os.path.isdir(source) and os.path.realpath(cache_dir) == os.path.realpath(source):
        raise UserError(f"{cache_dir}: the cache folder is the folder of frames {source}, which this tool does not "
                        "write into; give another --cache_dir (or REPRO_VAE_CACHE)")
    key = f"{os.path.abspath(source)}|{size}|{fps}|{CACHE_VERSION}"
    name = portable_name(os.path.basename(os.path.abspath(source)))[:40] or "frames"
    # a path of bytes that are not UTF-8 (bad\xffname/) is kept as the bytes it names
    return os.path.join(cache_dir, f"{name}-{hashlib.sha1(os.fsencode(key)).hexdigest()[:12]}")


def _read_meta(folder: str) -> Optional[dict]:
    try:
        with open(os.path.join(folder, "meta.json")) as handle:
            meta = json.load(handle)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None  # anything else is a damaged cache


def _number(value, whole: bool = False) -> bool:
    """Whether a meta.json field is a finite number (a whole one when `whole`), not a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) if whole else math.isfinite(value)


def _meta_is_valid(meta: dict, size: int) -> bool:
    """Whether every field of a cache's meta.json that _open reads has its type and range: a
    record edited by hand or written by a faulty build is rebuilt, never trusted."""
    count, frames = meta.get("count"), meta.get("source_frames", meta.get("count"))
    return (meta.get("size") == size and _number(size, whole=True) and 1 <= size <= 4096 and meta.get("kind") in ("folder", "video")
            and _number(count, whole=True) and count >= 1
            and _number(meta.get("source_fps")) and 0 < meta["source_fps"] <= 1e6
            and (meta.get("kind") != "folder" or meta["source_fps"] == FOLDER_FPS)
            and _number(frames, whole=True) and frames >= 1
            and ("source_end_time" not in meta or (_number(meta["source_end_time"]) and meta["source_end_time"] >= 0))
            and (meta.get("fps") is None or (_number(meta["fps"]) and meta["fps"] > 0))
            and all(meta.get(k) in (None, False) or isinstance(meta.get(k), str) for k, _ in video.TALLY_WARNINGS))


def _open(folder: str, meta: dict, source: str) -> Optional[FrameCache]:
    """The cache in `folder`, or None when its files are damaged or missing (a disk that
    filled up, a file deleted by hand): the caller builds it again."""
    if not _meta_is_valid(meta, meta.get("size")):
        return None
    shape = (meta["count"], 3, meta["size"], meta["size"])
    try:
        frames = np.memmap(os.path.join(folder, "frames.u8"), dtype=np.uint8, mode="r", shape=shape)
        source_index = np.load(os.path.join(folder, "source_index.npy"), allow_pickle=False)
        timestamps = np.load(os.path.join(folder, "timestamps.npy"), allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if (os.path.getsize(os.path.join(folder, "frames.u8")) != frames.size or source_index.shape != (shape[0],)
            or timestamps.shape != (shape[0],)):
        return None
    if meta.get("source_frames", 0) and int(source_index.max(initial=0)) >= meta["source_frames"]:
        return None  # fewer source frames than the cached ones name: a damaged record
    if "source_end_time" in meta and timestamps.size and meta["source_end_time"] <= float(timestamps[-1]):
        return None  # the film would end before its last frame starts
    source_fps = float(meta["source_fps"])
    # caches of every frame written before these were recorded end at their last frame
    end_time = meta.get("source_end_time", float(timestamps[-1]) + 1.0 / source_fps)
    return FrameCache(source=source, frames=frames, source_index=source_index, timestamps=timestamps,
                      source_fps=source_fps, kind=meta["kind"], folder=folder,
                      source_frames=int(meta.get("source_frames", int(source_index[-1]) + 1)),
                      end_time=float(end_time))


def _folder_frames(files: List[str], size: int, show_progress: bool) -> Iterator[Tuple[np.ndarray, int, float]]:
    """Frames of an image folder in order, decoded by a few threads; checks sizes agree."""
    first_size, bar = None, None
    pool = ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2))
    try:
        decoded = pool.map(lambda p: read_frame(p, size), files)
        bar = tqdm(decoded, total=len(files), unit="frame", desc="caching frames", disable=not show_progress)
        for position, (rgb, original_size) in enumerate(bar):
            if first_size is None:
                first_size = original_size
            elif original_size != first_size:
                raise UserError(f"{files[position]}: frame is {original_size[0]}x{original_size[1]} but "
                                f"{os.path.basename(files[0])} is {first_size[0]}x{first_size[1]} "
                                "(mixed frame sizes in one folder)")
            yield rgb, position, position / FOLDER_FPS
    finally:
        if bar is not None:
            bar.close()
        pool.shutdown(wait=True, cancel_futures=True)


def _build(source: str, kind: str, files: List[str], folder: str, signature: str, size: int,
           fps: Optional[float], show_progress: bool, on_batch: Optional[Callable] = None,
           batch_size: int = 256) -> dict:
    """Decode `source` into a new cache folder, written beside `folder` and renamed into place."""
    built = {}

    tally = video.DecodeTally()

    def write(staging: str) -> None:
        if kind == "folder":
            frames = _folder_frames(files, size, show_progress)
            source_fps = FOLDER_FPS
            tally.frames, tally.end_time = len(files), len(files) / FOLDER_FPS
        else:
            info = video.probe_video(source)
            frames = video.iter_video_frames(source, size=size, fps=fps, show_progress=show_progress, tally=tally)
            source_fps = info.fps
        indices, times, pending = [], [], []
        with open(os.path.join(staging, "frames.u8"), "wb") as raw, contextlib.closing(frames):
            # closing: a failure here (a full disk) ends the decoding and its progress bar before the
            # error line is printed, not whenever the generator is collected
            for rgb, index, timestamp in frames:
                rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
                raw.write(rgb.tobytes())
                indices.append(index)
                times.append(timestamp)
                if on_batch is not None:
                    pending.append(rgb)
                    if len(pending) == batch_size:
                        on_batch(np.stack(pending))
                        pending = []
        if on_batch is not None and pending:
            on_batch(np.stack(pending))
        if not indices:
            raise UserError(f"{source}: no frames could be read")
        np.save(os.path.join(staging, "source_index.npy"), np.asarray(indices, dtype=np.int64))
        np.save(os.path.join(staging, "timestamps.npy"), np.asarray(times, dtype=np.float64))
        built.update({"version": CACHE_VERSION, "source": os.path.abspath(source), "kind": kind,
                      "signature": signature, "count": len(indices), "size": size, "fps": fps,
                      "source_fps": source_fps, "source_frames": tally.frames,
                      "source_end_time": tally.end_time,
                      **{k: getattr(tally, k) for k, _ in video.TALLY_WARNINGS}})
        with open(os.path.join(staging, "meta.json"), "w") as handle:
            json.dump(built, handle, indent=1)

    writable_folder(os.path.dirname(folder), "cache folder")
    write_folder_with(folder, write)
    return built


def load_frames(source: str, cache_dir: Optional[str] = None, size: int = 64,
                fps: Optional[float] = None, show_progress: bool = True,
                on_batch: Optional[Callable] = None, batch_size: int = 256) -> FrameCache:
    """The cached frames of `source` (a folder of images or a video), building the cache if needed.

    When the cache is built, `on_batch` (if given) receives the new frames in order, as
    (batch_size, 3, S, S) uint8 arrays (the last may be shorter), while decoding goes on: work
    on them overlaps with decoding. It is not called when the cache was already there.

    `fps` samples a video at that rate (None: every frame); for a folder it is the rate the
    frames were taken at (default FOLDER_FPS), which only sets their timestamps.
    Raises UserError for a missing, empty or unreadable source.
    """
    kind = _source_kind(source)
    folder_fps = fps
    if kind == "folder":
        fps = None
    folder = _cache_folder(cache_dir or default_cache_dir(), source, size, fps)
    remove_leftovers(os.path.dirname(folder))  # builds killed outright, which can be gigabytes
    signature, files = _signature(source, kind)
    meta = _read_meta(folder)
    cache = None
    if (meta and meta.get("version") == CACHE_VERSION and meta.get("signature") == signature
            and meta.get("size") == size and (fps is None or "source_frames" in meta)
            # a video that broke off, cached before damaged packets were skipped (its meta has no
            # "damaged"): the frames after a bad packet may now be read
            and (not meta.get("truncated") or "damaged" in meta)):
        cache = _open(folder, meta, source)
        if cache is None:
            warnings.warn(f"{folder}: the frame cache is damaged; building it again", CacheRebuiltWarning,
                          stacklevel=2)
        else:  # said when the cache was built; the frames are still those read
            for key, category in video.TALLY_WARNINGS:
                if meta.get(key):
                    warnings.warn(meta[key], category, stacklevel=2)
    if cache is None:
        meta = _build(source, kind, files, folder, signature, size, fps, show_progress, on_batch, batch_size)
        cache = _open(folder, meta, source)
        if cache is None:
            raise UserError(f"{folder}: the frame cache just built cannot be read back (is the disk full?)")
    if kind == "folder" and folder_fps:
        cache.source_fps = float(folder_fps)
        cache.timestamps = cache.source_index / cache.source_fps
        cache.end_time = cache.source_frames / cache.source_fps
    return cache


def frame_batches(frames, batch_size: int) -> Iterator[np.ndarray]:
    """Consecutive (B, 3, S, S) uint8 batches of a FrameCache or an array, in order.

    A cache is read from its file into one reused buffer, not through the memory map, so
    that encoding a whole film leaves neither mapped pages nor a fragmented heap behind:
    memory stays flat at any length. Each batch is valid until the next one is taken.
    """
    if not isinstance(frames, FrameCache):
        for start in range(0, len(frames), batch_size):
            yield np.asarray(frames[start:start + batch_size])
        return
    count, frame_shape = len(frames), frames.frames.shape[1:]
    buffer = np.empty((min(batch_size, count), *frame_shape), dtype=np.uint8)  # no bigger than the film
    with open(os.path.join(frames.folder, "frames.u8"), "rb", buffering=0) as raw:
        for start in range(0, count, batch_size):
            size = min(batch_size, count - start)
            view = memoryview(buffer[:size].reshape(-1))
            raw.seek(start * buffer[0].size)
            filled = 0
            while filled < len(view):
                got = raw.readinto(view[filled:])
                if not got:
                    raise UserError(f"{frames.folder}: frame cache is shorter than its meta.json says; delete it")
                filled += got
            yield buffer[:size]


def read_all_frames(cache: FrameCache, chunk: int = 4096) -> np.ndarray:
    """The whole cache as one in-memory (N, 3, S, S) uint8 array, read without mapping the file."""
    frames = np.empty(cache.frames.shape, dtype=np.uint8)
    for start, batch in zip(range(0, len(cache), chunk), frame_batches(cache, chunk)):
        frames[start:start + len(batch)] = batch
    return frames


def sampled_frame_rate(cache: FrameCache, fps: Optional[float]) -> float:
    """Frames per second of the cached frames: the --fps sampling rate, else the source's rate."""
    if cache.kind == "video" and fps:
        return min(float(fps), cache.source_fps)
    return cache.source_fps


def sampling_note(fps: Optional[float], kept: int, source_frames: int) -> str:
    """" (--fps F keeps K of its N)" when --fps sampled a film of N frames down to K, to say
    what left too few frames; "" when there was no sampling or the film itself is that short."""
    return f" (--fps {fps:g} keeps {kept} of its {source_frames})" if fps and source_frames >= 2 else ""
