"""The latent prior p_z: the noise every generator in the book reads.

The 2014 paper draws z uniformly; DCGAN and most later work draw it from a
standard normal. Both are offered by name, so a run's configuration records
which one it used.
"""

from __future__ import annotations

import torch

__all__ = ["NOISE_PRIORS", "draw_noise"]

NOISE_PRIORS = ("normal", "uniform")


def draw_noise(
    shape: tuple[int, ...], prior: str, generator: torch.Generator
) -> torch.Tensor:
    """z ~ p_z: standard normal, or uniform on [−1, 1].

    Drawn with ``generator``, on its device.
    """
    device = generator.device
    if prior == "normal":
        return torch.randn(shape, generator=generator, device=device)
    return torch.rand(shape, generator=generator, device=device) * 2 - 1
