"""Seed-level verdicts: is the difference between two settings real?

A training run's result (a distance, a mode count) varies with its seed.
To say that setting B changes the result against setting A, the book trains
each over several seeds and applies Welch's t-test: with sample means
x̄_A, x̄_B, sample variances s_A², s_B² and seed counts n_A, n_B,

.. math::
    t = \\frac{\\bar x_B - \\bar x_A}{\\sqrt{s_A^2/n_A + s_B^2/n_B}},
    \\qquad
    \\nu = \\frac{(s_A^2/n_A + s_B^2/n_B)^2}
               {\\frac{(s_A^2/n_A)^2}{n_A - 1}
                + \\frac{(s_B^2/n_B)^2}{n_B - 1}},

and the two-sided p-value of t under Student's t with ν degrees of freedom.
A difference is declared when p < α. Under no effect (the same mean) and
Gaussian seed noise this fires with probability about α whatever the two
variances are; :func:`false_positive_rate` measures the rate by
simulation, so the pages state it rather than assume it.

"Within noise" is a claim of its own and needs a margin δ fixed before the
run: the two one-sided tests (TOST) reject both H₀: x̄_B − x̄_A ≤ −δ and
H₀: x̄_B − x̄_A ≥ δ at level α. Without a margin, a test that finds nothing
says "no detectable difference", which is weaker than "the same".

With fewer than ``min_seeds`` seeds in an arm there is no verdict at all:
"not enough seeds to tell".

When the two arms are measured on the same units — the same endpoints, the
same label draws, the same seeds feeding both settings — the results are
paired, and Welch's test (which assumes independent arms) wastes the pairing.
:func:`compare_paired` tests the mean of the differences d_i = b_i − a_i
with the one-sample t statistic

.. math::
    t = \\frac{\\bar d}{s_d / \\sqrt{n}}, \\qquad \\nu = n - 1 .
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "OUTCOMES",
    "MIN_SEEDS",
    "Verdict",
    "compare_seeds",
    "compare_paired",
    "false_positive_rate",
    "paired_false_positive_rate",
]

LOWER, HIGHER = "lower", "higher"
WITHIN = "within margin"
UNDETECTED = "no detectable difference"
TOO_FEW = "not enough seeds to tell"
OUTCOMES = (LOWER, HIGHER, WITHIN, UNDETECTED, TOO_FEW)
# Welch's test needs a variance per arm; 4 seeds is the book's floor.
MIN_SEEDS = 4


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing arm B with arm A over seeds.

    ``difference`` is mean(B) − mean(A); ``p_value`` is Welch's two-sided
    p (NaN without enough seeds).
    """

    outcome: str
    difference: float
    standard_error: float
    p_value: float
    n_a: int
    n_b: int
    alpha: float
    margin: float | None
    test: str = "Welch"  # or "paired t"
    # TOST's p-value (the larger one-sided p) when a margin was given
    equivalence_p: float = math.nan

    @property
    def is_difference(self) -> bool:
        return self.outcome in (LOWER, HIGHER)

    def __str__(self) -> str:
        counts = (
            f"{self.n_a} pairs"
            if self.test == "paired t"
            else f"{self.n_a} vs {self.n_b} seeds"
        )
        if self.outcome == TOO_FEW:
            return f"{TOO_FEW} ({counts}; at least {MIN_SEEDS} per arm)"
        return (
            f"{self.outcome}: difference {self.difference:+.4g} "
            f"± {self.standard_error:.2g} (s.e.), {self.test} p = "
            f"{self.p_value:.3g}, α = {self.alpha:g}, {counts}"
        )


