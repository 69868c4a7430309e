"""The samplers of the taxonomy chapter: autoregressive (MADE), change of
variables, Markov chains, and how many network passes each one costs."""

import math
from functools import partial

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from gan_lib.nn.mlp import MLPGenerator
from gan_lib.theory.densities import Gaussian, GaussianMixture
from gan_lib.theory.samplers import (
    MADE,
    AffineCoupling2D,
    SinhMap,
    best_wall_time,
    change_of_variables_log_prob,
    count_forward_passes,
    density_cdf,
    fraction_in_starting_mode,
    generator_samples,
    histogram_check,
    ks_critical_value,
    ks_distance_per_step,
    log_abs_det_jacobian,
    random_walk_metropolis,
    standard_normal_log_prob,
    steps_to_mix,
)

# --- autoregressive sampling: n passes, against one pass for a generator -----


@pytest.mark.parametrize("n", [1, 2, 7, 32])
def test_made_samples_in_n_passes_and_evaluates_the_density_in_one(n):
    torch.manual_seed(0)
    made = MADE(n, hidden=16)
    with count_forward_passes(made) as sampling:
        x = made.sample(5)
    with count_forward_passes(made) as density:
        made.log_prob(x)
    assert sampling.count == n
    assert density.count == 1


@pytest.mark.parametrize("n", [1, 7, 32])
def test_a_generator_draws_a_whole_batch_in_one_pass(n):
    generator = MLPGenerator(latent_dim=n, data_dim=n, hidden=16)
    with count_forward_passes(generator) as passes:
        x = generator_samples(
            generator, 100, rng=torch.Generator().manual_seed(0)
        )
    assert passes.count == 1
    assert x.shape == (100, n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conditional_i_depends_on_earlier_dimensions_only(seed):
    torch.manual_seed(seed)
    n = 6
    made = MADE(n, hidden=24, depth=2)
    x = torch.randn(n)
    # (2n, n): the n means, then the n log-stds, against the n inputs.
    jacobian = torch.autograd.functional.jacobian(
        lambda v: torch.cat(made(v[None]), dim=1)[0], x
    )
    for out in (jacobian[:n], jacobian[n:]):
        assert torch.all(out.triu() == 0), (
            "output i must not see x_i or any later x_j"
        )
        assert torch.count_nonzero(out.tril(-1)) > 0.8 * n * (n - 1) / 2, (
            "and it should see most earlier x_j"
        )
    # The same fact without autograd: change x_i..x_n by a lot, and
    # conditional i does not move at all.
    for i in range(n):
        changed = x.clone()
        changed[i:] += 100.0
        before, after = made(x[None]), made(changed[None])
        # (mean, log-std) before and after.
        assert all(
            torch.equal(b[:, : i + 1], a[:, : i + 1])
            for b, a in zip(before, after, strict=True)
        )


def test_sampling_inverts_the_densitys_whitening():
    """x = sample(ε) means (x − μ(x)) / σ(x) = ε: the sampler draws from the
    density log_prob evaluates."""
    torch.manual_seed(3)
    made = MADE(5, hidden=32)
    noise = torch.randn(64, 5, generator=torch.Generator().manual_seed(1))
    x = made.sample(64, noise=noise)
    mean, log_std = made(x)
    torch.testing.assert_close(
        (x - mean) / log_std.exp(), noise, atol=1e-5, rtol=1e-5
    )


def test_made_density_integrates_to_one():
    torch.manual_seed(4)
    made = MADE(2, hidden=16).double()
    grid = torch.linspace(-15, 15, 601, dtype=torch.float64)
    x1, x2 = torch.meshgrid(grid, grid, indexing="ij")
    points = torch.stack([x1.ravel(), x2.ravel()], dim=1)
    with torch.no_grad():
        density = made.log_prob(points).exp().reshape(601, 601)
    total = torch.trapezoid(torch.trapezoid(density, grid, dim=1), grid).item()
    assert total == pytest.approx(1.0, abs=1e-4)


def test_timing_helper_returns_the_shortest_run_and_rejects_bad_repeats():
    # A fake clock: runs of 3, 1 and 2 seconds.
    readings = iter([0.0, 3.0, 10.0, 11.0, 20.0, 22.0])
    calls = []
    best = best_wall_time(
        lambda: calls.append(1),
        repeats=3,
        warmup=1,
        clock=lambda: next(readings),
    )
    assert best == 1.0
    assert len(calls) == 4  # one untimed warm-up, three timed runs
    with pytest.raises(ValueError, match="repeats"):
        best_wall_time(lambda: None, repeats=0)


def test_made_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="data_dim"):
        MADE(0)
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        MADE(3)(torch.randn(4, 2))
    with pytest.raises(ValueError, match="noise"):
        MADE(3).sample(4, noise=torch.randn(4, 2))


