"""Gradient play on the bilinear game V(x, y) = x·y.

An equilibrium is not a minimum. Player x minimises V, player y maximises
it. The only Nash equilibrium is (0, 0): there V(x, 0) = V(0, y) = 0, so
neither player gains by moving alone. It is a saddle point of V, not a
minimum of anything, and following gradients does not find it:

- simultaneous steps (both players move from the same point),
  x ← x − η y, y ← y + η x, multiply the distance to the equilibrium by
  exactly √(1 + η²) each step: the iterates spiral out;
- alternating steps (y answers the x that has just moved),
  x ← x − η y, y ← y + η x_new, keep Q(x, y) = x² − η x y + y² fixed: for
  η < 2 the iterates circle the equilibrium forever.

A GAN's players follow the same kind of dynamics on V(G, D) (Chapter 4).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "bilinear_value",
    "gradient_play",
    "simultaneous_radius",
    "alternating_invariant",
]


def bilinear_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """V(x, y) = x · y."""
    return np.asarray(x) * np.asarray(y)


def gradient_play(
    start: tuple[float, float],
    lr: float,
    steps: int,
    alternating: bool = False,
) -> np.ndarray:
    """The path of descent for x and ascent for y on V = x·y.

    An array of shape (steps + 1, 2). ∂V/∂x = y and ∂V/∂y = x; with
    ``alternating`` y's step uses the x that has just moved.
    """
    if lr <= 0 or steps < 0:
        raise ValueError(
            f"need lr > 0 and steps >= 0, got lr={lr}, steps={steps}"
        )
    path = np.empty((steps + 1, 2))
    path[0] = start
    x, y = map(float, start)
    for t in range(1, steps + 1):
        x_new = x - lr * y
        y = y + lr * (x_new if alternating else x)
        x = x_new
        path[t] = x, y
    return path


def simultaneous_radius(
    start: tuple[float, float], lr: float, t: np.ndarray | int
) -> np.ndarray:
    """‖(x_t, y_t)‖ = (1 + η²)^(t/2) ‖(x_0, y_0)‖: the spiral's closed form.

    Simultaneous steps multiply the state by a matrix [[1, −η], [η, 1]],
    which is √(1 + η²) times a rotation.
    """
    return np.hypot(*start) * (1 + lr**2) ** (np.asarray(t) / 2)


def alternating_invariant(
    x: np.ndarray, y: np.ndarray, lr: float
) -> np.ndarray:
    """Q(x, y) = x² − η x y + y², conserved by alternating steps."""
    x, y = np.asarray(x), np.asarray(y)
    return x**2 - lr * x * y + y**2
