"""DCGAN training speed: the book's trainer against a plain tutorial-style
loop, in one process.

Both sides train the same DCGAN (same architecture, initial weights, batch and
device) with Adam(2e-4, β₁ = 0.5) and the non-saturating cost. What differs is
the loop:

- ``plain``: the PyTorch DCGAN tutorial's loop — a ``DataLoader`` over the
  images (shuffled, batched on the host), one generator forward reused by both
  players, and ``.item()`` logging of the losses and D(x), D(G(z)) at every
  step (a device sync per step).
- ``trainer``: ``gan_lib.training.trainer.Trainer`` — the images as one tensor
  on the device, batches by random index, history recorded (and the device
  synced) every ``log_every`` steps.

Each configuration alternates timed rounds of the two (A B A B …) after a
warm-up, and reports the median iterations per second of each and their
ratio, so slow drift of a shared machine hits both. On a GPU the switches
``--bf16``, ``--channels-last`` and ``--compile`` apply to the trainer so the
gain of each is measured against the same plain loop.

    # CPU: the book's MNIST model and the classic 64×64×3 model
    python benchmarks/dcgan_speed.py
    python benchmarks/dcgan_speed.py --device cuda --bf16 --channels-last \
        --compile
    # Append the table to benchmarks/RESULTS.md
    python benchmarks/dcgan_speed.py --record
"""

from __future__ import annotations

import argparse
import copy
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


class TrainerLoop:
    def __init__(
        self,
        generator,
        discriminator,
        images,
        config: Config,
        device,
        bf16: bool,
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
            log_every=50,
            device=device,
            mixed_precision=bf16,
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
    trainer = TrainerLoop(
        generator,
        discriminator,
        images,
        config,
        device,
        args.bf16,
        args.channels_last,
        args.compile,
    )
    for loop in (plain, trainer):
        loop.run(args.warmup)
    rates = {"plain": [], "trainer": []}
    for _ in range(args.rounds):
        rates["plain"].append(timed(plain, args.iterations, device))
        rates["trainer"].append(timed(trainer, args.iterations, device))
    plain_rate, trainer_rate = (
        statistics.median(rates["plain"]),
        statistics.median(rates["trainer"]),
    )
    return {
        "config": config.name,
        "plain": plain_rate,
        "trainer": trainer_rate,
        "ratio": trainer_rate / plain_rate,
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


def table(rows: list[dict], device: torch.device, args) -> str:
    switches = (
        ", ".join(
            name
            for name in ("bf16", "channels_last", "compile")
            if getattr(args, name)
        )
        or "none"
    )
    lines = [
        f"### {time.strftime('%Y-%m-%d')} · {device.type} · "
        f"{machine(device)} · trainer switches: {switches}",
        "",
        f"Median of {args.rounds} alternating rounds of {args.iterations} "
        f"iterations (after {args.warmup} warm-up).",
        "",
        "| configuration | plain loop (it/s) | book's trainer (it/s) "
        "| trainer / plain |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r['config']} | {r['plain']:.2f} | {r['trainer']:.2f} "
        f"| {r['ratio']:.2f}× |"
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
        "--bf16", action="store_true", help="trainer: bfloat16 autocast (CUDA)"
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
    rows = []
    for name in args.configs:
        rows.append(measure(CONFIGS[name], device, args))
        row = rows[-1]
        print(
            f"{row['config']}: plain {row['plain']:.2f} it/s, "
            f"trainer {row['trainer']:.2f} it/s, ratio {row['ratio']:.2f}",
            flush=True,
        )
    report = table(rows, device, args)
    print("\n" + report)
    if args.record:
        with RESULTS.open("a") as results:
            results.write("\n" + report)


if __name__ == "__main__":
    main()
