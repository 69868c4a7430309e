"""One DCGAN baseline for the tips chapters, each tip a named change to it.

The tips of Goodfellow (2016, §4) are measured one at a time: every run
starts from the same baseline and changes one thing, so a difference in the
measurements is the tip's effect (or the run-to-run noise, which the
chapters measure too). The baseline is the book's 28×28 DCGAN
(:mod:`gan_lib.nn.dcgan`, Radford et al. 2015) trained by the book's one
trainer (:class:`gan_lib.training.trainer.Trainer`): Adam with learning rate
2·10⁻⁴ and β₁ = 0.5, the non-saturating generator cost, k = 1, targets
α = 1 and β = 0.

A :class:`Recipe` holds the settings a tip changes:

- ``conditional``: train with labels, G(z, y) and D(x, y)
  (:mod:`gan_lib.nn.conditional`);
- ``real_label``, ``fake_label``: label smoothing's targets α and β
  (:mod:`gan_lib.theory.smoothing`);
- ``d_steps``, ``d_width``: balancing the players, k D steps per G step and
  D's width;
- ``batch_size``: the minibatch size m.

:func:`make_trainer` builds the players and the trainer for a recipe; the runs
themselves, their lengths and what is measured stay in the notebooks, in view.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from gan_lib.data.images import ImageData
from gan_lib.nn.conditional import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    LabelPackingDiscriminator,
    LabelPackingGenerator,
    noise_for_labels,
    pack_labelled_data,
    unpack,
)
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.nn.modes import evaluating
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "LATENT_DIM",
    "NUM_CLASSES",
    "Recipe",
    "players",
    "training_data",
    "make_trainer",
    "generated_images",
    "class_grid",
]

LATENT_DIM = 100
NUM_CLASSES = 10


@dataclass(frozen=True)
class Recipe:
    """The settings of one run: the baseline by default.

    ``with_(...)`` changes one tip's settings.
    """

    width: int = 32  # n_gf, G's width (and D's unless d_width is given)
    d_width: int | None = None  # n_df
    batch_size: int = 64  # m
    d_steps: int = 1  # k
    real_label: float = 1.0  # α
    fake_label: float = 0.0  # β
    conditional: bool = False
    lr: float = 2e-4
    seed: int = 0

    def with_(self, **changes) -> Recipe:
        """A copy with ``changes`` applied.

        For example ``baseline.with_(real_label=0.9)``.
        """
        return dataclasses.replace(self, **changes)

    @property
    def discriminator_width(self) -> int:
        return self.width if self.d_width is None else self.d_width


def players(
    recipe: Recipe, image_size: int = 28, channels: int = 1
) -> tuple[nn.Module, nn.Module]:
    """(G, D) for ``recipe``, initialised from ``recipe.seed``.

    Label-packing players when ``recipe.conditional``.
    """
    torch.manual_seed(recipe.seed)
    d_width = recipe.discriminator_width
    # G first, then D: the order in which their weights are drawn
    if not recipe.conditional:
        generator = DCGANGenerator(
            image_size, LATENT_DIM, channels, recipe.width
        )
        discriminator = DCGANDiscriminator(image_size, channels, d_width)
        return generator, discriminator
    generator = ConditionalDCGANGenerator(
        NUM_CLASSES, image_size, LATENT_DIM, channels, recipe.width
    )
    discriminator = ConditionalDCGANDiscriminator(
        NUM_CLASSES, image_size, channels, d_width
    )
    # wrapped for the unchanged Trainer: each label travels packed with its
    # sample
    return (
        LabelPackingGenerator(generator),
        LabelPackingDiscriminator(discriminator),
    )


def training_data(recipe: Recipe, data: ImageData) -> torch.Tensor:
    """What the trainer samples: the images, or packed (image, label) pairs.

    When ``recipe.conditional``, each image and its label are packed into
    one tensor.
    """
    if recipe.conditional:
        return pack_labelled_data(data.images, data.labels, NUM_CLASSES)
    return data.images


def make_trainer(
    recipe: Recipe,
    data: ImageData,
    device: torch.device | str | None = None,
    **options,
) -> Trainer:
    """The book's trainer for ``recipe`` on ``data``.

    ``options`` go to :class:`~gan_lib.training.trainer.Trainer` (snapshots,
    probe, ...) and override the recipe's settings.
    """
    # images are (N, C, H, W) with H = W
    generator, discriminator = players(
        recipe, data.images.shape[-1], data.images.shape[1]
    )
    settings = dict(
        batch_size=recipe.batch_size,
        d_steps=recipe.d_steps,
        generator_cost="non_saturating",
        real_label=recipe.real_label,
        fake_label=recipe.fake_label,
        g_optimizer=adam(recipe.lr, (0.5, 0.999)),
        d_optimizer=adam(recipe.lr, (0.5, 0.999)),
        device=device,
        seed=recipe.seed,
    )
    return Trainer(
        generator,
        discriminator,
        training_data(recipe, data),
        **(settings | options),
    )


@torch.no_grad()
def generated_images(
    trainer: Trainer, n: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(images, labels): n samples of the trainer's G.

    The noise comes from its own stream seeded with ``seed``, so the run is
    untouched. For a label-packing generator the labels are the classes the
    samples were asked for (uniform over the classes); for an unconditional
    one they are ``None``.
    """
    samples = trainer.sample(n, seed=seed)
    if isinstance(trainer.generator, LabelPackingGenerator):
        return unpack(samples)
    return samples, None


@torch.no_grad()
def class_grid(
    trainer: Trainer, per_class: int, seed: int = 0
) -> torch.Tensor:
    """A conditional G's samples, ``per_class`` for each class in turn.

    Class-major, shape (K·per_class, C, H, W). Row j of
    ``make_grid(..., nrow=per_class)`` shows class j; the same z is used in
    every row, so a column shows what the label alone changes.
    """
    if not isinstance(trainer.generator, LabelPackingGenerator):
        raise TypeError(
            "class_grid needs a conditional (label-packing) generator: "
            "build it with Recipe(conditional=True)"
        )
    classes = trainer.generator.conditional.num_classes
    stream = torch.Generator().manual_seed(seed)
    # (per_class, d) repeated: row j of the grid reuses the same z
    z = torch.randn(per_class, LATENT_DIM, generator=stream).repeat(classes, 1)
    labels = torch.arange(classes).repeat_interleave(per_class)
    with evaluating(trainer.generator):  # measured as Trainer.sample does
        packed = trainer.generator(
            noise_for_labels(z, labels, classes).to(trainer.device)
        )
    return unpack(packed)[0]
