"""Packing: shapes, the pack layout, m = 1 is the plain discriminator, and
clear errors."""

import pytest
import torch

from gan_lib.nn.mlp import MLPDiscriminator
from gan_lib.nn.packing import PackedDiscriminator, packed_batch_size
from gan_lib.training.losses import discriminator_loss, non_saturating_cost


def test_shapes():
    discriminator = PackedDiscriminator.mlp(data_dim=2, pack_size=3, hidden=8)
    logits = discriminator(torch.randn(packed_batch_size(5, 3), 2))
    assert logits.shape == (5,)
    assert discriminator.inner.data_dim == 6


def test_consecutive_rows_form_a_pack():
    discriminator = PackedDiscriminator.mlp(data_dim=2, pack_size=2)
    x = torch.arange(8.0).reshape(4, 2)
    assert discriminator.pack(x).tolist() == [
        [0.0, 1.0, 2.0, 3.0],
        [4.0, 5.0, 6.0, 7.0],
    ]


def test_pack_of_one_is_the_plain_discriminator():
    torch.manual_seed(0)
    plain = MLPDiscriminator(data_dim=2, hidden=16)
    packed = PackedDiscriminator(plain, data_dim=2, pack_size=1)
    x = torch.randn(10, 2)
    assert torch.equal(packed(x), plain(x))


def test_packed_logit_depends_on_every_member_of_the_pack():
    torch.manual_seed(1)
    discriminator = PackedDiscriminator.mlp(data_dim=2, pack_size=2, hidden=16)
    x = torch.randn(4, 2, requires_grad=True)
    discriminator(x)[0].backward()
    # Row 0 of the logits is the first pack: rows 0 and 1 of x, not 2 and 3.
    assert x.grad[:2].abs().sum() > 0
    assert x.grad[2:].abs().sum() == 0


def test_losses_work_on_packed_logits():
    discriminator = PackedDiscriminator.mlp(data_dim=2, pack_size=2, hidden=8)
    real, fake = (
        discriminator(torch.randn(8, 2)),
        discriminator(torch.randn(8, 2)),
    )
    assert torch.isfinite(discriminator_loss(real, fake))
    assert torch.isfinite(non_saturating_cost(fake))


def test_bad_input_is_a_clear_error():
    discriminator = PackedDiscriminator.mlp(data_dim=2, pack_size=2)
    with pytest.raises(ValueError, match="multiple of 2"):
        discriminator(torch.randn(5, 2))
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        discriminator(torch.randn(4, 3))
    with pytest.raises(ValueError, match="pack_size"):
        PackedDiscriminator.mlp(pack_size=0)
    with pytest.raises(ValueError, match="packs"):
        packed_batch_size(0, 2)
