"""The trainer: Algorithm 1 step by step, history and snapshots, exact
resume, the NaN guard, clear errors."""

import copy
import math

import pytest
import torch
from torch import nn

from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
from gan_lib.runtime import seed_everything
from gan_lib.training import checkpoint
from gan_lib.training.losses import discriminator_loss, generator_cost
from gan_lib.training.trainer import (
    HISTORY_KEYS,
    NonFiniteLossError,
    Trainer,
    adam,
    sgd_momentum,
)

# p_data = N(2, 0.5²), a fixed sample of 256 points.
DATA = 2.0 + 0.5 * torch.randn(
    256, 1, generator=torch.Generator().manual_seed(123)
)


def tiny_players(seed: int = 0, hidden: int = 8):
    seed_everything(seed)
    generator = MLPGenerator(1, 1, hidden=hidden, depth=1)
    discriminator = MLPDiscriminator(1, hidden=hidden, depth=1)
    return generator, discriminator


def make_trainer(seed: int = 0, hidden: int = 8, **options) -> Trainer:
    generator, discriminator = tiny_players(seed, hidden)
    settings = dict(batch_size=16, device="cpu", seed=0) | options
    return Trainer(generator, discriminator, DATA, **settings)


def parameters(trainer: Trainer) -> list[torch.Tensor]:
    return [
        p.detach().clone()
        for p in [
            *trainer.generator.parameters(),
            *trainer.discriminator.parameters(),
        ]
    ]


def test_discriminator_step_is_one_gradient_step_on_minus_v():
    lr = 0.1
    trainer = make_trainer(d_optimizer=sgd_momentum(lr=lr, momentum=0.0))
    D, G = (
        copy.deepcopy(trainer.discriminator),
        copy.deepcopy(trainer.generator),
    )
    # The trainer's stream (seed 0) draws the data indices, then z.
    stream = torch.Generator().manual_seed(0)
    real = DATA[torch.randint(len(DATA), (16,), generator=stream)]
    z = torch.randn(16, 1, generator=stream)
    loss = discriminator_loss(D(real), D(G(z).detach()))
    grads = torch.autograd.grad(loss, list(D.parameters()))
    trainer.discriminator_step()
    for before, grad, after in zip(
        D.parameters(), grads, trainer.discriminator.parameters(), strict=True
    ):
        torch.testing.assert_close(
            after, before - lr * grad, rtol=0, atol=1e-7
        )
    for before, after in zip(
        G.parameters(), trainer.generator.parameters(), strict=True
    ):
        assert torch.equal(before, after), "the D step must not move G"


@pytest.mark.parametrize(
    "cost", ["minimax", "non_saturating", "maximum_likelihood"]
)
def test_generator_step_descends_the_named_cost_and_leaves_d_alone(cost):
    lr = 0.1
    trainer = make_trainer(
        generator_cost=cost, g_optimizer=sgd_momentum(lr=lr, momentum=0.0)
    )
    D, G = (
        copy.deepcopy(trainer.discriminator),
        copy.deepcopy(trainer.generator),
    )
    z = torch.randn(16, 1, generator=torch.Generator().manual_seed(0))
    grads = torch.autograd.grad(
        generator_cost(cost)(D(G(z))), list(G.parameters())
    )
    trainer.generator_step()
    for before, grad, after in zip(
        G.parameters(), grads, trainer.generator.parameters(), strict=True
    ):
        torch.testing.assert_close(
            after, before - lr * grad, rtol=0, atol=1e-7
        )
    for before, after in zip(
        D.parameters(), trainer.discriminator.parameters(), strict=True
    ):
        assert torch.equal(before, after)
        assert after.grad is None
    assert all(p.requires_grad for p in trainer.discriminator.parameters())


def test_k_discriminator_steps_per_generator_step():
    trainer = make_trainer(d_steps=3)
    trainer.train(4, progress=False)
    d_steps = {
        int(s["step"])
        for s in trainer.d_optimizer.state_dict()["state"].values()
    }
    g_steps = {
        int(s["step"])
        for s in trainer.g_optimizer.state_dict()["state"].values()
    }
    # k = 3 D steps for each of the 4 G steps.
    assert d_steps == {12}
    assert g_steps == {4}
    assert trainer.iteration == 4


