"""The chapter's two MNIST GANs, the probe that measures them, and the shipped DCGAN generator."""

import pytest
import torch

from gan_lib.dcgan import DCGANGenerator
from gan_lib.mnist_gan import GENERATOR_CHECKPOINT, image_grid, load_pretrained_generator, mnist_players, quality_probe
from gan_lib.pretrained import CheckpointMismatchError


@pytest.mark.parametrize("kind", ["mlp", "dcgan"])
def test_players_make_and_judge_28x28_images(kind):
    torch.manual_seed(0)
    generator, discriminator = mnist_players(kind)
    x = generator(torch.randn(4, generator.latent_dim))
    assert x.shape == (4, 1, 28, 28) and x.abs().max() <= 1
    assert discriminator(x).shape == (4,)


def test_unknown_kind():
    with pytest.raises(ValueError, match="Valid kinds: mlp, dcgan"):
        mnist_players("resnet")


def test_image_grid_tiles_with_padding():
    grid = image_grid(-torch.ones(16, 1, 28, 28), nrow=8)
    assert grid.shape == (2 * 30 + 2, 8 * 30 + 2)
    assert grid.min() == 0.0 and grid.max() == 1.0  # black digits, white padding


class FakeJudge:
    def __call__(self, images):
        from gan_lib.sample_quality import SampleQuality
        import numpy as np

        assert images.shape == (7, 1, 28, 28)
        return SampleQuality(1.5, np.arange(10), 0.25)


def test_probe_reports_the_three_measures_on_fixed_noise():
    generator, discriminator = mnist_players("dcgan")
    probe = quality_probe(FakeJudge(), n=7)
    values = probe(generator, discriminator)
    assert float(values["frechet_distance"]) == 1.5 and float(values["mean_confidence"]) == 0.25
    assert values["class_counts"].tolist() == list(range(10))


def test_shipped_generator_is_small_loads_on_cpu_and_has_its_log():
    assert GENERATOR_CHECKPOINT.stat().st_size < 3_000_000
    log = GENERATOR_CHECKPOINT.with_suffix(".log").read_text()
    assert log.startswith("python -m gan_lib.mnist_gan")
    generator = load_pretrained_generator(device="cpu")
    assert generator(torch.randn(2, 100)).shape == (2, 1, 28, 28)
    with pytest.raises(CheckpointMismatchError, match="built with"):
        from gan_lib import pretrained

        pretrained.load_into(DCGANGenerator(28, 100, 1, 64), GENERATOR_CHECKPOINT, config={"image_size": 28, "latent_dim": 100, "channels": 1, "width": 64})


def test_shipped_generator_draws_all_ten_digits(data_root):
    from gan_lib.classifier import load_reference_classifier
    from gan_lib.data import load_images
    from gan_lib.sample_quality import SampleJudge

    torch.manual_seed(0)
    generator = load_pretrained_generator()
    judge = SampleJudge(load_reference_classifier(), load_images("mnist", train=False, root=data_root).images[:2000])
    with torch.no_grad():
        quality = judge(generator(torch.randn(2000, 100)))
    assert quality.classes_present == 10
    # Measured: the rarest digit (1) gets 2.2% of the samples, the distance is 0.10 of uniform noise's.
    assert quality.class_counts.min() >= 0.015 * 2000
    noise = judge(torch.rand(2000, 1, 28, 28) * 2 - 1)
    assert quality.frechet_distance < 0.15 * noise.frechet_distance
