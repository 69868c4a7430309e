"""The densities the book reasons with.

1D Gaussians, mixtures and uniforms, and the 2D mode-collapse benchmarks.

The 1D classes share one interface, so every divergence and figure works on
any of them: ``pdf``, ``log_prob`` (on NumPy arrays *and* torch tensors,
keeping the type), ``sample``, ``mean``, ``variance`` and ``bounds`` (an
interval holding all but a negligible part of the mass, for grids and
quadrature). A density that is zero somewhere (the uniform) has ``log_prob``
= −inf there, never NaN.

:class:`IsotropicMixture2D` holds the two 2D benchmarks of the mode-collapse
literature, set up as in PacGAN's synthetic experiments (Lin et al. 2018):
the ring of 8 Gaussians and the grid of 25.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import logsumexp

__all__ = [
    "ArrayLike",
    "LOG_SQRT_2PI",
    "Gaussian",
    "GaussianMixture",
    "Uniform",
    "Density",
    "IsotropicMixture2D",
]

ArrayLike = np.ndarray | torch.Tensor | float

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return (
        rng
        if isinstance(rng, np.random.Generator)
        else np.random.default_rng(rng)
    )


def _gaussian_log_prob(x: ArrayLike, mean: float, std: float) -> ArrayLike:
    """log N(x; μ, σ²) = −(x − μ)² / (2σ²) − log σ − ½ log 2π."""
    if not isinstance(x, torch.Tensor):
        x = np.asarray(x, dtype=np.float64)
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std) - LOG_SQRT_2PI


def _exp(values: ArrayLike) -> ArrayLike:
    return values.exp() if isinstance(values, torch.Tensor) else np.exp(values)


@dataclass(frozen=True)
class Gaussian:
    """The normal density N(mean, std²) on the real line."""

    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean) and math.isfinite(self.std)):
            raise ValueError(
                "Gaussian needs a finite mean and std, "
                f"got mean={self.mean}, std={self.std}."
            )
        if self.std <= 0:
            raise ValueError(
                f"Gaussian std must be positive, got std={self.std}. "
                "Pass the standard deviation, not its log."
            )

    @property
    def variance(self) -> float:
        return self.std**2

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """log p(x), elementwise; a tensor in gives a tensor out."""
        return _gaussian_log_prob(x, self.mean, self.std)

    def pdf(self, x: ArrayLike) -> ArrayLike:
        """p(x), elementwise."""
        return _exp(self.log_prob(x))

    def sample(
        self, n: int, rng: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """n independent draws as a float64 array.

        ``rng`` is a NumPy Generator or a seed.
        """
        return _as_rng(rng).normal(self.mean, self.std, size=n)

    def bounds(self, n_std: float = 12.0) -> tuple[float, float]:
        """[μ − kσ, μ + kσ], k = ``n_std``: the mass outside is negligible."""
        return self.mean - n_std * self.std, self.mean + n_std * self.std

    def breakpoints(self) -> list[float]:
        """Where the density peaks: hints that help adaptive quadrature."""
        return [self.mean]


@dataclass(frozen=True)
class GaussianMixture:
    """p(x) = Σ_k w_k N(x; μ_k, σ_k²) with weights w_k ≥ 0 summing to 1."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]

    def __init__(
        self,
        weights: Sequence[float],
        means: Sequence[float],
        stds: Sequence[float],
    ) -> None:
        weights, means, stds = (
            tuple(float(v) for v in seq) for seq in (weights, means, stds)
        )
        if not (len(weights) == len(means) == len(stds)) or not weights:
            raise ValueError(
                "GaussianMixture needs as many weights, means and stds "
                "(at least one each); "
                f"got {len(weights)}, {len(means)} and {len(stds)}."
            )
        if any(w < 0 for w in weights) or not math.isclose(
            sum(weights), 1.0, abs_tol=1e-9
        ):
            raise ValueError(
                "Mixture weights must be non-negative and sum to 1, "
                f"got {weights} (sum {sum(weights)})."
            )
        for mean, std in zip(means, stds, strict=True):
            Gaussian(mean, std)  # validates each component
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "stds", stds)

    @classmethod
    def two_modes(
        cls, separation: float, weight: float = 0.5, std: float = 1.0
    ) -> GaussianMixture:
        """w N(−s/2, σ²) + (1 − w) N(s/2, σ²): the book's two-mode target."""
        return cls(
            (weight, 1.0 - weight),
            (-separation / 2, separation / 2),
            (std, std),
        )

    @property
    def components(self) -> list[Gaussian]:
        return [
            Gaussian(m, s) for m, s in zip(self.means, self.stds, strict=True)
        ]

    @property
    def mean(self) -> float:
        """E[x] = Σ w_k μ_k."""
        return float(np.dot(self.weights, self.means))

    @property
    def variance(self) -> float:
        """Var[x] = Σ w_k (σ_k² + μ_k²) − (Σ w_k μ_k)².

        The law of total variance: E[x²] − E[x]², with E[x²] summed over the
        components.
        """
        second_moment = np.dot(
            self.weights, np.square(self.stds) + np.square(self.means)
        )
        return float(second_moment - self.mean**2)

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """log p(x) = logsumexp_k (log w_k + log N(x; μ_k, σ_k²)).

        Summing in log space keeps it finite far in the tails, where every
        N(x; μ_k, σ_k²) underflows to 0 in float64.
        """
        is_tensor = isinstance(x, torch.Tensor)
        if not is_tensor:
            x = np.asarray(x, dtype=np.float64)
        components = zip(self.weights, self.means, self.stds, strict=True)
        # math.log(0) raises: a zero-weight component adds exp(−inf) = 0
        terms = [
            _gaussian_log_prob(x, m, s) + (math.log(w) if w > 0 else -math.inf)
            for w, m, s in components
        ]
        if is_tensor:
            return torch.logsumexp(torch.stack(terms), dim=0)
        return logsumexp(np.stack(terms), axis=0)

    def pdf(self, x: ArrayLike) -> ArrayLike:
        return _exp(self.log_prob(x))

    def sample(
        self, n: int, rng: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """n draws: pick a component by its weight, then draw from it."""
        rng = _as_rng(rng)
        component = rng.choice(len(self.weights), size=n, p=self.weights)
        return rng.normal(
            np.take(self.means, component), np.take(self.stds, component)
        )

    def bounds(self, n_std: float = 12.0) -> tuple[float, float]:
        lows, highs = zip(
            *(c.bounds(n_std) for c in self.components), strict=True
        )
        return min(lows), max(highs)

    def breakpoints(self) -> list[float]:
        return sorted(self.means)


@dataclass(frozen=True)
class Uniform:
    """The uniform density on [low, high].

    p(x) = 1 / (high − low) inside, 0 outside (log p = −inf there). Its
    support is bounded, so two uniforms can have disjoint supports: the case
    where the Jensen–Shannon divergence reaches log 2 and stops changing
    (Chapter 6).
    """

    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if (
            not (math.isfinite(self.low) and math.isfinite(self.high))
            or self.high <= self.low
        ):
            raise ValueError(
                "Uniform needs finite low < high, "
                f"got low={self.low}, high={self.high}."
            )

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def mean(self) -> float:
        """E[x] = (low + high) / 2."""
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        """Var[x] = (high − low)² / 12."""
        return self.width**2 / 12.0

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """−log(high − low) on [low, high], −inf outside.

        A tensor in gives a tensor out.
        """
        log_density = -math.log(self.width)
        if isinstance(x, torch.Tensor):
            inside = (x >= self.low) & (x <= self.high)
            return torch.where(
                inside,
                torch.full_like(x, log_density),
                torch.full_like(x, -math.inf),
            )
        x = np.asarray(x, dtype=np.float64)
        return np.where(
            (x >= self.low) & (x <= self.high), log_density, -np.inf
        )

    def pdf(self, x: ArrayLike) -> ArrayLike:
        return _exp(self.log_prob(x))

    def sample(
        self, n: int, rng: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """n independent draws as a float64 array."""
        return _as_rng(rng).uniform(self.low, self.high, size=n)

    def bounds(self, n_std: float = 12.0) -> tuple[float, float]:
        """The support [low, high] itself.

        ``n_std`` is accepted for the common interface, and ignored.
        """
        return self.low, self.high

    def breakpoints(self) -> list[float]:
        """The two jumps of the density: quadrature must not step over them."""
        return [self.low, self.high]


Density = Gaussian | GaussianMixture | Uniform


# eq=False: NumPy arrays do not compare to one bool with ==
@dataclass(frozen=True, eq=False)
class IsotropicMixture2D:
    """p(x) = (1/K) Σ_k N(x; μ_k, σ² I) on R².

    K equally weighted modes with one shared std σ. ``modes`` is the (K, 2)
    array of centres μ_k; :func:`ring` and :func:`grid` build the
    benchmarks.
    """

    modes: np.ndarray
    std: float

    def __init__(
        self, modes: Sequence[Sequence[float]] | np.ndarray, std: float
    ) -> None:
        centres = np.array(modes, dtype=np.float64)
        if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) == 0:
            raise ValueError(
                "IsotropicMixture2D needs modes of shape (K, 2) with K >= 1, "
                f"got shape {centres.shape}."
            )
        if not np.isfinite(centres).all():
            raise ValueError(
                "IsotropicMixture2D modes must be finite numbers."
            )
        if not (math.isfinite(std) and std > 0):
            raise ValueError(
                "IsotropicMixture2D std must be a positive number, "
                f"got std={std}. "
                "Pass the standard deviation, not the variance."
            )
        centres.setflags(write=False)
        object.__setattr__(self, "modes", centres)
        object.__setattr__(self, "std", float(std))

    @classmethod
    def ring(
        cls, n_modes: int = 8, radius: float = 1.0, std: float = 0.01
    ) -> IsotropicMixture2D:
        """μ_k = r (cos 2πk/K, sin 2πk/K), k = 0..K−1.

        PacGAN's 2D-ring: K = 8, r = 1, σ = 0.01.
        """
        angles = 2 * np.pi * np.arange(n_modes) / n_modes
        return cls(
            radius * np.stack([np.cos(angles), np.sin(angles)], axis=1), std
        )

    @classmethod
    def grid(
        cls,
        coordinates: Sequence[float] = (-4, -2, 0, 2, 4),
        std: float = 0.05,
    ) -> IsotropicMixture2D:
        """μ ∈ {−4, −2, 0, 2, 4}²: PacGAN's 2D-grid of 25 modes, σ = 0.05."""
        xs, ys = np.meshgrid(
            np.asarray(coordinates, dtype=np.float64),
            np.asarray(coordinates, dtype=np.float64),
            indexing="ij",
        )
        return cls(np.stack([xs.ravel(), ys.ravel()], axis=1), std)

    @property
    def n_modes(self) -> int:
        return len(self.modes)

    def log_prob(self, x: ArrayLike) -> ArrayLike:
        """log p(x) for points x of shape (n, 2).

        log p(x) = logsumexp_k [−‖x − μ_k‖² / (2σ²)] − log K − 2 log σ
        − log 2π; at σ = 0.01 every exp underflows a few σ from a mode, so
        the sum stays in log space.
        """
        is_tensor = isinstance(x, torch.Tensor)
        points = x if is_tensor else np.asarray(x, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(
                "log_prob expects points of shape (n, 2), "
                f"got {tuple(points.shape)}."
            )
        constant = (
            -math.log(self.n_modes)
            - 2 * math.log(self.std)
            - math.log(2 * math.pi)
        )
        if is_tensor:
            # torch.tensor copies: a view of the read-only modes would warn
            modes = torch.tensor(
                self.modes, dtype=points.dtype, device=points.device
            )
            squared = ((points[:, None, :] - modes[None]) ** 2).sum(-1)
            return (
                torch.logsumexp(-squared / (2 * self.std**2), dim=1) + constant
            )
        squared = ((points[:, None, :] - self.modes[None]) ** 2).sum(-1)
        return logsumexp(-squared / (2 * self.std**2), axis=1) + constant

    def pdf(self, x: ArrayLike) -> ArrayLike:
        return _exp(self.log_prob(x))

    def sample(
        self, n: int, rng: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """n draws of shape (n, 2).

        A mode k uniformly at random, then μ_k + σ ε with ε ~ N(0, I).
        """
        rng = _as_rng(rng)
        component = rng.integers(self.n_modes, size=n)
        return self.modes[component] + self.std * rng.standard_normal((n, 2))
