"""DCGAN training speed: the book's trainer against two hand-written loops,
in one process.

All three train the same DCGAN (same architecture, initial weights, batch and
device) with Adam(2e-4, β₁ = 0.5) and the non-saturating cost. What differs is
the loop:

- ``plain``: the PyTorch DCGAN tutorial's loop as the tutorial writes it — a
  ``DataLoader(TensorDataset(images), shuffle=True)`` that indexes the
  dataset one example at a time and collates each batch on the host, then
  copies it to the device; one generator forward reused by both players; and
  ``.item()`` logging of the losses and D(x), D(G(z)) at every step (four
  device syncs per step).
- ``careful``: the same algorithm as ``plain`` (one generator forward reused
  by both players), written as a careful user would: the images as one
  tensor on the device, each epoch's batches sliced from it by a random
  permutation, noise from a seeded generator, and the losses logged every
  ``LOG_EVERY`` steps with one sync.
- ``trainer``: ``gan_lib.training.trainer.Trainer`` — the images as one tensor
  on the device, batches by random index, Algorithm 1 (fresh noise for the
  generator step, D frozen in it), history recorded (and the device synced)
  every ``LOG_EVERY`` steps.

``plain`` → ``careful`` measures what the data path and the per-step syncs
cost; ``careful`` → ``trainer`` what the trainer's algorithm and bookkeeping
cost or save. The discriminator step of ``careful`` and of the trainer is the
same computation: given the same batch and noise, they end in the same D.

Each configuration alternates timed rounds of the three (A B C A B C …) after
a warm-up, and reports the median iterations per second of each and the
trainer's ratio to each baseline, so slow drift of a shared machine hits all
of them. On a GPU the switches ``--mixed-precision`` (bfloat16 from compute
capability 8.0, float16 with loss scaling below), ``--channels-last`` and
``--compile`` apply to the trainer so the gain of each is measured against
the same two baselines.

    # CPU: the book's MNIST model and the classic 64×64×3 model
    python benchmarks/dcgan_speed.py
    python benchmarks/dcgan_speed.py --device cuda --mixed-precision \
        --channels-last --compile
    # Append the table to benchmarks/RESULTS.md
    python benchmarks/dcgan_speed.py --record
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from gan_lib import runtime
from gan_lib.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.training.trainer import Trainer, adam

RESULTS = Path(__file__).with_name("RESULTS.md")
LOG_EVERY = 50  # steps between the careful loop's and the trainer's syncs


@dataclass(frozen=True)
class Config:
    """One model/batch configuration; images are synthetic uniform noise in
    [−1, 1] (speed does not depend on content)."""

    name: str
    image_size: int
    channels: int
    batch_size: int
    latent_dim: int
    width: int
    n_images: int


CONFIGS = {
    "mnist": Config(
        "book MNIST DCGAN (28×28×1, batch 128, nz 100, ngf = ndf = 64)",
        28,
        1,
        128,
        100,
        64,
        60_000,
    ),
    "classic": Config(
        "classic DCGAN (64×64×3, batch 64, nz = ngf = ndf = 64)",
        64,
        3,
        64,
        64,
        64,
        10_000,
    ),
}


def build_models(
    config: Config, seed: int = 0
) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    generator = DCGANGenerator(
        config.image_size, config.latent_dim, config.channels, config.width
    )
    discriminator = DCGANDiscriminator(
        config.image_size, config.channels, config.width
    )
    return generator, discriminator


def synthetic_images(config: Config) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return (
        torch.rand(
            config.n_images,
            config.channels,
            config.image_size,
            config.image_size,
            generator=generator,
        )
        * 2
        - 1
    )


class PlainLoop:
    """The PyTorch DCGAN tutorial's training loop, with logits and
    BCE-with-logits."""

    def __init__(
        self,
        generator,
        discriminator,
        images,
        config: Config,
        device: torch.device,
    ) -> None:
        self.generator, self.discriminator = (
            generator.to(device),
            discriminator.to(device),
        )
        self.g_opt = adam()(self.generator.parameters())
        self.d_opt = adam()(self.discriminator.parameters())
        self.loader = DataLoader(
            TensorDataset(images),
            batch_size=config.batch_size,
            shuffle=True,
            drop_last=True,
        )
        self.batches = iter(self.loader)
        self.config, self.device, self.log = config, device, []

    def next_batch(self) -> torch.Tensor:
        try:
            (batch,) = next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            (batch,) = next(self.batches)
        return batch.to(self.device)

    def step(self) -> None:
        real = self.next_batch()
        m = real.shape[0]
        ones, zeros = (
            torch.ones(m, device=self.device),
            torch.zeros(m, device=self.device),
        )
        self.d_opt.zero_grad()
        real_logits = self.discriminator(real)
        fake = self.generator(
            torch.randn(m, self.config.latent_dim, device=self.device)
        )
        fake_logits = self.discriminator(fake.detach())
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, ones
        ) + F.binary_cross_entropy_with_logits(fake_logits, zeros)
        d_loss.backward()
        self.d_opt.step()
        self.g_opt.zero_grad()
        fake_logits_after = self.discriminator(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits_after, ones)
        g_loss.backward()
        self.g_opt.step()
        # The tutorial logs these every step; .item() waits for the device.
        self.log.append(
            (
                d_loss.item(),
                g_loss.item(),
                torch.sigmoid(real_logits).mean().item(),
                torch.sigmoid(fake_logits).mean().item(),
            )
        )

    def run(self, iterations: int) -> None:
        for _ in range(iterations):
            self.step()


class CarefulLoop:
    """The tutorial's algorithm with a careful data path and logging.

    The images live on the device; each epoch draws a permutation and
    slices batches from it (no host-side collation, no per-step copy), and
    the losses are kept on the device and read every ``LOG_EVERY`` steps
    with a single sync.
    """

    def __init__(
        self,
        generator: torch.nn.Module,
        discriminator: torch.nn.Module,
        images: torch.Tensor,
        config: Config,
        device: torch.device,
        seed: int = 0,
    ) -> None:
        self.generator = generator.to(device)
        self.discriminator = discriminator.to(device)
        self.g_opt = adam()(self.generator.parameters())
        self.d_opt = adam()(self.discriminator.parameters())
        self.images = images.to(device)  # (N, C, H, W), once
        self.rng = torch.Generator(device=device).manual_seed(seed)
        self.config, self.device = config, device
        self.batches: list[torch.Tensor] = []  # this epoch's index batches
        self.pending: list[torch.Tensor] = []  # stats not yet read
        self.log: list[list[float]] = []
        self.steps = 0

    def next_batch(self) -> torch.Tensor:
        if not self.batches:
            m = self.config.batch_size
            order = torch.randperm(
                len(self.images), generator=self.rng, device=self.device
            )
            # drop_last, as the tutorial's DataLoader
            self.batches = list(order[: len(order) // m * m].split(m))[::-1]
        return self.images[self.batches.pop()]

    def discriminator_step(
        self, real: torch.Tensor, z: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        """Descend J⁽ᴰ⁾ on ``real`` and G(z); return G(z) and the stats."""
        self.d_opt.zero_grad()
        real_logits = self.discriminator(real)
        fake = self.generator(z)
        fake_logits = self.discriminator(fake.detach())
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(
            fake_logits, torch.zeros_like(fake_logits)
        )
        d_loss.backward()
        self.d_opt.step()
        return fake, d_loss.detach(), real_logits, fake_logits

    def generator_step(self, fake: torch.Tensor) -> torch.Tensor:
        """Descend the non-saturating cost on the D step's G(z)."""
        self.g_opt.zero_grad()
        logits = self.discriminator(fake)
        g_loss = F.binary_cross_entropy_with_logits(
            logits, torch.ones_like(logits)
        )
        g_loss.backward()
        self.g_opt.step()
        return g_loss.detach()

    def step(self) -> None:
        real = self.next_batch()
        z = torch.randn(
            real.shape[0],
            self.config.latent_dim,
            generator=self.rng,
            device=self.device,
        )
        fake, d_loss, real_logits, fake_logits = self.discriminator_step(
            real, z
        )
        g_loss = self.generator_step(fake)
        self.steps += 1
        if self.steps % LOG_EVERY == 0:
            # The same four numbers as the tutorial, one sync for all.
            self.log.append(
                torch.stack(
                    [
                        d_loss,
                        g_loss,
                        torch.sigmoid(real_logits.detach()).mean(),
                        torch.sigmoid(fake_logits.detach()).mean(),
                    ]
                ).tolist()
            )

    def run(self, iterations: int) -> None:
        for _ in range(iterations):
            self.step()


