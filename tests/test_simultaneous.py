"""The trainer's two protocols: one simultaneous step is both players'
gradients at the old point, then both steps; Algorithm 1 (alternating) is
unchanged; k > 1 with the simultaneous protocol is an error; a checkpoint of
one protocol does not resume the other."""

import copy
import re

import pytest
import torch

from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
from gan_lib.runtime import seed_everything
from gan_lib.training.checkpoint import CheckpointMismatchError
from gan_lib.training.losses import discriminator_loss, generator_cost
from gan_lib.training.trainer import Trainer, sgd_momentum

# p_data = N(2, 0.5²), a fixed sample of 256 points.
DATA = 2.0 + 0.5 * torch.randn(
    256, 1, generator=torch.Generator().manual_seed(123)
)
M = 16  # the minibatch size m
LR_D, LR_G = 0.1, 0.05  # plain SGD, a different step for each player


def make_trainer(weights: int = 0, **options: object) -> Trainer:
    """Tiny MLP players on DATA; ``weights`` seeds their initial weights."""
    seed_everything(weights)
    generator = MLPGenerator(1, 1, hidden=8, depth=1)
    discriminator = MLPDiscriminator(1, hidden=8, depth=1)
    settings = dict(
        batch_size=M,
        device="cpu",
        seed=0,
        log_every=1,
        d_optimizer=sgd_momentum(lr=LR_D, momentum=0.0),
        g_optimizer=sgd_momentum(lr=LR_G, momentum=0.0),
    )
    return Trainer(generator, discriminator, DATA, **(settings | options))


def assert_moved_by(
    before: torch.nn.Module,
    grads: tuple[torch.Tensor, ...],
    lr: float,
    after: torch.nn.Module,
) -> None:
    """θ_after = θ_before − lr · g, parameter by parameter."""
    for theta, grad, moved in zip(
        before.parameters(), grads, after.parameters(), strict=True
    ):
        torch.testing.assert_close(
            moved.detach(), theta - lr * grad, rtol=0, atol=1e-7
        )


@pytest.mark.parametrize(
    "cost", ["minimax", "non_saturating", "maximum_likelihood"]
)
def test_one_simultaneous_step_takes_both_gradients_at_the_old_point(cost):
    trainer = make_trainer(protocol="simultaneous", generator_cost=cost)
    D, G = (
        copy.deepcopy(trainer.discriminator),
        copy.deepcopy(trainer.generator),
    )
    # The trainer's stream (seed 0) draws the data indices, then one z
    # batch, shared by both players (the tutorial's two minibatches).
    stream = torch.Generator().manual_seed(0)
    x = DATA[torch.randint(len(DATA), (M,), generator=stream)]
    z = torch.randn(M, 1, generator=stream)
    # Both gradients at (θ_D, θ_G) of iteration 0.
    d_grads = torch.autograd.grad(
        discriminator_loss(D(x), D(G(z).detach())), list(D.parameters())
    )
    g_grads = torch.autograd.grad(
        generator_cost(cost)(D(G(z))), list(G.parameters())
    )
    trainer.step()
    assert_moved_by(D, d_grads, LR_D, trainer.discriminator)
    assert_moved_by(G, g_grads, LR_G, trainer.generator)
    # G's step saw D before D moved.
    history = trainer.history
    assert history["d_fake_after"][0] == history["d_fake_before"][0]
    assert all(p.requires_grad for p in trainer.discriminator.parameters())


def test_the_simultaneous_step_differs_from_the_alternating_one():
    alternating = make_trainer()
    simultaneous = make_trainer(protocol="simultaneous")
    alternating.step()
    simultaneous.step()
    # Both start from the same weights and draw the same data and D batch:
    # D's step is the same, G's is not (another z, and another D).
    for a, s in zip(
        alternating.discriminator.parameters(),
        simultaneous.discriminator.parameters(),
        strict=True,
    ):
        torch.testing.assert_close(a, s, rtol=0, atol=1e-7)
    assert not all(
        torch.allclose(a, s)
        for a, s in zip(
            alternating.generator.parameters(),
            simultaneous.generator.parameters(),
            strict=True,
        )
    )


