"""SRGAN's players, scaled down: 4× super-resolution from 7×7 to 28×28.

Single-image super-resolution recovers a high-resolution image I^HR from
a low-resolution one I^LR. SRGAN (Ledig et al. 2017) trains a generator
G(I^LR) against a discriminator that tells G's outputs from real I^HR;
its generator is a deep residual network that works at the low resolution
and grows the image only at the end, by sub-pixel convolutions (Shi et al.
2016): a convolution to r² times the channels, then a "pixel shuffle" that
rearranges each group of r² channels into an r×r block of pixels.

The book's images are MNIST and Fashion-MNIST, 28×28 in [−1, 1], so the
low-resolution images are 7×7 (the paper's factor, r = 4). The paper's
networks work on 24×24 → 96×96 colour crops with 64 channels and 16
residual blocks; the classes' docstrings list both models layer by layer.
The paper's inputs are in [0, 1] and its D ends in a sigmoid; here both
images are in [−1, 1] and D returns a logit, as everywhere in the book.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_lib.nn.dcgan import LEAKY_SLOPE  # 0.2: SRGAN's D uses it too

__all__ = [
    "downsample",
    "bicubic_upsample",
    "ResidualBlock",
    "SRGenerator",
    "SRDiscriminator",
]


def _check_images(images: torch.Tensor, name: str) -> None:
    if images.ndim != 4:
        raise ValueError(
            f"{name} must be a batch of shape (m, channels, height, width), "
            f"got shape {tuple(images.shape)}"
        )


def downsample(images: torch.Tensor, factor: int = 4) -> torch.Tensor:
    """I^LR: each factor×factor block of ``images`` replaced by its mean.

    (m, C, H, W) → (m, C, H/factor, W/factor). The paper downsamples with a
    bicubic kernel; we average instead (a box filter, "area" resizing):
    28 = 4·7, so the blocks tile the image exactly, every low-resolution
    pixel is the mean of the 16 pixels it stands for, and it stays in
    [−1, 1]. A bicubic kernel has negative lobes that overshoot the range.
    """
    _check_images(images, "images")
    height, width = images.shape[2:]
    if factor < 1 or height % factor or width % factor:
        raise ValueError(
            f"cannot downsample {height}×{width} images by {factor}: the "
            "factor must be a positive divisor of both sides (4 for 28×28)"
        )
    return F.avg_pool2d(images, factor)


def bicubic_upsample(low: torch.Tensor, factor: int = 4) -> torch.Tensor:
    """The baseline: ``low`` resized ``factor`` times by bicubic interpolation.

    (m, C, h, w) → (m, C, factor·h, factor·w). Clamped to [−1, 1]: the
    cubic kernel's negative lobes overshoot at sharp edges (ringing).
    """
    _check_images(low, "low")
    if factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor}")
    high = F.interpolate(
        low, scale_factor=factor, mode="bicubic", align_corners=False
    )
    return high.clamp(-1.0, 1.0)


def _conv(inputs: int, outputs: int, kernel: int = 3) -> nn.Conv2d:
    # "same" padding: every convolution of G keeps the map's size.
    return nn.Conv2d(inputs, outputs, kernel, padding=kernel // 2)


class ResidualBlock(nn.Module):
    """x ↦ x + BN(conv(PReLU(BN(conv(x))))), SRGAN's block (its Figure 4).

    Both convolutions are 3×3 and keep C channels and the map's size.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        # No bias in the convolutions: the batch norm after each removes it.
        self.branch = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.PReLU(channels),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The skip: the branch learns only a correction to x.
        return x + self.branch(x)


class SRGenerator(nn.Module):
    """G(I^LR; θ_G): a low-resolution image → one ``factor`` times larger.

    A convolution lifts the image to C channels (C = ``channels``); B
    residual blocks (B = ``blocks``) and a convolution with batch norm
    refine the features; a long skip adds the first features back, so the
    deep part learns only what they miss. log2(factor) sub-pixel stages
    each double the map, and a last convolution with Tanh returns the image.
    Every activation but the last is a PReLU with one slope per channel.

    The book's model, ``SRGenerator(channels=32, blocks=4)``, on MNIST::

        x         1 × 7²     the low-resolution image
        head     32 × 7²     conv 3×3; PReLU
        blocks   32 × 7²     4 × (conv 3×3, BN, PReLU, conv 3×3, BN; + skip)
        fuse     32 × 7²     conv 3×3, BN; then + the head's output
        up.0     32 × 14²    conv 3×3 to 128 channels; PixelShuffle; PReLU
        up.1     32 × 28²    conv 3×3 to 128 channels; PixelShuffle; PReLU
        tail      1 × 28²    conv 3×3; Tanh

    The paper's model (its Figure 4), ``SRGenerator(channels=64,
    blocks=16, image_channels=3, kernel=9)``, on 24×24 colour crops::

        x         3 × 24²    the low-resolution image
        head     64 × 24²    conv 9×9; PReLU
        blocks   64 × 24²    16 × (conv 3×3, BN, PReLU, conv 3×3, BN; + skip)
        fuse     64 × 24²    conv 3×3, BN; then + the head's output
        up.0     64 × 48²    conv 3×3 to 256 channels; PixelShuffle; PReLU
        up.1     64 × 96²    conv 3×3 to 256 channels; PixelShuffle; PReLU
        tail      3 × 96²    conv 9×9; Tanh

    Args:
        channels: C, the width of every hidden layer.
        blocks: B, the number of residual blocks.
        factor: the upscaling factor, a power of two (4 in the paper).
        image_channels: 1 for grayscale, 3 for colour.
        kernel: the size of the first and last convolutions. The paper's
            9×9 spans 9/24 of its low-resolution crops; on a 7×7 image a
            9×9 kernel is larger than the image and most of its taps read
            zero padding, so the book's model uses 3×3 (3/7 of the side).
    """

    def __init__(
        self,
        channels: int = 32,
        blocks: int = 4,
        factor: int = 4,
        image_channels: int = 1,
        kernel: int = 3,
    ) -> None:
        super().__init__()
        # factor & (factor − 1) == 0 holds exactly for powers of two.
        if factor < 2 or factor & (factor - 1):
            raise ValueError(
                f"factor must be a power of two ≥ 2 (each sub-pixel stage "
                f"doubles the image), got {factor}"
            )
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"kernel must be odd and ≥ 1, got {kernel}")
        self.factor, self.image_channels = factor, image_channels
        # image_channels × h²  →  C × h²
        self.head = nn.Sequential(
            _conv(image_channels, channels, kernel), nn.PReLU(channels)
        )
        # C × h²  →  C × h²
        self.blocks = nn.Sequential(
            *[ResidualBlock(channels) for _ in range(blocks)]
        )
        self.fuse = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
        )
        # C × s²  →  4C × s²  →  C × (2s)²: the shuffle moves each group of
        # 4 channels into a 2×2 block of pixels (Shi et al. 2016).
        self.up = nn.Sequential(
            *[
                nn.Sequential(
                    _conv(channels, 4 * channels),
                    nn.PixelShuffle(2),
                    nn.PReLU(channels),
                )
                for _ in range(factor.bit_length() - 1)
            ]
        )
        # C × (factor·h)²  →  image_channels × (factor·h)², in [−1, 1]
        self.tail = nn.Sequential(
            _conv(channels, image_channels, kernel), nn.Tanh()
        )

    def forward(self, low: torch.Tensor) -> torch.Tensor:
        _check_images(low, "the low-resolution images")
        if low.shape[1] != self.image_channels:
            raise ValueError(
                f"the generator expects {self.image_channels} channel(s), "
                f"got images of shape {tuple(low.shape)}"
            )
        features = self.head(low)
        # The long skip: blocks and fuse learn a correction to the head.
        features = features + self.fuse(self.blocks(features))
        return self.tail(self.up(features))


