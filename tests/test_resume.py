"""Resuming from a trainer checkpoint: settings that differ are refused by
name, a failed load changes nothing, and a checkpoint from another type of
device is refused up front."""

import copy
import random
import re

import numpy as np
import pytest
import torch

from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
from gan_lib.runtime import seed_everything
from gan_lib.training import trainer as trainer_module
from gan_lib.training.checkpoint import (
    CheckpointMismatchError,
    check_global_rng_states,
    global_rng_states,
    set_global_rng_states,
)
from gan_lib.training.trainer import Trainer, adam, sgd_momentum

# p_data = N(2, 0.5²), a fixed sample of 256 points.
DATA = 2.0 + 0.5 * torch.randn(
    256, 1, generator=torch.Generator().manual_seed(123)
)


def make_trainer(
    weights: int = 0, latent_dim: int = 1, **options: object
) -> Trainer:
    """A small MLP GAN; ``weights`` seeds its initial weights."""
    seed_everything(weights)
    generator = MLPGenerator(latent_dim, 1, hidden=8, depth=1)
    discriminator = MLPDiscriminator(1, hidden=8, depth=1)
    settings = dict(
        batch_size=16, device="cpu", seed=0, log_every=2, snapshot_size=4
    )
    return Trainer(generator, discriminator, DATA, **(settings | options))


def edit_checkpoint(path, edit) -> None:
    """Rewrite the checkpoint at ``path`` after ``edit(state)``."""
    state = torch.load(path, weights_only=True)
    edit(state)
    torch.save(state, path)


def everything(trainer: Trainer) -> dict:
    """A deep copy of all a load could change, global generators included."""
    return copy.deepcopy(
        {
            "generator": trainer.generator.state_dict(),
            "discriminator": trainer.discriminator.state_dict(),
            "g_optimizer": trainer.g_optimizer.state_dict(),
            "d_optimizer": trainer.d_optimizer.state_dict(),
            "rng": trainer.rng.get_state(),
            "global": global_rng_states(),
            "iteration": trainer.iteration,
            "history": trainer.history.state_dict(),
            "fixed_noise": trainer.fixed_noise,
            "first_nonfinite": trainer._first_nonfinite,
        }
    )


def identical(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(identical, a, b))
    return a == b


@pytest.fixture
def foreign_checkpoint(tmp_path):
    """A checkpoint of another run (other weights, 12 iterations)."""
    path = tmp_path / "other.pt"
    make_trainer(weights=7).train(12, checkpoint_path=path, progress=False)
    return path


@pytest.fixture
def trained():
    """A trainer 6 iterations in, with optimiser state and history."""
    trainer = make_trainer()
    trainer.train(6, progress=False)
    return trainer


def test_other_settings_are_refused_naming_each_field_and_both_values(
    tmp_path,
):
    path = tmp_path / "run.pt"
    make_trainer(batch_size=16, real_label=1.0, d_steps=1).save_checkpoint(
        path
    )
    other = make_trainer(batch_size=32, real_label=0.9, d_steps=2)
    before = everything(other)
    with pytest.raises(CheckpointMismatchError) as error:
        other.load_checkpoint(path)
    message = str(error.value)
    assert "batch_size (m): 16 in the checkpoint, 32 in this trainer" in (
        message
    )
    assert "d_steps (k): 1 in the checkpoint, 2 in this trainer" in message
    assert "real_label (α): 1.0 in the checkpoint, 0.9 in this trainer" in (
        message
    )
    assert "Build the trainer with the checkpoint's values" in message
    assert identical(before, everything(other))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (dict(generator_cost="minimax"), "generator_cost (J⁽ᴳ⁾)"),
        (dict(fake_label=0.1), "fake_label (β)"),
        (dict(noise="uniform"), "noise (the prior p_z)"),
        (dict(latent_dim=2), "latent_shape (of z): (1,) in the checkpoint"),
        (dict(seed=5), "seed: 0 in the checkpoint, 5 in this trainer"),
        (dict(g_optimizer=adam(lr=1e-3)), "g_optimizer lr: 0.0002"),
        (dict(d_optimizer=adam(betas=(0.9, 0.999))), "d_optimizer betas"),
        (dict(d_optimizer=sgd_momentum()), "d_optimizer: 'Adam'"),
    ],
)
def test_each_setting_is_compared(tmp_path, options, field):
    path = tmp_path / "run.pt"
    make_trainer().train(2, checkpoint_path=path, progress=False)
    with pytest.raises(CheckpointMismatchError, match=re.escape(field)):
        make_trainer(**options).load_checkpoint(path)


