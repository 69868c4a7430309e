"""Maximum likelihood for a Gaussian: closed form, gradient ascent, surface.

The model is p_model(x; θ) = N(x; μ, σ²), θ = (μ, σ). For samples
x_1..x_m the average log-likelihood is

    ℓ(μ, σ) = (1/n) Σ_i log N(x_i; μ, σ²)
            = −log σ − ½ log 2π − (1/n) Σ_i (x_i − μ)² / (2σ²),

maximised by the sample mean and the (1/n, biased) sample standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from gan_lib.theory.densities import LOG_SQRT_2PI

__all__ = [
    "gaussian_mle",
    "average_log_likelihood",
    "log_likelihood_surface",
    "AscentResult",
    "fit_gaussian_by_gradient_ascent",
]


def _samples(x: np.ndarray | torch.Tensor) -> np.ndarray:
    x = np.asarray(
        x.detach().cpu() if isinstance(x, torch.Tensor) else x,
        dtype=np.float64,
    )
    if x.ndim != 1 or x.size < 2:
        raise ValueError(
            f"expected a 1D array of at least 2 samples, got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(
            "samples contain NaN or infinity; drop or fix them before fitting"
        )
    return x


def gaussian_mle(x: np.ndarray | torch.Tensor) -> tuple[float, float]:
    """Closed-form MLE: μ̂ = (1/n) Σ x_i, σ̂ = sqrt((1/n) Σ (x_i − μ̂)²)."""
    x = _samples(x)
    return float(x.mean()), float(x.std(ddof=0))


def average_log_likelihood(
    x: np.ndarray, mean: np.ndarray | float, std: np.ndarray | float
) -> np.ndarray:
    """ℓ(μ, σ) for one or many (μ, σ) at once (``mean`` and ``std`` broadcast).

    Computed from the sufficient statistics x̄ and (1/n) Σ (x_i − x̄)², so a
    whole grid of (μ, σ) costs one pass over the samples.
    """
    x = _samples(x)
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    if np.any(std <= 0):
        raise ValueError("std must be positive")
    # (1/n) Σ (x_i − μ)² = (1/n) Σ (x_i − x̄)² + (x̄ − μ)²
    mean_sq_dev = x.var() + (x.mean() - mean) ** 2
    return -np.log(std) - LOG_SQRT_2PI - mean_sq_dev / (2 * std**2)


def log_likelihood_surface(
    x: np.ndarray, means: np.ndarray, stds: np.ndarray
) -> np.ndarray:
    """ℓ on the grid means × stds, shaped (len(stds), len(means)).

    That is the shape matplotlib's ``contour`` expects for x = means and
    y = stds.
    """
    mu, sigma = np.meshgrid(np.asarray(means, float), np.asarray(stds, float))
    return average_log_likelihood(x, mu, sigma)


@dataclass
class AscentResult:
    """Where gradient ascent ended, and its path: one row (μ, σ) per step."""

    mean: float
    std: float
    steps: int
    path: np.ndarray = field(repr=False)


def fit_gaussian_by_gradient_ascent(
    x: np.ndarray | torch.Tensor,
    lr: float = 0.1,
    max_steps: int = 20_000,
    tol: float = 1e-10,
    init: tuple[float, float] = (0.0, 1.0),
) -> AscentResult:
    """Maximise ℓ(μ, σ) by plain gradient ascent in torch (float64, autograd).

    We ascend in (μ, log σ), so σ stays positive: θ ← θ + lr ∇_θ ℓ, until the
    gradient's norm is below ``tol``. The step must be small next to σ²
    (the curvature in μ is 1/σ²); divergence is reported as an error.
    """
    data = torch.as_tensor(_samples(x))
    mean = torch.tensor(
        float(init[0]), dtype=torch.float64, requires_grad=True
    )
    log_std = torch.tensor(
        math.log(init[1]), dtype=torch.float64, requires_grad=True
    )
    path = [(mean.item(), log_std.exp().item())]
    for step in range(1, max_steps + 1):
        model = torch.distributions.Normal(mean, log_std.exp())
        ll = model.log_prob(data).mean()
        grad_mean, grad_log_std = torch.autograd.grad(ll, (mean, log_std))
        if not torch.isfinite(ll):
            raise FloatingPointError(
                f"gradient ascent diverged at step {step}; "
                f"lower lr (now {lr})."
            )
        # autograd forbids in-place steps on leaves that require grad
        with torch.no_grad():
            mean += lr * grad_mean
            log_std += lr * grad_log_std
        path.append((mean.item(), log_std.exp().item()))
        if math.hypot(grad_mean.item(), grad_log_std.item()) < tol:
            break
    else:
        raise RuntimeError(
            f"no convergence in {max_steps} steps "
            f"(gradient norm still above {tol}). If the path oscillates, "
            f"lr={lr} is too large for data of this scale "
            "(the curvature in mu is 1/sigma^2): lower lr or "
            "standardise the data; if it creeps, raise max_steps."
        )
    return AscentResult(
        mean=mean.item(),
        std=log_std.exp().item(),
        steps=step,
        path=np.array(path),
    )
