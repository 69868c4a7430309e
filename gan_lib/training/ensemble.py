"""The seeds of one configuration trained as one batched model.

A verdict over seeds (Chapter 8's table, Chapter 12's variants) trains the
same configuration S times. :func:`stack_trainers` turns S identically
configured trainers into one :class:`SeedEnsemble`: G and D become
:class:`~gan_lib.nn.stacked.StackedModule` s, each seed keeps its own data
set and its own random stream, and one iteration runs Algorithm 1 for all S
seeds in the launches of about one run.

It gives the numbers of the S separate runs, to float rounding: seed s's
initial weights, minibatches and noise are those of its own trainer (drawn
from its own generator, in the same order), and its cost is its own mean.
The stacked cost is the *sum* of the S seeds' costs,

.. math::
    J = \\sum_{s=1}^{S} J_s(\\theta_s), \\qquad
    \\nabla_{\\theta_s} J = \\nabla_{\\theta_s} J_s,

so each seed's gradient is exactly its own, and an elementwise optimiser
(Adam, SGD with momentum) takes each seed's own step.
``tests/test_ensemble.py`` checks weights and samples against separate runs.

The history records the mean over seeds of each cost and of D's outputs;
the gradient norms are over all seeds' parameters together.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence

import torch

from gan_lib.nn.modes import evaluating
from gan_lib.nn.stacked import StackedModule
from gan_lib.training.trainer import OptimizerFactory, Trainer

__all__ = ["SeedEnsemble", "stack_trainers"]


def _optimizer_like(optimizer: torch.optim.Optimizer) -> OptimizerFactory:
    """A factory for an optimiser of ``optimizer``'s kind and settings.

    The settings are its (one) group's current values, as far as the
    constructor takes them (a group also holds keys torch adds itself).
    """
    accepted = inspect.signature(type(optimizer).__init__).parameters
    settings = {
        key: value
        for key, value in optimizer.param_groups[0].items()
        if key != "params" and key in accepted
    }

    def build(parameters):
        return type(optimizer)(parameters, **settings)

    return build


class SeedEnsemble(Trainer):
    """S runs of one configuration, trained together (see the module).

    Build it with :func:`stack_trainers`. ``sample(n, seed)`` returns
    (S, n, ...): the n samples each seed's own trainer would return.
    """

    def __init__(self, trainers: Sequence[Trainer]) -> None:
        first = trainers[0]
        super().__init__(
            StackedModule([t.generator for t in trainers]),
            StackedModule([t.discriminator for t in trainers]),
            torch.stack([t.data for t in trainers]),
            batch_size=first.batch_size,
            d_steps=first.d_steps,
            protocol=first.protocol,
            generator_cost=first.generator_cost_name,
            real_label=first.real_label,
            fake_label=first.fake_label,
            g_optimizer=_optimizer_like(first.g_optimizer),
            d_optimizer=_optimizer_like(first.d_optimizer),
            noise=first.noise,
            generator_extra_cost=first.extra_cost,
            latent_shape=first.latent_shape,
            fixed_noise=torch.stack([t.fixed_noise for t in trainers]),
            snapshot_at=first.snapshot_at,
            log_every=first.log_every,
            progress_every=first.progress_every,
            device=first.device,
            seed=first.seed,
        )
        self.seeds = [t.seed for t in trainers]
        # Each seed's own stream, a copy of its trainer's (at the start), so
        # that the trainers stay usable as separate runs.
        self.rngs = [_copy_generator(t.rng) for t in trainers]

    # ------------------------------------------------------------ sampling
    def noise_batch(self, m: int) -> torch.Tensor:
        """(S, m, *latent): seed s's next m codes from its own stream."""
        return torch.stack([self._draw_inputs(m, rng) for rng in self.rngs])

    def data_batch(self, m: int) -> torch.Tensor:
        """(S, m, ...): seed s's next m examples of its own data set."""
        # One index draw per seed from its stream (as its trainer draws),
        # then one gather for all seeds.
        index = torch.stack(
            [
                torch.randint(
                    self.data.shape[1], (m,), generator=rng, device=self.device
                )
                for rng in self.rngs
            ]
        )
        rows = torch.arange(len(self.rngs), device=self.device)[:, None]
        return self.data[rows, index]

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """(S, n, ...): each seed's G on the same n codes, in eval mode."""
        stream = torch.Generator(device=self.device).manual_seed(seed)
        z = self._draw_inputs(n, stream)
        with evaluating(self.generator):
            return self.generator.shared(z)

    # --------------------------------------------------------------- costs
    def _discriminator_cost(self, x, fake):
        loss, logits = super()._discriminator_cost(x, fake)
        # The mean over all S·m terms is (1/S) Σ_s J_s: times S, the sum.
        return loss * len(self.seeds), logits

    def _generator_cost(self, fake):
        cost, logits = super()._generator_cost(fake)
        return cost * len(self.seeds), logits

    def _with_extra_cost(self, cost, z, fake):
        # cost is already the sum over seeds; the extra terms' mean over
        # seeds times S is their sum. Recorded: the mean over seeds.
        total, extra = super()._with_extra_cost(cost, z, fake)
        if extra is None:
            return total, None
        return total + extra * (len(self.seeds) - 1), extra

    def _step_stats(self, record, loss, model, **logits):
        stats = super()._step_stats(record, loss, model, **logits)
        for key in ("d_loss", "g_loss"):
            if key in stats:  # recorded as the mean over seeds
                stats[key] = stats[key] / len(self.seeds)
        return stats

    def _check_batch_shapes(self, real, fake):
        super()._check_batch_shapes(real[0], fake[0])

    def _fixed_noise(self, fixed_noise, size, seed):
        return fixed_noise.to(self.device)  # (S, n, ...), one per seed

    # --------------------------------------------------------- checkpoints
    def train(self, iterations: int, **options):
        """As :meth:`Trainer.train`, without checkpoints (refused first)."""
        if options.get("checkpoint_path") is not None:
            self.save_checkpoint(options["checkpoint_path"])
        return super().train(iterations, **options)

    def config(self) -> dict:
        return super().config() | {"seeds": list(self.seeds)}

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        raise NotImplementedError(
            "a SeedEnsemble writes no checkpoints: its runs are short. "
            "Save the weights with torch.save(ensemble.generator."
            "state_dict(), path), or train seeds one by one with Trainer "
            "for resumable runs"
        )

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        self.save_checkpoint(path)


