"""The two MNIST GANs of the chapter "From the MLP GAN to DCGAN", and the shipped DCGAN generator.

- ``mlp``: the 2014 paper's MNIST players (Goodfellow et al. 2014) as MLPs: G has two
  ReLU hidden layers of 1200 units, D two hidden layers of 240 units. The paper's
  D used maxout units with dropout; the book's D uses LeakyReLU(0.2), as its other
  MLP discriminators do (:class:`gan_lib.models.MLPDiscriminator`).
- ``dcgan``: :mod:`gan_lib.dcgan` at 28×28 (7×7 → 14 → 28), width 32 so that the
  ``cpu`` profile trains in minutes on two cores.

Both map z ∈ R^100 to images in [−1, 1] of shape (1, 28, 28); both Ds return logits.

The shipped generator ``gan_lib/checkpoints/mnist_dcgan_generator.pt`` (and its
training log beside it) is reproduced on CPU by::

    GAN_BOOK_DATA=../shared/data python -m gan_lib.mnist_gan --iterations 1500
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gan_lib import pretrained
from gan_lib.classifier import CHECKPOINT_DIR
from gan_lib.data import load_images, to_unit_range
from gan_lib.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lib.models import mlp
from gan_lib.sample_quality import SampleJudge

LATENT_DIM = 100
IMAGE_SHAPE = (1, 28, 28)
DCGAN_WIDTH = 32
GENERATOR_CHECKPOINT = CHECKPOINT_DIR / "mnist_dcgan_generator.pt"


class MLPImageGenerator(nn.Module):
    """G(z) = tanh(MLP(z)) reshaped to (1, 28, 28): the 2014 paper's fully connected generator."""

    def __init__(self, latent_dim: int = LATENT_DIM, hidden: int = 1200) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(latent_dim, int(np.prod(IMAGE_SHAPE)), hidden=hidden, depth=2)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(z)).view(-1, *IMAGE_SHAPE)


class MLPImageDiscriminator(nn.Module):
    """D(x) as a logit: the image flattened to 784 numbers, two LeakyReLU(0.2) hidden layers, one output."""

    def __init__(self, hidden: int = 240) -> None:
        super().__init__()
        self.net = mlp(int(np.prod(IMAGE_SHAPE)), 1, hidden=hidden, depth=2, activation=lambda: nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(1)


def mnist_players(kind: str) -> tuple[nn.Module, nn.Module]:
    """(G, D) of the given kind: ``mlp`` (the 2014 paper's setup) or ``dcgan`` (Radford et al. 2015)."""
    if kind == "mlp":
        return MLPImageGenerator(), MLPImageDiscriminator()
    if kind == "dcgan":
        return DCGANGenerator(28, LATENT_DIM, 1, DCGAN_WIDTH), DCGANDiscriminator(28, 1, DCGAN_WIDTH)
    raise ValueError(f"Unknown MNIST GAN {kind!r}. Valid kinds: mlp, dcgan.")


def quality_probe(judge: SampleJudge, n: int = 1000, seed: int = 12345):
    """A trainer probe: the Fréchet classifier distance, class counts and mean confidence of n samples of G.

    The noise is the same at every call (seeded), so the curve shows G changing, not z.
    """

    @torch.no_grad()
    def probe(generator: nn.Module, discriminator: nn.Module) -> dict[str, torch.Tensor]:
        device = next(generator.parameters()).device
        z = torch.randn(n, generator.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device)
        quality = judge(generator(z))
        return {
            "frechet_distance": torch.tensor(quality.frechet_distance),
            "class_counts": torch.as_tensor(quality.class_counts),
            "mean_confidence": torch.tensor(quality.mean_confidence),
        }

    return probe


def image_grid(images: torch.Tensor, nrow: int = 8) -> np.ndarray:
    """Images in [−1, 1], (n, 1, H, W), tiled by ``torchvision.utils.make_grid`` into one (H', W') array in [0, 1]."""
    from torchvision.utils import make_grid

    return make_grid(to_unit_range(images.detach().float().cpu()), nrow=nrow, padding=2, pad_value=1.0)[0].numpy()


def load_pretrained_generator(path: str | Path = GENERATOR_CHECKPOINT, device: torch.device | str = "cpu") -> DCGANGenerator:
    """The shipped DCGAN generator (eval mode, on ``device``; loads on CPU without a GPU)."""
    saved = pretrained.read_checkpoint(path)
    generator = DCGANGenerator(**saved["config"])
    pretrained.load_into(generator, path, config=saved["config"])
    return generator.to(device).eval()


def main(argv: list[str] | None = None) -> None:
    """Command line: train the MNIST DCGAN with the book's trainer and ship its generator."""
    from gan_lib.classifier import load_reference_classifier
    from gan_lib.train import Trainer

    parser = argparse.ArgumentParser(description="Train the GAN Book's MNIST DCGAN and save its generator.")
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=GENERATOR_CHECKPOINT)
    args = parser.parse_args(argv)
    command = f"python -m gan_lib.mnist_gan --iterations {args.iterations} --seed {args.seed}"
    lines = [f"{command}  (torch {torch.__version__}, {torch.get_num_threads()} threads)"]
    print(lines[0], flush=True)
    torch.manual_seed(args.seed)
    generator, discriminator = mnist_players("dcgan")
    judge = SampleJudge(load_reference_classifier(), load_images("mnist", train=False).images)  # all 10,000 test digits
    every = max(args.iterations // 10, 1)
    trainer = Trainer(
        generator, discriminator, load_images("mnist").images, batch_size=128, device="cpu", seed=args.seed,
        log_every=10, snapshot_at=range(every, args.iterations + 1, every), snapshot_size=16, probe=quality_probe(judge),
    )
    start = time.perf_counter()
    for _ in range(args.iterations // every):
        trainer.train(every, progress=False)
        probes = trainer.history.snapshots[-1].probes
        line = (f"iteration {trainer.iteration}: Fréchet classifier distance {probes['frechet_distance']:.2f}, "
                f"mean confidence {probes['mean_confidence']:.3f}, digits present {int((probes['class_counts'] > 0).sum())}/10, "
                f"{time.perf_counter() - start:.0f} s")
        print(line, flush=True)
        lines.append(line)
    metadata = {"command": command, "iterations": trainer.iteration, "frechet_classifier_distance": float(probes["frechet_distance"])}
    pretrained.save_model(generator.cpu(), args.out, {"image_size": 28, "latent_dim": LATENT_DIM, "channels": 1, "width": DCGAN_WIDTH}, metadata)
    lines.append(f"saved {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    print(lines[-1])
    args.out.with_suffix(".log").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
