"""Interactive explorers: each a thin ipywidgets layer over a pure function that tests call."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from gan_lib import viz
from gan_lib.densities import Gaussian
from gan_lib.divergences import cross_entropy_quad, kl_quad
from gan_lib.likelihood import average_log_likelihood


@dataclass(frozen=True)
class LikelihoodReading:
    """What the likelihood explorer shows for one model N(μ, σ²)."""

    average_log_likelihood: float  # ℓ(μ, σ) on the sample
    cross_entropy: float  # H(p_data, p_model), its large-sample limit (negated)
    kl: float  # KL(p_data ‖ p_model)


def likelihood_reading(x: np.ndarray, p_data, mean: float, std: float) -> LikelihoodReading:
    """ℓ(μ, σ) on the samples ``x`` next to H(p_data, p_model) and KL(p_data ‖ p_model)."""
    model = Gaussian(mean, std)
    return LikelihoodReading(
        float(average_log_likelihood(x, mean, std)),
        cross_entropy_quad(p_data, model),
        kl_quad(p_data, model),
    )


def likelihood_explorer(x: np.ndarray, p_data):
    """Sliders for μ and σ: the model over the data, and ℓ, H(p_data, p_model), KL as they move."""
    import ipywidgets as widgets

    grid = np.linspace(*p_data.bounds(5.0), 400)

    def show(mean: float, std: float) -> None:
        reading = likelihood_reading(x, p_data, mean, std)
        fig, ax = plt.subplots()
        ax.hist(x, bins=60, density=True, color=viz.COLORS["data"], alpha=0.25, label="samples")
        viz.plot_density(ax, grid, p_data, "data", label="$p_\\mathrm{data}$")
        viz.plot_density(ax, grid, Gaussian(mean, std), "model", label="$p_\\mathrm{model}$")
        ax.set(xlabel="$x$", ylabel="density")
        ax.legend(loc="upper right")
        plt.show()
        print(
            f"average log-likelihood {reading.average_log_likelihood:.4f} | "
            f"-H(p_data, p_model) {-reading.cross_entropy:.4f} | KL(p_data || p_model) {reading.kl:.4f} nats"
        )

    return widgets.interactive(
        show,
        mean=widgets.FloatSlider(value=0.0, min=-4.0, max=4.0, step=0.1, description="μ"),
        std=widgets.FloatSlider(value=1.0, min=0.2, max=5.0, step=0.1, description="σ"),
    )


def optimal_discriminator_explorer(p_data):
    """Sliders for the generator p_g = N(μ, σ²): both densities, D*, and C(G) = V(G, D*) as they move.

    The numbers come from :func:`gan_lib.game.criterion_terms` (tested in tests/test_game.py).
    """
    import ipywidgets as widgets

    from gan_lib.game import LOG_4, criterion_terms, optimal_discriminator

    grid = np.linspace(*p_data.bounds(5.0), 400)

    def show(mean: float, std: float) -> None:
        p_g = Gaussian(mean, std)
        terms = criterion_terms(p_data, p_g)
        fig, (ax_density, ax_d) = plt.subplots(2, 1, figsize=(6.4, 4.4), sharex=True)
        viz.plot_density(ax_density, grid, p_data, "data", label="$p_\\mathrm{data}$")
        viz.plot_density(ax_density, grid, p_g, "generator", label="$p_g$")
        ax_density.set(ylabel="density")
        ax_density.legend(loc="upper right")
        ax_d.plot(grid, optimal_discriminator(p_data, p_g, grid), color=viz.COLORS["discriminator"], label="$D^*$")
        ax_d.axhline(0.5, color=viz.COLORS["reference"], ls=":", lw=1)
        ax_d.set(xlabel="$x$", ylabel="$D^*(x)$", ylim=(0, 1))
        plt.show()
        print(
            f"JSD(p_data || p_g) {terms.jsd:.4f} nats | C(G) = V(G, D*) {terms.value_at_optimum:.4f} "
            f"(minimum -log 4 = {-LOG_4:.4f}, only at p_g = p_data)"
        )

    return widgets.interactive(
        show,
        mean=widgets.FloatSlider(value=0.5, min=-4.0, max=4.0, step=0.1, description="μ of p_g", continuous_update=False),
        std=widgets.FloatSlider(value=1.5, min=0.2, max=4.0, step=0.1, description="σ of p_g", continuous_update=False),
    )
