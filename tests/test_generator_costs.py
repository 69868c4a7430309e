"""Chapter 7's claims about the three generator costs, against closed forms
and stated tolerances."""

import math

import numpy as np
import pytest
import torch

from gan_lib.evaluation.cost_gradients import (
    expected_share_curve,
    gradient_noise_reading,
    kl_gradient_wrt_gaussian,
    logit_gradient,
    minibatch_means,
    minibatch_relative_std,
    ml_top_share,
    ml_weight_relative_variance,
    optimal_logit,
    per_sample_generator_gradients,
    standard_normal_quadrature,
    top_share,
)
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.divergences import jsd_quad, kl_gaussians, kl_quad
from gan_lib.theory.game import optimal_discriminator_logit
from gan_lib.training.losses import generator_cost

COSTS = ("minimax", "non_saturating", "maximum_likelihood")
FLOAT32_LOG_MAX = math.log(torch.finfo(torch.float32).max)  # ≈ 88.72
Z, WEIGHTS = standard_normal_quadrature()


def per_sample_costs(name, logits):
    return torch.stack([generator_cost(name)(a.reshape(1)) for a in logits])


def test_each_cost_is_its_formula_as_a_function_of_d():
    d = torch.linspace(1e-6, 1 - 1e-6, 401, dtype=torch.float64)
    logits = torch.log(d) - torch.log1p(-d)  # σ⁻¹(D)
    torch.testing.assert_close(
        per_sample_costs("minimax", logits),
        torch.log(1 - d),
        rtol=1e-9,
        atol=1e-12,
    )
    torch.testing.assert_close(
        per_sample_costs("non_saturating", logits),
        -torch.log(d),
        rtol=1e-9,
        atol=1e-12,
    )
    torch.testing.assert_close(
        per_sample_costs("maximum_likelihood", logits),
        -d / (1 - d),
        rtol=1e-9,
        atol=1e-12,
    )


def test_logit_gradients_are_their_closed_forms():
    logits = torch.linspace(-20, 20, 81, dtype=torch.float64)
    d = torch.sigmoid(logits)
    torch.testing.assert_close(
        logit_gradient("minimax", logits), -d, rtol=1e-12, atol=1e-15
    )
    torch.testing.assert_close(
        logit_gradient("non_saturating", logits),
        -(1 - d),
        rtol=1e-12,
        atol=1e-15,
    )
    torch.testing.assert_close(
        logit_gradient("maximum_likelihood", logits),
        -logits.exp(),
        rtol=1e-12,
        atol=0.0,
    )


def test_gradient_limits_at_both_ends():
    # D(G(z)) ≈ 1e-13 and ≈ 1 − 1e-13.
    ends = torch.tensor([-30.0, 30.0], dtype=torch.float64)
    minimax, non_saturating, ml = (
        logit_gradient(name, ends) for name in COSTS
    )
    # A confident discriminator, D(G(z)) → 0: minimax and maximum likelihood
    # vanish, non-saturating does not.
    assert abs(minimax[0]) < 1e-12
    assert abs(ml[0]) < 1e-12
    assert non_saturating[0] == pytest.approx(-1.0, abs=1e-12)
    # A fooled discriminator, D(G(z)) → 1: minimax → −1, non-saturating
    # vanishes, maximum likelihood explodes.
    assert minimax[1] == pytest.approx(-1.0, abs=1e-12)
    assert abs(non_saturating[1]) < 1e-12
    assert ml[1] < -1e12


