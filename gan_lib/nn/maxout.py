"""Maxout units (Goodfellow et al. 2013), the 2014 GAN's MNIST discriminator.

A maxout layer with ``units`` outputs and ``pieces`` linear pieces per unit
computes, for an input x ∈ R^d,

.. math::
    h_i(x) = \\max_{j = 1, \\dots, k} (x^\\top W_{\\cdot ij} + b_{ij}),
    \\quad i = 1, \\dots, \\text{units},\\ k = \\text{pieces},

a convex, piecewise-linear activation learned per unit. It holds
(d + 1) · units · pieces parameters: one linear map of width
units × pieces. Piece j of unit i is output ``i * pieces + j`` of that map
(consecutive pieces per unit, as pylearn2's ``Maxout`` pools them).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Maxout"]


class Maxout(nn.Module):
    """h(x) = max over ``pieces`` linear maps of x, for each of ``units``.

    Args:
        in_features: d, the size of each input.
        units: how many maxout units (outputs).
        pieces: k, the linear pieces each unit takes the maximum of.

    Returns (from ``forward``): a tensor of shape (..., units).
    """

    def __init__(self, in_features: int, units: int, pieces: int) -> None:
        super().__init__()
        for name, value in (
            ("in_features", in_features),
            ("units", units),
            ("pieces", pieces),
        ):
            # bool is an int to Python, but Maxout(784, True, 5) is a bug
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(
                    f"Maxout's {name} must be an int, got "
                    f"{type(value).__name__} {value!r}"
                )
            if value < 1:
                raise ValueError(
                    f"Maxout's {name} must be >= 1, got {value} "
                    "(pieces=1 is a plain linear layer)"
                )
        self.in_features, self.units, self.pieces = in_features, units, pieces
        # all pieces of all units in one matrix product
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"Maxout expects inputs of size {self.in_features} in the "
                f"last dimension, got shape {tuple(x.shape)}"
            )
        # (..., units · pieces) → (..., units, pieces): unit i's pieces are
        # the consecutive outputs i·k … i·k + k − 1
        pieces = self.linear(x).unflatten(-1, (self.units, self.pieces))
        return pieces.amax(dim=-1)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, units={self.units}, "
            f"pieces={self.pieces}"
        )
