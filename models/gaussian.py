"""Closed-form KL divergence between diagonal Gaussians, shared by training and detection.

Both the reprojection loss and the scene-change score compare two Gaussians given by
(mu, log_var). The standard deviation is exp(0.5 * log_var) everywhere (the original code
used exp(log_var) as a standard deviation in training; see docs/reproduction.md, "Deviations").
"""

import torch

# exp(40) is ~2e17: far beyond any useful variance, and far below float32 overflow even
# after the difference of two clamped values is exponentiated (exp(80) ~ 5e34 < 3e38).
LOG_VAR_LIMIT = 40.0


def gaussian_kl(mu_p: torch.Tensor, log_var_p: torch.Tensor,
                mu_q: torch.Tensor, log_var_q: torch.Tensor) -> torch.Tensor:
    """KL( N(mu_p, exp(log_var_p)) || N(mu_q, exp(log_var_q)) ) per element.

    Inputs broadcast against each other; the result has their broadcast shape and is never
    NaN or inf for finite inputs, because log-variances are clamped to +-LOG_VAR_LIMIT
    and every exponential is of a difference of clamped values.
    """
    log_var_p = log_var_p.clamp(-LOG_VAR_LIMIT, LOG_VAR_LIMIT)
    log_var_q = log_var_q.clamp(-LOG_VAR_LIMIT, LOG_VAR_LIMIT)
    variance_ratio = torch.exp(log_var_p - log_var_q)
    mean_term = (mu_p - mu_q).pow(2) * torch.exp(-log_var_q)
    return 0.5 * (variance_ratio + mean_term - 1.0 - (log_var_p - log_var_q))


def kl_to_standard_normal(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, exp(log_var)) || N(0, 1) ) per element: the beta-VAE prior term."""
    log_var = log_var.clamp(-LOG_VAR_LIMIT, LOG_VAR_LIMIT)
    return 0.5 * (torch.exp(log_var) + mu.pow(2) - 1.0 - log_var)
