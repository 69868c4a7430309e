import numpy as np
import pytest

from gan_lib.theory.likelihood import (
    average_log_likelihood,
    fit_gaussian_by_gradient_ascent,
    gaussian_mle,
    log_likelihood_surface,
)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("n", [20, 500, 10_000])
def test_gradient_ascent_matches_closed_form(seed, n):
    x = np.random.default_rng(seed).normal(1.5, 2.0, n)
    mean, std = gaussian_mle(x)
    fit = fit_gaussian_by_gradient_ascent(x)
    assert fit.mean == pytest.approx(mean, abs=1e-4)
    assert fit.std == pytest.approx(std, abs=1e-4)


def test_closed_form_is_the_maximum_of_the_surface():
    x = np.random.default_rng(5).normal(-1.0, 0.7, 300)
    mean, std = gaussian_mle(x)
    best = average_log_likelihood(x, mean, std)
    means, stds = np.linspace(-2, 0, 81), np.linspace(0.3, 1.5, 81)
    assert log_likelihood_surface(x, means, stds).max() <= best + 1e-12


def test_average_log_likelihood_matches_direct_sum():
    x = np.random.default_rng(1).normal(size=50)
    direct = np.mean(
        -0.5 * ((x - 0.3) / 1.7) ** 2 - np.log(1.7) - 0.5 * np.log(2 * np.pi)
    )
    assert average_log_likelihood(x, 0.3, 1.7) == pytest.approx(
        direct, rel=1e-12
    )


def test_bad_samples_are_clear_errors():
    with pytest.raises(ValueError, match="NaN"):
        gaussian_mle(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match="1D"):
        gaussian_mle(np.ones((3, 2)))


def test_divergence_is_reported():
    x = np.random.default_rng(0).normal(0, 0.05, 100)
    with pytest.raises((FloatingPointError, RuntimeError)):
        fit_gaussian_by_gradient_ascent(x, lr=5.0, max_steps=200)
