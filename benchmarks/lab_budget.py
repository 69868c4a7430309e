"""A time budget per lab at the ``gpu`` profile, from counted work.

Every training configuration a lab runs at ``gpu`` is built here exactly as
the lab builds it (through ``gan_lib``), on the CPU, and run for a few
iterations under two counters:

- dispatched ATen operations per iteration (forward, backward and optimiser
  steps), with a ``TorchDispatchMode``; of those, the *kernel* operations,
  the ones that launch a GPU kernel (views and other metadata-only ops do
  not);
- FLOPs per iteration, with ``torch.utils.flop_counter.FlopCounterMode``,
  and the bytes the kernel operations read and write.

The counts do not depend on the device. Adam is switched to its multi-tensor
(``foreach``) form, the one PyTorch picks by default on CUDA, so the count is
CUDA's and not the CPU's per-parameter loop. A lab's time on a card is then

    T = Σ_runs iterations · (n_kernel · c + FLOPs / (e_f · F) + B / (e_b · W))

with c the host cost of one eager operation (dispatch + launch), F the
card's peak rate, W its memory bandwidth and e_f, e_b efficiencies (all
stated below). The sum is conservative: on a GPU the host and the device
overlap, so max(launch, device) is the optimistic bound. Work that runs on
the CPU whatever the card (``fit_discriminator``, the 1D runs pinned to
``device="cpu"``, lab 10, the closed forms of labs 1-3, 5-7) is timed on
this CPU, or taken from the stored cpu-profile run.

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lab_budget.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lab_budget.py --write
    .venv/bin/python benchmarks/lab_budget.py --measure cuda   # on a GPU

``--measure DEVICE`` times each GPU configuration on that device over a short
stretch (after a warm-up, with the device synchronised) and extrapolates each
lab to its full gpu-profile work, next to the estimate: the check of the
launch cost c (``scripts/gpu_check.sh quick`` runs it).

The sizes below are the ``gpu`` values of each lab's ``profile.pick`` calls,
copied by hand (nothing is read from the notebooks); each names its cell.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.flop_counter import FlopCounterMode

RESULTS = Path(__file__).with_name("RESULTS.md")

# ------------------------------------------------------------- constants
# Host cost of one eager kernel operation (Python + dispatcher + launch), µs.
# Low: pytorch/pytorch#41383 measures 5-7 µs for one scalar op from Python
# on the CPU (no launch), plus a few µs of cudaLaunchKernel. High: a full
# model's eager step measured in facebookresearch/sam2#768 (1185 launches,
# 53.7 ms eager against 12.0 ms as a CUDA graph on an A6000) is about 35 µs
# per launch; 20 µs sits between the two. Both are assumptions for Colab's
# host CPUs, which we could not measure (no GPU was available).
LAUNCH_US = (8.0, 20.0)
# Fractions of peak that small convolutions, GEMMs and elementwise kernels
# reach at batch 16-128: assumptions, stated so they can be changed.
FP32_EFFICIENCY = 0.5
TENSOR_CORE_EFFICIENCY = 0.25
BANDWIDTH_EFFICIENCY = 0.6
BUDGET_MINUTES = {"T4": 15.0, "A100": 5.0}
# CPU timings: the fastest of this many rounds, on a shared machine
TIMING_ROUNDS = 5
CHECK = "2D GAN k=1"  # the configuration whose CPU time checks c


@dataclass(frozen=True)
class Card:
    """Peak rates from NVIDIA's datasheets (FLOP/s and bytes/s)."""

    fp32: float
    half: float  # fp16 (T4) or bf16 (A100) on tensor cores
    bandwidth: float


CARDS = {
    # T4 datasheet: 8.1 TFLOPS fp32, 65 TFLOPS fp16/fp32 mixed, 320 GB/s
    "T4": Card(fp32=8.1e12, half=65e12, bandwidth=320e9),
    # A100 datasheet: 19.5 TFLOPS fp32 (156 TF32), 312 bf16 dense, 40 GB
    # HBM2 at 1,555 GB/s (the 80 GB card: 2,039 GB/s)
    "A100": Card(fp32=19.5e12, half=312e12, bandwidth=1555e9),
}

# ops that launch no kernel: metadata and allocation only
NO_KERNEL = {
    "aten._local_scalar_dense",
    "aten.empty",
    "aten.empty_like",
    "aten.empty_strided",
    "aten.new_empty",
    "aten.new_empty_strided",
    "aten.lift_fresh",
    "aten._unsafe_view",
    "aten._reshape_alias",
    "aten.set_",
    "aten.resize_",
}


# ------------------------------------------------------------- counting
def launches_kernel(func: torch._ops.OpOverload) -> bool:
    """Whether ``func`` would launch a GPU kernel (views do not)."""
    return not func.is_view and str(func.overloadpacket) not in NO_KERNEL


def tensor_bytes(tree: object) -> int:
    """Bytes of every tensor in a (nested) argument structure."""
    leaves, _ = tree_flatten(tree)
    return sum(
        t.numel() * t.element_size()
        for t in leaves
        if isinstance(t, torch.Tensor)
    )


class OpCounter(TorchDispatchMode):
    """Counts dispatched ATen ops, kernel ops and the bytes they touch.

    Only the top-level call of each op is seen: the mode is off while the op
    runs, so an op's own decomposition is not counted twice.
    """

    def __init__(self) -> None:
        super().__init__()
        self.ops = self.kernels = self.bytes = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        self.ops += 1
        if launches_kernel(func):
            self.kernels += 1
            self.bytes += tensor_bytes((args, kwargs)) + tensor_bytes(out)
        return out


@dataclass(frozen=True)
class Counts:
    """Work of one iteration: ops, kernel ops, FLOPs, bytes, CPU seconds."""

    ops: float
    kernels: float
    flops: float
    bytes: float
    cpu_seconds: float


def measure(
    step: Callable[[], object], iterations: int, rounds: int = 0
) -> Counts:
    """Count ``iterations`` calls of ``step``; time them in ``rounds``.

    One call first, uncounted: optimisers build their state on their first
    step. The time is the fastest round's (other processes only add to it);
    NaN when ``rounds`` is 0.
    """
    step()
    with FlopCounterMode(display=False) as flops, OpCounter() as ops:
        for _ in range(iterations):
            step()
    seconds = math.nan
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            step()
        seconds = min(
            seconds if seconds == seconds else math.inf,
            (time.perf_counter() - start) / iterations,
        )
    n = iterations
    return Counts(
        ops.ops / n,
        ops.kernels / n,
        flops.get_total_flops() / n,
        ops.bytes / n,
        seconds,
    )


