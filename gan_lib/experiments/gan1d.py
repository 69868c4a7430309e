"""A GAN on the real line: the set-up of Chapter 4 and what it measures.

With the 2014 paper's Figure 1 drawn from it. The generator maps a scalar
z ~ p_z (uniform on [−1, 1], as in Figure 1 of Goodfellow et al. 2014) to
x = G(z); the discriminator sees one number. Because everything is
one-dimensional we can measure the game directly:

- the Kolmogorov–Smirnov distance between the generator's samples and the
  target, KS = sup_x |F_n(x) − F(x)|, with F_n the samples' empirical CDF
  and F the target's CDF;
- the discriminator on the data's support, which at the equilibrium
  p_g = p_data is D(x) = 1/2;
- the final KS distance of the two training protocols (Algorithm 1 and
  simultaneous gradient descent, k = 1) over several seeds.

Every training run goes through :class:`gan_lib.training.trainer.Trainer`;
:func:`make_trainer` builds it from a :class:`Setup`, so the lab, the tests
and an exercise all run the same code path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.optimize import brentq
from scipy.special import ndtr
from scipy.stats import gaussian_kde

from gan_lib.book import viz
from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
from gan_lib.runtime import seed_everything
from gan_lib.theory.densities import Density, Gaussian, GaussianMixture
from gan_lib.training.trainer import (
    History,
    OptimizerFactory,
    Snapshot,
    Trainer,
    adam,
    sgd_momentum,
)

__all__ = [
    "Setup",
    "make_trainer",
    "confident_discriminator",
    "final_ks",
    "ks_by_protocol",
    "optimizer",
    "cdf",
    "ks_distance",
    "central_interval",
    "mean_on_interval",
    "GameFrame",
    "game_frame",
    "game_frames",
    "plot_game_frame",
    "gaussian_quantile_map",
]


@dataclass(frozen=True)
class Setup:
    """Everything that defines a 1D GAN run.

    The lab takes the sizes from the run profile.
    """

    p_data: Density = Gaussian(2.0, 0.5)
    # the training set: samples of p_data held as a tensor
    n_data: int = 20_000
    hidden: int = 32  # width of both players' two hidden layers
    batch_size: int = 256  # m of Algorithm 1
    d_steps: int = 5  # k of Algorithm 1
    # "alternating" (Algorithm 1) or "simultaneous" (one step of each
    # player from the same point; needs d_steps=1)
    protocol: str = "alternating"
    # "adam" (β₁ = 0.5, as in DCGAN) or "sgd_momentum" (momentum 0.5, as in
    # the 2014 paper)
    optimizer: str = "adam"
    lr: float = 3e-4  # for both players
    generator_cost: str = "non_saturating"
    iterations: int = 2_000
    snapshots: int = 20  # evenly spaced snapshots, plus iteration 0 ...
    snapshot_at: tuple[int, ...] = ()  # ... unless these iterations are given
    grid_points: int = 301
    fixed_noise_size: int = 2_000
    seed: int = 0

    def with_(self, **changes) -> Setup:
        return replace(self, **changes)

    def grid(self) -> np.ndarray:
        """The x values where the discriminator curve is recorded.

        They cover the data's ±4σ range and at least [−1, 1].
        """
        low, high = self.p_data.bounds(4.0)
        return np.linspace(min(low, -1.0), max(high, 1.0), self.grid_points)

    def snapshot_iterations(self) -> list[int]:
        if self.snapshot_at:
            return sorted(set(self.snapshot_at))
        return sorted(
            {
                round(i * self.iterations / self.snapshots)
                for i in range(self.snapshots + 1)
            }
        )


def make_trainer(
    setup: Setup,
    generator: MLPGenerator | None = None,
    discriminator: MLPDiscriminator | None = None,
    device: torch.device | str = "cpu",
) -> Trainer:
    """The trainer for ``setup``: data tensor, players (seeded), D on a grid.

    D is recorded on :meth:`Setup.grid` at each snapshot. The fixed noise is
    an even grid over [−1, 1], so each snapshot is G applied to the quantiles
    of p_z and draws the map z → x directly.
    """
    seed_everything(setup.seed)
    samples = setup.p_data.sample(setup.n_data, rng=setup.seed)
    data = torch.tensor(samples, dtype=torch.float32)[:, None]  # (n, 1)
    generator = (
        generator
        if generator is not None
        else MLPGenerator(1, 1, hidden=setup.hidden)
    )
    discriminator = (
        discriminator
        if discriminator is not None
        else MLPDiscriminator(1, hidden=setup.hidden)
    )
    grid = torch.tensor(setup.grid(), dtype=torch.float32, device=device)
    grid = grid[:, None]  # (points, 1): D takes 1D points as rows

    def discriminator_on_grid(
        _, discriminator: torch.nn.Module
    ) -> dict[str, torch.Tensor]:
        return {"d_on_grid": torch.sigmoid(discriminator(grid))}

    return Trainer(
        generator,
        discriminator,
        data,
        batch_size=setup.batch_size,
        d_steps=setup.d_steps,
        protocol=setup.protocol,
        generator_cost=setup.generator_cost,
        g_optimizer=optimizer(setup),
        d_optimizer=optimizer(setup),
        noise="uniform",  # p_z = U(−1, 1), as in the paper's Figure 1
        fixed_noise=torch.linspace(-1.0, 1.0, setup.fixed_noise_size)[:, None],
        snapshot_at=setup.snapshot_iterations(),
        probe=discriminator_on_grid,
        log_every=max(1, setup.iterations // 200),
        device=device,
        seed=setup.seed,
    )


def confident_discriminator(
    setup: Setup, steps: int, lr: float = 1e-2
) -> Trainer:
    """A poor start: D trained alone against the untrained G.

    ``steps`` steps of the setup's optimiser at ``lr``. This is the
    situation of Section 3 of the 2014 paper: "early in learning, when G is
    poor, D can reject samples with high confidence". Copy its players to
    start several runs from it.
    """
    trainer = make_trainer(setup.with_(lr=lr))
    for _ in range(steps):
        trainer.discriminator_step()
    return trainer


def final_ks(
    setup: Setup,
    n_samples: int = 20_000,
    sample_seed: int = 1,
    device: torch.device | str = "cpu",
) -> float:
    """Train ``setup`` from scratch; KS(p_g, p_data) at the end.

    KS = sup_x |F_n(x) − F(x)| on ``n_samples`` fresh draws of G (their own
    noise stream, ``sample_seed``), as the lab measures its main run.
    """
    trainer = make_trainer(setup, device=device)
    trainer.train(setup.iterations, progress=False)
    samples = trainer.sample(n_samples, seed=sample_seed)
    return ks_distance(samples, setup.p_data)


def ks_by_protocol(
    setup: Setup,
    seeds: Iterable[int],
    protocols: Sequence[str] = ("alternating", "simultaneous"),
    n_samples: int = 20_000,
    device: torch.device | str = "cpu",
) -> dict[str, np.ndarray]:
    """The final KS distance of each protocol, one run per seed.

    Every run is ``setup`` with only the protocol and the seed changed (the
    simultaneous protocol needs ``setup.d_steps == 1``). A seed fixes the
    players' initial weights, the training set and the minibatch stream,
    so each seed is the same start for every protocol. Returns
    ``{protocol: KS per seed}``, in the order of ``seeds``.
    """
    seeds = list(seeds)
    return {
        protocol: np.array(
            [
                final_ks(
                    setup.with_(protocol=protocol, seed=seed),
                    n_samples,
                    device=device,
                )
                for seed in seeds
            ]
        )
        for protocol in protocols
    }


def optimizer(setup: Setup) -> OptimizerFactory:
    """The optimiser named by ``setup.optimizer``, at ``setup.lr``."""
    if setup.optimizer == "adam":
        return adam(setup.lr)
    if setup.optimizer == "sgd_momentum":
        return sgd_momentum(setup.lr)
    raise ValueError(
        f"Unknown optimizer {setup.optimizer!r}. "
        "Valid names: adam, sgd_momentum."
    )


def cdf(p: Density, x: np.ndarray) -> np.ndarray:
    """F(x) = P(X ≤ x) = Σ_k w_k Φ((x − μ_k)/σ_k).

    For a Gaussian or a Gaussian mixture.
    """
    if isinstance(p, Gaussian):
        return ndtr((np.asarray(x, dtype=np.float64) - p.mean) / p.std)
    if isinstance(p, GaussianMixture):
        # (..., 1) against the (K,) components, summed over the last axis
        x = np.asarray(x, dtype=np.float64)[..., None]
        return np.sum(
            np.asarray(p.weights)
            * ndtr((x - np.asarray(p.means)) / np.asarray(p.stds)),
            axis=-1,
        )
    raise TypeError(
        f"cdf needs a Gaussian or a GaussianMixture, got {type(p).__name__}"
    )


def ks_distance(samples: np.ndarray | torch.Tensor, p: Density) -> float:
    """KS = sup_x |F_n(x) − F(x)|.

    The largest gap between the samples' empirical CDF and p's CDF. For n
    samples of p itself, √n · KS follows Kolmogorov's distribution (95%
    quantile ≈ 1.36).
    """
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    x = np.sort(np.asarray(samples, dtype=np.float64).ravel())
    if x.size == 0:
        raise ValueError("ks_distance needs at least one sample")
    if not np.isfinite(x).all():
        raise ValueError(
            "ks_distance got NaN or infinite samples: "
            "the generator has diverged"
        )
    f = cdf(p, x)
    n = x.size
    # F_n jumps at each sorted x_i: compare F with its value after, and before
    gap_after = np.max(np.arange(1, n + 1) / n - f)
    gap_before = np.max(f - np.arange(n) / n)
    return float(max(gap_after, gap_before))


def central_interval(p: Density, mass: float = 0.95) -> tuple[float, float]:
    """The interval [F⁻¹((1 − mass)/2), F⁻¹((1 + mass)/2)].

    It holds the central ``mass`` of p.
    """
    if not 0 < mass < 1:
        raise ValueError(f"mass must be in (0, 1), got {mass}")
    low, high = p.bounds(12.0)  # wide enough to bracket any quantile we ask

    def quantile(q: float) -> float:
        """F⁻¹(q) by root finding: a mixture's CDF has no closed inverse."""
        return brentq(lambda t: cdf(p, t) - q, low, high, xtol=1e-12)

    return quantile((1 - mass) / 2), quantile((1 + mass) / 2)


