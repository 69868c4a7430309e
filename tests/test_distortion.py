"""Distortion measures of a reconstruction against its target: PSNR and
SSIM (Wang et al. 2004) against hand-computed cases and an independent
loop, and SRGAN's content loss on the reference classifier's features
(Blau and Michaeli 2018 count it among the distortion measures too)."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from gan_lib.evaluation.classifier import (
    MNISTClassifier,
    load_reference_classifier,
)
from gan_lib.evaluation.content import ClassifierFeatures, content_loss
from gan_lib.evaluation.distortion import K1, K2, gaussian_window, psnr, ssim

R = 2.0  # images in [−1, 1]
C1, C2 = (K1 * R) ** 2, (K2 * R) ** 2


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def images(m=3, channels=1, side=28, dtype=torch.float32):
    return torch.rand(m, channels, side, side, dtype=dtype) * 2 - 1


# --- PSNR -------------------------------------------------------------------


def test_psnr_of_an_image_with_itself_is_infinite():
    x = images()
    assert torch.isinf(psnr(x, x)).all() and (psnr(x, x) > 0).all()


def test_psnr_of_a_constant_offset():
    """x + δ has MSE δ², so PSNR = 10 log10(2² / δ²) = 20 log10(2 / δ):
    20 dB for δ = 0.2, 40 dB for δ = 0.02."""
    x = images(m=2, dtype=torch.float64)
    offset = torch.tensor([0.2, -0.02], dtype=torch.float64)
    shifted = x + offset[:, None, None, None]
    torch.testing.assert_close(
        psnr(shifted, x), torch.tensor([20.0, 40.0], dtype=torch.float64)
    )
    # R = 1 divides R² by 4: 20 log10(2) ≈ 6.02 dB less
    torch.testing.assert_close(
        psnr(shifted, x, data_range=1.0),
        psnr(shifted, x) - 20 * math.log10(2),
    )


def test_psnr_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="same shape"):
        psnr(images(m=2), images(m=3))
    with pytest.raises(ValueError, match="data_range"):
        psnr(images(), images(), data_range=0)


# --- SSIM -------------------------------------------------------------------


def test_ssim_of_identical_images_is_one_and_ssim_is_symmetric():
    x, y = images(), images()
    torch.testing.assert_close(ssim(x, x), torch.ones(3))
    torch.testing.assert_close(ssim(x, y), ssim(y, x))
    assert (ssim(x, y).abs() < 0.2).all(), "independent noise: near 0"


def test_ssim_of_two_constant_images_is_the_luminance_term():
    """No contrast: σ_x = σ_y = σ_xy = 0, the second factor is C2 / C2, and
    SSIM = (2 a b + C1) / (a² + b² + C1) exactly."""
    a = torch.tensor([0.5, -0.5, 0.9], dtype=torch.float64)
    b = torch.tensor([0.5, 0.5, -0.1], dtype=torch.float64)
    x = a[:, None, None, None].expand(3, 1, 28, 28)
    y = b[:, None, None, None].expand(3, 1, 28, 28)
    expected = (2 * a * b + C1) / (a**2 + b**2 + C1)
    torch.testing.assert_close(ssim(x, y), expected)
    assert expected[1] < 0, "opposite brightness: SSIM below zero"


def antisymmetric_image():
    """7×7, +1 on the left three columns, 0 in the middle, −1 on the right.

    With a 7×7 window there is one position; the window's symmetry makes
    μ = 0, and σ² = Σ w x² = 1 − g, where g is the middle column's weight
    in the 1D Gaussian, g = 1 / Σ_k exp(−k² / (2 · 1.5²)), k = −3..3.
    """
    x = torch.zeros(1, 1, 7, 7, dtype=torch.float64)
    x[..., :3], x[..., 4:] = 1.0, -1.0
    g = 1 / sum(math.exp(-(k**2) / (2 * 1.5**2)) for k in range(-3, 4))
    return x, 1 - g


def test_ssim_against_the_negated_image():
    """μ_x = μ_y = 0, σ_y = σ_x, σ_xy = −σ²: SSIM = (C2 − 2σ²)/(C2 + 2σ²),
    close to −1, the index's minimum."""
    x, variance = antisymmetric_image()
    expected = (C2 - 2 * variance) / (C2 + 2 * variance)
    assert ssim(-x, x, window=7).item() == pytest.approx(expected, abs=1e-12)
    assert expected < -0.99


def test_ssim_against_a_constant_image():
    """σ_y = σ_xy = 0 and μ_x = 0: SSIM = C1/(c² + C1) · C2/(σ² + C2)."""
    x, variance = antisymmetric_image()
    c = 0.25
    expected = C1 / (c**2 + C1) * C2 / (variance + C2)
    constant = torch.full_like(x, c)
    assert ssim(x, constant).item() == pytest.approx(expected, abs=1e-12)


