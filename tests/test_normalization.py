"""Reference and virtual batch norm: independence from the batch, frozen
reference statistics, the closed forms."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from gan_lib.nn.dcgan import DCGANGenerator
from gan_lib.nn.normalization import (
    ReferenceBatchNorm2d,
    VirtualBatchNorm2d,
    reference_norm_layers,
    reference_pass,
    replace_batch_norm,
    set_reference_batch,
)
from gan_lib.training.trainer import Trainer

NORMS = (ReferenceBatchNorm2d, VirtualBatchNorm2d)


def feature_maps(
    seed: int, n: int = 6, channels: int = 3, size: int = 5
) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, channels, size, size, generator=g) * 2 + 1


def random_affine(layer: nn.Module, seed: int = 0) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        layer.weight.copy_(torch.rand(layer.num_features, generator=g) + 0.5)
        layer.bias.copy_(torch.randn(layer.num_features, generator=g))
    return layer


def vbn_generator(norm=VirtualBatchNorm2d, seed: int = 0) -> DCGANGenerator:
    torch.manual_seed(seed)
    return replace_batch_norm(
        DCGANGenerator(image_size=28, latent_dim=8, width=4), norm
    )


@pytest.mark.parametrize("norm", NORMS)
def test_reference_pass_is_training_mode_batch_norm(norm):
    layer, reference = random_affine(norm(3)), feature_maps(0)
    with reference_pass(layer):
        recorded = layer(reference)
    expected = F.batch_norm(
        reference,
        None,
        None,
        layer.weight,
        layer.bias,
        training=True,
        eps=layer.eps,
    )
    torch.testing.assert_close(recorded, expected)
    torch.testing.assert_close(
        layer.reference_mean, reference.mean(dim=(0, 2, 3))
    )
    torch.testing.assert_close(
        layer.reference_var, reference.var(dim=(0, 2, 3), unbiased=False)
    )
    assert int(layer.reference_size) == len(reference)


def test_reference_batch_norm_on_its_reference_batch_equals_batch_norm():
    layer, reference = random_affine(ReferenceBatchNorm2d(3)), feature_maps(0)
    set_reference_batch(layer, reference)
    expected = F.batch_norm(
        reference,
        None,
        None,
        layer.weight,
        layer.bias,
        training=True,
        eps=layer.eps,
    )
    torch.testing.assert_close(layer(reference), expected)


def test_virtual_batch_norm_is_batch_norm_over_reference_plus_example():
    """Closed form: VBN(x_i) = BN over the N + 1 examples
    {reference batch, x_i}, read at x_i."""
    layer = random_affine(VirtualBatchNorm2d(3))
    reference, h = feature_maps(0), feature_maps(1, n=4)
    set_reference_batch(layer, reference)
    out = layer(h)
    for i in range(len(h)):
        joint = torch.cat([reference, h[i : i + 1]])
        expected = F.batch_norm(
            joint,
            None,
            None,
            layer.weight,
            layer.bias,
            training=True,
            eps=layer.eps,
        )[-1]
        torch.testing.assert_close(out[i], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("norm", NORMS)
def test_example_output_does_not_depend_on_the_rest_of_the_batch(norm):
    generator = vbn_generator(norm)
    set_reference_batch(
        generator,
        torch.randn(16, 8, generator=torch.Generator().manual_seed(1)),
    )
    z = torch.randn(8, 8, generator=torch.Generator().manual_seed(2))
    others_changed = z.clone()
    others_changed[1:] = (
        torch.randn(7, 8, generator=torch.Generator().manual_seed(3)) * 3
    )
    with torch.no_grad():
        assert torch.equal(generator(z)[0], generator(others_changed)[0])


def test_batch_norm_generator_does_depend_on_the_rest_of_the_batch():
    """The control for the test above: with ordinary batch norm, example 0
    changes with its batch mates."""
    torch.manual_seed(0)
    generator = DCGANGenerator(image_size=28, latent_dim=8, width=4)
    z = torch.randn(8, 8, generator=torch.Generator().manual_seed(2))
    others_changed = z.clone()
    others_changed[1:] = (
        torch.randn(7, 8, generator=torch.Generator().manual_seed(3)) * 3
    )
    with torch.no_grad():
        assert (
            generator(z)[0] - generator(others_changed)[0]
        ).abs().max() > 1e-3


@pytest.mark.parametrize("norm", NORMS)
def test_reference_statistics_do_not_change_during_training(norm):
    torch.set_num_threads(1)
    generator = vbn_generator(norm)
    set_reference_batch(
        generator,
        torch.randn(16, 8, generator=torch.Generator().manual_seed(1)),
    )
    frozen = {
        name: buffer.clone() for name, buffer in generator.named_buffers()
    }
    weights_before = [p.detach().clone() for p in generator.parameters()]
    discriminator = nn.Sequential(
        nn.Flatten(), nn.Linear(28 * 28, 1), nn.Flatten(0)
    )
    data = (
        torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(4))
        * 2
        - 1
    )
    trainer = Trainer(
        generator, discriminator, data, batch_size=8, log_every=1, seed=0
    )
    trainer.train(3, progress=False)
    assert len(frozen) == 3 * len(reference_norm_layers(generator))
    for name, buffer in generator.named_buffers():
        assert torch.equal(buffer, frozen[name]), name
    assert any(
        not torch.equal(p, q)
        for p, q in zip(generator.parameters(), weights_before, strict=True)
    ), "the weights should have moved"


def test_calling_set_reference_batch_again_refreshes_the_statistics():
    layer = ReferenceBatchNorm2d(3)
    set_reference_batch(layer, feature_maps(0))
    first = layer.reference_mean.clone()
    set_reference_batch(layer, feature_maps(5))
    torch.testing.assert_close(
        layer.reference_mean, feature_maps(5).mean(dim=(0, 2, 3))
    )
    assert not torch.equal(first, layer.reference_mean)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("size", [28, 32])
def test_shapes_and_replacement_in_a_dcgan_generator(norm, size):
    torch.manual_seed(0)
    plain = DCGANGenerator(image_size=size, latent_dim=8, width=4)
    batch_norms = [m for m in plain.modules() if isinstance(m, nn.BatchNorm2d)]
    generator = replace_batch_norm(plain, norm)
    layers = reference_norm_layers(generator)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in generator.modules())
    assert [type(m) for m in layers] == [norm] * len(batch_norms)
    # The replacements keep the learned scale γ and shift β.
    for new, old in zip(layers, batch_norms, strict=True):
        assert torch.equal(new.weight, old.weight)
        assert torch.equal(new.bias, old.bias)
    set_reference_batch(generator, torch.randn(4, 8))
    assert generator(torch.randn(5, 8)).shape == (5, 1, size, size)
    assert generator(torch.randn(1, 8)).shape == (
        1,
        1,
        size,
        size,
    )  # a batch of one works: no batch statistics


@pytest.mark.parametrize("norm", NORMS)
def test_train_and_eval_mode_agree(norm):
    layer = random_affine(norm(3))
    set_reference_batch(layer, feature_maps(0))
    h = feature_maps(1)
    train_out = layer.train()(h)
    torch.testing.assert_close(layer.eval()(h), train_out, rtol=0, atol=0)


@pytest.mark.parametrize("norm", NORMS)
def test_clear_errors(norm):
    layer = norm(3)
    with pytest.raises(RuntimeError, match="set_reference_batch"):
        layer(feature_maps(0))
    with pytest.raises(ValueError, match=r"\(batch, 3, height, width\)"):
        layer(torch.randn(4, 2, 5, 5))
    with pytest.raises(ValueError, match=r"\(batch, 3, height, width\)"):
        layer(torch.randn(4, 3))
    with pytest.raises(ValueError, match="at least 2 examples"):
        set_reference_batch(layer, feature_maps(0, n=1))
    with pytest.raises(ValueError, match="positive integer"):
        norm(0)
    with pytest.raises(ValueError, match="no ReferenceBatchNorm2d"):
        set_reference_batch(nn.Conv2d(3, 3, 1), feature_maps(0))
    with pytest.raises(ValueError, match="norm must be"):
        replace_batch_norm(nn.Sequential(nn.BatchNorm2d(3)), nn.BatchNorm2d)


@pytest.mark.parametrize("norm", NORMS)
def test_reference_statistics_travel_with_the_state_dict(norm):
    """A saved generator carries its reference statistics: the loaded copy
    needs no new reference pass."""
    generator = vbn_generator(norm, seed=0)
    set_reference_batch(
        generator,
        torch.randn(16, 8, generator=torch.Generator().manual_seed(1)),
    )
    loaded = vbn_generator(norm, seed=1)
    loaded.load_state_dict(generator.state_dict())
    z = torch.randn(4, 8, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert torch.equal(loaded(z), generator(z))
