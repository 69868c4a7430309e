"""Algorithm 1 of Goodfellow et al. (2014): the book's one GAN trainer.

Every chapter trains its GANs here, from the 1D toy of Chapter 4 to DCGAN.
One iteration is Algorithm 1 of the paper, with k = ``d_steps`` and
m = ``batch_size``:

    for k steps:
        sample m noise vectors z ~ p_z and m data points x ~ p_data
        descend  J⁽ᴰ⁾ = −(1/m) Σ [log D(x) + log(1 − D(G(z)))]   (ascend V)
    sample m noise vectors z ~ p_z
    descend  J⁽ᴳ⁾, the generator cost chosen by name

The generator costs are ``minimax``, ``non_saturating`` and
``maximum_likelihood``; label smoothing replaces J⁽ᴰ⁾'s targets 1 and 0 by
α = ``real_label`` and β = ``fake_label`` (see ``losses``).

That is ``protocol="alternating"``, the default: G answers the D that has
just moved. ``protocol="simultaneous"`` is the simultaneous gradient
descent of Goodfellow's NIPS 2016 tutorial, one step for each player
(k must be 1):

    sample m data points x ~ p_data and m noise vectors z ~ p_z
    take ∇_θ_D J⁽ᴰ⁾ and ∇_θ_G J⁽ᴳ⁾, both at the current (θ_D, θ_G)
    then step both players

Usage: build, train, sample, resume::

    data = 2.0 + 0.5 * torch.randn(10_000, 1)        # (N, *example_shape)
    trainer = Trainer(MLPGenerator(), MLPDiscriminator(), data, d_steps=1)
    history = trainer.train(1_000, checkpoint_path="run.pt",
                            checkpoint_every=100)
    history["d_real"]                    # mean D(x), a row per log_every
    x = trainer.sample(512)              # 512 draws of G(z), (512, 1)

    resumed = Trainer(MLPGenerator(), MLPDiscriminator(), data, d_steps=1)
    resumed.load_checkpoint("run.pt")    # an identically built trainer ...
    resumed.train(1_000)                 # ... goes on bit for bit (on CPU)

    both_at_once = Trainer(MLPGenerator(), MLPDiscriminator(), data,
                           protocol="simultaneous")   # k = 1
    both_at_once.train(1_000)

The interface, besides the constructor (see :class:`Trainer`):

- ``train(iterations, ...)``: run that many more iterations; with a
  ``checkpoint_path``, write a checkpoint every ``checkpoint_every``
  iterations and at the end.
- ``step()``, ``discriminator_step()``, ``generator_step()``: one iteration,
  or one player's move (``discriminator_step`` alone pre-trains D against a
  fixed G); ``simultaneous_step()``: both players' moves from one point,
  the iteration of the simultaneous protocol.
- ``sample(n, seed=0)``: n draws of G(z) without gradients, from their own
  noise stream, so sampling mid-run does not change the run.
- ``save_checkpoint(path)`` / ``load_checkpoint(path)``: models, optimisers,
  every RNG state (torch CPU and CUDA, NumPy, Python, the trainer's own),
  history, iteration and ``config()``, written atomically. A load is all or
  nothing, and refuses a checkpoint whose settings (m, k, the protocol, α,
  β, J⁽ᴳ⁾, p_z, seed, optimisers, …) or device type differ from this
  trainer's, naming each field with both values.
- ``iteration``: iterations done; ``history``: a :class:`History`
  (``history["d_loss"]`` etc. as arrays, ``history.snapshots``).
- ``sgd_momentum(lr, momentum)`` (the 2014 paper) and ``adam(lr, betas)``
  (DCGAN) build optimisers from parameters.

Games beyond noise → sample use two openings, not a second Algorithm 1:
``noise=`` may be a callable ``noise(m, generator)`` that draws G's inputs
(pix2pix's input images), and ``generator_extra_cost=extra`` adds
``extra(G, z, G(z))`` to J⁽ᴳ⁾ (pix2pix's λ‖y − G(x)‖₁, CycleGAN's cycle
loss), recorded as ``g_extra``.

Snapshots, probes and ``sample`` run the networks in eval mode (batch norm
on its running averages, dropout off) and restore each module's mode after:
a sample is G(z) alone, and measuring changes no parameter or buffer.

Recorded every ``log_every`` iterations (the only points where the trainer
syncs with the device): ``d_loss`` (J⁽ᴰ⁾), ``g_loss`` (J⁽ᴳ⁾), ``d_real``
(mean D(x)), ``d_fake_before`` (mean D(G(z)) in the D step, before D moves),
``d_fake_after`` (mean D(G(z)) in the G step, after D moved; in the
simultaneous protocol D has not moved yet, and it equals ``d_fake_before``
unless D is random in training mode, e.g. with dropout),
``d_grad_norm`` and ``g_grad_norm`` (the L2 norm of each player's
gradient). A loss that turns NaN or ±Inf stops training with a
:class:`NonFiniteLossError` naming the iteration and the loss; no checkpoint
is written after it, so the last one on disk is the last good state.

Speed on CPU: the toy chapters' networks are tiny, and for them a second
intra-op thread only adds synchronisation. Call ``torch.set_num_threads(1)``
first; on the project's shared 2-core machines, 100 iterations of Chapter 4's
GAN took 1 s of CPU time with one thread and 32 s with two.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from gan_lib import runtime
from gan_lib.nn.modes import evaluating
from gan_lib.nn.noise import NOISE_PRIORS, draw_noise
from gan_lib.theory.smoothing import check_labels
from gan_lib.training.checkpoint import (
    CheckpointMismatchError,
    atomic_torch_save,
    check_global_rng_states,
    global_rng_states,
    load_checked,
    model_signature,
    set_global_rng_states,
    signature_mismatch,
)
from gan_lib.training.losses import discriminator_loss
from gan_lib.training.losses import generator_cost as generator_cost_by_name
from gan_lib.training.precision import autocast_dtype, grad_scaler

__all__ = [
    "CHECKPOINT_FORMAT",
    "HISTORY_KEYS",
    "OptimizerFactory",
    "Probe",
    "DataSampler",
    "NonFiniteLossError",
    "sgd_momentum",
    "adam",
    "Snapshot",
    "History",
    "Trainer",
    "frozen",
]

# A data-format tag, not a module path: it keeps the name it had when the
# trainer was gan_lib.train, so checkpoints written before the move resume.
CHECKPOINT_FORMAT = "gan_lib.train/1"
HISTORY_KEYS = (
    "iteration",
    "d_loss",
    "g_loss",
    "d_real",
    "d_fake_before",
    "d_fake_after",
    "d_grad_norm",
    "g_grad_norm",
)

OptimizerFactory = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]
Probe = Callable[[nn.Module, nn.Module], dict[str, torch.Tensor]]
# G's inputs drawn by the caller's rule: m of them, with the trainer's stream
InputSampler = Callable[[int, torch.Generator], torch.Tensor]
# Terms added to J⁽ᴳ⁾ beside the adversarial cost: extra(G, z, G(z))
ExtraCost = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


class DataSampler(Protocol):
    """Draws ``m`` examples on the trainer's device.

    ``generator`` is the trainer's seeded generator: draw with it, so that a
    run is reproducible and resumes exactly.
    """

    def __call__(self, m: int, generator: torch.Generator) -> torch.Tensor: ...


class NonFiniteLossError(FloatingPointError):
    """A player's loss became NaN or ±Inf.

    The message names the iteration and the loss.
    """


def sgd_momentum(lr: float = 0.05, momentum: float = 0.5) -> OptimizerFactory:
    """SGD with momentum, the learning rule of the 2014 paper.

    v ← μ v + ∇J,  θ ← θ − lr · v,  with μ = ``momentum``.
    """
    return functools.partial(torch.optim.SGD, lr=lr, momentum=momentum)


def adam(
    lr: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999)
) -> OptimizerFactory:
    """Adam with DCGAN's settings by default (Radford et al. 2015).

    lr = 0.0002 and β₁ = 0.5, as in the paper: with Adam's default
    β₁ = 0.9, Radford et al. found that training oscillated and was
    unstable; lowering the momentum term to 0.5 stabilised it.
    """

    def build(parameters: Iterable[nn.Parameter]) -> torch.optim.Adam:
        parameters = list(parameters)
        # On CUDA, fused Adam updates every parameter in one kernel launch
        # instead of several per tensor; elsewhere torch picks its default.
        on_cuda = bool(parameters) and all(p.is_cuda for p in parameters)
        return torch.optim.Adam(
            parameters, lr=lr, betas=betas, fused=True if on_cuda else None
        )

    return build


@dataclass
class Snapshot:
    """G(z) on the fixed noise batch at one iteration.

    ``probes`` holds what the trainer's ``probe`` returned at that iteration.
    """

    iteration: int
    samples: torch.Tensor
    probes: dict[str, torch.Tensor] = field(default_factory=dict)


@dataclass
class History:
    """What the chapters plot: the records and the sample snapshots.

    ``records`` gains one row every ``log_every`` iterations, one column per
    name in ``HISTORY_KEYS``; ``history[name]`` returns a column as an array.
    """

    records: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in HISTORY_KEYS}
    )
    snapshots: list[Snapshot] = field(default_factory=list)

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.records:
            raise KeyError(
                f"no history column {key!r}; "
                f"columns: {', '.join(HISTORY_KEYS)}"
            )
        return np.asarray(self.records[key])

    def __len__(self) -> int:
        return len(self.records["iteration"])

    def snapshot(self, iteration: int) -> Snapshot:
        """The snapshot taken at ``iteration``."""
        for snap in self.snapshots:
            if snap.iteration == iteration:
                return snap
        taken = [snap.iteration for snap in self.snapshots]
        raise KeyError(
            f"no snapshot at iteration {iteration}; "
            f"snapshots were taken at {taken}"
        )

    def state_dict(self) -> dict:
        return {
            "records": {
                key: list(values) for key, values in self.records.items()
            },
            "snapshots": [
                {
                    "iteration": s.iteration,
                    "samples": s.samples,
                    "probes": s.probes,
                }
                for s in self.snapshots
            ],
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> History:
        snapshots = [
            Snapshot(s["iteration"], s["samples"], dict(s["probes"]))
            for s in state["snapshots"]
        ]
        return cls(
            {key: list(values) for key, values in state["records"].items()},
            snapshots,
        )


def _grad_norm(parameters: Iterable[nn.Parameter]) -> torch.Tensor:
    """‖∇_θ J‖₂ over the parameters that received a gradient.

    The result stays on the device: reading it is a sync, left to the caller.
    """
    norms = [
        torch.linalg.vector_norm(p.grad.detach().float())
        for p in parameters
        if p.grad is not None
    ]
    return (
        torch.linalg.vector_norm(torch.stack(norms))
        if norms
        else torch.zeros(())
    )


class Trainer:
    """Trains ``generator`` against ``discriminator`` by Algorithm 1.

    Or, with ``protocol="simultaneous"``, by simultaneous gradient descent.

    The module docstring shows how to use it.

    Args:
        generator: G, mapping z of shape (m, *latent_shape) to m examples.
        discriminator: D, mapping m examples to their logits: shape (m,),
            or a map per example such as PatchGAN's (m, 1, h, w); the
            costs average over every logit.
        data: a tensor of examples, shape (N, *example_shape), e.g. (N, 1)
            for 1D points, (N, 2) for 2D mixtures, (N, C, H, W) for images;
            it is moved once to the device and sampled by random index with
            the trainer's own seeded generator. Or a callable
            ``data(m, generator)`` that draws m examples on the device (use
            ``generator`` for reproducibility).
        batch_size: m, the minibatch size of both players' steps.
        d_steps: k, the discriminator steps per generator step.
        protocol: ``"alternating"`` (Algorithm 1: k steps of D, then one
            step of G against the D that has moved) or ``"simultaneous"``
            (both players' gradients at the same point, then both steps;
            needs k = 1).
        generator_cost: J⁽ᴳ⁾ by name: ``"minimax"``, ``"non_saturating"``
            or ``"maximum_likelihood"``.
        real_label: α, D's target on data (0.9: one-sided label smoothing).
        fake_label: β, D's target on samples; keep it 0 (two-sided
            smoothing: see ``gan_lib.theory.smoothing``).
        g_optimizer: builds G's optimiser from its parameters, e.g.
            ``adam()`` (the default) or ``sgd_momentum()``.
        d_optimizer: the same for D.
        noise: the prior p_z: ``"normal"`` (standard normal) or
            ``"uniform"`` (on [−1, 1]); or a callable ``noise(m, generator)``
            that draws G's m inputs with the trainer's stream, for games
            whose G starts from something other than noise (pix2pix's input
            images, SRGAN's low-resolution ones).
        generator_extra_cost: ``extra(generator, z, fake) -> scalar``, terms
            added to J⁽ᴳ⁾ beside the adversarial cost (pix2pix's λ‖y −
            G(x)‖₁, CycleGAN's cycle loss); recorded as ``g_extra``.
        latent_shape: the shape of one z; by default the generator's
            ``latent_shape``, or ``(latent_dim,)``.
        fixed_noise: the z of every snapshot, shape (n, *latent_shape); by
            default ``snapshot_size`` draws from a stream of its own.
        snapshot_size: n, the size of the default ``fixed_noise``.
        snapshot_at: the iterations at which G(fixed_noise) (and the
            probe's result) is kept in ``history.snapshots``.
        probe: ``probe(generator, discriminator) -> dict of tensors``,
            called at every snapshot.
        log_every: the history gains a row every ``log_every`` iterations
            (the only points where the trainer syncs with the device).
        progress_every: the progress bar shows the last row every
            ``progress_every`` iterations (default: ``log_every``).
        device: where to train (default: ``runtime.default_device()``).
        mixed_precision: autocast that fits the card: bfloat16 from
            compute capability 8.0 on, float16 with one loss scaler per
            player below it (see ``training.precision``); a warning and full
            precision off CUDA.
        seed: seeds the trainer's own generator, which draws every data and
            noise batch; the default ``fixed_noise`` uses ``seed + 1``.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: torch.Tensor | DataSampler,
        *,
        batch_size: int = 64,
        d_steps: int = 1,
        protocol: str = "alternating",
        generator_cost: str = "non_saturating",
        real_label: float = 1.0,
        fake_label: float = 0.0,
        g_optimizer: OptimizerFactory | None = None,
        d_optimizer: OptimizerFactory | None = None,
        noise: str | InputSampler = "normal",
        generator_extra_cost: ExtraCost | None = None,
        latent_shape: Sequence[int] | None = None,
        fixed_noise: torch.Tensor | None = None,
        snapshot_size: int = 512,
        snapshot_at: Iterable[int] = (),
        probe: Probe | None = None,
        log_every: int = 10,
        progress_every: int | None = None,
        device: torch.device | str | None = None,
        mixed_precision: bool = False,
        seed: int = 0,
    ) -> None:
        _check_positive_int(
            "d_steps (k, discriminator steps per generator step)", d_steps
        )
        _check_protocol(protocol, d_steps)
        _check_positive_int("batch_size (m)", batch_size)
        _check_positive_int("log_every", log_every)
        _check_positive_int("snapshot_size", snapshot_size)
        check_labels(real_label, fake_label)
        if not callable(noise) and noise not in NOISE_PRIORS:
            raise ValueError(
                f"Unknown noise prior {noise!r}. "
                f"Valid priors: {', '.join(NOISE_PRIORS)}, or a callable "
                "noise(m, generator) that draws G's inputs."
            )
        # Raises on an unknown name, before anything is built.
        self.cost = generator_cost_by_name(generator_cost)
        self.generator_cost_name = generator_cost
        self.batch_size, self.d_steps = batch_size, d_steps
        self.protocol = protocol
        self.real_label, self.fake_label = real_label, fake_label
        self.noise, self.log_every = noise, log_every
        self.progress_every = progress_every or log_every
        self.device = (
            torch.device(device)
            if device is not None
            else runtime.default_device()
        )
        self.amp_dtype = autocast_dtype(self.device, mixed_precision)
        # One loss scaler per player (float16 only): a step D skips for an
        # overflow must not lower G's scale.
        self.d_scaler = grad_scaler(self.device, self.amp_dtype)
        self.g_scaler = grad_scaler(self.device, self.amp_dtype)
        self.generator = generator.to(self.device)
        self.discriminator = discriminator.to(self.device)
        # What the steps call: the players themselves, or wrappers that
        # share their parameters (DistributedTrainer's DDP).
        self._step_generator = self.generator
        self._step_discriminator = self.discriminator
        g_optimizer, d_optimizer = g_optimizer or adam(), d_optimizer or adam()
        self.g_optimizer = g_optimizer(self.generator.parameters())
        self.d_optimizer = d_optimizer(self.discriminator.parameters())
        self.extra_cost = generator_extra_cost
        self.latent_shape = (
            _latent_shape(generator, latent_shape)
            if latent_shape is not None or not callable(noise)
            # the shape of one input, from one throwaway draw
            else tuple(self._draw_inputs(1, self._throwaway()).shape[1:])
        )
        self.data = _prepare_data(data, self.device)
        self.seed = int(seed)
        self.rng = torch.Generator(device=self.device).manual_seed(seed)
        self.fixed_noise = self._fixed_noise(fixed_noise, snapshot_size, seed)
        self.snapshot_at = frozenset(int(i) for i in snapshot_at)
        self.probe = probe
        self.iteration = 0
        self.history = History()
        # The iteration at which each loss (D's, G's) first became
        # non-finite, −1 for never. It lives on the device, so that the
        # guard costs no sync per step.
        self._first_nonfinite = torch.full(
            (2,), -1, dtype=torch.long, device=self.device
        )

    # --------------------------------------------------------- Algorithm 1
    def step(self) -> None:
        """One iteration of the training protocol.

        ``"alternating"`` (Algorithm 1): k steps of D, then one step of G.
        ``"simultaneous"``: one step of each player from the same point
        (see :meth:`simultaneous_step`).
        """
        record = (self.iteration + 1) % self.log_every == 0
        if self.protocol == "simultaneous":
            stats = self.simultaneous_step(record)
        else:
            for _ in range(self.d_steps):
                # Only the last of the k D steps is recorded.
                d_stats = self.discriminator_step(record)
            stats = d_stats | self.generator_step(record)
        self.iteration += 1
        if record:
            self._record(stats)
        if self.iteration in self.snapshot_at:
            self._snapshot()

    def discriminator_step(
        self, record: bool = False
    ) -> dict[str, torch.Tensor]:
        """Descend J⁽ᴰ⁾ = −V on m data points and m samples of the fixed G.

        Returns the step's statistics if ``record`` (else an empty dict).
        """
        x = self.data_batch(self.batch_size)
        z = self.noise_batch(self.batch_size)
        # G is fixed in D's step: no_grad builds no graph through G, and the
        # fake batch comes out detached, so J⁽ᴰ⁾ cannot reach θ_G.
        with torch.no_grad():
            fake = self._generate(z)
        loss, logits = self._discriminator_cost(x, fake)
        return self._descend(
            self.discriminator, self.d_optimizer, loss, record, **logits
        )

    def generator_step(self, record: bool = False) -> dict[str, torch.Tensor]:
        """Descend the cost J⁽ᴳ⁾ on m fresh noise samples, D held fixed.

        Returns the step's statistics if ``record`` (else an empty dict).
        """
        # Fresh z, as Algorithm 1 says; the DCGAN tutorial reuses D's batch.
        z = self.noise_batch(self.batch_size)
        fake = self._generate(z)
        cost, logits = self._generator_cost(fake)
        cost, extra = self._with_extra_cost(cost, z, fake)
        stats = self._descend(
            self.generator, self.g_optimizer, cost, record, **logits
        )
        return stats | self._extra_stats(record, extra)

    def simultaneous_step(
        self, record: bool = False
    ) -> dict[str, torch.Tensor]:
        """One step of each player, both from (θ_D, θ_G) of this iteration.

        With one batch x of m data points and one batch z of m codes (the
        tutorial's two minibatches):

            g_D = ∇_θ_D J⁽ᴰ⁾(θ_D, θ_G),  g_G = ∇_θ_G J⁽ᴳ⁾(θ_D, θ_G)
            then θ_D ← step(θ_D, g_D) and θ_G ← step(θ_G, g_G)

        so neither player answers the other's new parameters. Returns both
        steps' statistics if ``record`` (else an empty dict);
        ``d_fake_after`` is then D(G(z)) before D moved, as G saw it.
        """
        x = self.data_batch(self.batch_size)
        z = self.noise_batch(self.batch_size)
        fake = self._generate(z)  # with a graph to θ_G, for G's gradient
        # D sees the samples twice: detached for its own cost, so that
        # J⁽ᴰ⁾ cannot reach θ_G, and through frozen weights for G's, so that
        # J⁽ᴳ⁾ cannot reach θ_D. Two forward passes keep the gradients apart.
        d_loss, d_logits = self._discriminator_cost(x, fake.detach())
        g_cost, g_logits = self._generator_cost(fake)
        g_cost, extra = self._with_extra_cost(g_cost, z, fake)
        d_stats = self._gradient(
            self.discriminator, self.d_optimizer, d_loss, record, **d_logits
        )
        g_stats = self._gradient(
            self.generator, self.g_optimizer, g_cost, record, **g_logits
        )
        # Only now does either player move: both gradients were taken at
        # the old point (a step before the other's backward pass would
        # also break that pass, which reads the weights it changed).
        self._step(self.discriminator, self.d_optimizer, d_loss)
        self._step(self.generator, self.g_optimizer, g_cost)
        return d_stats | g_stats | self._extra_stats(record, extra)

    def _with_extra_cost(
        self, cost: torch.Tensor, z: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(J⁽ᴳ⁾ + extra terms, the extra terms), or (J⁽ᴳ⁾, None)."""
        if self.extra_cost is None:
            return cost, None
        extra = self.extra_cost(self.generator, z, fake).float()
        return cost + extra, extra

    def _extra_stats(
        self, record: bool, extra: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        if not record or extra is None:
            return {}
        return {"g_extra": extra.detach()}

    def _discriminator_cost(
        self, x: torch.Tensor, fake: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """J⁽ᴰ⁾ on a data batch and a (detached) batch of samples.

        Returns the loss and D's logits to record (D(x), D(G(z))).
        """
        real_logits, fake_logits = self._discriminate(x, fake)
        loss = discriminator_loss(
            real_logits, fake_logits, self.real_label, self.fake_label
        )
        return loss, {"d_real": real_logits, "d_fake_before": fake_logits}

    def _generator_cost(
        self, fake: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """J⁽ᴳ⁾ on G's samples ``fake``, through D but not into θ_D.

        Returns the cost and D's logits on the samples, to record.
        """
        # D is fixed in G's step: the gradient flows back through D into
        # θ_G, but D's own weights get none.
        with frozen(self.discriminator):
            (fake_logits,) = self._discriminate(fake)
        return self.cost(fake_logits), {"d_fake_after": fake_logits}

    def train(
        self,
        iterations: int,
        *,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        progress: bool = True,
        hook: Callable[[Trainer], None] | None = None,
        hook_every: int = 1,
    ) -> History:
        """Run ``iterations`` more iterations of the training protocol.

        Returns the history (all of it, not only these iterations).

        With ``checkpoint_path``, a checkpoint is written every
        ``checkpoint_every`` iterations (0: only at the end) and at the end,
        each time only after checking that no loss has become non-finite.

        ``hook(trainer)`` runs before every iteration whose index is a
        multiple of ``hook_every`` (the first of this call's included when
        it is one), inside the one loop: e.g. refreshing virtual batch
        norm's reference statistics every n steps without a ``train(1)``
        call, and its progress bar and sync, per step.
        """
        _check_positive_int("hook_every", hook_every)
        if not isinstance(iterations, int) or iterations < 0:
            raise ValueError(
                "iterations must be a non-negative integer, "
                f"got {iterations!r}"
            )
        if checkpoint_every < 0:
            raise ValueError(
                "checkpoint_every must be >= 0 (0: only at the end), "
                f"got {checkpoint_every}"
            )
        path = Path(checkpoint_path) if checkpoint_path is not None else None
        self.check_optimizers()
        if self.iteration in self.snapshot_at and not any(
            s.iteration == self.iteration for s in self.history.snapshots
        ):
            self._snapshot()
        from tqdm.auto import tqdm

        with tqdm(
            total=iterations,
            disable=not progress,
            desc=f"GAN ({self.generator_cost_name}, {self._protocol_label()})",
        ) as bar:
            for _ in range(iterations):
                if hook is not None and self.iteration % hook_every == 0:
                    hook(self)
                self.step()
                bar.update(1)
                if self.iteration % self.log_every == 0:
                    self.raise_if_nonfinite()
                if (
                    self.iteration % self.progress_every == 0
                    and len(self.history)
                    and progress
                ):
                    bar.set_postfix(self._postfix(), refresh=False)
                if (
                    path is not None
                    and checkpoint_every
                    and self.iteration % checkpoint_every == 0
                ):
                    self.save_checkpoint(path)
        self.raise_if_nonfinite()
        if path is not None:
            self.save_checkpoint(path)
        return self.history

    def _protocol_label(self) -> str:
        if self.protocol == "simultaneous":
            return "simultaneous"
        return f"k={self.d_steps}"

    def check_optimizers(self) -> None:
        """Raise if a trainable parameter of G or D is not in its optimizer.

        Such a parameter gets a gradient at every step and never changes,
        silently: e.g. a layer swapped in after the trainer was built.
        ``train`` checks this before its first step.
        """
        for role, model, optimizer in (
            ("generator", self.generator, self.g_optimizer),
            ("discriminator", self.discriminator, self.d_optimizer),
        ):
            held = {
                id(p)
                for group in optimizer.param_groups
                for p in group["params"]
            }
            missing = [
                name
                for name, p in model.named_parameters()
                if p.requires_grad and id(p) not in held
            ]
            if missing:
                raise ValueError(
                    f"the {role}'s parameters {', '.join(missing)} are "
                    "trainable but not in its optimizer, so training would "
                    "never change them. Change the model before building "
                    "the Trainer, or freeze them (requires_grad_(False)) "
                    "if they should stay fixed."
                )

    # ------------------------------------------------------------ sampling
    def noise_batch(self, m: int) -> torch.Tensor:
        """m draws of z ~ p_z on the device (normal, or uniform on [−1, 1])."""
        return self._draw_inputs(m, self.rng)

    def _draw_inputs(self, m: int, stream: torch.Generator) -> torch.Tensor:
        """m inputs of G: from the prior by name, or the caller's sampler."""
        if callable(self.noise):
            return self.noise(m, stream)
        return draw_noise((m, *self.latent_shape), self.noise, stream)

    def _throwaway(self) -> torch.Generator:
        """A stream of its own, so the training stream is not touched."""
        return torch.Generator(device=self.device).manual_seed(0)

    def data_batch(self, m: int) -> torch.Tensor:
        """m examples of the data, drawn with the trainer's generator.

        A data tensor is sampled by random index (with replacement).
        """
        if isinstance(self.data, torch.Tensor):
            index = torch.randint(
                len(self.data), (m,), generator=self.rng, device=self.device
            )
            return self.data[index]
        return self.data(m, self.rng)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """n draws of G(z), without gradients, with G in eval mode.

        z comes from a fresh generator seeded with ``seed``, so the training
        stream is untouched and sampling mid-run does not change the run.
        Eval mode makes each sample a function of its z alone (batch norm
        uses its running averages, not the batch's statistics) and leaves
        G's buffers as they were.
        """
        stream = torch.Generator(device=self.device).manual_seed(seed)
        z = self._draw_inputs(n, stream)
        with evaluating(self.generator):
            return self.generator(z)

    # --------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        return {
            "format": CHECKPOINT_FORMAT,
            "iteration": self.iteration,
            "signature": {
                "generator": model_signature(self.generator),
                "discriminator": model_signature(self.discriminator),
            },
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "rng": {
                "trainer": self.rng.get_state(),
                "global": global_rng_states(),
            },
            "fixed_noise": self.fixed_noise.cpu(),
            "history": self.history.state_dict(),
            "config": self.config(),
            "scalers": self._scaler_states(),
        }

    def config(self) -> dict[str, Any]:
        """The settings a checkpoint must have been written with to resume.

        Everything that shapes the rest of the run: m, k, the protocol
        (alternating or simultaneous), α, β, J⁽ᴳ⁾, p_z, the shape of z, the
        seed, the data's shape, the optimisers' kinds, whether autocast is
        in effect, and the device type. The optimisers' hyperparameters
        (lr, betas, …) are in their own state dicts.
        """
        data_shape = (
            tuple(self.data.shape)
            if isinstance(self.data, torch.Tensor)
            else None
        )
        return {
            "batch_size": int(self.batch_size),
            "d_steps": int(self.d_steps),
            "protocol": self.protocol,
            "generator_cost": self.generator_cost_name,
            "real_label": float(self.real_label),
            "fake_label": float(self.fake_label),
            "noise": _callable_name(self.noise),
            "generator_extra_cost": _callable_name(self.extra_cost),
            "latent_shape": self.latent_shape,
            "seed": self.seed,
            "data_shape": data_shape,
            "g_optimizer": type(self.g_optimizer).__name__,
            "d_optimizer": type(self.d_optimizer).__name__,
            "mixed_precision": self.amp_dtype is not None,
            "autocast_dtype": str(self.amp_dtype).removeprefix("torch."),
            "device": self.device.type,
        }

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the full training state to ``path`` atomically.

        The state goes to a temporary file first, then ``os.replace`` puts it
        in place: a reader sees the old checkpoint or the new one.
        """
        self.raise_if_nonfinite()
        atomic_torch_save(self.state_dict(), Path(path))

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Restore a checkpoint written by an identically built trainer.

        Training then continues exactly as the uninterrupted run would (bit
        for bit on CPU).

        All or nothing: the whole checkpoint is checked before anything
        changes, and a failure while restoring puts back the trainer's own
        state, so on any error the trainer is exactly as it was. Raises
        :class:`CheckpointMismatchError` (a ``ValueError``) when:

        - the checkpoint's configuration (see :meth:`config`: m, k, the
          protocol, α, β, J⁽ᴳ⁾, p_z, z's shape, seed, data shape, optimiser
          kinds, mixed precision) or an optimiser hyperparameter (lr,
          betas, …) differs from this trainer's: the message names each
          field with both values; build the trainer with the stored ones.
          Fields that an older checkpoint lacks are not compared (one
          without a protocol was written by an alternating trainer);
        - a player's architecture differs;
        - it was written on another type of device (a CUDA run resumed on
          the CPU, or back). Such a resume is refused, not approximated:
          the trainer's random stream (every data and noise batch) is a
          Mersenne Twister on the CPU and a Philox counter on CUDA, and one
          cannot continue the other, so the run would silently become
          another run. Resume on the device type that wrote it, or start a
          new run from its weights (the message says how);
        - a stored random state, optimiser state or history is corrupted.
        """
        path = Path(path)
        hint = f"train() with checkpoint_path={str(path)!r} writes one"
        state = load_checked(path, CHECKPOINT_FORMAT, "GAN Book trainer", hint)
        # Check and convert everything before the first write; should a
        # write still fail, the backup puts the trainer back as it was.
        self._check_checkpoint(path, state)
        history = History.from_state_dict(state["history"])
        fixed_noise = state["fixed_noise"].to(self.device)
        backup = self._restorable_state()
        try:
            self._restore(state, history, fixed_noise)
        except BaseException:
            self._restore(backup, backup["history"], backup["fixed_noise"])
            raise

    def _check_checkpoint(self, path: Path, state: dict) -> None:
        """Raise :class:`CheckpointMismatchError` unless ``state`` can be
        restored into this trainer in full; change nothing."""
        # Checkpoints written before the protocol was a setting were all
        # alternating: a simultaneous trainer must refuse them too.
        stored = {"protocol": "alternating"} | state.get("config", {})
        here = self.config()
        device = stored.get("device", here["device"])
        if device != here["device"]:
            raise CheckpointMismatchError(
                f"{path} was written by a trainer on a {device} device; "
                f"this one trains on {here['device']}. Its random stream "
                "cannot continue on another type of device, so the run "
                f"would not resume exactly. Build the trainer with "
                f"device={device!r} to resume it, or start a new run from "
                "its weights: state = torch.load(path, map_location="
                "'cpu', weights_only=True), then "
                "trainer.generator.load_state_dict(state['generator']) "
                "and the same for the discriminator."
            )
        if "world_size" in stored and "world_size" not in here:
            raise CheckpointMismatchError(
                f"{path} was written by a distributed run of "
                f"{stored['world_size']} processes, each with its own "
                "stream and minibatch. Resume it the same way: under "
                f"torchrun --nproc_per_node {stored['world_size']} with "
                "DistributedTrainer."
            )
        problems = [
            f"{_FIELD_NAMES.get(key, key)}: {stored[key]!r} in the "
            f"checkpoint, {here[key]!r} in this trainer"
            for key in here
            if key in stored and not _same(stored[key], here[key])
        ]
        problems += _hyperparameter_mismatches(
            "g_optimizer", state["g_optimizer"], self.g_optimizer
        )
        problems += _hyperparameter_mismatches(
            "d_optimizer", state["d_optimizer"], self.d_optimizer
        )
        if problems:
            raise CheckpointMismatchError(
                f"{path} was written with other settings than this "
                f"trainer's: {'; '.join(problems)}. Build the trainer with "
                "the checkpoint's values to resume that run exactly (to "
                "change a learning rate on purpose, e.g. after a NaN, "
                "load first and then set it in the optimiser's "
                "param_groups), or train from scratch with a new "
                "checkpoint_path."
            )
        for role, model in (
            ("generator", self.generator),
            ("discriminator", self.discriminator),
        ):
            problem = signature_mismatch(
                model_signature(model), state["signature"][role]
            )
            if problem:
                raise CheckpointMismatchError(
                    f"{path} was written for a different {role}: "
                    f"{problem}. Build the {role} with the same "
                    "architecture as the run that wrote the checkpoint, "
                    "or train this model from scratch with a new "
                    "checkpoint_path."
                )
        for role, optimizer in (
            ("g_optimizer", self.g_optimizer),
            ("d_optimizer", self.d_optimizer),
        ):
            problem = _optimizer_state_mismatch(state[role], optimizer)
            if problem:
                raise CheckpointMismatchError(
                    f"{path} holds a {role} state that does not fit this "
                    f"trainer's {role}: {problem}."
                )
        try:
            torch.Generator(device=self.device).set_state(
                state["rng"]["trainer"]
            )
            check_global_rng_states(state["rng"]["global"])
        except (RuntimeError, ValueError) as error:
            raise CheckpointMismatchError(
                f"{path} holds a random state this trainer cannot restore "
                f"({error}). Was it written on another type of device than "
                f"{self.device.type}, or is it corrupted? Resume on the "
                "device that wrote it, or train from scratch with a new "
                "checkpoint_path."
            ) from error
        fixed_noise = state["fixed_noise"]
        if tuple(fixed_noise.shape[1:]) != self.latent_shape:
            raise CheckpointMismatchError(
                f"{path} holds snapshot noise of shape "
                f"{tuple(fixed_noise.shape)}, not (n, "
                f"{', '.join(map(str, self.latent_shape))}) as this "
                "generator's z."
            )

    def _restorable_state(self) -> dict:
        """A copy of everything ``load_checkpoint`` overwrites."""
        return {
            "generator": copy.deepcopy(self.generator.state_dict()),
            "discriminator": copy.deepcopy(self.discriminator.state_dict()),
            "g_optimizer": copy.deepcopy(self.g_optimizer.state_dict()),
            "d_optimizer": copy.deepcopy(self.d_optimizer.state_dict()),
            "rng": {
                "trainer": self.rng.get_state(),
                "global": global_rng_states(),
            },
            "fixed_noise": self.fixed_noise,
            "history": self.history,
            "iteration": self.iteration,
            "first_nonfinite": self._first_nonfinite.clone(),
            "scalers": self._scaler_states(),
        }

    def _scaler_states(self) -> tuple[dict, dict] | None:
        """The loss scalers' states (D's, G's), or None without float16."""
        if self.d_scaler is None:
            return None
        return (self.d_scaler.state_dict(), self.g_scaler.state_dict())

    def _restore(
        self, state: dict, history: History, fixed_noise: torch.Tensor
    ) -> None:
        """Overwrite the training state with a checked ``state``."""
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        self.rng.set_state(state["rng"]["trainer"])
        set_global_rng_states(state["rng"]["global"])
        for scaler, saved in zip(
            (self.d_scaler, self.g_scaler),
            state.get("scalers") or (None, None),
            strict=True,
        ):
            if scaler is not None and saved is not None:
                scaler.load_state_dict(saved)
        self.fixed_noise = fixed_noise
        self.history = history
        self.iteration = int(state["iteration"])
        if "first_nonfinite" in state:  # a backup taken before a load
            self._first_nonfinite.copy_(state["first_nonfinite"])
        else:
            self._first_nonfinite.fill_(-1)

    # ---------------------------------------------------- guard and records
    def raise_if_nonfinite(self) -> None:
        """Raise :class:`NonFiniteLossError` if a loss has become NaN or ±Inf.

        Checks every step since the last check, with one device sync.
        """
        first = self._first_nonfinite.tolist()
        bad = [
            (iteration, name)
            for iteration, name in zip(
                first, ("discriminator loss", "generator cost"), strict=True
            )
            if iteration >= 0
        ]
        if bad:
            iteration, name = min(bad)
            raise NonFiniteLossError(
                f"the {name} became NaN or infinite at iteration {iteration} "
                f"({self.generator_cost_name} cost, "
                f"{self._protocol_label()}). "
                "No checkpoint was written after it; resume from the last "
                "checkpoint with a lower learning rate, or check the data "
                "for NaN/Inf."
            )

    def _generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z), under autocast when training in mixed precision."""
        with self._autocast():
            return self._step_generator(z)

    def _discriminate(
        self, *batches: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        """D's logits on each batch, in float32 for the costs.

        The batches must hold examples of one shape (a data batch and G's
        samples that differ raise an error saying how to fix it). They go
        through D in order, in one autocast region, so that under mixed
        precision D's weights are cast to bfloat16 once for all of them.
        """
        first, *others = batches
        for other in others:
            self._check_batch_shapes(first, other)
        with self._autocast():
            return tuple(
                self._step_discriminator(batch).float() for batch in batches
            )

    def _descend(
        self,
        player: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss: torch.Tensor,
        record: bool,
        **logits: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """One step of ``optimizer`` down the gradient of ``loss``.

        Returns the statistics to record for ``player`` (if ``record``),
        taken between the backward pass and the step, and arms the NaN
        guard. ``logits`` are D's outputs, recorded as the mean of σ(a).
        """
        stats = self._gradient(player, optimizer, loss, record, **logits)
        self._step(player, optimizer, loss)
        return stats

    def _gradient(
        self,
        player: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss: torch.Tensor,
        record: bool,
        **logits: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """∇ of ``loss`` into ``player``'s .grad, replacing the last one.

        Returns the statistics to record (if ``record``); moves nothing.
        """
        optimizer.zero_grad(set_to_none=True)
        scaler = self._scaler(player)
        if scaler is None:
            loss.backward()
        else:
            scaler.scale(loss).backward()
            # Unscaled now, so the recorded gradient norm is the true one;
            # scaler.step then skips the step if a gradient is inf or NaN.
            scaler.unscale_(optimizer)
        return self._step_stats(record, loss, player, **logits)

    def _step(
        self,
        player: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss: torch.Tensor,
    ) -> None:
        """Move ``player`` by ``optimizer``; arm the NaN guard on ``loss``."""
        scaler = self._scaler(player)
        if scaler is None:
            optimizer.step()
        else:
            scaler.step(optimizer)
            scaler.update()
        self._guard(loss, slot=0 if player is self.discriminator else 1)

    def _scaler(self, player: nn.Module) -> torch.amp.GradScaler | None:
        return self.d_scaler if player is self.discriminator else self.g_scaler

    def _guard(self, loss: torch.Tensor, slot: int) -> None:
        """Note (on the device) the iteration at which ``loss`` turned bad."""
        newly_bad = ~torch.isfinite(loss.detach()) & (
            self._first_nonfinite[slot] < 0
        )
        self._first_nonfinite[slot] = torch.where(
            newly_bad, self.iteration + 1, self._first_nonfinite[slot]
        )

    def _step_stats(
        self,
        record: bool,
        loss: torch.Tensor,
        model: nn.Module,
        **logits: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        if not record:
            return {}
        prefix = "d" if model is self.discriminator else "g"
        stats = {
            f"{prefix}_loss": loss.detach(),
            f"{prefix}_grad_norm": _grad_norm(model.parameters()),
        }
        stats |= {
            name: torch.sigmoid(values.detach()).mean()
            for name, values in logits.items()
        }
        return stats

    def _record(self, stats: dict[str, torch.Tensor]) -> None:
        keys = HISTORY_KEYS[1:]
        if "g_extra" in stats:  # the extra terms of J⁽ᴳ⁾, when there are any
            keys += ("g_extra",)
            self.history.records.setdefault("g_extra", [])
        # One stack, one .tolist(): a single device sync per row.
        values = torch.stack(
            [stats[key].float().to(self.device) for key in keys]
        ).tolist()
        self.history.records["iteration"].append(self.iteration)
        for key, value in zip(keys, values, strict=True):
            self.history.records[key].append(value)

    def _postfix(self) -> dict[str, str]:
        last = {
            key: values[-1] for key, values in self.history.records.items()
        }
        return {
            "J_D": f"{last['d_loss']:.3f}",
            "J_G": f"{last['g_loss']:.3f}",
            "D(x)": f"{last['d_real']:.2f}",
            "D(G(z))": f"{last['d_fake_after']:.2f}",
        }

    @torch.no_grad()
    def _snapshot(self) -> None:
        # Measured as sample() measures: eval mode, the model unchanged.
        with evaluating(self.generator, self.discriminator):
            self._snapshot_now()

    def _snapshot_now(self) -> None:
        samples = self.generator(self.fixed_noise).float().cpu()
        probes = {}
        if self.probe is not None:
            probes = {
                name: value.detach().float().cpu()
                for name, value in self.probe(
                    self.generator, self.discriminator
                ).items()
            }
        self.history.snapshots.append(
            Snapshot(self.iteration, samples, probes)
        )

    # ------------------------------------------------------------- helpers
    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(
            device_type=self.device.type, dtype=self.amp_dtype
        )

    def _check_batch_shapes(
        self, real: torch.Tensor, fake: torch.Tensor
    ) -> None:
        if real.shape[1:] != fake.shape[1:]:
            raise ValueError(
                f"data examples have shape {tuple(real.shape[1:])} but the "
                f"generator makes {tuple(fake.shape[1:])}. Reshape the data "
                "to (N, *example_shape) as the generator's output (e.g. "
                "x[:, None] for 1D points), or build the models for the "
                "data's shape."
            )

    def _fixed_noise(
        self, fixed_noise: torch.Tensor | None, size: int, seed: int
    ) -> torch.Tensor:
        if fixed_noise is None:
            # A stream of its own, so that the training stream does not
            # depend on the snapshot size.
            stream = torch.Generator(device=self.device).manual_seed(seed + 1)
            return self._draw_inputs(size, stream)
        if tuple(fixed_noise.shape[1:]) != self.latent_shape:
            shape = ", ".join(map(str, self.latent_shape))
            raise ValueError(
                f"fixed_noise must have shape (n, {shape}) to match the "
                f"generator's z, got {tuple(fixed_noise.shape)}"
            )
        return fixed_noise.to(self.device)


# How a checkpoint mismatch names each configuration field.
_FIELD_NAMES = {
    "batch_size": "batch_size (m)",
    "d_steps": "d_steps (k)",
    "protocol": "protocol (alternating or simultaneous)",
    "generator_cost": "generator_cost (J⁽ᴳ⁾)",
    "real_label": "real_label (α)",
    "fake_label": "fake_label (β)",
    "noise": "noise (the prior p_z)",
    "latent_shape": "latent_shape (of z)",
    "data_shape": "the data's shape",
    "mixed_precision": "mixed precision in effect",
    "autocast_dtype": "the autocast type (float16 or bfloat16)",
}


def _callable_name(value: object) -> object:
    """A name for a callable setting (a checkpoint stores it), else value."""
    if value is None or not callable(value):
        return value
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    return f"callable {getattr(value, '__module__', '?')}.{name}"


def _same(a: object, b: object) -> bool:
    """Equal values, tensors compared exactly, lists equal to tuples."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return torch.equal(torch.as_tensor(a), torch.as_tensor(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _hyperparameter_mismatches(
    role: str, stored: dict, optimizer: torch.optim.Optimizer
) -> list[str]:
    """Each hyperparameter that differs between a stored optimiser state
    and ``optimizer``, as "role lr: stored in the checkpoint, ours ...".

    Keys that only one side has (added by another torch version) are not
    compared; neither are the groups' parameter indices.
    """
    groups = optimizer.state_dict()["param_groups"]
    stored_groups = stored.get("param_groups", [])
    if len(stored_groups) != len(groups):
        return [
            f"{role} parameter groups: {len(stored_groups)} in the "
            f"checkpoint, {len(groups)} in this trainer"
        ]
    problems = []
    for i, (old, new) in enumerate(zip(stored_groups, groups, strict=True)):
        group = f" (group {i})" if len(groups) > 1 else ""
        problems += [
            f"{role} {key}{group}: {old[key]!r} in the checkpoint, "
            f"{new[key]!r} in this trainer"
            for key in new
            if key != "params" and key in old and not _same(old[key], new[key])
        ]
    return problems