def ssim_by_loop(x, y, window=7, sigma=1.5):
    """The paper's definition, one window position at a time, in NumPy."""
    k = np.arange(window) - (window - 1) / 2
    w = np.exp(-(k[:, None] ** 2 + k[None, :] ** 2) / (2 * sigma**2))
    w /= w.sum()
    side = x.shape[-1] - window + 1
    values = np.zeros((x.shape[0], x.shape[1], side, side))
    for i in range(side):
        for j in range(side):
            a = x[:, :, i : i + window, j : j + window]
            b = y[:, :, i : i + window, j : j + window]
            mu_a = (w * a).sum(axis=(2, 3), keepdims=True)
            mu_b = (w * b).sum(axis=(2, 3), keepdims=True)
            var_a = (w * (a - mu_a) ** 2).sum(axis=(2, 3))
            var_b = (w * (b - mu_b) ** 2).sum(axis=(2, 3))
            cov = (w * (a - mu_a) * (b - mu_b)).sum(axis=(2, 3))
            mu_a, mu_b = mu_a[:, :, 0, 0], mu_b[:, :, 0, 0]
            values[:, :, i, j] = (
                (2 * mu_a * mu_b + C1)
                * (2 * cov + C2)
                / ((mu_a**2 + mu_b**2 + C1) * (var_a + var_b + C2))
            )
    return values.mean(axis=(1, 2, 3))


@pytest.mark.parametrize("window, channels", [(7, 1), (11, 1), (7, 3)])
def test_ssim_matches_an_independent_loop(window, channels):
    # A reconstruction-like pair: the target plus noise, so SSIM is
    # well inside (0, 1).
    y = images(m=4, channels=channels)
    x = (y + 0.3 * torch.randn_like(y)).clamp(-1, 1)
    expected = ssim_by_loop(x.double().numpy(), y.double().numpy(), window)
    got = ssim(x, y, window=window)
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(
        ssim(x.double(), y.double(), window=window).numpy(),
        expected,
        rtol=0,
        atol=1e-12,
    )


def test_ssim_falls_as_noise_grows():
    y = images(m=2)
    noise = torch.randn_like(y)
    scores = [ssim((y + s * noise).clamp(-1, 1), y) for s in (0.05, 0.2, 0.8)]
    assert (scores[0] > scores[1]).all() and (scores[1] > scores[2]).all()


def test_gaussian_window_sums_to_one_and_is_symmetric():
    w = gaussian_window(7, 1.5)
    assert w.sum().item() == pytest.approx(1.0, abs=1e-15)
    torch.testing.assert_close(w, w.T)
    torch.testing.assert_close(w, w.flip(0))
    assert w.argmax().item() == 24, "the peak is the centre, 3·7 + 3"


def test_ssim_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="does not fit"):
        ssim(images(side=8), images(side=8), window=11)
    with pytest.raises(ValueError, match="odd"):
        ssim(images(), images(), window=6)
    with pytest.raises(ValueError, match="same shape"):
        ssim(images(side=28), images(side=14))


# --- SRGAN's content loss ---------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    return load_reference_classifier(dataset="mnist")


@pytest.mark.parametrize(
    "layer, shape",
    [("conv1", (16, 28, 28)), ("conv2", (32, 14, 14)), ("features", (64,))],
)
def test_feature_layers_have_the_documented_shapes(reference, layer, shape):
    x = images(m=2)
    phi = ClassifierFeatures(reference, layer)(x)
    assert phi.shape == (2, *shape)
    assert (phi >= 0).all(), "each layer is taken after its ReLU"
    if layer == "features":
        # the space of the Fréchet classifier distance
        torch.testing.assert_close(phi, reference.features(x))


def test_content_loss_is_the_mean_squared_feature_distance(reference):
    features = ClassifierFeatures(reference)
    x, y = images(), images()
    assert content_loss(features, x, x).item() == 0.0
    loss = content_loss(features, x, y)
    assert loss.item() > 0
    # eq. 5, normalised by the size 32 × 14 × 14 of the map, mean over m
    phi_x, phi_y = features(x), features(y)
    by_hand = ((phi_y - phi_x) ** 2).sum(dim=(1, 2, 3)) / (32 * 14 * 14)
    torch.testing.assert_close(loss, by_hand.mean())


def test_gradient_reaches_the_image_and_never_the_classifier(reference):
    features = ClassifierFeatures(reference, "conv2")
    output = images().requires_grad_()
    content_loss(features, output, images()).backward()
    assert output.grad is not None and output.grad.abs().sum() > 0
    for name, parameter in reference.named_parameters():
        assert not parameter.requires_grad, name
        assert parameter.grad is None, name


class BatchNormClassifier(nn.Module):
    """A classifier with batch norm, to watch its running statistics."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()
        )


def test_the_classifier_stays_in_eval_mode_with_its_buffers():
    classifier = BatchNormClassifier().train()
    before = {k: v.clone() for k, v in classifier.state_dict().items()}
    features = ClassifierFeatures(classifier, layer=2)
    generator_like = nn.Conv2d(1, 1, 3, padding=1)
    # a trainer switches everything to train mode, then steps
    nn.ModuleList([generator_like, features]).train()
    assert generator_like.training
    assert not any(m.training for m in classifier.modules())
    optimizer = torch.optim.SGD(generator_like.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        x = images(m=4)
        content_loss(features, generator_like(x), x).backward()
        optimizer.step()
    assert generator_like.weight.grad is not None
    for key, value in classifier.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


def test_content_loss_errors_say_what_to_pass(reference):
    with pytest.raises(ValueError, match="conv1, conv2, features"):
        ClassifierFeatures(reference, "conv5")
    with pytest.raises(TypeError, match="body"):
        ClassifierFeatures(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="same shape"):
        content_loss(
            ClassifierFeatures(MNISTClassifier()), images(m=2), images(m=3)
        )