def seconds_on(card: Card, counts: Counts, launch_us: float, half: bool):
    """T of one iteration on ``card``: launches, then FLOPs and bytes."""
    rate = (
        card.half * TENSOR_CORE_EFFICIENCY
        if half
        else card.fp32 * FP32_EFFICIENCY
    )
    return (
        counts.kernels * launch_us * 1e-6,
        counts.flops / rate
        + counts.bytes / (card.bandwidth * BANDWIDTH_EFFICIENCY),
    )


# ---------------------------------------------- the labs' configurations
def cuda_like(trainer):
    """The trainer with Adam in its foreach form, CUDA's default."""
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        for group in optimizer.param_groups:
            group["foreach"] = True
    return trainer


def mnist_like(n: int = 512):
    """Random images and labels shaped like MNIST: counts ignore values."""
    from gan_lib.data.images import ImageData

    stream = torch.Generator().manual_seed(0)
    images = torch.rand(n, 1, 28, 28, generator=stream) * 2 - 1
    labels = torch.randint(0, 10, (n,), generator=stream)
    return ImageData(images, labels)


def gan1d_step(d_steps: int, optimizer: str, gpu_like: bool = True):
    """Lab 4's trainer (``gan1d.make_trainer``): hidden 32, m = 256."""
    from gan_lib.experiments import gan1d

    setup = gan1d.Setup(
        hidden=32,
        batch_size=256,
        d_steps=d_steps,
        optimizer=optimizer,
        iterations=4_000,
    )
    trainer = gan1d.make_trainer(setup)
    return (cuda_like(trainer) if gpu_like else trainer).step


def gan1d_d_step():
    """``gan1d.confident_discriminator``: D steps alone, on the CPU."""
    from gan_lib.experiments import gan1d

    setup = gan1d.Setup(d_steps=1, optimizer="sgd_momentum", lr=1e-2)
    return gan1d.make_trainer(setup).discriminator_step


def fit_discriminator_step():
    """Labs 5 and 11: ``fit_discriminator`` (hidden 64, m = 512), CPU."""
    from gan_lib.experiments.discriminator_fit import fit_discriminator
    from gan_lib.theory import Gaussian

    return functools.partial(
        fit_discriminator,
        Gaussian(0.0, 1.0),
        Gaussian(1.0, 2.0),
        steps=1,
        batch_size=512,
    )


