"""Batch norm's side effect, measured: are a minibatch's samples alike?

A generator with batch norm in training mode normalises every channel with
the statistics of its own minibatch, so G(z_i) depends on the other z_j of
the batch (Goodfellow 2016, §4.2). Samples of one batch then share features.
We measure that with a ratio of mean squared distances in a feature space f
(the reference classifier's features, or a scalar such as ink or stroke
thickness).

Draw B minibatches of m samples, f_{b,i} for batch b and member i. The mean
squared distance between two members of one batch, and between members of
two different batches, are

.. math::

   W = \\frac{1}{B\\,m(m-1)} \\sum_b \\sum_{i \\ne j}
       \\lVert f_{b,i} - f_{b,j} \\rVert^2, \\qquad
   A = \\frac{1}{B(B-1)\\,m^2} \\sum_{b \\ne b'} \\sum_{i, j}
       \\lVert f_{b,i} - f_{b',j} \\rVert^2 ,

and the **coupling ratio** is ρ = W / A. If the samples are independent
(batch membership does not matter) both are 2 tr Cov f and ρ = 1 in
expectation. If every batch shares an offset, f_{b,i} = c_b + e_{b,i} with
c_b of total variance τ² and independent e of total variance σ², then
W = 2σ² and A = 2(σ² + τ²), so

.. math::

   \\mathbb{E}\\,W / \\mathbb{E}\\,A
   = \\frac{\\sigma^2}{\\sigma^2 + \\tau^2} ,

and 1 − ρ is the share of the variance that the batch explains (an
intraclass correlation). Both sums are computed exactly from per-batch sums,
in O(B m d).

:func:`batch_coupling` draws the minibatches from a generator in training
mode (batch statistics, as during training) and restores every buffer
afterwards, so measuring does not move batch norm's running averages. This
is deliberate: coupling is a property of training mode. Everywhere else the
book measures samples in eval mode (:func:`gan_lib.nn.modes.evaluating`),
where G(z) depends on z alone.

:func:`train_with_reference_refresh` trains a generator with reference or
virtual batch norm (:mod:`gan_lib.nn.normalization`): it recomputes the
reference statistics from the same fixed reference z every ``every``
iterations, and records how far the stale statistics had drifted each time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from gan_lib.nn.normalization import reference_norm_layers, set_reference_batch
from gan_lib.training.trainer import Trainer

__all__ = [
    "Feature",
    "Coupling",
    "coupling_ratio",
    "preserved_state",
    "generated_batches",
    "batch_coupling",
    "statistics_drift",
    "train_with_reference_refresh",
]

Feature = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Coupling:
    """Within- and across-batch mean squared distances and their ratio.

    With the ratio's jackknife standard error.
    """

    within: float  # W
    across: float  # A
    ratio: float  # ρ = W / A; 1 for independent samples
    standard_error: float  # delete-one-batch jackknife standard error of ρ
    batches: int  # B
    batch_size: int  # m


def _pair_sums(features: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-batch sums of ‖f_i − f_j‖² over ordered pairs, and over all B·m.

    For n vectors, Σ_{i,j} ‖f_i − f_j‖² = 2n Σ_i ‖f_i‖² − 2‖Σ_i f_i‖².
    """
    _, m, _ = features.shape
    squares = (features**2).sum(axis=(1, 2))  # (B,)
    sums = features.sum(axis=1)  # (B, d)
    per_batch = 2 * m * squares - 2 * (sums**2).sum(axis=1)
    n = features.shape[0] * m
    total = 2 * n * squares.sum() - 2 * (sums.sum(axis=0) ** 2).sum()
    return per_batch, float(total)


def _ratio_from(
    per_batch: np.ndarray, total: float, batches: int, m: int
) -> tuple[float, float]:
    within_pairs = batches * m * (m - 1)
    # all ordered pairs of the B·m samples minus the B·m² within one batch
    across_pairs = (batches * m) ** 2 - batches * m * m
    within = per_batch.sum() / within_pairs
    across = (total - per_batch.sum()) / across_pairs
    return float(within), float(across)


def coupling_ratio(features: torch.Tensor | np.ndarray) -> Coupling:
    """ρ = W / A for B batches of m samples each.

    ``features`` has shape (B, m) (scalars) or (B, m, d). Needs B ≥ 3 (for
    the jackknife) and m ≥ 2. The standard error is the delete-one-batch
    jackknife: ρ recomputed B times, each time without one batch,
    SE² = (B−1)/B Σ (ρ₋b − ρ̄)².
    """
    array = np.asarray(
        features.detach().cpu()
        if isinstance(features, torch.Tensor)
        else features,
        dtype=np.float64,
    )
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[0] < 3 or array.shape[1] < 2:
        raise ValueError(
            "features must have shape (batches >= 3, batch size >= 2[, d]), "
            f"got {array.shape}"
        )
    batches, m, _ = array.shape
    per_batch, total = _pair_sums(array)
    within, across = _ratio_from(per_batch, total, batches, m)
    if across <= 0:
        raise ValueError(
            "all samples have the same features: the across-batch distance "
            "is 0 and the ratio is undefined"
        )
    # Jackknife: removing batch b removes its within-pair sum and its pairs
    # with every other sample.
    squares = (array**2).sum(axis=(1, 2))
    sums = array.sum(axis=1)
    grand_squares, grand_sum = squares.sum(), sums.sum(axis=0)
    n = (batches - 1) * m
    leave_out = np.empty(batches)
    for b in range(batches):
        rest_total = (
            2 * n * (grand_squares - squares[b])
            - 2 * ((grand_sum - sums[b]) ** 2).sum()
        )
        rest_within = np.delete(per_batch, b)
        w, a = _ratio_from(rest_within, rest_total, batches - 1, m)
        leave_out[b] = w / a
    se = float(
        np.sqrt(
            (batches - 1)
            / batches
            * ((leave_out - leave_out.mean()) ** 2).sum()
        )
    )
    return Coupling(within, across, within / across, se, batches, m)


