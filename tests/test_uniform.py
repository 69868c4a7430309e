import math

import numpy as np
import pytest
import torch
from scipy import stats

from gan_lib.theory.densities import Gaussian, Uniform
from gan_lib.theory.divergences import jsd_grid, jsd_quad, kl_grid, kl_quad


def test_uniform_matches_scipy_inside_and_is_minus_inf_outside():
    u = Uniform(-1.0, 3.0)
    x = np.linspace(-3, 5, 81)
    np.testing.assert_allclose(
        u.pdf(x), stats.uniform(-1, 4).pdf(x), rtol=1e-12
    )
    log_p = u.log_prob(x)
    assert not np.isnan(log_p).any()
    assert np.all(np.isneginf(log_p[(x < -1) | (x > 3)]))
    log_t = u.log_prob(torch.tensor(x))
    assert isinstance(log_t, torch.Tensor)
    assert not torch.isnan(log_t).any()
    np.testing.assert_allclose(log_t.numpy(), log_p)


def test_uniform_moments_sampling_and_interface():
    u = Uniform(2.0, 5.0)
    x = u.sample(200_000, rng=0)
    assert u.mean == 3.5
    assert u.variance == pytest.approx(0.75)
    assert x.min() >= 2.0 and x.max() <= 5.0
    assert x.mean() == pytest.approx(u.mean, abs=0.01)
    assert x.var() == pytest.approx(u.variance, rel=0.01)
    assert np.array_equal(u.sample(5, rng=1), u.sample(5, rng=1))
    assert u.bounds() == (2.0, 5.0)
    assert u.breakpoints() == [2.0, 5.0]


@pytest.mark.parametrize(
    "low, high", [(1.0, 1.0), (2.0, 1.0), (0.0, math.inf)]
)
def test_bad_uniform_is_a_clear_error(low, high):
    with pytest.raises(ValueError, match="low < high"):
        Uniform(low, high)


def test_divergences_treat_zero_density_as_zero_mass_not_nan():
    p, q = Uniform(0, 1), Uniform(-1, 2)
    # KL(U[0,1] ‖ U[-1,2]) = log 3
    assert kl_quad(p, q) == pytest.approx(math.log(3), abs=1e-12)
    assert kl_grid(p, q) == pytest.approx(math.log(3), abs=1e-3)
    assert kl_quad(q, p) == math.inf  # q has mass where p has none
    assert jsd_quad(p, Gaussian(0.5, 1.0)) == pytest.approx(
        jsd_grid(p, Gaussian(0.5, 1.0)), abs=1e-4
    )