def _optimizer_state_mismatch(
    stored: dict, optimizer: torch.optim.Optimizer
) -> str | None:
    """Why ``optimizer.load_state_dict(stored)`` would fail or load state
    of the wrong shape, or None if it fits.

    Checks what torch checks (group and parameter counts) and what it does
    not: every per-parameter state tensor (momentum, Adam's moments) must
    have its parameter's shape.
    """
    groups = optimizer.param_groups
    stored_groups = stored.get("param_groups")
    if not isinstance(stored_groups, list) or len(stored_groups) != len(
        groups
    ):
        return "another number of parameter groups"
    parameters: dict[int, nn.Parameter] = {}
    for old, new in zip(stored_groups, groups, strict=True):
        if len(old["params"]) != len(new["params"]):
            return (
                f"a group of {len(old['params'])} parameters, not "
                f"{len(new['params'])}"
            )
        parameters |= dict(zip(old["params"], new["params"], strict=True))
    for index, entries in stored.get("state", {}).items():
        if index not in parameters:
            return f"state for parameter {index}, which no group holds"
        shape = parameters[index].shape
        for name, value in entries.items():
            if (
                isinstance(value, torch.Tensor)
                and value.ndim > 0
                and value.shape != shape
            ):
                return (
                    f"{name!r} of parameter {index} has shape "
                    f"{tuple(value.shape)}, the parameter {tuple(shape)}"
                )
    return None


