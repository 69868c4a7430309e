"""The book's trainer on several GPUs: one process per device, under torchrun.

PyTorch's own engine does the work: ``torch.distributed`` (NCCL between
GPUs, gloo on CPUs) and ``DistributedDataParallel`` (DDP), which all-reduces
the gradients during the backward pass. Each of the W processes (ranks)
draws its own minibatch of m data points and m codes; the gradient every
rank steps with is the average

.. math::
    g = \\frac{1}{W} \\sum_{r=1}^{W} \\nabla \\frac{1}{m}
        \\sum_{i \\in B_r} \\ell_i
      = \\nabla \\frac{1}{Wm} \\sum_{i \\in B_1 \\cup \\dots \\cup B_W}
        \\ell_i,

the gradient of one step on the concatenated batch of W·m examples, so W
GPUs train as one with a W times larger minibatch
(``tests/test_distributed.py`` checks it with two gloo processes). Batch
norm on CUDA becomes ``SyncBatchNorm``, whose statistics are those of the
whole W·m batch; gloo on the CPU has no SyncBatchNorm, so there each rank
normalises with its own m.

Launch a script that builds a :class:`DistributedTrainer` with::

    torchrun --nproc_per_node 4 train_script.py

Every rank runs the same script: :func:`init_distributed` joins the group,
rank 0 broadcasts its initial weights (DDP does it when it wraps the
players), each rank draws from its own stream, and only rank 0 writes
checkpoints, which hold every rank's random state so that a run resumes
exactly with the same number of processes.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from gan_lib.training.checkpoint import (
    CheckpointMismatchError,
    atomic_torch_save,
    global_rng_states,
    set_global_rng_states,
)
from gan_lib.training.trainer import Trainer

__all__ = [
    "Process",
    "launched_by_torchrun",
    "init_distributed",
    "rank_seed",
    "DistributedTrainer",
    "process_group",
]


@dataclass(frozen=True)
class Process:
    """This process's place in the group: rank r of W, and its device."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device


def launched_by_torchrun() -> bool:
    """Whether torchrun (or another launcher) set the group's variables."""
    return all(
        key in os.environ
        for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
    )


def init_distributed(backend: str | None = None) -> Process:
    """Join the process group that torchrun set up; return this process.

    ``backend``: ``"nccl"`` when CUDA is available (one GPU per process,
    GPU ``LOCAL_RANK``), else ``"gloo"`` on the CPU.
    """
    if not launched_by_torchrun():
        raise RuntimeError(
            "init_distributed needs the variables torchrun sets (RANK, "
            "WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Launch the script with "
            "torchrun --nproc_per_node N script.py, or use Trainer for one "
            "process"
        )
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    cuda = torch.cuda.is_available()
    backend = backend or ("nccl" if cuda else "gloo")
    if backend == "nccl":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Process(dist.get_rank(), dist.get_world_size(), local_rank, device)


def _own_device() -> torch.device:
    """GPU ``LOCAL_RANK`` when CUDA is available, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    return torch.device("cpu")


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank ``rank``'s stream in a run seeded ``seed``.

    NumPy's SeedSequence mixes the pair, so that no two (seed, rank) pairs
    share a stream (``seed + rank`` would give run 0's rank 1 the stream
    of run 1's rank 0).
    """
    return int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])


