"""Paired translation, pix2pix (Isola et al. 2017): players, costs, measures.

The task maps an input image x to an output image y, learnt from pairs
(x, y). The generator G is a U-Net (:mod:`gan_lib.nn.unet`); the
discriminator D is a conditional PatchGAN that judges the pair (x, y)
(:mod:`gan_lib.nn.patchgan`). The paper's objectives, with D(x, y) the
probability that y is the real output for x:

.. math::
    \\mathcal L_{cGAN}(G, D) = \\mathbb E_{x,y}[\\log D(x, y)]
        + \\mathbb E_{x,z}[\\log(1 - D(x, G(x, z)))]            \\quad (1)

    \\mathcal L_{L1}(G) = \\mathbb E_{x,y,z}[\\lVert y - G(x, z)\\rVert_1]
                                                            \\quad (3)

    G^* = \\arg\\min_G \\max_D \\mathcal L_{cGAN}(G, D)
        + \\lambda \\mathcal L_{L1}(G)                        \\quad (4)

with λ = 100 in the paper's experiments. As in the paper (section 3.3), G
descends the non-saturating cost −log D(x, G(x)) rather than
log(1 − D(x, G(x))), and both players use Adam with learning rate 2·10⁻⁴
and β₁ = 0.5. The paper also halves D's objective to slow D down; with Adam
that is (up to Adam's ε) no change at all, since Adam's step does not
depend on the scale of the loss, so we leave it out.

Three objectives are compared at an equal number of G steps
(:data:`OBJECTIVES`):

- ``"L1"``: G descends λ‖y − G(x)‖₁ alone. There is no D, so this is a
  plain regression loop, :func:`train_l1_alone`, not the GAN trainer;
- ``"cGAN"``: the conditional GAN of (1) alone, by the book's trainer;
- ``"L1+cGAN"``: (4), by the book's trainer with λ‖y − G(x)‖₁ added to
  J⁽ᴳ⁾ (``generator_extra_cost``).

How the pairs travel through the book's one trainer
(:class:`gan_lib.training.trainer.Trainer`). The trainer's D compares a
data batch with G's output, example for example of one shape. A pair is one
(m, 2, H, W) tensor [x; y], input channel first
(:mod:`gan_lib.data.paired`), so G must output pairs too:
:class:`PairGenerator` wraps the U-Net and maps a pair [x; y] to [x; G(x)].
G's input z is thus the whole pair, drawn by the trainer's ``noise``
callable; the wrapper reads x only, and the L1 term reads the target y
from z. D then sees real pairs [x; y] and fake pairs [x; G(x)], the
conditional discriminator of (1).

What we measure on held-out pairs (:func:`score_outputs`):

- the per-pixel error mean |y − G(x)| on the [−1, 1] scale, (3) itself;
- the Fréchet classifier distance of the outputs to real items in the
  features of the Fashion-MNIST reference classifier;
- class agreement: how often the classifier puts G(x) in the class of the
  item y it should be;
- sharpness: the mean Sobel gradient magnitude of the outputs over that of
  the targets (:func:`sharpness`). A blur can only lower the mean gradient
  magnitude (see :func:`sharpness`), so a ratio below 1 says "smoother than
  the real items"; above 1 says "more edges than the real items", which
  noise or invented texture gives too.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from gan_lib.data.paired import (
    PairedData,
    join_pair,
    sobel_magnitude,
    split_pair,
)
from gan_lib.evaluation.classifier import in_batches
from gan_lib.evaluation.sample_quality import SampleJudge, class_agreement
from gan_lib.nn.modes import evaluating
from gan_lib.nn.patchgan import PatchDiscriminator
from gan_lib.nn.unet import UNetGenerator
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "LAMBDA_L1",
    "OBJECTIVES",
    "MEASURES",
    "Pix2PixRecipe",
    "PairGenerator",
    "l1_distance",
    "l1_cost",
    "players",
    "make_trainer",
    "train_l1_alone",
    "CostGradients",
    "cost_gradients",
    "Translator",
    "train",
    "translate",
    "sharpness",
    "gaussian_blur",
    "TranslationScores",
    "score_outputs",
    "score",
]

# A term of J⁽ᴳ⁾ beside the adversarial cost, as the trainer calls it:
# extra(generator, z, fake) -> scalar.
ExtraCost = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]
LAMBDA_L1 = 100.0  # λ of eq. (4), the paper's value
OBJECTIVES = ("L1", "cGAN", "L1+cGAN")
# The measures of TranslationScores, and which way is better for each.
MEASURES = {
    "l1_error": "lower",
    "frechet_distance": "lower",
    "class_agreement": "higher",
    "sharpness": "closer to 1",
}


@dataclass(frozen=True)
class Pix2PixRecipe:
    """The settings of one run; ``with_(...)`` changes some of them.

    ``objective`` is one of :data:`OBJECTIVES`; ``receptive_field`` a
    preset of :data:`gan_lib.nn.patchgan.PATCH_LAYERS` (``"pixel"``,
    ``"patch"``, ``"image"``).
    """

    objective: str = "L1+cGAN"
    receptive_field: str = "patch"  # D's preset: r = 1, 8 or the image
    width: int = 16  # ngf: the U-Net's first encoder width
    d_width: int = 16  # ndf: D's first layer width
    batch_size: int = 32  # m
    l1_weight: float = LAMBDA_L1  # λ, used by "L1" and "L1+cGAN"
    lr: float = 2e-4  # Adam's learning rate (the paper's)
    seed: int = 0  # initial weights and every batch

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(
                f"unknown objective {self.objective!r}; choose one of "
                f"{', '.join(OBJECTIVES)}"
            )
        if not self.l1_weight > 0:
            raise ValueError(
                f"l1_weight is λ > 0, got {self.l1_weight!r}; for no L1 "
                "term use objective='cGAN'"
            )

    def with_(self, **changes) -> Pix2PixRecipe:
        """A copy with ``changes`` applied, e.g. ``with_(seed=1)``."""
        return dataclasses.replace(self, **changes)

    @property
    def adversarial(self) -> bool:
        """Whether G plays against D (the cGAN term of eq. 1 is on)."""
        return self.objective != "L1"

    @property
    def effective_l1_weight(self) -> float:
        """The λ in G's cost: 0 for ``"cGAN"``, else ``l1_weight``."""
        return 0.0 if self.objective == "cGAN" else self.l1_weight


