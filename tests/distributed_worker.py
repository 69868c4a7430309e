"""Run by tests/test_distributed.py under torchrun with two gloo processes.

Usage: torchrun --standalone --nproc_per_node 2 tests/distributed_worker.py OUT
[BACKEND]; BACKEND is gloo (CPU processes, the default) or nccl (one GPU each).

Writes, per rank r, OUT/rank{r}.pt: the players' weights after one step,
after three steps, and after 2 + 2 steps resumed from a checkpoint beside
4 uninterrupted steps.
"""

import functools
import sys
from pathlib import Path

import torch

from gan_lib.nn import MLPDiscriminator, MLPGenerator
from gan_lib.training import CheckpointMismatchError, Trainer, adam
from gan_lib.training.distributed import DistributedTrainer, process_group

SEED, M = 0, 8


def data() -> torch.Tensor:
    return 2.0 + torch.randn(
        256, 1, generator=torch.Generator().manual_seed(7)
    )


def players() -> tuple[MLPGenerator, MLPDiscriminator]:
    """G and D, the same initial weights in every process."""
    torch.manual_seed(SEED)
    return MLPGenerator(2, 1, hidden=8), MLPDiscriminator(1, hidden=8)


def settings(device: str | None, batch_size: int = M) -> dict:
    """The trainer settings every run here shares (m per process)."""
    return dict(
        batch_size=batch_size,
        g_optimizer=adam(1e-2),
        d_optimizer=adam(1e-2),
        log_every=1,
        device=device,
        seed=SEED,
    )


def build_on(device: str | None) -> DistributedTrainer:
    return DistributedTrainer(*players(), data(), **settings(device))


def weights(trainer: DistributedTrainer) -> dict:
    return {
        "generator": {
            k: v.detach().cpu().clone()
            for k, v in trainer.generator.state_dict().items()
        },
        "discriminator": {
            k: v.detach().cpu().clone()
            for k, v in trainer.discriminator.state_dict().items()
        },
    }


def refuses_plain_checkpoint(build, path: Path, rank: int) -> bool:
    """Whether a single-process Trainer's checkpoint is refused."""
    if rank == 0:
        plain = Trainer(*players(), data(), **settings("cpu"))
        plain.train(1, progress=False, checkpoint_path=path)
    torch.distributed.barrier()
    try:
        build().load_checkpoint(path)
    except CheckpointMismatchError as error:
        return "single-process" in str(error)
    return False


def main(out: Path, backend: str) -> None:
    torch.set_num_threads(1)
    with process_group(backend) as process:
        device = "cpu" if backend == "gloo" else None  # None: own GPU
        build = functools.partial(build_on, device)
        result = {}
        trainer = build()
        trainer.step()
        result["one_step"] = weights(trainer)
        trainer.train(2, progress=False)
        result["three_steps"] = weights(trainer)
        straight = build()
        straight.train(4, progress=False)
        result["straight"] = weights(straight)
        first = build()
        first.train(2, progress=False, checkpoint_path=out / "run.pt")
        resumed = build()
        resumed.load_checkpoint(out / "run.pt")
        resumed.train(2, progress=False)
        result["resumed"] = weights(resumed)
        result["resumed_iteration"] = resumed.iteration
        result["plain_checkpoint_refused"] = refuses_plain_checkpoint(
            build, out / "plain.pt", process.rank
        )
        result["out"] = str(out)
        torch.save(result, out / f"rank{process.rank}.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "gloo")
