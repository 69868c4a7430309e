"""Divergences between 1D densities, in nats: closed forms, grids, quadrature.

Everything here takes densities with the interface of
:mod:`gan_lib.theory.densities` (``log_prob``, ``pdf``, ``bounds``,
``breakpoints``). Integrands are written with log-densities,
p (log p − log q), so far tails do not produce 0 · log 0; where a density is
exactly zero (log p = −inf, a uniform's outside) the term is 0 by the
convention 0 · log(0 / q) = 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize

from gan_lib.theory.densities import Density, Gaussian

__all__ = [
    "QUAD_LIMIT",
    "kl_gaussians",
    "gaussian_entropy",
    "common_bounds",
    "grid_for",
    "integrate_quad",
    "kl_grid",
    "kl_quad",
    "cross_entropy_quad",
    "entropy_quad",
    "cross_entropy_grid",
    "entropy_grid",
    "jsd_grid",
    "jsd_quad",
    "OBJECTIVES",
    "METHODS",
    "fitting_grid",
    "divergence_to_gaussian",
    "GaussianFit",
    "fit_gaussian",
]

QUAD_LIMIT = 200


def kl_gaussians(
    mean_p: float, std_p: float, mean_q: float, std_q: float
) -> float:
    """The KL divergence between two Gaussians, in closed form:

    KL(N(μ_p, σ_p²) ‖ N(μ_q, σ_q²))
        = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2σ_q²) − ½.
    """
    if std_p <= 0 or std_q <= 0:
        raise ValueError(
            f"standard deviations must be positive, got {std_p} and {std_q}"
        )
    return (
        math.log(std_q / std_p)
        + (std_p**2 + (mean_p - mean_q) ** 2) / (2 * std_q**2)
        - 0.5
    )


def gaussian_entropy(std: float) -> float:
    """H(N(μ, σ²)) = ½ log(2πe σ²)."""
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}")
    return 0.5 * math.log(2 * math.pi * math.e * std**2)


def common_bounds(*densities: Density) -> tuple[float, float]:
    """The smallest interval containing every density's ``bounds()``."""
    lows, highs = zip(*(d.bounds() for d in densities), strict=True)
    return min(lows), max(highs)


def grid_for(*densities: Density, n: int = 20_001) -> np.ndarray:
    """An evenly spaced grid over :func:`common_bounds` of the densities."""
    low, high = common_bounds(*densities)
    return np.linspace(low, high, n)