class PairGenerator(nn.Module):
    """[x; y] ↦ [x; G(x)]: the U-Net as a generator of (input, output) pairs.

    The trainer's D compares G's output with a data batch of pairs
    (m, 2C, H, W), so G must output pairs. The target half of the input
    pair is never read; it rides along in z for the L1 term
    (:func:`l1_cost`). ``translator`` is the U-Net itself.
    """

    def __init__(self, translator: nn.Module) -> None:
        super().__init__()
        self.translator = translator

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        inputs, _ = split_pair(pairs)  # the target is not G's to see
        return join_pair(inputs, self.translator(inputs))


def l1_distance(targets: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    """L_L1 of eq. (3) on a batch: the mean of |y − G(x)| over every pixel.

    A mean rather than a sum over pixels, as the paper's code computes it,
    so λ = 100 weighs a per-pixel error (on the [−1, 1] scale) against the
    adversarial cost of one patch.
    """
    if targets.shape != outputs.shape:
        raise ValueError(
            "targets and outputs must have one shape, got "
            f"{tuple(targets.shape)} and {tuple(outputs.shape)}"
        )
    return (targets - outputs).abs().mean()


def l1_cost(weight: float = LAMBDA_L1) -> ExtraCost:
    """The trainer's extra cost λ‖y − G(x)‖₁, read from the pairs.

    ``extra(generator, z, fake)``: the target y is the second half of the
    input pair z = [x; y], the output G(x) the second half of
    fake = [x; G(x)].
    """
    if not weight > 0:
        raise ValueError(f"the L1 weight λ must be > 0, got {weight!r}")

    def l1_term(
        generator: nn.Module, z: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor:
        _, targets = split_pair(z)
        _, outputs = split_pair(fake)
        return weight * l1_distance(targets, outputs)

    return l1_term


def players(
    recipe: Pix2PixRecipe, channels: int = 1
) -> tuple[UNetGenerator, PatchDiscriminator | None]:
    """(the U-Net, the PatchGAN D or None for ``"L1"``), seeded by the recipe.

    G is drawn first, so one seed gives the same initial G whatever the
    objective: the runs of a seed differ only in what G is trained on.
    The U-Net has depth 2 (28 → 14 → 7); D reads 2·``channels`` channels,
    the pair.
    """
    torch.manual_seed(recipe.seed)
    generator = UNetGenerator(channels, channels, width=recipe.width, depth=2)
    if not recipe.adversarial:
        return generator, None
    discriminator = PatchDiscriminator(
        2 * channels, recipe.d_width, recipe.receptive_field
    )
    return generator, discriminator


def make_trainer(
    recipe: Pix2PixRecipe,
    paired: PairedData,
    device: torch.device | str | None = None,
    **options,
) -> Trainer:
    """The book's trainer for an adversarial recipe (``cGAN``, ``L1+cGAN``).

    Data and G's inputs are both pairs drawn by ``paired.sampler()``;
    ``L1+cGAN`` adds :func:`l1_cost` to J⁽ᴳ⁾. ``options`` go to the
    :class:`~gan_lib.training.trainer.Trainer` and override these settings.
    """
    if not recipe.adversarial:
        raise ValueError(
            "objective 'L1' has no discriminator and no game: train it "
            "with train_l1_alone (or train), not with the GAN trainer"
        )
    generator, discriminator = players(recipe, paired.inputs.shape[1])
    sampler = paired.sampler()
    weight = recipe.effective_l1_weight
    settings = dict(
        batch_size=recipe.batch_size,
        generator_cost="non_saturating",  # the paper's section 3.3
        g_optimizer=adam(recipe.lr, (0.5, 0.999)),
        d_optimizer=adam(recipe.lr, (0.5, 0.999)),
        noise=sampler,  # z = [x; y]: G reads x, the L1 term reads y
        generator_extra_cost=l1_cost(weight) if weight else None,
        snapshot_size=16,  # fixed pairs for snapshots; none are taken
        device=device,
        seed=recipe.seed,
    )
    return Trainer(
        PairGenerator(generator),
        discriminator,
        sampler,
        **(settings | options),
    )


def train_l1_alone(
    generator: nn.Module,
    paired: PairedData,
    iterations: int,
    *,
    batch_size: int = 32,
    l1_weight: float = LAMBDA_L1,
    lr: float = 2e-4,
    seed: int = 0,
    log_every: int = 10,
) -> dict[str, np.ndarray]:
    """Descend λ‖y − G(x)‖₁ alone: a plain regression loop, no D.

    Each iteration draws m pairs with a generator seeded by ``seed`` (on
    the data's device, as the trainer draws them), and takes one Adam step
    (the GAN runs' optimiser and settings). Returns the record
    ``{"iteration": ..., "l1": ...}``: the batch's mean |y − G(x)| (without
    λ) every ``log_every`` iterations.
    """
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(
            f"iterations must be an integer >= 0, got {iterations!r}"
        )
    device = paired.inputs.device
    generator = generator.to(device).train()
    optimizer = adam(lr, (0.5, 0.999))(generator.parameters())
    draw = paired.sampler()
    stream = torch.Generator(device=device).manual_seed(seed)
    record: dict[str, list[float]] = {"iteration": [], "l1": []}
    for iteration in range(1, iterations + 1):
        inputs, targets = split_pair(draw(batch_size, stream))
        error = l1_distance(targets, generator(inputs))
        optimizer.zero_grad(set_to_none=True)
        (l1_weight * error).backward()
        optimizer.step()
        if iteration % log_every == 0:
            record["iteration"].append(iteration)
            record["l1"].append(error.item())
    if not all(map(math.isfinite, record["l1"])):
        raise FloatingPointError(
            "the L1 regression diverged (a non-finite error); lower lr"
        )
    return {key: np.asarray(values) for key, values in record.items()}


@dataclass(frozen=True)
class CostGradients:
    """The two terms of J⁽ᴳ⁾ seen from θ_G: their gradients' norms.

    ``adversarial`` is ‖∇ −log D(x, G(x))‖, ``l1`` is ‖∇ λ‖y − G(x)‖₁‖,
    ``cosine`` the cosine of the angle between the two gradients.
    """

    adversarial: float
    l1: float
    cosine: float

    @property
    def ratio(self) -> float:
        """‖∇ adversarial‖ / ‖∇ λ L1‖: how much the game steers G."""
        return self.adversarial / self.l1


def cost_gradients(
    trainer: Trainer, m: int = 256, seed: int = 0
) -> CostGradients:
    """∇_θ_G of each term of J⁽ᴳ⁾ on m pairs, D held fixed.

    The pairs come from the trainer's sampler with a stream of their own
    (seeded by ``seed``), and both players run in eval mode, so measuring
    moves no parameter, buffer or training stream. λ is the recipe's
    (the trainer's L1 term); for a ``cGAN`` trainer, pass one with an L1
    term or read only ``adversarial``.
    """
    generator, discriminator = trainer.generator, trainer.discriminator
    stream = torch.Generator(device=trainer.device).manual_seed(seed)
    z = trainer.noise(m, stream)
    weights = [p for p in generator.parameters() if p.requires_grad]
    with evaluating(generator, discriminator):
        fake = generator(z)
        adversarial = F.softplus(-discriminator(fake)).mean()  # −log D
        extra = trainer.extra_cost
        l1 = (
            extra(generator, z, fake)
            if extra is not None
            else l1_cost()(generator, z, fake)
        )
        g_adv = torch.autograd.grad(adversarial, weights, retain_graph=True)
        g_l1 = torch.autograd.grad(l1, weights)
    flat_adv = torch.cat([g.flatten() for g in g_adv])
    flat_l1 = torch.cat([g.flatten() for g in g_l1])
    return CostGradients(
        adversarial=flat_adv.norm().item(),
        l1=flat_l1.norm().item(),
        cosine=F.cosine_similarity(flat_adv, flat_l1, dim=0).item(),
    )


@dataclass
class Translator:
    """A trained run: its recipe, its U-Net, and how training went.

    ``trainer`` is the GAN trainer (None for ``"L1"``); ``l1`` is the
    training batches' mean |y − G(x)| per record (``"L1"``, ``"L1+cGAN"``;
    empty for ``"cGAN"``, whose cost does not compute it).
    """

    recipe: Pix2PixRecipe
    generator: UNetGenerator
    trainer: Trainer | None
    l1: np.ndarray


def train(
    recipe: Pix2PixRecipe,
    paired: PairedData,
    iterations: int,
    *,
    log_every: int = 10,
) -> Translator:
    """Train ``recipe`` for ``iterations`` G steps on ``paired``.

    ``"L1"`` by :func:`train_l1_alone`; the others by the trainer
    (:func:`make_trainer`), one D step per G step.
    """
    device = paired.inputs.device
    if not recipe.adversarial:
        generator, _ = players(recipe, paired.inputs.shape[1])
        record = train_l1_alone(
            generator,
            paired,
            iterations,
            batch_size=recipe.batch_size,
            l1_weight=recipe.l1_weight,
            lr=recipe.lr,
            seed=recipe.seed,
            log_every=log_every,
        )
        return Translator(recipe, generator, None, record["l1"])
    trainer = make_trainer(recipe, paired, device, log_every=log_every)
    trainer.train(iterations, progress=False)
    weight = recipe.effective_l1_weight
    recorded = trainer.history.records.get("g_extra", [])  # none if < 1 row
    l1 = np.asarray(recorded) / weight if weight else np.array([])
    return Translator(recipe, trainer.generator.translator, trainer, l1)


@torch.no_grad()
def translate(
    generator: nn.Module, inputs: torch.Tensor, batch_size: int = 500
) -> torch.Tensor:
    """G(x) for every input, in eval mode (running averages, no dropout).

    The generator's modes are restored afterwards; nothing changes.
    """
    device = next(generator.parameters()).device
    with evaluating(generator):
        return in_batches(generator, inputs.to(device), batch_size)


def sharpness(images: torch.Tensor) -> torch.Tensor:
    """s(u) = mean over pixels of |∇u|, the Sobel gradient magnitude.

    One number per image, shape (N,), on the [−1, 1] scale. Why it measures
    blur: ∇ is linear and |·| a norm, so for weights w_j ≥ 0 summing to 1
    the triangle inequality gives |∇ Σ w_j u_j| ≤ Σ w_j |∇u_j| pixel by
    pixel, and s(Σ w_j u_j) ≤ Σ w_j s(u_j): an average of plausible
    outputs, which a regression loss rewards under uncertainty, is never
    sharper than they are on average. A blur (k ≥ 0, Σ k = 1) is the
    average of shifted copies of u, so s(k ⋆ u) ≤ s(u) (exactly with
    periodic borders; the replicate padding of
    :func:`gan_lib.data.paired.sobel_magnitude` changes only the border
    pixels). The converse fails: noise raises s too, so s alone cannot
    tell sharp from noisy; the other measures can.
    """
    return sobel_magnitude(images).mean(dim=(1, 2, 3))


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """``images`` (N, C, H, W) blurred by a Gaussian of std ``sigma`` pixels.

    A normalised, separable kernel of radius ⌈3σ⌉ with replicate padding:
    the calibration of :func:`sharpness` (a blur can only lower it).
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0 pixels, got {sigma!r}")
    radius = math.ceil(3 * sigma)
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = (kernel / kernel.sum()).to(images.device)  # Σ k = 1
    n, c, h, w = images.shape
    u = images.reshape(n * c, 1, h, w)
    u = F.pad(u, (radius, radius, radius, radius), mode="replicate")
    u = F.conv2d(u, kernel.view(1, 1, 1, -1))  # along rows
    u = F.conv2d(u, kernel.view(1, 1, -1, 1))  # along columns
    return u.reshape(n, c, h, w)


@dataclass(frozen=True)
class TranslationScores:
    """The measures of one set of outputs on held-out pairs.

    ``sharpness`` is the ratio of the outputs' mean :func:`sharpness` to the
    targets'; ``class_agreement`` the fraction of outputs that the
    reference classifier puts in their item's class.
    """

    l1_error: float  # mean |y − G(x)|, [−1, 1] scale
    frechet_distance: float  # to the judge's real items
    class_agreement: float
    sharpness: float  # s(G(x)) / s(y), 1 = as sharp as the real items
    mean_confidence: float  # E max_c p(c | G(x))

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


def score_outputs(
    outputs: torch.Tensor, held_out: PairedData, judge: SampleJudge
) -> TranslationScores:
    """Measure ``outputs`` (one per held-out pair, in order) against it.

    ``judge`` holds the reference classifier and the real items' feature
    statistics; give it items that are not among ``held_out``'s targets,
    so that the targets themselves score a non-zero floor.
    """
    targets = held_out.targets
    if outputs.shape != targets.shape:
        raise ValueError(
            f"need one output per held-out pair: outputs "
            f"{tuple(outputs.shape)}, targets {tuple(targets.shape)}"
        )
    outputs = outputs.to(targets.device)
    quality = judge(outputs)
    agreement = class_agreement(judge.classifier, outputs, held_out.labels)
    return TranslationScores(
        l1_error=l1_distance(targets, outputs).item(),
        frechet_distance=quality.frechet_distance,
        class_agreement=agreement.overall,
        sharpness=(
            sharpness(outputs).mean() / sharpness(targets).mean()
        ).item(),  # fmt: skip
        mean_confidence=quality.mean_confidence,
    )


def score(
    generator: nn.Module, held_out: PairedData, judge: SampleJudge
) -> TranslationScores:
    """:func:`score_outputs` of G(x) for every held-out input x."""
    return score_outputs(
        translate(generator, held_out.inputs), held_out, judge
    )
