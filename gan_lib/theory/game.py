"""The GAN game in closed form, for densities we can write down (1D here).

For a fixed generator with density p_g, the value function of Goodfellow et
al. (2014) is

    V(G, D) = E_{x∼p_data} log D(x) + E_{x∼p_g} log(1 − D(x))
            = ∫ p_data(x) log D(x) + p_g(x) log(1 − D(x)) dx,

maximised pointwise by the optimal discriminator

    D*(x) = p_data(x) / (p_data(x) + p_g(x)).

The generator's criterion is then, with M = (p_data + p_g)/2,

    C(G) = max_D V(G, D) = V(G, D*)
         = −log 4 + KL(p_data ‖ M) + KL(p_g ‖ M)
         = −log 4 + 2 JSD(p_data ‖ p_g).

Where a density is exactly zero, 0 · log(anything) counts as 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.special import expit

from gan_lib.theory.densities import ArrayLike, Density
from gan_lib.theory.divergences import (
    common_bounds,
    integrate_quad,
    jsd_quad,
    kl_quad,
)

__all__ = [
    "LOG_4",
    "optimal_discriminator_logit",
    "optimal_discriminator",
    "log_sigmoid",
    "pointwise_value",
    "value_function",
    "virtual_training_criterion",
    "Midpoint",
    "CriterionTerms",
    "criterion_terms",
    "central_interval",
]

LOG_4 = math.log(4.0)


def optimal_discriminator_logit(
    p_data: Density, p_g: Density, x: np.ndarray
) -> np.ndarray:
    """σ⁻¹(D*(x)) = log p_data(x) − log p_g(x), the log density ratio.

    Taken from log-densities, it stays finite far in the tails, where both
    densities underflow to 0. Where both are exactly zero, D* is not
    determined (V does not depend on it there); we return 0, i.e.
    D* = 1/2. Where only p_g is zero, the logit is +inf (D* = 1).
    """
    log_data = np.asarray(p_data.log_prob(x))
    log_g = np.asarray(p_g.log_prob(x))
    both_zero = np.isneginf(log_data) & np.isneginf(log_g)
    # −inf − (−inf) is nan where both vanish: np.where puts 0 there
    with np.errstate(invalid="ignore"):
        return np.where(both_zero, 0.0, log_data - log_g)


def optimal_discriminator(
    p_data: Density, p_g: Density, x: np.ndarray
) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) = σ(log p_data − log p_g).

    Computed as the sigmoid of :func:`optimal_discriminator_logit`.
    """
    return expit(optimal_discriminator_logit(p_data, p_g, x))


def log_sigmoid(a: np.ndarray) -> np.ndarray:
    """log σ(a) = −log(1 + e^(−a)), without overflow for large |a|."""
    return -np.logaddexp(0.0, -np.asarray(a, dtype=np.float64))


def pointwise_value(a: float, b: float, y: np.ndarray) -> np.ndarray:
    """f(y) = a log y + b log(1 − y) on y ∈ (0, 1): V's integrand at one x.

    Here a = p_data(x) and b = p_g(x). f'(y) = a/y − b/(1 − y) = 0 at
    y = a / (a + b), and f'' < 0: the pointwise maximum that gives D*.
    """
    if a < 0 or b < 0 or a + b == 0:
        raise ValueError(
            "a and b are density values: non-negative and not both zero, "
            f"got a={a}, b={b}"
        )
    y = np.asarray(y, dtype=np.float64)
    if np.any((y <= 0) | (y >= 1)):
        raise ValueError(
            "y is a discriminator output and must lie strictly between 0 and 1"
        )
    return a * np.log(y) + b * np.log1p(-y)


def _weighted_log(weight: float, log_value: float) -> float:
    """weight · log_value, with 0 · (−inf) = 0.

    A point no density reaches costs nothing.
    """
    return 0.0 if weight == 0.0 else weight * log_value


