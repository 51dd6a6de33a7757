"""The score: how far the latents move across a span, against the motion on either side and the film's variety.

Label convention, used everywhere in this project: pair index i means "the scene changes
between frame i and frame i+1" (so a cut whose new shot starts at frame k is pair k-1).

For a pair j and a half-width h (0, 1, 2, 4, ... frames), the latent Gaussians of three spans
of 2h+1 frame steps are compared:

    across  KL(frame j-h || frame j+1+h)      the picture just before vs just after the pair
    before  the same length of span, ending where `across` starts   (motion inside the shot before)
    after   the same length of span, starting where `across` ends   (motion inside the shot after)

A change at scale h is where `across` stands out against two references at once: `contrast`
times the motion inside the shots on either side, and `magnitude` times the film's typical
distance between two unrelated moments (or `motion` times its ordinary motion at that span
length, where higher). The confidence is log(across / (threshold x the larger reference)):
>= 0 is a change. The first reference is local, so a burst of cuts does not raise it; the
second comes from the film's variety, so a film with many cuts does not raise it either. A cut
stands out at h = 0; a dissolve, wipe or morph of L frames at h >= L/2.
"""

from typing import List

import numpy as np
import torch

from models.gaussian import gaussian_kl
from selection.config import SelectionConfig


def as_tensors(mu: np.ndarray, log_var: np.ndarray):
    """float64 tensors of the latents, checked to be two (N, latent_dim) arrays of one shape."""
    mu_t = torch.as_tensor(np.asarray(mu), dtype=torch.float64)
    log_var_t = torch.as_tensor(np.asarray(log_var), dtype=torch.float64)
    if mu_t.ndim != 2 or mu_t.shape != log_var_t.shape:
        raise ValueError(f"mu and log_var must both be (N, latent_dim), got {tuple(mu_t.shape)} "
                         f"and {tuple(log_var_t.shape)}")
    return mu_t, log_var_t


