"""The 2014 paper's game on 1-D densities: D*, V(G, D*), C(G) and the JSD.

Chapter 4's value function, Chapter 5's pointwise maximum and Chapter 6's
C(G) = −log 4 + 2·JSD(p_data ‖ p_g), each against its closed form.
"""

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.spatial.distance import jensenshannon

from gan_lib.theory.densities import Gaussian, GaussianMixture, Uniform
from gan_lib.theory.divergences import (
    grid_for,
    integrate_quad,
    jsd_grid,
    jsd_quad,
)
from gan_lib.theory.game import (
    LOG_4,
    Midpoint,
    central_interval,
    criterion_terms,
    optimal_discriminator,
    optimal_discriminator_logit,
    pointwise_value,
    value_function,
    virtual_training_criterion,
)

PAIRS = [
    (Gaussian(0, 1), Gaussian(1, 2)),
    (GaussianMixture.two_modes(4.0), Gaussian(0.0, 2.0)),
    (Gaussian(0, 1), Gaussian(30, 1)),
]


@pytest.mark.parametrize("p_data, p_g", PAIRS)
def test_optimal_discriminator_matches_the_formula(p_data, p_g):
    x = np.linspace(-5, 5, 101)
    expected = p_data.pdf(x) / (p_data.pdf(x) + p_g.pdf(x))
    np.testing.assert_allclose(
        optimal_discriminator(p_data, p_g, x),
        expected,
        rtol=1e-9,
        atol=1e-300,
    )


def test_optimal_discriminator_is_one_half_when_the_densities_agree():
    p = GaussianMixture.two_modes(3.0, weight=0.2)
    assert np.allclose(
        optimal_discriminator(p, p, np.linspace(-8, 8, 50)), 0.5
    )


@pytest.mark.parametrize("p_data, p_g", PAIRS)
def test_value_at_the_optimum_is_minus_log4_plus_twice_jsd(p_data, p_g):
    assert value_function(p_data, p_g) == pytest.approx(
        -math.log(4) + 2 * jsd_quad(p_data, p_g), abs=1e-6
    )


@pytest.mark.parametrize("shift", [0.3, -0.5, 2.0])
def test_any_other_discriminator_scores_lower(shift):
    p_data, p_g = PAIRS[1]
    best = value_function(p_data, p_g)
    perturbed = value_function(
        p_data,
        p_g,
        lambda t: optimal_discriminator_logit(p_data, p_g, t) + shift,
    )
    assert perturbed < best


# ---- Chapter 5: the pointwise maximum and D* --------------------------------


@pytest.mark.parametrize(
    "a, b", [(1.0, 1.0), (0.3, 0.05), (0.01, 2.0), (0.0, 1.0)]
)
def test_pointwise_value_peaks_at_a_over_a_plus_b(a, b):
    best = minimize_scalar(
        lambda y: -pointwise_value(a, b, y),
        bounds=(1e-12, 1 - 1e-12),
        method="bounded",
        options={"xatol": 1e-12},
    )
    assert best.x == pytest.approx(a / (a + b), abs=1e-6)
    y = np.linspace(0.001, 0.999, 999)
    # At a = 0 the peak y = 0 lies outside (0, 1): clip it just inside.
    peak = np.clip(a / (a + b), 1e-12, 1 - 1e-12)
    assert np.all(
        pointwise_value(a, b, y) <= pointwise_value(a, b, peak) + 1e-12
    )


