"""The tips chapters' baseline and its named changes: players, data and
trainer settings."""

import pytest
import torch

from gan_lib.data.images import ImageData
from gan_lib.experiments.recipes import (
    Recipe,
    class_grid,
    generated_images,
    make_trainer,
    players,
)
from gan_lib.nn.conditional import (
    LabelPackingDiscriminator,
    LabelPackingGenerator,
)
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator

DATA = ImageData(torch.rand(40, 1, 28, 28) * 2 - 1, torch.arange(40) % 10)
TINY = Recipe(width=4, batch_size=8)


def test_the_baseline_is_the_dcgan_recipe():
    trainer = make_trainer(TINY, DATA, device="cpu")
    assert isinstance(trainer.generator, DCGANGenerator)
    assert isinstance(trainer.discriminator, DCGANDiscriminator)
    assert trainer.d_steps == 1
    assert (trainer.real_label, trainer.fake_label) == (1.0, 0.0)
    assert trainer.generator_cost_name == "non_saturating"
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        assert optimizer.defaults["lr"] == 2e-4
        assert optimizer.defaults["betas"] == (0.5, 0.999)


def test_each_change_reaches_the_trainer():
    changed = TINY.with_(
        d_steps=5, real_label=0.9, fake_label=0.1, d_width=8, batch_size=4
    )
    trainer = make_trainer(changed, DATA, device="cpu")
    assert trainer.d_steps == 5
    assert (trainer.real_label, trainer.fake_label) == (0.9, 0.1)
    assert trainer.batch_size == 4
    assert trainer.discriminator.width == 8
    assert trainer.generator.width == 4


def test_same_seed_same_players_other_seed_other_players():
    first, again, other = (
        players(TINY)[0],
        players(TINY)[0],
        players(TINY.with_(seed=1))[0],
    )
    assert all(
        torch.equal(a, b)
        for a, b in zip(first.parameters(), again.parameters(), strict=True)
    )
    assert not all(
        torch.equal(a, b)
        for a, b in zip(first.parameters(), other.parameters(), strict=True)
    )


def test_conditional_runs_train_on_labelled_pairs_and_return_their_classes():
    trainer = make_trainer(TINY.with_(conditional=True), DATA, device="cpu")
    assert isinstance(trainer.generator, LabelPackingGenerator)
    assert isinstance(trainer.discriminator, LabelPackingDiscriminator)
    trainer.train(2, progress=False)
    images, labels = generated_images(trainer, 30, seed=3)
    assert images.shape == (30, 1, 28, 28)
    assert labels.shape == (30,)
    assert set(labels.tolist()) <= set(range(10))
    grid = class_grid(trainer, per_class=3)
    assert grid.shape == (30, 1, 28, 28)


def test_unconditional_samples_have_no_labels_and_class_grid_says_why_not():
    trainer = make_trainer(TINY, DATA, device="cpu")
    images, labels = generated_images(trainer, 5)
    assert images.shape == (5, 1, 28, 28)
    assert labels is None
    with pytest.raises(TypeError, match="conditional"):
        class_grid(trainer, 2)
