"""Label smoothing (Chapter 11): the smoothed optimal discriminator, the
spurious-mode argument, over-confidence.

Measured tolerances (seeded, CPU, one thread):
- a D trained with real_label α = 0.9 (``fit_discriminator`` defaults: 500
  steps, 512 points per density per step) has max |D − D*_α| over the central
  98 % of m = (p_data + p_g)/2 of 0.010, 0.016, 0.030, 0.032, 0.011 for seeds
  0–4; we test 0.05, as for the unsmoothed D (Chapter 5);
- the non-saturating pull on a spurious mode N(8, 0.5²) is 7.999998 for β = 0
  (closed form ≈ 8, the data's score at the mode) and 5.4e-6 for β = 0.1; we
  test |pull − 8| < 1e-3 and pull < 1e-4;
- D trained on N(0, 1) against N(4, 1) (300 steps, seeds 0–2): the 95 %
  quantile of its real-sample logits is 2.209–2.211 with α = 0.9
  (log 9 = 2.197) and 15.5–20.6 without smoothing; the fraction of real logits
  with |a| > 4 is 0.001–0.0015 with α = 0.9 and 0.84–0.85 without; we test
  < 0.01 and > 0.8.
"""

import math

import numpy as np
import pytest
import torch

from gan_lib.experiments.discriminator_fit import fit_discriminator
from gan_lib.theory.densities import Gaussian, GaussianMixture, Uniform
from gan_lib.theory.game import (
    Midpoint,
    central_interval,
    optimal_discriminator,
    value_function,
)
from gan_lib.theory.smoothing import (
    binary_entropy,
    max_smoothed_logit,
    non_saturating_pull,
    overconfidence,
    smoothed_optimal_discriminator,
    smoothed_optimal_logit,
    smoothed_value_at_optimum,
    smoothed_value_function,
    summarise_logits,
)
from gan_lib.training.losses import discriminator_loss

P_DATA, P_G = GaussianMixture.two_modes(4.0), Gaussian(0.5, 1.5)
LABELS = [(0.9, 0.0), (0.9, 0.1), (0.8, 0.2), (1.0, 0.0)]
LOGITS = torch.tensor([-3.0, -0.5, 0.0, 0.7, 2.5], dtype=torch.float64)


# --- the loss with a fake-side target ----------------------------------------


def test_two_sided_smoothing_loss_matches_its_formula():
    real, fake, alpha, beta = LOGITS, LOGITS.flip(0), 0.9, 0.1
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    # Cross-entropy against the target α on real data, β on generated data.
    real_term = alpha * torch.log(d_real) + (1 - alpha) * torch.log(1 - d_real)
    fake_term = beta * torch.log(d_fake) + (1 - beta) * torch.log(1 - d_fake)
    expected = -real_term.mean() - fake_term.mean()
    loss = discriminator_loss(real, fake, alpha, beta)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    # β = 0 is one-sided smoothing.
    one_sided = discriminator_loss(real, fake, real_label=0.9)
    assert discriminator_loss(real, fake, 0.9, 0.0).item() == one_sided.item()


@pytest.mark.parametrize("fake_label", [-0.1, 0.9, 1.0])
def test_bad_fake_label_is_a_clear_error(fake_label):
    with pytest.raises(
        ValueError, match=r"fake_label must be in \[0, real_label\)"
    ):
        discriminator_loss(
            LOGITS, LOGITS, real_label=0.9, fake_label=fake_label
        )
    with pytest.raises(ValueError, match="fake_label"):
        smoothed_optimal_discriminator(
            P_DATA, P_G, np.zeros(1), 0.9, fake_label
        )


# --- the smoothed optimum ----------------------------------------------------


@pytest.mark.parametrize(
    "p_data, p_model", [(Gaussian(0, 1), Gaussian(1, 2)), (P_DATA, P_G)]
)
@pytest.mark.parametrize("alpha, beta", LABELS)
def test_smoothed_d_star_matches_the_closed_form(p_data, p_model, alpha, beta):
    x = np.linspace(-8, 8, 401)
    pd, pm = p_data.pdf(x), p_model.pdf(x)
    closed_form = (alpha * pd + beta * pm) / (pd + pm)
    np.testing.assert_allclose(
        smoothed_optimal_discriminator(p_data, p_model, x, alpha, beta),
        closed_form,
        rtol=1e-12,
    )
    d = smoothed_optimal_discriminator(p_data, p_model, x, alpha, beta)
    np.testing.assert_allclose(
        smoothed_optimal_logit(p_data, p_model, x, alpha, beta),
        np.log(d / (1 - d)),
        rtol=1e-9,
        atol=1e-9,
    )


