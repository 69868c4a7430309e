"""Which samples a generator cost learns from: per-sample gradients, noise.

Every cost of :mod:`gan_lib.training.losses` sees a sample only through the
discriminator's logit a = σ⁻¹(D(G(z))): J⁽ᴳ⁾ = E_z j(a). By the chain rule
the generator's gradient is

    ∇_θ J⁽ᴳ⁾ = E_z [ ∂j/∂a · ∇_θ a(G(z; θ)) ],

so the per-sample factor ∂j/∂a decides how much each sample counts
(D = σ(a)):

    minimax:            ∂j/∂a = −D            (→ 0 as D → 0: saturates)
    non-saturating:     ∂j/∂a = −(1 − D)      (→ −1 as D → 0)
    maximum likelihood: ∂j/∂a = −e^a = −D/(1 − D)

With the optimal discriminator, e^(a*) = p_data/p_g, and the
maximum-likelihood gradient equals ∇_θ KL(p_data ‖ p_g) in expectation
(Goodfellow 2014b).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import norm

from gan_lib.theory.densities import Density, Gaussian
from gan_lib.training.losses import GENERATOR_COSTS, generator_cost

__all__ = [
    "Logit",
    "logit_gradient",
    "top_share",
    "minibatch_relative_std",
    "minibatch_means",
    "standard_normal_quadrature",
    "optimal_logit",
    "per_sample_generator_gradients",
    "kl_gradient_wrt_gaussian",
    "ml_weight_relative_variance",
    "ml_top_share",
    "expected_share_curve",
    "CostNoiseReading",
    "gradient_noise_reading",
]

Logit = Callable[[torch.Tensor], torch.Tensor]


def logit_gradient(name: str, logits: torch.Tensor) -> torch.Tensor:
    """Per-sample ∂j/∂a_i of the generator cost ``name``.

    By autograd through the library's own cost. The library's costs are batch
    means, J = (1/m) Σ_i j(a_i), so ∂j/∂a_i = m ∂J/∂a_i.
    """
    logits = logits.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(generator_cost(name)(logits), logits)
    return grad * logits.numel()


def top_share(per_sample: np.ndarray | torch.Tensor, fraction: float) -> float:
    """Share of Σ_i |g_i| carried by the ⌈fraction · m⌉ largest |g_i|."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(
            "fraction must be in (0, 1], e.g. 0.01 for the top 1%, "
            f"got {fraction}"
        )
    magnitudes = np.sort(
        np.abs(np.asarray(per_sample, dtype=np.float64)).ravel()
    )[::-1]
    if magnitudes.size == 0 or magnitudes.sum() == 0:
        raise ValueError("per_sample must hold at least one non-zero gradient")
    top = math.ceil(fraction * magnitudes.size)
    return float(magnitudes[:top].sum() / magnitudes.sum())


def minibatch_relative_std(
    mean: float, second_moment: float, batch_size: int
) -> float:
    """Noise-to-signal of a minibatch mean of m i.i.d. per-sample gradients g:

    sd(ĝ_m) / |E ĝ_m| = sqrt((E g² − (E g)²) / m) / |E g|.
    """
    if batch_size < 1:
        raise ValueError(
            f"batch_size must be a positive integer, got {batch_size}"
        )
    # a variance of exactly 0 can round to just below 0
    variance = max(second_moment - mean**2, 0.0)
    return math.sqrt(variance / batch_size) / abs(mean)


def minibatch_means(
    per_sample: np.ndarray,
    batch_size: int,
    n_batches: int,
    rng: np.random.Generator | int,
) -> np.ndarray:
    """Means of ``n_batches`` minibatches of ``per_sample``'s last axis.

    The minibatches are drawn with replacement. Every row (one cost each)
    uses the same indices, so the costs are compared on the same samples.
    """
    per_sample = np.asarray(per_sample, dtype=np.float64)
    index = np.random.default_rng(rng).integers(
        0, per_sample.shape[-1], size=(n_batches, batch_size)
    )
    return per_sample[..., index].mean(axis=-1)