def test_history_is_recorded_every_log_every_iterations():
    trainer = make_trainer(log_every=5)
    history = trainer.train(20, progress=False)
    assert list(history["iteration"]) == [5, 10, 15, 20]
    assert set(history.records) == set(HISTORY_KEYS)
    assert all(len(history[k]) == 4 for k in HISTORY_KEYS)
    for key in ("d_real", "d_fake_before", "d_fake_after"):
        assert ((history[key] > 0) & (history[key] < 1)).all()
    assert (history["d_grad_norm"] > 0).all()
    assert (history["g_grad_norm"] > 0).all()
    # J_D = −V ≥ 0 with D's outputs strictly inside (0, 1); the
    # non-saturating cost −log D is positive.
    assert (history["d_loss"] > 0).all()
    assert (history["g_loss"] > 0).all()


def test_snapshots_use_the_fixed_noise_and_store_the_probe():
    grid = torch.linspace(0, 4, 9)[:, None]
    trainer = make_trainer(
        snapshot_at=[0, 7, 20],
        snapshot_size=32,
        probe=lambda g, d: {"d_on_grid": torch.sigmoid(d(grid))},
    )
    first = trainer.generator(trainer.fixed_noise).detach()
    history = trainer.train(20, progress=False)
    assert [s.iteration for s in history.snapshots] == [0, 7, 20]
    assert torch.equal(history.snapshot(0).samples, first)
    assert history.snapshot(20).samples.shape == (32, 1)
    assert history.snapshot(7).probes["d_on_grid"].shape == (9,)
    assert not torch.equal(
        history.snapshot(0).samples, history.snapshot(20).samples
    )
    with pytest.raises(KeyError, match="taken at"):
        history.snapshot(5)


def test_same_seed_same_run():
    first, second = make_trainer(), make_trainer()
    first.train(15, progress=False)
    second.train(15, progress=False)
    assert all(
        torch.equal(a, b)
        for a, b in zip(parameters(first), parameters(second), strict=True)
    )


def test_resume_reproduces_the_uninterrupted_run_bit_for_bit(tmp_path):
    options = dict(
        d_steps=2,
        real_label=0.9,
        log_every=4,
        snapshot_at=[0, 10, 30],
        snapshot_size=16,
    )
    uninterrupted = make_trainer(**options)
    uninterrupted.train(30, progress=False)

    path = tmp_path / "run.pt"
    interrupted = make_trainer(**options)
    interrupted.train(
        12, checkpoint_path=path, checkpoint_every=6, progress=False
    )
    # Other initial weights: the checkpoint must overwrite them.
    resumed = make_trainer(seed=99, **options)
    resumed.load_checkpoint(path)
    assert resumed.iteration == 12
    resumed.train(18, progress=False)

    assert all(
        torch.equal(a, b)
        for a, b in zip(
            parameters(uninterrupted), parameters(resumed), strict=True
        )
    )
    assert uninterrupted.history.records == resumed.history.records
    for a, b in zip(
        uninterrupted.history.snapshots,
        resumed.history.snapshots,
        strict=True,
    ):
        assert a.iteration == b.iteration
        assert torch.equal(a.samples, b.samples)
    adam_a, adam_b = (
        uninterrupted.d_optimizer.state_dict()["state"],
        resumed.d_optimizer.state_dict()["state"],
    )
    assert all(
        torch.equal(adam_a[i]["exp_avg_sq"], adam_b[i]["exp_avg_sq"])
        for i in adam_a
    )


