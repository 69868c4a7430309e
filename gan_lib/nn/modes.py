"""Measuring a model without changing it: eval mode for the duration.

The book measures a generator's samples in eval mode. In train mode batch
norm normalises with the batch's own statistics, so G(z) depends on the
other z of its batch, and every forward pass moves the running averages. In
eval mode batch norm uses the running averages and dropout is off, so the
sample is a function of z alone,

.. math::
    x = G(z; \\theta_G),

and measuring leaves every parameter and buffer as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from torch import nn

__all__ = ["evaluating"]


@contextlib.contextmanager
def evaluating(*models: nn.Module) -> Iterator[None]:
    """Put ``models`` in eval mode in the block; restore each mode after.

    Every submodule gets back its own ``training`` flag (a model may mix
    modes, e.g. a frozen batch norm), also when the block raises.
    """
    saved = [
        (module, module.training)
        for model in models
        for module in model.modules()
    ]
    for model in models:
        model.eval()
    try:
        yield
    finally:
        for module, training in saved:
            # Module.train(mode) would recurse; set the flag of each alone.
            module.training = training