def _strided_block(inputs: int, outputs: int, stride: int, norm: bool):
    layers = [nn.Conv2d(inputs, outputs, 3, stride, 1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(outputs))
    return nn.Sequential(*layers, nn.LeakyReLU(LEAKY_SLOPE))


class SRDiscriminator(nn.Module):
    """D(I; θ_D) as a logit: SRGAN's VGG-style discriminator, scaled down.

    ``stages`` pairs of 3×3 convolutions, the first of a pair with stride
    1, the second with stride 2 (halving the map); the channels start at
    ``width`` and double at every stage. Batch norm follows every
    convolution but the first, LeakyReLU(0.2) every layer but the last.
    Two dense layers, the first twice as wide as the last convolution,
    read the final map into one logit (the paper's 1024 after 512).

    The book's model, ``SRDiscriminator(28, width=32, stages=2)``::

        x               1 × 28²
        features.0     32 × 28²    conv 3×3, stride 1; LeakyReLU
        features.1     32 × 14²    conv 3×3, stride 2; BN, LeakyReLU
        features.2     64 × 14²    conv 3×3, stride 1; BN, LeakyReLU
        features.3     64 × 7²     conv 3×3, stride 2; BN, LeakyReLU
        dense.0       128          dense 3136 to 128; LeakyReLU
        dense.1         1          dense 128 to 1: the logit

    The paper's model (its Figure 4),
    ``SRDiscriminator(96, channels=3, width=64, stages=4)``::

        x               3 × 96²
        features.0     64 × 96²    conv 3×3, stride 1; LeakyReLU
        features.1     64 × 48²    conv 3×3, stride 2; BN, LeakyReLU
        features.2    128 × 48²    conv 3×3, stride 1; BN, LeakyReLU
        features.3    128 × 24²    conv 3×3, stride 2; BN, LeakyReLU
        features.4    256 × 24²    conv 3×3, stride 1; BN, LeakyReLU
        features.5    256 × 12²    conv 3×3, stride 2; BN, LeakyReLU
        features.6    512 × 12²    conv 3×3, stride 1; BN, LeakyReLU
        features.7    512 × 6²     conv 3×3, stride 2; BN, LeakyReLU
        dense.0      1024          dense 18432 to 1024; LeakyReLU
        dense.1         1          dense 1024 to 1: the logit

    ``forward`` returns logits of shape (m,).
    """

    def __init__(
        self,
        image_size: int = 28,
        channels: int = 1,
        width: int = 32,
        stages: int = 2,
    ) -> None:
        super().__init__()
        if stages < 1 or image_size % 2**stages:
            raise ValueError(
                f"{stages} stride-2 stages cannot halve {image_size}×"
                f"{image_size} images evenly: image_size must be a multiple "
                f"of 2^stages (28 allows stages ≤ 2)"
            )
        self.image_size, self.channels = image_size, channels
        layers, inputs = [], channels
        for stage in range(stages):
            outputs = width * 2**stage
            # No batch norm on D's input layer, as in the paper (and DCGAN).
            layers.append(_strided_block(inputs, outputs, 1, stage > 0))
            layers.append(_strided_block(outputs, outputs, 2, True))
            inputs = outputs
        self.features = nn.Sequential(*layers)
        side = image_size // 2**stages
        self.dense = nn.Sequential(
            nn.Sequential(
                nn.Flatten(),
                nn.Linear(inputs * side**2, 2 * inputs),
                nn.LeakyReLU(LEAKY_SLOPE),
            ),
            nn.Linear(2 * inputs, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                "the discriminator expects images of shape "
                f"(m, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        return self.dense(self.features(x)).flatten()
