"""Multilayer perceptrons for the toy chapters, as in the 2014 paper.

Networks return what the book's notation says: a generator maps z to x, a
discriminator maps x to a *logit* a = σ⁻¹(D(x)), shaped (batch,), never a
probability.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["mlp_layers", "MLPGenerator", "MLPDiscriminator"]


def mlp_layers(
    in_features: int,
    out_features: int,
    hidden: int = 64,
    depth: int = 2,
    activation: type[nn.Module] = nn.ReLU,
) -> nn.Sequential:
    """``depth`` hidden layers of width ``hidden``, then a linear output layer.

    Each hidden layer is a ``Linear`` followed by ``activation()``.
    """
    if depth < 1 or hidden < 1:
        raise ValueError(
            "an MLP needs depth >= 1 and hidden >= 1, "
            f"got depth={depth}, hidden={hidden}"
        )
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), activation()]
        width = hidden
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """G(z; θ_G): an MLP from latent_dim to data_dim."""

    def __init__(
        self,
        latent_dim: int = 1,
        data_dim: int = 1,
        hidden: int = 64,
        depth: int = 2,
    ) -> None:
        super().__init__()
        self.latent_dim, self.data_dim = latent_dim, data_dim
        self.net = mlp_layers(latent_dim, data_dim, hidden, depth)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                "the generator expects z of shape "
                f"(batch, {self.latent_dim}), got {tuple(z.shape)}"
            )
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """D(x; θ_D) as a logit: an MLP from data_dim to one number per example.

    Its hidden layers use LeakyReLU(0.2), as DCGAN's D does.
    """

    def __init__(
        self, data_dim: int = 1, hidden: int = 64, depth: int = 2
    ) -> None:
        super().__init__()
        self.data_dim = data_dim
        self.net = mlp_layers(
            data_dim, 1, hidden, depth, activation=lambda: nn.LeakyReLU(0.2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.data_dim:
            raise ValueError(
                "the discriminator expects x of shape "
                f"(batch, {self.data_dim}), got {tuple(x.shape)}"
            )
        return self.net(x).squeeze(1)
