"""The GAN game in closed form, for densities we can write down (1D here).

For a fixed generator with density p_g, the value function of Goodfellow et al. (2014) is

    V(G, D) = E_{x∼p_data} log D(x) + E_{x∼p_g} log(1 − D(x))
            = ∫ p_data(x) log D(x) + p_g(x) log(1 − D(x)) dx,

maximised pointwise by the optimal discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import expit

from gan_lib.densities import Density
from gan_lib.divergences import integrate_quad


def optimal_discriminator_logit(p_data: Density, p_g: Density, x: np.ndarray) -> np.ndarray:
    """σ⁻¹(D*(x)) = log p_data(x) − log p_g(x): the log density ratio, finite far in the tails."""
    return np.asarray(p_data.log_prob(x)) - np.asarray(p_g.log_prob(x))


def optimal_discriminator(p_data: Density, p_g: Density, x: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), computed as σ(log p_data − log p_g)."""
    return expit(optimal_discriminator_logit(p_data, p_g, x))


def log_sigmoid(a: np.ndarray) -> np.ndarray:
    """log σ(a) = −log(1 + e^(−a)), without overflow for large |a|."""
    return -np.logaddexp(0.0, -np.asarray(a, dtype=np.float64))


def value_function(p_data: Density, p_g: Density, logit: Callable[[np.ndarray], np.ndarray] | None = None) -> float:
    """V(G, D) = ∫ p_data log D + p_g log(1 − D) dx by quadrature, D = σ(logit); D defaults to D*.

    Written with log D = log σ(a) and log(1 − D) = log σ(−a), so a confident D
    (|a| large) costs no precision. With D = D*, V(G, D*) = C(G) = −log 4 + 2 JSD(p_data ‖ p_g).
    """
    if logit is None:

        def logit(t: np.ndarray) -> np.ndarray:
            return optimal_discriminator_logit(p_data, p_g, t)

    def integrand(t: float) -> float:
        a = float(logit(np.float64(t)))
        return float(p_data.pdf(t)) * float(log_sigmoid(a)) + float(p_g.pdf(t)) * float(log_sigmoid(-a))

    return integrate_quad(integrand, p_data, p_g)
