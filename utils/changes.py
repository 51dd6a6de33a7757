"""From latents to scene changes: pair scores, then a ranking of the pairs.

Label convention, used everywhere in this project: pair index i means "the scene changes
between frame i and frame i+1" (so a cut whose new shot starts at frame k is pair k-1).
"""

import numpy as np
import torch

from utils.gaussian import gaussian_kl


def pair_kl_scores(mu: np.ndarray, log_var: np.ndarray, distance: int = 1) -> np.ndarray:
    """KL( N_i || N_{i+distance} ) averaged over latent dims, for every i: shape (N - distance,).

    One vectorised computation over all pairs (float64 internally, float32 out).
    """
    mu_t = torch.as_tensor(np.asarray(mu), dtype=torch.float64)
    log_var_t = torch.as_tensor(np.asarray(log_var), dtype=torch.float64)
    if mu_t.ndim != 2 or mu_t.shape != log_var_t.shape:
        raise ValueError(f"mu and log_var must both be (N, latent_dim), got {tuple(mu_t.shape)} "
                         f"and {tuple(log_var_t.shape)}")
    if mu_t.shape[0] <= distance:
        return np.zeros(0, dtype=np.float32)
    kl = gaussian_kl(mu_t[:-distance], log_var_t[:-distance], mu_t[distance:], log_var_t[distance:])
    return kl.mean(dim=1).numpy().astype(np.float32)


def rank_changes(scores: np.ndarray, top_k: int = 0) -> np.ndarray:
    """Pair indices by descending score (ties: earlier pair first); the first `top_k` if > 0."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable").astype(np.int64)
    return order[:top_k] if top_k > 0 else order


def transition_distances(frame_rate: float, max_seconds: float = 2.0) -> list:
    """Temporal distances 1, 2, 4, ... frames, up to `max_seconds` of footage (at least [1])."""
    limit = max(1, int(round(frame_rate * max_seconds)))
    distances, d = [], 1
    while d <= limit:
        distances.append(d)
        d *= 2
    return distances


def centred_pair_scores(mu: np.ndarray, log_var: np.ndarray, distance: int) -> np.ndarray:
    """KL between frames `distance` apart, placed on the pair in the middle of the span: (N-1,).

    Entry j compares frame j - h with frame j - h + distance, h = (distance - 1) // 2, so a
    change between frames j and j+1 lies inside every span credited to j. Spans that run off
    either end of the film are scored 0.
    """
    n = len(mu)
    out = np.zeros(max(n - 1, 0), dtype=np.float32)
    raw = pair_kl_scores(mu, log_var, distance)
    if raw.size:
        h = (distance - 1) // 2
        out[h:h + raw.size] = raw
    return out


def multiscale_change_scores(mu: np.ndarray, log_var: np.ndarray, distances: list) -> np.ndarray:
    """One change score per frame pair that sees cuts and slow transitions alike: (N-1,).

    Each distance's centred KL curve is divided by its median (motion inside shots grows
    with distance; the median is that floor), compressed with log1p, and the curves are
    averaged. A cut lifts every curve at its pair; a transition of L frames lifts the
    curves with distance >= L around its middle, so both give one peak, centred.
    """
    curves = []
    for d in distances:
        curve = centred_pair_scores(mu, log_var, d).astype(np.float64)
        floor = np.median(curve[curve > 0]) if np.any(curve > 0) else 1.0
        curves.append(np.log1p(curve / max(floor, 1e-12)))
    return np.mean(curves, axis=0).astype(np.float32) if curves else np.zeros(0, np.float32)


def _rolling_median(values: np.ndarray, half_window: int) -> np.ndarray:
    padded = np.pad(values, half_window, mode="reflect" if values.size > half_window else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_window + 1)
    return np.median(windows, axis=1)


def select_changes(scores: np.ndarray, min_scene_len: int = 12, ratio: float = 2.0,
                   min_score: float = 1.0, window: int = 48) -> np.ndarray:
    """Flags (N-1,) bool: pairs whose score is a local peak that stands out, no count needed.

    A pair is a change when its score is the highest within +-min_scene_len pairs, at
    least `ratio` times the rolling median of the `window` pairs around it, and at least
    `min_score`. Peaks are taken greedily from the highest, so two changes are never closer
    than min_scene_len frames.
    """
    scores = np.asarray(scores, dtype=np.float64)
    flags = np.zeros(scores.size, dtype=bool)
    if scores.size == 0:
        return flags
    baseline = _rolling_median(scores, max(1, window // 2))
    candidates = np.flatnonzero((scores >= min_score) & (scores >= ratio * baseline))
    taken = np.zeros(scores.size, dtype=bool)
    for j in candidates[np.argsort(-scores[candidates], kind="stable")]:
        lo, hi = max(0, j - min_scene_len), min(scores.size, j + min_scene_len + 1)
        if not taken[lo:hi].any():
            flags[j] = True
            taken[j] = True
    return flags


def detect_changes(mu: np.ndarray, log_var: np.ndarray, frame_rate: float, min_scene_seconds: float = 0.4,
                   ratio: float = 3.0, cut_score: float = 3.0, transition_seconds: float = 2.0,
                   transition_score: float = 2.0) -> tuple:
    """Scene changes with no count given: (change_score (N-1,) float32, flags (N-1,) bool).

    Cuts are peaks of the neighbouring-frame score (distance 1, in units of its median
    over the film); gradual transitions (dissolves, wipes, pushes, whip pans) are peaks of
    the multi-distance score over spans up to `transition_seconds`, kept only where no
    cut lies within half that span. The returned score is the larger of the two curves,
    for ranking and plotting.
    """
    min_gap = max(1, int(round(min_scene_seconds * frame_rate)))
    window = max(8 * min_gap, 16)
    near = pair_kl_scores(mu, log_var, 1).astype(np.float64)
    cut_curve = np.log1p(near / max(float(np.median(near)) if near.size else 1.0, 1e-12))
    flags = select_changes(cut_curve, min_gap, ratio, cut_score, window)
    change_score = cut_curve
    distances = [d for d in transition_distances(frame_rate, transition_seconds) if d > 1]
    if distances and transition_seconds > 0:
        slow_curve = multiscale_change_scores(mu, log_var, distances).astype(np.float64)
        slow = select_changes(slow_curve, min_gap, ratio, transition_score, max(window, 4 * max(distances)))
        reach = max(distances) // 2 + min_gap
        cuts = np.flatnonzero(flags)
        for j in np.flatnonzero(slow):
            if cuts.size == 0 or np.min(np.abs(cuts - j)) > reach:
                flags[j] = True
        change_score = np.maximum(cut_curve, slow_curve)
    return change_score.astype(np.float32), flags