def compare_seeds(
    a: Sequence[float],
    b: Sequence[float],
    *,
    alpha: float = 0.05,
    margin: float | None = None,
    min_seeds: int = MIN_SEEDS,
) -> Verdict:
    """Compare arm B's per-seed results with arm A's (Welch's t, TOST).

    Returns a :class:`Verdict` whose outcome is "lower" or "higher" (B
    against A, Welch p < α), "within margin" (no difference found and the
    TOST equivalence test passes for ``margin``), "no detectable
    difference", or "not enough seeds to tell".
    """
    a, b = _as_results("a", a), _as_results("b", b)
    _check_settings(alpha, margin, min_seeds)
    difference = float(b.mean() - a.mean())
    if min(len(a), len(b)) < min_seeds:
        return Verdict(
            TOO_FEW, difference, math.nan, math.nan, len(a), len(b), alpha,
            margin,
        )  # fmt: skip
    p_value, standard_error, df = _welch(a, b)
    return _verdict(difference, standard_error, p_value, df, len(a), len(b),
                    alpha, margin)  # fmt: skip


def _verdict(
    difference: float,
    standard_error: float,
    p_value: float,
    df: float,
    n_a: int,
    n_b: int,
    alpha: float,
    margin: float | None,
    test: str = "Welch",
) -> Verdict:
    """The outcome from a test's p-value, and TOST for the margin."""
    equivalence_p = (
        _tost_p(difference, standard_error, df, margin)
        if margin is not None
        else math.nan
    )
    if p_value < alpha:
        outcome = LOWER if difference < 0 else HIGHER
    elif margin is not None and _tost(
        difference, standard_error, df, margin, alpha
    ):
        outcome = WITHIN
    else:
        outcome = UNDETECTED
    return Verdict(
        outcome, difference, standard_error, p_value, n_a, n_b, alpha, margin,
        test, equivalence_p,
    )  # fmt: skip


def _tost_p(
    difference: float, standard_error: float, df: float, margin: float
) -> float:
    """TOST's p: the larger of the two one-sided tests' p-values.

    H₀: difference ≤ −δ is rejected for large (difference + δ)/se, and
    H₀: difference ≥ δ for small (difference − δ)/se.
    """
    if standard_error == 0:
        return 0.0 if abs(difference) < margin else 1.0
    lower = stats.t.sf((difference + margin) / standard_error, df)
    upper = stats.t.cdf((difference - margin) / standard_error, df)
    return float(max(lower, upper))


def _check_settings(
    alpha: float, margin: float | None, min_seeds: int
) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if margin is not None and not margin > 0:
        raise ValueError(f"margin must be positive, got {margin!r}")
    if min_seeds < 2:
        raise ValueError(f"min_seeds must be at least 2, got {min_seeds!r}")


def compare_paired(
    a: Sequence[float],
    b: Sequence[float],
    *,
    alpha: float = 0.05,
    margin: float | None = None,
    min_pairs: int = MIN_SEEDS,
) -> Verdict:
    """Compare paired results: b_i and a_i measured on the same unit i.

    The one-sample t-test on d_i = b_i − a_i (two-sided, ν = n − 1), and
    TOST on the same statistic for ``margin``; the outcomes are those of
    :func:`compare_seeds`, with n_a = n_b = the number of pairs.
    """
    a, b = _as_results("a", a), _as_results("b", b)
    if len(a) != len(b):
        raise ValueError(
            f"paired results need as many a as b, got {len(a)} and {len(b)}"
        )
    _check_settings(alpha, margin, min_pairs)
    d = b - a
    n, difference = len(d), float(d.mean())
    if n < min_pairs:
        return Verdict(
            TOO_FEW, difference, math.nan, math.nan, n, n, alpha, margin,
            "paired t",
        )  # fmt: skip
    standard_error = float(d.std(ddof=1) / math.sqrt(n))
    df = float(n - 1)
    if standard_error == 0:
        p_value = 1.0 if difference == 0 else 0.0
    else:
        p_value = float(stats.ttest_1samp(d, 0.0).pvalue)
    return _verdict(difference, standard_error, p_value, df, n, n, alpha,
                    margin, "paired t")  # fmt: skip


