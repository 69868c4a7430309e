"""The two MNIST GANs of the chapter "From the MLP GAN to DCGAN".

- ``mlp``: the 2014 paper's MNIST players (Goodfellow et al. 2014) as MLPs:
  G has two ReLU hidden layers of 1200 units, D two hidden layers of 240
  units. The paper's D used maxout units with dropout; the book's D uses
  LeakyReLU(0.2), as its other MLP discriminators do
  (:class:`gan_lib.nn.mlp.MLPDiscriminator`).
- ``dcgan``: :mod:`gan_lib.nn.dcgan` at 28×28 (7×7 → 14 → 28), width 32 so
  that the ``cpu`` profile trains in minutes on two cores.

Both map z ∈ R^100 to images in [−1, 1] of shape (1, 28, 28); both Ds return
logits.

The trained DCGAN that ships with the book (generator and discriminator, for
the latent-space chapter) is made by :mod:`gan_lib.experiments.pretrained`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gan_lib.data.images import to_unit_range
from gan_lib.evaluation.sample_quality import SampleJudge
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.nn.mlp import mlp_layers
from gan_lib.nn.modes import evaluating

__all__ = [
    "LATENT_DIM",
    "IMAGE_SHAPE",
    "DCGAN_WIDTH",
    "MLPImageGenerator",
    "MLPImageDiscriminator",
    "mnist_players",
    "quality_probe",
    "image_grid",
]

LATENT_DIM = 100
IMAGE_SHAPE = (1, 28, 28)
DCGAN_WIDTH = 32  # narrower than the paper's, to train in minutes on a CPU


class MLPImageGenerator(nn.Module):
    """G(z) = tanh(MLP(z)) reshaped to (1, 28, 28).

    The 2014 paper's fully connected generator.
    """

    def __init__(
        self, latent_dim: int = LATENT_DIM, hidden: int = 1200
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp_layers(
            latent_dim, int(np.prod(IMAGE_SHAPE)), hidden=hidden, depth=2
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(z)).view(-1, *IMAGE_SHAPE)


class MLPImageDiscriminator(nn.Module):
    """D(x) as a logit, from the image flattened to 784 numbers.

    Two LeakyReLU(0.2) hidden layers, one output.
    """

    def __init__(self, hidden: int = 240) -> None:
        super().__init__()
        self.net = mlp_layers(
            int(np.prod(IMAGE_SHAPE)),
            1,
            hidden=hidden,
            depth=2,
            activation=lambda: nn.LeakyReLU(0.2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)


def mnist_players(kind: str) -> tuple[nn.Module, nn.Module]:
    """(G, D) of the given kind.

    ``mlp`` (the 2014 paper's setup) or ``dcgan`` (Radford et al. 2015).
    """
    if kind == "mlp":
        return MLPImageGenerator(), MLPImageDiscriminator()
    if kind == "dcgan":
        # G first, then D: the order in which their weights are drawn
        generator = DCGANGenerator(28, LATENT_DIM, 1, DCGAN_WIDTH)
        discriminator = DCGANDiscriminator(28, 1, DCGAN_WIDTH)
        return generator, discriminator
    raise ValueError(f"Unknown MNIST GAN {kind!r}. Valid kinds: mlp, dcgan.")


def quality_probe(judge: SampleJudge, n: int = 1000, seed: int = 12345):
    """A trainer probe that judges n samples of G.

    It reports the Fréchet classifier distance, class counts and mean
    confidence. The noise is the same at every call (seeded), so the curve
    shows G changing, not z.
    """

    @torch.no_grad()
    def probe(
        generator: nn.Module, discriminator: nn.Module
    ) -> dict[str, torch.Tensor]:
        device = next(generator.parameters()).device
        # drawn on the CPU: the same z on every device
        z = torch.randn(
            n,
            generator.latent_dim,
            generator=torch.Generator().manual_seed(seed),
        ).to(device)
        # eval mode: the sample is G(z) alone (the trainer calls probes so)
        with evaluating(generator):
            quality = judge(generator(z))
        return {
            "frechet_distance": torch.tensor(quality.frechet_distance),
            "class_counts": torch.as_tensor(quality.class_counts),
            "mean_confidence": torch.tensor(quality.mean_confidence),
        }

    return probe


def image_grid(images: torch.Tensor, nrow: int = 8) -> np.ndarray:
    """Images in [−1, 1], (n, 1, H, W), tiled into one (H', W') array.

    Tiled by ``torchvision.utils.make_grid``, with values in [0, 1].
    """
    # imported here: only figures need torchvision
    from torchvision.utils import make_grid

    return make_grid(
        to_unit_range(images.detach().float().cpu()),
        nrow=nrow,
        padding=2,
        pad_value=1.0,
    )[0].numpy()
