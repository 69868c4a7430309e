import pytest
import torch
from torch import nn

from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator, mlp_layers


def test_shapes_and_logit_output():
    generator, discriminator = (
        MLPGenerator(latent_dim=3, data_dim=2),
        MLPDiscriminator(data_dim=2),
    )
    x = generator(torch.randn(5, 3))
    assert x.shape == (5, 2)
    assert discriminator(x).shape == (5,)


def test_mlp_layout():
    net = mlp_layers(2, 1, hidden=8, depth=3)
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU] * 3 + [nn.Linear]
    with pytest.raises(ValueError, match="depth"):
        mlp_layers(2, 1, depth=0)


def test_wrong_input_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        MLPGenerator(latent_dim=3)(torch.randn(4, 2))
    with pytest.raises(ValueError, match=r"shape \(batch, 1\)"):
        MLPDiscriminator(data_dim=1)(torch.randn(4))