def frame_kl(mu, log_var, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """KL( N_first || N_second ) averaged over latent dims, for index arrays of frames (float64)."""
    mu_t, log_var_t = as_tensors(mu, log_var)
    a = torch.as_tensor(np.asarray(first, dtype=np.int64))
    b = torch.as_tensor(np.asarray(second, dtype=np.int64))
    if a.numel() == 0:
        return np.zeros(0)
    return gaussian_kl(mu_t[a], log_var_t[a], mu_t[b], log_var_t[b]).mean(dim=1).numpy()


def pair_kl_scores(mu, log_var, distance: int = 1) -> np.ndarray:
    """KL( N_i || N_{i+distance} ) averaged over latent dims, for every i: (N - distance,) float32."""
    mu_t, log_var_t = as_tensors(mu, log_var)
    if mu_t.shape[0] <= distance:
        return np.zeros(0, dtype=np.float32)
    kl = gaussian_kl(mu_t[:-distance], log_var_t[:-distance], mu_t[distance:], log_var_t[distance:])
    return kl.mean(dim=1).numpy().astype(np.float32)


def span_kls(mu, log_var, length: int) -> np.ndarray:
    """KL(frame s || frame s + length) for every start s: (N - length,) float64. Every span of
    one scale (across, before, after, and the film's ordinary motion) is read from it."""
    starts = np.arange(max(len(mu) - length, 0))
    return frame_kl(mu, log_var, starts, starts + length)


def unrelated_pairs(n: int, frame_rate: float, config: SelectionConfig = SelectionConfig()):
    """Up to `typical_pairs` pairs of frames (first, second), drawn with a fixed seed, at least
    `unrelated_seconds` apart (or a quarter of the film): two moments the film does not relate."""
    gap = max(1, min(int(round(config.unrelated_seconds * frame_rate)), n // 4))
    rng = np.random.default_rng(0)
    first = rng.integers(0, n, config.typical_pairs)
    second = rng.integers(0, n, config.typical_pairs)
    apart = np.abs(first - second) >= gap
    if not apart.any():
        return np.array([0]), np.array([n - 1])
    return first[apart], second[apart]


def typical_distance(mu, log_var, frame_rate: float, config: SelectionConfig = SelectionConfig()) -> float:
    """Median KL between unrelated moments: the scale of a scene change in this film. It
    measures the film's variety, so neither the number of cuts nor long still shots move it."""
    first, second = unrelated_pairs(len(mu), frame_rate, config)
    return max(float(np.median(frame_kl(mu, log_var, first, second))), 1e-12)


def ordinary_motion(span_kl: np.ndarray) -> float:
    """The film's ordinary motion over one span length: the median KL of every pair of frames
    that far apart. 0 for an empty film."""
    return float(np.median(span_kl)) if np.size(span_kl) else 0.0


def transition_half_widths(frame_rate: float, transition_seconds: float) -> List[int]:
    """Half-widths h = 1, 2, 4, ... whose spans (2h+1 frames) fit in `transition_seconds`."""
    limit = transition_seconds * frame_rate
    widths, h = [], 1
    while 2 * h + 1 <= limit:
        widths.append(h)
        h *= 2
    return widths


def value_at(span: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """span[s] for each start s; NaN where the span would leave the film."""
    out = np.full(starts.size, np.nan)
    inside = (starts >= 0) & (starts < span.size)
    out[inside] = span[starts[inside]]
    return out


def larger(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise maximum where NaN means "not measured" (NaN only where both are)."""
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.maximum(a, b)))


def confidence(across: np.ndarray, inside: np.ndarray, floor, threshold: float, contrast: float) -> np.ndarray:
    """log(across / (threshold x max(contrast x inside, floor))); -inf where across is not measured."""
    reference = np.maximum(contrast * np.nan_to_num(inside, nan=0.0), floor) * threshold
    with np.errstate(divide="ignore"):
        result = np.log(np.maximum(across, 0.0) / reference)
    return np.where(np.isnan(across), -np.inf, result)


def side_pairs_confidence(near: np.ndarray, side: int, floor, threshold: float, contrast: float,
                          across: np.ndarray = None, halves_contrast: float = 4.0) -> np.ndarray:
    """Each pair's KL against the larger of its `side` neighbours on either side; or `across`,
    the KL over the pair and the next one, against the `side` neighbours on either side of both,
    times 4 (a steady move covers twice the distance in two steps, which KL counts four times),
    where both halves move (the smaller at least 1 / halves_contrast of the larger)."""
    m = near.size
    width = 1 if across is None else 2
    padded = np.pad(near, side + 1, constant_values=np.nan)
    inside = np.full(m, np.nan)
    for k in range(1, side + 1):
        inside = larger(inside, padded[side + 1 - k:side + 1 - k + m])
        inside = larger(inside, padded[side + width + k:side + width + k + m])
    if across is None:
        return confidence(near, inside, floor, threshold, contrast)
    result = confidence(across, width ** 2 * inside, floor, threshold, contrast)
    second = np.append(near[1:], np.nan)
    both = np.minimum(near, second) * halves_contrast >= np.maximum(near, second)
    return np.where(both, result, -np.inf)


def cut_confidence(near: np.ndarray, floor, config: SelectionConfig, contrast: float = None, hold: int = 1,
                   large=np.inf, across: np.ndarray = None) -> np.ndarray:
    """Scale 0: each pair's KL against the larger of its `cut_side_pairs` neighbours on either
    side. On a film held `hold` frames a drawing (> 1; one number, or one per pair), also
    against those within that many drawings, except for pairs whose KL reaches `large` (one
    number, or one per pair). With `across` (the KL from each pair's first frame to the frame
    after its second), the cut split over that pair and the next by one frame between them,
    against `split_side_pairs`."""
    contrast = config.contrast if contrast is None else contrast
    near = near.astype(np.float64)
    jump = near if across is None else np.asarray(across, dtype=np.float64)
    side = config.cut_side_pairs if across is None else config.split_side_pairs
    narrow = side_pairs_confidence(near, side, floor, config.threshold, contrast, across, config.contrast)
    holds = np.broadcast_to(np.asarray(hold, dtype=np.int64), near.shape)
    result = narrow
    for value in np.unique(holds[holds > 1]):
        wide = side_pairs_confidence(near, side * int(value), floor, config.threshold, contrast, across,
                                     config.contrast)
        held = np.where(np.nan_to_num(jump, nan=-np.inf) >= large, np.maximum(narrow, wide), wide)
        result = np.where(holds == value, held, result)
    return result


def span_confidence(span: np.ndarray, num_pairs: int, h: int, floor: float, threshold: float,
                    contrast: float, side_spans: int) -> np.ndarray:
    """Scale h > 0: across, before and after spans of 2h+1 frame steps (module doc), read from
    `span` (span_kls at that length), for each of `num_pairs` pairs. The motion on each side is
    the largest of `side_spans` spans, each half a span further out."""
    pairs = np.arange(num_pairs)
    length = 2 * h + 1
    step = max(1, length // 2)
    across = value_at(span, pairs - h)
    inside = np.full(pairs.size, np.nan)
    for k in range(side_spans):
        inside = larger(inside, value_at(span, pairs - h - length - k * step))
        inside = larger(inside, value_at(span, pairs + 1 + h + k * step))
    return confidence(across, inside, floor, threshold, contrast)


def local_peaks(curve: np.ndarray, radius: int) -> np.ndarray:
    """Pairs whose finite value is the largest within `radius` (the first of equal neighbours)."""
    padded = np.pad(curve, radius, constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    is_max = (curve >= windows.max(axis=1)) & np.isfinite(curve)
    repeat = np.zeros_like(is_max)
    repeat[1:] = is_max[1:] & is_max[:-1] & (curve[1:] == curve[:-1])
    return np.flatnonzero(is_max & ~repeat)


def place(curve: np.ndarray, near: np.ndarray, peak: int, h: int, config: SelectionConfig) -> int:
    """Where a change found at scale h happened: on its largest step when that step carries
    `cut_share` of the neighbouring-frame KL summed over the span (a cut seen at a coarse
    scale), else in the middle of the pairs around the peak, up to 2h away, whose confidence is
    within `plateau` (a factor) of the peak's: a transition's confidence is flat across its middle."""
    first, last = max(0, peak - h), min(near.size - 1, peak + h)
    step = first + int(np.argmax(near[first:last + 1]))
    if near[step] >= config.cut_share * float(near[first:last + 1].sum()):
        return step
    level, reach = curve[peak] - float(np.log(config.plateau)), 2 * h
    lo = hi = peak
    while lo > 0 and peak - lo < reach and curve[lo - 1] >= level:
        lo -= 1
    while hi < curve.size - 1 and hi - peak < reach and curve[hi + 1] >= level:
        hi += 1
    return (lo + hi) // 2
