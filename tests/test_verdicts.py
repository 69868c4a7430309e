"""Seed-level verdicts: Welch's t against scipy, equivalence by TOST, and
the false-positive rates the pages state, measured by simulation (errata:
the old "beyond the seed spread" rules fired on pure noise)."""

import math

import numpy as np
import pytest
from scipy import stats

from gan_lib.evaluation.verdicts import (
    MIN_SEEDS,
    compare_paired,
    compare_seeds,
    false_positive_rate,
    paired_false_positive_rate,
)


def test_welch_matches_scipy_and_names_the_direction():
    a, b = [10.0, 11.0, 9.5, 10.5], [7.0, 8.0, 7.5, 6.5]
    verdict = compare_seeds(a, b)
    expected = stats.ttest_ind(b, a, equal_var=False).pvalue
    assert verdict.p_value == pytest.approx(expected, rel=1e-12)
    assert verdict.outcome == "lower" and verdict.is_difference
    assert verdict.difference == pytest.approx(np.mean(b) - np.mean(a))
    se = math.sqrt(np.var(a, ddof=1) / 4 + np.var(b, ddof=1) / 4)
    assert verdict.standard_error == pytest.approx(se)
    assert compare_seeds(b, a).outcome == "higher"


def test_too_few_seeds_gives_no_verdict():
    verdict = compare_seeds([1.0, 2.0, 3.0], [10.0, 11.0, 12.0, 13.0])
    assert verdict.outcome == "not enough seeds to tell"
    assert not verdict.is_difference and math.isnan(verdict.p_value)
    assert str(MIN_SEEDS) in str(verdict)


def test_equivalence_needs_a_margin_and_a_tight_enough_estimate():
    a = [100.0, 102.0, 98.0, 101.0, 99.0]
    b = [100.5, 101.5, 98.5, 100.0, 99.5]
    assert compare_seeds(a, b).outcome == "no detectable difference"
    assert compare_seeds(a, b, margin=5.0).outcome == "within margin"
    # A margin smaller than the uncertainty cannot be claimed.
    assert compare_seeds(a, b, margin=0.5).outcome == (
        "no detectable difference"
    )


@pytest.mark.parametrize("n", [4, 6, 8])
def test_welch_false_positive_rate_is_alpha(n):
    """Under no effect the rule fires at about α = 0.05 (Welch is slightly
    conservative at few seeds): 20,000 trials give ±0.003 (one s.e.)."""
    rate = false_positive_rate(n, n, alpha=0.05, trials=20_000, seed=1)
    assert 0.035 < rate < 0.056


def test_equivalence_false_positive_rate_is_at_most_alpha():
    """ "Within margin" when the true difference is exactly the margin."""
    for n, margin in [(4, 1.0), (8, 1.0), (8, 2.0)]:
        rate = false_positive_rate(n, n, margin=margin, trials=20_000)
        assert rate <= 0.05 + 0.005, (n, margin, rate)


def test_the_old_range_rule_fired_on_noise_almost_half_the_time():
    """The rule the errata replaced: one run against the mean of two
    baseline seeds, an effect when the gap exceeds their range. Under no
    effect the ratio of the two differences is Cauchy, so the rule fires
    with probability 1 − (2/π)·arctan(√(4/3)) ≈ 0.45."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((200_000, 2))
    run = rng.standard_normal(200_000)
    fires = np.abs(run - base.mean(axis=1)) > np.abs(base[:, 0] - base[:, 1])
    closed_form = 1 - (2 / math.pi) * math.atan(math.sqrt(4 / 3))
    assert closed_form == pytest.approx(0.4544, abs=1e-4)
    assert fires.mean() == pytest.approx(closed_form, abs=0.004)


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="non-finite"):
        compare_seeds([1.0, float("nan"), 2.0, 3.0], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="alpha"):
        compare_seeds([1.0] * 4, [2.0] * 4, alpha=1.5)
    with pytest.raises(ValueError, match="margin"):
        compare_seeds([1.0] * 4, [2.0] * 4, margin=-1.0)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        false_positive_rate(3, 1)


def test_identical_seeds_with_a_margin_are_within_it():
    """Zero spread in both arms: no exception, the difference decides."""
    verdict = compare_seeds([1.0] * 4, [1.0] * 4, margin=0.1)
    assert verdict.outcome == "within margin"


def test_paired_matches_scipy_and_sees_what_welch_misses():
    """Paths that share endpoints: a small shift, large shared spread."""
    rng = np.random.default_rng(3)
    shared = rng.normal(0, 1.0, 20)
    a = shared + rng.normal(0, 0.1, 20)
    b = shared + 0.1 + rng.normal(0, 0.1, 20)
    paired = compare_paired(a, b)
    expected = stats.ttest_rel(b, a).pvalue
    assert paired.p_value == pytest.approx(expected, rel=1e-10)
    assert paired.outcome == "higher" and "paired t" in str(paired)
    assert compare_seeds(a, b).outcome == "no detectable difference"
    with pytest.raises(ValueError, match="as many"):
        compare_paired(a, b[:-1])


@pytest.mark.parametrize("correlation", [0.0, 0.87])
def test_paired_false_positive_rate_is_alpha_whatever_the_correlation(
    correlation,
):
    rate = paired_false_positive_rate(20, correlation=correlation, seed=2)
    assert 0.044 < rate < 0.056


def test_equivalence_p_is_the_larger_one_sided_p():
    a = [100.0, 102.0, 98.0, 101.0, 99.0]
    b = [100.5, 101.5, 98.5, 100.0, 99.5]
    verdict = compare_seeds(a, b, margin=5.0)
    va, vb = np.var(a, ddof=1) / 5, np.var(b, ddof=1) / 5
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 4 + vb**2 / 4)
    d = np.mean(b) - np.mean(a)
    by_hand = max(
        stats.t.sf((d + 5.0) / se, df), stats.t.cdf((d - 5.0) / se, df)
    )
    assert verdict.equivalence_p == pytest.approx(by_hand, rel=1e-10)
    assert verdict.equivalence_p < 0.05 and verdict.outcome == "within margin"
    assert math.isnan(compare_seeds(a, b).equivalence_p)