def test_minimax_saturates_in_the_logit_not_in_d():
    # dJ/dD = −1/(1 − D) → −1 at D → 0; the vanishing comes from
    # dD/da = D(1 − D).
    d = torch.tensor([1e-8], dtype=torch.float64, requires_grad=True)
    logit = torch.log(d) - torch.log1p(-d)  # σ⁻¹(D)
    (slope_in_d,) = torch.autograd.grad(generator_cost("minimax")(logit), d)
    assert slope_in_d.item() == pytest.approx(-1.0, rel=1e-6)
    slope_in_logit = logit_gradient("minimax", torch.logit(d.detach()))
    assert abs(slope_in_logit.item()) < 1e-7


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_bounded_costs_finite_over_all_float32_logits(name):
    logits = torch.linspace(-100, 100, 2001, dtype=torch.float32)
    assert torch.isfinite(per_sample_costs(name, logits)).all()
    gradient = logit_gradient(name, logits)
    assert torch.isfinite(gradient).all()
    assert (gradient <= 0).all()
    assert (gradient >= -1).all()


def test_maximum_likelihood_cost_is_finite_exactly_where_exp_is():
    finite = torch.linspace(-100, 88, 1881, dtype=torch.float32)
    costs = per_sample_costs("maximum_likelihood", finite)
    gradients = torch.stack(
        [logit_gradient("maximum_likelihood", a.reshape(1))[0] for a in finite]
    )
    assert torch.isfinite(costs).all()
    assert torch.isfinite(gradients).all()
    expected = -finite.double().exp()
    # Below e^-87 float32 holds only subnormals: compare absolutely there.
    tiny = torch.finfo(torch.float32).tiny
    torch.testing.assert_close(costs.double(), expected, rtol=1e-5, atol=tiny)
    torch.testing.assert_close(
        gradients.double(), expected, rtol=1e-5, atol=tiny
    )
    assert 88.0 < FLOAT32_LOG_MAX < 89.0
    ml_cost = generator_cost("maximum_likelihood")
    assert torch.isinf(ml_cost(torch.tensor([89.0])))
    # A batch overflows earlier: the mean sums m terms first, so 64 equal
    # logits overflow above log(max/64).
    batch_limit = FLOAT32_LOG_MAX - math.log(64)
    assert torch.isfinite(ml_cost(torch.full((64,), batch_limit - 0.1)))
    assert torch.isinf(ml_cost(torch.full((64,), batch_limit + 0.1)))


def test_top_share_of_simple_populations():
    assert top_share(np.ones(1000), 0.1) == pytest.approx(0.1)
    assert top_share(np.r_[5.0, np.zeros(99)], 0.01) == 1.0
    assert top_share(-np.arange(1, 11.0), 0.1) == pytest.approx(10 / 55)
    with pytest.raises(ValueError, match="fraction"):
        top_share(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="non-zero"):
        top_share(np.zeros(3), 0.5)


def test_minibatch_relative_std_matches_resampled_minibatches():
    population = np.random.default_rng(0).exponential(size=20_000)
    predicted = minibatch_relative_std(
        population.mean(), np.mean(population**2), batch_size=32
    )
    means = minibatch_means(
        population[None], batch_size=32, n_batches=20_000, rng=1
    )[0]
    measured = np.std(means) / population.mean()
    # ~0.5% sampling error expected.
    assert measured == pytest.approx(predicted, rel=0.03)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_relative_std(1.0, 2.0, 0)


def moments_at_shift(name, shift):
    """E g, E g² of the per-sample logit gradient over x ∼ N(δ, 1), with
    D = D* for p_data = N(0, 1)."""
    logit = optimal_logit(Gaussian(0.0, 1.0), Gaussian(shift, 1.0))
    g = logit_gradient(name, logit(shift + Z))
    return float(WEIGHTS @ g), float(WEIGHTS @ g**2)


@pytest.mark.parametrize("shift", [0.5, 1.0, 2.0, 3.0, 4.0])
def test_ml_weight_variance_is_the_chi_square_closed_form(shift):
    mean, second = moments_at_shift("maximum_likelihood", shift)
    assert mean == pytest.approx(-1.0, rel=1e-10)  # E_{p_g}[p_data/p_g] = 1
    relative_variance = second / mean**2 - 1
    assert relative_variance == pytest.approx(
        ml_weight_relative_variance(shift), rel=1e-8
    )


