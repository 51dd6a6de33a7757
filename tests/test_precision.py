"""bfloat16 convolutions: same latents within bfloat16's precision, float32 latents, finite training."""

import numpy as np
import pytest
import torch

from models.encoding import encode_frames
from models.repro_vae import ReproVAE
from utils.device import autocast, resolve_precision


def test_explicit_precision_is_kept_and_auto_follows_the_hardware(monkeypatch):
    from utils import device as device_module
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"
    monkeypatch.setattr(device_module, "cpu_has_fast_bf16", lambda: True)
    assert resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr(device_module, "cpu_has_fast_bf16", lambda: False)
    assert resolve_precision("auto", cpu) == "fp32"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
    assert resolve_precision("auto", gpu) == "bf16"  # Ampere and newer
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 5))
    assert resolve_precision("auto", gpu) == "fp32"
    assert resolve_precision("fp32", gpu) == "fp32"


def test_bf16_latents_stay_float32_and_close_to_fp32():
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=6, hidden_dims=[8, 16, 32]).eval()
    frames = np.random.default_rng(0).integers(0, 256, (20, 3, 64, 64), dtype=np.uint8)
    mu32, lv32 = encode_frames(model, frames, 8, torch.device("cpu"), precision="fp32")
    mu16, lv16 = encode_frames(model, frames, 8, torch.device("cpu"), precision="bf16")
    assert mu16.dtype == lv16.dtype == np.float32
    scale = np.abs(mu32).max()
    assert np.abs(mu16 - mu32).max() < 0.05 * scale  # bfloat16 keeps ~3 significant digits
    assert not np.array_equal(mu16, mu32)            # and bf16 really ran
    # the same frames in channels-last fp32 give the plain fp32 encoding
    with torch.no_grad():
        plain_mu, _ = model.encode(torch.from_numpy(frames).float() / 255)
    np.testing.assert_allclose(mu32, plain_mu.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_a_bf16_training_step_lowers_the_loss():
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=4, hidden_dims=[8, 16])
    x = torch.rand(16, 3, 64, 64).contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        with autocast(x.device, "bf16"):
            out = model(x)
        loss = model.loss_function(out, x, beta=1.0, tau=10.0)["loss"]
        assert out["mu"].dtype == torch.float32 and torch.isfinite(loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_encoding_while_decoding_gives_the_same_latents(two_scene_folder, tmp_path):
    from data.cache import load_frames
    from models.encoding import StreamingEncoder
    torch.manual_seed(0)
    model = ReproVAE(latent_dim=3, hidden_dims=[8, 16]).eval()
    cpu = torch.device("cpu")
    streaming = StreamingEncoder(model, cpu, "fp32", max_pending=1)
    cache = load_frames(two_scene_folder, str(tmp_path / "cache"), 64, on_batch=streaming.submit, batch_size=16)
    mu, log_var = streaming.result()
    expected_mu, expected_log_var = encode_frames(model, cache, 16, cpu)
    assert mu.shape == (40, 3)
    np.testing.assert_allclose(mu, expected_mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(log_var, expected_log_var, rtol=1e-5, atol=1e-6)
    # a warm cache is not decoded again, so nothing is handed over
    again = StreamingEncoder(model, cpu, "fp32")
    load_frames(two_scene_folder, str(tmp_path / "cache"), 64, on_batch=again.submit, batch_size=16)
    assert again.result() is None


def test_a_batch_that_cannot_be_encoded_stops_decoding_at_once():
    from models.encoding import StreamingEncoder

    class Broken(ReproVAE):
        def encode(self, x):
            raise RuntimeError("encoder failed")

    streaming = StreamingEncoder(Broken(latent_dim=3, hidden_dims=[8, 16]), torch.device("cpu"), "fp32")
    batch = np.zeros((2, 3, 64, 64), dtype=np.uint8)
    streaming.submit(batch)
    streaming.futures[0].exception()  # wait for the worker
    try:
        streaming.submit(batch)
        raise AssertionError("submit went on after a failed batch")
    except RuntimeError as err:
        assert "encoder failed" in str(err)
    finally:
        streaming.close()