def value_function(
    p_data: Density,
    p_g: Density,
    logit: Callable[[np.ndarray], np.ndarray] | None = None,
) -> float:
    """V(G, D) = ∫ p_data log D + p_g log(1 − D) dx, by quadrature.

    D = σ(logit), and D defaults to D*. Written with log D = log σ(a) and
    log(1 − D) = log σ(−a), so a confident D (|a| large) costs no
    precision. With D = D*, V(G, D*) = C(G) = −log 4 + 2 JSD(p_data ‖ p_g).
    """
    if logit is None:

        def logit(t: np.ndarray) -> np.ndarray:
            return optimal_discriminator_logit(p_data, p_g, t)

    def integrand(t: float) -> float:
        a = float(logit(np.float64(t)))
        # log(1 − σ(a)) = log σ(−a): no 1 − D that rounds to 0
        data_term = _weighted_log(float(p_data.pdf(t)), float(log_sigmoid(a)))
        g_term = _weighted_log(float(p_g.pdf(t)), float(log_sigmoid(-a)))
        return data_term + g_term

    return integrate_quad(integrand, p_data, p_g)


def virtual_training_criterion(p_data: Density, p_g: Density) -> float:
    """C(G) = max_D V(G, D) = V(G, D*): G's cost once D is optimal.

    The virtual training criterion of Goodfellow et al. (2014).
    """
    return value_function(p_data, p_g)


@dataclass(frozen=True)
class Midpoint:
    """M = (p + q)/2, the equal mixture of two densities.

    Itself a density with the common interface, so the divergences accept
    it.
    """

    p: Density
    q: Density

    def log_prob(self, x: ArrayLike) -> np.ndarray:
        """log M = logaddexp(log p, log q) − log 2.

        −inf only where both vanish.
        """
        log_p = np.asarray(self.p.log_prob(x))
        log_q = np.asarray(self.q.log_prob(x))
        return np.logaddexp(log_p, log_q) - math.log(2.0)

    def pdf(self, x: ArrayLike) -> np.ndarray:
        return np.exp(self.log_prob(x))

    def bounds(self, n_std: float = 12.0) -> tuple[float, float]:
        return common_bounds(self.p, self.q)

    def breakpoints(self) -> list[float]:
        return sorted({*self.p.breakpoints(), *self.q.breakpoints()})


@dataclass(frozen=True)
class CriterionTerms:
    """The pieces of C(G), each computed on its own.

    Comparing :attr:`value_at_optimum` with :attr:`via_kl` and
    :attr:`via_jsd` checks the derivation line by line.
    """

    # V(G, D*), by quadrature of the value function itself
    value_at_optimum: float
    kl_data_to_midpoint: float  # KL(p_data ‖ M)
    kl_g_to_midpoint: float  # KL(p_g ‖ M)
    jsd: float  # JSD(p_data ‖ p_g), from gan_lib.theory.divergences

    @property
    def via_kl(self) -> float:
        """−log 4 + KL(p_data ‖ M) + KL(p_g ‖ M)."""
        return -LOG_4 + self.kl_data_to_midpoint + self.kl_g_to_midpoint

    @property
    def via_jsd(self) -> float:
        """−log 4 + 2 JSD(p_data ‖ p_g)."""
        return -LOG_4 + 2.0 * self.jsd


def criterion_terms(p_data: Density, p_g: Density) -> CriterionTerms:
    """V(G, D*), KL(p_data ‖ M), KL(p_g ‖ M) and JSD(p_data ‖ p_g).

    Each by its own quadrature, so that agreement checks the derivation.
    """
    midpoint = Midpoint(p_data, p_g)
    return CriterionTerms(
        value_at_optimum=virtual_training_criterion(p_data, p_g),
        kl_data_to_midpoint=kl_quad(p_data, midpoint),
        kl_g_to_midpoint=kl_quad(p_g, midpoint),
        jsd=jsd_quad(p_data, p_g),
    )


def central_interval(
    density: Density, mass: float = 0.98, n: int = 200_001
) -> tuple[float, float]:
    """[x_lo, x_hi] with (1 − mass)/2 of the density's mass on each side.

    Read off the density's CDF on a fine grid.
    """
    if not 0.0 < mass < 1.0:
        raise ValueError(
            f"mass must be strictly between 0 and 1 (e.g. 0.98), got {mass}"
        )
    x = np.linspace(*density.bounds(), n)
    cdf = cumulative_trapezoid(density.pdf(x), x, initial=0.0)
    # cdf[-1] is the grid's total mass, ≈ 1: the tails are taken of it
    tail = 0.5 * (1.0 - mass) * cdf[-1]
    low, high = np.interp([tail, cdf[-1] - tail], cdf, x)
    return float(low), float(high)
