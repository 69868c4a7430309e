"""How each family of deep generative models draws a sample, and its cost.

Goodfellow's 2016 tutorial sorts generative models by how they represent
p_model; each representation brings its own way of sampling, and its own
price:

- autoregressive (fully visible belief net): p(x) = Π_i p(x_i | x_<i). The
  density is one network pass, but sampling draws x_1, then x_2 given x_1,
  and so on: n sequential passes for n dimensions (:class:`MADE`).
- change of variables: x = g(z) with g invertible, so
  p_x(x) = p_z(g⁻¹(x)) |det J_{g⁻¹}(x)| (:func:`change_of_variables_log_prob`,
  :class:`SinhMap`, :class:`AffineCoupling2D`). The price: g must be
  invertible, hence dim z = dim x.
- Markov chain: x_{t+1} ~ T(· | x_t). The samples follow p only once the
  chain has mixed, which can take very long between separated modes
  (:func:`random_walk_metropolis`).
- direct (a GAN's generator): x = G(z), one pass for a whole batch
  (:func:`generator_samples`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats
from torch import nn

from gan_lib.theory.densities import Density

__all__ = [
    "PassCounter",
    "count_forward_passes",
    "best_wall_time",
    "MaskedLinear",
    "made_masks",
    "MADE",
    "generator_samples",
    "InvertibleMap",
    "SinhMap",
    "AffineCoupling2D",
    "log_abs_det_jacobian",
    "standard_normal_log_prob",
    "change_of_variables_log_prob",
    "HistogramCheck",
    "bin_probabilities",
    "histogram_check",
    "ChainRun",
    "random_walk_metropolis",
    "density_cdf",
    "ks_distance_per_step",
    "ks_critical_value",
    "steps_to_mix",
    "fraction_in_starting_mode",
]

# ---------------------------------------------------------------------------
# Counting network passes: the structural cost of sampling, measured exactly.
# ---------------------------------------------------------------------------


@dataclass
class PassCounter:
    """How many times a module's ``forward`` ran while the counter was on."""

    count: int = 0


@contextmanager
def count_forward_passes(module: nn.Module) -> Iterator[PassCounter]:
    """Count calls of ``module`` (a forward hook) inside a ``with`` block."""
    counter = PassCounter()

    def hook(*_args) -> None:
        counter.count += 1

    handle = module.register_forward_hook(hook)
    try:
        yield counter
    finally:
        handle.remove()


