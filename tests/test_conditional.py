"""Class-conditional DCGAN players and the label-packing adapter for the
book's trainer."""

import pytest
import torch
from torch import nn

from gan_lib.nn.conditional import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    LabelPackingDiscriminator,
    LabelPackingGenerator,
    check_class_labels,
    labels_from_noise,
    noise_for_labels,
    pack,
    pack_labelled_data,
    unpack,
)
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.training.trainer import Trainer

K = 10


def players(
    size: int = 28,
    channels: int = 1,
    latent_dim: int = 8,
    width: int = 4,
    seed: int = 0,
):
    torch.manual_seed(seed)
    return (
        ConditionalDCGANGenerator(K, size, latent_dim, channels, width),
        ConditionalDCGANDiscriminator(K, size, channels, width),
    )


@pytest.mark.parametrize("size", [8, 14, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_for_each_supported_size(size, channels):
    generator, discriminator = players(size, channels)
    labels = torch.arange(5) % K
    images = generator(torch.randn(5, 8), labels)
    assert images.shape == (5, channels, size, size)
    assert images.abs().max() <= 1
    logits = discriminator(images, labels)
    assert logits.shape == (5,)


def test_the_players_are_dcgan_players_with_label_channels():
    generator, discriminator = players()
    plain_g = DCGANGenerator(28, 8 + K, 1, 4)
    plain_d = DCGANDiscriminator(28, 1 + K, 4)
    assert [p.shape for p in generator.body.parameters()] == [
        p.shape for p in plain_g.parameters()
    ]
    assert [p.shape for p in discriminator.body.parameters()] == [
        p.shape for p in plain_d.parameters()
    ]


def test_the_label_changes_the_output_and_nothing_else_does():
    generator, discriminator = players()
    generator.eval()  # batch norm on running statistics: each example alone
    z = torch.randn(1, 8).expand(K, 8)
    with torch.no_grad():
        per_class = generator(z, torch.arange(K))
        again = generator(z, torch.arange(K))
        logits = discriminator.eval()(
            per_class[:1].expand(K, -1, -1, -1), torch.arange(K)
        )
    assert torch.equal(per_class, again)
    assert (per_class[1:] - per_class[0]).flatten(1).abs().max(
        dim=1
    ).values.min() > 0  # every class differs from class 0
    assert logits.unique().numel() == K  # same image, ten labels, ten logits


def test_generator_input_is_z_with_the_one_hot_code():
    generator, _ = players()
    z, labels = torch.randn(4, 8), torch.tensor([0, 3, 9, 3])
    expected = generator.body(
        torch.cat([z, nn.functional.one_hot(labels, K).float()], dim=1)
    )
    torch.testing.assert_close(generator(z, labels), expected)


def test_discriminator_input_is_the_image_with_label_maps():
    _, discriminator = players()
    x, labels = torch.rand(3, 1, 28, 28) * 2 - 1, torch.tensor([2, 0, 9])
    maps = torch.zeros(3, K, 28, 28)
    maps[torch.arange(3), labels] = 1.0
    torch.testing.assert_close(
        discriminator(x, labels),
        discriminator.body(torch.cat([x, maps], dim=1)),
    )


def test_label_errors_are_clear():
    generator, discriminator = players()
    z, x = torch.randn(3, 8), torch.zeros(3, 1, 28, 28)
    with pytest.raises(ValueError, match=r"0\.\.9"):
        generator(z, torch.tensor([0, 1, 10]))
    with pytest.raises(ValueError, match=r"0\.\.9"):
        discriminator(x, torch.tensor([-1, 1, 2]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        generator(z, torch.tensor([[0], [1], [2]]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        discriminator(x, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer tensor"):
        generator(z, torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="integer tensor"):
        discriminator(x, [0, 1, 2])
    with pytest.raises(ValueError, match=r"z of shape \(batch, 8\)"):
        generator(torch.randn(3, 9), torch.tensor([0, 1, 2]))
    with pytest.raises(
        ValueError, match=r"images of shape \(batch, 1, 28, 28\)"
    ):
        discriminator(torch.zeros(3, 3, 28, 28), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="num_classes must be"):
        ConditionalDCGANGenerator(num_classes=1)
    check_class_labels(
        torch.tensor([0, 9], dtype=torch.int32), 2, K
    )  # any integer dtype is fine


def test_pack_and_unpack_are_inverse():
    images, labels = torch.rand(6, 3, 8, 8), torch.tensor([0, 1, 9, 4, 4, 7])
    packed = pack(images, labels)
    assert packed.shape == (6, 4, 8, 8)
    unpacked_images, unpacked_labels = unpack(packed)
    assert torch.equal(unpacked_images, images) and torch.equal(
        unpacked_labels, labels
    )
    bf16_images, bf16_labels = unpack(
        pack(images.bfloat16(), labels)
    )  # class indices survive half precision
    assert torch.equal(bf16_labels, labels)


@pytest.mark.parametrize("prior", ["normal", "uniform"])
def test_labels_from_noise_are_uniform_and_invertible(prior):
    g = torch.Generator().manual_seed(0)
    n = 100_000
    u = (
        torch.randn(n, generator=g)
        if prior == "normal"
        else torch.rand(n, generator=g) * 2 - 1
    )
    drawn = labels_from_noise(u, K, prior)
    counts = torch.bincount(drawn, minlength=K).float() / n
    # Each class has probability 1/K; 5 binomial standard deviations of a
    # frequency over n draws.
    assert (counts - 1 / K).abs().max() < 5 * (0.1 * 0.9 / n) ** 0.5
    labels = torch.arange(K).repeat(3)
    z_and_u = noise_for_labels(torch.randn(len(labels), 8), labels, K, prior)
    assert z_and_u.shape == (len(labels), 9)
    assert torch.equal(labels_from_noise(z_and_u[:, -1], K, prior), labels)


def test_adapter_matches_the_conditional_players():
    generator, discriminator = players()
    packing_g, packing_d = (
        LabelPackingGenerator(generator),
        LabelPackingDiscriminator(discriminator),
    )
    assert packing_g.latent_shape == (9,)
    z, labels = torch.randn(5, 8), torch.tensor([7, 0, 3, 3, 9])
    packed = packing_g(noise_for_labels(z, labels, K))
    images, packed_labels = unpack(packed)
    assert torch.equal(packed_labels, labels)
    torch.testing.assert_close(images, generator(z, labels))
    torch.testing.assert_close(
        packing_d(packed), discriminator(images, labels)
    )


def test_adapter_errors_are_clear():
    generator, discriminator = players()
    with pytest.raises(ValueError, match=r"\(batch, 9\)"):
        LabelPackingGenerator(generator)(torch.randn(2, 8))
    with pytest.raises(ValueError, match=r"\(batch, 2, 28, 28\)"):
        LabelPackingDiscriminator(discriminator)(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="noise must be"):
        LabelPackingGenerator(generator, noise="gaussian")
    with pytest.raises(ValueError, match=r"0\.\.9"):
        pack_labelled_data(torch.zeros(2, 1, 28, 28), torch.tensor([3, 12]), K)
    with pytest.raises(ValueError, match="x\\[:, None\\]"):
        pack_labelled_data(torch.zeros(2, 28, 28), torch.tensor([3, 1]), K)


def test_the_unchanged_trainer_trains_the_conditional_players():
    torch.set_num_threads(1)
    generator, discriminator = players(size=28, latent_dim=8, width=4)
    g = torch.Generator().manual_seed(1)
    images, labels = (
        torch.rand(64, 1, 28, 28, generator=g) * 2 - 1,
        torch.randint(K, (64,), generator=g),
    )
    fixed = noise_for_labels(
        torch.randn(2 * K, 8, generator=g), torch.arange(K).repeat(2), K
    )
    before = [
        p.detach().clone()
        for p in (*generator.parameters(), *discriminator.parameters())
    ]
    trainer = Trainer(
        LabelPackingGenerator(generator),
        LabelPackingDiscriminator(discriminator),
        pack_labelled_data(images, labels, K),
        batch_size=16,
        fixed_noise=fixed,
        snapshot_at=(5,),
        log_every=1,
        seed=0,
    )
    history = trainer.train(5, progress=False)
    assert len(history) == 5
    for key in ("d_loss", "g_loss"):
        assert torch.isfinite(torch.as_tensor(history[key])).all()
    after = [*generator.parameters(), *discriminator.parameters()]
    assert all(
        not torch.equal(p, q)
        for p, q in zip(before, after, strict=True)
        if p.ndim > 1
    ), "every weight matrix should have moved"
    snapshot_images, snapshot_labels = unpack(history.snapshots[-1].samples)
    assert snapshot_images.shape == (2 * K, 1, 28, 28)
    assert torch.equal(
        snapshot_labels, torch.arange(K).repeat(2)
    )  # fixed_noise chose the classes of the grid