def mean_on_interval(
    values: np.ndarray, grid: np.ndarray, interval: tuple[float, float]
) -> float:
    """The average of a curve recorded on ``grid`` over ``interval``.

    Only the grid points inside ``interval`` count.
    """
    inside = (grid >= interval[0]) & (grid <= interval[1])
    if not inside.any():
        raise ValueError(
            f"no grid point lies in {interval}; use a finer or wider grid"
        )
    return float(np.mean(np.asarray(values)[inside]))


@dataclass(frozen=True)
class GameFrame:
    """One panel of Figure 1.

    p_data, p_g (a KDE of G's samples), D on a grid, and the map z → x.
    """

    iteration: int
    grid: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    discriminator: np.ndarray
    z: np.ndarray
    x: np.ndarray
    ks: float
    mean_d_on_support: float


def game_frame(
    snapshot: Snapshot,
    fixed_noise: torch.Tensor,
    p_data: Density,
    grid: np.ndarray,
) -> GameFrame:
    """The quantities of Figure 1 at one snapshot.

    A pure function: the slider and the tests call it.
    """
    x = snapshot.samples.numpy().ravel().astype(np.float64)
    d = snapshot.probes["d_on_grid"].numpy().astype(np.float64)
    return GameFrame(
        iteration=snapshot.iteration,
        grid=grid,
        p_data=np.asarray(p_data.pdf(grid)),
        p_g=_density_estimate(x, grid),
        discriminator=d,
        z=fixed_noise.cpu().numpy().ravel(),
        x=x,
        ks=ks_distance(x, p_data),
        mean_d_on_support=mean_on_interval(d, grid, central_interval(p_data)),
    )


