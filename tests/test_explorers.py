import numpy as np
import pytest

from gan_lib.experiments.explorers import (
    likelihood_explorer,
    likelihood_reading,
)
from gan_lib.theory.densities import Gaussian
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