class DistributedTrainer(Trainer):
    """:class:`Trainer` with one process per device, under torchrun.

    Takes the arguments of :class:`Trainer`; ``batch_size`` is m per rank
    (the step's batch is W·m). The players are wrapped in DDP for the
    steps, while ``self.generator`` and ``self.discriminator`` stay the
    plain modules, so checkpoints and samples are those of one process.
    ``sync_batch_norm`` (default: on CUDA) converts batch norm to
    ``SyncBatchNorm``. The alternating protocol only.

    The history is each rank's own: its losses and D's outputs on its m
    examples (the gradient norms are of the averaged gradient). Rank 0's
    goes into checkpoints. Without SyncBatchNorm (gloo on CPUs) each rank's
    batch norms keep running averages of their own minibatches, so
    ``sample`` gives slightly different images on each rank; sample on
    rank 0, whose averages the checkpoint holds.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data,
        *,
        sync_batch_norm: bool | None = None,
        **options,
    ) -> None:
        if not dist.is_initialized():
            raise RuntimeError(
                "the process group is not initialised: call "
                "init_distributed() first (under torchrun)"
            )
        if options.get("protocol", "alternating") != "alternating":
            raise ValueError(
                "DistributedTrainer runs the alternating protocol only "
                "(Algorithm 1); train the simultaneous one in one process"
            )
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        device = torch.device(options.pop("device", None) or _own_device())
        if sync_batch_norm is None:
            sync_batch_norm = device.type == "cuda"
        if sync_batch_norm:
            # Keeps the batch norms' own γ, β objects (torch copies the
            # references), so the optimisers built below hold them.
            generator = nn.SyncBatchNorm.convert_sync_batchnorm(generator)
            discriminator = nn.SyncBatchNorm.convert_sync_batchnorm(
                discriminator
            )
        super().__init__(
            generator, discriminator, data, device=device, **options
        )
        # This rank's stream: its own minibatches and codes.
        self.rng = torch.Generator(device=self.device).manual_seed(
            rank_seed(self.seed, self.rank)
        )
        ids = [self.device.index] if self.device.type == "cuda" else None
        # Wrapping broadcasts rank 0's weights and buffers to every rank.
        self.ddp_generator = DistributedDataParallel(
            self.generator, device_ids=ids
        )
        self.ddp_discriminator = DistributedDataParallel(
            self.discriminator, device_ids=ids
        )
        # The steps go through DDP; samples and checkpoints do not.
        self._step_generator = self.ddp_generator
        self._step_discriminator = self.ddp_discriminator

    # ---------------------------------------------- the steps, through DDP
    def _generator_cost(self, fake: torch.Tensor):
        # D is frozen in G's step: its parameters get no gradient, so DDP
        # must not wait for one (no_sync skips its reduction set-up).
        with self.ddp_discriminator.no_sync():
            return super()._generator_cost(fake)

    def train(self, iterations: int, **options):
        """As :meth:`Trainer.train`; the progress bar on rank 0 only."""
        options["progress"] = options.get("progress", True) and (
            self.rank == 0
        )
        return super().train(iterations, **options)

    # --------------------------------------------------------- checkpoints
    def config(self) -> dict:
        # Another W means other streams: such a resume is refused.
        return super().config() | {"world_size": self.world_size}

    def state_dict(self) -> dict:
        """The state of rank 0, with every rank's random states.

        A collective: every rank must call it.
        """
        state = super().state_dict()
        ranks = [None] * self.world_size
        mine = {"trainer": self.rng.get_state(), "global": global_rng_states()}
        dist.all_gather_object(ranks, mine)
        state["rng"]["ranks"] = ranks
        return state

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Every rank calls it; rank 0 writes (atomically), then all wait."""
        self.raise_if_nonfinite()
        state = self.state_dict()
        if self.rank == 0:
            atomic_torch_save(state, Path(path))
        dist.barrier()

    def _check_checkpoint(self, path: Path, state: dict) -> None:
        if "world_size" not in state.get("config", {}):
            # Its one stream would become every rank's: W equal batches.
            raise CheckpointMismatchError(
                f"{path} was written by a single-process Trainer; a "
                "distributed run cannot continue its one random stream on "
                f"{self.world_size} ranks. Resume it with Trainer, or start "
                "a distributed run from its weights (load them into the "
                "players before building the DistributedTrainer)."
            )
        super()._check_checkpoint(path, state)

    def raise_if_nonfinite(self) -> None:
        """As :meth:`Trainer.raise_if_nonfinite`, on every rank at once.

        A collective: a loss that turned bad on one rank stops all of
        them, instead of one rank raising while the others wait for it in
        the next all-reduce.
        """
        flags = self._first_nonfinite.clone()
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        self._first_nonfinite.copy_(flags)
        super().raise_if_nonfinite()

    def _restore(self, state, history, fixed_noise) -> None:
        super()._restore(state, history, fixed_noise)
        ranks = state["rng"].get("ranks")
        if ranks is not None:  # a checkpoint, not a backup: our own stream
            self.rng.set_state(ranks[self.rank]["trainer"])
            set_global_rng_states(ranks[self.rank]["global"])


@contextlib.contextmanager
def process_group(backend: str | None = None):
    """``init_distributed`` for the block; leaves the group after it."""
    process = init_distributed(backend)
    try:
        yield process
    finally:
        dist.destroy_process_group()
