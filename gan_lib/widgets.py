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


def game_snapshot_explorer(frames: list):
    """A slider over training snapshots of the 1D GAN: Figure 1 of the 2014 paper at each.

    ``frames`` come from :func:`gan_lib.gan1d.game_frames` (the pure part, which tests call).
    """
    import ipywidgets as widgets

    from gan_lib.gan1d import plot_game_frame

    if not frames:
        raise ValueError("no frames to show: train with snapshot_at set, then call gan1d.game_frames")

    def show(index: int) -> None:
        fig, ax = plt.subplots()
        plot_game_frame(ax, frames[index], legend=True)
        ax.set_ylabel("density")
        plt.show()
        print(f"iteration {frames[index].iteration}: mean D on the data's central 95% = {frames[index].mean_d_on_support:.3f}")

    options = [(str(frame.iteration), i) for i, frame in enumerate(frames)]
    slider = widgets.SelectionSlider(options=options, value=len(frames) - 1, description="iteration", continuous_update=False)
    return widgets.interactive(show, index=slider)
