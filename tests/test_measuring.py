"""Measuring never changes what is measured, and every trainable parameter
is trained: eval-mode samples and snapshots, γ and β of a swapped-in norm,
the trainer's optimizer check (errata: Ch. 12's VBN γ, β were never
trained; samples depended on their batch)."""

import pytest
import torch
from torch import nn

from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.nn.modes import evaluating
from gan_lib.nn.normalization import (
    ReferenceBatchNorm2d,
    VirtualBatchNorm2d,
    replace_batch_norm,
    set_reference_batch,
)
from gan_lib.runtime import seed_everything
from gan_lib.training.trainer import Trainer

DATA = (
    torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(4)) * 2
    - 1
)


def dcgan_trainer(**options) -> Trainer:
    seed_everything(0)
    generator = DCGANGenerator(image_size=28, latent_dim=8, width=4)
    discriminator = DCGANDiscriminator(image_size=28, width=4)
    settings = dict(batch_size=8, device="cpu", seed=0, log_every=1)
    return Trainer(generator, discriminator, DATA, **(settings | options))


def buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: b.clone() for name, b in model.named_buffers()}


def test_evaluating_restores_each_submodules_own_mode():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Dropout())
    model.train()
    model[1].eval()  # a mixed model: one frozen batch norm
    with evaluating(model):
        assert not any(m.training for m in model.modules())
    assert [m.training for m in model.modules()] == [True, True, False, True]
    with pytest.raises(RuntimeError), evaluating(model):
        raise RuntimeError("the block fails")
    assert model.training and not model[1].training


def test_sample_is_a_function_of_z_alone_and_changes_nothing():
    trainer = dcgan_trainer()
    trainer.train(3, progress=False)
    before = buffers(trainer.generator)
    batch = trainer.sample(64, seed=5)
    # Same z, drawn alone: the first row of the batch (eval-mode batch norm
    # does not look at the other samples).
    stream = torch.Generator().manual_seed(5)
    z = torch.randn(64, 8, generator=stream)[:1]
    with torch.no_grad(), evaluating(trainer.generator):
        alone = trainer.generator(z)
    torch.testing.assert_close(batch[:1], alone)
    for name, value in buffers(trainer.generator).items():
        assert torch.equal(value, before[name]), name
    assert trainer.generator.training, "sample() must restore train mode"


def test_snapshots_leave_the_models_and_the_run_unchanged():
    plain = dcgan_trainer()
    plain.train(4, progress=False)
    watched = dcgan_trainer(snapshot_at=(0, 1, 2, 3, 4), snapshot_size=16)
    watched.train(4, progress=False)
    assert len(watched.history.snapshots) == 5
    for a, b in zip(
        [*plain.generator.state_dict().values()],
        [*watched.generator.state_dict().values()],
        strict=True,
    ):
        assert torch.equal(a, b)
    # The snapshot at the end is the eval-mode sample of its z.
    with torch.no_grad(), evaluating(watched.generator):
        expected = watched.generator(watched.fixed_noise)
    torch.testing.assert_close(watched.history.snapshots[-1].samples, expected)


@pytest.mark.parametrize("norm", [ReferenceBatchNorm2d, VirtualBatchNorm2d])
def test_replace_batch_norm_keeps_the_parameter_objects(norm):
    generator = DCGANGenerator(image_size=28, latent_dim=8, width=4)
    old = [
        (m.weight, m.bias)
        for m in generator.modules()
        if isinstance(m, nn.BatchNorm2d)
    ]
    replace_batch_norm(generator, norm)
    new = [
        (m.weight, m.bias) for m in generator.modules() if isinstance(m, norm)
    ]
    assert len(new) == len(old) > 0
    for (w0, b0), (w1, b1) in zip(old, new, strict=True):
        assert w0 is w1 and b0 is b1


def test_vbn_gamma_and_beta_train_when_swapped_in_after_the_trainer():
    """The lab's order: trainer first, then the swap. γ and β must move."""
    trainer = dcgan_trainer()
    replace_batch_norm(trainer.generator, VirtualBatchNorm2d)
    set_reference_batch(
        trainer.generator,
        torch.randn(16, 8, generator=torch.Generator().manual_seed(1)),
    )
    gammas = [
        (m.weight.detach().clone(), m)
        for m in trainer.generator.modules()
        if isinstance(m, VirtualBatchNorm2d)
    ]
    trainer.train(2, progress=False)
    for before, layer in gammas:
        assert not torch.equal(before, layer.weight), "γ never trained"


def test_a_parameter_outside_the_optimizer_stops_training_with_its_name():
    trainer = dcgan_trainer()
    # A new layer swapped in after the optimizer was built.
    trainer.generator.net[1] = nn.BatchNorm2d(
        trainer.generator.net[1].num_features
    )
    with pytest.raises(ValueError, match=r"generator's parameters net\.1"):
        trainer.train(1, progress=False)
    assert trainer.iteration == 0


def test_frozen_parameters_outside_the_optimizer_are_allowed():
    trainer = dcgan_trainer()
    extra = nn.Linear(1, 1)
    extra.requires_grad_(False)
    trainer.discriminator.add_module("frozen_extra", extra)
    trainer.train(1, progress=False)
    assert trainer.iteration == 1


@pytest.mark.parametrize("norm", [ReferenceBatchNorm2d, VirtualBatchNorm2d])
def test_reference_flag_follows_a_loaded_state_dict(norm):
    source = replace_batch_norm(
        DCGANGenerator(image_size=28, latent_dim=8, width=4), norm
    )
    set_reference_batch(source, torch.randn(4, 8))
    loaded = replace_batch_norm(
        DCGANGenerator(image_size=28, latent_dim=8, width=4), norm
    )
    layer = next(m for m in loaded.modules() if isinstance(m, norm))
    assert not layer.has_reference
    loaded.load_state_dict(source.state_dict())
    assert layer.has_reference
