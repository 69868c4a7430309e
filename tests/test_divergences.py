import math

import numpy as np
import pytest

from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.divergences import (
    cross_entropy_grid,
    cross_entropy_quad,
    entropy_grid,
    entropy_quad,
    gaussian_entropy,
    kl_gaussians,
    kl_grid,
    kl_quad,
)

PAIRS = [
    ((0.0, 1.0), (0.0, 1.0)),
    ((0.0, 1.0), (1.0, 2.0)),
    ((-3.0, 0.5), (2.0, 1.5)),
    ((1.0, 4.0), (0.0, 0.7)),
]


@pytest.mark.parametrize("p_params, q_params", PAIRS)
def test_numerical_kl_matches_closed_form(p_params, q_params):
    p, q = Gaussian(*p_params), Gaussian(*q_params)
    exact = kl_gaussians(*p_params, *q_params)
    assert kl_grid(p, q) == pytest.approx(exact, abs=1e-6)
    assert kl_quad(p, q) == pytest.approx(exact, abs=1e-6)


def test_kl_of_a_density_with_itself_is_zero():
    mix = GaussianMixture((0.2, 0.8), (-1.0, 3.0), (0.5, 1.0))
    assert kl_quad(mix, mix) == pytest.approx(0.0, abs=1e-12)
    assert kl_grid(mix, mix) == pytest.approx(0.0, abs=1e-12)
    assert kl_gaussians(1.0, 2.0, 1.0, 2.0) == 0.0


def test_kl_is_not_symmetric():
    p, q = Gaussian(0.0, 1.0), Gaussian(1.0, 2.0)
    forward, reverse = kl_quad(p, q), kl_quad(q, p)
    assert forward == pytest.approx(math.log(2) + 2 / 8 - 0.5, abs=1e-9)
    assert reverse == pytest.approx(-math.log(2) + 5 / 2 - 0.5, abs=1e-9)
    assert abs(forward - reverse) > 0.5


def test_kl_is_non_negative_on_mixtures():
    p = GaussianMixture.two_modes(5.0)
    for q in [Gaussian(0.0, 1.0), Gaussian(2.5, 1.0), Gaussian(0.0, 3.0)]:
        assert kl_quad(p, q) > 0
        assert kl_quad(q, p) > 0


def test_cross_entropy_is_entropy_plus_kl():
    p, q = GaussianMixture.two_modes(3.0, weight=0.4), Gaussian(0.5, 2.0)
    assert cross_entropy_quad(p, q) == pytest.approx(
        entropy_quad(p) + kl_quad(p, q), abs=1e-9
    )
    assert cross_entropy_grid(p, q) == pytest.approx(
        cross_entropy_quad(p, q), abs=1e-7
    )


def test_entropy_of_a_gaussian_matches_closed_form():
    for std in [0.3, 1.0, 5.0]:
        exact = gaussian_entropy(std)
        assert exact == pytest.approx(
            0.5 * math.log(2 * math.pi * math.e * std**2)
        )
        assert entropy_quad(Gaussian(2.0, std)) == pytest.approx(
            exact, abs=1e-8
        )
        assert entropy_grid(Gaussian(2.0, std)) == pytest.approx(
            exact, abs=1e-7
        )


def test_bad_grid_and_parameters_are_clear_errors():
    p = Gaussian()
    with pytest.raises(ValueError, match="strictly increasing"):
        kl_grid(p, p, np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="positive"):
        kl_gaussians(0.0, -1.0, 0.0, 1.0)


def test_jsd_grid_and_quadrature_agree_and_respect_bounds():
    from gan_lib.theory.divergences import jsd_grid, jsd_quad

    p, q = GaussianMixture.two_modes(4.0), Gaussian(0.5, 1.2)
    assert jsd_quad(p, q) == pytest.approx(jsd_grid(p, q), abs=1e-8)
    assert jsd_quad(p, q) == pytest.approx(jsd_quad(q, p), abs=1e-12)
    assert jsd_quad(p, p) == pytest.approx(0.0, abs=1e-12)
    # Disjoint in effect: the JSD reaches, and never passes, its bound log 2.
    far_apart = jsd_quad(Gaussian(0, 1), Gaussian(60, 1))
    assert 0 < far_apart <= math.log(2) + 1e-12
    assert far_apart == pytest.approx(math.log(2), abs=1e-9)
