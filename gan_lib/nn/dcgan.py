"""DCGAN generator and discriminator, built by the guidelines of Radford, Metz, Chintala (2015).

The paper's architecture guidelines for stable deep convolutional GANs:

1. no pooling: strided convolutions in D, fractionally-strided (transposed) convolutions in G;
2. batch norm in both G and D, except at G's output layer and D's input layer;
3. no fully connected hidden layers (z enters through a transposed convolution, D ends in one);
4. ReLU in G except Tanh at its output;
5. LeakyReLU (slope 0.2) in D;
6. weights drawn from N(0, 0.02) (batch-norm scales from N(1, 0.02), biases 0).

The paper's networks work on 64×64 images: G grows a 4×4 map by doubling it four
times (4 → 8 → 16 → 32 → 64) while halving the channels, ngf·8 → ngf; D mirrors
it. MNIST is 28×28 = 7·2², so the book's MNIST models start from a 7×7 map and
double twice (7 → 14 → 28). Any size 4·2^k or 7·2^k (k ≥ 1) works the same way.

As everywhere in the book, D returns a logit a = σ⁻¹(D(x)) of shape (batch,).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "BASE_SIZES",
    "LEAKY_SLOPE",
    "INIT_STD",
    "upsampling_plan",
    "init_dcgan_weights",
    "DCGANGenerator",
    "DCGANDiscriminator",
]

BASE_SIZES = (
    4,
    7,
)  # the smallest feature map: 4×4 in the paper, 7×7 for 28×28 MNIST
LEAKY_SLOPE = 0.2
INIT_STD = 0.02


def upsampling_plan(image_size: int) -> tuple[int, int]:
    """(base, k) with image_size = base · 2^k, base in {4, 7}, k ≥ 1; a clear error for other sizes."""
    for base in BASE_SIZES:
        ratio, remainder = divmod(image_size, base)
        if remainder == 0 and ratio >= 2 and ratio & (ratio - 1) == 0:
            return base, ratio.bit_length() - 1
    raise ValueError(
        f"DCGAN cannot build {image_size}×{image_size} images: the size must be 4·2^k or 7·2^k with k ≥ 1 "
        f"(e.g. 28 for MNIST, 32, 64 for the paper's models). Resize the images (torchvision.transforms.Resize) "
        f"to a supported size."
    )


def init_dcgan_weights(module: nn.Module) -> None:
    """The paper's init: conv weights ~ N(0, 0.02), batch-norm scale ~ N(1, 0.02), all biases 0 (use with ``apply``)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, INIT_STD)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, INIT_STD)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """G(z; θ_G): z ∈ R^nz → image in [−1, 1]^(channels×size×size) by transposed convolutions.

    Layer i (of k + 1) maps ngf·2^(k−i) channels at base·2^i pixels; batch norm and
    ReLU after every layer but the last, which has Tanh.
    """

    def __init__(
        self,
        image_size: int = 28,
        latent_dim: int = 100,
        channels: int = 1,
        width: int = 64,
    ) -> None:
        super().__init__()
        base, doublings = upsampling_plan(image_size)
        self.image_size, self.latent_dim, self.channels, self.width = (
            image_size,
            latent_dim,
            channels,
            width,
        )
        widths = [
            width * 2 ** (doublings - 1 - i) for i in range(doublings)
        ]  # ngf·2^(k−1), …, ngf
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, widths[0], base, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        ]
        for narrower, wider in zip(widths[1:], widths):
            layers += [
                nn.ConvTranspose2d(wider, narrower, 4, 2, 1, bias=False),
                nn.BatchNorm2d(narrower),
                nn.ReLU(),
            ]
        layers += [
            nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1),
            nn.Tanh(),
        ]  # output: no batch norm
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim == 4 and z.shape[2:] == (1, 1):
            z = z.flatten(1)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"the generator expects z of shape (batch, {self.latent_dim}), got {tuple(z.shape)}"
            )
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """D(x; θ_D) as a logit: strided convolutions halve the map down to base×base, one more convolution gives a.

    LeakyReLU(0.2) after every hidden layer, batch norm after all but the first.
    """

    def __init__(
        self, image_size: int = 28, channels: int = 1, width: int = 64
    ) -> None:
        super().__init__()
        base, doublings = upsampling_plan(image_size)
        self.image_size, self.channels, self.width = (
            image_size,
            channels,
            width,
        )
        widths = [
            width * 2**i for i in range(doublings)
        ]  # ndf, 2·ndf, …, ndf·2^(k−1)
        layers: list[nn.Module] = [
            nn.Conv2d(channels, widths[0], 4, 2, 1),
            nn.LeakyReLU(LEAKY_SLOPE),
        ]  # input: no batch norm
        for narrower, wider in zip(widths, widths[1:]):
            layers += [
                nn.Conv2d(narrower, wider, 4, 2, 1, bias=False),
                nn.BatchNorm2d(wider),
                nn.LeakyReLU(LEAKY_SLOPE),
            ]
        layers.append(
            nn.Conv2d(widths[-1], 1, base, 1, 0)
        )  # base×base map → one logit, no dense layer
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"the discriminator expects images of shape (batch, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        return self.net(x).flatten()
