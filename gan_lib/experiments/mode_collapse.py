"""The mode-collapse experiment of Chapter 8.

One GAN configuration, three ways to train it, one score. Every run uses the
book's trainer (:class:`gan_lib.training.trainer.Trainer`, Algorithm 1) on a
2D benchmark (:meth:`IsotropicMixture2D.ring` or
:meth:`~IsotropicMixture2D.grid`) and is scored with the VEEGAN/PacGAN
metrics of :mod:`gan_lib.evaluation.coverage`. The three methods of the
chapter's table differ in one knob each:

- ``GAN``: the non-saturating GAN, k = 1 discriminator step per generator
  step;
- ``GAN, k=3``: three discriminator steps per generator step (Algorithm 1's
  k);
- ``PacGAN2``: the discriminator judges packs of r = 2 samples
  (:mod:`gan_lib.nn.packing`).

The networks are small MLPs in the spirit of the unrolled-GAN ring
experiment (Metz et al. 2017): G maps z ∈ R¹⁶ through two hidden ReLU layers
of 128 units to R²; D has one hidden LeakyReLU layer of 128 units. Both
players use Adam (lr 10⁻³, β = (0.5, 0.999)). These are far smaller and
train far shorter than PacGAN's (four 400-unit layers with batch norm in G,
maxout D, 400 epochs of 100,000 points), which the chapter says plainly next
to its table.

Whether one method beats another is decided over seeds, one number per
seed and method, by Welch's t-test (:func:`compare`, which calls
:func:`gan_lib.evaluation.verdicts.compare_seeds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from gan_lib.evaluation.coverage import (
    EVAL_SAMPLES,
    ModeCoverage,
    mean_and_standard_error,
    mode_coverage,
)
from gan_lib.evaluation.verdicts import Verdict, compare_seeds
from gan_lib.nn.mlp import MLPDiscriminator, MLPGenerator
from gan_lib.nn.packing import PackedDiscriminator, packed_batch_size
from gan_lib.theory.densities import IsotropicMixture2D
from gan_lib.training.ensemble import stack_trainers
from gan_lib.training.trainer import Trainer, adam

__all__ = [
    "LATENT_DIM",
    "HIDDEN",
    "LEARNING_RATE",
    "TRAINING_POINTS",
    "EVAL_SEED",
    "SEEDS_PER_METHOD",
    "ALPHA",
    "Method",
    "METHODS",
    "build_trainer",
    "evaluate",
    "FinalRun",
    "train_and_sample",
    "train_and_evaluate",
    "Row",
    "summarize",
    "METRICS",
    "per_seed",
    "compare",
    "dominant_mode_share",
]

LATENT_DIM = 16
HIDDEN = 128
LEARNING_RATE = 1e-3
# a fixed training set, as in PacGAN's synthetic experiments
TRAINING_POINTS = 100_000
# the noise seed of the evaluation samples, the same for every run
EVAL_SEED = 12_345
# Seeds per method in the lab's table, by profile. A verdict needs at least
# MIN_SEEDS = 4 per arm; smoke has too few and says "not enough seeds to
# tell". tests/test_mode_collapse.py measures the false-positive rate of
# the verdict rule at these counts.
SEEDS_PER_METHOD = {"smoke": 2, "cpu": 5, "gpu": 10}
# the two-sided level of every verdict of the chapter
ALPHA = 0.05


@dataclass(frozen=True)
class Method:
    """One row of the table: k D steps per G step, packs of r samples."""

    name: str
    d_steps: int = 1
    pack_size: int = 1


METHODS = (
    Method("GAN"),
    Method("GAN, k=3", d_steps=3),
    Method("PacGAN2", pack_size=2),
)


def build_trainer(
    target: IsotropicMixture2D,
    method: Method,
    seed: int,
    *,
    packs_per_batch: int = 128,
    snapshot_at: Iterable[int] = (),
    snapshot_size: int = EVAL_SAMPLES,
    device: torch.device | str | None = None,
) -> Trainer:
    """A seeded trainer for ``method`` on ``target``.

    D sees ``packs_per_batch`` packs of r samples per step. With r = 1 a
    pack is one sample, so the three methods see the same number of D inputs
    per step; PacGAN2 draws twice as many samples to fill its packs, as in
    PacGAN's experiments.
    """
    torch.manual_seed(seed)  # the networks' initial weights
    generator = MLPGenerator(
        latent_dim=LATENT_DIM, data_dim=2, hidden=HIDDEN, depth=2
    )
    # D's input is a whole pack: r points of R², concatenated
    inner = MLPDiscriminator(
        data_dim=2 * method.pack_size, hidden=HIDDEN, depth=1
    )
    discriminator = PackedDiscriminator(
        inner, data_dim=2, pack_size=method.pack_size
    )
    data = torch.tensor(
        target.sample(TRAINING_POINTS, rng=seed), dtype=torch.float32
    )
    return Trainer(
        generator,
        discriminator,
        data,
        batch_size=packed_batch_size(packs_per_batch, method.pack_size),
        d_steps=method.d_steps,
        g_optimizer=adam(LEARNING_RATE, (0.5, 0.999)),
        d_optimizer=adam(LEARNING_RATE, (0.5, 0.999)),
        snapshot_size=snapshot_size,
        snapshot_at=snapshot_at,
        log_every=50,
        device=device,
        seed=seed,
    )


def evaluate(
    trainer: Trainer,
    target: IsotropicMixture2D,
    n: int = EVAL_SAMPLES,
    seed: int = EVAL_SEED,
) -> ModeCoverage:
    """Score ``n`` fresh generator samples against ``target``.

    The default n is 2,500, as in VEEGAN and PacGAN.
    """
    return mode_coverage(trainer.sample(n, seed=seed), target)


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare
class FinalRun:
    """One trained seed: its final generator's samples and their scores."""

    seed: int
    samples: np.ndarray  # (n, 2): the n samples that were scored
    coverage: ModeCoverage


