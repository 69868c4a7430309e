"""Packing (PacGAN, Lin et al. 2018): D judges r samples at once.

A packed discriminator D_r sees a *pack* (x⁽¹⁾, …, x⁽ʳ⁾) of r independent
samples, all real or all generated, concatenated into one input of size r·d,
and returns one logit per pack:

    D_r(x⁽¹⁾, …, x⁽ʳ⁾) = D([x⁽¹⁾; …; x⁽ʳ⁾]).

PacGAN writes m for the pack size r (``pack_size``); the book keeps m for
the minibatch size.

With packs, a generator that puts too little mass on some modes is easier to
catch: r samples from p_g land on fewer distinct modes than r samples from
p_data, and one pack shows that at once.

The wrapper takes an ordinary batch of shape (batch, d) (real data, or G(z)
for independent z) and reads consecutive rows as packs, so a trainer that
calls ``discriminator(x)`` needs no change; it only has to draw
``packs · r`` samples per batch (:func:`packed_batch_size`). With r = 1 it
is the plain discriminator.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_lib.nn.mlp import MLPDiscriminator

__all__ = ["packed_batch_size", "PackedDiscriminator"]


def packed_batch_size(packs: int, pack_size: int) -> int:
    """The batch size that gives ``packs`` packs of ``pack_size`` samples."""
    if packs < 1 or pack_size < 1:
        raise ValueError(
            "need packs >= 1 and pack_size >= 1, "
            f"got packs={packs}, pack_size={pack_size}"
        )
    return packs * pack_size


class PackedDiscriminator(nn.Module):
    """D_r: one logit per pack of r = ``pack_size`` consecutive samples.

    Reads a batch of shape (batch, d) as batch/r packs and returns logits of
    shape (batch/r,). ``inner`` must accept inputs of shape (packs, r·d) and
    return logits of shape (packs,).
    """

    def __init__(
        self, inner: nn.Module, data_dim: int, pack_size: int
    ) -> None:
        super().__init__()
        if pack_size < 1 or data_dim < 1:
            raise ValueError(
                "need pack_size >= 1 and data_dim >= 1, "
                f"got pack_size={pack_size}, data_dim={data_dim}"
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
        """The book's MLP discriminator, its input widened to r·d (PacGAN)."""
        if pack_size < 1:
            raise ValueError(f"need pack_size >= 1, got pack_size={pack_size}")
        return cls(
            MLPDiscriminator(data_dim * pack_size, hidden, depth),
            data_dim,
            pack_size,
        )

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, d) → (batch/r, r·d): consecutive rows become one pack.

        Row j of the result is [x_{jr}; x_{jr+1}; …; x_{jr+r−1}].
        """
        if x.ndim != 2 or x.shape[1] != self.data_dim:
            raise ValueError(
                "the packed discriminator expects x of shape "
                f"(batch, {self.data_dim}), got {tuple(x.shape)}"
            )
        r = self.pack_size
        if x.shape[0] % r:
            raise ValueError(
                f"a batch of {x.shape[0]} samples does not split into packs "
                f"of {r}: use a batch size that is a multiple of {r} "
                f"(packed_batch_size(packs, {r}))"
            )
        # Row-major reshape: each row of the result is r rows of x, in order.
        return x.reshape(x.shape[0] // r, r * self.data_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(self.pack(x))