@contextlib.contextmanager
def frozen(model: nn.Module) -> Iterator[None]:
    """Turn off gradients for ``model``'s trainable parameters in the block.

    They are restored on leaving it, also when it raises.
    """
    trainable = [p for p in model.parameters() if p.requires_grad]
    for p in trainable:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in trainable:
            p.requires_grad_(True)


_PROTOCOLS = ("alternating", "simultaneous")


def _check_protocol(protocol: object, d_steps: object) -> None:
    """Raise unless ``protocol`` is known and, if simultaneous, k = 1."""
    if protocol not in _PROTOCOLS:
        raise ValueError(
            f"Unknown protocol {protocol!r}. "
            f"Valid protocols: {', '.join(_PROTOCOLS)}."
        )
    # True == 1 in Python: _check_positive_int refuses a bool d_steps.
    if protocol == "simultaneous" and d_steps != 1:
        raise ValueError(
            f"protocol='simultaneous' takes one step of each player per "
            f"iteration, so k must be 1; got d_steps={d_steps!r}. Pass "
            "d_steps=1, or protocol='alternating' for k discriminator "
            "steps per generator step (Algorithm 1)."
        )


def _check_positive_int(name: str, value: object) -> None:
    # bool is an int subclass: d_steps=True must not pass as 1.
    is_int = isinstance(value, (int, np.integer)) and not isinstance(
        value, bool
    )
    if not is_int or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _latent_shape(
    generator: nn.Module, latent_shape: Sequence[int] | None
) -> tuple[int, ...]:
    if latent_shape is not None:
        if isinstance(latent_shape, int):  # latent_shape=8 means (8,)
            latent_shape = [latent_shape]
        return tuple(int(d) for d in latent_shape)
    if hasattr(generator, "latent_shape"):
        return tuple(generator.latent_shape)
    if hasattr(generator, "latent_dim"):
        return (int(generator.latent_dim),)
    raise ValueError(
        "cannot tell the shape of z: pass latent_shape=(...) or give the "
        "generator a latent_dim attribute"
    )


def _prepare_data(
    data: torch.Tensor | DataSampler, device: torch.device
) -> torch.Tensor | DataSampler:
    if isinstance(data, torch.Tensor):
        if data.ndim < 2:
            raise ValueError(
                f"data has shape {tuple(data.shape)}; the trainer expects "
                "(N, *example_shape). For N points on the real line use "
                "data[:, None], shape (N, 1)."
            )
        if len(data) == 0:
            raise ValueError(
                "data is empty: the trainer needs at least one example"
            )
        return data.to(device)
    if callable(data):
        return data
    raise TypeError(
        "data must be a tensor of examples or a callable "
        f"data(m, generator); got {type(data).__name__}"
    )
