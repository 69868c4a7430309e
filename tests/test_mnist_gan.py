"""The chapter's two MNIST GANs, the probe that measures them, and the
shipped DCGAN generator."""

import pytest
import torch
from torch import nn

from gan_lib.experiments.mnist_gan import (
    image_grid,
    mnist_players,
    quality_probe,
)
from gan_lib.nn import Maxout, evaluating
from gan_lib.training import Trainer


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


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def test_mlp_players_have_the_2014_papers_sizes():
    generator, discriminator = mnist_players("mlp")
    # G: 100 → 1200 → 1200 → 784, each layer weights + biases
    g_count = 101 * 1200 + 1201 * 1200 + 1201 * 784
    # D: maxout 784 → 240 × 5, maxout 240 → 240 × 5, linear 240 → 1
    d_count = 785 * 240 * 5 + 241 * 240 * 5 + 241
    assert parameter_count(generator) == g_count == 2_503_984
    assert parameter_count(discriminator) == d_count == 1_231_441
    maxouts = [m for m in discriminator.modules() if isinstance(m, Maxout)]
    assert [(m.units, m.pieces) for m in maxouts] == [(240, 5), (240, 5)]
    drops = [m.p for m in discriminator.modules() if isinstance(m, nn.Dropout)]
    assert drops == pytest.approx([0.2, 0.5, 0.5])  # keep 0.8, 0.5, 0.5


def test_mlp_players_start_as_the_papers_code():
    torch.manual_seed(0)
    generator, discriminator = mnist_players("mlp")
    for model, init_range in ((generator, 0.05), (discriminator, 0.005)):
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                assert layer.weight.abs().max() <= init_range
                # uniform in ±r: the largest of many draws is close to r
                assert layer.weight.abs().max() > 0.99 * init_range
                assert not layer.bias.any()


def test_mlp_generator_output_bias_matches_the_pixel_means():
    torch.manual_seed(0)
    images = torch.rand(50, 1, 28, 28) * 2 - 1
    images[:, :, 0, 0] = -1.0  # a pixel that is always black
    generator, _ = mnist_players("mlp", images)
    bias = generator.net[-1].bias.detach()
    mean = images.mean(0).flatten()
    # 2σ(b) − 1 is the pixel's mean where the mean is off the clip
    torch.testing.assert_close(
        (2 * torch.sigmoid(bias) - 1)[1:], mean[1:], atol=1e-5, rtol=0
    )
    # the always-black pixel: clipped to p̄ = 1e−7, b = logit(1e−7)
    assert float(bias[0]) == pytest.approx(-16.118, abs=1e-3)


def test_mlp_generator_maps_its_sigmoid_to_minus_one_one():
    generator, _ = mnist_players("mlp")
    with torch.no_grad():
        generator.net[-1].weight.zero_()
        generator.net[-1].bias.copy_(torch.linspace(-30, 30, 784))
    x = generator(torch.randn(2, generator.latent_dim)).flatten(1)
    expected = 2 * torch.sigmoid(torch.linspace(-30, 30, 784)) - 1
    torch.testing.assert_close(x[0], expected)
    assert x.min() == -1 and x.max() == 1


def test_dropout_acts_while_d_trains_and_not_while_it_is_measured():
    torch.manual_seed(0)
    generator, discriminator = mnist_players("mlp")
    modes = {"train": [], "measure": []}
    phase = ["train"]
    for module in discriminator.modules():
        if isinstance(module, nn.Dropout):
            module.register_forward_hook(
                lambda m, i, o: modes[phase[0]].append(m.training)
            )

    def probe(g, d):
        phase[0] = "measure"
        d(g(torch.randn(4, g.latent_dim)))
        phase[0] = "train"
        return {}

    trainer = Trainer(
        generator,
        discriminator,
        torch.rand(64, 1, 28, 28) * 2 - 1,
        batch_size=8,
        snapshot_at=[1],
        probe=probe,
        seed=0,
    )
    trainer.train(1, progress=False)
    # D's step (data and samples) and G's step, through 3 dropout layers
    assert modes["train"] and all(modes["train"])
    assert modes["measure"] and not any(modes["measure"])
    # and back in train mode after the measurement
    assert all(m.training for m in discriminator.modules())
    # dropout off: D's output is a function of x alone
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    with evaluating(discriminator):
        assert torch.equal(discriminator(x), discriminator(x))
    assert not torch.equal(discriminator(x), discriminator(x))