# --- change of variables -----------------------------------------------------

SKEWED = SinhMap(a=1.0, b=1.5, loc=0.5, scale=1.2)


def test_sinh_map_density_is_johnsons_su_and_its_jacobian_matches_autograd():
    x = torch.linspace(-20, 20, 401, dtype=torch.float64)[:, None]
    log_p = change_of_variables_log_prob(SKEWED, x)
    reference = stats.johnsonsu(
        SKEWED.a, SKEWED.b, loc=SKEWED.loc, scale=SKEWED.scale
    ).logpdf(x[:, 0].numpy())
    np.testing.assert_allclose(
        log_p.numpy(), reference, rtol=1e-10, atol=1e-10
    )
    torch.testing.assert_close(
        log_abs_det_jacobian(SKEWED.inverse, x),
        SKEWED.inverse_log_abs_det(x),
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize("g", [SKEWED, AffineCoupling2D(alpha=0.7, beta=0.4)])
def test_maps_invert_exactly_and_autograd_jacobians_match(g):
    dim = 2 if isinstance(g, AffineCoupling2D) else 3
    z = torch.randn(
        50,
        dim,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(0),
    )
    torch.testing.assert_close(
        g.inverse(g.forward(z)), z, rtol=1e-10, atol=1e-10
    )
    x = g.forward(z)
    torch.testing.assert_close(
        log_abs_det_jacobian(g.inverse, x),
        g.inverse_log_abs_det(x),
        rtol=1e-10,
        atol=1e-10,
    )
    # The inverse's log-det is minus the forward's: J_{g⁻¹}(g(z)) = J_g(z)⁻¹.
    torch.testing.assert_close(
        log_abs_det_jacobian(g.forward, z),
        -g.inverse_log_abs_det(x),
        rtol=1e-10,
        atol=1e-10,
    )


def _pdf_1d(g: SinhMap):
    def pdf(x):
        points = np.atleast_1d(np.asarray(x, dtype=np.float64))
        tensor = torch.as_tensor(points)[:, None]
        return change_of_variables_log_prob(g, tensor).exp().numpy()

    return pdf


def test_change_of_variables_density_integrates_to_one():
    pdf = _pdf_1d(SKEWED)
    total, error = integrate.quad(
        lambda t: float(pdf(t)[0]),
        -np.inf,
        np.inf,
        points=None,
        epsabs=1e-12,
        epsrel=1e-12,
    )
    assert total == pytest.approx(1.0, abs=1e-8)


def test_without_the_jacobian_the_formula_integrates_to_the_mean_stretch():
    """∫ p_z(g⁻¹(x)) dx = ∫ p_z(z) g'(z) dz = E[g'(z)], which for the sinh
    map is (scale/b) cosh(a/b) e^{1/(2b²)}, not 1."""

    def without_jacobian(t: float) -> float:
        z = SKEWED.inverse(torch.tensor([[t]], dtype=torch.float64))
        return math.exp(float(standard_normal_log_prob(z)[0]))

    total, _ = integrate.quad(
        without_jacobian, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12
    )
    closed_form = (
        SKEWED.scale
        / SKEWED.b
        * math.cosh(SKEWED.a / SKEWED.b)
        * math.exp(1 / (2 * SKEWED.b**2))
    )
    assert total == pytest.approx(closed_form, rel=1e-8)
    assert closed_form > 1.1


def test_coupling_density_integrates_to_one_on_a_grid():
    g = AffineCoupling2D(alpha=0.5, beta=0.5)
    x1 = torch.linspace(-8, 8, 321, dtype=torch.float64)
    x2 = torch.linspace(-12, 45, 1141, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(x1, x2, indexing="ij"), dim=-1)
    log_p = change_of_variables_log_prob(g, grid.reshape(-1, 2))
    density = log_p.exp().reshape(321, 1141)
    total = torch.trapezoid(torch.trapezoid(density, x2, dim=1), x1).item()
    assert total == pytest.approx(1.0, abs=1e-4)


def test_g_of_z_histogram_fits_the_density_and_rejects_it_without_jacobian():
    """200,000 draws of g(z) in 50 bins: Pearson's p-value above 0.001 and no
    bin off by 4.5 standard errors; dropping the |det J| factor is rejected
    with a p-value below 1e-100."""
    z = torch.randn(
        200_000,
        1,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(0),
    )
    samples = SKEWED.forward(z)[:, 0].numpy()
    edges = np.linspace(-6, 5, 51)
    check = histogram_check(samples, _pdf_1d(SKEWED), edges)
    assert check.p_value > 1e-3
    assert check.max_abs_z < 4.5
    assert check.observed.sum() == 200_000
    assert check.expected.sum() == pytest.approx(200_000)

    def without_jacobian(x):
        z = SKEWED.inverse(torch.as_tensor(x)[:, None])
        return np.exp(standard_normal_log_prob(z).numpy())

    assert histogram_check(samples, without_jacobian, edges).p_value < 1e-100


def test_bad_maps_and_shapes_are_clear_errors():
    with pytest.raises(ValueError, match="b > 0"):
        SinhMap(b=0.0)
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        log_abs_det_jacobian(SKEWED.inverse, torch.zeros(5))
    with pytest.raises(ValueError, match="increasing"):
        histogram_check(np.zeros(3), _pdf_1d(SKEWED), np.array([1.0, 0.0]))


# --- Markov chains -----------------------------------------------------------


def test_mixture_cdf_matches_quadrature_of_the_pdf():
    target = GaussianMixture.two_modes(separation=4.0, weight=0.3)
    for x in [-3.0, 0.0, 1.5]:
        mass_below, _ = integrate.quad(target.pdf, -np.inf, x)
        assert density_cdf(target, x) == pytest.approx(mass_below, abs=1e-9)
    assert density_cdf(Gaussian(1.0, 2.0), 1.0) == pytest.approx(0.5)


def test_ks_distance_matches_scipy():
    path = np.random.default_rng(0).normal(size=(4, 50))
    expected = [stats.kstest(row, "norm").statistic for row in path]
    np.testing.assert_allclose(
        ks_distance_per_step(path, stats.norm.cdf), expected, rtol=1e-12
    )


def test_chain_on_close_modes_samples_the_target():
    """Separation 2: after 500 steps of burn-in, 100 chains × 2,500 steps are
    within KS 0.02 of the target."""
    target = GaussianMixture.two_modes(separation=2.0)
    run = random_walk_metropolis(
        target.log_prob, x0=-1.0, steps=3_000, step_size=1.0, chains=100, rng=0
    )
    pooled = run.path[501:].ravel()
    ks = stats.kstest(pooled, partial(density_cdf, target)).statistic
    assert ks < 0.02
    assert 0.45 < fraction_in_starting_mode(run.path[501:]) < 0.55
    assert 0.5 < run.acceptance_rate < 0.95


def test_chain_sticks_in_its_starting_mode_when_modes_are_far_apart():
    """Separation 10: 50 chains started in the left mode spend more than 99%
    of 2,000 steps there."""
    target = GaussianMixture.two_modes(separation=10.0)
    run = random_walk_metropolis(
        target.log_prob, x0=-5.0, steps=2_000, step_size=1.0, chains=50, rng=0
    )
    assert fraction_in_starting_mode(run.path) > 0.99
    ks = ks_distance_per_step(run.path, partial(density_cdf, target))
    assert ks[-1] > 0.45  # half of the target's mass is never visited


def test_steps_to_mix_grow_with_the_separation():
    critical = ks_critical_value(200)
    needed = []
    for separation in (2.0, 4.0, 6.0):
        target = GaussianMixture.two_modes(separation)
        run = random_walk_metropolis(
            target.log_prob, -separation / 2, 1_000, 1.0, chains=200, rng=1
        )
        ks = ks_distance_per_step(run.path, partial(density_cdf, target))
        needed.append(steps_to_mix(ks, critical))
    assert None not in needed
    assert needed[0] < needed[1] < needed[2]
    assert steps_to_mix(np.array([0.5, 0.4]), 0.1) is None


def test_valley_to_mode_density_ratio_is_about_2_exp_minus_s_squared_over_8():
    """The text's claim: p(0)/p(s/2) = 2 e^{−s²/8} / (1 + e^{−s²/2}), which
    tends to 2 e^{−s²/8}."""
    for separation in (4.0, 6.0, 8.0, 10.0):
        target = GaussianMixture.two_modes(separation)
        ratio = target.pdf(0.0) / target.pdf(separation / 2)
        limit = 2 * math.exp(-(separation**2) / 8)
        exact = limit / (1 + math.exp(-(separation**2) / 2))
        assert ratio == pytest.approx(exact, rel=1e-12)
        assert ratio == pytest.approx(limit, rel=1e-3)


def test_steps_to_mix_grow_exponentially_in_s_squared_over_8():
    """The lab's right panel: log(steps to mix) against s²/8 for s = 4..7 has
    a slope above 0.5."""
    separations = np.array([4.0, 5.0, 6.0, 7.0])
    needed = []
    for separation in separations:
        target = GaussianMixture.two_modes(separation)
        run = random_walk_metropolis(
            target.log_prob, -separation / 2, 2_000, 1.0, chains=100, rng=1
        )
        ks = ks_distance_per_step(run.path, partial(density_cdf, target))
        needed.append(steps_to_mix(ks, ks_critical_value(100)))
    assert None not in needed
    slope = np.polyfit(separations**2 / 8, np.log(needed), 1)[0]
    assert 0.5 < slope < 1.2  # measured 0.70 to 0.88 over seeds 0..3


def test_histogram_check_rejects_samples_where_the_density_is_zero():
    def uniform_on_unit_interval(x):
        return ((x >= 0) & (x <= 1)).astype(float)

    edges = np.linspace(0, 1, 11)
    inside = np.random.default_rng(0).random(1_000)
    check = histogram_check(inside, uniform_on_unit_interval, edges)
    assert check.p_value > 1e-3
    # One sample where the density is zero is enough to reject.
    outside = np.append(inside, 2.0)
    check = histogram_check(outside, uniform_on_unit_interval, edges)
    assert check.p_value == 0.0


def test_ks_critical_value_is_the_95th_percentile_of_exact_samples():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(2_000, 200))
    exceed = np.mean(
        ks_distance_per_step(samples, stats.norm.cdf) > ks_critical_value(200)
    )
    # Binomial standard error 0.005.
    assert exceed == pytest.approx(0.05, abs=0.015)


def test_metropolis_bad_input_is_a_clear_error():
    target = GaussianMixture.two_modes(2.0)
    with pytest.raises(ValueError, match="step_size"):
        random_walk_metropolis(target.log_prob, 0.0, steps=10, step_size=0.0)
    with pytest.raises(ValueError, match="steps"):
        random_walk_metropolis(target.log_prob, 0.0, steps=0)
    with pytest.raises(ValueError, match="finite"):
        random_walk_metropolis(
            lambda x: np.where(x > 0, 0.0, -np.inf), -1.0, steps=5
        )
    run = random_walk_metropolis(target.log_prob, 0.0, steps=5)
    assert math.isfinite(run.acceptance_rate)
