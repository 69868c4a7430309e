"""The trainer's GPU path, tested on the CPU where torch allows: float16
autocast with one loss scaler per player (a step with an inf is skipped,
the other player's is not), the scalers in checkpoints, the step hook, and
fused Adam only on CUDA. The same paths on a real card are the tests
marked ``cuda`` (scripts/gpu_check.sh)."""

import pytest
import torch

from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
from gan_lib.runtime import seed_everything
from gan_lib.training.precision import grad_scaler
from gan_lib.training.trainer import Trainer, adam

DATA = 2.0 + 0.5 * torch.randn(
    256, 1, generator=torch.Generator().manual_seed(123)
)


def make_trainer(device: str = "cpu", **options) -> Trainer:
    seed_everything(0)
    settings = dict(batch_size=16, device=device, seed=0, log_every=1)
    return Trainer(
        MLPGenerator(1, 1, hidden=8, depth=1),
        MLPDiscriminator(1, hidden=8, depth=1),
        DATA,
        **(settings | options),
    )


def as_float16(trainer: Trainer) -> Trainer:
    """The T4 configuration, on the CPU: float16 autocast and scalers."""
    trainer.amp_dtype = torch.float16
    trainer.d_scaler = grad_scaler("cpu", torch.float16)
    trainer.g_scaler = grad_scaler("cpu", torch.float16)
    return trainer


def weights(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def test_float16_training_moves_both_players():
    trainer = as_float16(make_trainer())
    g0, d0 = weights(trainer.generator), weights(trainer.discriminator)
    trainer.train(5, progress=False)
    assert all(
        not torch.equal(a, b)
        for a, b in zip(g0, weights(trainer.generator), strict=True)
    )
    assert any(
        not torch.equal(a, b)
        for a, b in zip(d0, weights(trainer.discriminator), strict=True)
    )
    assert trainer.config()["autocast_dtype"] == "float16"


def test_an_overflowed_d_step_is_skipped_and_only_ds_scale_drops():
    trainer = as_float16(make_trainer())
    trainer.train(1, progress=False)
    d_scale, g_scale = (
        trainer.d_scaler.get_scale(),
        trainer.g_scaler.get_scale(),
    )
    d_before = weights(trainer.discriminator)
    g_before = weights(trainer.generator)
    first = next(trainer.discriminator.parameters())
    # D's next gradient overflows (the hook fires in D's backward only:
    # D is frozen in G's step).
    handle = first.register_hook(
        lambda grad: torch.full_like(grad, float("inf"))
    )
    trainer.discriminator_step()
    handle.remove()
    assert trainer.d_scaler.get_scale() == d_scale / 2
    for a, b in zip(d_before, weights(trainer.discriminator), strict=True):
        assert torch.equal(a, b), "a skipped step writes nothing"
    trainer.generator_step()
    assert trainer.g_scaler.get_scale() == g_scale
    assert any(
        not torch.equal(a, b)
        for a, b in zip(g_before, weights(trainer.generator), strict=True)
    )


def test_scalers_travel_with_the_checkpoint(tmp_path):
    trainer = as_float16(make_trainer())
    trainer.train(3, progress=False)
    trainer.d_scaler.update(new_scale=1024.0)
    trainer.save_checkpoint(tmp_path / "run.pt")
    resumed = as_float16(make_trainer())
    resumed.load_checkpoint(tmp_path / "run.pt")
    assert resumed.d_scaler.get_scale() == 1024.0
    assert resumed.g_scaler.get_scale() == trainer.g_scaler.get_scale()


def test_the_hook_runs_every_n_iterations_inside_one_loop():
    trainer = make_trainer()
    seen = []
    trainer.train(7, progress=False, hook=lambda t: seen.append(t.iteration),
                  hook_every=3)  # fmt: skip
    assert seen == [0, 3, 6]
    trainer.train(4, progress=False, hook=lambda t: seen.append(t.iteration),
                  hook_every=3)  # fmt: skip
    assert seen == [0, 3, 6, 9]
    with pytest.raises(ValueError, match="hook_every"):
        trainer.train(1, hook=print, hook_every=0)


def test_the_hook_changes_nothing_it_does_not_touch():
    plain, hooked = make_trainer(), make_trainer()
    plain.train(6, progress=False)
    hooked.train(6, progress=False, hook=lambda t: None, hook_every=2)
    for a, b in zip(
        weights(plain.generator), weights(hooked.generator), strict=True
    ):
        assert torch.equal(a, b)


def test_adam_is_fused_only_on_cuda():
    cpu = adam()(torch.nn.Linear(2, 2).parameters())
    assert not cpu.param_groups[0]["fused"]


@pytest.mark.cuda
def test_on_cuda_adam_is_fused_and_mixed_precision_fits_the_card():
    trainer = make_trainer("cuda", mixed_precision=True)
    assert trainer.g_optimizer.param_groups[0]["fused"]
    major, _ = torch.cuda.get_device_capability()
    expected = torch.bfloat16 if major >= 8 else torch.float16
    assert trainer.amp_dtype == expected
    assert (trainer.g_scaler is not None) == (expected == torch.float16)
    trainer.train(20, progress=False)
    assert torch.isfinite(torch.tensor(trainer.history["d_loss"])).all()


@pytest.mark.cuda
def test_on_cuda_a_resume_continues_bit_for_bit(tmp_path):
    straight = make_trainer("cuda")
    straight.train(10, progress=False)
    first = make_trainer("cuda")
    first.train(5, progress=False, checkpoint_path=tmp_path / "run.pt")
    resumed = make_trainer("cuda")
    resumed.load_checkpoint(tmp_path / "run.pt")
    resumed.train(5, progress=False)
    for a, b in zip(
        weights(straight.generator), weights(resumed.generator), strict=True
    ):
        assert torch.equal(a, b)
