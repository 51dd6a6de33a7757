"""The repro-VAE: a beta-VAE whose reconstruction is encoded again ("reprojection").

One class serves both rows of the paper's table: tau > 0 with LeakyReLU is the repro-VAE,
tau = 0 with ReLU (beta 2, latent 5) is the baseline beta-VAE. The interface follows the
PyTorch-VAE collection: encode, decode, reparameterize, forward, loss_function.
"""

from typing import Dict, Sequence, Tuple

import torch
from torch import nn

from models.gaussian import gaussian_kl, kl_to_standard_normal

ACTIVATIONS = {"leakyrelu": nn.LeakyReLU, "relu": nn.ReLU}


def _encoder_stage(in_channels: int, out_channels: int, activation: str) -> nn.Sequential:
    """3x3 convolution, 2x2 mean pooling, activation: halves the spatial size."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1),
        nn.AvgPool2d(2),
        ACTIVATIONS[activation](),
    )


def _decoder_stage(in_channels: int, out_channels: int) -> nn.Sequential:
    """Transposed 3x3 convolution with stride 2 and ReLU: doubles the spatial size."""
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size=3, stride=2,
                           padding=1, output_padding=1),
        nn.ReLU(),
    )


class ReproVAE(nn.Module):
    """beta-VAE with an optional reprojection term, for square RGB frames.

    The encoder halves the frame once per entry of `hidden_dims`, so `image_size` must be
    divisible by 2 ** len(hidden_dims) (64 with four stages leaves a 4x4 map).
    """

    def __init__(self, latent_dim: int = 10, hidden_dims: Sequence[int] = (32, 64, 128, 256),
                 activation: str = "leakyrelu", in_channels: int = 3, image_size: int = 64):
        super().__init__()
        hidden_dims = [int(h) for h in hidden_dims]
        if not hidden_dims:
            raise ValueError("hidden_dims must list at least one channel count")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        if image_size % (2 ** len(hidden_dims)):
            raise ValueError(f"image size {image_size} is not divisible by 2^{len(hidden_dims)}")
        self.config = {"latent_dim": int(latent_dim), "hidden_dims": hidden_dims,
                       "activation": activation, "in_channels": in_channels,
                       "image_size": image_size}
        self.latent_dim = int(latent_dim)
        self.final_size = image_size // (2 ** len(hidden_dims))
        flat = hidden_dims[-1] * self.final_size ** 2

        channels = [in_channels] + hidden_dims
        self.encoder = nn.Sequential(*[_encoder_stage(c_in, c_out, activation)
                                       for c_in, c_out in zip(channels[:-1], channels[1:])])
        self.fc_mu = nn.Linear(flat, self.latent_dim)
        self.fc_var = nn.Linear(flat, self.latent_dim)

        reversed_dims = hidden_dims[::-1]
        self.decoder_input = nn.Linear(self.latent_dim, flat)
        self.decoder = nn.Sequential(*[_decoder_stage(c_in, c_out)
                                       for c_in, c_out in zip(reversed_dims[:-1], reversed_dims[1:])])
        self.final_layer = nn.Sequential(
            _decoder_stage(hidden_dims[0], hidden_dims[0]),
            nn.Conv2d(hidden_dims[0], in_channels, kernel_size=3, padding=1),
        )
        self._decoder_shape = (hidden_dims[-1], self.final_size, self.final_size)

    def encode(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Frames (B, C, H, W) in [0, 1] -> (mu, log_var), each (B, latent_dim)."""
        features = torch.flatten(self.encoder(x), start_dim=1)
        # The latent Gaussians are what scene changes are measured on: keep them in float32
        # even when the convolutions run in bfloat16.
        with torch.autocast(device_type=features.device.type, enabled=False):
            features = features.float()
            return self.fc_mu(features), self.fc_var(features)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent codes (B, latent_dim) -> reconstructed frames (B, C, H, W), unbounded."""
        features = self.decoder_input(z).view(-1, *self._decoder_shape)
        return self.final_layer(self.decoder(features))

    @staticmethod
    def reparameterize(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        """A sample of N(mu, exp(log_var)) that gradients flow through."""
        return mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)

    def forward(self, x: torch.Tensor, reproject: bool = True) -> Dict[str, torch.Tensor]:
        """Encode, sample, decode and (when `reproject`) encode the reconstruction again."""
        mu, log_var = self.encode(x)
        reconstruction = self.decode(self.reparameterize(mu, log_var))
        outputs = {"reconstruction": reconstruction, "mu": mu, "log_var": log_var}
        if reproject:
            outputs["mu_repro"], outputs["log_var_repro"] = self.encode(reconstruction)
        return outputs

    @staticmethod
    def loss_function(outputs: Dict[str, torch.Tensor], x: torch.Tensor, loss_type: str = "H",
                      beta: float = 4.0, tau: float = 200.0, gamma: float = 1000.0,
                      capacity: float = 0.0) -> Dict[str, torch.Tensor]:
        """Named loss terms for one batch.

        H: reconstruction + beta * kld + tau * reprojection_kld.
        B: reconstruction + gamma * |kld - capacity| (no reprojection); the caller raises
        `capacity` from 0 to max_capacity over Capacity_max_iter iterations.
        reconstruction is the summed squared error per frame; kld is the prior KL summed over
        latent dims and averaged over the batch; reprojection_kld is KL(q(z|x) || q(z|x_hat))
        averaged over batch and latent dims.
        """
        batch = x.shape[0]
        reconstruction = (outputs["reconstruction"].float() - x).pow(2).sum() / batch
        kld = kl_to_standard_normal(outputs["mu"], outputs["log_var"]).sum(dim=1).mean()
        if "mu_repro" in outputs:
            reprojection = gaussian_kl(outputs["mu"], outputs["log_var"],
                                       outputs["mu_repro"], outputs["log_var_repro"]).mean()
        else:
            reprojection = torch.zeros((), device=x.device)
        if loss_type == "H":
            loss = reconstruction + beta * kld + tau * reprojection
        elif loss_type == "B":
            loss = reconstruction + gamma * (kld - capacity).abs()
        else:
            raise ValueError(f"unknown loss type {loss_type!r}: use H or B")
        return {"loss": loss, "reconstruction": reconstruction, "kld": kld,
                "reprojection_kld": reprojection}
