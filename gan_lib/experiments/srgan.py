"""SRGAN on MNIST (Chapter 15): 4× super-resolution, 7×7 → 28×28.

Ledig et al. (2017) train a super-resolution network G in two ways. As a
plain regression, SRResNet, on the pixel-wise MSE (their eq. 4),

.. math::
    l_{MSE} = \\frac{1}{r^2 W H} \\sum_{x, y}
              \\big(I^{HR}_{x,y} − G(I^{LR})_{x,y}\\big)^2,

and as SRGAN, on the *perceptual loss* (their eq. 3),

.. math::
    l^{SR} = l_X + 10^{-3}\\, l_{Gen},
    \\qquad l_{Gen} = \\sum_n −\\log D(G(I^{LR}_n))   \\quad (eq. 6),

where the content loss l_X compares feature maps of a trained classifier
(their eq. 5; :func:`gan_lib.evaluation.content.content_loss`) and l_Gen is
the non-saturating generator cost against a discriminator D trained as in
any GAN. SRGAN starts from the trained SRResNet. The paper writes l_Gen as
a sum over the training images; we average it over the minibatch, as
every cost in the book (a sum would make w act m times larger).

The book's trainer runs Algorithm 1 with J⁽ᴳ⁾ = l_Gen at weight 1 plus
``generator_extra_cost``. So eq. 3 is divided by its adversarial weight w:

.. math::
    J^{(G)} = l_{Gen} + \\tfrac{1}{w}\\, l_X
            = \\tfrac{1}{w}\\,(l_X + w\\, l_{Gen}).

A constant factor on the whole cost leaves Adam's steps unchanged (Adam
divides the gradient by its own running RMS; only its ε = 10⁻⁸ breaks the
tie), so this trains eq. 3 as written. w = 0 has no such form: the
MSE-only network is trained by :func:`fit_regression`, a supervised loop
with no discriminator (it is not Algorithm 1, as SRResNet is no GAN).

The wiring through the trainer's two openings:

- ``noise=image_sampler(train_images)``: G's "noise" z is a batch of
  high-resolution training images I^HR;
- the generator is a :class:`SuperResolver`: it downsamples z to I^LR and
  returns G(I^LR), so D sees 28×28 images and the extra cost
  ``extra(generator, z, fake)`` reads its target I^HR from z itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from gan_lib.evaluation.classifier import MNISTClassifier, in_batches
from gan_lib.evaluation.content import ClassifierFeatures, content_loss
from gan_lib.evaluation.distortion import psnr, ssim
from gan_lib.evaluation.sample_quality import SampleJudge
from gan_lib.nn.modes import evaluating
from gan_lib.nn.superres import bicubic_upsample, downsample
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "FACTOR",
    "PAPER_ADVERSARIAL_WEIGHT",
    "SuperResolver",
    "image_sampler",
    "pixel_mse",
    "ContentCost",
    "ScaledCost",
    "perceptual_extra_cost",
    "content_scale",
    "fit_regression",
    "srgan_trainer",
    "super_resolve",
    "bicubic",
    "SRMeasures",
    "measure",
]

FACTOR = 4  # r: 7×7 → 28×28, the paper's 4×
PAPER_ADVERSARIAL_WEIGHT = 1e-3  # w of eq. 3 in Ledig et al. (2017)

# extra(generator, z, fake) -> scalar: the trainer's generator_extra_cost
ExtraCost = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


class SuperResolver(nn.Module):
    """G as the trainer sees it: I^HR ↦ G(downsample(I^HR)).

    The trainer feeds G its "noise" z; here z is a batch of high-resolution
    images (m, 1, 28, 28). The wrapper makes the low-resolution input
    I^LR = downsample(z) (m, 1, 7, 7) and returns the network's
    super-resolved image (m, 1, 28, 28). The target of every output is z,
    so an extra cost can compare ``fake`` with ``z``.

    Args:
        network: the super-resolution network, e.g. ``SRGenerator()``,
            mapping (m, 1, 7, 7) to (m, 1, 28, 28).
        factor: r, the downsampling factor (4).
    """

    def __init__(self, network: nn.Module, factor: int = FACTOR) -> None:
        super().__init__()
        self.network, self.factor = network, factor

    def forward(self, high: torch.Tensor) -> torch.Tensor:
        return self.network(downsample(high, self.factor))


def image_sampler(
    images: torch.Tensor,
) -> Callable[[int, torch.Generator], torch.Tensor]:
    """noise(m, generator): m rows of ``images``, drawn with ``generator``.

    Uniform with replacement, on the images' device, as the trainer draws
    its data batches; give it the trainer's stream for a reproducible run.
    """
    if images.ndim != 4:
        raise ValueError(
            "images must be a batch of shape (N, 1, 28, 28), got "
            f"{tuple(images.shape)}"
        )

    def draw_images(m: int, generator: torch.Generator) -> torch.Tensor:
        index = torch.randint(
            len(images), (m,), generator=generator, device=images.device
        )
        return images[index]

    return draw_images


def pixel_mse(
    generator: nn.Module, z: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    """l_MSE (eq. 4): the mean of (I^HR − G(I^LR))² over every pixel.

    ``z`` is I^HR and ``fake`` is G(I^LR) (see :class:`SuperResolver`);
    ``generator`` is unused, as the trainer's signature allows.
    """
    _check_target(z, fake)
    return (fake - z).pow(2).mean()


class ContentCost:
    """l_X (eq. 5), ``scale`` · mean (φ(I^HR) − φ(G(I^LR)))², a callable.

    ``scale`` plays the role of the paper's constant factor on VGG's
    feature maps: it brings the content loss to the size of the MSE (see
    :func:`content_scale`), so that a weight on the adversarial term means
    the same against either.
    """

    def __init__(self, features: ClassifierFeatures, scale: float = 1.0):
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.features, self.scale = features, float(scale)

    def __call__(
        self, generator: nn.Module, z: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        _check_target(z, fake)
        return self.scale * content_loss(self.features, fake, z)

    def __repr__(self) -> str:
        return f"ContentCost({self.features.layer!r}, scale={self.scale:.4g})"


class ScaledCost:
    """factor · cost(generator, z, fake): a weighted extra cost."""

    def __init__(self, cost: ExtraCost, factor: float) -> None:
        if not (factor > 0 and math.isfinite(factor)):
            raise ValueError(
                f"factor must be positive and finite, got {factor!r}"
            )
        self.cost, self.factor = cost, float(factor)

    def __call__(
        self, generator: nn.Module, z: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        return self.factor * self.cost(generator, z, fake)

    def __repr__(self) -> str:
        return f"{self.factor:.4g} · {self.cost!r}"


def perceptual_extra_cost(
    content: ExtraCost, adversarial_weight: float = PAPER_ADVERSARIAL_WEIGHT
) -> ScaledCost:
    """The extra cost that makes the trainer's J⁽ᴳ⁾ eq. 3 divided by w.

    J⁽ᴳ⁾ = l_Gen + (1/w) l_X, which Adam trains exactly as l_X + w l_Gen
    (see the module docstring). ``content`` is l_X: :func:`pixel_mse`
    (the paper's SRGAN-MSE) or a :class:`ContentCost`. w must be > 0; the
    w = 0 network is :func:`fit_regression`'s.
    """
    if not adversarial_weight > 0:
        raise ValueError(
            "the adversarial weight w must be positive (J(G) = l_Gen + "
            f"l_X / w); got {adversarial_weight!r}. For w = 0, train the "
            "content loss alone with fit_regression."
        )
    return ScaledCost(content, 1.0 / adversarial_weight)


def content_scale(features: ClassifierFeatures, images: torch.Tensor) -> float:
    """c with c · content = MSE on the bicubic reconstructions of ``images``.

    Ledig et al. rescale VGG's feature maps by a constant so that the VGG
    loss is of the size of the MSE; we fix the scale by that rule, on the
    baseline's outputs: c = l_MSE / l_φ for bicubic(downsample(images))
    against ``images``.
    """
    with torch.no_grad():
        base = bicubic(images)
        mse = (base - images).pow(2).mean()
        content = content_loss(features, base, images)
    if not content > 0:
        raise ValueError(
            "the content loss of the bicubic baseline is zero: the images "
            "are constant or the layer is dead; pass other images or layer"
        )
    return float(mse / content)


def fit_regression(
    resolver: SuperResolver,
    images: torch.Tensor,
    cost: ExtraCost,
    iterations: int,
    *,
    batch_size: int = 32,
    lr: float = 1e-4,
    seed: int = 0,
) -> np.ndarray:
    """Train ``resolver`` on ``cost`` alone: SRResNet, no discriminator.

    Each iteration draws m = ``batch_size`` high-resolution images with a
    stream seeded by ``seed`` and descends cost(resolver, I^HR, G(I^LR))
    by Adam with learning rate ``lr`` and β₁ = 0.9 (the paper's optimiser,
    at its 10⁻⁴ by default); each call starts a fresh Adam. Supervised
    learning, not a game: there is no D and no Algorithm 1.

    Returns the cost at every iteration, shape (iterations,).
    """
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(
            f"iterations must be a non-negative integer, got {iterations!r}"
        )
    device = next(resolver.parameters()).device
    draw = image_sampler(images.to(device))
    stream = torch.Generator(device=device).manual_seed(seed)
    optimizer = adam(lr, (0.9, 0.999))(resolver.parameters())
    resolver.train()
    # Kept on the device: reading a loss every step would sync a GPU.
    losses = torch.empty(iterations, device=device)
    for i in range(iterations):
        high = draw(batch_size, stream)
        loss = cost(resolver, high, resolver(high))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses[i] = loss.detach()
    return losses.cpu().numpy()


def srgan_trainer(
    resolver: SuperResolver,
    discriminator: nn.Module,
    images: torch.Tensor,
    extra_cost: ExtraCost,
    *,
    batch_size: int = 32,
    lr: float = 1e-4,
    seed: int = 0,
    log_every: int = 10,
    device: torch.device | str | None = None,
) -> Trainer:
    """The book's trainer set up for SRGAN: Algorithm 1 with k = 1.

    D learns to tell ``images`` (real I^HR) from G(I^LR); G descends the
    non-saturating l_Gen plus ``extra_cost`` (see
    :func:`perceptual_extra_cost`). Adam with learning rate ``lr`` and
    β₁ = 0.9 for both players, the paper's optimiser. G's inputs are
    training images drawn with the trainer's stream.
    """
    return Trainer(
        resolver,
        discriminator,
        images,
        batch_size=batch_size,
        generator_cost="non_saturating",  # l_Gen of eq. 6
        g_optimizer=adam(lr, (0.9, 0.999)),
        d_optimizer=adam(lr, (0.9, 0.999)),
        noise=image_sampler(images),
        generator_extra_cost=extra_cost,
        snapshot_size=16,  # the default 512 would cost a G pass per snapshot
        log_every=log_every,
        device=device,
        seed=seed,
    )


def super_resolve(
    resolver: SuperResolver, high: torch.Tensor, batch_size: int = 500
) -> torch.Tensor:
    """G(downsample(high)) in eval mode, without gradients, in chunks."""
    with evaluating(resolver):
        return in_batches(resolver, high, batch_size)


def bicubic(high: torch.Tensor) -> torch.Tensor:
    """The baseline: bicubic_upsample(downsample(high)), 28 → 7 → 28."""
    return bicubic_upsample(downsample(high, FACTOR), FACTOR)


@dataclass(frozen=True)
class SRMeasures:
    """Distortion and perception of super-resolved test images.

    Distortion, against each image's own target: ``psnr`` (dB) and
    ``ssim``, means over images; ``rmse``, the root of the mean squared
    error over all pixels (on [−1, 1]). Perception, of the outputs as a
    set: ``frechet`` (the Fréchet classifier distance to held-out real
    images) and ``accuracy`` (the reference classifier's, against the
    targets' labels).
    """

    psnr: float
    ssim: float
    rmse: float
    frechet: float
    accuracy: float


def measure(
    outputs: torch.Tensor,
    targets: torch.Tensor,
    labels: torch.Tensor,
    judge: SampleJudge,
) -> SRMeasures:
    """:class:`SRMeasures` of ``outputs`` against ``targets`` and labels.

    PSNR is averaged over images whose PSNR is finite (an exact copy has
    PSNR = ∞); the Fréchet distance is the judge's, whose real statistics
    should come from images other than ``targets``.
    """
    _check_target(targets, outputs)
    if labels.shape != (len(targets),):
        raise ValueError(
            f"need one label per target: {len(targets)} targets, labels "
            f"of shape {tuple(labels.shape)}"
        )
    outputs, targets = outputs.detach(), targets.detach()
    per_image = psnr(outputs, targets)
    finite = per_image[torch.isfinite(per_image)]
    classifier: MNISTClassifier = judge.classifier
    device = next(classifier.parameters()).device
    predicted = in_batches(classifier, outputs.to(device)).argmax(1)
    return SRMeasures(
        psnr=float(finite.mean()) if len(finite) else math.inf,
        ssim=float(ssim(outputs, targets).mean()),
        rmse=float((outputs - targets).pow(2).mean().sqrt()),
        frechet=judge.frechet_classifier_distance(outputs),
        accuracy=float((predicted.cpu() == labels.cpu()).float().mean()),
    )


def _check_target(target: torch.Tensor, output: torch.Tensor) -> None:
    if target.shape != output.shape:
        raise ValueError(
            "a super-resolved image and its target must have the same "
            f"shape, got {tuple(output.shape)} and {tuple(target.shape)}: "
            "is z the high-resolution batch (see SuperResolver)?"
        )
