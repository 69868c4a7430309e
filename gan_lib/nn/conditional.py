"""Class-conditional DCGAN players, G(z, y) and D(x, y), and an adapter.

The adapter lets the book's trainer train them unchanged.

"Train with labels" (Goodfellow 2016, after Salimans et al. 2016): giving
both players the class y of each example, as in the conditional GAN of Mirza
and Osindero (2014), makes the samples markedly better. Both players here
are the DCGAN players of :mod:`gan_lib.nn.dcgan`, unchanged, with the label
entering as extra input channels:

- **G** gets the one-hot code e_y ∈ {0, 1}^K concatenated to z,
  G(z, y) = G_DCGAN([z; e_y]). The first transposed convolution maps this
  (nz + K)-vector to the base×base map, so its weights for the K label
  inputs *are* a learned per-class embedding (one base×base×ngf·2^(k−1) map
  per class): a separate ``nn.Embedding`` would add nothing but a second
  linear map.
- **D** gets K constant *label maps*, channel j equal to [y = j] at every
  pixel, concatenated to the image, D(x, y) = D_DCGAN([x; e_y ⊗ 1_{H×W}]).
  This keeps D the paper's all-convolutional network (no dense layer,
  guideline 3) with the label visible to its first filters. The projection
  discriminator of Miyato and Koyama (2018), a ⟨embed(y), φ(x)⟩ term at D's
  end, is the stronger modern choice but a different architecture; it is
  left out.

All DCGAN guidelines hold as in :mod:`gan_lib.nn.dcgan`; D returns a logit
of shape (batch,).

The book's :class:`gan_lib.training.trainer.Trainer` draws only z and x.
Rather than change it, the adapter packs each label into the tensors the
trainer already passes around:

- an example is packed as its image with one more channel that holds its
  class index, ``pack(x, y)`` of shape (batch, C + 1, H, W);
  :func:`pack_labelled_data` packs a labelled data set once, and the trainer
  samples (x, y) pairs from it by random index;
- :class:`LabelPackingGenerator` takes z' = (z, u) ∈ R^(nz+1) from the
  trainer's prior and turns the last coordinate into a class:
  y = ⌊K·F(u)⌋ with F the prior's CDF (Φ for the standard normal, (u + 1)/2
  for uniform on [−1, 1]), so y is uniform on {0, …, K−1} and drawn from
  the trainer's own seeded stream; it returns ``pack(G(z, y), y)``;
- :class:`LabelPackingDiscriminator` unpacks and returns D(x, y).

So the generator is trained with labels drawn uniformly, while real pairs
follow the data's class frequencies (for MNIST between 9.0 % and 11.2 % per
class; a strongly unbalanced data set would need the labels drawn from its
class frequencies instead).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.nn.noise import NOISE_PRIORS

__all__ = [
    "check_class_labels",
    "ConditionalDCGANGenerator",
    "ConditionalDCGANDiscriminator",
    "pack",
    "unpack",
    "pack_labelled_data",
    "labels_from_noise",
    "noise_for_labels",
    "LabelPackingGenerator",
    "LabelPackingDiscriminator",
]


def check_class_labels(
    labels: torch.Tensor, batch: int, num_classes: int
) -> None:
    """A clear error unless ``labels`` holds one class index per example.

    That is, an integer tensor of shape (batch,) with values in
    {0, …, num_classes − 1}.
    """
    if (
        not isinstance(labels, torch.Tensor)
        or labels.dtype.is_floating_point
        or labels.dtype.is_complex
        or labels.dtype == torch.bool
    ):
        kind = (
            labels.dtype
            if isinstance(labels, torch.Tensor)
            else type(labels).__name__
        )
        raise TypeError(
            "labels must be an integer tensor of class indices "
            f"(torch.long), got {kind}; use labels.long()"
        )
    if labels.shape != (batch,):
        raise ValueError(
            f"labels must have shape ({batch},), one class index per "
            f"example, got {tuple(labels.shape)}"
        )
    if batch and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(
            f"labels must lie in 0..{num_classes - 1} "
            f"(num_classes={num_classes}), got values from "
            f"{int(labels.min())} to {int(labels.max())}; build the model "
            "with the data set's number of classes"
        )


def _check_num_classes(num_classes: int) -> None:
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            f"num_classes must be an integer >= 2, got {num_classes!r}"
        )


class ConditionalDCGANGenerator(nn.Module):
    """G(z, y) = G_DCGAN([z; e_y]): the one-hot class code joins z.

    The body is the DCGAN generator with latent_dim + K inputs.
    """

    def __init__(
        self,
        num_classes: int = 10,
        image_size: int = 28,
        latent_dim: int = 100,
        channels: int = 1,
        width: int = 64,
    ) -> None:
        super().__init__()
        _check_num_classes(num_classes)
        self.num_classes, self.latent_dim = num_classes, latent_dim
        self.image_size, self.channels = image_size, channels
        self.width = width
        self.body = DCGANGenerator(
            image_size, latent_dim + num_classes, channels, width
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                "the conditional generator expects z of shape "
                f"(batch, {self.latent_dim}), got {tuple(z.shape)}"
            )
        check_class_labels(labels, z.shape[0], self.num_classes)
        return self._generate(z, labels)

    def _generate(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """G(z, y) without the label check, for labels valid by construction.

        The check costs a device sync.
        """
        one_hot = F.one_hot(labels, self.num_classes).to(z.dtype)
        return self.body(torch.cat([z, one_hot], dim=1))


class ConditionalDCGANDiscriminator(nn.Module):
    """D(x, y) = D_DCGAN([x; label maps]) as a logit.

    The K label maps are constant one-hot channels appended to the image.
    """

    def __init__(
        self,
        num_classes: int = 10,
        image_size: int = 28,
        channels: int = 1,
        width: int = 64,
    ) -> None:
        super().__init__()
        _check_num_classes(num_classes)
        self.num_classes, self.image_size = num_classes, image_size
        self.channels, self.width = channels, width
        self.body = DCGANDiscriminator(
            image_size, channels + num_classes, width
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                "the conditional discriminator expects images of shape "
                f"(batch, {', '.join(map(str, expected))}), "
                f"got {tuple(x.shape)}"
            )
        check_class_labels(labels, x.shape[0], self.num_classes)
        return self._discriminate(x, labels)

    def _discriminate(
        self, x: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """D(x, y) without the label check, for labels valid by design."""
        # (batch, K) one-hot → (batch, K, H, W), constant over the pixels.
        label_maps = (
            F.one_hot(labels, self.num_classes)
            .to(x.dtype)[:, :, None, None]
            .expand(-1, -1, *x.shape[2:])
        )
        return self.body(torch.cat([x, label_maps], dim=1))


# ---------------------------------------------- packing labels for the trainer
def pack(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(batch, C, H, W) images, (batch,) labels → (batch, C + 1, H, W).

    The last channel holds the class index at every pixel.
    """
    if images.ndim != 4:
        raise ValueError(
            "pack expects images of shape (batch, channels, height, width), "
            f"got {tuple(images.shape)}"
        )
    label_channel = labels.to(images.dtype)[:, None, None, None].expand(
        -1, 1, *images.shape[2:]
    )
    return torch.cat([images, label_channel], dim=1)


