"""Interactive explorers of Chapters 1, 3, 4, 5 and 7.

Each is a thin ipywidgets layer over a pure function that tests call: the
``*_reading`` functions here, or the library function an explorer names.
ipywidgets is imported inside each explorer, so the pure functions work
without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from gan_lib.book import viz
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.divergences import (
    OBJECTIVES,
    GaussianFit,
    cross_entropy_quad,
    divergence_to_gaussian,
    fit_gaussian,
    kl_quad,
)
from gan_lib.theory.likelihood import average_log_likelihood

__all__ = [
    "LikelihoodReading",
    "likelihood_reading",
    "likelihood_explorer",
    "COST_LABELS",
    "gradient_noise_explorer",
    "FIT_STARTS",
    "FitReading",
    "fit_start",
    "fit_reading",
    "OBJECTIVE_LABELS",
    "divergence_fit_explorer",
    "optimal_discriminator_explorer",
    "game_snapshot_explorer",
]


@dataclass(frozen=True)
class LikelihoodReading:
    """What the likelihood explorer shows for one model N(μ, σ²)."""

    average_log_likelihood: float  # ℓ(μ, σ) on the sample
    # H(p_data, p_model); −H is ℓ's large-sample limit
    cross_entropy: float
    kl: float  # KL(p_data ‖ p_model)


def likelihood_reading(
    x: np.ndarray, p_data, mean: float, std: float
) -> LikelihoodReading:
    """ℓ(μ, σ) on the samples ``x``, next to H(p_data, p_model) and KL.

    KL is KL(p_data ‖ p_model), in nats.
    """
    model = Gaussian(mean, std)
    return LikelihoodReading(
        float(average_log_likelihood(x, mean, std)),
        cross_entropy_quad(p_data, model),
        kl_quad(p_data, model),
    )


def likelihood_explorer(x: np.ndarray, p_data):
    """Sliders for μ and σ: the model over the data, and ℓ, H and KL.

    The numbers are :func:`likelihood_reading`'s.
    """
    import ipywidgets as widgets

    grid = np.linspace(*p_data.bounds(5.0), 400)

    def show(mean: float, std: float) -> None:
        reading = likelihood_reading(x, p_data, mean, std)
        fig, ax = plt.subplots()
        ax.hist(
            x,
            bins=60,
            density=True,
            color=viz.COLORS["data"],
            alpha=0.25,
            label="samples",
        )
        viz.plot_density(ax, grid, p_data, "data", label="$p_\\mathrm{data}$")
        viz.plot_density(
            ax, grid, Gaussian(mean, std), "model", label="$p_\\mathrm{model}$"
        )
        ax.set(xlabel="$x$", ylabel="density")
        ax.legend(loc="upper right")
        plt.show()
        print(
            f"average log-likelihood {reading.average_log_likelihood:.4f} | "
            f"-H(p_data, p_model) {-reading.cross_entropy:.4f} | "
            f"KL(p_data || p_model) {reading.kl:.4f} nats"
        )

    return widgets.interactive(
        show,
        mean=widgets.FloatSlider(
            value=0.0, min=-4.0, max=4.0, step=0.1, description="μ"
        ),
        std=widgets.FloatSlider(
            value=1.0, min=0.2, max=5.0, step=0.1, description="σ"
        ),
    )


COST_LABELS = {
    "minimax": "minimax",
    "non_saturating": "non-saturating",
    "maximum_likelihood": "maximum\nlikelihood",
}


def gradient_noise_explorer():
    """Sliders for the generator offset δ and the batch size m.

    Shows each cost's minibatch noise-to-signal and the share of its
    gradient carried by the top 1% of samples (p_data = N(0, 1),
    p_g = N(δ, 1), D = D*), from
    :func:`gan_lib.evaluation.cost_gradients.gradient_noise_reading`.
    """
    import ipywidgets as widgets

    from gan_lib.evaluation.cost_gradients import gradient_noise_reading

    def show(shift: float, batch_size: int) -> None:
        readings = gradient_noise_reading(shift, batch_size)
        fig, ax = plt.subplots()
        names = list(readings)
        noise = [readings[name].noise_to_signal for name in names]
        colors = [
            viz.COLORS[role]
            for role in ("alternative", "generator", "discriminator")
        ]
        ax.bar([COST_LABELS[name] for name in names], noise, color=colors)
        ax.axhline(
            1.0,
            color=viz.COLORS["reference"],
            ls="--",
            lw=1,
            label="noise = signal",
        )
        ax.set(
            yscale="log",
            ylabel=f"noise-to-signal, m = {batch_size}",
            ylim=(1e-3, 1e4),
        )
        ax.legend(loc="upper left")
        plt.show()
        # chr(10) is "\n": an f-string expression cannot hold a backslash
        shares = (
            f"{COST_LABELS[n].replace(chr(10), ' ')}: "
            f"top 1% carry {r.top_1_percent_share:.1%}"
            for n, r in readings.items()
        )
        print(" | ".join(shares))

    return widgets.interactive(
        show,
        shift=widgets.FloatSlider(
            value=3.0, min=0.1, max=4.0, step=0.1, description="offset δ"
        ),
        batch_size=widgets.SelectionSlider(
            options=[8, 16, 32, 64, 128, 256, 512, 1024],
            value=64,
            description="batch m",
        ),
    )


# --- Chapter 3: fitting one Gaussian under forward KL, reverse KL or JSD ---

FIT_STARTS = ("centre", "left mode", "right mode")


@dataclass(frozen=True)
class FitReading:
    """What the divergence-fit explorer shows.

    The target, the fitted Gaussian, and every divergence at the fit.
    """

    target: GaussianMixture
    fit: GaussianFit
    # objective name → D(p, q*) in nats, for all of OBJECTIVES
    divergences: dict


def fit_start(target: GaussianMixture, start: str) -> tuple[float, float]:
    """The optimiser's starting (μ, σ).

    The target's mean and std (``centre``), or a mode with its component's
    std.
    """
    if start not in FIT_STARTS:
        raise ValueError(
            f"Unknown start {start!r}. Valid starts: {', '.join(FIT_STARTS)}."
        )
    if start == "centre":
        return target.mean, target.std
    k = int(
        np.argmin(target.means)
        if start == "left mode"
        else np.argmax(target.means)
    )
    return target.means[k], target.stds[k]


def fit_reading(
    separation: float, weight: float, objective: str, start: str = "centre"
) -> FitReading:
    """Fit N(μ, σ²) to w N(−s/2, 1) + (1 − w) N(s/2, 1) under ``objective``.

    The optimiser starts from ``start`` (see :func:`fit_start`).
    """
    target = GaussianMixture.two_modes(separation, weight)
    fit = fit_gaussian(target, objective, start=fit_start(target, start))
    values = {
        name: divergence_to_gaussian(target, fit.mean, fit.std, name)
        for name in OBJECTIVES
    }
    return FitReading(target, fit, values)


OBJECTIVE_LABELS = {
    "forward_kl": r"$\mathrm{KL}(p\,\|\,q)$",
    "reverse_kl": r"$\mathrm{KL}(q\,\|\,p)$",
    "jsd": r"$\mathrm{JSD}(p\,\|\,q)$",
}


def divergence_fit_explorer():
    """Sliders for the separation s and the weight w, menus for the rest.

    Menus choose the objective and the start; the plot shows the fit as
    they move, from :func:`fit_reading`.
    """
    import ipywidgets as widgets

    def show(
        separation: float, weight: float, objective: str, start: str
    ) -> None:
        reading = fit_reading(separation, weight, objective, start)
        grid = np.linspace(-separation / 2 - 5, separation / 2 + 5, 500)
        fig, ax = plt.subplots()
        viz.plot_density(ax, grid, reading.target, "data", label="$p$")
        viz.plot_density(
            ax,
            grid,
            reading.fit.model,
            "model",
            label=f"$q^*$ minimising {OBJECTIVE_LABELS[objective]}",
        )
        ax.set(xlabel="$x$", ylabel="density")
        ax.legend(loc="upper right")
        plt.show()
        values = " | ".join(
            f"{name} {value:.4f}"
            for name, value in reading.divergences.items()
        )
        print(
            f"q* = N({reading.fit.mean:.3f}, {reading.fit.std:.3f}²) | "
            f"at q*: {values} nats"
        )

    return widgets.interactive(
        show,
        separation=widgets.FloatSlider(
            value=6.0, min=0.0, max=12.0, step=0.25, description="s"
        ),
        weight=widgets.FloatSlider(
            value=0.5, min=0.05, max=0.95, step=0.05, description="w"
        ),
        objective=widgets.Dropdown(
            options=list(OBJECTIVES),
            value="reverse_kl",
            description="objective",
        ),
        start=widgets.Dropdown(
            options=list(FIT_STARTS), value="right mode", description="start"
        ),
    )


def optimal_discriminator_explorer(p_data):
    """Sliders for the generator p_g = N(μ, σ²).

    Shows both densities, D*, and C(G) = V(G, D*) as they move. The numbers
    come from :func:`gan_lib.theory.game.criterion_terms` (tested in
    tests/test_game.py).
    """
    import ipywidgets as widgets

    from gan_lib.theory.game import (
        LOG_4,
        criterion_terms,
        optimal_discriminator,
    )

    grid = np.linspace(*p_data.bounds(5.0), 400)

    def show(mean: float, std: float) -> None:
        p_g = Gaussian(mean, std)
        terms = criterion_terms(p_data, p_g)
        fig, (ax_density, ax_d) = plt.subplots(
            2, 1, figsize=(6.4, 4.4), sharex=True
        )
        viz.plot_density(
            ax_density, grid, p_data, "data", label="$p_\\mathrm{data}$"
        )
        viz.plot_density(ax_density, grid, p_g, "generator", label="$p_g$")
        ax_density.set(ylabel="density")
        ax_density.legend(loc="upper right")
        ax_d.plot(
            grid,
            optimal_discriminator(p_data, p_g, grid),
            color=viz.COLORS["discriminator"],
            label="$D^*$",
        )
        ax_d.axhline(0.5, color=viz.COLORS["reference"], ls=":", lw=1)
        ax_d.set(xlabel="$x$", ylabel="$D^*(x)$", ylim=(0, 1))
        plt.show()
        print(
            f"JSD(p_data || p_g) {terms.jsd:.4f} nats | "
            f"C(G) = V(G, D*) {terms.value_at_optimum:.4f} "
            f"(minimum -log 4 = {-LOG_4:.4f}, only at p_g = p_data)"
        )

    return widgets.interactive(
        show,
        mean=widgets.FloatSlider(
            value=0.5,
            min=-4.0,
            max=4.0,
            step=0.1,
            description="μ of p_g",
            # redraw on release: each frame integrates on a grid
            continuous_update=False,
        ),
        std=widgets.FloatSlider(
            value=1.5,
            min=0.2,
            max=4.0,
            step=0.1,
            description="σ of p_g",
            continuous_update=False,
        ),
    )


def game_snapshot_explorer(frames: list):
    """A slider over training snapshots of the 1D GAN.

    Each shows Figure 1 of the 2014 paper at that snapshot. ``frames`` come
    from :func:`gan_lib.experiments.gan1d.game_frames` (the pure part, which
    tests call).
    """
    import ipywidgets as widgets

    from gan_lib.experiments.gan1d import plot_game_frame

    if not frames:
        raise ValueError(
            "no frames to show: train with snapshot_at set, "
            "then call gan1d.game_frames"
        )

    def show(index: int) -> None:
        fig, ax = plt.subplots()
        plot_game_frame(ax, frames[index], legend=True)
        ax.set_ylabel("density")
        plt.show()
        frame = frames[index]
        print(
            f"iteration {frame.iteration}: mean D on the data's central 95% "
            f"= {frame.mean_d_on_support:.3f}"
        )

    options = [(str(frame.iteration), i) for i, frame in enumerate(frames)]
    slider = widgets.SelectionSlider(
        options=options,
        value=len(frames) - 1,
        description="iteration",
        continuous_update=False,
    )
    return widgets.interactive(show, index=slider)