def test_alternating_is_still_algorithm_1():
    """The default protocol: D steps at the old point, then G answers the
    D that has moved, on a fresh z."""
    trainer = make_trainer()
    assert trainer.protocol == "alternating"
    D, G = (
        copy.deepcopy(trainer.discriminator),
        copy.deepcopy(trainer.generator),
    )
    stream = torch.Generator().manual_seed(0)
    x = DATA[torch.randint(len(DATA), (M,), generator=stream)]
    z_d = torch.randn(M, 1, generator=stream)
    z_g = torch.randn(M, 1, generator=stream)  # fresh, as Algorithm 1 says
    d_grads = torch.autograd.grad(
        discriminator_loss(D(x), D(G(z_d).detach())), list(D.parameters())
    )
    moved_d = copy.deepcopy(D)
    with torch.no_grad():
        for theta, grad in zip(moved_d.parameters(), d_grads, strict=True):
            theta -= LR_D * grad
    g_grads = torch.autograd.grad(
        generator_cost("non_saturating")(moved_d(G(z_g))),
        list(G.parameters()),
    )
    trainer.step()
    assert_moved_by(D, d_grads, LR_D, trainer.discriminator)
    assert_moved_by(G, g_grads, LR_G, trainer.generator)


def test_simultaneous_runs_resume_bit_for_bit(tmp_path):
    path = tmp_path / "run.pt"
    uninterrupted = make_trainer(protocol="simultaneous")
    uninterrupted.train(10, progress=False)
    make_trainer(protocol="simultaneous").train(
        4, checkpoint_path=path, progress=False
    )
    resumed = make_trainer(weights=3, protocol="simultaneous")
    resumed.load_checkpoint(path)
    resumed.train(6, progress=False)
    for a, b in zip(
        uninterrupted.generator.parameters(),
        resumed.generator.parameters(),
        strict=True,
    ):
        assert torch.equal(a, b)
    assert uninterrupted.history.records == resumed.history.records


@pytest.mark.parametrize("d_steps", [2, 5])
def test_k_above_one_with_the_simultaneous_protocol_is_a_clear_error(
    d_steps,
):
    with pytest.raises(ValueError) as error:
        make_trainer(protocol="simultaneous", d_steps=d_steps)
    message = str(error.value)
    assert f"got d_steps={d_steps}" in message
    assert "Pass d_steps=1, or protocol='alternating'" in message


def test_an_unknown_protocol_is_a_clear_error():
    with pytest.raises(ValueError, match="alternating, simultaneous"):
        make_trainer(protocol="sequential")


@pytest.mark.parametrize(
    ("written", "loaded"),
    [("simultaneous", "alternating"), ("alternating", "simultaneous")],
)
def test_a_checkpoint_of_one_protocol_does_not_load_into_the_other(
    tmp_path, written, loaded
):
    path = tmp_path / "run.pt"
    make_trainer(protocol=written).train(
        3, checkpoint_path=path, progress=False
    )
    other = make_trainer(protocol=loaded)
    before = copy.deepcopy(other.generator.state_dict())
    field = (
        f"protocol (alternating or simultaneous): {written!r} in the "
        f"checkpoint, {loaded!r} in this trainer"
    )
    with pytest.raises(CheckpointMismatchError, match=re.escape(field)):
        other.load_checkpoint(path)
    assert other.iteration == 0
    for key, value in other.generator.state_dict().items():
        assert torch.equal(value, before[key])


def test_a_checkpoint_without_a_protocol_was_alternating(tmp_path):
    """Checkpoints written before the protocol was stored resume into an
    alternating trainer and are refused by a simultaneous one."""
    path = tmp_path / "run.pt"
    make_trainer().train(3, checkpoint_path=path, progress=False)
    state = torch.load(path, weights_only=True)
    del state["config"]["protocol"]
    torch.save(state, path)
    make_trainer().load_checkpoint(path)
    with pytest.raises(CheckpointMismatchError, match="'alternating' in"):
        make_trainer(protocol="simultaneous").load_checkpoint(path)
    assert make_trainer().config()["protocol"] == "alternating"