def test_other_data_and_mixed_precision_are_refused(tmp_path):
    path = tmp_path / "run.pt"
    make_trainer().save_checkpoint(path)
    seed_everything(0)
    fewer = Trainer(
        MLPGenerator(1, 1, hidden=8, depth=1),
        MLPDiscriminator(1, hidden=8, depth=1),
        DATA[:128],
        batch_size=16,
        device="cpu",
    )
    with pytest.raises(
        CheckpointMismatchError,
        match=r"the data's shape: \(256, 1\) in the checkpoint, \(128, 1\)",
    ):
        fewer.load_checkpoint(path)

    def as_if_bfloat16(state):
        state["config"]["mixed_precision"] = True

    edit_checkpoint(path, as_if_bfloat16)
    with pytest.raises(
        CheckpointMismatchError,
        match="mixed precision in effect: True in the checkpoint, False",
    ):
        make_trainer().load_checkpoint(path)


def test_an_older_checkpoint_without_the_new_fields_still_resumes(tmp_path):
    path = tmp_path / "run.pt"
    uninterrupted = make_trainer()
    uninterrupted.train(10, progress=False)
    make_trainer().train(4, checkpoint_path=path, progress=False)

    def as_written_before(state):
        # The configuration the first checkpoint format stored.
        kept = ("batch_size", "d_steps", "generator_cost", "real_label")
        kept += ("fake_label", "noise")
        state["config"] = {key: state["config"][key] for key in kept}

    edit_checkpoint(path, as_written_before)
    resumed = make_trainer(weights=3)
    resumed.load_checkpoint(path)
    resumed.train(6, progress=False)
    assert identical(
        list(uninterrupted.generator.parameters()),
        list(resumed.generator.parameters()),
    )
    assert uninterrupted.history.records == resumed.history.records


def corrupt_global_numpy_state(state):
    state["rng"]["global"]["numpy"]["keys"] = torch.zeros(3, dtype=torch.long)


def corrupt_trainer_state(state):
    state["rng"]["trainer"] = state["rng"]["trainer"][:100]


def corrupt_adam_moment(state):
    state["d_optimizer"]["state"][0]["exp_avg"] = torch.zeros(3, 3)


def corrupt_history(state):
    del state["history"]["snapshots"]


@pytest.mark.parametrize(
    ("corrupt", "error", "message"),
    [
        (corrupt_global_numpy_state, CheckpointMismatchError, "NumPy"),
        (corrupt_trainer_state, CheckpointMismatchError, "random state"),
        (corrupt_adam_moment, CheckpointMismatchError, "'exp_avg'"),
        (corrupt_history, KeyError, "snapshots"),
    ],
)
def test_a_corrupted_checkpoint_changes_nothing(
    foreign_checkpoint, trained, corrupt, error, message
):
    edit_checkpoint(foreign_checkpoint, corrupt)
    before = everything(trained)
    with pytest.raises(error, match=message):
        trained.load_checkpoint(foreign_checkpoint)
    assert identical(before, everything(trained))