def game_frames(
    history: History,
    fixed_noise: torch.Tensor,
    p_data: Density,
    grid: np.ndarray,
) -> list[GameFrame]:
    return [
        game_frame(snapshot, fixed_noise, p_data, grid)
        for snapshot in history.snapshots
    ]


def _density_estimate(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A Gaussian KDE of the samples (Scott's bandwidth).

    A collapsed G (zero spread, where the KDE is singular) still draws: as a
    spike.
    """
    spread = float(np.std(x))
    if spread < 1e-6:  # all samples at one point: a spike one grid cell wide
        density = np.zeros_like(grid)
        density[np.argmin(np.abs(grid - x.mean()))] = 1.0 / (grid[1] - grid[0])
        return density
    return gaussian_kde(x)(grid)


def plot_game_frame(
    ax: plt.Axes,
    frame: GameFrame,
    arrows: int = 24,
    legend: bool = False,
    d_ticks: bool = True,
) -> plt.Axes:
    """Draw a frame as the paper's Figure 1; return D's axis (right, 0 to 1).

    Above: p_data (dotted), p_g (solid, a KDE of G's samples) and D(x)
    (dashed, right axis). Below, as in the paper: the line of z's domain
    (lower) joined to the line of x's domain (upper) by x = G(z).
    """
    top = 1.1 * max(frame.p_data.max(), 1.0)
    x_line, z_line = -0.12 * top, -0.55 * top
    ylim = (z_line - 0.05 * top, 1.1 * top)
    ax.plot(
        frame.grid,
        frame.p_data,
        ":",
        color=viz.COLORS["data"],
        lw=2,
        label=r"$p_\mathrm{data}$",
    )
    ax.plot(
        frame.grid,
        np.minimum(frame.p_g, ylim[1]),  # a collapsed G's spike is clipped
        color=viz.COLORS["generator"],
        lw=1.8,
        label=r"$p_g$",
    )
    d_ax = ax.twinx()
    d_ax.plot(
        frame.grid,
        frame.discriminator,
        "--",
        color=viz.COLORS["discriminator"],
        lw=1.5,
        label=r"$D(x)$",
    )
    d_ax.axhline(0.5, color=viz.COLORS["discriminator"], lw=0.6, alpha=0.5)
    d_ax.set(
        ylim=(ylim[0] / top, ylim[1] / top),
        yticks=[0, 0.5, 1] if d_ticks else [],
    )
    d_ax.grid(False)
    d_ax.spines["right"].set_visible(True)
    if d_ticks:
        d_ax.set_ylabel("$D(x)$", color=viz.COLORS["discriminator"])
    low, high = frame.grid[0], frame.grid[-1]
    # z's line is stretched over the plot's x range; one z value: no stretch
    z_span = np.ptp(frame.z) or 1.0
    z_pos = low + (frame.z - frame.z.min()) / z_span * (high - low)
    for i in np.linspace(0, len(frame.z) - 1, arrows).round().astype(int):
        ax.annotate(
            "",
            xy=(np.clip(frame.x[i], low, high), x_line),
            xytext=(z_pos[i], z_line),
            arrowprops=dict(
                arrowstyle="->",
                color=viz.COLORS["generator"],
                lw=0.6,
                alpha=0.7,
            ),
        )
    for level, name in ((x_line, "x"), (z_line, "z")):
        ax.axhline(level, color=viz.COLORS["data"], lw=0.8)
        ax.text(low, level, f" ${name}$", va="bottom", fontsize=9)
    ax.set(
        xlim=(low, high),
        ylim=ylim,
        yticks=[0, round(top / 2, 1), round(top, 1)],
        xlabel="$x$",
    )
    ax.set_title(
        f"iteration {frame.iteration}: KS = {frame.ks:.3f}", fontsize=9
    )
    if legend:
        handles = (
            ax.get_legend_handles_labels()[0]
            + d_ax.get_legend_handles_labels()[0]
        )
        ax.legend(handles=handles, loc="upper left", fontsize=8)
    return d_ax


def gaussian_quantile_map(p: Gaussian, z: np.ndarray) -> np.ndarray:
    """The increasing map from U(−1, 1) to N(μ, σ²), the ideal monotone G.

    x = μ + σ Φ⁻¹((z + 1)/2).
    """
    from scipy.special import ndtri

    # clip: Φ⁻¹ of 0 or 1 is infinite at the ends of z's range
    u = np.clip((np.asarray(z, dtype=np.float64) + 1) / 2, 1e-12, 1 - 1e-12)
    return p.mean + p.std * ndtri(u)
