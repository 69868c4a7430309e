"""The two MNIST GANs of the chapter "From the MLP GAN to DCGAN".

- ``mlp``: the 2014 paper's MNIST players (Goodfellow et al. 2014, Section
  5), sized as in its released ``mnist.yaml`` (``goodfeli/adversarial``).
  G: two layers of 1,200 rectified linear units and a sigmoid output of 784
  pixels. D: two maxout layers of 240 units × 5 pieces and one sigmoid
  output, with dropout on the inputs of every layer (keep probability 0.8
  on the pixels, 0.5 above). Weights start uniform in ±0.05 (G) and
  ±0.005 (D), biases at 0, except G's output bias, set from the pixel means
  of the training images when they are given. The one change to the
  networks: G's sigmoid is mapped to the book's image range [−1, 1] by
  x = 2σ(a) − 1.
- ``dcgan``: :mod:`gan_lib.nn.dcgan` at 28×28 (7×7 → 14 → 28), width 32 so
  that the ``cpu`` profile trains in minutes on a CPU.

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
from gan_lib.nn.maxout import Maxout
from gan_lib.nn.mlp import mlp_layers
from gan_lib.nn.modes import evaluating

__all__ = [
    "LATENT_DIM",
    "IMAGE_SHAPE",
    "DCGAN_WIDTH",
    "PAPER_G_HIDDEN",
    "PAPER_D_UNITS",
    "PAPER_D_PIECES",
    "PAPER_D_KEEP",
    "MLPImageGenerator",
    "MLPImageDiscriminator",
    "marginal_output_bias",
    "mnist_players",
    "quality_probe",
    "image_grid",
]

LATENT_DIM = 100
IMAGE_SHAPE = (1, 28, 28)
DCGAN_WIDTH = 32  # narrower than the paper's, to train in minutes on a CPU
# The 2014 paper's MNIST sizes, from its released mnist.yaml.
PAPER_G_HIDDEN = 1200  # rectified linear units per hidden layer of G
PAPER_D_UNITS = 240  # maxout units per hidden layer of D
PAPER_D_PIECES = 5  # linear pieces per maxout unit
# Keep probabilities of D's dropout: on the pixels, then on each layer above
# (mnist.yaml: input_include_probs h0: .8, default .5).
PAPER_D_KEEP = (0.8, 0.5)
_PIXELS = int(np.prod(IMAGE_SHAPE))


def _uniform_init(module: nn.Module, init_range: float) -> None:
    """Weights ~ U(−r, r) and biases 0 in every Linear: pylearn2's irange."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.uniform_(layer.weight, -init_range, init_range)
            nn.init.zeros_(layer.bias)


def marginal_output_bias(images: torch.Tensor) -> torch.Tensor:
    """b with 2σ(b) − 1 equal to the mean of each pixel over ``images``.

    With p̄ = (mean x + 1)/2 ∈ [0, 1] per pixel, clipped to
    [1e−7, 1 − 1e−7] as pylearn2 does, b = log p̄ − log(1 − p̄): the
    2014 code's ``init_sigmoid_bias_from_marginals``, for images in [−1, 1].
    """
    mean = to_unit_range(images.detach().float().cpu()).mean(0).flatten()
    return torch.logit(mean.clamp(1e-7, 1 - 1e-7))


class MLPImageGenerator(nn.Module):
    """G(z) = 2σ(MLP(z)) − 1 reshaped to (1, 28, 28).

    The 2014 paper's MNIST generator: two ReLU hidden layers and a sigmoid
    output; 2σ(a) − 1 (= tanh(a/2)) maps the paper's [0, 1] pixels to the
    book's [−1, 1]. Weights start in U(±0.05) and biases at 0, as in the
    paper's code; ``output_bias`` (784 numbers) replaces the output layer's
    zero bias (see :func:`marginal_output_bias`).
    """

    def __init__(
        self,
        latent_dim: int = LATENT_DIM,
        hidden: int = PAPER_G_HIDDEN,
        output_bias: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp_layers(latent_dim, _PIXELS, hidden=hidden, depth=2)
        _uniform_init(self.net, 0.05)  # mnist.yaml: irange .05
        if output_bias is not None:
            with torch.no_grad():
                self.net[-1].bias.copy_(output_bias.reshape(_PIXELS))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # 2σ(a) − 1, not tanh(a): the paper's sigmoid unit, rescaled
        pixels = 2 * torch.sigmoid(self.net(z)) - 1
        return pixels.view(-1, *IMAGE_SHAPE)


class MLPImageDiscriminator(nn.Module):
    """D(x) as a logit, from the image flattened to 784 numbers.

    The 2014 paper's MNIST discriminator: dropout on the pixels (keep 0.8),
    maxout(240 units × 5 pieces), dropout (keep 0.5), maxout(240 × 5),
    dropout (keep 0.5), one linear output whose sigmoid is D(x). Weights
    start in U(±0.005), biases at 0. Dropout acts in train mode only:
    the trainer trains D in train mode and measures it in eval mode.
    """

    def __init__(
        self,
        units: int = PAPER_D_UNITS,
        pieces: int = PAPER_D_PIECES,
        keep: tuple[float, float] = PAPER_D_KEEP,
    ) -> None:
        super().__init__()
        keep_input, keep_hidden = keep
        # nn.Dropout(p) drops with probability p and scales the kept inputs
        # by 1/(1 − p): pylearn2's include_prob with input_scale 1/prob.
        self.net = nn.Sequential(
            nn.Dropout(1 - keep_input),
            Maxout(_PIXELS, units, pieces),
            nn.Dropout(1 - keep_hidden),
            Maxout(units, units, pieces),
            nn.Dropout(1 - keep_hidden),
            nn.Linear(units, 1),
        )
        _uniform_init(self.net, 0.005)  # mnist.yaml: irange .005

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)


def mnist_players(
    kind: str, images: torch.Tensor | None = None
) -> tuple[nn.Module, nn.Module]:
    """(G, D) of the given kind.

    ``mlp`` (the 2014 paper's players) or ``dcgan`` (Radford et al. 2015).
    ``images``: training images in [−1, 1]; the MLP generator's output bias
    starts at their pixel means, as in the 2014 code. DCGAN's initialisation
    uses no data, so ``dcgan`` does not read them.
    """
    if kind == "mlp":
        bias = None if images is None else marginal_output_bias(images)
        # G first, then D: the order in which their weights are drawn
        return MLPImageGenerator(output_bias=bias), MLPImageDiscriminator()
    if kind == "dcgan":
        # G first, then D, here too
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