def standard_normal_quadrature(
    bound: float = 40.0, n: int = 80_001
) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes z_i, weights w_i with Σ_i w_i f(z_i) ≈ E_{z∼N(0,1)} f(z), float64.

    The trapezoid rule on [−bound, bound]; for smooth f whose product with the
    normal density decays inside the interval it is accurate to rounding.
    """
    z = torch.linspace(-bound, bound, n, dtype=torch.float64)
    weights = torch.exp(-0.5 * z**2) / math.sqrt(2 * math.pi) * (z[1] - z[0])
    weights[[0, -1]] *= 0.5  # the trapezoid's half-weight end points
    return z, weights


def optimal_logit(p_data: Density, p_g: Density) -> Logit:
    """a*(x) = log p_data(x) − log p_g(x) on tensors, with p_g frozen.

    Differentiable in x. The torch twin of
    :func:`gan_lib.theory.game.optimal_discriminator_logit`;
    e^(a*) = p_data/p_g.
    """

    def logit(x: torch.Tensor) -> torch.Tensor:
        return p_data.log_prob(x) - p_g.log_prob(x)

    return logit


def per_sample_generator_gradients(
    name: str, logit: Logit, mean: float, std: float, z: torch.Tensor
) -> torch.Tensor:
    """∇_(μ,σ) j(a(G(z_i))) for G(z) = μ + σz, with D's logit a held fixed:

    ∇_(μ,σ) j = ∂j/∂a · a'(x) · (1, z),  x = μ + σz.

    Returns an (n, 2) tensor. Its mean over z ∼ N(0, 1) is the
    reparameterised Monte-Carlo estimate of ∇_(μ,σ) J⁽ᴳ⁾; weighted by
    :func:`standard_normal_quadrature` it is the expectation itself.
    """
    if std <= 0:
        raise ValueError(f"the generator's std must be positive, got {std}")
    z = z.to(torch.float64)
    x = (mean + std * z).requires_grad_(True)
    a = logit(x)
    (slope,) = torch.autograd.grad(a.sum(), x)  # a'(x_i): a acts elementwise
    g = logit_gradient(name, a) * slope
    return torch.stack([g, g * z], dim=-1)


def kl_gradient_wrt_gaussian(
    p_data: Density, mean: float, std: float
) -> np.ndarray:
    """∇_(μ,σ) KL(p_data ‖ N(μ, σ²)) = −E_{p_data} ∇ log q.

    With m, v the mean and variance of p_data,

    ∂/∂μ = (μ − m)/σ²,   ∂/∂σ = 1/σ − (v + (m − μ)²)/σ³.
    """
    m, v = p_data.mean, p_data.variance
    return np.array(
        [(mean - m) / std**2, 1 / std - (v + (m - mean) ** 2) / std**3]
    )


def ml_weight_relative_variance(shift: float) -> float:
    """Var(e^a*) / (E e^a*)² = e^(δ²) − 1 over x ∼ p_g.

    For p_data = N(0, 1), p_g = N(δ, 1): e^(a*) = p_data/p_g has mean 1
    under p_g and E[(p_data/p_g)²] = e^(δ²), so the relative variance is the
    χ² divergence χ²(p_data ‖ p_g).
    """
    return math.expm1(shift**2)


def ml_top_share(shift: float, fraction: float) -> float:
    """Expected share of the ML gradient carried by the top q of samples.

    For p_data = N(0, 1), p_g = N(δ, 1) and D = D*, the share is
    Φ(Φ⁻¹(q) + δ), with q = ``fraction``. With x = δ + z,
    e^(a*) = e^(−δz − δ²/2), largest for the smallest z, and
    e^(−δz − δ²/2) φ(z) = φ(z + δ): the top q of samples (z < Φ⁻¹(q)) carry
    ∫_{−∞}^{Φ⁻¹(q)} φ(z + δ) dz of the unit total.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(
            "fraction must be in (0, 1), e.g. 0.01 for the top 1%, "
            f"got {fraction}"
        )
    return float(norm.cdf(norm.ppf(fraction) + shift))


def expected_share_curve(
    per_sample: torch.Tensor, weights: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """The population version of :func:`top_share`, from quadrature nodes.

    For each q, the share of E|g| carried by the fraction q of the
    probability mass where |g| is largest.

    Returns:
        ``(q, share)``, each of the nodes' length.
    """
    magnitude = np.abs(np.asarray(per_sample, dtype=np.float64))
    mass = np.asarray(weights, dtype=np.float64)
    # largest |g| first; stable, so ties keep the nodes' order
    order = np.argsort(-magnitude, kind="stable")
    q = np.cumsum(mass[order]) / mass.sum()
    share = np.cumsum((mass * magnitude)[order]) / (mass @ magnitude)
    return q, share


@dataclass(frozen=True)
class CostNoiseReading:
    """What the gradient-noise explorer shows for one cost at one offset δ."""

    # sd/|mean| of a minibatch mean of the per-sample weights
    noise_to_signal: float
    # expected share of the gradient carried by the top 1% of samples
    top_1_percent_share: float


def gradient_noise_reading(
    shift: float, batch_size: int
) -> dict[str, CostNoiseReading]:
    """Each cost's minibatch noise and top-1% share, by quadrature.

    For p_data = N(0, 1), p_g = N(δ, 1) and D = D*, with δ = ``shift``.
    """
    if shift <= 0:
        raise ValueError(
            "shift must be positive (at shift 0 every weight is equal "
            f"and nothing is noisy), got {shift}"
        )
    z, weights = standard_normal_quadrature()
    # x = δ + z ∼ p_g, so the quadrature weights are p_g's
    a_star = optimal_logit(Gaussian(0.0, 1.0), Gaussian(shift, 1.0))
    logits = a_star(shift + z)
    readings = {}
    for name in GENERATOR_COSTS:
        g = logit_gradient(name, logits)
        mass, share = expected_share_curve(g, weights)
        noise = minibatch_relative_std(
            float(weights @ g), float(weights @ g**2), batch_size
        )
        readings[name] = CostNoiseReading(
            noise, float(np.interp(0.01, mass, share))
        )
    return readings
