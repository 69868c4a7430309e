"""Where the best single Gaussian stops covering both modes.

The target is the equal mixture p = ½N(−m, 1) + ½N(m, 1). Under KL(q ‖ p)
(and JSD) the best q = N(μ, σ²) straddles both modes when the
half-separation m is small and sits on one mode when it is large. We compute
the critical m_c, where the global optimum switches, in two independent
ways:

A. :func:`critical_half_separation` — minimise the divergence with
   :func:`~gan_lib.theory.divergences.fit_gaussian` (Nelder–Mead, trapezoid
   grid) from a start at the centre and from a start on a mode, and find the
   m where the two minima are equally good with Brent's root finder.
B. :func:`critical_half_separation_by_bisection` (reverse KL only) — for
   this p the reverse KL reduces to a one-dimensional expectation
   (:func:`reverse_kl_equal_mixture`), with a gradient from Stein's lemma;
   solve ∇KL = 0 (``scipy.optimize.root``, adaptive ``quad``) for the
   symmetric and the mode-seeking stationary points and bisect on which is
   lower.

The switch is a jump, not a smooth split: at every σ-stationary point the
curvature of KL(q ‖ p) in μ is exactly 1/σ² > 0 (:func:`curvature_in_mean`
checks it), so the symmetric fit stays a local minimum for every m.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize

from gan_lib.theory.densities import GaussianMixture
from gan_lib.theory.divergences import (
    GaussianFit,
    divergence_to_gaussian,
    fit_gaussian,
)

__all__ = [
    "BRACKETS",
    "equal_mixture",
    "branch_fits",
    "critical_half_separation",
    "curvature_in_mean",
    "reverse_kl_equal_mixture",
    "reverse_kl_gradient_equal_mixture",
    "reverse_kl_stationary_points",
    "mode_seeking_is_lower",
    "critical_half_separation_by_bisection",
]

BRACKETS = {"reverse_kl": (2.6, 3.2), "jsd": (3.0, 4.5)}
"""Intervals of m searched for the switch.

