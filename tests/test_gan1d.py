"""The 1D GAN of Chapter 4: its measurements against closed forms, and
training that reaches the target."""

import copy

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import norm

from gan_lib.experiments import gan1d
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.training.trainer import Snapshot

# A shorter run than the lab's (fewer, smaller steps with a larger step size),
# through the same code.
FAST = gan1d.Setup(
    iterations=250, lr=2e-3, batch_size=128, hidden=16, snapshots=5
)


def test_cdf_matches_scipy_and_quadrature():
    x = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(
        gan1d.cdf(Gaussian(0.5, 2.0), x), norm(0.5, 2.0).cdf(x), rtol=1e-12
    )
    mixture = GaussianMixture.two_modes(3.0, weight=0.3)
    by_quadrature = [
        integrate.quad(lambda t: float(mixture.pdf(t)), -40, b)[0] for b in x
    ]
    np.testing.assert_allclose(gan1d.cdf(mixture, x), by_quadrature, atol=1e-9)
    with pytest.raises(TypeError, match="Gaussian"):
        gan1d.cdf(object(), x)


def test_ks_distance_closed_forms():
    n = 10_000
    quantiles = norm.ppf((np.arange(n) + 0.5) / n)
    # Exact quantiles of N(0, 1) against N(0, 1): the gap is the half-step
    # 1/(2n).
    ks = gan1d.ks_distance(quantiles, Gaussian(0, 1))
    assert ks == pytest.approx(0.5 / n, rel=1e-6)
    # Against N(δ, 1) the largest CDF gap, at x = δ/2, is 2Φ(δ/2) − 1.
    delta = 0.6
    ks = gan1d.ks_distance(quantiles, Gaussian(delta, 1))
    assert ks == pytest.approx(2 * norm.cdf(delta / 2) - 1, abs=1 / n)
    # Random samples of the target itself: below Kolmogorov's 99.9% quantile
    # 1.95/√n.
    samples = Gaussian(0, 1).sample(n, rng=0)
    assert gan1d.ks_distance(samples, Gaussian(0, 1)) < 1.95 / np.sqrt(n)


def test_ks_distance_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        gan1d.ks_distance(np.array([]), Gaussian())
    with pytest.raises(ValueError, match="diverged"):
        gan1d.ks_distance(np.array([0.0, np.nan]), Gaussian())


def test_central_interval_and_mean_on_it():
    low, high = gan1d.central_interval(Gaussian(2.0, 0.5), 0.95)
    assert (low, high) == pytest.approx(
        (2.0 - 0.5 * norm.ppf(0.975), 2.0 + 0.5 * norm.ppf(0.975)), abs=1e-9
    )
    grid = np.linspace(0, 4, 401)
    assert (
        gan1d.mean_on_interval(
            np.where((grid > 1) & (grid < 3), 0.5, 0.9), grid, (1.05, 2.95)
        )
        == 0.5
    )
    with pytest.raises(ValueError, match="no grid point"):
        gan1d.mean_on_interval(grid, grid, (5, 6))


def test_game_frame_of_a_perfect_generator():
    p_data, setup = Gaussian(2.0, 0.5), gan1d.Setup()
    grid, z = setup.grid(), torch.linspace(-1, 1, 4_000)[:, None]
    x = torch.tensor(
        gan1d.gaussian_quantile_map(p_data, z.numpy()), dtype=torch.float32
    )
    snapshot = Snapshot(7, x, {"d_on_grid": torch.full((len(grid),), 0.5)})
    frame = gan1d.game_frame(snapshot, z, p_data, grid)
    assert frame.iteration == 7 and frame.mean_d_on_support == pytest.approx(
        0.5
    )
    assert frame.ks < 2e-3
    assert integrate.trapezoid(frame.p_g, grid) == pytest.approx(1.0, abs=0.01)
    assert (
        np.max(np.abs(frame.p_g - frame.p_data)) < 0.05
    )  # the KDE of perfect samples is the target


