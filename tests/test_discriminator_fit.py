"""A discriminator trained on samples of two fixed densities approaches D*
(Chapter 5).

Tolerances are measured, not guessed: with the defaults (500 steps, 512 points
of each density per step, a 2 × 64 MLP) the largest |D − D*| over the central
98 % of the mass of m = (p_data + p_g)/2 was 0.012–0.044 over seeds 0–4; we
test 0.05.
"""

import numpy as np
import pytest
import torch

from gan_lib.experiments.discriminator_fit import fit_discriminator
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.game import (
    Midpoint,
    central_interval,
    optimal_discriminator,
    optimal_discriminator_logit,
    value_function,
)

P_DATA, P_G = GaussianMixture.two_modes(4.0), Gaussian(0.5, 1.5)
TOLERANCE = 0.05


@pytest.fixture(scope="module")
def fit():
    return fit_discriminator(P_DATA, P_G, seed=0)


def bulk_grid(*densities) -> np.ndarray:
    """501 points over the central 98 % of the mass of m = (p_data + p_g)/2,
    or of the one density given."""
    mass = Midpoint(*densities) if len(densities) == 2 else densities[0]
    return np.linspace(*central_interval(mass, 0.98), 501)


# Seed 1 had the largest error of seeds 0-4.
@pytest.mark.parametrize("seed", [0, 1])
def test_trained_d_is_close_to_d_star_where_the_mass_is(seed, fit):
    result = fit if seed == 0 else fit_discriminator(P_DATA, P_G, seed=seed)
    x = bulk_grid(P_DATA, P_G)
    error = np.abs(
        result.probability(x) - optimal_discriminator(P_DATA, P_G, x)
    )
    assert np.max(error) < TOLERANCE


def test_training_is_deterministic_given_the_seed():
    first, again = (
        fit_discriminator(P_DATA, P_G, steps=30, seed=3) for _ in range(2)
    )
    np.testing.assert_array_equal(first.losses, again.losses)
    for a, b in zip(
        first.model.parameters(), again.model.parameters(), strict=True
    ):
        assert torch.equal(a, b)
    other = fit_discriminator(P_DATA, P_G, steps=30, seed=4)
    assert not np.array_equal(first.losses, other.losses)


def test_trained_d_scores_below_d_star_but_close(fit):
    import warnings

    from scipy.integrate import IntegrationWarning

    # A float32 network cannot give quad its 1e-11 relative accuracy.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        learned = value_function(P_DATA, P_G, fit.logit)
    best = value_function(P_DATA, P_G)
    assert best - 0.005 < learned < best


def test_density_ratio_is_exp_logit_and_good_only_where_the_mass_is(fit):
    x = bulk_grid(P_DATA, P_G)
    d = fit.probability(x)
    np.testing.assert_allclose(fit.density_ratio(x), d / (1 - d), rtol=1e-6)
    error_in_bulk = np.abs(
        fit.logit(x) - optimal_discriminator_logit(P_DATA, P_G, x)
    )
    assert error_in_bulk.max() < 0.3
    far = np.array([-10.0, 10.0])  # m(x) < 1e-9 here
    error_far = np.abs(
        fit.logit(far) - optimal_discriminator_logit(P_DATA, P_G, far)
    )
    assert np.all(error_far > 3.0)


def test_equal_densities_give_one_half():
    result = fit_discriminator(P_DATA, P_DATA, steps=300, seed=0)
    x = bulk_grid(P_DATA)
    assert np.max(np.abs(result.probability(x) - 0.5)) < 0.02


def test_bad_arguments_are_clear_errors():
    with pytest.raises(
        ValueError, match="steps and batch_size must be positive"
    ):
        fit_discriminator(P_DATA, P_G, steps=0)


def test_training_leaves_the_thread_count_and_global_rng_as_they_were():
    threads, state = torch.get_num_threads(), torch.get_rng_state()
    fit_discriminator(P_DATA, P_G, steps=5, seed=0)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), state)