Both branches exist throughout each (checked at run time).
"""

# E over ε ∼ N(0, 1) is integrated on [−14, 14]; the rest has mass < 1e-43
_NORMAL_RANGE = 14.0


def equal_mixture(half_separation: float) -> GaussianMixture:
    """p = ½ N(−m, 1) + ½ N(m, 1), m = ``half_separation``."""
    if half_separation < 0:
        raise ValueError(
            f"half_separation must be non-negative, got {half_separation}."
        )
    return GaussianMixture.two_modes(2.0 * half_separation)


def branch_fits(
    half_separation: float, objective: str
) -> tuple[GaussianFit, GaussianFit]:
    """The fits started at the centre (0, std of p) and on the right mode.

    The start on the right mode is (m, 1).
    """
    p = equal_mixture(half_separation)
    centre = fit_gaussian(p, objective, start=(0.0, p.std))
    on_mode = fit_gaussian(p, objective, start=(half_separation, 1.0))
    return centre, on_mode


def _branch_gap(half_separation: float, objective: str) -> float:
    centre, on_mode = branch_fits(half_separation, objective)
    if on_mode.mean < half_separation / 2 or abs(centre.mean) > 1e-6:
        raise RuntimeError(
            f"at m={half_separation} the two starts did not give "
            "a centred and a mode-seeking fit "
            f"(got means {centre.mean:.4f} and {on_mode.mean:.4f}); "
            "choose a bracket where both exist."
        )
    return on_mode.divergence - centre.divergence


def critical_half_separation(
    objective: str = "reverse_kl",
    bracket: tuple[float, float] | None = None,
    xtol: float = 1e-10,
) -> float:
    """Method A: the m where both minima of ``objective`` are equally low.

    The two minima are the mode-seeking and the centred fit; Brent's method
    finds the zero of their difference inside ``bracket``.
    """
    if objective not in BRACKETS:
        raise ValueError(
            f"no switch to find for {objective!r}: "
            f"valid objectives are {', '.join(BRACKETS)} "
            "(the forward-KL fit is the unique moment match, "
            "centred for every m)."
        )
    low, high = BRACKETS[objective] if bracket is None else bracket
    return optimize.brentq(
        _branch_gap, low, high, args=(objective,), xtol=xtol
    )


def curvature_in_mean(
    p, objective: str, mean: float, std: float, step: float = 1e-3
) -> float:
    """∂²D/∂μ² at (mean, std), by a central second difference.

    D is :func:`divergence_to_gaussian` with ``objective``.
    """
    values = [
        divergence_to_gaussian(p, mean + k * step, std, objective)
        for k in (-1, 0, 1)
    ]
    return (values[0] - 2 * values[1] + values[2]) / step**2


# --- Method B: the equal mixture's reduced formula, gradient, bisection ---


def _normal_expectation(f, mean: float, std: float) -> float:
    """E_{x∼N(mean, std²)} f(x) = ∫ φ(ε) f(mean + std ε) dε, by quadrature.

    ``f`` is called as f(x, ε), so an integrand may use either.
    """

    def integrand(eps: float) -> float:
        phi = math.exp(-0.5 * eps * eps) / math.sqrt(2 * math.pi)
        return phi * f(mean + std * eps, eps)

    # the ε where x = 0, so m x = 0: log cosh and tanh bend there, and quad
    # is told to split at it (clipped into the range)
    centre = min(max(-mean / std, -_NORMAL_RANGE), _NORMAL_RANGE)
    value, _ = integrate.quad(
        integrand,
        -_NORMAL_RANGE,
        _NORMAL_RANGE,
        points=[centre],
        limit=200,
        epsabs=1e-14,
        epsrel=1e-12,
    )
    return value


def _log_cosh(y: float) -> float:
    # log((e^y + e^−y)/2) in log space: cosh overflows float64 past 710
    return float(np.logaddexp(y, -y)) - math.log(2.0)


def reverse_kl_equal_mixture(
    half_separation: float, mean: float, std: float
) -> float:
    """KL(q ‖ p) for q = N(μ, σ²), p = ½N(−m, 1) + ½N(m, 1), reduced to

    KL = (μ² + σ² + m²)/2 − log σ − ½ − E_{x∼q} log cosh(m x),

    since log p(x) = −½ log 2π − (x² + m²)/2 + log cosh(m x) and
    E_q log q = −½ log(2πσ²) − ½.
    """
    m = half_separation
    expected_log_cosh = _normal_expectation(
        lambda x, eps: _log_cosh(m * x), mean, std
    )
    return (
        (mean**2 + std**2 + m**2) / 2 - math.log(std) - 0.5 - expected_log_cosh
    )


def reverse_kl_gradient_equal_mixture(
    half_separation: float, mean: float, std: float
) -> np.ndarray:
    """The gradient of :func:`reverse_kl_equal_mixture` in (μ, σ):

    ∂KL/∂μ = μ − m E tanh(m x),
    ∂KL/∂σ = σ − 1/σ − m E[ε tanh(m x)],    x = μ + σε, ε ∼ N(0, 1).
    """
    m = half_separation
    mean_tanh = _normal_expectation(lambda x, eps: math.tanh(m * x), mean, std)
    mean_eps_tanh = _normal_expectation(
        lambda x, eps: eps * math.tanh(m * x), mean, std
    )
    d_mean = mean - m * mean_tanh
    d_std = std - 1.0 / std - m * mean_eps_tanh
    return np.array([d_mean, d_std])


def reverse_kl_stationary_points(
    half_separation: float,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The centred and the right-mode solution of ∇KL(q ‖ p) = 0.

    The centred one is (0, σ_c), σ_c solving ∂KL/∂σ(0, σ) = 0 by Brent's
    method; the right-mode one, (μ_s, σ_s), comes from
    ``scipy.optimize.root`` started at (m, 1). Raises if the mode-seeking
    point does not exist (m too small).
    """
    m = half_separation
    sigma_c = optimize.brentq(
        lambda s: reverse_kl_gradient_equal_mixture(m, 0.0, s)[1],
        0.5,
        2 * m + 2,
        xtol=1e-13,
    )
    solution = optimize.root(
        lambda v: reverse_kl_gradient_equal_mixture(m, v[0], v[1]),
        x0=[m, 1.0],
        method="hybr",
        tol=1e-13,
    )
    mean_s, sigma_s = (float(v) for v in solution.x)
    if not solution.success or mean_s < m / 2:
        raise RuntimeError(
            f"no mode-seeking stationary point found at m={m} "
            f"(got mean {mean_s:.4f}): take a larger m."
        )
    return (0.0, sigma_c), (mean_s, sigma_s)


def mode_seeking_is_lower(half_separation: float) -> bool:
    """Whether the mode-seeking stationary point has the lower reverse KL."""
    m = half_separation
    centred, mode_seeking = reverse_kl_stationary_points(m)
    kl_mode_seeking = reverse_kl_equal_mixture(m, *mode_seeking)
    kl_centred = reverse_kl_equal_mixture(m, *centred)
    return kl_mode_seeking < kl_centred


def critical_half_separation_by_bisection(
    bracket: tuple[float, float] = BRACKETS["reverse_kl"], tol: float = 1e-7
) -> float:
    """Method B for the reverse KL: bisect on :func:`mode_seeking_is_lower`.

    Stops once the interval is no longer than ``tol``.
    """
    low, high = bracket
    if mode_seeking_is_lower(low) or not mode_seeking_is_lower(high):
        raise ValueError(
            f"the switch is not inside {bracket}: the mode-seeking fit "
            "must lose at its left end and win at its right."
        )
    while high - low > tol:
        middle = 0.5 * (low + high)
        if mode_seeking_is_lower(middle):
            high = middle
        else:
            low = middle
    return 0.5 * (low + high)
