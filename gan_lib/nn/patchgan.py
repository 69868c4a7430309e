"""The pix2pix discriminator: a conditional PatchGAN.

D sees the pair (input, output), concatenated on the channel axis, and
returns a map of logits, one for each r×r patch of the image (Isola et al.
2017, section 3.2.2). It is a fully convolutional network, so each logit
reads only its receptive field, and the cost averages over the map. D thus
models the image as a Markov random field: pixels farther apart than a
patch are independent. The L1 term of pix2pix already gets the low
frequencies right, so D only has to judge local structure.

The patch size r is the paper's variable (section 4.4, Table 3, Figure 6):
from a PixelGAN (r = 1: 1×1 convolutions judge each output pixel given
its input pixel alone) through PatchGANs to an ImageGAN whose field covers
the whole image. For a
chain of convolutions with kernels k_l and strides s_l the receptive field
r and the jump j (the input distance between neighbouring outputs) grow
layer by layer from r_0 = j_0 = 1:

.. math::
    r_l = r_{l-1} + (k_l - 1)\\, j_{l-1}, \\qquad j_l = j_{l-1}\\, s_l .

With padding p_l the map's side n shrinks as
n_l = ⌊(n_{l−1} + 2 p_l − k_l) / s_l⌋ + 1.

The presets, for the book's 28×28 images (``PATCH_LAYERS``):

=========  ===========================  =====  ==========
preset     convolutions (k, stride)     r      logit map
=========  ===========================  =====  ==========
``pixel``  1×1, 1×1, 1×1                1      28 × 28
``patch``  4×4/2, 3×3, 1×1                8      14 × 14
``image``  4×4/2, 4×4/2, 7×7            34     1 × 1
=========  ===========================  =====  ==========

``pixel`` is the paper's PixelGAN. ``patch`` is the paper's best, the
70×70 PatchGAN on 256×256 images, scaled to 28×28: its patch spans the
same share of the image's side (8/28 ≈ 29 %, 70/256 ≈ 27 %). ``image`` is
DCGAN's MNIST discriminator (:mod:`gan_lib.nn.dcgan`) with two input
channels; with padding, its one logit reads every pixel.

D returns logits of shape (m, 1, h, w), the map kept as an image so that
a figure can show which patches D finds fake. The book's costs
(:mod:`gan_lib.training.losses`) take logits of any shape and average,
which is the paper's average over patches.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from gan_lib.nn.dcgan import LEAKY_SLOPE, init_dcgan_weights

__all__ = [
    "LayerSpec",
    "PATCH_LAYERS",
    "receptive_field",
    "logit_map_size",
    "PatchDiscriminator",
]

# (kernel, stride, padding) of one square convolution.
LayerSpec = tuple[int, int, int]

PATCH_LAYERS: dict[str, tuple[LayerSpec, ...]] = {
    "pixel": ((1, 1, 0), (1, 1, 0), (1, 1, 0)),
    # Stride 1 after the stride-2 layer: a 14 × 14 map; the 1×1 logit
    # layer reads one position, so r stays 8.
    "patch": ((4, 2, 1), (3, 1, 1), (1, 1, 0)),
    # A 7×7 kernel reads the whole 7×7 map into one logit, as in DCGAN.
    "image": ((4, 2, 1), (4, 2, 1), (7, 1, 0)),
}


def _specs(
    layers: nn.Module | str | Sequence[Sequence[int]],
) -> list[LayerSpec]:
    """(kernel, stride, padding) of each convolution, first layer first."""
    if isinstance(layers, PatchDiscriminator):
        return list(layers.layer_specs)
    if isinstance(layers, nn.Module):
        # Any chain of convolutions, in the order they were registered.
        return [
            (m.kernel_size[0], m.stride[0], m.padding[0])
            for m in layers.modules()
            if isinstance(m, nn.Conv2d)
        ]
    if isinstance(layers, str):
        if layers not in PATCH_LAYERS:
            raise ValueError(
                f"unknown preset {layers!r}; the presets are "
                f"{', '.join(PATCH_LAYERS)}"
            )
        return list(PATCH_LAYERS[layers])
    specs = []
    for spec in layers:
        spec = tuple(int(v) for v in spec)
        if len(spec) == 2:  # (kernel, stride): no padding
            spec = (*spec, 0)
        if len(spec) != 3 or min(spec[:2]) < 1 or spec[2] < 0:
            raise ValueError(
                "each layer is (kernel, stride[, padding]) with kernel and "
                f"stride >= 1 and padding >= 0, got {spec}"
            )
        specs.append(spec)
    return specs


def receptive_field(
    layers: nn.Module | str | Sequence[Sequence[int]],
) -> int:
    """r, the side of the input square that one output logit reads.

    ``layers`` is a discriminator (any chain of ``nn.Conv2d``), a preset
    name of ``PATCH_LAYERS``, or (kernel, stride[, padding]) per layer.
    r_l = r_{l−1} + (k_l − 1) j_{l−1} and j_l = j_{l−1} s_l, from
    r_0 = j_0 = 1.
    """
    r, jump = 1, 1
    for kernel, stride, _ in _specs(layers):
        r += (kernel - 1) * jump
        jump *= stride
    return r


def logit_map_size(
    image_size: int, layers: nn.Module | str | Sequence[Sequence[int]]
) -> int:
    """The side of D's logit map: n_l = ⌊(n_{l−1} + 2p − k)/s⌋ + 1."""
    n = image_size
    for kernel, stride, padding in _specs(layers):
        n = (n + 2 * padding - kernel) // stride + 1
        if n < 1:
            raise ValueError(
                f"{image_size}×{image_size} images are too small for these "
                f"layers ({_specs(layers)}): a map shrinks to nothing"
            )
    return n