@pytest.mark.parametrize("alpha, beta", LABELS)
def test_smoothed_d_star_maximises_the_smoothed_value(alpha, beta):
    best = smoothed_value_function(
        P_DATA, P_G, real_label=alpha, fake_label=beta
    )
    for shift in (lambda t: 0.3, lambda t: -0.3, lambda t: 0.2 * np.sin(t)):

        def perturbed(t, shift=shift):
            optimum = smoothed_optimal_logit(P_DATA, P_G, t, alpha, beta)
            return optimum + shift(t)

        value = smoothed_value_function(P_DATA, P_G, perturbed, alpha, beta)
        assert value < best - 1e-4


@pytest.mark.parametrize("alpha, beta", LABELS)
def test_value_at_the_optimum_is_minus_the_entropy_integral(alpha, beta):
    """V_αβ(G, D*_αβ) by quadrature of V_αβ equals
    −∫ (p_data + p_model) h(D*_αβ) dx, a different integral."""
    direct = smoothed_value_function(
        P_DATA, P_G, real_label=alpha, fake_label=beta
    )
    via_entropy = smoothed_value_at_optimum(P_DATA, P_G, alpha, beta)
    assert direct == pytest.approx(via_entropy, abs=1e-9)


def test_no_smoothing_gives_the_book_value_function():
    unsmoothed = smoothed_value_function(P_DATA, P_G, real_label=1.0)
    assert unsmoothed == pytest.approx(value_function(P_DATA, P_G), abs=1e-10)
    x = np.linspace(-6, 6, 101)
    np.testing.assert_allclose(
        smoothed_optimal_discriminator(P_DATA, P_G, x, 1.0, 0.0),
        optimal_discriminator(P_DATA, P_G, x),
    )


def test_binary_entropy_limits():
    assert binary_entropy(0.5) == pytest.approx(math.log(2))
    assert binary_entropy(0.0) == 0.0
    assert binary_entropy(1.0) == 0.0


# --- where the supports differ: β = 0 keeps rejecting, β > 0 rewards ---------

# Data only on [0, 0.5), model only on (1, 2].
DATA_UNIFORM, MODEL_UNIFORM = Uniform(0.0, 1.0), Uniform(0.5, 2.0)


@pytest.mark.parametrize("beta", [0.0, 0.1])
def test_smoothed_d_star_on_uniforms_is_alpha_mix_or_beta(beta):
    alpha = 0.9
    d = smoothed_optimal_discriminator(
        DATA_UNIFORM, MODEL_UNIFORM, np.array([0.25, 0.75, 1.5]), alpha, beta
    )
    # p_data = 1, p_model = 2/3 on [0.5, 1].
    overlap = (alpha * 1.0 + beta * 2 / 3) / (1.0 + 2 / 3)
    np.testing.assert_allclose(d, [alpha, overlap, beta], rtol=1e-12)


def test_one_sided_d_star_is_at_most_alpha_and_zero_off_the_data():
    x = np.linspace(-20, 20, 4001)
    d = smoothed_optimal_discriminator(P_DATA, P_G, x, 0.9, 0.0)
    assert d.max() <= 0.9
    assert d.min() >= 0.0
    logit = smoothed_optimal_logit(P_DATA, P_G, x, 0.9)
    assert logit.max() <= max_smoothed_logit(0.9) + 1e-12
    # x = 1.5 is off the data's support.
    off_data = smoothed_optimal_discriminator(
        DATA_UNIFORM, MODEL_UNIFORM, 1.5, 0.9, 0.0
    )
    assert off_data == 0.0
    off_data_logit = smoothed_optimal_logit(
        DATA_UNIFORM, MODEL_UNIFORM, np.array([1.5]), 0.9
    )
    assert off_data_logit[0] == -np.inf


