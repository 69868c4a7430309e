"""Claims in the book's prose that a number or a short computation can check.

The chapter pages quote the stored notebook runs through ``{glue:text}``
roles; a claim such as "more than {glue:text}`...::gap:.1f`" must stay true
after the value is rounded for print, so each such comparison is checked
against the stored (unrounded) value. Claims of exercise solutions that a
short computation settles are checked here too.
"""

from __future__ import annotations

import ast
import copy
import functools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from gan_lib.experiments import gan1d
from gan_lib.theory.densities import Gaussian
from gan_lib.theory.game import optimal_discriminator
from gan_lib.theory.likelihood import fit_gaussian_by_gradient_ascent

BOOK = Path(__file__).resolve().parents[1] / "book"
PAGES = sorted(BOOK.glob("*.md"))

# {glue:text}`../notebooks/NN_topic.ipynb::key:format`
GLUE = re.compile(
    r"\{glue:text\}`(?P<path>[^`]+?\.ipynb)::(?P<key>\w+):(?P<spec>[^`]*)`"
)
# A comparison that puts a lower bound on the quoted value: the printed
# number must not be rounded up above the stored one.
LOWER = (
    "more than",
    "greater than",
    "larger than",
    "higher than",
    "at least",
    "over",
    "above",
    "exceeds",
    "exceeding",
)
# An upper bound: the printed number must not be rounded down below it.
UPPER = (
    "less than",
    "fewer than",
    "smaller than",
    "lower than",
    "at most",
    "up to",
    "under",
    "below",
    "within",
)
# The same bounds written after the number ("12 or more").
LOWER_AFTER = ("or more", "or above", "or higher", "or greater")
UPPER_AFTER = ("or less", "or fewer", "or below", "or lower")
# "over" and "under" also mean "across" and "subject to": these uses are not
# comparisons.
NOT_A_COMPARISON = re.compile(
    r"\b(averaged|average|mean|means|sum|summed|integrated|integral|taken|"
    r"runs?|iterat\w*|steps?|trained|fitted|distributed|spread|fraction|"
    r"share|ran|expectation|max|min|maximum|minimum)\s+(over|under)$",
)
# Hedged or approximate words between the comparison and the number: the
# sentence does not claim a strict bound.
HEDGES = ("about", "around", "roughly", "approximately", "nearly", "almost")
# "no bin is off by more than X", "never differ by more than X": the clause
# bounds the value from the other side.
NEGATIONS = ("no", "not", "never", "neither", "nor", "none", "without")
# At most this many words between the comparison and the number ("by more
# than the X", "within a factor X"); more, and the comparison is likely about
# something else ("more than its control in X of the trials").
GAP_WORDS = 2
# How far back in its clause a negation still turns the comparison round.
NEGATION_WORDS = 12
FLIP = {"lower": "upper", "upper": "lower"}