def quantile_fit_step():
    """Lab 11 cell 7b96c518: G fitted to p_g's quantile map, CPU."""
    from gan_lib.nn import MLPGenerator

    generator = MLPGenerator(1, 1, hidden=32)
    optimizer = torch.optim.Adam(generator.parameters(), 1e-2)
    z, target = torch.rand(2_000, 1), torch.randn(2_000, 1)

    def step() -> None:
        loss = ((generator(z) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def mode_collapse_step(method: int):
    """Lab 8: ``mode_collapse.build_trainer`` for ``METHODS[method]``."""
    from gan_lib.experiments.mode_collapse import METHODS, build_trainer
    from gan_lib.theory import IsotropicMixture2D

    ring = IsotropicMixture2D.ring()
    return cuda_like(build_trainer(ring, METHODS[method], seed=0)).step


def ensemble_step(method: int, seeds: int):
    """Lab 8: ``train_and_sample``'s seeds as one vmapped ensemble."""
    from gan_lib.experiments.mode_collapse import METHODS, build_trainer
    from gan_lib.theory import IsotropicMixture2D
    from gan_lib.training import stack_trainers

    ring = IsotropicMixture2D.ring()
    trainers = [build_trainer(ring, METHODS[method], s) for s in range(seeds)]
    return cuda_like(stack_trainers(trainers)).step


def pacgan4_ensemble_step(seeds: int):
    """Lab 8 cell 020cec0d: PacGAN4 on the ring, the seeds vmapped."""
    from gan_lib.experiments.mode_collapse import Method, build_trainer
    from gan_lib.theory import IsotropicMixture2D
    from gan_lib.training import stack_trainers

    ring, method = IsotropicMixture2D.ring(), Method("PacGAN4", pack_size=4)
    trainers = [build_trainer(ring, method, s) for s in range(seeds)]
    return cuda_like(stack_trainers(trainers)).step


def mnist_step(kind: str):
    """Lab 9 cell b7aae07f: ``mnist_players(kind)``, m = 128, log every 10."""
    from gan_lib.experiments.mnist_gan import mnist_players
    from gan_lib.training import Trainer, adam

    torch.manual_seed(0)
    generator, discriminator = mnist_players(kind)
    trainer = Trainer(
        generator,
        discriminator,
        mnist_like().images,
        batch_size=128,
        g_optimizer=adam(2e-4, (0.5, 0.999)),
        d_optimizer=adam(2e-4, (0.5, 0.999)),
        log_every=10,
        device=None,  # runtime.default_device(), which --measure sets
    )
    return cuda_like(trainer).step


def recipe_step(log_every: int = 10, vbn: bool = False, **changes):
    """Labs 11 and 12: ``recipes.make_trainer(Recipe().with_(...))``.

    With ``vbn``, lab 12's virtual batch norm: G's batch norms replaced and
    the reference statistics refreshed before every iteration.
    """
    from gan_lib.evaluation import train_with_reference_refresh
    from gan_lib.experiments.recipes import LATENT_DIM, Recipe, make_trainer
    from gan_lib.nn import VirtualBatchNorm2d, replace_batch_norm

    recipe = Recipe().with_(**changes)
    # None: runtime.default_device(), which --measure sets
    trainer = make_trainer(recipe, mnist_like(), None, log_every=log_every)
    if not vbn:
        return cuda_like(trainer).step
    replace_batch_norm(trainer.generator, VirtualBatchNorm2d)
    cuda_like(trainer)
    reference = torch.randn(64, LATENT_DIM, device=trainer.device)
    return functools.partial(
        train_with_reference_refresh, trainer, 1, reference, every=1
    )


def classifier_chunk_step():
    """The reference classifier on one ``in_batches`` chunk of 1,000."""
    from gan_lib.evaluation import load_reference_classifier
    from gan_lib.evaluation.classifier import in_batches

    classifier = load_reference_classifier()
    images = mnist_like(1_000).images
    return functools.partial(in_batches, classifier, images)


def coupling_batch_step():
    """Lab 12: one minibatch of 16 from the shipped DCGAN, in train mode."""
    from gan_lib.evaluation import generated_batches
    from gan_lib.experiments.pretrained import load_pretrained_dcgan

    generator, _, _ = load_pretrained_dcgan()
    return functools.partial(generated_batches, generator, 16, 1)


def foreach_adam(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """``cuda_like`` for a loop's own Adam (no trainer around it)."""
    for group in optimizer.param_groups:
        group["foreach"] = True
    return optimizer


def pix2pix_step(**changes):
    """Lab 13: ``pix2pix.make_trainer`` at m = 64 on random pairs."""
    from gan_lib.data.paired import PairedData
    from gan_lib.experiments import pix2pix

    recipe = pix2pix.Pix2PixRecipe(batch_size=64).with_(**changes)
    paired = PairedData.edges_to_items(mnist_like())
    # None: runtime.default_device(), which --measure sets
    trainer = pix2pix.make_trainer(recipe, paired, None, log_every=10)
    return cuda_like(trainer).step


def pix2pix_l1_step():
    """Lab 13's ``"L1"`` arm: one iteration of ``train_l1_alone``'s loop.

    The loop body as ``train_l1_alone`` runs it (m = 64), with its Adam in
    the foreach form; its ``.item()`` every 10th iteration launches no
    kernel and is left out.
    """
    from gan_lib import runtime
    from gan_lib.data.paired import PairedData, split_pair
    from gan_lib.experiments import pix2pix
    from gan_lib.training import adam

    recipe = pix2pix.Pix2PixRecipe(objective="L1", batch_size=64)
    device = runtime.default_device()
    generator, _ = pix2pix.players(recipe)
    generator = generator.to(device).train()
    optimizer = foreach_adam(adam(recipe.lr)(generator.parameters()))
    paired = PairedData.edges_to_items(mnist_like())
    draw = PairedData(
        *(t.to(device) for t in (paired.inputs, paired.targets, paired.labels))
    ).sampler()
    stream = torch.Generator(device=device).manual_seed(0)

    def step() -> None:
        inputs, targets = split_pair(draw(recipe.batch_size, stream))
        error = pix2pix.l1_distance(targets, generator(inputs))
        optimizer.zero_grad(set_to_none=True)
        (recipe.l1_weight * error).backward()
        optimizer.step()

    return step


def cyclegan_step(weight_cycle: float, weight_identity: float = 0.0):
    """Lab 14: ``cyclegan.make_trainer`` (m = 32) on random thin/thick."""
    from gan_lib import runtime
    from gan_lib.experiments import cyclegan

    domains = cyclegan.thin_thick_domains(mnist_like(1_024))
    trainer = cyclegan.make_trainer(
        domains,
        weight_cycle=weight_cycle,
        weight_identity=weight_identity,
        batch_size=32,
        device=runtime.default_device(),
    )
    return cuda_like(trainer).step


def srgan_parts():
    """Lab 15's G (C = 16, B = 4), D (width 16) and content cost φ."""
    from gan_lib import runtime
    from gan_lib.evaluation import (
        ClassifierFeatures,
        load_reference_classifier,
    )
    from gan_lib.experiments import srgan
    from gan_lib.nn.superres import SRDiscriminator, SRGenerator

    device = runtime.default_device()
    torch.manual_seed(0)
    resolver = srgan.SuperResolver(SRGenerator(16, 4)).to(device)
    discriminator = SRDiscriminator(28, width=16)
    classifier = load_reference_classifier(device=device)
    features = ClassifierFeatures(classifier, "conv2")
    images = mnist_like().images.to(device)
    scale = srgan.content_scale(features, images)  # as cell cb57bb09
    return resolver, discriminator, srgan.ContentCost(features, scale), images


def srresnet_step(content: bool):
    """Lab 15: one iteration of ``srgan.fit_regression``'s loop, m = 32.

    The loop body as ``fit_regression`` runs it, on the pixel MSE or the
    content loss φ, with its Adam (β₁ = 0.9) in the foreach form.
    """
    from gan_lib.experiments import srgan
    from gan_lib.training import adam

    resolver, _, content_cost, images = srgan_parts()
    cost = content_cost if content else srgan.pixel_mse
    draw = srgan.image_sampler(images)
    stream = torch.Generator(device=images.device).manual_seed(0)
    optimizer = adam(1e-4, (0.9, 0.999))(resolver.parameters())
    foreach_adam(optimizer)
    resolver.train()
    losses = torch.empty(1, device=images.device)

    def step() -> None:
        high = draw(32, stream)
        loss = cost(resolver, high, resolver(high))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses[0] = loss.detach()  # fit_regression keeps every loss

    return step


def srgan_step(content: bool, weight: float = 1e-3):
    """Lab 15: ``srgan.srgan_trainer``, content (φ) or MSE extra cost."""
    from gan_lib.experiments import srgan

    resolver, discriminator, content_cost, images = srgan_parts()
    extra = srgan.perceptual_extra_cost(
        content_cost if content else srgan.pixel_mse, weight
    )
    trainer = srgan.srgan_trainer(
        resolver,
        discriminator,
        images,
        extra,
        batch_size=32,
        lr=1e-4,
        device=images.device,
    )
    return cuda_like(trainer).step


def caption_step(matching_aware: bool):
    """Lab 16: ``text_to_image.make_caption_trainer`` on random digits."""
    from gan_lib.experiments import text_to_image as t2i

    data = mnist_like()
    captions = t2i.caption_digits(data, t2i.AttributeBins.fit(data.images))
    # None: runtime.default_device(), which --measure sets
    trainer = t2i.make_caption_trainer(
        captions,
        seed=0,
        device=None,
        log_every=10,
        matching_aware=matching_aware,
    )
    return cuda_like(trainer).step


@dataclass(frozen=True)
class Config:
    """A training configuration: how to build one step, where it runs."""

    build: Callable[[], Callable[[], object]]
    iterations: int  # counted; a multiple of the trainer's log_every
    on_gpu: bool = True  # False: it runs on the CPU whatever the card
    per: str = "iteration"
    # seeds run as one vmapped model: each op costs VMAP_HOST_FACTOR × c
    vmapped: bool = False


CONFIGS = {
    "gan1d k=5": Config(functools.partial(gan1d_step, 5, "adam"), 20),
    "gan1d k=1": Config(functools.partial(gan1d_step, 1, "adam"), 20),
    "gan1d k=1 SGD": Config(
        functools.partial(gan1d_step, 1, "sgd_momentum"), 20
    ),
    "gan1d k=5 (CPU)": Config(
        functools.partial(gan1d_step, 5, "adam", False), 20, on_gpu=False
    ),
    "gan1d D step (CPU)": Config(gan1d_d_step, 40, on_gpu=False),
    "fit_discriminator (CPU)": Config(
        fit_discriminator_step, 30, on_gpu=False
    ),
    "quantile fit (CPU)": Config(quantile_fit_step, 40, on_gpu=False),
    "2D GAN k=1": Config(functools.partial(mode_collapse_step, 0), 50),
    "2D GAN k=3": Config(functools.partial(mode_collapse_step, 1), 50),
    "2D PacGAN2": Config(functools.partial(mode_collapse_step, 2), 50),
    # lab 8's seeds: one vmapped ensemble of 10 per (target, method)
    "2D GAN k=1, 10 seeds vmapped": Config(
        functools.partial(ensemble_step, 0, 10), 50, vmapped=True
    ),
    "2D GAN k=3, 10 seeds vmapped": Config(
        functools.partial(ensemble_step, 1, 10), 50, vmapped=True
    ),
    "2D PacGAN2, 10 seeds vmapped": Config(
        functools.partial(ensemble_step, 2, 10), 50, vmapped=True
    ),
    "2D PacGAN4, 10 seeds vmapped": Config(
        functools.partial(pacgan4_ensemble_step, 10), 50, vmapped=True
    ),
    "DCGAN m=128": Config(functools.partial(mnist_step, "dcgan"), 10),
    "MLP GAN m=128": Config(functools.partial(mnist_step, "mlp"), 10),
    "DCGAN m=64": Config(recipe_step, 10),
    "cond. DCGAN m=64": Config(
        functools.partial(recipe_step, conditional=True), 10
    ),
    "DCGAN m=16": Config(functools.partial(recipe_step, batch_size=16), 10),
    "DCGAN m=16 VBN": Config(
        functools.partial(recipe_step, batch_size=16, vbn=True), 10
    ),
    "DCGAN m=64 k=1": Config(functools.partial(recipe_step, 5), 10),
    "DCGAN m=64 k=2": Config(functools.partial(recipe_step, 5, d_steps=2), 5),
    "DCGAN m=64 k=5": Config(functools.partial(recipe_step, 5, d_steps=5), 5),
    "DCGAN m=64 wide D": Config(
        functools.partial(recipe_step, 5, d_width=64), 5
    ),
    "pix2pix L1+cGAN m=64": Config(pix2pix_step, 10),
    "pix2pix cGAN m=64": Config(
        functools.partial(pix2pix_step, objective="cGAN"), 10
    ),
    "pix2pix L1 alone m=64": Config(pix2pix_l1_step, 10),
    "pix2pix L1+cGAN pixel D": Config(
        functools.partial(pix2pix_step, receptive_field="pixel"), 10
    ),
    "pix2pix L1+cGAN image D": Config(
        functools.partial(pix2pix_step, receptive_field="image"), 10
    ),
    "CycleGAN alone m=32": Config(functools.partial(cyclegan_step, 0.0), 10),
    "CycleGAN + cycle": Config(functools.partial(cyclegan_step, 10.0), 10),
    "CycleGAN + cycle + identity": Config(
        functools.partial(cyclegan_step, 10.0, 5.0), 10
    ),
    "SRResNet-MSE m=32": Config(functools.partial(srresnet_step, False), 10),
    "SRResNet-φ m=32": Config(functools.partial(srresnet_step, True), 10),
    "SRGAN φ m=32": Config(functools.partial(srgan_step, True), 10),
    "SRGAN MSE m=32": Config(functools.partial(srgan_step, False), 10),
    "caption GAN m=64": Config(functools.partial(caption_step, False), 10),
    "caption GAN-CLS m=64": Config(functools.partial(caption_step, True), 10),
    "classifier, 1,000 images": Config(classifier_chunk_step, 2, per="call"),
    "G minibatch of 16": Config(coupling_batch_step, 10, per="call"),
}


# ------------------------------------------------- the labs at gpu profile
# The gpu values of the labs' iteration counts (their cells are named below)
LAB8_ITERATIONS = 3_000  # e8ace62e hop_iterations, 0bae8651 iterations
LAB11_ITERATIONS = 2_000  # 140da7cb iterations
LAB12_SMALL = 1_000  # b0d394af small_iterations
LAB12_STEPS = 500  # 3ce40aa8 generator_steps
LAB13_ITERATIONS = 1_500  # 31fb21e6 iterations (G steps, every arm)
LAB14_ITERATIONS = 800  # 1d08c8d8 iterations
LAB15_PRETRAIN = 1_000  # 0f68e438 pretrain_iterations
LAB15_ITERATIONS = 1_000  # 0f68e438 iterations (after pre-training)
LAB16_ITERATIONS = 2_000  # f4731bb6 iterations
SEEDS = 8  # every lab 13-16 arm: seeds = list(range(8)) at gpu


@dataclass(frozen=True)
class Work:
    """``runs`` runs of ``iterations`` iterations of a configuration."""

    config: str
    runs: int
    iterations: int
    seeds: int = 1  # seeds per run: a vmapped ensemble trains several


@dataclass(frozen=True)
class Lab:
    """A lab's work at the ``gpu`` profile.

    ``other_seconds``: CPU-side work (closed forms, plots, set-up) from the
    stored cpu-profile run on this machine (cell execution times of the
    notebooks at commit 6c9d797), scaled where the gpu profile is larger.
    """

    work: tuple[Work, ...] = ()
    classifier_images: int = 0  # reference-classifier passes at gpu
    coupling_batches: int = 0  # lab 12's minibatches drawn from G
    other_seconds: float = 0.0


LABS = {
    # 19 s stored; gpu grows n to 10⁶, 400 repeats and 10⁵ mixture samples
    # in cells that took < 1 s each (≤ ×10): ≤ 17 s more.
    "01": Lab(other_seconds=19 + 17),
    # cell b84de509: horizon 60,000 (×5), 400 chains (×2), 10 separations
    # (×10/9) on bea267e3 (13.9 s); 7a345ac9: 41 × 100 chains (×82/21) on
    # 727da527 (4.3 s); samples_n 10⁶ (×5) on 2b4f66a1 (2.2 s). Linear.
    "02": Lab(
        other_seconds=27
        + 13.9 * (5 * 2 * 10 / 9 - 1)
        + 4.3 * (82 / 21 - 1)
        + 2.2 * 4
    ),
    # sweep_step 0.025 (cpu 0.05) doubles ff4da6c8 (18.1 s)
    "03": Lab(other_seconds=44 + 18.1),
    # fe8d4b71: 4,000 iterations, k = 5; 5a728a19: 2 × 100 (SGD, k = 1)
    # after 1,000 D steps of confident_discriminator, which runs on the CPU
    "04": Lab(
        work=(
            Work("gan1d k=5", 1, 4_000),
            Work("gan1d k=1 SGD", 2, 100),
            Work("gan1d D step (CPU)", 1, 1_000),
            # 839d5267/8ad8c509: 8 seeds × 2 protocols × 4,000 at k = 1
            Work("gan1d k=1", 16, 4_000),
        ),
        other_seconds=26 - 12.0 - 1.0,
    ),
    # cells 5a076960, 79446681: two fits of 2,000 steps (CPU, as at cpu)
    "05": Lab(
        work=(Work("fit_discriminator (CPU)", 2, 2_000),),
        other_seconds=27 - 4.1 - 2.7,
    ),
    # n_grid 41 (×(41/31)²) on 455407d0 (5.6 s); 401 separations (×2) on
    # 3e511ac3 (10.9 s)
    "06": Lab(other_seconds=21 + 5.6 * ((41 / 31) ** 2 - 1) + 10.9),
    # every size of lab 7 is the same at gpu as at cpu
    "07": Lab(other_seconds=61),
    # e8ace62e: one hop run; 0bae8651/165061fe: per method, the 10 seeds
    # of the ring and of the grid as one vmapped ensemble each;
    # 020cec0d: PacGAN4's 10 seeds on the ring.
    "08": Lab(
        work=(
            Work("2D GAN k=1", 1, LAB8_ITERATIONS),
            Work("2D GAN k=1, 10 seeds vmapped", 2, LAB8_ITERATIONS, 10),
            Work("2D GAN k=3, 10 seeds vmapped", 2, LAB8_ITERATIONS, 10),
            Work("2D PacGAN2, 10 seeds vmapped", 2, LAB8_ITERATIONS, 10),
            Work("2D PacGAN4, 10 seeds vmapped", 1, LAB8_ITERATIONS, 10),
        ),
        other_seconds=172 - 156.9 - 7.6,
    ),
    # e0d80f9f: DCGAN 3,000; the MLP GAN then gets the DCGAN's seconds
    # (written as 3,000 DCGAN iterations) after a 3 + 200 timing run.
    # Classifier: 31,000 images in 45dd88f2, 19 probes of 1,000.
    "09": Lab(
        work=(
            Work("DCGAN m=128", 2, 3_000),
            Work("MLP GAN m=128", 1, 203),
        ),
        classifier_images=31_000 + 19 * 1_000,
        other_seconds=1041 - 437.0 - 584.8 - 10.7,
    ),
    # device="cpu" (cell dc4fbb66), and every size as at cpu
    "10": Lab(other_seconds=245),
    # 140da7cb: 8 seeds × LAB11_ITERATIONS for the baseline (26e868ae),
    # the same for the smoothed recipe (81434a2d), one Fashion baseline
    # (0c350da8); each conditional run (8 MNIST, 1 Fashion) gets its
    # baseline's seconds, written as baseline iterations, after a 3 + 200
    # timing run (42263358). CPU: b940030d 3 fits × 1,000, 7b96c518
    # quantile fit 1,500, then (4 Adam + 10 SGD seeds) × 2 β runs of 1,000
    # D steps and 4,200 iterations at k = 5 in all. Classifier: 2 × 22,000
    # set-up, 27 × 2,000 samples, 9 × 2,000 agreement, 10,000 + 2 × 10,000
    # test.
    "11": Lab(
        work=(
            Work("DCGAN m=64", 8 + 8 + 1, LAB11_ITERATIONS),
            Work("DCGAN m=64", 8 + 1, LAB11_ITERATIONS),
            Work("cond. DCGAN m=64", 1, 203),
            Work("fit_discriminator (CPU)", 3, 1_000),
            Work("quantile fit (CPU)", 1, 1_500),
            Work("gan1d D step (CPU)", 28, 1_000),
            Work("gan1d k=5 (CPU)", 1, 4_200),
        ),
        classifier_images=44_000 + 54_000 + 18_000 + 30_000,
        other_seconds=1027
        - 264.6
        - 250.1
        - 212.6
        - 206.1
        - 39.7
        - 11.8
        - 9.3
        - 15.6,
    ),
    # b0d394af: 8 seeds × (BN, VBN) × LAB12_SMALL at m = 16; 3ce40aa8:
    # LAB12_STEPS G steps for 8 seeds of each of 4 variants (log every 5).
    # G minibatches: Σ_m 16,384/m + 1,024 (e810ad18), 16 × (1,024 + 256)
    # (6817c824, both norms). Classifier: 10,000 + 32 × 7 × 1,000 probes +
    # 32 × 5,000 final + 16 × 4,096 judged + 16 × (16,384 + 4,096) + 8 ×
    # 16,384 coupling features.
    "12": Lab(
        work=(
            Work("DCGAN m=16", 8, LAB12_SMALL),
            Work("DCGAN m=16 VBN", 8, LAB12_SMALL),
            Work("DCGAN m=64 k=1", 8, LAB12_STEPS),
            Work("DCGAN m=64 k=2", 8, LAB12_STEPS),
            Work("DCGAN m=64 k=5", 8, LAB12_STEPS),
            Work("DCGAN m=64 wide D", 8, LAB12_STEPS),
        ),
        classifier_images=10_000
        + 32 * 7 * 1_000
        + 32 * 5_000
        + 16 * 4_096
        + 16 * (16_384 + 4_096)
        + 8 * 16_384,
        coupling_batches=sum(16_384 // m for m in (2, 4, 8, 16, 32, 64, 128))
        + 1_024
        + 16 * (1_024 + 256),
        other_seconds=417 - 241.5 - 142.2 - 13.8 - 7.3,
    ),
    # 011c754c: SEEDS × the three objectives (L1 alone, cGAN, L1+cGAN,
    # patch D) at m = 64; 0be8b4e6: SEEDS × the pixel and image Ds.
    # Classifier (n_eval 2,000, 0f3f48ab; score_outputs = judge features +
    # class agreement, 2 passes): 8,000 judge items, 3 calibration scores
    # (520fb661), 24 scores (30592929), 24 field scores (eb1afa84, patch
    # rescored). The U-Net's translate passes (2,000 per score) are left
    # out. Other: the stored cpu run's 321.7 s (cell execution metadata)
    # less 011c754c (145.1 s) and 0be8b4e6 (140.4 s).
    "13": Lab(
        work=(
            Work("pix2pix L1 alone m=64", SEEDS, LAB13_ITERATIONS),
            Work("pix2pix cGAN m=64", SEEDS, LAB13_ITERATIONS),
            Work("pix2pix L1+cGAN m=64", SEEDS, LAB13_ITERATIONS),
            Work("pix2pix L1+cGAN pixel D", SEEDS, LAB13_ITERATIONS),
            Work("pix2pix L1+cGAN image D", SEEDS, LAB13_ITERATIONS),
        ),
        classifier_images=8_000 + (3 + 24 + 24) * 2 * 2_000,
        other_seconds=321.7 - 145.1 - 140.4,
    ),
    # 80f0d270: SEEDS × 3 arms (GAN alone, + cycle, + cycle + identity),
    # m = 32. Classifier (eval_size 5,000, 25c42ebc): 2 reference maps, then
    # per trained pair G's and F's measure_translation (41127d9b), one pass
    # each. Other: 1,080.1 s stored less 80f0d270 (1,012.4 s).
    "14": Lab(
        work=(
            Work("CycleGAN alone m=32", SEEDS, LAB14_ITERATIONS),
            Work("CycleGAN + cycle", SEEDS, LAB14_ITERATIONS),
            Work("CycleGAN + cycle + identity", SEEDS, LAB14_ITERATIONS),
        ),
        classifier_images=(2 + 3 * SEEDS * 2) * 5_000,
        other_seconds=1080.1 - 1012.4,
    ),
    # 0a66dfaf per seed: MSE pre-training then MSE fine-tuning (one
    # fit_regression run each), φ fine-tuning, SRGAN (φ + 10⁻³ l_Gen);
    # 059edfb6: 2 curve seeds × 4 weights w > 0 of SRGAN on the MSE.
    # Classifier (eval_size 5,000, b9982401; measure = 1 pass + the judge's
    # features): 5,000 judge items, 512 for the content scale, 2 reference
    # measures (cb57bb09), 24 arm measures (33c7e18e), 8 curve measures.
    # φ inside the training steps is counted in their configurations.
    # Other: 400.2 s stored less 0a66dfaf (182.0 s) and 059edfb6 (168.2 s).
    "15": Lab(
        work=(
            Work("SRResNet-MSE m=32", SEEDS, LAB15_PRETRAIN),
            Work("SRResNet-MSE m=32", SEEDS, LAB15_ITERATIONS),
            Work("SRResNet-φ m=32", SEEDS, LAB15_ITERATIONS),
            Work("SRGAN φ m=32", SEEDS, LAB15_ITERATIONS),
            Work("SRGAN MSE m=32", 2 * 4, LAB15_ITERATIONS),
        ),
        classifier_images=5_000 + 512 + (2 + 24 + 8) * 2 * 5_000,
        other_seconds=400.2 - 182.0 - 168.2,
    ),
    # 081a60fc: SEEDS × 3 arms (caption GAN, GAN-CLS, Ch. 11's one-hot
    # conditional DCGAN, m = 64), log every 10. Classifier (eval_captions
    # 2,000, 1147da8e): the real digits' match (14542e8a) and one
    # caption_match per run. Other: 1,047.0 s stored less 081a60fc
    # (1,031.0 s).
    "16": Lab(
        work=(
            Work("caption GAN m=64", SEEDS, LAB16_ITERATIONS),
            Work("caption GAN-CLS m=64", SEEDS, LAB16_ITERATIONS),
            Work("cond. DCGAN m=64", SEEDS, LAB16_ITERATIONS),
        ),
        classifier_images=(1 + 3 * SEEDS) * 2_000,
        other_seconds=1047.0 - 1031.0,
    ),
}


# ---------------------------------------------------------- the estimate
@dataclass
class Estimate:
    """A lab's seconds on one card, split by where they go."""

    launch: float = 0.0
    device: float = 0.0
    cpu: float = 0.0

    @property
    def total(self) -> float:
        return self.launch + self.device + self.cpu

    def dominant(self) -> str:
        parts = {
            "launch": self.launch,
            "FLOPs+memory": self.device,
            "CPU": self.cpu,
        }
        return max(parts, key=parts.get)


def estimate(
    lab: Lab,
    counts: dict[str, Counts],
    card: Card,
    launch_us: float,
    half: bool = False,
) -> Estimate:
    """T of ``lab`` on ``card``: Σ runs · iterations · per-iteration T.

    A vmapped ensemble's ops cost ``VMAP_HOST_FACTOR`` times c each: vmap
    adds host work per op (its batching rules run in the dispatcher).
    """
    result = Estimate(cpu=lab.other_seconds)
    for work in lab.work:
        config = CONFIGS[work.config]
        c, n = counts[work.config], work.runs * work.iterations
        if not config.on_gpu:
            result.cpu += n * c.cpu_seconds
            continue
        factor = VMAP_HOST_FACTOR[0] if config.vmapped else 1.0
        launch, device = seconds_on(card, c, launch_us * factor, half)
        result.launch += n * launch
        result.device += n * device
    for config, calls in (
        ("classifier, 1,000 images", math.ceil(lab.classifier_images / 1e3)),
        ("G minibatch of 16", lab.coupling_batches),
    ):
        launch, device = seconds_on(card, counts[config], launch_us, half)
        result.launch += calls * launch
        result.device += calls * device
    return result


def tiny_trainer(seed: int):
    """A 2 → 4 → 2 GAN at m = 4: its step is all host overhead."""
    from gan_lib.nn import MLPDiscriminator, MLPGenerator
    from gan_lib.training import Trainer, adam

    torch.manual_seed(seed)
    trainer = Trainer(
        MLPGenerator(latent_dim=2, data_dim=2, hidden=4),
        MLPDiscriminator(data_dim=2, hidden=4),
        torch.randn(100, 2),
        batch_size=4,
        g_optimizer=adam(1e-3, (0.5, 0.999)),
        d_optimizer=adam(1e-3, (0.5, 0.999)),
        log_every=50,
        device="cpu",
        seed=seed,
    )
    return cuda_like(trainer)


def measure_vmap_host_factor(seeds: int = 10) -> tuple[float, float, float]:
    """(factor, µs per kernel op plain, µs per kernel op vmapped).

    The host time per kernel op of a ``seeds``-seed vmapped ensemble over a
    plain run's, on networks so small that the time is host overhead.
    """
    from gan_lib.training import stack_trainers

    plain = tiny_trainer(0).step
    ensemble = stack_trainers([tiny_trainer(s) for s in range(seeds)]).step
    per_op = []
    for step in (plain, ensemble):
        counts = measure(step, 300, rounds=TIMING_ROUNDS)
        per_op.append(1e6 * counts.cpu_seconds / counts.kernels)
    return per_op[1] / per_op[0], per_op[0], per_op[1]


# Set by measure_all (1.6 on this machine: 14.2 against 8.9 µs per op)
VMAP_HOST_FACTOR = [1.6, math.nan, math.nan]


# ------------------------------------------------------------- reporting
def measure_all() -> dict[str, Counts]:
    """Counts of every configuration, built and run on this CPU."""
    torch.set_num_threads(1)
    VMAP_HOST_FACTOR[:] = measure_vmap_host_factor()
    # timed: what runs on the CPU whatever the card, and the check of c
    return {
        name: measure(
            c.build(),
            c.iterations,
            rounds=TIMING_ROUNDS if not c.on_gpu or name == CHECK else 0,
        )
        for name, c in CONFIGS.items()
    }


def span(values: list[float], scale: float, digits: int = 0) -> str:
    """'a–b' (or 'a') of ``values`` / ``scale``."""
    if not values:
        return "–"
    low, high = min(values) / scale, max(values) / scale
    fmt = f"{{:,.{digits}f}}"
    if fmt.format(low) == fmt.format(high):
        return fmt.format(low)
    return f"{fmt.format(low)}–{fmt.format(high)}"


def verdict(low: float, high: float, budget: float) -> str:
    """yes: within at the high launch cost; no: over even at the low one."""
    if high <= budget:
        return "yes"
    return "no" if low > budget else "only at 8 µs"


def cpu_ms(counts: Counts) -> str:
    """Milliseconds per iteration on this CPU, or – where not timed."""
    seconds = counts.cpu_seconds
    return "–" if math.isnan(seconds) else f"{1e3 * seconds:.1f}"


def config_table(counts: dict[str, Counts]) -> list[str]:
    """One row per configuration: what was counted and measured."""
    lines = [
        "| configuration | runs on | dispatched ops | kernel ops | MFLOP "
        "| MB moved | CPU ms here | T4 ms (8 / 20 µs) "
        "| A100 ms (8 / 20 µs) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, config in CONFIGS.items():
        c = counts[name]
        cells = []
        factor = VMAP_HOST_FACTOR[0] if config.vmapped else 1.0
        for card in CARDS.values():
            times = [
                sum(seconds_on(card, c, us * factor, False))
                for us in LAUNCH_US
            ]
            cells.append(" / ".join(f"{1e3 * t:.2f}" for t in times))
        where = "GPU" if config.on_gpu else "CPU"
        lines.append(
            f"| {name} (per {config.per}) | {where} | {c.ops:,.0f} "
            f"| {c.kernels:,.0f} | {c.flops / 1e6:,.1f} "
            f"| {c.bytes / 1e6:,.1f} | {cpu_ms(c)} "
            f"| {cells[0]} | {cells[1]} |"
        )
    return lines


def lab_table(counts: dict[str, Counts]) -> list[str]:
    """One row per lab: its work at gpu and its minutes on T4 and A100."""
    lines = [
        "| lab | GPU runs × iterations | CPU-side | kernel ops/it "
        "| MFLOP/it | T4 min (8–20 µs) | A100 min (8–20 µs) "
        "| ≤ 15 on T4 | ≤ 5 on A100 | dominant |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name, lab in LABS.items():
        gpu = [w for w in lab.work if CONFIGS[w.config].on_gpu]
        runs = sum(w.runs * w.seeds for w in gpu)
        its = sum(w.runs * w.seeds * w.iterations for w in gpu)
        work = f"{runs} runs, {its:,} it." if gpu else "none"
        if any(CONFIGS[w.config].vmapped for w in gpu):
            alone = sum(w.runs for w in gpu if w.seeds == 1)
            stacks = sum(w.runs for w in gpu if w.seeds > 1)
            work += f" ({stacks} vmapped ensembles, {alone} alone)"
        minutes, verdicts = {}, []
        for card_name, card in CARDS.items():
            pair = [
                estimate(lab, counts, card, us).total / 60 for us in LAUNCH_US
            ]
            minutes[card_name] = pair
            budget = BUDGET_MINUTES[card_name]
            verdicts.append(verdict(*pair, budget))
        high = estimate(lab, counts, CARDS["T4"], LAUNCH_US[1])
        cpu = high.cpu / 60
        lines.append(
            f"| {name} | {work} | {cpu:.1f} min "
            f"| {span([counts[w.config].kernels for w in gpu], 1)} "
            f"| {span([counts[w.config].flops for w in gpu], 1e6, 1)} "
            f"| {span(minutes['T4'], 1, 1)} | {span(minutes['A100'], 1, 1)} "
            f"| {verdicts[0]} | {verdicts[1]} | {high.dominant()} |"
        )
    return lines


def split_table(counts: dict[str, Counts]) -> list[str]:
    """Where each lab's T4 minutes go, at 20 µs; fp32 against 16-bit."""
    lines = [
        "| lab | launch | FLOPs+memory fp32 | FLOPs+memory 16-bit "
        "| CPU-side |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, lab in LABS.items():
        full = estimate(lab, counts, CARDS["T4"], LAUNCH_US[1])
        half = estimate(lab, counts, CARDS["T4"], LAUNCH_US[1], half=True)
        lines.append(
            f"| {name} | {full.launch / 60:.2f} | {full.device / 60:.2f} "
            f"| {half.device / 60:.2f} | {full.cpu / 60:.2f} |"
        )
    return lines


def calibration(counts: Counts) -> str:
    """The host cost per op that this CPU shows on lab 8's step."""
    per_kernel = 1e6 * counts.cpu_seconds / counts.kernels
    per_op = 1e6 * counts.cpu_seconds / counts.ops
    return (
        f"Check of c on this CPU: lab 8's k = 1 step took "
        f"{1e3 * counts.cpu_seconds:.1f} ms for {counts.ops:.0f} dispatched "
        f"ops ({counts.kernels:.0f} kernel ops): {per_op:.0f} µs per "
        f"dispatched op, {per_kernel:.0f} µs per kernel op, the CPU's own "
        f"arithmetic included (fastest of {TIMING_ROUNDS} rounds on a "
        "shared machine: an upper bound)."
    )


def report(counts: dict[str, Counts], seconds: float) -> str:
    """The markdown that ``--write`` appends to RESULTS.md."""
    parts = [
        "Per lab, at the `gpu` profile (minutes; a range is the launch cost "
        f"c = {LAUNCH_US[0]:g} to {LAUNCH_US[1]:g} µs per kernel op; fp32, "
        "as the labs run; `CPU-side` is work that runs on the CPU whatever "
        "the card, timed here or taken from the stored cpu-profile run):",
        "",
        *lab_table(counts),
        "",
        "Where the T4 minutes go at c = 20 µs (minutes):",
        "",
        *split_table(counts),
        "",
        "Per configuration (per iteration, or per call; a vmapped row's ms "
        "charge its ops the vmap factor below; ops counted over "
        "whole `log_every` periods, Adam in its CUDA `foreach` form):",
        "",
        *config_table(counts),
        "",
        f"Constants: T4 {CARDS['T4'].fp32 / 1e12:g} TFLOPS fp32, "
        f"{CARDS['T4'].half / 1e12:g} fp16 tensor cores, "
        f"{CARDS['T4'].bandwidth / 1e9:g} GB/s; A100 "
        f"{CARDS['A100'].fp32 / 1e12:g} fp32, "
        f"{CARDS['A100'].half / 1e12:g} bf16, "
        f"{CARDS['A100'].bandwidth / 1e9:,.0f} GB/s; efficiencies "
        f"{FP32_EFFICIENCY:g} (fp32), {TENSOR_CORE_EFFICIENCY:g} (tensor "
        f"cores), {BANDWIDTH_EFFICIENCY:g} (bandwidth). Counting took "
        f"{seconds:.0f} s.",
        "",
        calibration(counts[CHECK]),
        "",
        "vmap's host overhead, measured here on a 2 → 4 → 2 GAN at m = 4 "
        "(a step that is all host work): "
        f"{VMAP_HOST_FACTOR[1]:.1f} µs per kernel op for one run, "
        f"{VMAP_HOST_FACTOR[2]:.1f} µs for 10 seeds vmapped, so a vmapped "
        f"op is charged {VMAP_HOST_FACTOR[0]:.2f} × c above.",
    ]
    return "\n".join(parts) + "\n"


def seconds_per_iteration(
    step: Callable[[], object], iterations: int, device: torch.device
) -> float:
    """Wall seconds of one call of ``step`` on ``device``, synchronised."""

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(3):  # warm-up: optimiser state, cuDNN's choices
        step()
    sync()
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    sync()
    return (time.perf_counter() - start) / iterations


def measured_table(device: torch.device) -> list[str]:
    """Each lab's GPU work timed on ``device``, beside its estimate."""
    rates = {
        name: seconds_per_iteration(config.build(), 5 * config.iterations,
                                    device)
        for name, config in CONFIGS.items()
        if config.on_gpu
    }  # fmt: skip
    lines = [
        f"| lab | GPU work measured on {device} (min) | per-iteration ms |",
        "| --- | ---: | --- |",
    ]
    for name, lab in LABS.items():
        gpu = [w for w in lab.work if CONFIGS[w.config].on_gpu]
        seconds = sum(w.runs * w.iterations * rates[w.config] for w in gpu)
        seconds += (
            math.ceil(lab.classifier_images / 1e3)
            * rates["classifier, 1,000 images"]
        )
        seconds += lab.coupling_batches * rates["G minibatch of 16"]
        names = dict.fromkeys(w.config for w in gpu)  # once each, in order
        per = ", ".join(f"{n} {1e3 * rates[n]:.2f}" for n in names)
        lines.append(f"| {name} | {seconds / 60:.2f} | {per or '–'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write", action="store_true", help="append to benchmarks/RESULTS.md"
    )
    parser.add_argument(
        "--measure",
        metavar="DEVICE",
        help="time the GPU configurations on DEVICE (e.g. cuda) instead",
    )
    args = parser.parse_args()
    if args.measure:
        os.environ["GAN_BOOK_DEVICE"] = args.measure  # the builders' device
        from gan_lib import runtime

        device = runtime.default_device()
        text = "\n".join(measured_table(device))
        print(text)
        print(
            "\nCPU-side work (closed forms, CPU-pinned runs) is not "
            "included; compare with the estimate's launch + FLOPs columns."
        )
        return
    start = time.perf_counter()
    counts = measure_all()
    text = report(counts, time.perf_counter() - start)
    print(text)
    if args.write:
        heading = (
            "\n## Lab time budget at the gpu profile: "
            "`benchmarks/lab_budget.py`\n\n"
            "`OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lab_budget.py "
            "--write`\n\n"
            f"#### {datetime.date.today().isoformat()} · cpu · "
            f"{platform.machine()}, {os.cpu_count()} cores (1 thread), "
            f"torch {torch.__version__} · GPU rows measured: none (no GPU "
            "was available)\n\n"
            "The counts are device-independent; the minutes are estimates "
            "from them and the stated constants.\n\n"
        )
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(heading + text)


if __name__ == "__main__":
    main()