DATA = Gaussian(0.0, 1.0)
SPURIOUS_MEAN, SPURIOUS_STD = 8.0, 0.5
MODEL_WITH_SPURIOUS_MODE = GaussianMixture(
    (0.5, 0.5), (0.0, SPURIOUS_MEAN), (1.0, SPURIOUS_STD)
)


def pull_on_spurious_mode(beta: float) -> float:
    def logit(x):
        return smoothed_optimal_logit(
            DATA, MODEL_WITH_SPURIOUS_MODE, x, 0.9, beta
        )

    return non_saturating_pull(logit, SPURIOUS_MEAN, SPURIOUS_STD)


def test_two_sided_smoothing_rewards_the_spurious_mode_with_beta():
    for beta in (0.05, 0.1, 0.3):
        at_mode = smoothed_optimal_discriminator(
            DATA, MODEL_WITH_SPURIOUS_MODE, SPURIOUS_MEAN, 0.9, beta
        )
        assert at_mode == pytest.approx(beta, abs=1e-12)
    one_sided_at_mode = smoothed_optimal_discriminator(
        DATA, MODEL_WITH_SPURIOUS_MODE, SPURIOUS_MEAN, 0.9, 0.0
    )
    assert one_sided_at_mode < 1e-13


def test_only_one_sided_smoothing_pulls_the_spurious_mode_to_the_data():
    """With β = 0, log D*_α ≈ log α + log p_data − log p_model near the mode,
    so dJ/dμ ≈ E[x − 4(x − 8)] = 8: gradient descent moves the mode towards
    the data. With β > 0, D* ≈ β is flat there: no pull."""
    assert pull_on_spurious_mode(0.0) == pytest.approx(SPURIOUS_MEAN, abs=1e-3)
    assert abs(pull_on_spurious_mode(0.1)) < 1e-4


def test_non_saturating_pull_matches_a_finite_difference():
    def logit(x):
        return smoothed_optimal_logit(
            DATA, MODEL_WITH_SPURIOUS_MODE, x, 0.9, 0.0
        )

    def cost(mean):
        """J(μ) = −E log D(μ + σz) by Gauss–Hermite quadrature."""
        z, w = np.polynomial.hermite_e.hermegauss(80)
        # log D = log σ(a) = −log(1 + e^(−a)), kept finite for any logit a.
        log_d = -np.logaddexp(0, -logit(mean + SPURIOUS_STD * z))
        return -np.sum(w / math.sqrt(2 * math.pi) * log_d)

    h = 1e-4
    rise = cost(SPURIOUS_MEAN + h) - cost(SPURIOUS_MEAN - h)
    finite_difference = rise / (2 * h)
    pull = non_saturating_pull(logit, SPURIOUS_MEAN, SPURIOUS_STD)
    assert pull == pytest.approx(finite_difference, rel=1e-6)


# --- a trained D approaches the smoothed optimum -----------------------------


# Seed 3 had the largest error of seeds 0-4.
@pytest.mark.parametrize("seed", [0, 3])
def test_trained_d_with_real_label_0_9_approaches_smoothed_d_star(seed):
    fit = fit_discriminator(P_DATA, P_G, seed=seed, real_label=0.9)
    x = np.linspace(*central_interval(Midpoint(P_DATA, P_G), 0.98), 501)
    error = np.abs(
        fit.probability(x)
        - smoothed_optimal_discriminator(P_DATA, P_G, x, 0.9)
    )
    assert error.max() < 0.05
    assert fit.probability(x).max() < 0.9  # it never claims more than α


# --- over-confidence ---------------------------------------------------------


def test_summarise_logits_on_constructed_logits():
    logits = np.linspace(-10.0, 10.0, 2001)  # step 0.01, symmetric about 0
    summary = summarise_logits(logits, threshold=4.0)
    assert summary.mean == pytest.approx(0.0, abs=1e-12)
    assert summary.median == pytest.approx(0.0, abs=1e-12)
    assert summary.q05 == pytest.approx(-9.0)
    assert summary.q95 == pytest.approx(9.0)
    # |a| > 4: 600 points on each side.
    assert summary.confident_fraction == pytest.approx(1200 / 2001)
    assert summarise_logits(torch.full((10,), 3.0)).confident_fraction == 0.0