def test_the_d_step_descends_the_smoothed_loss_with_both_targets():
    """With α, β the D step's recorded J⁽ᴰ⁾ is BCE(a_real, α) + BCE(a_fake, β)
    on the same minibatches."""
    trainer = make_trainer(real_label=0.9, fake_label=0.1)
    state = trainer.rng.get_state()
    real, z = (
        trainer.data_batch(trainer.batch_size),
        trainer.noise_batch(trainer.batch_size),
    )
    with torch.no_grad():
        expected = discriminator_loss(
            trainer.discriminator(real),
            trainer.discriminator(trainer.generator(z)),
            0.9,
            0.1,
        )
    trainer.rng.set_state(state)
    stats = trainer.discriminator_step(record=True)
    assert stats["d_loss"].item() == pytest.approx(expected.item(), rel=1e-6)
    assert trainer.state_dict()["config"]["fake_label"] == 0.1


def test_checkpoint_restores_the_global_generators(tmp_path):
    import random

    import numpy as np

    trainer = make_trainer()
    trainer.save_checkpoint(tmp_path / "c.pt")
    drawn = (torch.rand(3), np.random.rand(3), random.random())
    trainer.load_checkpoint(tmp_path / "c.pt")
    again = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(drawn[0], again[0])
    assert np.array_equal(drawn[1], again[1])
    assert drawn[2] == again[2]


class PoisonedGenerator(MLPGenerator):
    """An MLP generator whose output turns NaN after a given number of
    forward calls."""

    def __init__(self, healthy_calls: int) -> None:
        super().__init__(1, 1, hidden=8, depth=1)
        self.healthy_calls, self.calls = healthy_calls, 0

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        x = super().forward(z)
        return x * math.nan if self.calls > self.healthy_calls else x


def test_nan_guard_names_iteration_and_loss_and_keeps_last_good_checkpoint(
    tmp_path,
):
    seed_everything(0)
    # Two generator calls per iteration (the D step, then the G step): call 27
    # is iteration 14's D step.
    generator = PoisonedGenerator(healthy_calls=26)
    trainer = Trainer(
        generator,
        MLPDiscriminator(1, hidden=8, depth=1),
        DATA,
        batch_size=16,
        device="cpu",
        log_every=100,
    )
    path = tmp_path / "run.pt"
    with pytest.raises(
        NonFiniteLossError,
        match="discriminator loss became NaN or infinite at iteration 14",
    ):
        trainer.train(
            40, checkpoint_path=path, checkpoint_every=5, progress=False
        )
    # Found at the next check: the checkpoint due at 15 was not written.
    assert trainer.iteration == 15
    good = make_trainer()
    good.load_checkpoint(path)
    assert good.iteration == 10
    assert all(torch.isfinite(p).all() for p in parameters(good))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"], (
        "no temporary files are left behind"
    )


def test_nan_guard_names_the_generator_cost():
    trainer = make_trainer(generator_cost="maximum_likelihood")
    # A discriminator certain that everything is real: exp(logit) overflows
    # float32.
    with torch.no_grad():
        trainer.discriminator.net[-1].bias.fill_(200.0)
    with pytest.raises(
        NonFiniteLossError,
        match="generator cost became NaN or infinite at iteration 1 ",
    ):
        trainer.train(3, progress=False)


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    trainer = make_trainer()
    path = tmp_path / "run.pt"
    trainer.train(3, checkpoint_path=path, progress=False)
    before = path.read_bytes()

    def crash_mid_write(obj, file):
        file.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", crash_mid_write)
    with pytest.raises(OSError, match="disk full"):
        trainer.train(2, checkpoint_path=path, progress=False)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]


def test_checkpoint_from_another_model_is_a_clear_error(tmp_path):
    path = tmp_path / "run.pt"
    make_trainer(hidden=8).save_checkpoint(path)
    with pytest.raises(
        ValueError,
        match=r"different generator: 'net.0.weight' has shape \(8, 1\) "
        r"in the checkpoint and \(16, 1\)",
    ):
        make_trainer(hidden=16).load_checkpoint(path)
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a GAN Book trainer checkpoint"):
        make_trainer().load_checkpoint(tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError, match="No checkpoint at"):
        make_trainer().load_checkpoint(tmp_path / "missing.pt")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(d_steps=0), r"d_steps \(k"),
        (dict(d_steps=1.5), r"d_steps \(k"),
        (dict(batch_size=0), r"batch_size \(m\)"),
        (
            dict(generator_cost="wasserstein"),
            "minimax, non_saturating, maximum_likelihood",
        ),
        (dict(noise="laplace"), "normal, uniform"),
        (dict(real_label=1.2), "real_label"),
        (
            dict(real_label=0.9, fake_label=0.9),
            r"fake_label must be in \[0, real_label\)",
        ),
        (
            dict(fixed_noise=torch.zeros(4, 2)),
            r"fixed_noise must have shape \(n, 1\)",
        ),
    ],
)
def test_bad_settings_are_clear_errors(options, message):
    with pytest.raises(ValueError, match=message):
        make_trainer(**options)


