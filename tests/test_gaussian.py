import torch
from torch.distributions import Normal, kl_divergence

from models.gaussian import gaussian_kl, kl_to_standard_normal


def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu_p, mu_q = torch.randn(50, 7, generator=g, dtype=torch.float64), torch.randn(50, 7, generator=g, dtype=torch.float64)
    lv_p, lv_q = torch.randn(50, 7, generator=g, dtype=torch.float64) * 2, torch.randn(50, 7, generator=g, dtype=torch.float64) * 2
    expected = kl_divergence(Normal(mu_p, torch.exp(0.5 * lv_p)), Normal(mu_q, torch.exp(0.5 * lv_q)))
    assert torch.allclose(gaussian_kl(mu_p, lv_p, mu_q, lv_q), expected, rtol=1e-10, atol=1e-12)


def test_kl_to_standard_normal_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu, lv = torch.randn(20, 5, generator=g, dtype=torch.float64), torch.randn(20, 5, generator=g, dtype=torch.float64)
    expected = kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(torch.zeros_like(mu), torch.ones_like(mu)))
    assert torch.allclose(kl_to_standard_normal(mu, lv), expected)


def test_kl_is_zero_for_identical_and_positive_otherwise():
    mu, lv = torch.tensor([[0.3, -1.0]]), torch.tensor([[0.1, -2.0]])
    assert torch.allclose(gaussian_kl(mu, lv, mu, lv), torch.zeros(1, 2), atol=1e-7)
    assert (gaussian_kl(mu, lv, mu + 1, lv) > 0).all()


def test_kl_is_finite_for_extreme_log_variances():
    mu = torch.zeros(4, 3)
    lv_p = torch.tensor([[500.0, -500.0, 80.0]] * 4)
    lv_q = torch.tensor([[-500.0, 500.0, -80.0]] * 4)
    for kl in (gaussian_kl(mu, lv_p, mu + 1e3, lv_q), kl_to_standard_normal(mu + 1e3, lv_p)):
        assert torch.isfinite(kl).all()
