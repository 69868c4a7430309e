import math

import numpy as np
import pytest

from gan_lib.densities import Gaussian, GaussianMixture
from gan_lib.divergences import jsd_quad
from gan_lib.game import optimal_discriminator, optimal_discriminator_logit, value_function

PAIRS = [
    (Gaussian(0, 1), Gaussian(1, 2)),
    (GaussianMixture.two_modes(4.0), Gaussian(0.0, 2.0)),
    (Gaussian(0, 1), Gaussian(30, 1)),
]


@pytest.mark.parametrize("p_data, p_g", PAIRS)
def test_optimal_discriminator_matches_the_formula(p_data, p_g):
    x = np.linspace(-5, 5, 101)
    expected = p_data.pdf(x) / (p_data.pdf(x) + p_g.pdf(x))
    np.testing.assert_allclose(optimal_discriminator(p_data, p_g, x), expected, rtol=1e-9, atol=1e-300)


def test_optimal_discriminator_is_one_half_when_the_densities_agree():
    p = GaussianMixture.two_modes(3.0, weight=0.2)
    assert np.allclose(optimal_discriminator(p, p, np.linspace(-8, 8, 50)), 0.5)


@pytest.mark.parametrize("p_data, p_g", PAIRS)
def test_value_at_the_optimum_is_minus_log4_plus_twice_jsd(p_data, p_g):
    assert value_function(p_data, p_g) == pytest.approx(-math.log(4) + 2 * jsd_quad(p_data, p_g), abs=1e-6)


@pytest.mark.parametrize("shift", [0.3, -0.5, 2.0])
def test_any_other_discriminator_scores_lower(shift):
    p_data, p_g = PAIRS[1]
    best = value_function(p_data, p_g)
    perturbed = value_function(p_data, p_g, lambda t: optimal_discriminator_logit(p_data, p_g, t) + shift)
    assert perturbed < best
