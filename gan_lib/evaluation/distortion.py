"""Distortion: how far a reconstruction is from the image it stands for.

Two full-reference measures, both per image, on images in [−1, 1] (so the
data range is R = 2):

- **PSNR**, the peak signal-to-noise ratio, a monotone function of the
  mean squared error;
- **SSIM**, the structural similarity index of Wang et al. (2004), which
  compares local means, contrasts and correlations in a Gaussian window.

Super-resolution papers report both; SRGAN (Ledig et al. 2017) shows that
its most realistic outputs score *worse* on them than blurrier ones, and
Blau and Michaeli (2018) prove that no method can be best at both
distortion and perceptual quality (the perception-distortion trade-off).

Neither torchvision nor SciPy ships SSIM (scikit-image does, but the book
does not depend on it), so it is written here in torch: differentiable,
on any device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["K1", "K2", "psnr", "gaussian_window", "ssim"]

K1, K2 = 0.01, 0.03  # Wang et al. 2004's constants


def _check_pair(output: torch.Tensor, target: torch.Tensor) -> None:
    if output.shape != target.shape or output.ndim != 4:
        raise ValueError(
            "output and target must be image batches of the same shape "
            f"(m, channels, height, width), got {tuple(output.shape)} and "
            f"{tuple(target.shape)}"
        )


def _check_range(data_range: float) -> None:
    if not data_range > 0:
        raise ValueError(
            f"data_range must be positive (2 for images in [-1, 1], 1 for "
            f"[0, 1]), got {data_range}"
        )


def psnr(
    output: torch.Tensor, target: torch.Tensor, data_range: float = 2.0
) -> torch.Tensor:
    """PSNR of each image of ``output`` against ``target``, in decibels.

        PSNR = 10 log10(R² / MSE),   MSE = mean over pixels of (x − y)²

    with R = ``data_range``. Shapes (m, C, H, W) → (m,). An image equal to
    its target has MSE = 0 and PSNR = +inf, as in scikit-image; average
    finite values only, or average the MSE first.
    """
    _check_pair(output, target)
    _check_range(data_range)
    mse = (output - target).pow(2).flatten(1).mean(1)
    # R² / 0 = inf and log10(inf) = inf: no special case is needed.
    return 10 * torch.log10(data_range**2 / mse)


def gaussian_window(size: int, sigma: float) -> torch.Tensor:
    """The size×size window w(i, j) ∝ exp(−(i² + j²) / 2σ²), summing to 1.

    i and j run over −(size − 1)/2, …, (size − 1)/2.
    """
    if size < 1 or size % 2 == 0 or not sigma > 0:
        raise ValueError(
            f"the window needs an odd size ≥ 1 and sigma > 0, got size "
            f"{size} and sigma {sigma}"
        )
    offsets = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    line = torch.exp(-(offsets**2) / (2 * sigma**2))
    # Separable: the 2D Gaussian is the outer product of two 1D ones.
    window = torch.outer(line, line)
    return window / window.sum()


def ssim(
    output: torch.Tensor,
    target: torch.Tensor,
    data_range: float = 2.0,
    window: int = 7,
    sigma: float = 1.5,
) -> torch.Tensor:
    """SSIM of each image of ``output`` against ``target`` (Wang et al. 2004).

    At each position, with Gaussian-weighted means μ, variances σ² and
    covariance σ_xy of the window around it (their eq. 13),

        SSIM = (2 μ_x μ_y + C1)(2 σ_xy + C2)
               / ((μ_x² + μ_y² + C1)(σ_x² + σ_y² + C2)),

    C1 = (K1 R)², C2 = (K2 R)², K1 = 0.01, K2 = 0.03, R = ``data_range``.
    The index is the mean of this map over the valid positions (windows
    wholly inside the image) and the channels. It is 1 for identical
    images, symmetric in its arguments, and lies in [−1, 1].

    The paper's window is 11×11 with σ = 1.5. On a 28×28 image it leaves
    only 18×18 valid centres and never centres on the outer five pixels;
    the default 7×7 (±2σ) leaves 22×22 and keeps 96% of the Gaussian's
    weight.

    Shapes (m, C, H, W) → (m,); H and W must be at least ``window``.
    """
    _check_pair(output, target)
    _check_range(data_range)
    height, width = output.shape[2:]
    if window > min(height, width):
        raise ValueError(
            f"a {window}×{window} window does not fit in {height}×{width} "
            "images: pass a smaller odd window"
        )
    channels = output.shape[1]
    # One copy of the window per channel: groups=C filters each alone.
    weights = gaussian_window(window, sigma).to(output)
    weights = weights.expand(channels, 1, window, window)

    def local_mean(images: torch.Tensor) -> torch.Tensor:
        # No padding: a mean only where the window fits ("valid").
        return F.conv2d(images, weights, groups=channels)

    mu_x, mu_y = local_mean(output), local_mean(target)
    # σ² = E[x²] − μ²: the weighted (population) moments of the paper.
    var_x = local_mean(output * output) - mu_x**2
    var_y = local_mean(target * target) - mu_y**2
    cov_xy = local_mean(output * target) - mu_x * mu_y
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    index = (
        (2 * mu_x * mu_y + c1)
        * (2 * cov_xy + c2)
        / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    )
    return index.flatten(1).mean(1)