def best_wall_time(
    fn: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """The shortest wall-clock seconds of ``fn()`` over ``repeats`` runs.

    ``warmup`` untimed runs come first. The minimum, not the mean: on a
    shared machine every other process only adds time, so the fastest run is
    the closest to what the code itself costs (timeit's advice).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return float(np.min(times))


# ---------------------------------------------------------------------------
# Autoregressive: a MADE with Gaussian conditionals.
# ---------------------------------------------------------------------------


class MaskedLinear(nn.Linear):
    """A linear layer with a fixed 0/1 mask M on its weight: y = (W ⊙ M) x + b.

    A zero in M cuts a connection for good: its weight gets no gradient.
    """

    def __init__(
        self, in_features: int, out_features: int, mask: torch.Tensor
    ) -> None:
        super().__init__(in_features, out_features)
        if mask.shape != (out_features, in_features):
            raise ValueError(
                f"mask must have shape {(out_features, in_features)}, "
                f"got {tuple(mask.shape)}"
            )
        self.register_buffer("mask", mask.to(self.weight.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


def made_masks(data_dim: int, hidden: int, depth: int) -> list[torch.Tensor]:
    """The masks of MADE (Germain et al. 2015), one per layer, each (out, in).

    Input i has degree i (1..n); hidden unit k gets degree m_k in 1..n−1
    (cyclically). A hidden unit sees input i iff m_k ≥ i, and output i sees
    hidden unit k iff i > m_k, so output i depends on x_1..x_{i−1} only. The
    last mask is stacked twice: one copy for the means, one for the
    log-stds.
    """
    input_degrees = torch.arange(1, data_dim + 1)
    # no hidden unit of degree n: it could feed no output; max(·, 1) for n = 1
    hidden_degrees = torch.arange(hidden) % max(data_dim - 1, 1) + 1
    masks, previous = [], input_degrees
    for _ in range(depth):
        masks.append((hidden_degrees[:, None] >= previous[None, :]).float())
        previous = hidden_degrees
    output = (input_degrees[:, None] > previous[None, :]).float()
    masks.append(torch.cat([output, output]))
    return masks


class MADE(nn.Module):
    """An autoregressive Gaussian p(x) = Π_i N(x_i; μ_i(x_<i), σ_i(x_<i)²).

    One masked MLP (MADE, Germain et al. 2015) returns every conditional's
    (μ_i, log σ_i) in a single pass, so log p(x) costs one pass. Sampling
    cannot be parallel: x_i needs x_<i, so it takes n passes for n
    dimensions.
    """

    def __init__(
        self, data_dim: int, hidden: int = 64, depth: int = 2
    ) -> None:
        super().__init__()
        if data_dim < 1 or hidden < 1 or depth < 1:
            raise ValueError(
                "MADE needs data_dim, hidden and depth >= 1, "
                f"got {data_dim}, {hidden}, {depth}"
            )
        self.data_dim = data_dim
        masks = made_masks(data_dim, hidden, depth)
        layers: list[nn.Module] = []
        width = data_dim
        for mask in masks[:-1]:
            layers += [MaskedLinear(width, hidden, mask), nn.ReLU()]
            width = hidden
        layers.append(MaskedLinear(width, 2 * data_dim, masks[-1]))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ) of every conditional, each shaped (batch, n).

        Column i uses x_<i only.
        """
        if x.ndim != 2 or x.shape[1] != self.data_dim:
            raise ValueError(
                f"MADE expects x of shape (batch, {self.data_dim}), "
                f"got {tuple(x.shape)}"
            )
        mean, log_std = self.net(x).chunk(2, dim=1)
        return mean, log_std

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = Σ_i log N(x_i; μ_i(x_<i), σ_i(x_<i)²), shaped (batch,).

        One network pass gives every conditional at once.
        """
        mean, log_std = self(x)
        return (
            -0.5 * ((x - mean) / log_std.exp()) ** 2
            - log_std
            - 0.5 * math.log(2 * math.pi)
        ).sum(dim=1)

    @torch.no_grad()
    def sample(
        self,
        batch: int,
        noise: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Ancestral sampling: x_i = μ_i(x_<i) + σ_i(x_<i) ε_i for i = 1..n.

        n network passes. ``noise`` (batch, n) fixes the ε_i; otherwise they
        are drawn from ``generator``.
        """
        if noise is None:
            noise = torch.randn(batch, self.data_dim, generator=generator)
        if noise.shape != (batch, self.data_dim):
            raise ValueError(
                f"noise must have shape {(batch, self.data_dim)}, "
                f"got {tuple(noise.shape)}"
            )
        x = torch.zeros(batch, self.data_dim, dtype=noise.dtype)
        for i in range(self.data_dim):
            # a whole pass for one column: μ_i, σ_i need x_1..x_{i−1},
            # filled in by the passes before; the zeros beyond are unseen
            mean, log_std = self(x)
            x[:, i] = mean[:, i] + log_std[:, i].exp() * noise[:, i]
        return x


@torch.no_grad()
def generator_samples(
    generator: nn.Module, batch: int, rng: torch.Generator | None = None
) -> torch.Tensor:
    """x = G(z), z ~ N(0, I): a whole batch in one pass of the generator.

    The generator must have a ``latent_dim`` attribute.
    """
    z = torch.randn(batch, generator.latent_dim, generator=rng)
    return generator(z)


# ---------------------------------------------------------------------------
# Change of variables.
# ---------------------------------------------------------------------------


class InvertibleMap(Protocol):
    """x = forward(z), z = inverse(x), on tensors; the last axis is the dim."""

    def forward(self, z: torch.Tensor) -> torch.Tensor: ...

    def inverse(self, x: torch.Tensor) -> torch.Tensor: ...


@dataclass(frozen=True)
class SinhMap:
    """x = g(z) = loc + scale · sinh((z − a)/b), elementwise, b > 0, scale > 0.

    g⁻¹(x) = a + b · asinh((x − loc)/scale). With z ~ N(0, 1), x follows
    Johnson's S_U distribution: skewed by a, heavy-tailed for small b.
    """

    a: float = 0.0
    b: float = 1.0
    loc: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not (self.b > 0 and self.scale > 0):
            raise ValueError(
                "SinhMap is invertible only for b > 0 and scale > 0, "
                f"got b={self.b}, scale={self.scale}"
            )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.loc + self.scale * torch.sinh((z - self.a) / self.b)

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        return self.a + self.b * torch.asinh((x - self.loc) / self.scale)

    def inverse_log_abs_det(self, x: torch.Tensor) -> torch.Tensor:
        """log |det J_{g⁻¹}(x)|, in closed form:

        log |det J_{g⁻¹}(x)| = Σ log(b / (scale · sqrt(1 + u²))),
        u = (x − loc)/scale.
        """
        u = (x - self.loc) / self.scale
        per_dim = math.log(self.b / self.scale) - 0.5 * torch.log1p(u**2)
        return per_dim.sum(dim=-1)


@dataclass(frozen=True)
class AffineCoupling2D:
    """A real NVP coupling layer on R² (Dinh et al. 2016).

    x₁ = z₁, x₂ = z₂ · exp(s(z₁)) + t(z₁).

    Here s(u) = α tanh(u) and t(u) = β u². The inverse is z₁ = x₁,
    z₂ = (x₂ − t(x₁)) · exp(−s(x₁)), and the Jacobian is triangular, so
    log |det J_{g⁻¹}(x)| = −s(x₁): no determinant has to be computed.
    """

    alpha: float = 0.5
    beta: float = 0.5

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z1, z2 = z[..., 0], z[..., 1]
        x2 = z2 * torch.exp(self.alpha * torch.tanh(z1)) + self.beta * z1**2
        return torch.stack([z1, x2], dim=-1)

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x[..., 0], x[..., 1]
        z2 = (x2 - self.beta * x1**2) * torch.exp(-self.alpha * torch.tanh(x1))
        return torch.stack([x1, z2], dim=-1)

    def inverse_log_abs_det(self, x: torch.Tensor) -> torch.Tensor:
        """log |det J_{g⁻¹}(x)| = −α tanh(x₁) (closed form)."""
        return -self.alpha * torch.tanh(x[..., 0])


def log_abs_det_jacobian(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    """log |det ∂fn/∂x| at each row of ``x`` (batch, d), by autograd.

    Each row's Jacobian comes from ``torch.func.jacrev``, batched by
    ``vmap``.
    """
    if x.ndim != 2:
        raise ValueError(
            f"x must be shaped (batch, d), got {tuple(x.shape)}; "
            "reshape 1D data with x[:, None]"
        )
    # vmap over rows: fn sees one point (d,), so jacrev gives (d, d) per row
    jacobians = torch.func.vmap(torch.func.jacrev(fn))(x)  # (batch, d, d)
    return torch.linalg.slogdet(jacobians).logabsdet


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) = −½ ‖z‖² − (d/2) log 2π, summed over the last axis."""
    return (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(dim=-1)


def change_of_variables_log_prob(
    g: InvertibleMap,
    x: torch.Tensor,
    base_log_prob: Callable[[torch.Tensor], torch.Tensor] = (
        standard_normal_log_prob
    ),
) -> torch.Tensor:
    """log p_x(x) = log p_z(g⁻¹(x)) + log |det J_{g⁻¹}(x)|, shaped (batch,).

    The Jacobian comes from autograd, so any differentiable invertible
    ``g`` works, not only those with a closed-form determinant.
    """
    return base_log_prob(g.inverse(x)) + log_abs_det_jacobian(g.inverse, x)


@dataclass(frozen=True)
class HistogramCheck:
    """A histogram of samples against a density's probability per bin."""

    # counts per bin, and one last cell for everything outside the bins
    observed: np.ndarray
    # N · P(bin) from the density, same layout
    expected: np.ndarray
    chi_square: float
    # of the chi-square statistic, with (cells of P > 0) − 1 degrees of freedom
    p_value: float
    # largest |observed − expected| / sqrt(expected · (1 − P(bin)))
    max_abs_z: float


def bin_probabilities(
    pdf: Callable[[np.ndarray], np.ndarray], edges: np.ndarray, nodes: int = 16
) -> np.ndarray:
    """P(bin) = ∫_bin pdf, by Gauss–Legendre quadrature.

    ``nodes`` points per bin, all bins in one vectorised call of ``pdf``.
    """
    edges = np.asarray(edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(
            "edges must be a 1D, strictly increasing array "
            "of at least 2 points"
        )
    # nodes t and weights w on [−1, 1]; x = mid + half · t maps them to a bin
    t, w = np.polynomial.legendre.leggauss(nodes)
    half = np.diff(edges)[:, None] / 2  # (bins, 1)
    mid = (edges[:-1] + edges[1:])[:, None] / 2  # (bins, 1)
    values = np.asarray(pdf((mid + half * t).ravel()))
    values = values.reshape(half.shape[0], nodes)  # (bins, nodes)
    return (values * w).sum(axis=1) * half[:, 0]


def histogram_check(
    samples: np.ndarray,
    pdf: Callable[[np.ndarray], np.ndarray],
    edges: np.ndarray,
) -> HistogramCheck:
    """Pearson's chi-square test of ``samples`` against ``pdf``.

    The outside of ``edges`` is one more cell, so no sample is dropped.
    """
    samples = np.asarray(samples, dtype=np.float64)
    inside = bin_probabilities(pdf, edges)
    probabilities = np.append(inside, max(1.0 - inside.sum(), 0.0))
    counts, _ = np.histogram(samples, bins=edges)
    observed = np.append(counts, samples.size - counts.sum())
    keep = probabilities > 0
    expected = samples.size * probabilities
    chi_square = float(
        np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    )
    # samples where the density puts no mass at all: it cannot fit them
    if np.any(observed[~keep] > 0):
        chi_square = math.inf
    p_value = float(stats.chi2.sf(chi_square, keep.sum() - 1))
    spread = np.sqrt(expected[keep] * (1 - probabilities[keep]))
    max_abs_z = float(np.max(np.abs(observed[keep] - expected[keep]) / spread))
    return HistogramCheck(observed, expected, chi_square, p_value, max_abs_z)


# ---------------------------------------------------------------------------
# Markov chain: random-walk Metropolis.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainRun:
    """Every state of every chain, shaped (steps + 1, chains).

    Row 0 is the start.
    """

    path: np.ndarray
    acceptance_rate: float


def random_walk_metropolis(
    log_prob: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray | float,
    steps: int,
    step_size: float = 1.0,
    chains: int = 1,
    rng: np.random.Generator | int | None = None,
) -> ChainRun:
    """Random-walk Metropolis (Metropolis et al. 1953), many 1D chains at once.

    The chains are independent. Propose x' = x + step_size · ξ,
    ξ ~ N(0, 1), and accept with probability min(1, p(x')/p(x)). The
    proposal is symmetric, so p is the stationary distribution; how fast the
    chain gets there is the question.
    """
    if steps < 1 or chains < 1:
        raise ValueError(
            "steps and chains must be at least 1, "
            f"got steps={steps}, chains={chains}"
        )
    if not step_size > 0:
        raise ValueError(f"step_size must be positive, got {step_size}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    x = np.broadcast_to(np.asarray(x0, dtype=np.float64), (chains,)).copy()
    log_p = log_prob(x)
    if not np.all(np.isfinite(log_p)):
        raise ValueError("the chains must start where log p is finite")
    path = np.empty((steps + 1, chains))
    path[0] = x
    accepted = 0
    for t in range(1, steps + 1):
        proposal = x + step_size * rng.standard_normal(chains)
        log_p_proposal = log_prob(proposal)
        # u < p(x')/p(x), in logs: accepted with probability min(1, ratio)
        accept = np.log(rng.random(chains)) < log_p_proposal - log_p
        # a rejected chain stays put, and its repeated state counts again
        x = np.where(accept, proposal, x)
        log_p = np.where(accept, log_p_proposal, log_p)
        path[t] = x
        accepted += int(accept.sum())
    return ChainRun(path, accepted / (steps * chains))


def density_cdf(density: Density, x: np.ndarray) -> np.ndarray:
    """F(x) = Σ_k w_k Φ((x − μ_k)/σ_k) for a Gaussian or a Gaussian mixture."""
    components = getattr(density, "components", [density])
    weights = getattr(density, "weights", (1.0,))
    x = np.asarray(x, dtype=np.float64)
    return sum(
        w * stats.norm.cdf(x, c.mean, c.std)
        for w, c in zip(weights, components, strict=True)
    )


def ks_distance_per_step(
    path: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The Kolmogorov–Smirnov distance to the target at each step.

    D_t = sup_x |F_t(x) − F(x)|, where F_t is the empirical CDF of the
    ``chains`` states in row t of ``path`` and F = ``cdf`` is the target's.
    """
    path = np.asarray(path, dtype=np.float64)
    if path.ndim != 2:
        raise ValueError(
            f"path must be shaped (steps + 1, chains), got {path.shape}"
        )
    chains = path.shape[1]
    target = cdf(np.sort(path, axis=1))
    # the sup is reached at a sorted state x_(i), on either side of F_t's
    # step there: i/n − F(x_(i)) or F(x_(i)) − (i − 1)/n
    above = np.arange(1, chains + 1) / chains - target
    below = target - np.arange(chains) / chains
    return np.maximum(above.max(axis=1), below.max(axis=1))


def ks_critical_value(samples: int, level: float = 0.05) -> float:
    """The KS distance that exact draws exceed with probability ``level``.

    For ``samples`` independent draws from the target itself.
    """
    return float(stats.kstwo.ppf(1 - level, samples))


def steps_to_mix(ks_per_step: np.ndarray, threshold: float) -> int | None:
    """The first step whose KS distance is below ``threshold``.

    None if the run never gets there.
    """
    below = np.flatnonzero(np.asarray(ks_per_step) < threshold)
    return int(below[0]) if below.size else None


def fraction_in_starting_mode(
    path: np.ndarray, boundary: float = 0.0
) -> float:
    """The fraction of steps t ≥ 1 spent on the start's side of ``boundary``.

    Pooled over all chains.
    """
    path = np.asarray(path, dtype=np.float64)
    start_side = path[0] < boundary
    return float(np.mean((path[1:] < boundary) == start_side))
