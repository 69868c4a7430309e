"""The chapter's two MNIST GANs, the probe that measures them, and the
shipped DCGAN generator."""

import pytest
import torch

from gan_lib.experiments.mnist_gan import (
    image_grid,
    mnist_players,
    quality_probe,
)


@pytest.mark.parametrize("kind", ["mlp", "dcgan"])
def test_players_make_and_judge_28x28_images(kind):
    torch.manual_seed(0)
    generator, discriminator = mnist_players(kind)
    x = generator(torch.randn(4, generator.latent_dim))
    assert x.shape == (4, 1, 28, 28)
    assert x.abs().max() <= 1
    assert discriminator(x).shape == (4,)


def test_unknown_kind():
    with pytest.raises(ValueError, match="Valid kinds: mlp, dcgan"):
        mnist_players("resnet")


def test_image_grid_tiles_with_padding():
    grid = image_grid(-torch.ones(16, 1, 28, 28), nrow=8)
    assert grid.shape == (2 * 30 + 2, 8 * 30 + 2)
    # Black digits, white padding.
    assert grid.min() == 0.0 and grid.max() == 1.0


class FakeJudge:
    def __call__(self, images):
        import numpy as np

        from gan_lib.evaluation.sample_quality import SampleQuality

        assert images.shape == (7, 1, 28, 28)
        return SampleQuality(1.5, np.arange(10), 0.25)


def test_probe_reports_the_three_measures_on_fixed_noise():
    generator, discriminator = mnist_players("dcgan")
    probe = quality_probe(FakeJudge(), n=7)
    values = probe(generator, discriminator)
    assert float(values["frechet_distance"]) == 1.5
    assert float(values["mean_confidence"]) == 0.25
    assert values["class_counts"].tolist() == list(range(10))