def _on_grid(integrand: np.ndarray, x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 3 or np.any(np.diff(x) <= 0):
        raise ValueError(
            "the grid must be a 1D, strictly increasing array "
            "of at least 3 points"
        )
    return float(integrate.trapezoid(integrand, x))


def integrate_quad(
    integrand: Callable[[float], float], *densities: Density
) -> float:
    """∫ integrand dx over the densities' common bounds, by ``quad``.

    The densities' peaks and jumps are passed to ``quad`` as breakpoints.
    """
    low, high = common_bounds(*densities)
    # quad refines only where its first samples see structure: a narrow peak
    # or a uniform's jump it never lands on would be missed, so split there
    points = sorted(
        {p for d in densities for p in d.breakpoints() if low < p < high}
    )
    value, _ = integrate.quad(
        integrand,
        low,
        high,
        points=points or None,
        limit=QUAD_LIMIT,
        epsabs=1e-13,
        epsrel=1e-11,
    )
    return float(value)


def _p_log_ratio(log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """p (log p − log q) from log-densities.

    Where p = 0 (log p = −inf) the term is 0, by 0 · log(0 / q) = 0.
    """
    log_p = np.asarray(log_p, dtype=np.float64)
    # where p = 0 the product is 0 · (−inf) or 0 · nan = nan: np.where below
    # puts the convention's 0 there, so the warning is noise
    with np.errstate(invalid="ignore"):
        term = np.exp(log_p) * (log_p - log_q)
    return np.where(np.isneginf(log_p), 0.0, term)


def kl_grid(p: Density, q: Density, x: np.ndarray | None = None) -> float:
    """KL(p ‖ q) = ∫ p(x) (log p(x) − log q(x)) dx, trapezoid rule on ``x``."""
    x = grid_for(p, q) if x is None else np.asarray(x, dtype=np.float64)
    return _on_grid(_p_log_ratio(p.log_prob(x), q.log_prob(x)), x)


def kl_quad(p: Density, q: Density) -> float:
    """KL(p ‖ q) = ∫ p(x) (log p(x) − log q(x)) dx, by adaptive quadrature.

    The quadrature is ``scipy.integrate.quad``, through
    :func:`integrate_quad`.
    """

    def integrand(t: float) -> float:
        return float(_p_log_ratio(p.log_prob(t), q.log_prob(t)))

    return integrate_quad(integrand, p, q)


def cross_entropy_quad(p: Density, q: Density) -> float:
    """H(p, q) = −∫ p(x) log q(x) dx = H(p) + KL(p ‖ q)."""
    return integrate_quad(
        lambda t: -float(p.pdf(t)) * float(q.log_prob(t)), p, q
    )


def entropy_quad(p: Density) -> float:
    """H(p) = −∫ p(x) log p(x) dx (differential entropy, nats)."""
    return cross_entropy_quad(p, p)


def cross_entropy_grid(
    p: Density, q: Density, x: np.ndarray | None = None
) -> float:
    """H(p, q) = −∫ p log q on a grid."""
    x = grid_for(p, q) if x is None else np.asarray(x, dtype=np.float64)
    return _on_grid(-p.pdf(x) * q.log_prob(x), x)


def entropy_grid(p: Density, x: np.ndarray | None = None) -> float:
    """H(p) = −∫ p log p on a grid."""
    return cross_entropy_grid(p, p, x)


def _jsd_integrand(log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """½ p (log p − log m) + ½ q (log q − log m), m = (p + q)/2.

    Computed from log-densities.
    """
    # log m = log(e^{log p} + e^{log q}) − log 2 without leaving log space:
    # it stays finite far in the tails, where p and q underflow to 0
    log_m = np.logaddexp(log_p, log_q) - math.log(2.0)
    return 0.5 * (_p_log_ratio(log_p, log_m) + _p_log_ratio(log_q, log_m))


def jsd_grid(p: Density, q: Density, x: np.ndarray | None = None) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, on a grid.

    0 ≤ JSD ≤ log 2, with log 2 reached when the supports are disjoint.
    """
    x = grid_for(p, q) if x is None else np.asarray(x, dtype=np.float64)
    return _on_grid(_jsd_integrand(p.log_prob(x), q.log_prob(x)), x)


def jsd_quad(p: Density, q: Density) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, by quadrature."""

    def integrand(t: float) -> float:
        return float(
            _jsd_integrand(
                np.float64(p.log_prob(t)), np.float64(q.log_prob(t))
            )
        )

    return integrate_quad(integrand, p, q)


# ---------------------------------------------------------------------------
# Fitting one Gaussian q = N(μ, σ²) to a target p under each divergence.
#
# We minimise over θ = (μ, log σ), so σ stays positive, with Nelder–Mead
# (derivative-free: the objectives are integrals we only evaluate). Each
# evaluation is a trapezoid rule on an even grid. For integrands that are
# analytic in a strip |Im x| < d around the real line and decay fast, the
# trapezoid rule's error falls like exp(−2πd/h) with the spacing h, so a grid
# a few times finer than d agrees with adaptive quadrature to ~1e-12 at a
# small fraction of its cost. Here d is set by the narrowest σ and, for a
# mixture, by the complex zeros of p (log p is singular there): for two
# components of std σ whose means are Δ apart they lie at |Im x| = πσ²/Δ,
# close to the real line when the modes are far apart.
# ---------------------------------------------------------------------------

OBJECTIVES = ("forward_kl", "reverse_kl", "jsd")
"""Names of the fitting objectives: KL(p ‖ q), KL(q ‖ p) and JSD(p ‖ q)."""

METHODS = ("grid", "quad")


def _analytic_half_width(density: Density) -> float:
    """The d of the strip |Im x| < d where log density is analytic.

    Up to a constant factor: d = min(σ_min, π σ_min² / Δ), with Δ the
    spread of the component means (see the note above).
    """
    # a single density is treated as a mixture of one component
    stds = getattr(density, "stds", (density.std,))
    means = getattr(density, "means", (density.mean,))
    spread = max(means) - min(means)
    narrowest = min(stds)
    if spread > 0:
        return min(narrowest, math.pi * narrowest**2 / spread)
    return narrowest


def fitting_grid(
    p: Density, q: Density, points_per_width: int = 8
) -> np.ndarray:
    """An even grid over :func:`common_bounds` of p and q, for the trapezoid.

    Its spacing is h = d / ``points_per_width``, with d the smaller of the
    two densities' strip half-widths, so the trapezoid rule's error,
    ~exp(−2πd/h), is negligible.
    """
    low, high = common_bounds(p, q)
    half_width = min(_analytic_half_width(p), _analytic_half_width(q))
    spacing = half_width / points_per_width
    return np.linspace(low, high, int(math.ceil((high - low) / spacing)) + 1)


def _check_choice(value: str, valid: tuple[str, ...], what: str) -> None:
    if value not in valid:
        raise ValueError(
            f"Unknown {what} {value!r}. Valid choices: {', '.join(valid)}."
        )


def divergence_to_gaussian(
    p: Density, mean: float, std: float, objective: str, method: str = "grid"
) -> float:
    """D(p, q) for q = N(mean, std²), in nats.

    ``objective`` names D: ``forward_kl`` is KL(p ‖ q), ``reverse_kl`` is
    KL(q ‖ p) and ``jsd`` is JSD(p ‖ q). ``method="grid"`` uses
    :func:`kl_grid`/:func:`jsd_grid` on :func:`fitting_grid`;
    ``method="quad"`` uses :func:`kl_quad`/:func:`jsd_quad` (exact to
    ~1e-11, much slower).
    """
    _check_choice(objective, OBJECTIVES, "objective")
    _check_choice(method, METHODS, "method")
    q = Gaussian(mean, std)
    if method == "quad":
        kl, jsd, extra = kl_quad, jsd_quad, ()
    else:
        kl, jsd, extra = kl_grid, jsd_grid, (fitting_grid(p, q),)
    if objective == "forward_kl":
        return kl(p, q, *extra)
    if objective == "reverse_kl":
        return kl(q, p, *extra)
    return jsd(p, q, *extra)


@dataclass(frozen=True)
class GaussianFit:
    """The Gaussian N(mean, std²) minimising ``objective`` from ``start``.

    ``divergence`` is the objective's value there (nats); ``evaluations``
    counts the objective's evaluations.
    """

    objective: str
    mean: float
    std: float
    divergence: float
    start: tuple[float, float]
    evaluations: int

    @property
    def model(self) -> Gaussian:
        """The fitted density."""
        return Gaussian(self.mean, self.std)


def fit_gaussian(
    p: Density,
    objective: str,
    start: tuple[float, float] | None = None,
    method: str = "grid",
    xatol: float = 1e-9,
    fatol: float = 1e-13,
) -> GaussianFit:
    """q* = argmin_{μ, σ} D(p, N(μ, σ²)), by Nelder–Mead over (μ, log σ).

    D is one of :data:`OBJECTIVES`. ``start`` is the initial (μ, σ)
    (default: p's own mean and std, the forward-KL answer). The result is a
    *local* minimum: for reverse KL and JSD on a multi-modal p, which one
    depends on the start. Convergence to ``xatol`` in (μ, log σ) and
    ``fatol`` nats is checked (``fatol`` stays above the objective's
    rounding noise, ~1e-15 × its value).
    """
    _check_choice(objective, OBJECTIVES, "objective")
    if start is None:
        start = (p.mean, p.std)
    else:
        start = (float(start[0]), float(start[1]))
    if not (all(math.isfinite(v) for v in start) and start[1] > 0):
        raise ValueError(
            f"start must be a finite (mean, std) with std > 0, got {start}."
        )

    # θ = (μ, log σ): every θ is a valid Gaussian, so the search is free
    def objective_at(theta: np.ndarray) -> float:
        return divergence_to_gaussian(
            p, theta[0], math.exp(theta[1]), objective, method
        )

    result = optimize.minimize(
        objective_at,
        x0=[start[0], math.log(start[1])],
        method="Nelder-Mead",
        options={
            "xatol": xatol,
            "fatol": fatol,
            "maxiter": 5_000,
            "maxfev": 10_000,
        },
    )
    if not result.success:
        raise RuntimeError(
            f"fit_gaussian({objective!r}) from {start} did not converge: "
            f"{result.message} Try another start."
        )
    mean, log_std = (float(v) for v in result.x)
    return GaussianFit(
        objective=objective,
        mean=mean,
        std=math.exp(log_std),
        divergence=float(result.fun),
        start=start,
        evaluations=int(result.nfev),
    )