def test_data_of_the_wrong_shape_is_a_clear_error():
    generator, discriminator = tiny_players()
    with pytest.raises(ValueError, match=r"data\[:, None\]"):
        Trainer(generator, discriminator, DATA[:, 0], device="cpu")
    trainer = Trainer(
        generator, discriminator, torch.randn(64, 2), device="cpu"
    )
    with pytest.raises(
        ValueError,
        match=r"data examples have shape \(2,\) "
        r"but the generator makes \(1,\)",
    ):
        trainer.step()


class TinyImageGenerator(nn.Module):
    latent_dim = 4

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(4, 16), nn.Tanh(), nn.Unflatten(1, (1, 4, 4))
        )

    def forward(self, z):
        return self.net(z)


def test_image_tensors_and_a_data_callable():
    seed_everything(0)
    discriminator = nn.Sequential(
        nn.Flatten(), nn.Linear(16, 1), nn.Flatten(0)
    )
    images = torch.rand(32, 1, 4, 4) * 2 - 1
    trainer = Trainer(
        TinyImageGenerator(),
        discriminator,
        images,
        batch_size=8,
        device="cpu",
        snapshot_at=[2],
        snapshot_size=5,
    )
    trainer.train(2, progress=False)
    assert trainer.history.snapshot(2).samples.shape == (5, 1, 4, 4)

    def sampler(m, generator):
        return torch.rand(m, 1, 4, 4, generator=generator) * 2 - 1

    trainer = Trainer(
        TinyImageGenerator(),
        copy.deepcopy(discriminator),
        sampler,
        batch_size=8,
        device="cpu",
    )
    trainer.train(2, progress=False)
    assert trainer.iteration == 2


def test_optimiser_factories():
    model = nn.Linear(2, 1)
    sgd = sgd_momentum(lr=0.1, momentum=0.7)(model.parameters())
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.defaults["momentum"] == 0.7
    adam_opt = adam()(model.parameters())
    assert isinstance(adam_opt, torch.optim.Adam)
    assert adam_opt.defaults["betas"] == (0.5, 0.999)
    assert adam_opt.defaults["lr"] == 2e-4


def test_mixed_precision_falls_back_to_full_precision_on_cpu():
    with pytest.warns(UserWarning, match="full precision"):
        trainer = make_trainer(mixed_precision=True)
    assert trainer.amp_dtype is None


def test_progress_bar_shows_live_losses(capsys):
    make_trainer(log_every=2).train(4, progress=True)
    shown = capsys.readouterr().err
    for reading in ("J_D=", "D(x)=", "D(G(z))="):
        assert reading in shown


def test_sampling_mid_run_does_not_change_the_run():
    plain, sampled = make_trainer(), make_trainer()
    plain.train(10, progress=False)
    sampled.train(5, progress=False)
    first = sampled.sample(100, seed=3)
    assert first.shape == (100, 1)
    assert torch.equal(first, sampled.sample(100, seed=3))
    sampled.train(5, progress=False)
    assert all(
        torch.equal(a, b)
        for a, b in zip(parameters(plain), parameters(sampled), strict=True)
    )


def test_parameters_frozen_by_the_user_stay_frozen():
    trainer = make_trainer()
    first_layer = trainer.discriminator.net[0].weight
    first_layer.requires_grad_(False)
    before = first_layer.detach().clone()
    trainer.train(3, progress=False)
    assert not first_layer.requires_grad
    assert torch.equal(first_layer, before)
    assert all(
        p.requires_grad for p in trainer.discriminator.net[-1].parameters()
    )
