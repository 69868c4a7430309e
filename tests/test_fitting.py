"""Chapter 3's claims: one Gaussian fitted to a two-mode mixture under
forward KL, reverse KL and JSD."""

import math

import numpy as np
import pytest

from gan_lib.experiments.explorers import fit_reading, fit_start
from gan_lib.theory import mode_seeking
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.divergences import (
    OBJECTIVES,
    divergence_to_gaussian,
    entropy_quad,
    fit_gaussian,
    gaussian_entropy,
    jsd_quad,
    kl_quad,
)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_grid_objective_agrees_with_quadrature(objective):
    p = GaussianMixture.two_modes(5.0, weight=0.3)
    for mean, std in [(0.7, 0.8), (-2.5, 1.0), (1.0, 4.0)]:
        grid = divergence_to_gaussian(p, mean, std, objective)
        quad = divergence_to_gaussian(p, mean, std, objective, method="quad")
        assert grid == pytest.approx(quad, abs=1e-10)


def test_grid_resolves_far_apart_modes():
    # Modes 12 apart: log p has complex zeros π/12 from the real line. A grid
    # spaced by σ/8 alone errs by 3e-8 here (measured), enough to put a
    # finite-difference curvature 0.2% off; the fitting grid accounts for the
    # zeros.
    p = GaussianMixture.two_modes(12.0)
    for objective in OBJECTIVES:
        grid = divergence_to_gaussian(p, 0.3, 5.0, objective)
        quad = divergence_to_gaussian(p, 0.3, 5.0, objective, method="quad")
        assert grid == pytest.approx(quad, abs=1e-10)


@pytest.mark.parametrize(
    "separation, weight", [(2.0, 0.5), (5.0, 0.3), (8.0, 0.5), (8.0, 0.8)]
)
def test_forward_kl_fit_matches_the_mixture_moments(separation, weight):
    p = GaussianMixture.two_modes(separation, weight)
    fit = fit_gaussian(p, "forward_kl", start=(1.0, 0.7))
    assert fit.mean == pytest.approx(p.mean, abs=1e-4)
    assert fit.std**2 == pytest.approx(p.variance, abs=1e-4)
    # The minimum is the entropy gap H(N(mean, var)) − H(p) ≥ 0 (the Gaussian
    # has the largest entropy).
    entropy_gap = gaussian_entropy(p.std) - entropy_quad(p)
    assert fit.divergence == pytest.approx(entropy_gap, abs=1e-8)


def test_reverse_kl_fit_sits_on_the_mode_it_starts_near():
    # Modes 10 apart: q's tail still reaches past the midpoint (mass
    # Φ(−5) ≈ 3e-7), where the other mode adds density; that pulls the fit by
    # < 2e-5 and lowers the KL by ~1e-6 (measured). Tolerances: 1e-4, 1e-5.
    p = GaussianMixture.two_modes(10.0, weight=0.3)
    left = fit_gaussian(p, "reverse_kl", start=(-4.0, 2.0))
    right = fit_gaussian(p, "reverse_kl", start=(4.0, 2.0))
    assert (left.mean, left.std) == pytest.approx((-5.0, 1.0), abs=1e-4)
    assert (right.mean, right.std) == pytest.approx((5.0, 1.0), abs=1e-4)
    # KL(q ‖ p) → E_q log(q / (w_k q)) = −log w_k: the weight of the chosen
    # mode sets the price.
    assert left.divergence == pytest.approx(-math.log(0.3), abs=1e-5)
    assert right.divergence == pytest.approx(-math.log(0.7), abs=1e-5)


@pytest.mark.parametrize("half_separation", [1.0, 2.8, 4.0])
def test_reverse_kl_curvature_in_mean_at_the_centred_fit_is_1_over_variance(
    half_separation,
):
    centre, _ = mode_seeking.branch_fits(half_separation, "reverse_kl")
    p = mode_seeking.equal_mixture(half_separation)
    curvature = mode_seeking.curvature_in_mean(
        p, "reverse_kl", 0.0, centre.std
    )
    # > 0: never a saddle.
    assert curvature == pytest.approx(1 / centre.std**2, rel=1e-4)