def train_and_sample(
    target: IsotropicMixture2D,
    method: Method,
    seeds: Sequence[int],
    iterations: int,
    progress: bool = False,
    batched: bool | None = None,
    **trainer_options,
) -> list[FinalRun]:
    """Train ``method`` once per seed; keep and score each final sample set.

    With ``batched`` (default: when training on CUDA) the seeds train side
    by side as one vmapped model
    (:func:`gan_lib.training.ensemble.stack_trainers`), in the kernel
    launches of a few runs; otherwise one after another. Both give each
    seed the run :func:`build_trainer` builds, up to float rounding, which
    thousands of GAN iterations can amplify into a different final sample
    for a seed. On the CPU, where batching saves no time, the seeds run one
    by one, as the stored cpu-profile lab did. The samples are the same
    2,500 that :func:`evaluate` scores, so a scatter plot shows exactly
    what the table counts.
    """
    trainers = [
        build_trainer(target, method, s, **trainer_options) for s in seeds
    ]
    if batched is None:
        batched = trainers[0].device.type == "cuda"
    if batched:
        ensemble = stack_trainers(trainers)
        ensemble.train(iterations, progress=progress)
        samples = list(ensemble.sample(EVAL_SAMPLES, seed=EVAL_SEED))
    else:
        samples = []
        for trainer in trainers:
            trainer.train(iterations, progress=progress)
            samples.append(trainer.sample(EVAL_SAMPLES, seed=EVAL_SEED))
    runs = []
    for seed, seed_samples in zip(seeds, samples, strict=True):
        points = seed_samples.detach().cpu().double().numpy()
        runs.append(FinalRun(seed, points, mode_coverage(points, target)))
    return runs


def train_and_evaluate(
    target: IsotropicMixture2D,
    method: Method,
    seeds: Sequence[int],
    iterations: int,
    progress: bool = False,
    **trainer_options,
) -> list[ModeCoverage]:
    """Train ``method`` once per seed and score each final generator."""
    runs = train_and_sample(
        target, method, seeds, iterations, progress, **trainer_options
    )
    return [run.coverage for run in runs]


@dataclass(frozen=True)
class Row:
    """A table row in the papers' form.

    Mean ± standard error over seeds of the three metrics.
    """

    modes: tuple[float, float]
    high_quality_percent: tuple[float, float]
    reverse_kl: tuple[float, float]


def summarize(scores: Sequence[ModeCoverage]) -> Row:
    """Mean ± standard error over runs of the three metrics.

    Modes captured, high-quality samples (%) and reverse KL (nats).
    """
    return Row(
        mean_and_standard_error([s.modes_captured for s in scores]),
        mean_and_standard_error(
            [100 * s.high_quality_fraction for s in scores]
        ),
        mean_and_standard_error([s.reverse_kl for s in scores]),
    )


# The table's three columns, as one number per seed.
METRICS = {
    "modes": lambda score: float(score.modes_captured),
    "high_quality_percent": lambda score: 100 * score.high_quality_fraction,
    "reverse_kl": lambda score: score.reverse_kl,
}


def per_seed(scores: Sequence[ModeCoverage], metric: str) -> list[float]:
    """One column of the table before averaging: ``metric`` for each seed.

    ``metric`` is a key of :data:`METRICS`.
    """
    if metric not in METRICS:
        raise ValueError(
            f"unknown metric {metric!r}; choose one of {sorted(METRICS)}"
        )
    return [METRICS[metric](score) for score in scores]


def compare(
    baseline: Sequence[ModeCoverage],
    other: Sequence[ModeCoverage],
    metric: str,
    **options,
) -> Verdict:
    """Is ``other`` lower or higher than ``baseline`` on ``metric``?

    Welch's t over the per-seed values (one trained generator per seed),
    two-sided at α = 0.05 unless ``alpha=`` says otherwise; fewer than four
    seeds in an arm give "not enough seeds to tell". ``options`` go to
    :func:`~gan_lib.evaluation.verdicts.compare_seeds`.
    """
    options.setdefault("alpha", ALPHA)
    return compare_seeds(
        per_seed(baseline, metric), per_seed(other, metric), **options
    )


def dominant_mode_share(
    samples: torch.Tensor | np.ndarray, target: IsotropicMixture2D
) -> tuple[int, float]:
    """The mode whose cell holds most samples, and the fraction it holds.

    A mode's cell is the set of points nearer to it than to any other
    mode. A share near 1 means the samples sit *in one cell*, not that
    they sit *at* the mode: the distance to the nearest mode
    (``median_mode_distance`` in :mod:`gan_lib.evaluation.coverage`) or
    the high-quality fraction says that.
    """
    counts = mode_coverage(samples, target).counts
    return int(counts.argmax()), float(counts.max() / counts.sum())
