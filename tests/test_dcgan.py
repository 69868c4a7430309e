"""The DCGAN modules follow the guidelines of Radford et al. (2015)."""

import pytest
import torch
from torch import nn

from gan_lib.nn.dcgan import (
    DCGANDiscriminator,
    DCGANGenerator,
    upsampling_plan,
)

CONV = (nn.Conv2d, nn.ConvTranspose2d)


def layer_types(model):
    return [type(m) for m in model.net]


def test_mnist_generator_layout():
    assert layer_types(DCGANGenerator(28)) == [
        nn.ConvTranspose2d,
        nn.BatchNorm2d,
        nn.ReLU,
    ] * 2 + [nn.ConvTranspose2d, nn.Tanh]


def test_mnist_discriminator_layout():
    assert layer_types(DCGANDiscriminator(28)) == [
        nn.Conv2d,
        nn.LeakyReLU,
        nn.Conv2d,
        nn.BatchNorm2d,
        nn.LeakyReLU,
        nn.Conv2d,
    ]


@pytest.mark.parametrize("size", [28, 32, 64])
def test_guidelines(size):
    generator, discriminator = DCGANGenerator(size), DCGANDiscriminator(size)
    for model in (generator, discriminator):
        kinds = {type(m) for m in model.modules()}
        assert nn.Linear not in kinds, "no fully connected hidden layers"
        assert not any(
            issubclass(
                k,
                (
                    nn.MaxPool2d,
                    nn.AvgPool2d,
                    nn.AdaptiveAvgPool2d,
                    nn.AdaptiveMaxPool2d,
                ),
            )
            for k in kinds
        ), "no pooling"
    g_layers, d_layers = list(generator.net), list(discriminator.net)
    g_convs = [m for m in g_layers if isinstance(m, CONV)]
    d_convs = [m for m in d_layers if isinstance(m, CONV)]
    # Up- and down-sampling only by stride 2, except G's projection of z and
    # D's final logit.
    assert all(c.stride == (2, 2) for c in g_convs[1:])
    assert all(c.stride == (2, 2) for c in d_convs[:-1])
    # Batch norm after every conv except G's output and D's input (and D's
    # logit layer).
    assert isinstance(g_layers[g_layers.index(g_convs[-1]) + 1], nn.Tanh)
    assert all(
        isinstance(g_layers[g_layers.index(c) + 1], nn.BatchNorm2d)
        for c in g_convs[:-1]
    )
    assert isinstance(d_layers[1], nn.LeakyReLU)
    assert all(
        isinstance(d_layers[d_layers.index(c) + 1], nn.BatchNorm2d)
        for c in d_convs[1:-1]
    )
    assert d_layers[-1] is d_convs[-1], (
        "D ends in a convolution that returns the logit"
    )
    # ReLU in G, LeakyReLU(0.2) in D.
    assert not any(isinstance(m, nn.LeakyReLU) for m in g_layers)
    assert all(
        m.negative_slope == 0.2
        for m in d_layers
        if isinstance(m, nn.LeakyReLU)
    )
    assert not any(
        isinstance(m, (nn.ReLU, nn.Sigmoid, nn.Tanh)) for m in d_layers
    ), "D returns logits"


def test_init_statistics_of_the_classic_64x64_models():
    torch.manual_seed(0)
    models = [
        DCGANGenerator(64, latent_dim=64, channels=3, width=64),
        DCGANDiscriminator(64, channels=3, width=64),
    ]
    conv = torch.cat(
        [
            m.weight.flatten()
            for model in models
            for m in model.modules()
            if isinstance(m, CONV)
        ]
    )
    scale = torch.cat(
        [
            m.weight
            for model in models
            for m in model.modules()
            if isinstance(m, nn.BatchNorm2d)
        ]
    )
    biases = [
        m.bias
        for model in models
        for m in model.modules()
        if getattr(m, "bias", None) is not None
    ]
    # Conv weights: millions of draws, so mean and std are pinned tightly
    # (mean within 5 standard errors).
    assert abs(conv.mean().item()) < 5 * 0.02 / conv.numel() ** 0.5
    assert conv.std().item() == pytest.approx(0.02, rel=0.01)
    # Batch-norm scales: 2,816 draws; relative std error of the std ≈ 1.3%,
    # allow 6%.
    assert scale.mean().item() == pytest.approx(
        1.0, abs=5 * 0.02 / scale.numel() ** 0.5
    )
    assert scale.std().item() == pytest.approx(0.02, rel=0.06)
    assert all(torch.count_nonzero(b) == 0 for b in biases)


@pytest.mark.parametrize(
    "size, channels", [(28, 1), (14, 1), (32, 3), (56, 1), (64, 3)]
)
def test_output_shapes(size, channels):
    torch.manual_seed(0)
    generator = DCGANGenerator(size, latent_dim=16, channels=channels, width=8)
    discriminator = DCGANDiscriminator(size, channels=channels, width=8)
    x = generator(torch.randn(5, 16))
    assert x.shape == (5, channels, size, size)
    assert x.abs().max() <= 1.0
    assert discriminator(x).shape == (5,)
    assert generator(torch.randn(5, 16, 1, 1)).shape == x.shape, (
        "z may also come as (batch, nz, 1, 1)"
    )


def test_classic_parameter_count():
    """The 64×64 models' sizes in closed form: Σ c_in·c_out·k² + batch-norm
    (2c) + output biases."""
    nz, ngf, ndf = 64, 64, 64
    g_convs = (
        nz * 8 * ngf * 16
        + (8 * 4 + 4 * 2 + 2 * 1) * ngf * ngf * 16
        + ngf * 3 * 16
    )
    g_norms = 2 * (8 + 4 + 2 + 1) * ngf
    d_convs = (
        3 * ndf * 16 + (1 * 2 + 2 * 4 + 4 * 8) * ndf * ndf * 16 + 8 * ndf * 16
    )
    d_norms = 2 * (2 + 4 + 8) * ndf

    def count(model):
        return sum(p.numel() for p in model.parameters())

    assert count(DCGANGenerator(64, nz, 3, ngf)) == g_convs + g_norms + 3
    assert count(DCGANDiscriminator(64, 3, ndf)) == d_convs + d_norms + ndf + 1


@pytest.mark.parametrize("size", [30, 48, 4, 7, 100])
def test_unsupported_size_is_a_clear_error(size):
    with pytest.raises(ValueError, match=r"4·2\^k or 7·2\^k.*Resize"):
        DCGANGenerator(size)
    with pytest.raises(ValueError, match=r"4·2\^k or 7·2\^k"):
        DCGANDiscriminator(size)


def test_plans():
    assert (
        upsampling_plan(28) == (7, 2)
        and upsampling_plan(64) == (4, 4)
        and upsampling_plan(32) == (4, 3)
    )


def test_wrong_input_shapes_are_clear_errors():
    with pytest.raises(ValueError, match=r"z of shape \(batch, 100\)"):
        DCGANGenerator(28)(torch.randn(2, 64))
    with pytest.raises(
        ValueError, match=r"images of shape \(batch, 1, 28, 28\)"
    ):
        DCGANDiscriminator(28)(torch.randn(2, 784))
    with pytest.raises(ValueError, match=r"\(batch, 3, 64, 64\)"):
        DCGANDiscriminator(64, channels=3)(torch.randn(2, 1, 64, 64))
