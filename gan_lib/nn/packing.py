"""Packing (PacGAN, Lin et al. 2018): the discriminator judges m samples at once.

A packed discriminator D_m sees a *pack* (x⁽¹⁾, …, x⁽ᵐ⁾) of m independent samples, all real or all
generated, concatenated into one input of size m·d, and returns one logit per pack:

    D_m(x⁽¹⁾, …, x⁽ᵐ⁾) = D([x⁽¹⁾; …; x⁽ᵐ⁾]).

With packs, a generator that puts too little mass on some modes is easier to catch: m samples from
p_g land on fewer distinct modes than m samples from p_data, and one pack shows that at once.

The wrapper takes an ordinary batch of shape (batch, d) — real data or G(z) for independent z — and
reads consecutive rows as packs, so a trainer that calls ``discriminator(x)`` needs no change; it
only has to draw ``packs · m`` samples per batch (:func:`packed_batch_size`). With m = 1 it is the
plain discriminator.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_lib.nn.mlp import MLPDiscriminator

__all__ = ["packed_batch_size", "PackedDiscriminator"]


def packed_batch_size(packs: int, pack_size: int) -> int:
    """Samples per batch so that the discriminator sees ``packs`` packs of ``pack_size`` samples."""
    if packs < 1 or pack_size < 1:
        raise ValueError(
            f"need packs >= 1 and pack_size >= 1, got packs={packs}, pack_size={pack_size}"
        )
    return packs * pack_size


class PackedDiscriminator(nn.Module):
    """D_m: reads (batch, d) as batch/m packs of m samples and returns one logit per pack, shape (batch/m,).

    ``inner`` must accept inputs of shape (packs, m·d) and return logits of shape (packs,).
    """

    def __init__(
        self, inner: nn.Module, data_dim: int, pack_size: int
    ) -> None:
        super().__init__()
        if pack_size < 1 or data_dim < 1:
            raise ValueError(
                f"need pack_size >= 1 and data_dim >= 1, got pack_size={pack_size}, data_dim={data_dim}"
            )
        self.inner, self.data_dim, self.pack_size = inner, data_dim, pack_size

    @classmethod
    def mlp(
        cls,
        data_dim: int = 2,
        pack_size: int = 2,
        hidden: int = 64,
        depth: int = 2,
    ) -> PackedDiscriminator:
        """The book's MLP discriminator with an input layer widened to m·d, as in PacGAN."""
        if pack_size < 1:
            raise ValueError(f"need pack_size >= 1, got pack_size={pack_size}")
        return cls(
            MLPDiscriminator(data_dim * pack_size, hidden, depth),
            data_dim,
            pack_size,
        )

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, d) → (batch/m, m·d): row j of the result is [x_{jm}; x_{jm+1}; …; x_{jm+m−1}]."""
        if x.ndim != 2 or x.shape[1] != self.data_dim:
            raise ValueError(
                f"the packed discriminator expects x of shape (batch, {self.data_dim}), got {tuple(x.shape)}"
            )
        if x.shape[0] % self.pack_size:
            raise ValueError(
                f"a batch of {x.shape[0]} samples does not split into packs of {self.pack_size}: "
                f"use a batch size that is a multiple of {self.pack_size} (packed_batch_size(packs, {self.pack_size}))"
            )
        return x.reshape(
            x.shape[0] // self.pack_size, self.pack_size * self.data_dim
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(self.pack(x))
