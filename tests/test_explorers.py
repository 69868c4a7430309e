import numpy as np
import pytest

from gan_lib.book.player import frame_pixels
from gan_lib.experiments.explorers import (
    LIKELIHOOD_SWEEPS,
    best_fit_reading,
    divergence_fit_frame,
    game_snapshot_frame,
    game_snapshot_player,
    gradient_noise_frame,
    likelihood_explorer,
    likelihood_frame,
    likelihood_player,
    likelihood_reading,
    likelihood_sweep,
    optimal_discriminator_frame,
)
from gan_lib.experiments.gan1d import GameFrame
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.divergences import gaussian_entropy
from gan_lib.theory.likelihood import gaussian_mle


def test_likelihood_reading_at_the_truth_and_away_from_it():
    p_data = Gaussian(1.5, 2.0)
    x = p_data.sample(50_000, rng=0)
    at_truth = likelihood_reading(x, p_data, 1.5, 2.0)
    assert at_truth.kl == pytest.approx(0.0, abs=1e-10)
    assert at_truth.cross_entropy == pytest.approx(
        gaussian_entropy(2.0), abs=1e-8
    )
    # The sample average approaches its limit −H(p_data, p_model)
    assert at_truth.average_log_likelihood == pytest.approx(
        -at_truth.cross_entropy, abs=0.02
    )
    away = likelihood_reading(x, p_data, 0.0, 1.0)
    assert away.kl > 0.5
    assert away.average_log_likelihood < at_truth.average_log_likelihood


def test_maximum_likelihood_fit_has_the_best_reading_among_nearby_models():
    p_data = Gaussian(0.0, 1.0)
    x = p_data.sample(2_000, rng=4)
    mean, std = gaussian_mle(x)
    best = likelihood_reading(x, p_data, mean, std).average_log_likelihood
    for d_mean, d_std in [(0.1, 0.0), (0.0, 0.1), (-0.1, -0.1)]:
        nearby = likelihood_reading(x, p_data, mean + d_mean, std + d_std)
        assert nearby.average_log_likelihood < best


def test_explorer_builds_with_its_two_sliders():
    widget = likelihood_explorer(
        np.random.default_rng(0).normal(size=100), Gaussian()
    )
    assert [child.description for child in widget.children[:2]] == ["μ", "σ"]


# --- The kernel-free twins: frames that move with their parameter ---------


def differ(draw, first, second, figsize=(6.4, 3.4)) -> float:
    """The share of pixels that change between two frames."""
    a, b = (frame_pixels(draw, v, figsize=figsize) for v in (first, second))
    assert a.shape == b.shape
    return float(np.mean(np.any(a != b, axis=-1)))


def test_likelihood_frames_move_with_mu_and_sigma():
    p_data = Gaussian(1.5, 2.0)
    x = p_data.sample(500, rng=0)
    for sweep in LIKELIHOOD_SWEEPS:
        first, *_, last = likelihood_sweep(x, sweep, 5)

        def draw(fig, value, sweep=sweep):
            mean, std = (value, 2.0) if sweep == "mean" else (1.5, value)
            likelihood_frame(fig, x, p_data, mean, std, sweep)

        assert differ(draw, first, last) > 0.01
    # the middle frame is the maximum-likelihood fit
    assert likelihood_sweep(x, "mean", 5)[2] == pytest.approx(np.mean(x))
    with pytest.raises(ValueError, match="Valid sweeps"):
        likelihood_sweep(x, "weight")


def test_likelihood_player_has_the_frames_asked_for():
    p_data = Gaussian(1.5, 2.0)
    player = likelihood_player(p_data.sample(200, rng=0), p_data, "std", 3)
    assert player.n_frames == 3 and 'class="anim-slider"' in player.html
    assert player.html.count("data:image/png;base64,") == 3


def test_gradient_noise_frames_move_with_the_offset():
    assert differ(gradient_noise_frame, 0.5, 3.0) > 0.01


def test_divergence_fit_frames_move_with_the_separation():
    assert differ(divergence_fit_frame, 1.0, 8.0) > 0.01


def test_the_reverse_kl_fit_jumps_to_a_mode_as_the_modes_part():
    close = best_fit_reading(2.0, 0.5, "reverse_kl").fit
    far = best_fit_reading(10.0, 0.5, "reverse_kl").fit
    assert abs(close.mean) < 1e-3
    assert abs(abs(far.mean) - 5.0) < 0.05 and far.std < 1.05


def test_optimal_discriminator_frames_move_with_the_generator():
    p_data = GaussianMixture.two_modes(separation=4.0)

    def draw(fig, mean):
        optimal_discriminator_frame(fig, p_data, mean)

    assert differ(draw, -2.0, 2.0) > 0.01


def synthetic_frame(iteration: int, shift: float) -> GameFrame:
    grid = np.linspace(-4, 4, 101)
    z = np.linspace(-1, 1, 50)
    bump = np.exp(-0.5 * (grid - shift) ** 2) / np.sqrt(2 * np.pi)
    return GameFrame(
        iteration=iteration,
        grid=grid,
        p_data=np.exp(-0.5 * grid**2) / np.sqrt(2 * np.pi),
        p_g=bump,
        discriminator=1 / (1 + np.exp(grid - shift / 2)),
        z=z,
        x=z + shift,
        ks=0.5,
        mean_d_on_support=0.5,
    )


def test_game_snapshot_player_steps_through_every_snapshot():
    frames = [synthetic_frame(i * 100, 3.0 - i) for i in range(4)]
    assert differ(game_snapshot_frame, frames[0], frames[-1]) > 0.01
    player = game_snapshot_player(frames)
    assert player.n_frames == 4
    assert player.html.count("data:image/png;base64,") == 4
    with pytest.raises(ValueError, match="no frames"):
        game_snapshot_player([])


def test_likelihood_frames_share_a_y_range_that_holds_the_tallest_model():
    """The σ sweep goes down to σ̂/2, whose peak 1/(σ√(2π)) the old fixed
    y-limit of 0.45 cut off; every frame now shows it, on one scale."""
    import matplotlib.pyplot as plt

    from gan_lib.experiments.explorers import likelihood_sweep

    p_data = Gaussian(0.0, 0.5)
    x = p_data.sample(500, rng=0)
    limits = []
    for std in likelihood_sweep(x, "std", 3):
        fig = plt.figure()
        likelihood_frame(fig, x, p_data, float(x.mean()), float(std), "std")
        limits.append(fig.axes[0].get_ylim()[1])
        plt.close(fig)
    narrowest = likelihood_sweep(x, "std", 3).min()
    assert len(set(limits)) == 1
    assert limits[0] > 1 / (narrowest * np.sqrt(2 * np.pi))
