"""The 1-D and 2-D densities the book trains on, against scipy: pdf, log
density, moments, seeded sampling and clear errors."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from gan_lib.theory.densities import (
    Gaussian,
    GaussianMixture,
    IsotropicMixture2D,
)


def test_gaussian_matches_scipy_on_numpy_and_torch():
    p = Gaussian(0.5, 2.0)
    x = np.linspace(-10, 10, 101)
    np.testing.assert_allclose(
        p.pdf(x), stats.norm(0.5, 2.0).pdf(x), rtol=1e-12
    )
    log_t = p.log_prob(torch.tensor(x))
    assert isinstance(log_t, torch.Tensor)
    np.testing.assert_allclose(
        log_t.numpy(), stats.norm(0.5, 2.0).logpdf(x), rtol=1e-12
    )


def test_mixture_matches_weighted_sum_and_integrates_to_one():
    mix = GaussianMixture((0.3, 0.7), (-2.0, 1.0), (0.5, 1.5))
    x = np.linspace(-8, 8, 201)
    expected = 0.3 * stats.norm(-2, 0.5).pdf(x) + 0.7 * stats.norm(1, 1.5).pdf(
        x
    )
    np.testing.assert_allclose(mix.pdf(x), expected, rtol=1e-12)
    np.testing.assert_allclose(
        mix.pdf(torch.tensor(x)).numpy(), expected, rtol=1e-12
    )
    mass, _ = integrate.quad(mix.pdf, *mix.bounds(), points=mix.breakpoints())
    assert mass == pytest.approx(1.0, abs=1e-10)


def test_mixture_log_prob_is_finite_far_in_the_tails():
    mix = GaussianMixture.two_modes(4.0)
    assert np.isfinite(mix.log_prob(np.array([-200.0, 200.0]))).all()


def test_mixture_moments_match_samples():
    mix = GaussianMixture.two_modes(4.0, weight=0.3)
    x = mix.sample(400_000, rng=0)
    assert mix.mean == pytest.approx(0.3 * -2 + 0.7 * 2)
    assert x.mean() == pytest.approx(mix.mean, abs=0.02)
    assert x.var() == pytest.approx(mix.variance, rel=0.01)


def test_sampling_is_seeded():
    p = Gaussian(1.0, 3.0)
    assert np.array_equal(p.sample(10, rng=1), p.sample(10, rng=1))
    assert not np.array_equal(p.sample(10, rng=1), p.sample(10, rng=2))


@pytest.mark.parametrize(
    "mean, std", [(0.0, -1.0), (0.0, 0.0), (math.nan, 1.0)]
)
def test_bad_gaussian_parameters_are_clear_errors(mean, std):
    with pytest.raises(ValueError, match="Gaussian"):
        Gaussian(mean, std)


def test_bad_mixture_parameters_are_clear_errors():
    with pytest.raises(ValueError, match="sum to 1"):
        GaussianMixture((0.5, 0.6), (0, 1), (1, 1))
    with pytest.raises(ValueError, match="non-negative"):
        GaussianMixture((1.5, -0.5), (0, 1), (1, 1))
    with pytest.raises(ValueError, match="as many"):
        GaussianMixture((0.5, 0.5), (0, 1, 2), (1, 1))
    with pytest.raises(ValueError, match="positive"):
        GaussianMixture((0.5, 0.5), (0, 1), (1, -1))


def test_ring_and_grid_match_pacgan_synthetic_setup():
    ring, grid = IsotropicMixture2D.ring(), IsotropicMixture2D.grid()
    assert ring.n_modes == 8
    assert ring.std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring.modes, axis=1), 1.0)
    np.testing.assert_allclose(ring.modes[2], [0.0, 1.0], atol=1e-15)
    assert grid.n_modes == 25
    assert grid.std == 0.05
    assert sorted(set(grid.modes[:, 0])) == [-4, -2, 0, 2, 4]
    assert sorted(set(grid.modes[:, 1])) == [-4, -2, 0, 2, 4]


def test_2d_mixture_log_prob_matches_scipy_on_numpy_and_torch():
    mix = IsotropicMixture2D([[0.0, 0.0], [1.0, 2.0]], std=0.5)
    x = np.random.default_rng(0).normal(size=(50, 2))
    expected = np.log(
        0.5 * stats.multivariate_normal([0, 0], 0.25).pdf(x)
        + 0.5 * stats.multivariate_normal([1, 2], 0.25).pdf(x)
    )
    np.testing.assert_allclose(mix.log_prob(x), expected, rtol=1e-10)
    log_t = mix.log_prob(torch.tensor(x))
    assert isinstance(log_t, torch.Tensor)
    np.testing.assert_allclose(log_t.numpy(), expected, rtol=1e-10)


def test_2d_mixture_pdf_integrates_to_one():
    mix = IsotropicMixture2D.ring(std=0.1)
    side = np.linspace(-1.6, 1.6, 641)
    xs, ys = np.meshgrid(side, side)
    density = mix.pdf(np.stack([xs.ravel(), ys.ravel()], axis=1))
    cell_area = (side[1] - side[0]) ** 2
    assert density.sum() * cell_area == pytest.approx(1.0, abs=1e-6)


def test_2d_mixture_samples_sit_at_the_modes_with_the_right_spread():
    grid = IsotropicMixture2D.grid()
    x = grid.sample(50_000, rng=3)
    assert x.shape == (50_000, 2)
    # The nearest grid point is the rounded even coordinate.
    offsets = x - np.round(x / 2) * 2
    assert offsets.std() == pytest.approx(grid.std, rel=0.01)
    counts = np.unique(np.round(x / 2), axis=0, return_counts=True)[1]
    assert len(counts) == 25
    assert counts.min() > 0.9 * 50_000 / 25
    assert np.array_equal(grid.sample(5, rng=1), grid.sample(5, rng=1))


def test_bad_2d_mixture_parameters_are_clear_errors():
    with pytest.raises(ValueError, match=r"shape \(K, 2\)"):
        IsotropicMixture2D([0.0, 1.0], std=1.0)
    with pytest.raises(ValueError, match="positive"):
        IsotropicMixture2D([[0.0, 1.0]], std=0.0)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        IsotropicMixture2D.ring().log_prob(np.zeros(3))