def test_pointwise_value_rejects_bad_input():
    with pytest.raises(ValueError, match="non-negative"):
        pointwise_value(-1.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        pointwise_value(1.0, 1.0, np.array([0.5, 1.0]))


def bump(center: float, width: float, height: float):
    return lambda t: (
        height * np.exp(-0.5 * ((np.asarray(t) - center) / width) ** 2)
    )


@pytest.mark.parametrize(
    "p_data, p_g",
    [
        PAIRS[0],
        PAIRS[1],
        (Uniform(0, 1), Uniform(0.5, 1.5)),
        (Uniform(-1, 1), Gaussian(0, 1)),
    ],
)
@pytest.mark.parametrize(
    "perturbation",
    [
        bump(0.0, 0.5, 1.0),
        bump(1.0, 2.0, -0.7),
        bump(-1.0, 0.3, 3.0),
        lambda t: 0.2 * np.sin(3 * np.asarray(t)),
    ],
)
def test_perturbing_d_star_in_any_direction_lowers_v(
    p_data, p_g, perturbation
):
    def nudged_logit(epsilon):
        """σ⁻¹(D*) + ε·h: the optimal logit moved along the perturbation h."""
        return lambda t: (
            optimal_discriminator_logit(p_data, p_g, t)
            + epsilon * perturbation(t)
        )

    best = value_function(p_data, p_g)
    for epsilon in (0.1, -0.1):
        perturbed = value_function(p_data, p_g, nudged_logit(epsilon))
        assert perturbed < best


def test_d_star_with_zero_densities_has_no_nan():
    p_data, p_g = Uniform(0, 1), Uniform(0.5, 1.5)
    x = np.array([-1.0, 0.25, 0.75, 1.25, 2.0])
    np.testing.assert_allclose(
        optimal_discriminator(p_data, p_g, x), [0.5, 1.0, 0.5, 0.0, 0.5]
    )
    assert np.isfinite(value_function(p_data, p_g))


def test_central_interval_of_a_gaussian_is_its_quantiles():
    from scipy.stats import norm

    low, high = central_interval(Gaussian(1.0, 2.0), mass=0.98)
    assert low == pytest.approx(norm(1.0, 2.0).ppf(0.01), abs=1e-4)
    assert high == pytest.approx(norm(1.0, 2.0).ppf(0.99), abs=1e-4)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        central_interval(Gaussian(), mass=1.0)


# ---- Chapter 6: C(G) = -log 4 + 2 JSD, and the JSD's properties -------------

CRITERION_PAIRS = {
    "equal Gaussians": (Gaussian(0, 1), Gaussian(0, 1)),
    "two Gaussians": (Gaussian(0, 1), Gaussian(1, 2)),
    "mixture vs Gaussian": (GaussianMixture.two_modes(4.0), Gaussian(0, 2)),
    "two mixtures": (
        GaussianMixture((0.3, 0.7), (-2, 2), (1, 1)),
        GaussianMixture((0.5, 0.5), (-1, 3), (0.5, 1.5)),
    ),
    "narrow, far apart": (Gaussian(0, 0.1), Gaussian(5, 0.1)),
    "overlapping uniforms": (Uniform(0, 1), Uniform(0.5, 1.5)),
    "disjoint uniforms": (Uniform(0, 1), Uniform(2, 3)),
    "uniform vs Gaussian": (Uniform(-1, 1), Gaussian(0, 1)),
}


@pytest.mark.parametrize("name", CRITERION_PAIRS)
def test_criterion_is_minus_log4_plus_kl_terms_plus_twice_jsd(name):
    terms = criterion_terms(*CRITERION_PAIRS[name])
    assert terms.value_at_optimum == pytest.approx(terms.via_kl, abs=1e-6)
    assert terms.value_at_optimum == pytest.approx(terms.via_jsd, abs=1e-6)
    assert terms.kl_data_to_midpoint >= 0
    assert terms.kl_g_to_midpoint >= 0


@pytest.mark.parametrize("name", CRITERION_PAIRS)
def test_criterion_is_least_at_minus_log4_only_for_equal_densities(name):
    p_data, p_g = CRITERION_PAIRS[name]
    c = virtual_training_criterion(p_data, p_g)
    if p_data == p_g:
        assert c == pytest.approx(-LOG_4, abs=1e-12)
    else:
        assert c > -LOG_4 + 1e-3
    assert c <= 1e-12  # C = -log 4 + 2 JSD <= -log 4 + 2 log 2 = 0


@pytest.mark.parametrize("name", CRITERION_PAIRS)
def test_jsd_is_symmetric_and_bounded(name):
    p, q = CRITERION_PAIRS[name]
    assert jsd_quad(p, q) == pytest.approx(jsd_quad(q, p), abs=1e-12)
    assert -1e-15 <= jsd_quad(p, q) <= math.log(2) + 1e-12


def test_jsd_reaches_log2_exactly_for_disjoint_supports():
    assert jsd_quad(Uniform(0, 1), Uniform(2, 3)) == pytest.approx(
        math.log(2), abs=1e-12
    )
    assert jsd_quad(Gaussian(0, 0.1), Gaussian(5, 0.1)) == pytest.approx(
        math.log(2), abs=1e-12
    )


@pytest.mark.parametrize("shift", [0.1, 0.25, 0.5, 0.9, 1.0, 1.5, 4.0])
def test_jsd_of_shifted_uniforms_is_the_non_overlapping_mass_times_log2(shift):
    # Where both densities are 1, m = p and nothing is added; where only one
    # is, it adds (1/2) log 2 per unit mass.
    jsd = jsd_quad(Uniform(0, 1), Uniform(shift, shift + 1))
    assert jsd == pytest.approx(min(shift, 1.0) * math.log(2), abs=1e-10)


def test_jsd_tends_to_log2_and_flattens_as_gaussians_separate():
    separations = np.array([0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0])
    jsd = np.array(
        [jsd_quad(Gaussian(0, 1), Gaussian(s, 1)) for s in separations]
    )
    assert jsd[0] == pytest.approx(0.0, abs=1e-14)
    assert np.all(np.diff(jsd) > 0)
    assert math.log(2) - jsd[-1] < 1e-8
    h = 1e-3

    def jsd_at(s):
        return jsd_quad(Gaussian(0, 1), Gaussian(s, 1))

    # Central differences: d JSD / ds at a small and at a large separation.
    slope = [(jsd_at(s + h) - jsd_at(s - h)) / (2 * h) for s in (2.0, 10.0)]
    assert slope[0] > 0.1
    assert 0 < slope[1] < 1e-5


@pytest.mark.parametrize("name", CRITERION_PAIRS)
def test_jsd_agrees_with_scipy_once_squared_and_in_nats(name):
    p, q = CRITERION_PAIRS[name]
    x = grid_for(p, q)
    # scipy returns the Jensen-Shannon *distance*, sqrt(JSD), and normalises
    # the grid values itself.
    in_nats = jensenshannon(p.pdf(x), q.pdf(x)) ** 2
    in_bits = jensenshannon(p.pdf(x), q.pdf(x), base=2) ** 2
    assert in_nats == pytest.approx(jsd_quad(p, q), abs=1e-4)
    assert in_bits == pytest.approx(jsd_quad(p, q) / math.log(2), abs=1e-4)
    assert jsd_grid(p, q) == pytest.approx(jsd_quad(p, q), abs=1e-4)


def test_midpoint_is_a_density():
    m = Midpoint(Uniform(0, 1), Gaussian(3, 0.5))
    mass = integrate_quad(lambda t: float(m.pdf(t)), m)
    assert mass == pytest.approx(1.0, abs=1e-10)
    assert m.breakpoints() == [0.0, 1.0, 3.0]


def test_optimal_discriminator_explorer_builds_and_draws():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_lib.experiments.explorers import optimal_discriminator_explorer

    explorer = optimal_discriminator_explorer(GaussianMixture.two_modes(4.0))
    assert [child.description for child in explorer.children[:2]] == [
        "μ of p_g",
        "σ of p_g",
    ]
    plt.close("all")