class PatchDiscriminator(nn.Module):
    """D(x, y) as a map of logits, one for each patch of the pair.

    ``layers`` gives the convolutions, a preset name or (kernel, stride,
    padding) triples. Every layer but the last is a hidden layer with ndf,
    2·ndf, 4·ndf, … filters (ndf = ``width``) and LeakyReLU(0.2), with
    batch norm on all but the first (as in DCGAN and the paper's
    appendix); the last gives the logits. For the ``patch`` preset,
    ``PatchDiscriminator(width=32)``::

        [x; y]     2 × 28²
        →         32 × 14²    conv 4×4, stride 2; LeakyReLU
        →         64 × 14²    conv 3×3, stride 1; BN, LeakyReLU
        →          1 × 14²    conv 1×1, stride 1: a logit per patch
    """

    def __init__(
        self,
        in_channels: int = 2,
        width: int = 32,
        layers: str | Sequence[Sequence[int]] = "patch",
    ) -> None:
        super().__init__()
        self.layer_specs = tuple(_specs(layers))
        if len(self.layer_specs) < 2:
            raise ValueError(
                "a PatchDiscriminator needs at least one hidden layer and "
                f"the logit layer, got {len(self.layer_specs)} layer(s)"
            )
        self.in_channels = in_channels
        *hidden, last = self.layer_specs
        net: list[nn.Module] = []
        c_in = in_channels
        for i, (kernel, stride, padding) in enumerate(hidden):
            c_out = width * 2**i
            # No batch norm on D's input layer (DCGAN, pix2pix); no bias
            # before a batch norm, which would subtract it again.
            net.append(
                nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=i == 0)
            )
            if i:
                net.append(nn.BatchNorm2d(c_out))
            net.append(nn.LeakyReLU(LEAKY_SLOPE))
            c_in = c_out
        net.append(nn.Conv2d(c_in, 1, *last))
        self.net = nn.Sequential(*net)
        self.apply(init_dcgan_weights)

    def forward(
        self, x: torch.Tensor, y: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits (m, 1, h, w) for the pairs [x; y], or for x if y is None.

        x alone must already hold the pair on its channels, as the book's
        paired samplers deliver it (:mod:`gan_lib.data.paired`).
        """
        pair = x if y is None else torch.cat([x, y], dim=1)
        if pair.ndim != 4 or pair.shape[1] != self.in_channels:
            raise ValueError(
                "the patch discriminator expects pairs of shape "
                f"(batch, {self.in_channels}, height, width), input "
                f"channels first, got {tuple(pair.shape)}; pass D(x, y) or "
                "D(torch.cat([x, y], dim=1))"
            )
        return self.net(pair)