def test_reduced_reverse_kl_and_its_gradient_match_the_direct_computation():
    kl = mode_seeking.reverse_kl_equal_mixture
    for m, mean, std in [(1.0, 0.3, 1.3), (2.8, 2.7, 1.05), (5.0, 0.0, 4.5)]:
        direct = kl_quad(Gaussian(mean, std), mode_seeking.equal_mixture(m))
        assert kl(m, mean, std) == pytest.approx(direct, abs=1e-10)
        # Central differences in the mean, then in the std.
        h = 1e-5
        numeric = [
            (kl(m, mean + h, std) - kl(m, mean - h, std)) / (2 * h),
            (kl(m, mean, std + h) - kl(m, mean, std - h)) / (2 * h),
        ]
        gradient = mode_seeking.reverse_kl_gradient_equal_mixture(m, mean, std)
        assert gradient == pytest.approx(numeric, abs=1e-7)


def test_critical_half_separation_two_methods_agree():
    by_branches = mode_seeking.critical_half_separation("reverse_kl")
    by_bisection = mode_seeking.critical_half_separation_by_bisection(tol=1e-8)
    assert by_branches == pytest.approx(by_bisection, abs=1e-6)
    for m, seeks in [(by_branches - 0.01, False), (by_branches + 0.01, True)]:
        centre, on_mode = mode_seeking.branch_fits(m, "reverse_kl")
        assert (on_mode.divergence < centre.divergence) is seeks


def test_mode_seeking_minimum_appears_before_it_wins():
    centre, on_mode = mode_seeking.branch_fits(2.0, "reverse_kl")
    # No mode-seeking minimum yet: the start on a mode slides to the centre.
    assert abs(on_mode.mean) < 1e-6
    centre, on_mode = mode_seeking.branch_fits(2.6, "reverse_kl")
    # A local minimum that is not the best.
    assert on_mode.mean > 2.0
    assert on_mode.divergence > centre.divergence


def test_jsd_fit_lies_between_forward_and_reverse_kl():
    # The centred fits: the JSD fit is wider than reverse KL's, narrower than
    # forward KL's.
    for m in [1.0, 2.0, 3.5]:
        widths = [
            mode_seeking.branch_fits(m, objective)[0].std
            for objective in ("reverse_kl", "jsd", "forward_kl")
        ]
        assert widths[0] < widths[1] < widths[2]
    # Nearly Gaussian p (m = 0.2): the three fits coincide to 1e-4 (measured
    # spread 7e-7).
    widths = [
        mode_seeking.branch_fits(0.2, objective)[0].std
        for objective in OBJECTIVES
    ]
    assert max(widths) - min(widths) < 1e-4
    # The mode-seeking fits: JSD is pulled further towards the other mode, and
    # wider.
    for m in [3.0, 3.5, 4.0]:
        reverse, jsd = (
            mode_seeking.branch_fits(m, objective)[1]
            for objective in ("reverse_kl", "jsd")
        )
        assert 0 < jsd.mean < reverse.mean < m
        assert 1 < reverse.std < jsd.std


def test_jsd_switches_to_a_mode_later_than_reverse_kl():
    m_jsd = mode_seeking.critical_half_separation("jsd")
    assert m_jsd > mode_seeking.critical_half_separation("reverse_kl") + 1.0
    # An independent check of the switch with adaptive quadrature: both minima
    # have the same JSD there.
    centre, on_mode = mode_seeking.branch_fits(m_jsd, "jsd")
    p = mode_seeking.equal_mixture(m_jsd)
    assert jsd_quad(p, centre.model) == pytest.approx(
        jsd_quad(p, on_mode.model), abs=1e-9
    )