@pytest.mark.parametrize("shift", [0.5, 1.0, 2.0, 3.0])
def test_gradient_noise_ordering(shift):
    # The claim of the chapter: on the same samples, noise-to-signal
    # ML > minimax > non-saturating.
    noise = {
        name: minibatch_relative_std(
            *moments_at_shift(name, shift), batch_size=64
        )
        for name in COSTS
    }
    assert noise["maximum_likelihood"] > noise["minimax"]
    assert noise["minimax"] > noise["non_saturating"]


def test_top_share_ordering_on_one_batch():
    shift = 3.0
    logit = optimal_logit(Gaussian(0.0, 1.0), Gaussian(shift, 1.0))
    x = torch.from_numpy(Gaussian(shift, 1.0).sample(100_000, rng=0))
    shares = {
        name: top_share(logit_gradient(name, logit(x)), 0.01) for name in COSTS
    }
    assert shares["maximum_likelihood"] > 0.5 > shares["minimax"]
    assert shares["minimax"] > shares["non_saturating"]
    # Almost uniform: 1% of samples, about 1% of the gradient.
    assert shares["non_saturating"] < 0.02
    # A heavy tail: a loose tolerance.
    assert shares["maximum_likelihood"] == pytest.approx(
        ml_top_share(shift, 0.01), abs=0.05
    )


@pytest.mark.parametrize("shift", [0.5, 1.0, 2.0])
def test_ml_top_share_closed_form_matches_a_large_batch(shift):
    logit = optimal_logit(Gaussian(0.0, 1.0), Gaussian(shift, 1.0))
    x = torch.from_numpy(Gaussian(shift, 1.0).sample(400_000, rng=1))
    measured = top_share(logit_gradient("maximum_likelihood", logit(x)), 0.1)
    assert measured == pytest.approx(ml_top_share(shift, 0.1), abs=0.01)


def test_torch_optimal_logit_matches_the_game_module():
    p_data = GaussianMixture.two_modes(3.0, weight=0.3)
    p_g = Gaussian(0.5, 2.0)
    x = np.linspace(-8, 8, 101)
    np.testing.assert_allclose(
        optimal_logit(p_data, p_g)(torch.from_numpy(x)).numpy(),
        optimal_discriminator_logit(p_data, p_g, x),
        rtol=1e-12,
        atol=1e-12,
    )


def finite_difference_gradient(kl, mean, std, h=1e-4):
    return np.array(
        [
            (kl(mean + h, std) - kl(mean - h, std)) / (2 * h),
            (kl(mean, std + h) - kl(mean, std - h)) / (2 * h),
        ]
    )


IDENTITY_CASES = [
    (Gaussian(1.0, 1.0), 0.0, 1.5),
    (GaussianMixture.two_modes(3.0, weight=0.3), 0.5, 2.0),
]


def test_kl_gradient_closed_form_matches_finite_differences():
    p = Gaussian(1.0, 1.0)
    fd = finite_difference_gradient(
        lambda m, s: kl_gaussians(p.mean, p.std, m, s), 0.0, 1.5
    )
    np.testing.assert_allclose(
        kl_gradient_wrt_gaussian(p, 0.0, 1.5), fd, atol=1e-7
    )
    mixture = GaussianMixture.two_modes(3.0, weight=0.3)
    fd = finite_difference_gradient(
        lambda m, s: kl_quad(mixture, Gaussian(m, s)), 0.5, 2.0
    )
    np.testing.assert_allclose(
        kl_gradient_wrt_gaussian(mixture, 0.5, 2.0), fd, atol=1e-6
    )