def paired_false_positive_rate(
    n: int,
    *,
    correlation: float = 0.0,
    alpha: float = 0.05,
    trials: int = 20_000,
    seed: int = 0,
) -> float:
    """How often :func:`compare_paired` declares a difference under none.

    Pairs (a_i, b_i) are standard normal with the given ``correlation``
    and equal means; the paired test's rate does not depend on it (the
    differences are normal either way), which the tests check.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2 pairs, got {n}")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((trials, n))
    b = correlation * a + math.sqrt(1 - correlation**2) * (
        rng.standard_normal((trials, n))
    )
    d = b - a
    t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / math.sqrt(n))
    p_value = 2 * stats.t.sf(np.abs(t), n - 1)
    return float((p_value < alpha).mean())


def false_positive_rate(
    n_a: int,
    n_b: int,
    *,
    alpha: float = 0.05,
    margin: float | None = None,
    trials: int = 20_000,
    seed: int = 0,
) -> float:
    """How often :func:`compare_seeds` misleads, measured by simulation.

    Without a margin: the fraction of trials that declare a difference
    when both arms are N(0, 1) (no effect). With a margin δ: the fraction
    that declare "within margin" when the true difference is exactly δ (the
    closest a real effect comes to the claim). The arms' standard deviation
    is 1 here, so δ is in units of the per-seed standard deviation: pass
    margin / σ for a metric whose seeds spread by σ (the rate depends on
    that ratio, and a margin in the metric's own units would mean nothing).
    Vectorised over ``trials``.
    """
    if min(n_a, n_b) < 2:
        raise ValueError(
            "each arm needs at least 2 seeds for a variance, got "
            f"n_a={n_a}, n_b={n_b}"
        )
    rng = np.random.default_rng(seed)
    shift = 0.0 if margin is None else margin
    a = rng.standard_normal((trials, n_a))
    b = rng.standard_normal((trials, n_b)) + shift
    difference = b.mean(axis=1) - a.mean(axis=1)
    var_a = a.var(axis=1, ddof=1) / n_a
    var_b = b.var(axis=1, ddof=1) / n_b
    standard_error = np.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    p_value = 2 * stats.t.sf(np.abs(difference / standard_error), df)
    different = p_value < alpha
    if margin is None:
        return float(different.mean())
    equivalent = _tost(difference, standard_error, df, margin, alpha)
    return float((~different & equivalent).mean())


def _welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(two-sided p, standard error of the difference, Welch's ν)."""
    var_a, var_b = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    standard_error = math.sqrt(var_a + var_b)
    if standard_error == 0:
        # Identical seeds in both arms: no spread, so no test is possible;
        # equal means are no evidence of a difference.
        same = a.mean() == b.mean()
        return (1.0 if same else 0.0), 0.0, math.inf
    result = stats.ttest_ind(b, a, equal_var=False)
    df = (var_a + var_b) ** 2 / (
        var_a**2 / (len(a) - 1) + var_b**2 / (len(b) - 1)
    )
    return float(result.pvalue), standard_error, float(df)


def _tost(difference, standard_error, df, margin: float, alpha: float):
    """True where both one-sided tests reject at level α.

    (difference + δ)/se above, and (difference − δ)/se below, Student's t
    quantile of 1 − α; works elementwise on arrays.
    """
    # Arrays, so that a zero standard error gives ±inf, not an exception
    # (identical seeds: then the difference itself decides).
    difference = np.asarray(difference, dtype=np.float64)
    standard_error = np.asarray(standard_error, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = (difference + margin) / standard_error
        upper = (difference - margin) / standard_error
    quantile = stats.t.ppf(1 - alpha, df)
    return (lower > quantile) & (upper < -quantile)


def _as_results(name: str, values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} holds a non-finite result ({array.tolist()}); a run "
            "that diverged needs its own verdict, not a mean"
        )
    return array
