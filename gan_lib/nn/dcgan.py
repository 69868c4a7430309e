"""DCGAN generator and discriminator, by the guidelines of Radford et al. 2015.

The paper's architecture guidelines for stable deep convolutional GANs
(Radford, Metz, Chintala 2015):

1. no pooling: strided convolutions in D, fractionally-strided (transposed)
   convolutions in G;
2. batch norm in both G and D, except at G's output layer and D's input
   layer;
3. no fully connected hidden layers (z enters through a transposed
   convolution, D ends in a convolution);
4. ReLU in G except Tanh at its output;
5. LeakyReLU (slope 0.2) in D;
6. weights drawn from N(0, 0.02) (batch-norm scales from N(1, 0.02),
   biases 0).

The paper's networks work on 64×64 images: G grows a 4×4 map by doubling it
four times (4 → 8 → 16 → 32 → 64) while halving the channels, ngf·8 → ngf;
D mirrors it. MNIST is 28×28 = 7·2², so the book's MNIST models start from a
7×7 map and double twice (7 → 14 → 28). Any size base·2^k with base 4 or 7
and k ≥ 1 works the same way; the classes' docstrings list the shapes of
both models layer by layer.

In the shape comments, ngf and ndf (the names of the paper's code and of
pytorch/examples) are the ``width`` argument, and a shape C × s² is C
channels of s×s pixels.

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

# The smallest feature map: 4×4 in the paper, 7×7 for 28×28 MNIST.
BASE_SIZES = (4, 7)
LEAKY_SLOPE = 0.2
INIT_STD = 0.02


def upsampling_plan(image_size: int) -> tuple[int, int]:
    """(base, k) with image_size = base · 2^k, base in {4, 7} and k ≥ 1.

    Other sizes raise an error that says how to fix them.
    """
    for base in BASE_SIZES:
        ratio, remainder = divmod(image_size, base)
        # ratio & (ratio − 1) == 0 holds exactly for powers of two.
        if remainder == 0 and ratio >= 2 and ratio & (ratio - 1) == 0:
            return base, ratio.bit_length() - 1
    raise ValueError(
        f"DCGAN cannot build {image_size}×{image_size} images: the size "
        "must be 4·2^k or 7·2^k with k ≥ 1 (e.g. 28 for MNIST, 32, 64 for "
        "the paper's models). Resize the images "
        "(torchvision.transforms.Resize) to a supported size."
    )


def init_dcgan_weights(module: nn.Module) -> None:
    """The paper's initialisation, for use with ``model.apply``.

    Convolution weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02), all
    biases 0.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, INIT_STD)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        # Scales around 1, not 0: a zero scale would switch the layer off.
        nn.init.normal_(module.weight, 1.0, INIT_STD)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """G(z; θ_G): z ∈ R^nz → an image in [−1, 1]^(channels×size×size).

    Transposed convolutions grow a base×base map to size = base·2^k pixels,
    doubling it k times while halving the channels from ngf·2^(k−1) down to
    ngf (ngf = ``width``). Batch norm and ReLU follow every layer but the
    last, which has Tanh and no batch norm.

    The book's MNIST model, ``DCGANGenerator(28, width=32)``, base 7, k = 2::

        z    100 × 1²
        →     64 × 7²     transposed conv 7×7, stride 1; BN, ReLU
        →     32 × 14²    transposed conv 4×4, stride 2; BN, ReLU
        →      1 × 28²    transposed conv 4×4, stride 2; Tanh

    The paper's 64×64 model (its Figure 1),
    ``DCGANGenerator(64, channels=3, width=128)``, base 4, k = 4::

        z    100 × 1²
        →   1024 × 4²     transposed conv 4×4, stride 1; BN, ReLU
        →    512 × 8²     transposed conv 4×4, stride 2; BN, ReLU
        →    256 × 16²    transposed conv 4×4, stride 2; BN, ReLU
        →    128 × 32²    transposed conv 4×4, stride 2; BN, ReLU
        →      3 × 64²    transposed conv 4×4, stride 2; Tanh
    """

    def __init__(
        self,
        image_size: int = 28,
        latent_dim: int = 100,
        channels: int = 1,
        width: int = 64,
    ) -> None:
        super().__init__()
        base, k = upsampling_plan(image_size)
        self.image_size, self.latent_dim = image_size, latent_dim
        self.channels, self.width = channels, width
        # ngf·2^(k−1), …, 2·ngf, ngf: halved at every doubling of the map.
        widths = [width * 2 ** (k - 1 - i) for i in range(k)]
        layers: list[nn.Module] = [
            # nz × 1²  →  (ngf·2^(k−1)) × base²: a base×base kernel on the
            # 1×1 map z spreads z over the smallest feature map.
            nn.ConvTranspose2d(latent_dim, widths[0], base, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        ]
        for i in range(1, k):
            # (ngf·2^(k−i)) × (base·2^(i−1))²  →  (ngf·2^(k−i−1)) × (base·2^i)²
            wider, narrower = widths[i - 1], widths[i]
            # No bias: the batch norm right after subtracts it again.
            layers += [
                nn.ConvTranspose2d(wider, narrower, 4, 2, 1, bias=False),
                nn.BatchNorm2d(narrower),
                nn.ReLU(),
            ]
        layers += [
            # ngf × (base·2^(k−1))²  →  channels × (base·2^k)²; no batch norm
            # at G's output: the paper found it made training unstable.
            nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1),
            nn.Tanh(),
        ]
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # Also accept z as a (batch, nz, 1, 1) map, as pytorch/examples does.
        if z.ndim == 4 and z.shape[2:] == (1, 1):
            z = z.flatten(1)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                "the generator expects z of shape "
                f"(batch, {self.latent_dim}), got {tuple(z.shape)}"
            )
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """D(x; θ_D) as a logit: G mirrored, from the image down to one number.

    Strided convolutions halve the map k times down to base×base while
    doubling the channels from ndf to ndf·2^(k−1) (ndf = ``width``); one
    more convolution, with a base×base kernel, gives the logit a.
    LeakyReLU(0.2) follows every hidden layer, batch norm all but the first.

    The book's MNIST model, ``DCGANDiscriminator(28, width=32)``, base 7,
    k = 2::

        x      1 × 28²
        →     32 × 14²    conv 4×4, stride 2; LeakyReLU
        →     64 × 7²     conv 4×4, stride 2; BN, LeakyReLU
        →      1 × 1²     conv 7×7, stride 1: the logit

    The mirror of the paper's 64×64 generator,
    ``DCGANDiscriminator(64, channels=3, width=128)``, base 4, k = 4::

        x      3 × 64²
        →    128 × 32²    conv 4×4, stride 2; LeakyReLU
        →    256 × 16²    conv 4×4, stride 2; BN, LeakyReLU
        →    512 × 8²     conv 4×4, stride 2; BN, LeakyReLU
        →   1024 × 4²     conv 4×4, stride 2; BN, LeakyReLU
        →      1 × 1²     conv 4×4, stride 1: the logit

    ``forward`` flattens the 1 × 1² logits of a batch to shape (batch,).
    """

    def __init__(
        self, image_size: int = 28, channels: int = 1, width: int = 64
    ) -> None:
        super().__init__()
        base, k = upsampling_plan(image_size)
        self.image_size, self.channels = image_size, channels
        self.width = width
        # ndf, 2·ndf, …, ndf·2^(k−1): doubled at every halving of the map.
        widths = [width * 2**i for i in range(k)]
        layers: list[nn.Module] = [
            # channels × (base·2^k)²  →  ndf × (base·2^(k−1))²; no batch
            # norm on D's input: the paper found it made training unstable.
            nn.Conv2d(channels, widths[0], 4, 2, 1),
            nn.LeakyReLU(LEAKY_SLOPE),
        ]
        for i in range(1, k):
            # (ndf·2^(i−1)) × (base·2^(k−i))²  →  (ndf·2^i) × (base·2^(k−i−1))²
            narrower, wider = widths[i - 1], widths[i]
            # No bias: the batch norm right after subtracts it again.
            layers += [
                nn.Conv2d(narrower, wider, 4, 2, 1, bias=False),
                nn.BatchNorm2d(wider),
                nn.LeakyReLU(LEAKY_SLOPE),
            ]
        # (ndf·2^(k−1)) × base²  →  1 × 1²: a base×base kernel reads the
        # whole last map into one logit, with no dense layer (guideline 3).
        layers.append(nn.Conv2d(widths[-1], 1, base, 1, 0))
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                "the discriminator expects images of shape "
                f"(batch, {', '.join(map(str, expected))}), "
                f"got {tuple(x.shape)}"
            )
        return self.net(x).flatten()