def test_far_apart_limits_of_the_mode_seeking_fits():
    _, reverse = mode_seeking.branch_fits(6.0, "reverse_kl")
    _, jsd = mode_seeking.branch_fits(6.0, "jsd")
    assert reverse.divergence == pytest.approx(math.log(2), abs=1e-6)
    # q = one component of an equal mixture with disjoint components:
    # JSD = ¾ log(4/3).
    assert jsd.divergence == pytest.approx(0.75 * math.log(4 / 3), abs=1e-6)


def test_fit_reading_is_the_fit_and_its_divergences():
    reading = fit_reading(
        separation=7.0, weight=0.4, objective="reverse_kl", start="left mode"
    )
    assert fit_start(reading.target, "left mode") == (-3.5, 1.0)
    assert reading.fit.mean == pytest.approx(-3.5, abs=0.05)
    target, fit = reading.target, reading.fit
    for name, value in reading.divergences.items():
        assert value == pytest.approx(
            divergence_to_gaussian(target, fit.mean, fit.std, name)
        )
    assert reading.divergences["reverse_kl"] == fit.divergence
    assert fit_start(target, "centre") == (target.mean, target.std)


def test_bad_input_is_a_clear_error():
    p = GaussianMixture.two_modes(4.0)
    with pytest.raises(
        ValueError, match="Valid choices: forward_kl, reverse_kl, jsd"
    ):
        fit_gaussian(p, "kl")
    with pytest.raises(ValueError, match="std > 0"):
        fit_gaussian(p, "jsd", start=(0.0, -1.0))
    with pytest.raises(ValueError, match="Valid choices: grid, quad"):
        divergence_to_gaussian(p, 0.0, 1.0, "jsd", method="simpson")
    with pytest.raises(ValueError, match="Valid starts"):
        fit_reading(4.0, 0.5, "jsd", start="middle")
    with pytest.raises(
        ValueError, match="forward-KL fit is the unique moment match"
    ):
        mode_seeking.critical_half_separation("forward_kl")
    with pytest.raises(ValueError, match="not inside"):
        mode_seeking.critical_half_separation_by_bisection(bracket=(2.9, 3.2))
    assert np.isfinite(fit_gaussian(p, "jsd").divergence)


def test_exercise_answers():
    # Forward KL on 0.3 N(−3, 1) + 0.7 N(3, 1): mean 1.2, variance
    # 1 + 0.21 · 36.
    fit = fit_gaussian(
        GaussianMixture.two_modes(6.0, weight=0.3),
        "forward_kl",
        start=(0.0, 1.0),
    )
    assert (fit.mean, fit.std) == pytest.approx(
        (1.2, math.sqrt(8.56)), abs=1e-4
    )
    # Reverse KL on a light mode costs about −log w_k.
    for start, weight in [("left mode", 0.1), ("right mode", 0.9)]:
        reading = fit_reading(
            separation=10.0, weight=0.1, objective="reverse_kl", start=start
        )
        assert reading.fit.divergence == pytest.approx(
            -math.log(weight), abs=1e-5
        )
    # JSD of one far-apart component of weight w:
    # ½[w log(2w/(1+w)) + (1 − w) log 2 + log(2/(1+w))].
    reading = fit_reading(
        separation=16.0, weight=0.3, objective="jsd", start="right mode"
    )
    w = 0.7
    limit = 0.5 * (
        w * math.log(2 * w / (1 + w))
        + (1 - w) * math.log(2)
        + math.log(2 / (1 + w))
    )
    assert reading.fit.divergence == pytest.approx(limit, abs=1e-8)
    assert (reading.fit.mean, reading.fit.std) == pytest.approx(
        (8.0, 1.0), abs=1e-6
    )


def test_explorer_builds_and_draws_once():
    import matplotlib

    matplotlib.use("Agg")
    from gan_lib.experiments.explorers import divergence_fit_explorer

    explorer = divergence_fit_explorer()
    assert [child.description for child in explorer.children[:4]] == [
        "s",
        "w",
        "objective",
        "start",
    ]
