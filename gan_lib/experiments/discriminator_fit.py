"""Training a discriminator against a fixed generator.

The inner loop of the GAN game, on its own. With p_g held fixed, the
discriminator's cost

    J⁽ᴰ⁾ = −E_{p_data} log D − E_{p_g} log(1 − D)

is −V(G, D), a logistic-regression loss between two samples. Its minimiser
is D*(x) = p_data(x) / (p_data(x) + p_g(x)), so a trained D estimates D*,
and its logit a(x) = σ⁻¹(D(x)) estimates the log density ratio
log p_data(x) − log p_g(x): D / (1 − D) = e^a ≈ p_data / p_g. This is *not*
a GAN trainer (:mod:`gan_lib.training.trainer` is): the generator never
moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit

from gan_lib.nn.mlp import MLPDiscriminator
from gan_lib.theory.densities import Density
from gan_lib.training.losses import discriminator_loss

__all__ = ["DiscriminatorFit", "fit_discriminator"]


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block, then restore the count.

    A 1D MLP on a few hundred points is too small for threads to pay; on a
    busy machine they made training ten times slower. One thread also makes
    results independent of OMP_NUM_THREADS.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass
class DiscriminatorFit:
    """A discriminator trained on samples of (p_data, p_g).

    With its cost J⁽ᴰ⁾ at every step.
    """

    model: MLPDiscriminator
    losses: np.ndarray

    def logit(self, x: np.ndarray) -> np.ndarray:
        """a(x) = σ⁻¹(D(x)) on a NumPy array (or scalar) of points, float64."""
        x = np.asarray(x, dtype=np.float64)
        with torch.no_grad():
            a = self.model(
                torch.as_tensor(x.reshape(-1, 1), dtype=torch.float32)
            )
        return a.double().numpy().reshape(x.shape)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """D(x) = σ(a(x))."""
        return expit(self.logit(x))

    def density_ratio(self, x: np.ndarray) -> np.ndarray:
        """D(x) / (1 − D(x)) = e^{a(x)}: the estimate of p_data(x) / p_g(x)."""
        return np.exp(self.logit(x))


def fit_discriminator(
    p_data: Density,
    p_g: Density,
    steps: int = 500,
    batch_size: int = 512,
    hidden: int = 64,
    depth: int = 2,
    lr: float = 1e-2,
    seed: int = 0,
    real_label: float = 1.0,
    fake_label: float = 0.0,
) -> DiscriminatorFit:
    """Minimise J⁽ᴰ⁾ = −E_{p_data} log D − E_{p_g} log(1 − D), p_g fixed.

    D is an MLP. Each step draws a fresh minibatch of ``batch_size`` points
    from each density, so the fit approaches D* of the densities, not of one
    finite sample. Adam with a learning rate decaying linearly to 0 lets the
    last steps average out the minibatch noise. The seed fixes the initial
    weights and every sample: on the CPU the result is bit-for-bit
    repeatable. Training runs on one CPU thread (see ``_one_thread``).

    ``real_label`` α < 1 and ``fake_label`` β > 0 smooth the targets
    (:func:`gan_lib.training.losses.discriminator_loss`); the fit then
    approaches the smoothed optimum (α p_data + β p_g) / (p_data + p_g) of
    :mod:`gan_lib.theory.smoothing`.
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(
            "steps and batch_size must be positive, "
            f"got steps={steps}, batch_size={batch_size}"
        )
    # seed the initial weights without touching the global random state
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MLPDiscriminator(data_dim=1, hidden=hidden, depth=depth)
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 1.0 - step / steps
    )
    losses = np.empty(steps)
    with _one_thread():
        for step in range(steps):
            # (m, 1): the MLP takes 1D points as rows
            real = torch.as_tensor(
                p_data.sample(batch_size, rng), dtype=torch.float32
            ).unsqueeze(1)
            fake = torch.as_tensor(
                p_g.sample(batch_size, rng), dtype=torch.float32
            ).unsqueeze(1)
            loss = discriminator_loss(
                model(real), model(fake), real_label, fake_label
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses[step] = loss.item()
    model.eval()
    return DiscriminatorFit(model, losses)
