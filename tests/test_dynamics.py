"""Gradient play on V(x, y) = x·y against its closed forms."""

import numpy as np
import pytest

from gan_lib.theory.dynamics import (
    alternating_invariant,
    bilinear_value,
    gradient_play,
    simultaneous_radius,
)


def test_the_origin_is_a_nash_equilibrium_and_a_saddle():
    moves = np.linspace(-3, 3, 13)
    assert np.all(bilinear_value(moves, 0.0) == 0)
    assert np.all(bilinear_value(0.0, moves) == 0)
    hessian = np.array([[0.0, 1.0], [1.0, 0.0]])  # of V = x·y, everywhere
    assert sorted(np.linalg.eigvalsh(hessian)) == [-1.0, 1.0]


@pytest.mark.parametrize("lr", [0.05, 0.3])
def test_simultaneous_steps_spiral_out_at_the_closed_form_rate(lr):
    path = gradient_play((1.0, 0.5), lr, 200)
    radius = np.hypot(path[:, 0], path[:, 1])
    expected = simultaneous_radius((1.0, 0.5), lr, np.arange(201))
    np.testing.assert_allclose(radius, expected, rtol=1e-12)
    assert radius[-1] > radius[0]


@pytest.mark.parametrize("lr", [0.05, 0.3, 1.5])
def test_alternating_steps_circle_forever(lr):
    path = gradient_play((1.0, 0.5), lr, 2_000, alternating=True)
    invariant = alternating_invariant(path[:, 0], path[:, 1], lr)
    np.testing.assert_allclose(invariant, invariant[0], rtol=1e-9)
    radius = np.hypot(path[:, 0], path[:, 1])
    assert radius[-200:].max() > 0.5 * radius[0], (
        "the iterates do not converge to the equilibrium"
    )
    assert radius.max() < 10 * radius[0], "nor do they run away"


def test_bad_step_size_is_a_clear_error():
    with pytest.raises(ValueError, match="lr > 0"):
        gradient_play((1.0, 0.0), 0.0, 10)
