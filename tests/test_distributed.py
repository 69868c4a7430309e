"""Two gloo processes under torchrun train as one process on both batches.

``tests/distributed_worker.py`` runs a ``DistributedTrainer`` on two CPU
processes; here one plain ``Trainer`` takes the same steps on the
concatenated batch (each rank's data points and codes, drawn from that
rank's own stream) and must reach the same weights, to float rounding.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from distributed_worker import SEED, M, data, players, settings

from gan_lib.nn import MLPDiscriminator, MLPGenerator
from gan_lib.nn.noise import draw_noise
from gan_lib.training import CheckpointMismatchError, Trainer
from gan_lib.training.distributed import (
    DistributedTrainer,
    init_distributed,
    launched_by_torchrun,
    rank_seed,
)

WORKER = Path(__file__).with_name("distributed_worker.py")
WORLD = 2  # processes


class ConcatenatedBatches(Trainer):
    """One process that draws each rank's batch from that rank's stream."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.streams = [
            torch.Generator(self.device).manual_seed(rank_seed(SEED, r))
            for r in range(WORLD)
        ]

    def data_batch(self, m):
        per_rank = m // WORLD
        return torch.cat(
            [
                self.data[
                    torch.randint(
                        len(self.data),
                        (per_rank,),
                        generator=g,
                        device=g.device,
                    )
                ]
                for g in self.streams
            ]
        )

    def noise_batch(self, m):
        shape = (m // WORLD, *self.latent_shape)
        return torch.cat(
            [draw_noise(shape, self.noise, g) for g in self.streams]
        )


def single_process_trainer() -> Trainer:
    return Trainer(*players(), data(), **settings("cpu"))


def single_process_reference(steps: int, device: str = "cpu") -> dict:
    trainer = ConcatenatedBatches(
        *players(), data(), **settings(device, batch_size=WORLD * M)
    )
    trainer.train(steps, progress=False)
    return {
        role: {k: v.cpu() for k, v in model.state_dict().items()}
        for role, model in (
            ("generator", trainer.generator),
            ("discriminator", trainer.discriminator),
        )
    }


def torchrun(*arguments: str, gpus: bool = False) -> None:
    """Two processes under torchrun; fail with their stderr."""
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    if not gpus:
        env["CUDA_VISIBLE_DEVICES"] = ""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={WORLD}",
        *arguments,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]


def launch(out: Path, backend: str) -> list[dict]:
    """Run the worker under torchrun; each rank's results."""
    torchrun(str(WORKER), str(out), backend, gpus=backend == "nccl")
    return [torch.load(out / f"rank{r}.pt") for r in range(WORLD)]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    return launch(tmp_path_factory.mktemp("distributed"), "gloo")


def assert_same_weights(a: dict, b: dict, atol: float = 1e-6) -> None:
    for role in ("generator", "discriminator"):
        assert a[role].keys() == b[role].keys()
        for key in a[role]:
            torch.testing.assert_close(
                a[role][key], b[role][key], atol=atol, rtol=0
            )


@pytest.mark.parametrize("steps, key", [(1, "one_step"), (3, "three_steps")])
def test_distributed_steps_equal_one_process_on_the_concatenated_batch(
    ranks, steps, key
):
    reference = single_process_reference(steps)
    for rank in ranks:  # every rank holds the same weights
        assert_same_weights(rank[key], reference)


def test_distributed_run_resumes_exactly_from_rank_0s_checkpoint(ranks):
    for rank in ranks:
        assert rank["resumed_iteration"] == 4
        assert_same_weights(rank["resumed"], rank["straight"], atol=0)


def test_checkpoints_do_not_cross_between_one_process_and_several(ranks):
    # one stream on W ranks would give W equal minibatches: refused
    assert all(rank["plain_checkpoint_refused"] for rank in ranks)
    # W streams in one process would drop all but one: refused
    plain = single_process_trainer()
    with pytest.raises(CheckpointMismatchError, match="torchrun"):
        plain.load_checkpoint(Path(ranks[0]["out"]) / "run.pt")


def test_ranks_draw_from_different_streams():
    seeds = {rank_seed(s, r) for s in range(4) for r in range(4)}
    assert len(seeds) == 16  # seed + rank would give 7
    first = torch.randn(
        4, generator=torch.Generator().manual_seed(rank_seed(0, 0))
    )
    second = torch.randn(
        4, generator=torch.Generator().manual_seed(rank_seed(0, 1))
    )
    assert not torch.equal(first, second)
    assert np.isfinite(rank_seed(2**40, 3))


def test_without_torchrun_the_errors_say_how_to_launch(monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    assert not launched_by_torchrun()
    with pytest.raises(RuntimeError, match="torchrun --nproc_per_node"):
        init_distributed()
    with pytest.raises(RuntimeError, match="init_distributed"):
        DistributedTrainer(
            MLPGenerator(2, 1), MLPDiscriminator(1), torch.randn(8, 1)
        )


@pytest.mark.cuda
def test_nccl_steps_equal_one_gpu_on_the_concatenated_batch(tmp_path):
    if torch.cuda.device_count() < WORLD:
        pytest.skip(f"needs {WORLD} GPUs for two NCCL processes")
    results = launch(tmp_path, "nccl")
    reference = single_process_reference(3, device="cuda")
    for rank in results:
        # cuBLAS may sum in another order on each card: rounding, not 0
        assert_same_weights(rank["three_steps"], reference, atol=1e-5)
        assert_same_weights(rank["resumed"], rank["straight"], atol=0)


def test_celeba_command_trains_checkpoints_and_resumes_on_two_processes(
    tmp_path,
):
    """The README's multi-GPU command, on two gloo processes, with random
    images in place of the faces (--synthetic: the wiring, not a result)."""
    checkpoint = tmp_path / "faces.pt"

    def run(iterations: int) -> None:
        torchrun(
            "-m",
            "gan_lib.experiments.celeba_dcgan",
            "--synthetic",
            f"--iterations={iterations}",
            "--image-size=32",
            "--width=4",
            "--batch-size=4",
            "--checkpoint-every=1",
            f"--checkpoint={checkpoint}",
        )

    run(2)
    first = torch.load(checkpoint, weights_only=False)
    assert first["iteration"] == 2
    assert first["config"]["world_size"] == WORLD
    assert len(first["rng"]["ranks"]) == WORLD
    run(3)  # the same command, one more iteration: resumes at 2
    assert torch.load(checkpoint, weights_only=False)["iteration"] == 3
    assert checkpoint.with_suffix(".png").stat().st_size > 0
