"""Paired image-to-image tasks, built offline from the book's own data.

pix2pix (Isola et al. 2017) learns from pairs: an input image and the image
it should become. The book makes two such tasks out of 28×28 data it
already has, with no download:

- edges → items: the input is the Sobel edge map of a Fashion-MNIST item,
  the target the item itself, like the paper's edges → shoes and handbags
  (whose edges came from the HED edge detector);
- masked → digits: the input is an MNIST digit with a square (or its lower
  half) removed, the target the whole digit: inpainting, the task of the
  Context Encoders (Pathak et al. 2016) that the paper builds on.

The book's trainer draws data as one tensor per batch
(:class:`gan_lib.training.trainer.DataSampler`). To carry pairs through it
unchanged, a pair travels as one image with the input and the target
concatenated on the channel axis, input first: a batch has shape
(m, 2, 28, 28) for one-channel images. :func:`split_pair` undoes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from gan_lib.data.images import ImageData

__all__ = [
    "SOBEL_X",
    "EDGE_THRESHOLD",
    "MASK_REGIONS",
    "DIGIT_MARGIN",
    "sobel_magnitude",
    "edge_map",
    "removal_mask",
    "masked",
    "join_pair",
    "split_pair",
    "PairedData",
]

# The Sobel kernel for ∂u/∂(column); its transpose is the one for rows.
SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
# An edge is a pixel whose gradient is above this share of its image's
# largest; see edge_map for why 0.25.
EDGE_THRESHOLD = 0.25
MASK_REGIONS = ("square", "lower_half")
# MNIST digits fill a 20×20 box centred in the 28×28 image (LeCun et al.
# 1998): a square inside it takes away part of the digit, not background.
DIGIT_MARGIN = 4


def sobel_magnitude(images: torch.Tensor) -> torch.Tensor:
    """|∇u| = sqrt(G_x² + G_y²) per pixel, the Sobel gradient magnitude.

    G_x = K_x ⋆ u and G_y = K_xᵀ ⋆ u, with K_x = ``SOBEL_X`` and ⋆ the
    cross-correlation of ``conv2d``, so G_x > 0 where u grows to the right.
    Each channel of ``images`` (N, C, H, W) is treated alone. The border is
    padded by repeating the edge pixels, so a constant image has no edges,
    also at its border.
    """
    if images.ndim != 4:
        raise ValueError(
            "sobel_magnitude expects images of shape (N, C, H, W), "
            f"got {tuple(images.shape)}"
        )
    n, c, h, w = images.shape
    kernels = torch.stack([SOBEL_X, SOBEL_X.T])[:, None]  # (2, 1, 3, 3)
    kernels = kernels.to(images.device, images.dtype)
    # Zero padding would draw an edge around every image whose background
    # is −1 (all of the book's); repeating the border pixels does not.
    u = F.pad(images.reshape(n * c, 1, h, w), (1, 1, 1, 1), mode="replicate")
    gradient = F.conv2d(u, kernels)  # (N·C, 2, H, W): G_x, G_y
    return gradient.square().sum(1).sqrt().reshape(n, c, h, w)


def edge_map(
    images: torch.Tensor,
    threshold: float = EDGE_THRESHOLD,
    chunk_size: int = 2_000,
) -> torch.Tensor:
    """A line drawing of each image: +1 on its edges, −1 elsewhere.

    A pixel is an edge when |∇u| > τ · max |∇u| over its own image, with
    τ = ``threshold``. Relative to each image's largest gradient, so that a
    dark coat and a white shirt give the same kind of drawing; binary,
    like the paper's edge drawings; τ = 0.25 keeps a Fashion-MNIST item's
    outline and its main seams and drops faint texture (0.1 draws the
    fabric too, 0.4 breaks thin straps). Sobel edges are two pixels wide.
    Busy prints (some bags and shirts) still give busy drawings. A constant
    image has no edges: all −1.

    Each image's drawing is its own, so the images go ``chunk_size`` at a
    time: the Sobel intermediates of all 60,000 at once made it five times
    slower on the book's CPU.
    """
    if not 0.0 <= threshold < 1.0:
        raise ValueError(
            f"threshold is a share of the largest gradient, in [0, 1), got "
            f"{threshold}; the book uses {EDGE_THRESHOLD}"
        )
    return torch.cat(
        [_edges(chunk, threshold) for chunk in images.split(chunk_size)]
    )


def _edges(images: torch.Tensor, threshold: float) -> torch.Tensor:
    magnitude = sobel_magnitude(images)
    largest = magnitude.amax(dim=(2, 3), keepdim=True)
    # Strictly above: where the largest is 0 nothing is an edge.
    edges = magnitude > threshold * largest
    return torch.where(edges, 1.0, -1.0).to(images.dtype)


def removal_mask(
    count: int,
    side: int = 28,
    region: str = "square",
    size: int = 10,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Which pixels to remove: a bool tensor (count, 1, side, side).

    ``lower_half``: rows side/2 to side − 1 of every image. ``square``: a
    size×size square per image, inside the digit's box (``DIGIT_MARGIN``
    pixels from each border). Its top-left corners (row, column) are
    ``DIGIT_MARGIN + torch.randint(side − 2·DIGIT_MARGIN − size + 1,
    (count, 2), generator=generator)``, so the same generator state gives
    the same squares.
    """
    rows = torch.arange(side, device=device)
    if region == "lower_half":
        mask = (rows >= side // 2)[:, None].expand(side, side)
        return mask.expand(count, 1, side, side).clone()
    if region != "square":
        raise ValueError(
            f"unknown region {region!r}; choose one of {MASK_REGIONS}"
        )
    room = side - 2 * DIGIT_MARGIN - size + 1  # corner positions per axis
    if size < 1 or room < 1:
        raise ValueError(
            f"a {size}×{size} square does not fit in the digit's box of "
            f"{side}×{side} images; use 1 <= size <= "
            f"{side - 2 * DIGIT_MARGIN}"
        )
    # Drawn where the generator lives, then moved: the same seed gives the
    # same squares for data on the CPU and on a GPU.
    where = generator.device if generator is not None else None
    corner = torch.randint(room, (count, 2), generator=generator, device=where)
    corner = DIGIT_MARGIN + corner.to(rows.device)
    top, left = corner[:, :1], corner[:, 1:]  # (count, 1) each
    in_rows = (rows >= top) & (rows < top + size)  # (count, side)
    in_columns = (rows >= left) & (rows < left + size)
    return (in_rows[:, :, None] & in_columns[:, None, :])[:, None]


def masked(
    images: torch.Tensor,
    region: str = "square",
    size: int = 10,
    generator: torch.Generator | None = None,
    fill: float = 0.0,
) -> torch.Tensor:
    """``images`` (N, C, side, side), the removal mask's pixels set to fill.

    The mask is :func:`removal_mask`'s, one per image. The default fill 0
    is mid-grey, neither ink (+1) nor background (−1), so G can see where
    the hole is: filled with −1, an erased stroke would look like empty
    paper.
    """
    if images.ndim != 4 or images.shape[2] != images.shape[3]:
        raise ValueError(
            "masked expects square images of shape (N, C, side, side), "
            f"got {tuple(images.shape)}"
        )
    mask = removal_mask(
        len(images),
        images.shape[-1],
        region,
        size,
        generator,
        images.device,
    )
    return images.masked_fill(mask, fill)


def join_pair(inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """[x; y]: inputs and targets (m, C, H, W) → pairs (m, 2C, H, W)."""
    if inputs.shape != targets.shape or inputs.ndim != 4:
        raise ValueError(
            "inputs and targets must be images of one shape (m, C, H, W), "
            f"got {tuple(inputs.shape)} and {tuple(targets.shape)}"
        )
    return torch.cat([inputs, targets], dim=1)


def split_pair(batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) from pairs (m, 2C, H, W): the first C channels are
    the inputs, the last C the targets."""
    if batch.ndim != 4 or batch.shape[1] % 2:
        raise ValueError(
            "split_pair expects pairs of shape (m, 2C, H, W), input "
            f"channels first, got {tuple(batch.shape)}"
        )
    inputs, targets = batch.chunk(2, dim=1)
    return inputs, targets


@dataclass(frozen=True)
class PairedData:
    """Pairs (inputs[i], targets[i]) with the class labels[i] of target i.

    ``inputs`` and ``targets`` have shape (N, C, H, W) with values in
    [−1, 1]; ``labels`` has shape (N,).
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        shape = tuple(self.inputs.shape)
        if (
            len(shape) != 4
            or tuple(self.targets.shape) != shape
            or tuple(self.labels.shape) != shape[:1]
        ):
            raise ValueError(
                "need inputs and targets of one shape (N, C, H, W) and "
                f"labels of shape (N,), got {shape}, "
                f"{tuple(self.targets.shape)} and {tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return len(self.inputs)

    @classmethod
    def edges_to_items(
        cls, data: ImageData, threshold: float = EDGE_THRESHOLD
    ) -> PairedData:
        """Edge drawing → item, from ``ImageData`` (e.g. Fashion-MNIST)."""
        images = _images_of(data)
        return cls(edge_map(images, threshold), images, data.labels)

    @classmethod
    def masked_to_digits(
        cls,
        data: ImageData,
        generator: torch.Generator | None = None,
        region: str = "square",
        size: int = 10,
    ) -> PairedData:
        """Digit with a part removed → digit, from ``ImageData`` (MNIST).

        The holes are drawn once, with ``generator`` (torch's global one if
        None), so each input keeps its hole for the whole run.
        """
        images = _images_of(data)
        holes = masked(images, region, size, generator)
        return cls(holes, images, data.labels)

    def sampler(self) -> Callable[[int, torch.Generator], torch.Tensor]:
        """data(m, generator) for the trainer: m random pairs (m, 2C, H, W).

        The indices are drawn uniformly with replacement with the trainer's
        ``generator``, on the data's device, exactly as the trainer samples
        a data tensor; input channels come first (:func:`split_pair`).
        """
        pairs = join_pair(self.inputs, self.targets)  # joined once, not per m

        def draw(m: int, generator: torch.Generator) -> torch.Tensor:
            index = torch.randint(
                len(pairs), (m,), generator=generator, device=pairs.device
            )
            return pairs[index]

        return draw


def _images_of(data: ImageData) -> torch.Tensor:
    """``data.images``, or a clear error for anything but ``ImageData``."""
    if not isinstance(data, ImageData):
        raise TypeError(
            f"expected gan_lib.data.ImageData, got {type(data).__name__}; "
            "load one with gan_lib.data.load_images('mnist')"
        )
    return data.images