class TrainerLoop:
    def __init__(
        self,
        generator,
        discriminator,
        images,
        config: Config,
        device,
        mixed_precision: bool,
        channels_last: bool,
        compile_models: bool,
    ) -> None:
        if channels_last:
            generator = generator.to(memory_format=torch.channels_last)
            discriminator = discriminator.to(memory_format=torch.channels_last)
            images = images.contiguous(memory_format=torch.channels_last)
        if compile_models:
            generator, discriminator = (
                torch.compile(generator),
                torch.compile(discriminator),
            )
        self.trainer = Trainer(
            generator,
            discriminator,
            images,
            batch_size=config.batch_size,
            log_every=LOG_EVERY,
            device=device,
            mixed_precision=mixed_precision,
            snapshot_size=16,
            seed=0,
        )

    def run(self, iterations: int) -> None:
        self.trainer.train(iterations, progress=False)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(loop, iterations: int, device: torch.device) -> float:
    """Iterations per second of ``loop.run(iterations)``."""
    synchronize(device)
    start = time.perf_counter()
    loop.run(iterations)
    synchronize(device)
    return iterations / (time.perf_counter() - start)


def measure(config: Config, device: torch.device, args) -> dict:
    images = synthetic_images(config)
    generator, discriminator = build_models(config)
    plain = PlainLoop(
        copy.deepcopy(generator),
        copy.deepcopy(discriminator),
        images,
        config,
        device,
    )
    careful = CarefulLoop(
        copy.deepcopy(generator),
        copy.deepcopy(discriminator),
        images,
        config,
        device,
    )
    trainer = TrainerLoop(
        generator,
        discriminator,
        images,
        config,
        device,
        args.mixed_precision,
        args.channels_last,
        args.compile,
    )
    loops = {"plain": plain, "careful": careful, "trainer": trainer}
    for loop in loops.values():
        loop.run(args.warmup)
    rates = {name: [] for name in loops}
    for _ in range(args.rounds):
        for name, loop in loops.items():
            rates[name].append(timed(loop, args.iterations, device))
    median = {name: statistics.median(rates[name]) for name in loops}
    return {
        "config": config.name,
        **median,
        "ratio": median["trainer"] / median["plain"],
        "ratio_careful": median["trainer"] / median["careful"],
    }


