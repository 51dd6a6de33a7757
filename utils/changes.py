"""From latents to scene changes: pair scores, then a ranking of the pairs.

Label convention, used everywhere in this project: pair index i means "the scene changes
between frame i and frame i+1" (so a cut whose new shot starts at frame k is pair k-1).
"""

import numpy as np
import torch

from utils.gaussian import gaussian_kl

# Scores are measured in units of this quantile of their curve (see film_scale).
SCALE_QUANTILE = 0.9
# A cut's multi-distance stretch is symmetric about it; a lone jump further than this from
# the centre of its stretch is taken as the onset of a gradual transition.
CUT_CENTRE_SLACK = 3
# A flagged cut is kept only when the frame min_scene_len later still differs from the one
# before the cut by at least this share of the jump (else it was a flash that came back).
PERSIST_FRACTION = 0.3
# A gradual transition is kept only when the frames just before and just after it differ at
# least as much as this quantile of all frame pairs that far apart in the film (a flash or a
# camera move inside a shot returns to where it started; a transition does not).
TRANSITION_LASTS_QUANTILE = 0.5


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


def rank_selected_first(scores: np.ndarray, flags: np.ndarray, top_k: int = 0) -> np.ndarray:
    """Pair indices: the selected changes by descending score, then every other pair by score.

    The selection keeps one pair per event, so the neighbours of a cut (which share its high
    score) no longer crowd the top of the ranking.
    """
    scores = np.asarray(scores, dtype=np.float64)
    flags = np.asarray(flags, dtype=bool)
    order = np.lexsort((np.arange(scores.size), -scores, ~flags)).astype(np.int64)
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


def film_scale(curve: np.ndarray) -> float:
    """The typical size of a score in this film, to divide scores by.

    Animation holds drawings for several frames, so most neighbouring-frame scores are ~0
    and the median says nothing; the SCALE_QUANTILE quantile is ordinary in-shot motion.
    """
    curve = np.asarray(curve, dtype=np.float64)
    if curve.size == 0:
        return 1.0
    return max(float(np.quantile(curve, SCALE_QUANTILE)), 1e-12)


def multiscale_change_scores(mu: np.ndarray, log_var: np.ndarray, distances: list) -> np.ndarray:
    """One change score per frame pair that sees cuts and slow transitions alike: (N-1,).

    Each distance's centred KL curve is divided by its film_scale (motion inside shots
    grows with distance; that scale is its floor), compressed with log1p, and the curves are
    averaged. A cut lifts every curve at its pair; a transition of L frames lifts the
    curves with distance >= L around its middle, so both give one peak, centred.
    """
    curves = []
    for d in distances:
        curve = centred_pair_scores(mu, log_var, d).astype(np.float64)
        curves.append(np.log1p(curve / film_scale(curve)))
    return np.mean(curves, axis=0).astype(np.float32) if curves else np.zeros(0, np.float32)


def _rolling_median(values: np.ndarray, half_window: int) -> np.ndarray:
    padded = np.pad(values, half_window, mode="reflect" if values.size > half_window else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_window + 1)
    return np.median(windows, axis=1)