@functools.cache
def glued_values(notebook: Path) -> dict[str, object]:
    """The values a stored notebook glued, by key (from their reprs)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    values: dict[str, object] = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            scrap = output.get("metadata", {}).get("scrapbook")
            if not scrap:
                continue
            data = output.get("data", {})
            prefix = scrap.get("mime_prefix", "")
            text = data.get(prefix + "text/plain", data.get("text/plain"))
            if text is None:
                continue
            if isinstance(text, list):
                text = "".join(text)
            try:
                values[scrap["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[scrap["name"]] = text  # a figure or an object's repr
    return values


def printed_number(printed: str, spec: str) -> float:
    """The number a reader sees, from the text ``format`` produced."""
    cleaned = printed.replace(",", "").strip()
    if spec.endswith("%"):
        return float(cleaned.rstrip("%")) / 100
    return float(cleaned)


def _plain(text: str) -> str:
    """Prose around a role, without markup that stands for no word."""
    # "$\mu_g = {}$" or "$m = $" label the number that follows: drop them
    text = re.sub(r"\$[^$]*=\s*(\{\})?\s*\$", " ", text)
    return re.sub(r"[*_`]", "", text)


def _bound_before(before: str) -> str | None:
    """The bound a comparison just before a number puts on it, if any."""
    # the clause the number sits in; "(" opens a clause of its own
    clause = re.split(r"[.;:!?]\s|\(", before)[-1].lower()
    # the comparison must govern this number: no other number, role or
    # comma between them
    gap = re.split(r",|\d|\{glue", clause)[-1]
    best = None
    for phrase, kind in [(p, "lower") for p in LOWER] + [
        (p, "upper") for p in UPPER
    ]:
        for hit in re.finditer(rf"\b{phrase}\b", gap):
            tail = gap[hit.end() :].split()
            if len(tail) > GAP_WORDS or any(w in HEDGES for w in tail):
                continue
            if NOT_A_COMPARISON.search(gap[: hit.end()]):
                continue
            if best is None or hit.start() > best[0]:
                best = (hit.start(), kind)
    if best is None:
        return None
    start = len(clause) - len(gap) + best[0]
    head = re.findall(r"[a-z]+", clause[:start])[-NEGATION_WORDS:]
    negated = any(word in NEGATIONS for word in head)
    return FLIP[best[1]] if negated else best[1]


def _bound_after(after: str) -> str | None:
    """The bound a phrase just after a number puts on it ("12 or more")."""
    for phrase, kind in [(p, "lower") for p in LOWER_AFTER] + [
        (p, "upper") for p in UPPER_AFTER
    ]:
        if re.match(rf"\S*\s*(\S+\s+)?{phrase}\b", after):
            return kind
    return None


def comparisons(
    pages: list[Path] | None = None,
) -> list[tuple[str, str, str, str, float, str]]:
    """(page, key, spec, printed, stored, bound) for every compared value.

    ``bound`` is "lower" when the prose says the value is at least the
    printed number, "upper" when it says it is at most the printed number.
    """
    found = []
    for page in PAGES if pages is None else pages:
        text = " ".join(page.read_text(encoding="utf-8").split())
        for match in GLUE.finditer(text):
            after = " ".join(_plain(text[match.end() :]).split()[:4])
            bound = _bound_before(_plain(text[: match.start()]))
            bound = bound or _bound_after(after.lower())
            if bound is None:
                continue
            notebook = (page.parent / match["path"]).resolve()
            values = glued_values(notebook)
            key, spec = match["key"], match["spec"]
            assert key in values, (
                f"{page.name}: {key!r} is not glued in {notebook.name}; "
                "re-run the notebook or fix the key"
            )
            stored = values[key]
            if isinstance(stored, bool) or not isinstance(
                stored, (int, float)
            ):
                continue
            printed = format(stored, spec)
            found.append((page.name, key, spec, printed, stored, bound))
    return found


def test_comparison_finder_sees_the_usual_phrasings(tmp_path):
    """The finder reads "more than X", "below X", "X or more", "within X"
    and a negated "no ... more than X"; not "over" as in "averaged over",
    nor a comparison about something else."""
    notebook = tmp_path / "nb.ipynb"
    scraps = {
        "gap": 8.1697,
        "low": 0.0421,
        "n": 12,
        "t": 0.3,
        "z": 2.2616,
        "err": 3.8199e-10,
        "share": 0.89,
    }
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "outputs": [
                            {
                                "output_type": "display_data",
                                "data": {
                                    "application/papermill.record/"
                                    "text/plain": repr(value)
                                },
                                "metadata": {
                                    "scrapbook": {
                                        "name": name,
                                        "mime_prefix": "application/"
                                        "papermill.record/",
                                    }
                                },
                            }
                            for name, value in scraps.items()
                        ],
                    }
                ]
            }
        )
    )
    page = tmp_path / "page.md"
    role = "{glue:text}`nb.ipynb::%s:%s`"
    page.write_text(
        f"It is off by more than {role % ('gap', '.1f')} nats. "
        f"The error stays below {role % ('low', '.2f')}. "
        f"We need {role % ('n', 'd')} or more steps. "
        f"The loss averaged over {role % ('t', '.0f')} of the run. "
        f"And no bin is off by more than {role % ('z', '.2f')} errors. "
        f"Both agree to within {role % ('err', '.1e')} in both. "
        f"It leans more than its control in {role % ('share', '.2f')} of "
        "the trials.\n"
    )
    found = {
        key: (printed, bound)
        for _, key, _, printed, _, bound in comparisons([page])
    }
    assert found == {
        "gap": ("8.2", "lower"),
        "low": ("0.04", "upper"),
        "n": ("12", "lower"),
        "z": ("2.26", "upper"),  # "no ... more than": an upper bound
        "err": ("3.8e-10", "upper"),
    }


def test_rounded_glue_keeps_comparisons_true():
    """A rounded glued number after "more than", "below" ... stays true.

    "more than X" needs the printed X at or below the stored value, "less
    than X" at or above it; rounding the other way makes the sentence false
    as printed (8.1697 shown as "more than 8.2").
    """
    found = comparisons()
    assert found, "no comparison found: has the glue syntax changed?"
    wrong = []
    for page, key, spec, printed, stored, bound in found:
        shown = printed_number(printed, spec)
        holds = shown <= stored if bound == "lower" else shown >= stored
        if not holds and not math.isclose(shown, stored, rel_tol=1e-12):
            side = "at least" if bound == "lower" else "at most"
            wrong.append(
                f"{page}: {key} = {stored!r} is printed as {printed} "
                f"({spec}) after a word that says it is {side} that; round "
                f"{'down' if bound == 'lower' else 'up'} or reword"
            )
    assert not wrong, "\n".join(wrong)


def test_gradient_ascent_step_bound_is_two_sigma_squared():
    """Chapter 1, ex-ml-lr: the ascent on μ is stable for lr < 2σ², not σ².

    The μ error is multiplied by 1 − lr/σ̂² each step near the optimum.
    Started there (σ = σ̂, μ off by 0.01), a step just below 2σ̂² converges
    and one just above does not.
    """
    x = Gaussian(0.0, 0.05).sample(1000, rng=0)
    mean, var = float(np.mean(x)), float(np.var(x))
    start = (mean + 0.01, math.sqrt(var))
    fit = fit_gaussian_by_gradient_ascent(
        x, lr=1.95 * var, max_steps=5_000, init=start
    )
    assert fit.mean == pytest.approx(mean, abs=1e-9)
    with pytest.raises((RuntimeError, FloatingPointError)):
        fit_gaussian_by_gradient_ascent(
            x, lr=2.05 * var, max_steps=5_000, init=start
        )
    # the solution's own example: lr = 0.004 (above σ² = 0.0025) converges
    assert fit_gaussian_by_gradient_ascent(x, lr=0.004).steps < 20_000


def test_adam_contrast_minimax_overtakes_non_saturating():
    """Chapter 4, ex-game-adam: with Adam the minimax generator overtakes.

    The lab's contrast with ``optimizer="adam", lr=1e-3`` (D pre-trained with
    the same optimiser): the first steps are the same for both costs, then
    mean D(G(z)) rises faster with the minimax cost and reaches 1.
    """
    setup = gan1d.Setup().with_(
        optimizer="adam",
        lr=1e-3,
        d_steps=1,
        iterations=20,
        snapshot_at=(0, 20),
    )
    start = gan1d.confident_discriminator(setup, steps=1_000)
    d_fake = {}
    for cost in ("minimax", "non_saturating"):
        trainer = gan1d.make_trainer(
            setup.with_(generator_cost=cost),
            copy.deepcopy(start.generator),
            copy.deepcopy(start.discriminator),
        )
        history = trainer.train(setup.iterations, progress=False)
        d_fake[cost] = dict(
            zip(history["iteration"], history["d_fake_after"], strict=True)
        )
    assert d_fake["minimax"][1] < 1e-3  # a confident D at the start
    assert d_fake["minimax"][1] == pytest.approx(
        d_fake["non_saturating"][1], rel=0.05
    )
    for at in (10, 20):
        assert d_fake["minimax"][at] > d_fake["non_saturating"][at]
    assert d_fake["minimax"][20] > 0.99 > d_fake["non_saturating"][20]


def test_closer_generator_weights_and_shares():
    """Chapter 7, ex-costs-closer-generator, by quadrature.

    For p_data = N(0, 1), p_g = N(δ, 1) and D = D*: at δ = 1 the
    non-saturating weights 1 − D* have median σ(1/2) ≈ 0.62 and mean ≈ 0.60
    (not close to 1), and its top shares change least between δ = 3 and 1.
    """
    p_data = Gaussian(0.0, 1.0)

    def shares(delta: float) -> dict[str, tuple[float, float]]:
        p_g = Gaussian(delta, 1.0)
        z = np.linspace(-12.0, 12.0, 200_001)
        mass = norm.pdf(z)
        d_star = optimal_discriminator(p_data, p_g, delta + z)
        # every weight is monotone in z, so "the top q" is a tail in z
        weights = {"minimax": d_star, "non_saturating": 1.0 - d_star}
        out = {}
        for name, w in weights.items():
            order = np.argsort(-w, kind="stable")
            q = np.cumsum(mass[order]) / mass.sum()
            carried = np.cumsum((w * mass)[order]) / (w @ mass)
            out[name] = tuple(
                float(np.interp(f, q, carried)) for f in (0.01, 0.1)
            )
        return out

    p_g = Gaussian(1.0, 1.0)
    median = 1.0 - optimal_discriminator(p_data, p_g, np.array([1.0]))[0]
    assert median == pytest.approx(1 / (1 + math.exp(-0.5)), rel=1e-12)
    assert round(median, 2) == 0.62
    z = np.linspace(-12.0, 12.0, 200_001)
    w = 1.0 - optimal_discriminator(p_data, p_g, 1.0 + z)
    mean = float(np.trapezoid(w * norm.pdf(z), z))
    assert round(mean, 2) == 0.60
    near, far = shares(1.0), shares(3.0)
    printed = {  # as the solution prints them, to three decimals
        ("non_saturating", 1.0): (0.016, 0.149),
        ("non_saturating", 3.0): (0.011, 0.111),
        ("minimax", 1.0): (0.022, 0.194),
        ("minimax", 3.0): (0.097, 0.640),
    }
    for (name, delta), values in printed.items():
        measured = (near if delta == 1.0 else far)[name]
        assert tuple(round(v, 3) for v in measured) == values, (
            name,
            delta,
            measured,
        )
    # the non-saturating top 1% can carry at most q / mean weight
    assert near["non_saturating"][0] <= 0.01 / mean