def unpack(packed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Inverse of :func:`pack`: (images, labels).

    Images of shape (batch, C, H, W), labels of shape (batch,) as
    torch.long.
    """
    if packed.ndim != 4 or packed.shape[1] < 2:
        raise ValueError(
            "unpack expects packed examples of shape "
            f"(batch, channels + 1, height, width), got {tuple(packed.shape)}"
        )
    # The label channel is floating point: take the nearest integer rather
    # than truncate.
    return packed[:, :-1], packed[:, -1, 0, 0].round().long()


def pack_labelled_data(
    images: torch.Tensor, labels: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """A labelled image set as one tensor of packed (x, y) pairs.

    The unchanged Trainer samples pairs from it: ``Trainer(..., data=this)``.
    """
    _check_num_classes(num_classes)
    if images.ndim != 4:
        raise ValueError(
            "images must have shape (N, channels, height, width), "
            f"got {tuple(images.shape)}; use x[:, None] for (N, H, W)"
        )
    check_class_labels(labels, images.shape[0], num_classes)
    return pack(images, labels.to(images.device))


def labels_from_noise(
    u: torch.Tensor, num_classes: int, prior: str = "normal"
) -> torch.Tensor:
    """y = ⌊K·F(u)⌋ in {0, …, K−1}, with F the CDF of the noise prior.

    F(u) is uniform on [0, 1], so one noise coordinate gives uniform
    classes.
    """
    if prior not in NOISE_PRIORS:
        raise ValueError(
            f"prior must be one of {NOISE_PRIORS} (the trainer's noise), "
            f"got {prior!r}"
        )
    cdf = (
        0.5 * (1 + torch.erf(u / math.sqrt(2)))
        if prior == "normal"
        else (u + 1) / 2
    )
    # The clamp keeps F(u) = 1 (possible in floating point) in class K − 1.
    return (cdf * num_classes).floor().long().clamp(0, num_classes - 1)


def noise_for_labels(
    z: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    prior: str = "normal",
) -> torch.Tensor:
    """z' = (z, u) with u = F⁻¹((y + ½)/K): the noise that draws class y.

    :class:`LabelPackingGenerator` turns u back into y; use it for e.g. the
    trainer's ``fixed_noise``. (y + ½)/K is the middle of class y's
    interval, the farthest from its neighbours.
    """
    if prior not in NOISE_PRIORS:
        raise ValueError(
            f"prior must be one of {NOISE_PRIORS} (the trainer's noise), "
            f"got {prior!r}"
        )
    if z.ndim != 2:
        raise ValueError(
            f"z must have shape (batch, latent_dim), got {tuple(z.shape)}"
        )
    check_class_labels(labels, z.shape[0], num_classes)
    p = (labels.to(z.dtype) + 0.5) / num_classes
    u = (
        math.sqrt(2) * torch.erfinv(2 * p - 1)
        if prior == "normal"
        else 2 * p - 1
    )
    return torch.cat([z, u.to(z.device)[:, None]], dim=1)


class LabelPackingGenerator(nn.Module):
    """For the unchanged Trainer: z' = (z, u) → pack(G(z, y), y).

    The class is y = ⌊K·F(u)⌋ (see :func:`labels_from_noise`).
    """

    def __init__(
        self, conditional: ConditionalDCGANGenerator, noise: str = "normal"
    ) -> None:
        super().__init__()
        if noise not in NOISE_PRIORS:
            raise ValueError(
                f"noise must be the trainer's prior, one of {NOISE_PRIORS}, "
                f"got {noise!r}"
            )
        self.conditional, self.noise = conditional, noise
        # What the Trainer reads to draw z' = (z, u).
        self.latent_shape = (conditional.latent_dim + 1,)

    def forward(self, z_and_u: torch.Tensor) -> torch.Tensor:
        if z_and_u.ndim != 2 or z_and_u.shape[1] != self.latent_shape[0]:
            raise ValueError(
                "the label-packing generator expects z' = (z, u) of shape "
                f"(batch, {self.latent_shape[0]}) (latent_dim + 1: the last "
                "coordinate picks the class), "
                f"got {tuple(z_and_u.shape)}"
            )
        labels = labels_from_noise(
            z_and_u[:, -1], self.conditional.num_classes, self.noise
        )
        # The labels are valid by construction: skip the check's sync.
        images = self.conditional._generate(z_and_u[:, :-1], labels)
        return pack(images, labels)


class LabelPackingDiscriminator(nn.Module):
    """For the unchanged Trainer: packed (x, y) → D(x, y), shape (batch,)."""

    def __init__(self, conditional: ConditionalDCGANDiscriminator) -> None:
        super().__init__()
        self.conditional = conditional

    def forward(self, packed: torch.Tensor) -> torch.Tensor:
        c = self.conditional
        expected = (c.channels + 1, c.image_size, c.image_size)
        if packed.ndim != 4 or tuple(packed.shape[1:]) != expected:
            raise ValueError(
                "the label-packing discriminator expects packed examples of "
                f"shape (batch, {', '.join(map(str, expected))}) (the image "
                "channels and one label channel, see pack), "
                f"got {tuple(packed.shape)}"
            )
        images, labels = unpack(packed)
        return c._discriminate(images, labels)