@pytest.mark.parametrize("p_data, mean, std", IDENTITY_CASES)
def test_ml_gradient_at_optimal_d_is_the_kl_gradient(p_data, mean, std):
    logit = optimal_logit(p_data, Gaussian(mean, std))
    expected = kl_gradient_wrt_gaussian(p_data, mean, std)
    # The expectation over z by quadrature: equal to rounding.
    at_nodes = per_sample_generator_gradients(
        "maximum_likelihood", logit, mean, std, Z
    )
    exact = (WEIGHTS @ at_nodes).numpy()
    np.testing.assert_allclose(exact, expected, rtol=1e-8, atol=1e-10)
    # The cost itself is constant at D*: −E_{p_g}[p_data/p_g] = −1.
    cost = float(WEIGHTS @ -logit(mean + std * Z).exp())
    assert cost == pytest.approx(-1.0, rel=1e-10)
    # The reparameterised Monte-Carlo estimate: within 4 standard errors
    # (seeded).
    z = torch.randn(
        200_000,
        generator=torch.Generator().manual_seed(0),
        dtype=torch.float64,
    )
    samples = per_sample_generator_gradients(
        "maximum_likelihood", logit, mean, std, z
    ).numpy()
    standard_error = samples.std(axis=0) / np.sqrt(len(z))
    assert np.all(np.abs(samples.mean(axis=0) - expected) < 4 * standard_error)


def test_minimax_gradient_at_optimal_d_is_twice_the_jsd_gradient():
    p_data, mean, std = IDENTITY_CASES[1]
    logit = optimal_logit(p_data, Gaussian(mean, std))
    at_nodes = per_sample_generator_gradients("minimax", logit, mean, std, Z)
    exact = (WEIGHTS @ at_nodes).numpy()
    fd = finite_difference_gradient(
        lambda m, s: 2 * jsd_quad(p_data, Gaussian(m, s)), mean, std
    )
    np.testing.assert_allclose(exact, fd, atol=1e-6)


def test_non_saturating_gradient_at_optimal_d_is_reverse_kl_minus_twice_jsd():
    # Exercise 3's answer: against D*, −E log D* has the gradient of
    # KL(p_g ‖ p_data) − 2 JSD(p_data ‖ p_g).
    p_data, mean, std = IDENTITY_CASES[1]
    logit = optimal_logit(p_data, Gaussian(mean, std))
    at_nodes = per_sample_generator_gradients(
        "non_saturating", logit, mean, std, Z
    )
    exact = (WEIGHTS @ at_nodes).numpy()
    fd = finite_difference_gradient(
        lambda m, s: (
            kl_quad(Gaussian(m, s), p_data)
            - 2 * jsd_quad(p_data, Gaussian(m, s))
        ),
        mean,
        std,
    )
    np.testing.assert_allclose(exact, fd, atol=1e-6)


def test_expected_share_curve_matches_the_closed_form_and_a_batch():
    shift = 3.0
    logit = optimal_logit(Gaussian(0.0, 1.0), Gaussian(shift, 1.0))
    reading = gradient_noise_reading(shift, batch_size=64)
    assert reading["maximum_likelihood"].top_1_percent_share == pytest.approx(
        ml_top_share(shift, 0.01), abs=1e-6
    )
    x = torch.from_numpy(Gaussian(shift, 1.0).sample(200_000, rng=2))
    for name in ("minimax", "non_saturating"):
        measured = top_share(logit_gradient(name, logit(x)), 0.01)
        assert measured == pytest.approx(
            reading[name].top_1_percent_share, abs=0.01
        )
    # Equal weights: share = mass.
    mass, share = expected_share_curve(torch.ones(5), torch.full((5,), 0.2))
    np.testing.assert_allclose(share, mass)
    for name in COSTS:
        assert reading[name].noise_to_signal == pytest.approx(
            minibatch_relative_std(*moments_at_shift(name, shift), 64)
        )


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="Valid names"):
        logit_gradient("wasserstein", torch.zeros(3))
    with pytest.raises(ValueError, match="std must be positive"):
        per_sample_generator_gradients("minimax", lambda x: x, 0.0, 0.0, Z[:3])
    with pytest.raises(ValueError, match="fraction"):
        ml_top_share(1.0, 1.0)
    with pytest.raises(ValueError, match="shift must be positive"):
        gradient_noise_reading(0.0, 64)