def _runs(mask: np.ndarray, max_gap: int) -> list:
    """(first, last) index of each run of true values, joining runs less than max_gap apart."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap)
    firsts = np.concatenate([[idx[0]], idx[breaks + 1]])
    lasts = np.concatenate([idx[breaks], [idx[-1]]])
    return list(zip(firsts.tolist(), lasts.tolist()))


def change_events(scores: np.ndarray, min_scene_len: int = 12, ratio: float = 3.0,
                  min_score: float = 3.0, window: int = 96, locate: str = "peak") -> list:
    """(first, last, where) of each stretch of score that stands out, no count needed.

    A pair stands out when its score is at least `min_score` and at least `ratio` times the
    rolling median of the `window` pairs around it. Stretches less than `min_scene_len`
    apart are one event, placed at its highest score (`locate="peak"`, for cuts) or at its
    score-weighted centre (`locate="centre"`, for gradual transitions, whose middle is the
    change).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return []
    baseline = _rolling_median(scores, max(1, window // 2))
    standing_out = (scores >= min_score) & (scores >= ratio * baseline)
    events = []
    for first, last in _runs(standing_out, max(1, min_scene_len)):
        stretch = scores[first:last + 1]
        if locate == "centre":
            weights = np.clip(stretch - ratio * baseline[first:last + 1], 0, None) + 1e-9
            where = first + int(round(np.average(np.arange(stretch.size), weights=weights)))
        else:
            where = first + int(np.argmax(stretch))
        events.append((first, last, where))
    return events


def select_changes(scores: np.ndarray, min_scene_len: int = 12, ratio: float = 3.0,
                   min_score: float = 3.0, window: int = 96, locate: str = "peak") -> np.ndarray:
    """Flags (N-1,) bool, one per event of `change_events` (same arguments)."""
    flags = np.zeros(np.asarray(scores).size, dtype=bool)
    for _, _, where in change_events(scores, min_scene_len, ratio, min_score, window, locate):
        flags[where] = True
    return flags


def sharp_peaks(curve: np.ndarray, margin: float, reach: int = 4) -> np.ndarray:
    """Pairs whose score exceeds every score 2..reach pairs away on both sides by `margin`.

    A cut is one pair's jump; a dissolve or a fast pan raises a run of neighbouring pairs.
    """
    curve = np.asarray(curve, dtype=np.float64)
    padded = np.pad(curve, reach, mode="edge")
    around = np.full(curve.size, -np.inf)
    for offset in range(2, reach + 1):
        around = np.maximum(around, padded[reach - offset:reach - offset + curve.size])
        around = np.maximum(around, padded[reach + offset:reach + offset + curve.size])
    return curve >= around + margin


def persists(mu: np.ndarray, log_var: np.ndarray, flags: np.ndarray, later: int) -> np.ndarray:
    """Flags kept only where the jump lasts: frame j+later still differs from frame j.

    A flash of lightning or an explosion inside a shot jumps away and back within a few
    frames; a scene change stays. A flagged pair j is kept when KL(j, j+later) is at least
    PERSIST_FRACTION of KL(j, j+1).
    """
    keep = np.asarray(flags, dtype=bool).copy()
    picked = np.flatnonzero(keep)
    if picked.size == 0:
        return keep
    last = len(mu) - 1
    after = np.minimum(picked + later, last)
    mu_t = torch.as_tensor(np.asarray(mu), dtype=torch.float64)
    lv_t = torch.as_tensor(np.asarray(log_var), dtype=torch.float64)
    jump = gaussian_kl(mu_t[picked], lv_t[picked], mu_t[picked + 1], lv_t[picked + 1]).mean(dim=1).numpy()
    lasting = gaussian_kl(mu_t[picked], lv_t[picked], mu_t[after], lv_t[after]).mean(dim=1).numpy()
    keep[picked[lasting < PERSIST_FRACTION * jump]] = False
    return keep


def transition_lasts(mu: np.ndarray, log_var: np.ndarray, first: int, last: int, margin: int,
                     reference: dict) -> bool:
    """True when the stretch of pairs first..last changes the picture for good.

    Compares frame first-margin with frame last+1+margin against the TRANSITION_LASTS_QUANTILE
    of all pairs of frames the same distance apart (memoised in `reference` by distance).
    """
    n = len(mu)
    a, b = max(0, first - margin), min(n - 1, last + 1 + margin)
    distance = b - a
    if distance <= 0 or distance >= n - 1:
        return True
    if distance not in reference:
        reference[distance] = float(np.quantile(pair_kl_scores(mu, log_var, distance), TRANSITION_LASTS_QUANTILE))
    across = float(pair_kl_scores(mu[[a, b]], log_var[[a, b]], 1)[0])
    return across >= reference[distance]


def detect_changes(mu: np.ndarray, log_var: np.ndarray, frame_rate: float, min_scene_seconds: float = 0.4,
                   ratio: float = 3.0, cut_score: float = 2.0, transition_seconds: float = 2.0,
                   transition_score: float = 2.0) -> tuple:
    """Scene changes with no count given: (change_score (N-1,) float32, flags (N-1,) bool).

    Cuts are sharp peaks of the neighbouring-frame score (log(1 + KL / film_scale)) that
    persist (not a flash inside a shot). Gradual transitions (dissolves, wipes, pushes, whip
    pans) are stretches where the multi-distance score over spans up to `transition_seconds`
    stands out, flagged at their centre and kept only where no cut explains them and the
    picture after differs from the picture before (transition_lasts). The
    returned score is the larger of the two curves, for ranking and plotting.
    """
    min_gap = max(1, int(round(min_scene_seconds * frame_rate)))
    window = max(8 * min_gap, 16)
    near = pair_kl_scores(mu, log_var, 1).astype(np.float64)
    cut_curve = np.log1p(near / film_scale(near))
    sharp = sharp_peaks(cut_curve, margin=np.log(2.0))
    flags = select_changes(np.where(sharp, cut_curve, 0.0), min_gap, ratio, cut_score, window, "peak")
    flags &= persists(mu, log_var, flags, max(2, min_gap))
    change_score = cut_curve
    distances = [d for d in transition_distances(frame_rate, transition_seconds) if d > 1]
    if distances and transition_seconds > 0:
        slow_curve = multiscale_change_scores(mu, log_var, distances).astype(np.float64)
        reach = max(distances) // 2 + min_gap
        reference = {}
        for first, last, centre in change_events(slow_curve, min_gap, ratio, transition_score,
                                                 max(window, 4 * max(distances)), "centre"):
            if not transition_lasts(mu, log_var, first, last, min_gap, reference):
                continue
            cuts = np.flatnonzero(flags[max(0, first - reach):last + reach + 1]) + max(0, first - reach)
            if cuts.size == 0:
                flags[centre] = True
            elif cuts.size == 1 and abs(int(cuts[0]) - centre) > CUT_CENTRE_SLACK and first <= cuts[0] <= last:
                # one jump at the edge of a long rise: the onset of a wipe or iris, not a cut
                flags[cuts[0]] = False
                flags[centre] = True
        change_score = np.maximum(cut_curve, slow_curve)
    return change_score.astype(np.float32), flags