def stack_trainers(trainers: Sequence[Trainer]) -> SeedEnsemble:
    """One :class:`SeedEnsemble` from S trainers that differ only in seed.

    The trainers must be fresh (no iteration done) and built alike: the
    same settings, architectures, optimiser settings and data sizes; each
    keeps its seed's initial weights, data and streams. The trainers
    themselves are not trained; the ensemble holds copies of their state.
    """
    trainers = list(trainers)
    if not trainers:
        raise ValueError("stack_trainers needs at least one trainer")
    first = trainers[0]
    for trainer in trainers:
        if trainer.amp_dtype is not None:
            raise ValueError(
                "a SeedEnsemble trains in full precision: one loss scaler "
                "per player would be shared by all seeds, so an overflow in "
                "one seed would skip every seed's step. Train mixed-precision "
                "seeds one by one"
            )
        if trainer.iteration:
            raise ValueError(
                "stack_trainers takes fresh trainers; one has done "
                f"{trainer.iteration} iterations. Build new ones"
            )
        if trainer.protocol != first.protocol or trainer.config() | {
            "seed": 0
        } != first.config() | {"seed": 0}:
            raise ValueError(
                "the trainers to stack must differ only in their seed; "
                "build them with one function"
            )
        if not isinstance(trainer.data, torch.Tensor):
            raise ValueError(
                "stack_trainers needs data tensors (each seed's data set); "
                "a data callable cannot be stacked"
            )
        for a, b in (
            (trainer.g_optimizer, first.g_optimizer),
            (trainer.d_optimizer, first.d_optimizer),
        ):
            if _settings(a) != _settings(b):
                raise ValueError(
                    "the trainers' optimisers must have the same settings"
                )
        if trainer.probe is not None:
            raise ValueError("a SeedEnsemble takes no probe")
        for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
            if len(optimizer.param_groups) != 1:
                raise ValueError(
                    "stack_trainers needs optimisers with one parameter "
                    f"group; one has {len(optimizer.param_groups)}"
                )
    return SeedEnsemble(trainers)


def _copy_generator(generator: torch.Generator) -> torch.Generator:
    copy = torch.Generator(device=generator.device)
    copy.set_state(generator.get_state())
    return copy


def _settings(optimizer: torch.optim.Optimizer) -> list[dict]:
    return [
        {k: v for k, v in group.items() if k != "params"}
        for group in optimizer.param_groups
    ]
