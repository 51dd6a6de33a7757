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
