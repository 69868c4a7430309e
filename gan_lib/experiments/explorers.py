"""Interactive explorers of Chapters 1, 3, 4, 5 and 7, each in two forms.

- ``*_explorer``: ipywidgets sliders for a reader with a running kernel
  (Colab, local Jupyter). Each is a thin layer over a pure function that
  tests call: the ``*_reading`` functions here, or the library function an
  explorer names. ipywidgets is imported inside each explorer, so the pure
  functions work without it.
- ``*_player``: the kernel-free twin for the HTML book: precomputed frames of
  the explorer's most instructive parameter behind a slider
  (:func:`gan_lib.book.player.static_player`), each frame drawn by a pure
  ``*_frame`` function.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from gan_lib.book import viz
from gan_lib.book.player import StaticPlayer, static_player
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.divergences import (
    OBJECTIVES,
    GaussianFit,
    cross_entropy_quad,
    divergence_to_gaussian,
    fit_gaussian,
    kl_quad,
)
from gan_lib.theory.likelihood import average_log_likelihood, gaussian_mle

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
    "LIKELIHOOD_SWEEPS",
    "likelihood_sweep",
    "likelihood_frame",
    "likelihood_player",
    "GRADIENT_NOISE_BATCHES",
    "gradient_noise_frame",
    "gradient_noise_player",
    "DIVERGENCE_FIT_WEIGHTS",
    "DIVERGENCE_COLORS",
    "best_fit_reading",
    "divergence_fit_frame",
    "divergence_fit_player",
    "OPTIMAL_DISCRIMINATOR_STDS",
    "optimal_discriminator_frame",
    "optimal_discriminator_player",
    "game_snapshot_frame",
    "game_snapshot_player",
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


# --- Kernel-free twins: precomputed frames behind a slider -----------------
#
# Each ``*_frame`` function draws one frame into an empty figure (a pure
# function of its arguments, which tests call); each ``*_player`` sweeps
# the explorer's most instructive parameter and returns a
# :class:`gan_lib.book.player.StaticPlayer` that moves in the HTML book.

LIKELIHOOD_SWEEPS = ("mean", "std")


def likelihood_sweep(
    x: np.ndarray, sweep: str, frames: int = 25
) -> np.ndarray:
    """The values a likelihood player steps through.

    μ from μ̂ − 3 to μ̂ + 3 (``sweep="mean"``) or σ from σ̂/2 to 2σ̂
    (``"std"``), evenly in σ's logarithm; the maximum-likelihood value is the
    middle frame when ``frames`` is odd.
    """
    if sweep not in LIKELIHOOD_SWEEPS:
        raise ValueError(
            f"Unknown sweep {sweep!r}. Valid sweeps: "
            f"{', '.join(LIKELIHOOD_SWEEPS)}."
        )
    mean_hat, std_hat = gaussian_mle(x)
    if sweep == "mean":
        return mean_hat + np.linspace(-3.0, 3.0, frames)
    return std_hat * np.exp2(np.linspace(-1.0, 1.0, frames))


def likelihood_frame(
    fig: plt.Figure,
    x: np.ndarray,
    p_data,
    mean: float,
    std: float,
    sweep: str = "mean",
) -> None:
    """One frame: N(μ, σ²) over the samples, and ℓ along the sweep.

    Left, the histogram of ``x``, p_data and the model; right, ℓ as a
    function of the swept parameter (the other held at its maximum-likelihood
    value), with the current model as a dot. The title gives ℓ and
    KL(p_data ‖ p_model) in nats.
    """
    reading = likelihood_reading(x, p_data, mean, std)
    mean_hat, std_hat = gaussian_mle(x)
    ax_fit, ax_ell = fig.subplots(1, 2, width_ratios=(3, 2))
    grid = np.linspace(*p_data.bounds(4.5), 400)
    heights, _, _ = ax_fit.hist(
        x, bins=50, density=True, color=viz.COLORS["data"], alpha=0.2
    )
    viz.plot_density(ax_fit, grid, p_data, "data", label="$p_\\mathrm{data}$")
    viz.plot_density(
        ax_fit, grid, Gaussian(mean, std), "model", label="$p_\\mathrm{model}$"
    )
    # One y-range for every frame of a sweep: the tallest model of the sweep
    # (its smallest σ, peak 1/(σ√(2π))), the data's density, the histogram.
    narrowest = likelihood_sweep(x, sweep, 2).min() if sweep == "std" else std
    top = max(
        1 / (narrowest * np.sqrt(2 * np.pi)),
        float(np.max(p_data.pdf(grid))),
        float(heights.max()),
    )
    ax_fit.set(xlabel="$x$", ylabel="density", ylim=(0, 1.1 * top))
    ax_fit.legend(loc="upper right", fontsize=8)
    values = likelihood_sweep(x, sweep, 101)
    if sweep == "mean":
        curve = average_log_likelihood(x, values, std_hat)
        ax_ell.set_xlabel(f"$\\mu$ (σ = σ̂ = {std_hat:.2f})")
        here = mean
    else:
        curve = average_log_likelihood(x, mean_hat, values)
        ax_ell.set_xlabel(f"$\\sigma$ (μ = μ̂ = {mean_hat:.2f})")
        here = std
    ax_ell.plot(values, curve, color=viz.COLORS["model"], lw=1)
    ax_ell.plot(
        here, reading.average_log_likelihood, "o", color=viz.COLORS["model"]
    )
    ax_ell.set(ylabel="$\\ell(\\mu, \\sigma)$ (nats)")
    fig.suptitle(
        f"μ = {mean:.2f}, σ = {std:.2f}:  "
        f"ℓ = {reading.average_log_likelihood:.3f},  "
        f"KL(p_data ‖ p_model) = {reading.kl:.3f} nats",
        fontsize=10,
    )
    fig.tight_layout()


def likelihood_player(
    x: np.ndarray, p_data, sweep: str = "mean", frames: int = 25
) -> StaticPlayer:
    """The likelihood explorer without a kernel: a slider over μ or σ.

    The other parameter stays at its maximum-likelihood value, so the
    middle frame is the best fit and ℓ falls on both sides of it.
    """
    mean_hat, std_hat = gaussian_mle(x)

    def draw(fig: plt.Figure, value: float) -> None:
        mean, std = (value, std_hat) if sweep == "mean" else (mean_hat, value)
        likelihood_frame(fig, x, p_data, mean, std, sweep)

    return static_player(
        draw, likelihood_sweep(x, sweep, frames), figsize=(8.0, 3.0)
    )


GRADIENT_NOISE_BATCHES = (16, 128, 1024)


def _cost_colors() -> dict[str, str]:
    return {
        "minimax": viz.COLORS["alternative"],
        "non_saturating": viz.COLORS["generator"],
        "maximum_likelihood": viz.COLORS["discriminator"],
    }


def gradient_noise_frame(
    fig: plt.Figure,
    shift: float,
    batch_sizes: tuple[int, ...] = GRADIENT_NOISE_BATCHES,
) -> None:
    """One frame: each cost's noise-to-signal at offset δ = ``shift``.

    One group of bars per cost, one bar per batch size m (a larger batch
    lowers every bar by √m), on a log scale; under each group, the share of
    the cost's gradient carried by the top 1% of samples. Numbers from
    :func:`gan_lib.evaluation.cost_gradients.gradient_noise_reading`.
    """
    from gan_lib.evaluation.cost_gradients import gradient_noise_reading

    readings = {m: gradient_noise_reading(shift, m) for m in batch_sizes}
    names = list(readings[batch_sizes[0]])
    colors = _cost_colors()
    ax = fig.subplots()
    width = 0.8 / len(batch_sizes)
    for j, m in enumerate(batch_sizes):
        offset = (j - (len(batch_sizes) - 1) / 2) * width
        ax.bar(
            np.arange(len(names)) + offset,
            [readings[m][name].noise_to_signal for name in names],
            width=0.9 * width,
            color=[colors[name] for name in names],
            alpha=0.45 + 0.55 * j / max(len(batch_sizes) - 1, 1),
        )
        for i, name in enumerate(names):
            ax.annotate(
                f"m={m}",
                (i + offset, readings[m][name].noise_to_signal),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=6,
            )
    ax.axhline(1.0, color=viz.COLORS["reference"], ls="--", lw=1)
    # over the non-saturating group, whose bars stay far below 1
    ax.text(1.0, 1.3, "noise = signal", ha="center", fontsize=8)
    shares = readings[batch_sizes[0]]  # the share does not depend on m
    ax.set_xticks(
        range(len(names)),
        [
            f"{COST_LABELS[name].replace(chr(10), ' ')}\n"
            f"top 1% of samples: {shares[name].top_1_percent_share:.0%}"
            for name in names
        ],
        fontsize=8,
    )
    ax.set(yscale="log", ylabel="noise-to-signal", ylim=(1e-3, 1e4))
    ax.set_title(
        f"offset δ = {shift:.2f}  (p_g = N(δ, 1), p_data = N(0, 1))",
        fontsize=10,
    )
    fig.tight_layout()


def gradient_noise_player(
    shifts: np.ndarray | None = None,
) -> StaticPlayer:
    """The gradient-noise explorer without a kernel: a slider over δ.

    ``shifts`` defaults to δ = 0.25, 0.5, …, 4; each frame shows the
    batch sizes of :data:`GRADIENT_NOISE_BATCHES` side by side.
    """
    if shifts is None:
        shifts = np.arange(1, 17) * 0.25
    return static_player(gradient_noise_frame, shifts, figsize=(7.0, 3.6))


DIVERGENCE_FIT_WEIGHTS = (0.5, 0.3)


def best_fit_reading(
    separation: float, weight: float, objective: str
) -> FitReading:
    """The lowest of :func:`fit_reading`'s fits over all of FIT_STARTS.

    The global optimum the optimiser finds: for the reverse KL it jumps from
    the centre to a mode at the switch.
    """
    starts = ("centre",) if objective == "forward_kl" else FIT_STARTS
    readings = [
        fit_reading(separation, weight, objective, start) for start in starts
    ]
    # With equal weights the two modes tie up to rounding: the first start
    # wins unless another is clearly lower, so the fit does not hop sides
    # from one frame to the next.
    best = readings[0]
    for reading in readings[1:]:
        if reading.fit.divergence < best.fit.divergence - 1e-9:
            best = reading
    return best


DIVERGENCE_COLORS = {
    "forward_kl": viz.COLORS["model"],
    "reverse_kl": viz.COLORS["alternative"],
    "jsd": "#7b3294",
}


def divergence_fit_frame(
    fig: plt.Figure,
    separation: float,
    weights: tuple[float, ...] = DIVERGENCE_FIT_WEIGHTS,
) -> None:
    """One frame: the best Gaussian under each divergence, at separation s.

    One panel per weight w of p = w N(−s/2, 1) + (1 − w) N(s/2, 1); in each,
    p and the fits q* of :func:`best_fit_reading` under the forward KL, the
    reverse KL and the JSD.
    """
    axes = fig.subplots(1, len(weights), sharey=True, squeeze=False)[0]
    grid = np.linspace(-separation / 2 - 4.5, separation / 2 + 4.5, 500)
    for ax, weight in zip(axes, weights, strict=True):
        target = GaussianMixture.two_modes(separation, weight)
        ax.fill_between(
            grid, target.pdf(grid), color=viz.COLORS["data"], alpha=0.12
        )
        viz.plot_density(ax, grid, target, "data", label="$p$")
        for objective in OBJECTIVES:
            fit = best_fit_reading(separation, weight, objective).fit
            ax.plot(
                grid,
                fit.model.pdf(grid),
                color=DIVERGENCE_COLORS[objective],
                label=f"$q^*$ for {OBJECTIVE_LABELS[objective]}",
            )
        ax.set(xlabel="$x$", title=f"w = {weight:g}", ylim=(0, 0.62))
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper left", fontsize=7)
    fig.suptitle(
        f"separation s = {separation:.2f}: modes at ±{separation / 2:.2f}",
        fontsize=10,
    )
    fig.tight_layout()


def divergence_fit_player(
    separations: np.ndarray | None = None,
) -> StaticPlayer:
    """The divergence-fit explorer without a kernel: a slider over s.

    ``separations`` defaults to s = 0, 0.5, …, 12, through the reverse KL's
    switch from straddling to one mode; each frame shows the weights of
    :data:`DIVERGENCE_FIT_WEIGHTS` side by side.
    """
    if separations is None:
        separations = np.arange(0, 25) * 0.5
    return static_player(divergence_fit_frame, separations, figsize=(8, 3.2))


OPTIMAL_DISCRIMINATOR_STDS = (1.0, 2.0)


def optimal_discriminator_frame(
    fig: plt.Figure,
    p_data,
    mean: float,
    stds: tuple[float, ...] = OPTIMAL_DISCRIMINATOR_STDS,
) -> None:
    """One frame: p_g = N(μ, σ²) against p_data, and D*, for each σ.

    One column per σ in ``stds``: the densities above, D* below, and in the
    column's title JSD(p_data ‖ p_g) and C(G) = V(G, D*) in nats.
    """
    from gan_lib.theory.divergences import jsd_quad
    from gan_lib.theory.game import (
        optimal_discriminator,
        virtual_training_criterion,
    )

    grid = np.linspace(*p_data.bounds(4.0), 400)
    axes = fig.subplots(2, len(stds), sharex=True, sharey="row", squeeze=False)
    for column, std in enumerate(stds):
        p_g = Gaussian(mean, std)
        ax_density, ax_d = axes[:, column]
        viz.plot_density(
            ax_density, grid, p_data, "data", label="$p_\\mathrm{data}$"
        )
        viz.plot_density(ax_density, grid, p_g, "generator", label="$p_g$")
        ax_d.plot(
            grid,
            optimal_discriminator(p_data, p_g, grid),
            color=viz.COLORS["discriminator"],
        )
        ax_d.axhline(0.5, color=viz.COLORS["reference"], ls=":", lw=1)
        ax_d.set(xlabel="$x$", ylim=(0, 1))
        ax_density.set_title(
            f"σ = {std:g}: JSD = {jsd_quad(p_data, p_g):.3f}, "
            f"C(G) = {virtual_training_criterion(p_data, p_g):.3f}",
            fontsize=9,
        )
    axes[0, 0].set_ylabel("density")
    axes[1, 0].set_ylabel("$D^*(x)$")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    fig.suptitle(f"p_g = N(μ, σ²) with μ = {mean:.2f}", fontsize=10)
    fig.tight_layout()


def optimal_discriminator_player(
    p_data, means: np.ndarray | None = None
) -> StaticPlayer:
    """The D* explorer without a kernel: a slider over p_g's mean μ.

    ``means`` defaults to μ = −4, −3.5, …, 4; each frame shows the σ of
    :data:`OPTIMAL_DISCRIMINATOR_STDS` side by side.
    """
    if means is None:
        means = np.linspace(-4.0, 4.0, 17)

    def draw(fig: plt.Figure, mean: float) -> None:
        optimal_discriminator_frame(fig, p_data, mean)

    return static_player(draw, means, figsize=(8.0, 4.0))


def game_snapshot_frame(fig: plt.Figure, frame) -> None:
    """One frame: Figure 1 of the 2014 paper at one training snapshot.

    ``frame`` is a :class:`gan_lib.experiments.gan1d.GameFrame`; the title
    gives its iteration and the mean D on the data's central 95%.
    """
    from gan_lib.experiments.gan1d import plot_game_frame

    ax = fig.subplots()
    plot_game_frame(ax, frame, legend=True)
    ax.set_ylabel("density")
    ax.set_title(
        f"iteration {frame.iteration}: mean D on the data's central 95% "
        f"= {frame.mean_d_on_support:.3f}",
        fontsize=9,
    )
    fig.tight_layout()


def game_snapshot_player(frames: list) -> StaticPlayer:
    """The snapshot explorer without a kernel: a slider over all snapshots.

    ``frames`` come from :func:`gan_lib.experiments.gan1d.game_frames`.
    """
    if not frames:
        raise ValueError(
            "no frames to show: train with snapshot_at set, "
            "then call gan1d.game_frames"
        )
    return static_player(game_snapshot_frame, frames, figsize=(6.4, 3.6))
