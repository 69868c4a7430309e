"""The speed benchmark still runs and compares like with like (its numbers
are recorded in benchmarks/RESULTS.md, never asserted here)."""

import argparse
import copy
import importlib.util
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "dcgan_speed.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("dcgan_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return load_benchmark()


@pytest.fixture
def tiny(bench):
    return bench.Config(
        "tiny",
        image_size=14,
        channels=1,
        batch_size=8,
        latent_dim=8,
        width=8,
        n_images=64,
    )


def three_loops(bench, config):
    """The three loops as ``measure`` builds them."""
    cpu = torch.device("cpu")
    images = bench.synthetic_images(config)
    generator, discriminator = bench.build_models(config)
    plain = bench.PlainLoop(
        copy.deepcopy(generator),
        copy.deepcopy(discriminator),
        images,
        config,
        cpu,
    )
    careful = bench.CarefulLoop(
        copy.deepcopy(generator),
        copy.deepcopy(discriminator),
        images,
        config,
        cpu,
    )
    trainer = bench.TrainerLoop(
        generator, discriminator, images, config, cpu, False, False, False
    )
    return plain, careful, trainer.trainer


def test_all_three_loops_report_rates_and_the_trainers_ratios(bench, tiny):
    args = argparse.Namespace(
        warmup=1,
        rounds=1,
        iterations=2,
        mixed_precision=False,
        channels_last=False,
        compile=False,
    )
    row = bench.measure(tiny, torch.device("cpu"), args)
    assert min(row["plain"], row["careful"], row["trainer"]) > 0
    assert row["ratio"] == row["trainer"] / row["plain"]
    assert row["ratio_careful"] == row["trainer"] / row["careful"]
    report = bench.table([row], torch.device("cpu"), args)
    assert "| tiny |" in report
    assert "trainer / tutorial" in report
    assert "trainer / careful" in report
    loaded = bench.table([row], torch.device("cpu"), args, (2.5, 3.0))
    assert "load average 2.5 at the start, 3.0 at the end" in loaded


def test_the_three_loops_train_the_same_model_from_the_same_weights(
    bench, tiny
):
    plain, careful, trainer = three_loops(bench, tiny)
    players = [
        (loop.generator, loop.discriminator)
        for loop in (plain, careful, trainer)
    ]
    for generator, discriminator in players[1:]:
        for mine, theirs in (
            (generator, players[0][0]),
            (discriminator, players[0][1]),
        ):
            assert type(mine) is type(theirs)
            mine, theirs = mine.state_dict(), theirs.state_dict()
            assert mine.keys() == theirs.keys()
            assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    optimizers = [
        (plain.g_opt, plain.d_opt),
        (careful.g_opt, careful.d_opt),
        (trainer.g_optimizer, trainer.d_optimizer),
    ]
    for optimizer in [o for pair in optimizers for o in pair]:
        assert type(optimizer) is torch.optim.Adam
        assert optimizer.defaults["lr"] == 2e-4
        assert optimizer.defaults["betas"] == (0.5, 0.999)


def test_the_careful_d_step_is_the_trainers_d_step(bench, tiny):
    """Given the same batch and noise, the careful loop's discriminator
    step and the trainer's end in the same D, bit for bit."""
    _, careful, trainer = three_loops(bench, tiny)
    state = trainer.rng.get_state()
    real = trainer.data_batch(tiny.batch_size)
    z = trainer.noise_batch(tiny.batch_size)
    trainer.rng.set_state(state)
    trainer.discriminator_step()
    careful.discriminator_step(real, z)
    mine = careful.discriminator.state_dict()
    theirs = trainer.discriminator.state_dict()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)


def test_the_careful_loop_goes_through_epochs_and_syncs_rarely(
    bench, tiny, monkeypatch
):
    monkeypatch.setattr(bench, "LOG_EVERY", 4)
    _, careful, _ = three_loops(bench, tiny)
    seen = []
    careful.images = torch.arange(tiny.n_images).float()
    careful.images = careful.images[:, None, None, None].expand(-1, 1, 14, 14)
    next_batch = careful.next_batch

    def record():
        batch = next_batch()
        seen.append(batch[:, 0, 0, 0].long())
        return batch

    careful.next_batch = record
    careful.run(10)  # 8 batches of 8 per epoch: into the second epoch
    first_epoch = torch.cat(seen[:8]).sort().values
    assert torch.equal(first_epoch, torch.arange(tiny.n_images))
    assert len(careful.log) == 2  # a row at steps 4 and 8, no more