def test_overconfidence_gap_and_errors():
    report = overconfidence(
        np.array([5.0, 6.0, 7.0]),
        torch.tensor([-1.0, -2.0, -3.0]),
        threshold=5.5,
    )
    assert report.real.confident_fraction == pytest.approx(2 / 3)
    assert report.fake.confident_fraction == 0.0
    assert report.logit_gap == pytest.approx(8.0)
    with pytest.raises(ValueError, match="finite"):
        summarise_logits(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="non-empty"):
        summarise_logits(np.array([]))
    with pytest.raises(ValueError, match="threshold"):
        summarise_logits(np.zeros(3), threshold=0.0)


def test_max_smoothed_logit():
    assert max_smoothed_logit(0.9) == pytest.approx(math.log(9.0))
    assert max_smoothed_logit(1.0) == math.inf


def test_one_sided_smoothing_removes_over_confidence_on_real_samples_only():
    p_data, p_g = Gaussian(0.0, 1.0), Gaussian(4.0, 1.0)
    real, fake = p_data.sample(4000, 10), p_g.sample(4000, 11)
    plain, smoothed = (
        fit_discriminator(p_data, p_g, steps=300, seed=0, real_label=alpha)
        for alpha in (1.0, 0.9)
    )
    plain_report = overconfidence(plain.logit(real), plain.logit(fake))
    smoothed_report = overconfidence(
        smoothed.logit(real), smoothed.logit(fake)
    )
    assert plain_report.real.confident_fraction > 0.8
    assert plain_report.real.q95 > 10.0
    assert smoothed_report.real.confident_fraction < 0.01
    assert smoothed_report.real.q95 < max_smoothed_logit(0.9) + 0.05
    # β = 0: the fake side keeps its confidence.
    assert smoothed_report.fake.confident_fraction == pytest.approx(
        plain_report.fake.confident_fraction, abs=0.02
    )


# --- Chapter 11's spurious-mode claims, on the chapter's own 1D example ------

CHAPTER_DATA = Gaussian(0.0, 1.0)
# As in notebooks/11: a spurious mode N(6, 0.5²).
CHAPTER_MODEL = GaussianMixture((0.7, 0.3), (0.5, 6.0), (1.2, 0.5))


def chapter_pull(alpha: float, beta: float) -> float:
    return non_saturating_pull(
        lambda x: smoothed_optimal_logit(
            CHAPTER_DATA, CHAPTER_MODEL, x, alpha, beta
        ),
        6.0,
        0.5,
    )


@pytest.mark.parametrize("alpha", [0.7, 0.9, 0.99])
def test_one_sided_smoothing_leaves_the_pull_at_d_star_unchanged(alpha):
    """log(α D*) = log α + log D*: the constant has no gradient, so the
    non-saturating pull equals the unsmoothed one."""
    assert chapter_pull(alpha, 0.0) == pytest.approx(
        chapter_pull(1.0, 0.0), rel=1e-9
    )


def test_pull_on_the_spurious_mode_falls_with_beta():
    """Measured: 5.986 at β = 0, 0.0109 at β = 0.01, 0.0027 at β = 0.05,
    0.0013 at β = 0.1."""
    pulls = np.array(
        [chapter_pull(0.9, beta) for beta in (0.0, 0.01, 0.05, 0.1, 0.2, 0.3)]
    )
    assert pulls[0] > 5.0
    assert np.all(np.diff(pulls) < 0)
    assert np.all(pulls > 0)
    assert np.all(pulls[2:] < 1e-3 * pulls[0])


@pytest.mark.parametrize("beta", [0.05, 0.1, 0.3])
def test_two_sided_log_d_star_is_flat_to_first_order_where_data_vanishes(
    beta,
):
    """With r = p_data / p_model ≪ 1,
    log D*_αβ = log β + (α − β) r / β + O(r²)
    (chapter 11, eq-ls-two-sided-log)."""
    alpha = 0.9
    x = np.linspace(5.0, 7.0, 41)  # the spurious mode ± 2σ
    r = CHAPTER_DATA.pdf(x) / CHAPTER_MODEL.pdf(x)
    assert r.max() < 1e-4
    exact = np.log(
        smoothed_optimal_discriminator(
            CHAPTER_DATA, CHAPTER_MODEL, x, alpha, beta
        )
    )
    first_order = math.log(beta) + (alpha - beta) / beta * r
    assert np.all(np.abs(exact - first_order) <= 5 * (r / beta) ** 2 + 1e-14)
