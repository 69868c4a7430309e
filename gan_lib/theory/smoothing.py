"""Label smoothing: D*_αβ and V_αβ with soft targets; D's over-confidence.

One-sided label smoothing (Salimans et al. 2016) trains D towards a target
α < 1 on real samples; Goodfellow (2016, §4.2) explains why the fake target
β must stay 0. With targets α (real) and β (fake) the discriminator
maximises the smoothed value function

    V_αβ(G, D) = ∫ p_data(x) [α log D(x) + (1 − α) log(1 − D(x))]
                 + p_g(x) [β log D(x) + (1 − β) log(1 − D(x))] dx.

At one x, read p_data and p_g as the numbers p_data(x), p_g(x) and D as
D(x); the integrand is A log D + B log(1 − D), where A = α p_data + β p_g
and B = (1 − α) p_data + (1 − β) p_g, so A + B = p_data + p_g. Its
derivative A/D − B/(1 − D) vanishes at D = A / (A + B) and its second
derivative is negative, so the maximiser is

    D*_αβ(x) = (α p_data(x) + β p_g(x)) / (p_data(x) + p_g(x))
             = α D*(x) + β (1 − D*(x)),   D* = p_data / (p_data + p_g),

and at D = D*_αβ the integrand is −(p_data + p_g) h(D*_αβ), h the binary
entropy
in nats. D*_αβ lies between β and α. Where p_data = 0 < p_g it equals β:
with β = 0 the discriminator still rejects the model's spurious modes, with
β > 0 it rewards them with a flat β and the generator loses its reason to
move them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from gan_lib.theory.densities import Density
from gan_lib.theory.divergences import integrate_quad
from gan_lib.theory.game import (
    _weighted_log,
    log_sigmoid,
    optimal_discriminator,
    optimal_discriminator_logit,
)

__all__ = [
    "Logit",
    "check_labels",
    "smoothed_optimal_discriminator",
    "smoothed_optimal_logit",
    "smoothed_value_function",
    "binary_entropy",
    "smoothed_value_at_optimum",
    "non_saturating_pull",
    "LogitSummary",
    "summarise_logits",
    "Overconfidence",
    "overconfidence",
    "max_smoothed_logit",
]

Logit = Callable[[np.ndarray], np.ndarray]


def check_labels(real_label: float, fake_label: float = 0.0) -> None:
    """Raise a clear error unless 0 ≤ β < α ≤ 1.

    The targets are α = ``real_label`` and β = ``fake_label``.
    """
    if not 0.0 < real_label <= 1.0:
        raise ValueError(
            "real_label must be in (0, 1] (1 for no smoothing, "
            f"e.g. 0.9 for one-sided smoothing), got {real_label}"
        )
    if not 0.0 <= fake_label < real_label:
        raise ValueError(
            "fake_label must be in [0, real_label) (0 for no smoothing, "
            f"e.g. 0.1 for two-sided smoothing), got {fake_label}"
        )


def _log(value: float) -> float:
    # a target of 0 or 1 leaves a zero weight: log 0 = −inf, not an error
    return -math.inf if value == 0.0 else math.log(value)


def smoothed_optimal_discriminator(
    p_data: Density,
    p_g: Density,
    x: np.ndarray,
    real_label: float = 0.9,
    fake_label: float = 0.0,
) -> np.ndarray:
    """D*_αβ(x) = (α p_data + β p_g) / (p_data + p_g).

    Computed as α D* + β (1 − D*), with α = ``real_label`` and
    β = ``fake_label``.
    """
    check_labels(real_label, fake_label)
    d_star = optimal_discriminator(p_data, p_g, x)
    return real_label * d_star + fake_label * (1.0 - d_star)


def smoothed_optimal_logit(
    p_data: Density,
    p_g: Density,
    x: np.ndarray,
    real_label: float = 0.9,
    fake_label: float = 0.0,
) -> np.ndarray:
    """σ⁻¹(D*_αβ(x)), with ℓ = log p_data − log p_g:

    σ⁻¹(D*_αβ) = log(α σ(ℓ) + β σ(−ℓ)) − log((1 − α) σ(ℓ) + (1 − β) σ(−ℓ)).

    Written in logs so it stays finite and accurate where D*_αβ is extremely
    close to 0 or 1; it is −inf only where D*_αβ = 0 exactly (β = 0 and
    p_data = 0 < p_g) and +inf only where D*_αβ = 1 (α = 1,
    p_g = 0).
    """
    check_labels(real_label, fake_label)
    ell = optimal_discriminator_logit(p_data, p_g, x)
    log_d, log_not_d = log_sigmoid(ell), log_sigmoid(-ell)
    log_real = np.logaddexp(
        _log(real_label) + log_d, _log(fake_label) + log_not_d
    )
    log_fake = np.logaddexp(
        _log(1.0 - real_label) + log_d, _log(1.0 - fake_label) + log_not_d
    )
    # never −inf − (−inf): the two probabilities sum to 1
    return log_real - log_fake


def smoothed_value_function(
    p_data: Density,
    p_g: Density,
    logit: Logit | None = None,
    real_label: float = 0.9,
    fake_label: float = 0.0,
) -> float:
    """V_αβ(G, D) by quadrature:

    V_αβ = ∫ p_data [α log D + (1 − α) log(1 − D)]
             + p_g [β log D + (1 − β) log(1 − D)] dx.

    D = σ(logit), defaulting to D*_αβ. With α = 1, β = 0 this is
    ``gan_lib.theory.game.value_function``. A zero weight times log 0
    counts as 0.
    """
    check_labels(real_label, fake_label)
    if logit is None:

        def logit(t: np.ndarray) -> np.ndarray:
            return smoothed_optimal_logit(
                p_data, p_g, t, real_label, fake_label
            )

    def integrand(t: float) -> float:
        a = float(logit(np.float64(t)))
        log_d, log_not_d = float(log_sigmoid(a)), float(log_sigmoid(-a))
        total = 0.0
        for density, target in ((p_data, real_label), (p_g, fake_label)):
            weight = float(density.pdf(t))
            d_term = _weighted_log(weight * target, log_d)
            not_d_term = _weighted_log(weight * (1.0 - target), log_not_d)
            total += d_term + not_d_term
        return total

    return integrate_quad(integrand, p_data, p_g)


def binary_entropy(y: np.ndarray) -> np.ndarray:
    """h(y) = −y log y − (1 − y) log(1 − y) in nats, with 0 log 0 = 0."""
    y = np.asarray(y, dtype=np.float64)
    # np.where computes both branches: log 0 warns before it is discarded
    with np.errstate(divide="ignore", invalid="ignore"):
        y_term = np.where(y > 0, -y * np.log(y), 0.0)
        not_y_term = np.where(y < 1, -(1 - y) * np.log1p(-y), 0.0)
    return y_term + not_y_term


def smoothed_value_at_optimum(
    p_data: Density,
    p_g: Density,
    real_label: float = 0.9,
    fake_label: float = 0.0,
) -> float:
    """max_D V_αβ = −∫ (p_data + p_g) h(D*_αβ) dx.

    The pointwise maximum, integrated: a check on V_αβ(G, D*_αβ).
    """
    check_labels(real_label, fake_label)

    def integrand(t: float) -> float:
        d = smoothed_optimal_discriminator(
            p_data, p_g, np.float64(t), real_label, fake_label
        )
        mass = float(p_data.pdf(t) + p_g.pdf(t))
        return -mass * float(binary_entropy(d))

    return integrate_quad(integrand, p_data, p_g)


def non_saturating_pull(
    logit: Logit, mean: float, std: float, nodes: int = 80
) -> float:
    """dJ/dμ for J(μ) = −E_{x∼N(μ, σ²)} log D(x), D = σ(logit) held fixed.

    How hard the non-saturating cost pushes a generator mode N(μ, σ²) along
    x (gradient descent moves μ by −lr · dJ/dμ). By Stein's identity

        dJ/dμ = −E_z[z log D(μ + σz)] / σ,    z ∼ N(0, 1),

    which Gauss–Hermite quadrature with ``nodes`` nodes computes without
    differentiating D.
    """
    if std <= 0 or nodes < 2:
        raise ValueError(
            "std must be positive and nodes at least 2, "
            f"got std={std}, nodes={nodes}"
        )
    z, weights = np.polynomial.hermite_e.hermegauss(nodes)
    # hermegauss's weight is e^(−z²/2); dividing by √(2π) gives E_{z∼N(0,1)}
    weights = weights / math.sqrt(2.0 * math.pi)
    log_d = log_sigmoid(np.asarray(logit(mean + std * z), dtype=np.float64))
    return float(-np.sum(weights * z * log_d) / std)


@dataclass(frozen=True)
class LogitSummary:
    """How confident D is on one set of samples.

    Its logits' mean and quantiles, and the fraction beyond ``threshold``.
    """

    mean: float
    q05: float
    median: float
    q95: float
    confident_fraction: float  # fraction with |logit| > threshold
    threshold: float


def summarise_logits(
    logits: np.ndarray | torch.Tensor, threshold: float = 4.0
) -> LogitSummary:
    """Summarise D's logits a = σ⁻¹(D).

    The mean, the 5 %, 50 % and 95 % quantiles, and the fraction with
    |a| > threshold. |a| > 4 means D > 0.982 or D < 0.018. A smoothed D*
    never exceeds log(α / (1 − α)) (≈ 2.20 for α = 0.9), so logits far
    beyond it on real samples are over-confidence that smoothing removes.
    """
    if isinstance(logits, torch.Tensor):
        logits = logits.detach().cpu().double().numpy()
    values = np.asarray(logits, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(
            "logits must be a non-empty array of finite numbers "
            "(pass D's logits, not probabilities)"
        )
    if threshold <= 0:
        raise ValueError(
            f"threshold must be positive (e.g. 4.0), got {threshold}"
        )
    q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return LogitSummary(
        mean=float(values.mean()),
        q05=float(q05),
        median=float(median),
        q95=float(q95),
        confident_fraction=float(np.mean(np.abs(values) > threshold)),
        threshold=threshold,
    )


@dataclass(frozen=True)
class Overconfidence:
    """D's logits summarised on real and on fake samples."""

    real: LogitSummary
    fake: LogitSummary

    @property
    def logit_gap(self) -> float:
        """Median real logit minus median fake logit.

        How far apart D pushes the two samples.
        """
        return self.real.median - self.fake.median


def overconfidence(
    real_logits: np.ndarray | torch.Tensor,
    fake_logits: np.ndarray | torch.Tensor,
    threshold: float = 4.0,
) -> Overconfidence:
    """:func:`summarise_logits` on real and on fake samples, same threshold."""
    return Overconfidence(
        summarise_logits(real_logits, threshold),
        summarise_logits(fake_logits, threshold),
    )


def max_smoothed_logit(real_label: float) -> float:
    """log(α / (1 − α)): the largest logit of D*_αβ; +inf for α = 1.

    It is reached where p_g = 0.
    """
    check_labels(real_label, 0.0)
    if real_label == 1.0:
        return math.inf
    return math.log(real_label / (1.0 - real_label))