def test_training_reaches_the_target_and_d_one_half():
    trainer = gan1d.make_trainer(FAST)
    history = trainer.train(FAST.iterations, progress=False)
    frames = gan1d.game_frames(
        history, trainer.fixed_noise, FAST.p_data, FAST.grid()
    )
    assert frames[0].ks > 0.99, (
        "the untrained generator misses the data entirely"
    )
    assert frames[-1].ks < 0.15
    assert abs(frames[-1].mean_d_on_support - 0.5) < 0.05


def test_from_a_confident_discriminator_the_minimax_gradient_vanishes():
    start = gan1d.confident_discriminator(FAST, steps=200)
    norms, d_fake = {}, {}
    for cost in ("minimax", "non_saturating"):
        setup = FAST.with_(
            generator_cost=cost,
            iterations=1,
            optimizer="sgd_momentum",
            lr=0.05,
            d_steps=1,
        )
        trainer = gan1d.make_trainer(
            setup,
            copy.deepcopy(start.generator),
            copy.deepcopy(start.discriminator),
        )
        history = trainer.train(1, progress=False)
        norms[cost] = history["g_grad_norm"][0]
        d_fake[cost] = history["d_fake_after"][0]
    d = d_fake["minimax"]
    assert d < 0.05
    assert d_fake["non_saturating"] == d
    # Per sample, ∂J/∂a is −D for minimax and −(1 − D) for non-saturating; G
    # is still nearly a point, so every sample has about the same D and the
    # gradient norms differ by the factor (1 − D)/D.
    assert norms["non_saturating"] / norms["minimax"] == pytest.approx(
        (1 - d) / d, rel=0.15
    )


def test_unknown_optimizer_is_a_clear_error():
    with pytest.raises(ValueError, match="adam, sgd_momentum"):
        gan1d.make_trainer(FAST.with_(optimizer="rmsprop"))


def test_snapshot_explorer_builds_a_slider():
    from gan_lib.experiments.explorers import game_snapshot_explorer

    setup = FAST.with_(iterations=4, snapshots=2)
    trainer = gan1d.make_trainer(setup)
    frames = gan1d.game_frames(
        trainer.train(4, progress=False),
        trainer.fixed_noise,
        setup.p_data,
        setup.grid(),
    )
    explorer = game_snapshot_explorer(frames)
    slider = explorer.children[0]
    assert [label for label, _ in slider.options] == ["0", "2", "4"]
    with pytest.raises(ValueError, match="no frames"):
        game_snapshot_explorer([])


def test_the_setup_passes_the_protocol_to_the_trainer():
    setup = FAST.with_(d_steps=1, protocol="simultaneous")
    trainer = gan1d.make_trainer(setup)
    assert trainer.protocol == "simultaneous"
    assert trainer.config()["protocol"] == "simultaneous"
    assert gan1d.make_trainer(FAST).protocol == "alternating"
    # The lab's main run has k = 5: simultaneous needs k = 1.
    with pytest.raises(ValueError, match="Pass d_steps=1"):
        gan1d.make_trainer(FAST.with_(protocol="simultaneous"))


def test_ks_by_protocol_trains_one_run_per_seed_and_protocol():
    setup = FAST.with_(iterations=20, snapshots=1, d_steps=1)
    ks = gan1d.ks_by_protocol(setup, seeds=[0, 1], n_samples=2_000)
    assert set(ks) == {"alternating", "simultaneous"}
    assert all(values.shape == (2,) for values in ks.values())
    # The same code path as a single run of that seed ...
    single = gan1d.final_ks(setup.with_(seed=1), n_samples=2_000)
    assert ks["alternating"][1] == single
    # ... and the protocols are different runs from the same start.
    assert not np.array_equal(ks["alternating"], ks["simultaneous"])
    assert np.all((ks["simultaneous"] > 0) & (ks["simultaneous"] <= 1))