def machine(device: torch.device) -> str:
    if device.type == "cuda":
        return (
            f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}"
        )
    processor = platform.processor() or platform.machine()
    return (
        f"{processor}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}"
    )


def table(
    rows: list[dict],
    device: torch.device,
    args,
    load: tuple[float, float] | None = None,
) -> str:
    """The Markdown table of ``rows``, headed by the date, machine and run.

    ``load``: the machine's 1-minute load average at the start and the end
    of the run (on a shared machine, a load above its core count means
    other processes took some of the time).
    """
    switches = (
        ", ".join(
            name
            for name in ("mixed_precision", "channels_last", "compile")
            if getattr(args, name)
        )
        or "none"
    )
    lines = [
        f"### {time.strftime('%Y-%m-%d')} · {device.type} · "
        f"{machine(device)} · trainer switches: {switches}",
        "",
        f"Median of {args.rounds} alternating rounds of {args.iterations} "
        f"iterations (after {args.warmup} warm-up)"
        + (
            f"; load average {load[0]:.1f} at the start, {load[1]:.1f} at "
            f"the end, on {os.cpu_count()} cores."
            if load is not None
            else "."
        ),
        "",
        "| configuration | tutorial loop (it/s) | careful loop (it/s) "
        "| book's trainer (it/s) | trainer / tutorial "
        "| trainer / careful |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r['config']} | {r['plain']:.2f} | {r['careful']:.2f} "
        f"| {r['trainer']:.2f} | {r['ratio']:.2f}× "
        f"| {r['ratio_careful']:.2f}× |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--device",
        default=None,
        help="cpu, cuda or mps (default: gan_lib.runtime.default_device())",
    )
    parser.add_argument(
        "--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS)
    )
    parser.add_argument(
        "--iterations", type=int, default=20, help="iterations per timed round"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--mixed-precision",
        action="store_true",
        help="trainer: autocast that fits the card (CUDA)",
    )
    parser.add_argument(
        "--channels-last",
        action="store_true",
        help="trainer: channels-last memory format",
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="trainer: torch.compile both networks",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"append the table to {RESULTS.name}",
    )
    args = parser.parse_args()
    device = (
        torch.device(args.device) if args.device else runtime.default_device()
    )
    runtime.seed_everything(0)
    load_at_start = os.getloadavg()[0]
    rows = []
    for name in args.configs:
        rows.append(measure(CONFIGS[name], device, args))
        row = rows[-1]
        print(
            f"{row['config']}: tutorial {row['plain']:.2f} it/s, "
            f"careful {row['careful']:.2f} it/s, "
            f"trainer {row['trainer']:.2f} it/s; trainer / tutorial "
            f"{row['ratio']:.2f}, trainer / careful "
            f"{row['ratio_careful']:.2f}",
            flush=True,
        )
    report = table(rows, device, args, (load_at_start, os.getloadavg()[0]))
    print("\n" + report)
    if args.record:
        with RESULTS.open("a") as results:
            results.write("\n" + report)


if __name__ == "__main__":
    main()
