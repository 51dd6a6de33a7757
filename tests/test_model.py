import pytest
import torch

from models.repro_vae import ReproVAE


@pytest.mark.parametrize("hidden_dims,latent_dim", [([32, 64, 128, 256], 10), ([8, 16], 5), ([4, 8, 16], 3)])
def test_shapes_for_several_architectures(hidden_dims, latent_dim):
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=latent_dim, hidden_dims=hidden_dims)
    x = torch.rand(3, 3, 64, 64)
    mu, log_var = model.encode(x)
    assert mu.shape == log_var.shape == (3, latent_dim)
    assert model.decode(mu).shape == x.shape
    out = model(x)
    assert out["reconstruction"].shape == x.shape
    assert out["mu_repro"].shape == (3, latent_dim)


def test_encoder_follows_the_paper_for_the_default_architecture():
    model = ReproVAE()
    # four conv + mean-pool stages: 64 -> 4, 256 channels, flattened to 4096
    assert model.fc_mu.in_features == 4096 and model.fc_var.in_features == 4096
    assert sum(isinstance(m, torch.nn.AvgPool2d) for m in model.encoder.modules()) == 4
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert any(isinstance(m, torch.nn.LeakyReLU) for m in model.encoder.modules())
    assert not any(isinstance(m, torch.nn.LeakyReLU) for m in ReproVAE(activation="relu").encoder.modules())


def test_loss_terms_are_computed_as_documented():
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=4, hidden_dims=[8, 16])
    x = torch.rand(5, 3, 64, 64)
    out = model(x)
    terms = model.loss_function(out, x, loss_type="H", beta=4.0, tau=200.0)
    recon = ((out["reconstruction"] - x) ** 2).sum() / 5
    mu, lv = out["mu"], out["log_var"]
    kld = torch.mean(-0.5 * torch.sum(1 + lv - mu ** 2 - lv.exp(), dim=1))
    s, s2 = torch.exp(0.5 * lv), torch.exp(0.5 * out["log_var_repro"])
    repro = torch.distributions.kl_divergence(torch.distributions.Normal(mu, s),
                                              torch.distributions.Normal(out["mu_repro"], s2)).mean()
    assert torch.allclose(terms["reconstruction"], recon)
    assert torch.allclose(terms["kld"], kld, atol=1e-6)
    assert torch.allclose(terms["reprojection_kld"], repro, atol=1e-6)
    assert torch.allclose(terms["loss"], recon + 4.0 * kld + 200.0 * repro, rtol=1e-5)


def test_tau_zero_skips_the_reprojection():
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=4, hidden_dims=[8, 16], activation="relu")
    x = torch.rand(2, 3, 64, 64)
    out = model(x, reproject=False)
    assert "mu_repro" not in out
    terms = model.loss_function(out, x, beta=2.0, tau=0.0)
    assert float(terms["reprojection_kld"]) == 0.0
    assert torch.allclose(terms["loss"], terms["reconstruction"] + 2.0 * terms["kld"])


def test_loss_b_uses_capacity_and_no_reprojection():
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=4, hidden_dims=[8, 16])
    x = torch.rand(2, 3, 64, 64)
    out = model(x)
    terms = model.loss_function(out, x, loss_type="B", gamma=10.0, capacity=3.0)
    assert torch.allclose(terms["loss"], terms["reconstruction"] + 10.0 * (terms["kld"] - 3.0).abs())


def test_gradients_reach_the_encoder_through_the_reprojection():
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=4, hidden_dims=[8, 16])
    x = torch.rand(2, 3, 64, 64)
    out = model(x)
    model.loss_function(out, x, beta=0.0, tau=1.0)["reprojection_kld"].backward()
    encoder = [*model.encoder.parameters(), *model.fc_mu.parameters(), *model.fc_var.parameters()]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in encoder)
    # and through the reconstruction to the decoder: the reprojection term trains both halves
    assert model.decoder_input.weight.grad.abs().sum() > 0