@contextlib.contextmanager
def preserved_state(model: nn.Module, train: bool) -> Iterator[nn.Module]:
    """Inside the block ``model`` is in train (or eval) mode; then restored.

    Afterwards its buffers and its mode are as before.

    Batch norm in training mode updates ``running_mean``, ``running_var`` and
    ``num_batches_tracked`` on every forward pass; this puts them back.
    """
    was_training = model.training
    saved = {
        name: buffer.detach().clone() for name, buffer in model.named_buffers()
    }
    model.train(train)
    try:
        yield model
    finally:
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                buffer.copy_(saved[name])
        model.train(was_training)


@torch.no_grad()
def generated_batches(
    generator: nn.Module,
    batch_size: int,
    batches: int,
    seed: int = 0,
    train: bool = True,
) -> torch.Tensor:
    """``batches`` separate forward passes of ``batch_size`` z each.

    Returns a (B, m, C, H, W) tensor on the CPU. ``train=True`` uses each
    batch's own statistics in batch norm, as during training; the
    generator's buffers and mode are restored afterwards.
    """
    device = next(generator.parameters()).device
    # z drawn on the CPU from its own stream: the same z on every device
    stream = torch.Generator().manual_seed(seed)
    with preserved_state(generator, train):
        out = [
            generator(
                torch.randn(
                    batch_size, generator.latent_dim, generator=stream
                ).to(device)
            )
            .float()
            .cpu()
            for _ in range(batches)
        ]
    return torch.stack(out)


@torch.no_grad()
def batch_coupling(
    generator: nn.Module,
    features: Mapping[str, Feature],
    batch_size: int,
    batches: int = 64,
    seed: int = 0,
    train: bool = True,
) -> dict[str, Coupling]:
    """The coupling ratio of ``generator``'s samples in each feature space.

    Measured on ``batches`` minibatches of ``batch_size``. ``features`` maps
    a name to a function of images (N, C, H, W) → (N,) or (N, d); it gets
    them on the generator's device.
    """
    images = generated_batches(generator, batch_size, batches, seed, train)
    flat = images.flatten(0, 1).to(next(generator.parameters()).device)
    return {
        name: coupling_ratio(
            f(flat).detach().cpu().reshape(batches, batch_size, -1)
        )
        for name, f in features.items()
    }


# ---------------------------------------- training a reference-norm generator
def _reference_statistics(
    model: nn.Module,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [
        (layer.reference_mean.clone(), layer.reference_var.clone())
        for layer in reference_norm_layers(model)
    ]


def statistics_drift(
    old: list[tuple[torch.Tensor, torch.Tensor]],
    new: list[tuple[torch.Tensor, torch.Tensor]],
    eps: float = 1e-5,
) -> float:
    """max over layers and channels of |μ_new − μ_old| / √(v_new + ε).

    How many standard deviations the stale mean was off.
    """
    return max(
        float(((mu_new - mu_old).abs() / torch.sqrt(v_new + eps)).max())
        # one (mean, var) pair per layer of the same generator in both
        for (mu_old, _), (mu_new, v_new) in zip(old, new, strict=True)
    )


def train_with_reference_refresh(
    trainer: Trainer,
    iterations: int,
    reference_z: torch.Tensor,
    every: int = 1,
) -> list[float]:
    """Train ``trainer``, refreshing G's reference statistics periodically.

    Before each block of ``every`` iterations,
    :func:`gan_lib.nn.normalization.set_reference_batch` recomputes the
    statistics of every reference/virtual batch-norm layer of the generator
    from the same fixed ``reference_z`` with the current weights (Salimans et
    al. 2016 recompute them at every step; ``every=1`` does the same, without
    the gradient through them). The first block starts with a refresh too,
    so the trainer may be fresh.

    Returns:
        For every refresh after the first, the :func:`statistics_drift` of
        the statistics it replaced.
    """
    if not isinstance(every, int) or every < 1:
        raise ValueError(
            "every must be an integer >= 1 (iterations between refreshes), "
            f"got {every!r}"
        )
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(
            f"iterations must be a non-negative integer, got {iterations!r}"
        )
    reference_z = reference_z.to(trainer.device)
    start = trainer.iteration
    refreshed: list[list[tuple[torch.Tensor, torch.Tensor]]] = []

    def refresh(t: Trainer) -> None:
        if (t.iteration - start) % every == 0:
            set_reference_batch(t.generator, reference_z)
            refreshed.append(_reference_statistics(t.generator))

    # One training loop with the refresh as its hook: no train(1) call (a
    # progress bar and a sync) per refresh.
    trainer.train(iterations, progress=False, hook=refresh)
    # The drifts are read once, at the end: reading each is a device sync.
    return [
        statistics_drift(old, new)
        for old, new in zip(refreshed, refreshed[1:], strict=False)
    ]