def test_a_load_that_fails_at_its_last_step_changes_nothing(
    foreign_checkpoint, trained, monkeypatch
):
    """The global generators are restored last: make that step raise after
    it has moved them, and every part of the trainer must be as before."""
    twin = make_trainer()
    twin.train(6, progress=False)
    failures = []

    def set_then_fail(states):
        set_global_rng_states(states)
        if not failures:  # the load's call fails, the rollback's succeeds
            failures.append(states)
            raise OSError("lost the machine mid-restore")

    monkeypatch.setattr(trainer_module, "set_global_rng_states", set_then_fail)
    seed_everything(11)
    before = everything(trained)
    with pytest.raises(OSError, match="mid-restore"):
        trained.load_checkpoint(foreign_checkpoint)
    assert failures, "the load reached its last step"
    assert identical(before, everything(trained))
    # And it trains on exactly as a twin that never tried to load.
    seed_everything(11)
    trained.train(4, progress=False)
    twin.train(4, progress=False)
    assert identical(
        everything(trained) | {"global": None},
        everything(twin) | {"global": None},
    )


def test_a_cuda_checkpoint_is_refused_on_the_cpu_up_front(
    foreign_checkpoint, trained
):
    def as_if_written_on_cuda(state):
        state["config"]["device"] = "cuda"

    edit_checkpoint(foreign_checkpoint, as_if_written_on_cuda)
    before = everything(trained)
    with pytest.raises(
        CheckpointMismatchError,
        match=r"on a cuda device; this one trains on cpu.*device='cuda'",
    ):
        trained.load_checkpoint(foreign_checkpoint)
    assert identical(before, everything(trained))


def test_a_cuda_random_state_without_a_device_field_is_refused(
    foreign_checkpoint, trained
):
    """An older checkpoint names no device; its trainer generator's state
    still tells: CUDA's Philox state is 16 bytes (seed and offset), the
    CPU's Mersenne Twister state 5056."""

    def philox_state(state):
        del state["config"]["device"]
        seed_and_offset = torch.tensor([0, 128], dtype=torch.int64)
        state["rng"]["trainer"] = seed_and_offset.view(torch.uint8)

    edit_checkpoint(foreign_checkpoint, philox_state)
    before = everything(trained)
    with pytest.raises(
        CheckpointMismatchError, match="another type of device than cpu"
    ):
        trained.load_checkpoint(foreign_checkpoint)
    assert identical(before, everything(trained))


def test_cuda_states_of_a_cpu_run_are_skipped_on_a_machine_without_cuda(
    tmp_path,
):
    """A CPU run checkpointed on a machine with GPUs stores their global
    states too; on a machine without CUDA the run still resumes exactly."""
    if torch.cuda.is_available():
        pytest.skip("tests the machine without CUDA")
    path = tmp_path / "run.pt"
    uninterrupted = make_trainer()
    uninterrupted.train(8, progress=False)
    make_trainer().train(3, checkpoint_path=path, progress=False)

    def with_a_gpu(state):
        state["rng"]["global"]["cuda"] = [torch.zeros(16, dtype=torch.uint8)]

    edit_checkpoint(path, with_a_gpu)
    resumed = make_trainer()
    resumed.load_checkpoint(path)
    resumed.train(5, progress=False)
    assert identical(
        list(uninterrupted.discriminator.parameters()),
        list(resumed.discriminator.parameters()),
    )


def test_restoring_global_generators_is_all_or_nothing():
    states = global_rng_states()
    seed_everything(1)
    drawn_before = (torch.rand(2), np.random.rand(2), random.random())
    broken = copy.deepcopy(states)
    broken["python"] = (3, (1, 2, 3), None)
    seed_everything(1)
    with pytest.raises(ValueError, match="Python random generator"):
        set_global_rng_states(broken)
    with pytest.raises(ValueError, match="Python random generator"):
        check_global_rng_states(broken)
    # torch and NumPy, checked and set before Python's, did not move.
    drawn_after = (torch.rand(2), np.random.rand(2), random.random())
    assert identical(drawn_before[0], drawn_after[0])
    assert np.array_equal(drawn_before[1], drawn_after[1])
    assert drawn_before[2] == drawn_after[2]
